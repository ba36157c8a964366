"""Every printed digit is true: each value a GD engine prints agrees with an independent θ-space run.

The reference is written here from the model's definition (paper §2.1): θ_{t+1} = θ_t − η z_t Q θ_t in
the eigenbasis of Q, z = ½ Σ ω_i θ_i² − E, J(ω_i) = ω_i θ_i, λ = Σ J(ω_i)², run in mpmath at twice the
digits plus guard digits. It shares no code with the engines (no generated map, no fixed point).
"""
from __future__ import annotations

from fractions import Fraction as F

import mpmath
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sorm.numerics.engines.gd_mp import QUANTITIES, run_gd
from sorm.numerics.precision import to_fraction
from sorm.numerics.problem import from_state


def theta_reference(omegas, z0, J2, eta, steps, dps):
    """(z, [J(ω_i)²], λ, ηλ) after ``steps`` θ-space GD steps at ``dps`` significant digits of each.

    z = ½Σω_iθ_i² − E cancels: its absolute error is that of the θ_i, so a small z needs more digits
    than it has; the run is repeated with those digits added."""
    extra = 0
    while True:
        ref = _theta_run(omegas, z0, J2, eta, steps, dps + 20 + extra)
        z = ref["z"]  # a z of 0 may be a z below the resolution: look again with 100 more digits
        need = extra + 100 if z == 0 else max(0, int(-mpmath.log10(abs(z))) + 1)
        if need <= extra or extra >= 1000:
            return ref
        extra = need


def _theta_run(omegas, z0, J2, eta, steps, dps):
    with mpmath.workdps(dps):
        w = [mpmath.mpf(x.numerator) / x.denominator for x in map(F, omegas)]
        eta = mpmath.mpf(F(eta).numerator) / F(eta).denominator
        th = [mpmath.sqrt(mpmath.mpf(F(j).numerator) / F(j).denominator) / abs(wi) for wi, j in zip(w, J2)]
        z0m = mpmath.mpf(F(z0).numerator) / F(z0).denominator
        E = mpmath.fsum(wi * t * t for wi, t in zip(w, th)) / 2 - z0m

        def z_of(th):
            return mpmath.fsum(wi * t * t for wi, t in zip(w, th)) / 2 - E

        for _ in range(steps):
            z = z_of(th)
            th = [t - eta * z * wi * t for wi, t in zip(w, th)]
        J2t = [(wi * t) ** 2 for wi, t in zip(w, th)]
        lam = mpmath.fsum(J2t)
        return {"z": z_of(th), "J2": J2t, "ntk": lam, "eta_ntk": eta * lam}


def assert_printed_digits_true(res, ref):
    """Each printed value lies within one unit of its last printed digit of the reference (for a run
    without the rerun: the digits of the engine's bound alone)."""
    shown = res.shown(unchecked=True)
    for q in QUANTITIES:
        pairs = zip(shown[q], ref[q]) if q == "J2" else [(shown[q], ref[q])]
        for (text, n), r in pairs:
            if text is None:
                assert n == 0
                continue
            x = F(text)
            unit = F(10) ** (_exponent(x) - n + 1) if x else F(10) ** (1 - n)
            with mpmath.workdps(2 * res.dps + 30):
                diff = abs(x - to_fraction(mpmath.mpf(r)))
            assert diff <= unit, (q, text, n, mpmath.nstr(r, 2 * res.dps))


def _exponent(x: F) -> int:
    return int(mpmath.floor(mpmath.log10(abs(mpmath.mpf(x.numerator) / x.denominator))))


STATE = st.tuples(
    st.sampled_from([(1, -1), (2, F(-1, 2)), (1, 3), (F(3, 2), F(-5, 4))]),
    st.fractions(F(-1, 10), F(1, 10), max_denominator=1000),
    st.fractions(F(1, 20), F(2), max_denominator=500),
    st.fractions(F(1, 20), F(2), max_denominator=500),
)


@pytest.mark.slow
@example(state=((1, -1), F(1, 100), F(243, 200), F(159, 200)), dps=40, steps=60, method="fixed-point")
@example(state=((1, -1), F(0), F(1), F(1)), dps=20, steps=10, method="fixed-point")  # z = 0: exactly fixed
@example(state=((1, -1), F(-1, 10), F(2), F(2)), dps=15, steps=30, method="mpmath")  # expanding orbit
@example(state=((1, -1), F(1, 10), F(1, 20), F(197, 235)), dps=15, steps=43, method="mpmath")  # z ~ 6e-52
@given(state=STATE, dps=st.integers(15, 45), steps=st.integers(1, 60), method=st.sampled_from(["fixed-point", "mpmath"]))
@settings(max_examples=20)
def test_every_printed_digit_agrees_with_an_independent_theta_run(state, dps, steps, method):
    omegas, z0, j1, j2 = state
    prob = from_state(list(omegas), z0, [j1, j2])
    res = run_gd(prob, dps=dps, steps=steps, method=method, check_digits=True)
    if res.steps != steps:  # diverged before: the state printed is that of step res.steps
        steps = res.steps
    ref = theta_reference(omegas, z0, [j1, j2], 1, steps, 2 * dps)
    assert_printed_digits_true(res, ref)


