"""High-precision GD engines (numerics.engines.gd_mp): agreement between engines, precision, statuses."""
from __future__ import annotations

import dataclasses
import math
from fractions import Fraction as F

import mpmath
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sorm.numerics import InputError
from sorm.numerics.compile.fixedpoint import compile_horner, from_fixed, to_fixed, trace
from sorm.numerics.engines.gd_mp import GDStatus, agreed_digits, fixed_point_bits, run_gd
from sorm.numerics.engines.gf import gf_limit
from sorm.numerics.problem import from_state, from_theta


def digits(x, y, dps):
    return agreed_digits(x, y, dps)


# ------------------------------------------------------------------ fixed-point tracing


def test_trace_matches_exact_rational_evaluation():
    """The traced fixed-point code of a generated map equals exact rational evaluation to ~2^-p."""
    from sorm.numerics import _derived as D

    a, b, Et, p = F(1, 2), F(-3, 4), F(1, 5), 200
    prog = trace(lambda z, T: (D.planar_zt_next(z, T, a, b, Et), D.planar_T_next(z, T, a, b, Et)), 2, p, ("z", "T"))
    ns = dict(prog.consts)
    z0, T0 = F(3, 100), F(201, 100)
    ns.update(z=to_fixed(z0, p), T=to_fixed(T0, p))
    exec("\n".join(prog.lines), ns)
    exact = (D.planar_zt_next(z0, T0, a, b, Et), D.planar_T_next(z0, T0, a, b, Et))
    for name, ref in zip(prog.outputs, exact):
        got = F(ns[name], 2**p) if not name.lstrip("-").isdigit() else F(int(name), 2**p)
        assert abs(got - ref) < F(64, 2**p)


@pytest.mark.parametrize("w1,w2,Et", [(F(1), F(-1), F(1, 5)), (F(3, 2), F(-1, 2), F(-2, 7)), (F(5), F(1, 3), F(0))],
                         ids=["paper(1,-1)", "generic", "E=0"])
def test_horner_program_matches_exact_and_is_shorter(w1, w2, Et):
    """compile_horner: same values as exact rational evaluation (to ~2^-p), fewer operations than trace."""
    from sorm.numerics import _derived as D

    a, b, p = w1 + w2, w1 * w2, 160
    fn = lambda z, T: (D.planar_zt_next(z, T, a, b, Et), D.planar_T_next(z, T, a, b, Et))  # noqa: E731
    hp, tp = compile_horner(fn, 2, p, ("z", "T")), trace(fn, 2, p, ("z", "T"))
    assert hp.n_ops < tp.n_ops
    for z0, T0 in [(F(3, 100), F(201, 100)), (F(-1, 3), F(1, 2)), (F(0), F(2))]:
        ns = dict(hp.consts)
        ns.update(z=to_fixed(z0, p), T=to_fixed(T0, p))
        exec("\n".join(hp.lines), ns)
        for name, ref in zip(hp.outputs, fn(z0, T0)):
            got = F(ns[name] if name in ns else int(name.strip("()")), 2**p)
            assert abs(got - ref) < F(256, 2**p)


def test_trace_refuses_division_by_state():
    with pytest.raises(TypeError, match="polynomial"):
        trace(lambda z: (1 / z,), 1, 64)


def test_fixed_roundtrip():
    with mpmath.workdps(50):
        x = from_fixed(to_fixed(F(1, 3), 200), 200)
        assert abs(x - mpmath.mpf(1) / 3) < mpmath.mpf(2) ** -199


# ------------------------------------------------------------------ engines agree