@given(state=STATE, dps=st.integers(15, 40), steps=st.integers(1, 40))
@settings(max_examples=15)
def test_the_fixed_point_bound_alone_prints_only_true_digits(state, dps, steps):
    """Without the rerun the digits come from the engine's bound alone (non-expanding orbits, few steps)."""
    omegas, z0, j1, j2 = state
    prob = from_state(list(omegas), z0, [j1, j2])
    res = run_gd(prob, dps=dps, steps=steps)
    if res.steps == steps and abs(res.z) < 1:  # orbits that blow up expand errors faster than the bound
        assert_printed_digits_true(res, theta_reference(omegas, z0, [j1, j2], 1, steps, 2 * dps))


def test_an_expanding_orbit_breaks_the_bound_alone_and_unchecked_digits_are_not_claimed():
    """A chaotic one-mode orbit (ω = 1, Ẽ = 3/2, T₀ = 1/2) multiplies rounding errors at its Lyapunov rate:
    after 150 steps at 30 digits the fixed-point engine's bound (N + 1)·δ is false by 17 orders of
    magnitude. Without the rerun nothing is claimed; the rerun finds the digits that are left."""
    prob = from_state("1", F(1, 4) - F(3, 2), [F(1, 2)])
    ref = theta_reference((1,), F(1, 4) - F(3, 2), [F(1, 2)], 1, 150, 60)
    res = run_gd(prob, dps=30, steps=150)
    with mpmath.workdps(80):
        assert abs(res.z - ref["z"]) > 10 ** 10 * res.error["z"]  # the naive bound is false here
    assert not res.digits_checked
    assert res.shown() == {"z": (None, 0), "J2": [(None, 0)], "ntk": (None, 0), "eta_ntk": (None, 0)}
    assert res.limit_shown() is None or res.limit_shown()[1] == 0
    assert "(unchecked)" in repr(res)
    checked = run_gd(prob, dps=30, steps=150, check_digits=True)
    assert checked.digits_checked and 5 <= checked.shown()["z"][1] <= 20
    assert_printed_digits_true(checked, ref)


def test_the_issue_example_prints_only_true_digits_of_z():
    """z after 5046 steps is 9.89330490556581617219568672901…e-36: the fixed-point engine's 40-digit run
    has only ~17 of them right (its error is absolute), so it may print at most those."""
    prob = from_state([1, -1], "0.01", "1.215,0.795")
    res = run_gd(prob, dps=40, steps=5046, check_digits=True)
    text, n = res.shown()["z"]
    assert 10 <= n <= 17 and F(text) - F("9.89330490556581617219568672901e-36") < F(10) ** (-36 - n + 1)
    assert res.agreed["z"] < 40 and res.shown()["eta_ntk"][1] == 40


# ------------------------------------------------------------------ one status for one state

STATES = [  # (name, model options): converging, at the edge, on the unstable line, diverging
    ("converges", ["--omegas", "1,-1", "--z0", "0.02", "--J2", "1.1,0.9"]),
    ("eos", ["--omegas", "1,-1", "--z0", "0.01", "--J2", "1.215,0.795"]),
    ("unstable-line", ["--omegas", "1,-1", "--E", "0.2", "--theta0", "1.1,0.9"]),
    ("diverges", ["--omegas", "1,-1", "--E", "0", "--theta0", "3,2"]),
]


@pytest.mark.parametrize("steps", [None, "40"])
@pytest.mark.parametrize("name, model", STATES, ids=[n for n, _ in STATES])
def test_every_engine_gives_the_same_status_and_exit_code(name, model, steps, capsys):
    """The same state gives the same status name and exit code in the float64, fixed-point, mpmath and
    θ engines, with and without --steps K (numerics.status.EXIT_CODES)."""
    import json

    from sorm.proofs_check.cli import main

    extra = [] if steps is None else ["--steps", steps]
    got = {}
    engines = [["--float64"], ["--method", "fixed-point"], ["--method", "mpmath"]]
    if "--theta0" in model:
        engines.append(["--method", "theta"])
    for eng in engines:
        rc = main(["simulate", *model, *extra, *eng, "--json"] + ([] if eng == ["--float64"] else ["--dps", "20"]))
        status = json.loads(capsys.readouterr().out)["status"]
        # the float64 engine names convergence by what it passed (below / self-stabilized)
        got[eng[-1]] = ("converged" if status in ("converged_below", "self_stabilized") else status, rc)
    assert len(set(got.values())) == 1, got