CASES = {
    "P2-eos-(1,-1)": from_state("1,-1", "0.001", "1.2015,0.7995"),
    "P2-generic": from_state("3/2,-1/2", "0.02", "0.9,0.7"),
    "P3-zero-mode": from_state("1,0,-2", "0.05", "0.8,0,0.3"),
    "P1": from_state("1", "0.1", "1.5"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_fixed_point_equals_mpmath_path(name):
    """The fixed-point fast path and the plain mpmath path give the same digits (dps 40)."""
    prob = CASES[name]
    fx = run_gd(prob, dps=40, method="fixed-point")
    mp_ = run_gd(prob, dps=40, method="mpmath")
    assert fx.status is mp_.status is GDStatus.CONVERGED
    assert fx.steps == mp_.steps
    assert digits(fx.eta_ntk, mp_.eta_ntk, 40) >= 34
    for a, b in zip(fx.J2, mp_.J2):
        with mpmath.workdps(40):
            assert abs(a - b) <= mpmath.mpf(10) ** -33 * max(1, abs(b))


def test_theta_engine_equals_map():
    prob = from_theta("1,-1/2,2", "0.1", "0.7,0.6,-0.2", eta="0.3")
    th = run_gd(prob, dps=40, method="theta")
    mp_ = run_gd(prob, dps=40, method="mpmath")
    fx = run_gd(prob, dps=40)
    assert th.status is mp_.status is fx.status is GDStatus.CONVERGED
    assert digits(th.eta_ntk, mp_.eta_ntk, 40) >= 34
    assert digits(th.eta_ntk, fx.eta_ntk, 40) >= 34


@given(
    w1=st.fractions(min_value=-3, max_value=3, max_denominator=8),
    w2=st.fractions(min_value=-3, max_value=3, max_denominator=8),
    zt=st.fractions(min_value=-1, max_value=1, max_denominator=1000),
    j1=st.fractions(min_value=0, max_value=2, max_denominator=1000),
    j2=st.fractions(min_value=0, max_value=2, max_denominator=1000),
)
@example(w1=F(1), w2=F(0), zt=F(1, 10), j1=F(1), j2=F(0))  # a zero eigenvalue
@example(w1=F(1), w2=F(-1), zt=F(1, 100), j1=F(6, 5), j2=F(4, 5))  # T exactly 2
@example(w1=F(1), w2=F(-1), zt=F(0), j1=F(1), j2=F(1))  # z = 0: converged at step 0
@example(w1=F(1), w2=F(2), zt=F(1, 10**12), j1=F(1, 10**9), j2=F(1, 10**9))  # tiny scale
@example(w1=F(1), w2=F(-1), zt=F(1, 2), j1=F(2), j2=F(2))  # large: diverges
@settings(deadline=None)
def test_engines_agree_to_their_checked_digits(w1, w2, zt, j1, j2):
    """fixed-point vs mpmath over 25 steps: they agree to (about) the digits each one certifies."""
    if w1 == 0:
        j1 = F(0)
    if w2 == 0:
        j2 = F(0)
    prob = from_state([w1, w2], zt, [j1, j2])
    fx = run_gd(prob, dps=30, steps=25, check_digits=True)
    mp_ = run_gd(prob, dps=30, steps=25, method="mpmath", check_digits=True)
    assert (fx.status is GDStatus.DIVERGED) == (mp_.status is GDStatus.DIVERGED) or \
        min(fx.agreed_digits, mp_.agreed_digits) < 5
    if fx.status is GDStatus.STEPS_DONE and mp_.status is GDStatus.STEPS_DONE:
        assert fx.steps == mp_.steps == 25
        assert digits(fx.eta_ntk, mp_.eta_ntk, 30) >= min(fx.agreed_digits, mp_.agreed_digits) - 2


# ------------------------------------------------------------------ precision


def test_doubling_precision_leaves_agreed_digits_unchanged():
    """Digits agreeing between dps and 2·dps are the digits that agree with 4·dps too."""
    prob = CASES["P2-generic"]
    r = run_gd(prob, dps=30, check_digits=True, tol="1e-28")
    r4 = run_gd(prob, dps=120, tol="1e-28")
    assert r.agreed_digits >= 25
    assert abs(digits(r.eta_ntk, r4.eta_ntk, 30) - r.agreed_digits) <= 1
    r2 = run_gd(prob, dps=60, check_digits=True, tol="1e-28")
    assert r2.agreed_digits >= r.agreed_digits  # more precision never certifies fewer digits


def test_doubling_precision_on_a_chaotic_orbit():
    """A chaotic orbit (one mode, E = 3/2) loses digits; the doubled-precision check says how many."""
    prob = _p1(F(3, 2), F(1, 2))
    r = run_gd(prob, dps=30, steps=150, check_digits=True)
    r4 = run_gd(prob, dps=120, steps=150)
    assert 5 <= r.agreed_digits <= 25  # digits really are lost, and some survive
    assert abs(digits(r.eta_ntk, r4.eta_ntk, 30) - r.agreed_digits) <= 1


def test_check_digits_with_default_tolerance_reflects_truncation():
    r = run_gd(CASES["P2-eos-(1,-1)"], dps=40, check_digits=True)
    assert 25 <= r.agreed_digits <= 40
    assert r.dps == 40 and r.work_bits > 40 * math.log2(10)


def test_bit_budget_grows_with_digits_steps_and_tolerance():
    prob = CASES["P2-generic"]
    base = fixed_point_bits(prob, 50, 10**5, F(1, 10**45))
    assert fixed_point_bits(prob, 100, 10**5, F(1, 10**45)) > base + 150
    assert fixed_point_bits(prob, 50, 10**9, F(1, 10**45)) > base + 10
    assert fixed_point_bits(prob, 50, 10**5, F(1, 10**90)) > base + 100


def test_global_precision_untouched():
    run_gd(CASES["P1"], dps=80, method="mpmath", check_digits=True)
    assert mpmath.mp.dps == 15


# ------------------------------------------------------------------ statuses


def _p1(E, T0):
    """One mode ω = 1: the invariant gives z = T/2 − E."""
    return from_state("1", F(T0) / 2 - F(E), [F(T0)])


@pytest.mark.parametrize("method", ["fixed-point", "mpmath"])
def test_status_period2(method):
    r = run_gd(_p1(F(11, 10), F(1, 2)), dps=30, method=method, record=True)
    assert r.status is GDStatus.PERIOD2
    ets, zs = r.trajectory
    with mpmath.workdps(30):
        assert abs(zs[-1] - zs[-3]) < mpmath.mpf(10) ** -10
        assert abs(zs[-1] - zs[-2]) > mpmath.mpf("0.1")  # it really alternates
        assert abs(ets[-1] - ets[-3]) < mpmath.mpf(10) ** -10


@pytest.mark.parametrize("method", ["fixed-point", "mpmath", "theta"])
def test_status_diverged(method):
    prob = from_theta("1,-1", "0", "3,2")
    r = run_gd(prob, dps=30, method=method)
    assert r.status is GDStatus.DIVERGED
    assert r.steps < 50


@pytest.mark.parametrize("method", ["fixed-point", "mpmath"])
def test_status_max_steps_and_steps_done(method):
    prob = CASES["P2-eos-(1,-1)"]
    r = run_gd(prob, dps=30, max_steps=100, method=method)
    assert r.status is GDStatus.MAX_STEPS and r.steps == 100
    r = run_gd(prob, dps=30, steps=7, method=method, record=True)
    assert r.status is GDStatus.STEPS_DONE and r.steps == 7
    ets, zs = r.trajectory
    assert len(ets) == len(zs) == 8
    with mpmath.workdps(30):
        assert ets[0] == mpmath.mpf(prob.T0.numerator) / prob.T0.denominator
        assert abs(zs[0] - mpmath.mpf("0.001")) < mpmath.mpf(10) ** -28


def test_status_converged_and_messages():
    r = run_gd(CASES["P2-generic"], dps=30)
    assert r.status is GDStatus.CONVERGED and abs(r.z) < r.tol
    assert all(isinstance(s.message, str) and len(s.message) > 10 for s in GDStatus)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.steps = 3  # type: ignore[misc]


def test_unscaled_outputs_consistent():
    prob = from_state("1,-1", "0.004", "2.4,1.6", eta="1/2")  # eta*lambda = 2: at the edge
    r = run_gd(prob, dps=30)
    with mpmath.workdps(30):
        assert abs(r.eta_ntk - r.ntk / 2) < mpmath.mpf(10) ** -28
        assert abs(mpmath.fsum(r.J2) - r.ntk) < mpmath.mpf(10) ** -27
        # the invariant Σ J²/ω − 2z = 2E holds at the end
        inv = r.J2[0] / 1 - r.J2[1] - 2 * r.z
        assert abs(inv - 2 * mpmath.mpf(prob.E.numerator) / prob.E.denominator) < mpmath.mpf(10) ** -25


# ------------------------------------------------------------------ GD -> GF as eta -> 0


@pytest.mark.slow
def test_gd_tends_to_gf_with_error_order_eta():
    """|λ_GD(η) − λ_GF| = O(η): fitted log-log slope over a geometric η sequence lies in [0.85, 1.15]."""
    etas = [F(1, 40), F(1, 80), F(1, 160), F(1, 320)]
    errs = []
    for eta in etas:
        prob = from_theta("1,-1/2", "1/10", "7/10,6/10", eta=eta)
        gf = gf_limit(prob, dps=30)
        gd = run_gd(prob, dps=30, tol="1e-22", max_steps=10**6)
        assert gd.status is GDStatus.CONVERGED
        with mpmath.workdps(30):
            errs.append(float(abs(gd.ntk - gf.ntk)))
    slope = np.polyfit(np.log([float(e) for e in etas]), np.log(errs), 1)[0]
    assert 0.85 <= slope <= 1.15, (slope, errs)


# ------------------------------------------------------------------ bad input


BAD = [
    ("dps-too-low", dict(dps=10)),
    ("dps-absurd", dict(dps=10**6)),
    ("dps-not-a-number", dict(dps="many")),
    ("max-steps-zero", dict(max_steps=0)),
    ("max-steps-negative", dict(max_steps=-5)),
    ("steps-zero", dict(steps=0)),
    # above the cap of 10**9 steps; with a bad method too, so that a missing cap fails at once instead of running
    ("max-steps-above-1e9", dict(max_steps=10**9 + 1, method="euler")),
    ("steps-above-1e9", dict(steps=10**9 + 1, method="euler")),
    ("tol-zero", dict(tol=0)),
    ("tol-negative", dict(tol="-1e-5")),
    ("tol-nan", dict(tol=float("nan"))),
    ("method-unknown", dict(method="euler")),
    ("theta-without-theta0", dict(method="theta")),
]


@pytest.mark.parametrize("kwargs", [k for _, k in BAD], ids=[i for i, _ in BAD])
def test_bad_arguments(kwargs):
    """One line that starts with the argument at fault (the first one given), ``name=value``."""
    with pytest.raises(InputError) as exc:
        run_gd(CASES["P1"], **kwargs)
    assert "\n" not in str(exc.value) and str(exc.value).startswith(f"{next(iter(kwargs))}=")


def test_bad_argument_messages_say_what_was_expected():
    """The whole message of an unknown method (every method listed) and of a step count above the cap, and the
    argument the CLI names as its option (``arg``). The step counts are checked before the method."""
    with pytest.raises(InputError) as exc:
        run_gd(CASES["P1"], method="euler")
    assert str(exc.value) == "method='euler': expected one of auto, fixed-point, mpmath, theta; pass e.g. method='auto'"
    assert exc.value.arg == "method"
    for name in ("max_steps", "steps"):
        with pytest.raises(InputError) as exc:
            run_gd(CASES["P1"], **{name: 10**9 + 1, "method": "euler"})  # the steps are checked first
        assert str(exc.value) == f"{name}=1000000001: expected at most 1000000000; pass a smaller {name}"
        assert exc.value.arg == name


def test_bad_problem():
    with pytest.raises(InputError, match="problem="):
        run_gd("1,-1")


@pytest.mark.parametrize("method", ["auto", "mpmath"])
def test_a_start_on_or_near_the_unstable_line_is_not_converged(method):
    """z0 = 0 at eta*lambda = 2.01 is an unstable fixed point; z0 = 1e-60 leaves the line and self-stabilizes
    to the value the float64 engine reaches (1.98994223 at 16512 steps)."""
    on = run_gd(from_state([1, -1], "0", "1.215,0.795"), dps=30, method=method)
    assert on.status is GDStatus.UNSTABLE_FIXED_POINT and on.steps == 0
    below = run_gd(from_state([1, -1], "0", "0.6,0.4"), dps=30, method=method)
    assert below.status is GDStatus.CONVERGED
    near = run_gd(from_state([1, -1], "1e-60", "1.215,0.795"), dps=30, method=method)
    assert near.status is GDStatus.CONVERGED and near.steps > 10_000
    assert abs(near.eta_ntk - mpmath.mpf("1.98994223")) < 1e-8
    short = run_gd(from_state([1, -1], "1e-60", "1.215,0.795"), dps=30, method=method, max_steps=500)
    assert short.status is GDStatus.UNSTABLE_FIXED_POINT
