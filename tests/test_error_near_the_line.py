"""A GD run's ``error`` bounds every value it reports where the orbit passes near the repelling line.

ω = 1, z̃₀ = −2, J̃² = 1/2 + 68·2⁻¹⁵² lands on z̃₁ = 272·2⁻¹⁵² exactly, at T₁ ≈ 9/2 where the line z̃ = 0 repels: z̃
grows by |1 − T| = 7/2 a step and the exact orbit passes the divergence bound at step 86. Before, a run of exactly
K steps at 30 digits rounded J̃² to 1/2, landed on z̃₁ = 0 and stayed there: z = 0 at step 80 with error 1.3·10⁻³⁹
(fixed point), where the exact z₈₀ is −0.4507. A run of K steps now comes within the tolerance of that line as a
max-steps run does (gd_mp._at_tolerance): it is redone with the bits that keep the requested digits where the exact
orbit is off the line (``_finer``), carries its bound along its orbit in every engine, and stops as an
UNSTABLE_FIXED_POINT where no run at these digits resolves the exact orbit. Each value is compared with a
reference orbit at 4× the digits (or more), computed here from the exact start.
"""
from __future__ import annotations

import json
from fractions import Fraction as F

import mpmath
import pytest
from hypothesis import assume, event, example, given, settings
from hypothesis import strategies as st

from sorm.numerics.engines.gd_engines import make_engine
from sorm.numerics.engines.gd_mp import GDStatus, run_gd
from sorm.numerics.problem import from_state, from_theta
from sorm.numerics.status import divergence_bound
from sorm.proofs_check.cli import main

from test_engines_agree import exact_orbit
from test_status_near_the_line import _OMEGAS, _on_the_preimage

OFFSET = F(68, 2**152)
REPORTED = from_state("1", "-2", [F(1, 2) + OFFSET])
HALF_ETA = from_state("1", "-4", [2 * (F(1, 2) + OFFSET)], eta=F(1, 2))  # the same z̃, J̃² orbit at η = 1/2


def reference(problem, steps, dps):
    """{"z", "J2", "ntk", "eta_ntk"} at step ``steps`` of the (z̃, J̃(ω_i)²) map iterated from the exact start at
    ``dps`` digits (unscaled, as GDResult reports them), or None if the orbit passes the divergence bound first."""
    with mpmath.workdps(dps):
        def mpf(x):
            return mpmath.mpf(x.numerator) / x.denominator

        w, z, J, eta = [mpf(x) for x in problem.omegas], mpf(problem.zt0), [mpf(j) for j in problem.J2t], mpf(problem.eta)
        B = mpf(F(divergence_bound(problem.zt0, problem.T0, problem.Et)))
        for _ in range(steps):
            T, S = mpmath.fsum(J), mpmath.fsum(wi * j for wi, j in zip(w, J))
            if not (abs(z) <= B and T <= B):
                return None
            z, J = z * (1 - T) + z * z * S / 2, [(1 - z * wi) ** 2 * j for wi, j in zip(w, J)]
        T = mpmath.fsum(J)
        return {"z": z / eta, "J2": tuple(j / eta for j in J), "ntk": T / eta, "eta_ntk": T}


def pairs(res, ref):
    """(name, value, error, reference value) for every quantity the result reports."""
    out = [(q, getattr(res, q), res.error[q], ref[q]) for q in ("z", "ntk", "eta_ntk")]
    return out + [(f"J2[{k}]", v, e, r) for k, (v, e, r) in enumerate(zip(res.J2, res.error["J2"], ref["J2"]))]


def printed_digits_are_true(text, digits, want):
    """The decimal ``text`` of ``digits`` significant digits is ``want`` to within one unit of its last digit."""
    return digits == 0 or abs(mpmath.mpf(text) - want) <= abs(want) * mpmath.mpf(10) ** (1 - digits)


@pytest.mark.parametrize("method", ["fixed-point", "mpmath"])
@pytest.mark.parametrize("dps", [20, 30, 40])
@pytest.mark.parametrize("steps", [40, 80, 85, 86])
def test_k_steps_of_the_reported_state_are_bounded_and_keep_their_digits(steps, dps, method):
    """Exactly K steps (STEPS_DONE), each value (z, J², λ, ηλ) within its error of the orbit at 4·dps digits, and that
    error leaves at least dps − 2 digits of each (the rerun keeps the requested digits; z₄₀ = −7.9·10⁻²³, z₈₆ = 3.6·10¹⁰).
    No doubled-precision check here: the engine's own bound must hold."""
    r = run_gd(REPORTED, dps=dps, steps=steps, method=method)
    ref = reference(REPORTED, steps, 4 * dps)
    assert r.status is GDStatus.STEPS_DONE and r.steps == steps
    with mpmath.workdps(4 * dps):
        for name, v, e, want in pairs(r, ref):
            assert abs(v - want) <= e, (name, v, want, e)
            assert e <= abs(want) * mpmath.mpf(10) ** (2 - dps), (name, e, want)
    shown = r.shown(unchecked=True)
    with mpmath.workdps(4 * dps):
        for q in ("z", "ntk", "eta_ntk"):
            assert printed_digits_are_true(*shown[q], ref[q]), q


@pytest.mark.parametrize("method", ["fixed-point", "mpmath"])
def test_eta_scales_each_value_and_its_error(method):
    """η = 1/2 with z₀ = −4, J² = 2J̃²: the same z̃, J̃² orbit, so z = z̃/η and λ = ηλ/η; each within its error."""
    r = run_gd(HALF_ETA, dps=30, steps=80, method=method)
    ref = reference(HALF_ETA, 80, 120)
    assert r.status is GDStatus.STEPS_DONE
    with mpmath.workdps(120):
        assert r.ntk == 2 * r.eta_ntk and r.z == 2 * run_gd(REPORTED, dps=30, steps=80, method=method).z
        for name, v, e, want in pairs(r, ref):
            assert abs(v - want) <= e <= abs(want) * mpmath.mpf(10) ** -28, (name, v, want, e)


@pytest.mark.parametrize("method", ["fixed-point", "mpmath"])
@pytest.mark.parametrize("steps", [40, 80, 86])
def test_at_15_digits_the_run_stops_where_it_cannot_resolve_the_orbit(steps, method):
    """At 15 digits z̃₁ = 272·2⁻¹⁵² is below 2^−2b·scale (b = 66 bits): no rerun resolves it, and a run of K steps stops
    at step 1 as an UNSTABLE_FIXED_POINT (as a max-steps run does), its values within their errors of step 1. It used to
    run on along the line and report z = 0 at step 80 (|z| < 9.3·10² with the check), and at step 87 |z| < 6.0·10⁶,
    where the exact orbit passed 3.6·10¹⁰ at step 86."""
    r = run_gd(REPORTED, dps=15, steps=steps, method=method)
    assert r.status is GDStatus.UNSTABLE_FIXED_POINT and r.steps == 1
    with mpmath.workdps(60):
        for name, v, e, want in pairs(r, reference(REPORTED, 1, 60)):
            assert abs(v - want) <= e, name


@pytest.mark.parametrize("method", ["fixed-point", "mpmath", "theta"])
def test_a_start_exactly_on_the_repelling_line_reports_that_state_at_step_k(method):
    """θ₀ = (1.1, 0.9), E = 0.2, ω = (1, −1): z̃₀ = 0 exactly at T₀ = 2.02, a fixed point. A max-steps run says
    UNSTABLE_FIXED_POINT at step 0; a run of K steps reports that state as the state of step K (STEPS_DONE), with a
    trajectory of K + 1 states, each value within its error of the exact one (z = 0, J² = (1.21, 0.81))."""
    p = from_theta("1,-1", "0.2", ["1.1", "0.9"])
    assert p.zt0 == 0
    assert run_gd(p, dps=30, method=method).status is GDStatus.UNSTABLE_FIXED_POINT
    r = run_gd(p, dps=30, steps=40, method=method, record=True)
    assert r.status is GDStatus.STEPS_DONE and r.steps == 40 and len(r.trajectory[0]) == 41
    with mpmath.workdps(60):
        for name, v, e, want in pairs(r, reference(p, 0, 60)):
            assert abs(v - want) <= e <= mpmath.mpf(10) ** -28, name


@pytest.mark.parametrize("method", ["fixed-point", "mpmath"])
def test_a_run_leaving_the_line_within_a_wide_tolerance_carries_its_bound(method):
    """tol = 10⁻³ with J̃² = 1/2 + 2⁻²⁰: z̃₁ = 2⁻¹⁸ is below the tolerance and known to more than the requested bits,
    so no extra bits are needed; the fixed-point run, which does not carry its bound, is rerun once carrying it (its
    a-priori bound misses the growth by |1 − T| a step away from the line). At step 20 every value is within its error."""
    p = from_state("1", "-2", [F(1, 2) + F(1, 2**20)])
    r = run_gd(p, dps=30, tol=F(1, 10**3), max_steps=20, method=method)
    assert r.status is GDStatus.MAX_STEPS and r.steps == 20
    with mpmath.workdps(120):
        for name, v, e, want in pairs(r, reference(p, 20, 120)):
            assert abs(v - want) <= e, (name, v, want, e)


@st.composite
def near_the_preimage(draw):
    """A state k·2^−p (|k| ≤ 16, p in 100..250) off the preimage 2 − 2T + Sz̃₀ = 0 of the line, so z̃₁ lands within
    the default tolerance at 30 digits (10⁻²⁵·max(1, |z̃₀|)) of z̃ = 0; and a step count."""
    omegas = [F(w) for w in draw(_OMEGAS)]
    zt0 = draw(st.fractions(F(-3), F(3), max_denominator=8))
    J2 = [draw(st.fractions(F(0), F(2), max_denominator=8)) for _ in omegas[:-1]]
    last = _on_the_preimage(omegas, zt0, J2)
    assume(last is not None)
    J2.append(last + F(draw(st.one_of(st.integers(-16, -1), st.integers(1, 16))), 2 ** draw(st.integers(100, 250))))
    assume(J2[-1] >= 0)
    problem = from_state(omegas, zt0, J2)
    z1, T1 = exact_orbit(problem, 1)[1]
    assume(T1 > 2 and z1 != 0)  # where the line repels
    return problem


@settings(max_examples=40, deadline=None)
@given(near_the_preimage(), st.integers(1, 100), st.sampled_from(["fixed-point", "mpmath"]))
@example(REPORTED, 80, "fixed-point")
@example(from_state("1", "-2", [F(1, 2) - F(3, 2**150)]), 60, "mpmath")
@example(from_state("3/2,1/2", "5/3", ["5/3", F(21044980667851464673285111843, 8665580274997661924293869568)]), 100,
         "fixed-point")
def test_error_bounds_every_value_near_the_preimage_of_the_line(problem, steps, method):
    """Each value (z, J², λ, ηλ) of a run of K steps at 30 digits lies within its error of the orbit at 200 digits,
    whatever the status (the run may stop at the divergence bound or as an UNSTABLE_FIXED_POINT): the reference's
    own error is taken as its difference from the orbit at 160 digits."""
    r = run_gd(problem, dps=30, steps=steps, method=method)
    base = make_engine(problem, method, 30, steps, F(1, 10**25) * max(1, abs(problem.zt0))).prec
    event(f"{r.status.name}, {'rerun with more bits' if r.work_bits > base else 'no extra bits'}")
    ref, ref2 = reference(problem, r.steps, 200), reference(problem, r.steps, 160)
    assume(ref is not None and ref2 is not None)
    with mpmath.workdps(200):
        for (name, v, e, want), (_, _, _, other) in zip(pairs(r, ref), pairs(r, ref2)):
            assert abs(v - want) <= e + abs(want - other), (name, v, want, e)


@pytest.mark.parametrize("dps, steps, status, at", [(15, 87, "unstable_fixed_point", 1), (30, 80, "steps_done", 80),
                                                    (20, 87, "diverged", 86)])
@pytest.mark.parametrize("method", ["fixed-point", "mpmath"])
def test_simulate_prints_only_digits_of_the_4x_reference(dps, steps, status, at, method, capsys):
    """`sorm simulate --steps K` on the reported state: the status, the step, and every printed digit a digit of the
    orbit at 4·dps digits; at 30 digits, 80 steps, all 30 digits of z (−0.450693247364826595470374311920) and ηλ."""
    J = F(1, 2) + OFFSET
    rc = main(["simulate", "--omegas", "1", "--z0", "-2", "--J2", f"{J.numerator}/{J.denominator}", "--dps", str(dps),
               "--steps", str(steps), "--method", method, "--json"])
    d = json.loads(capsys.readouterr().out)
    assert (d["status"], d["steps"], rc) == (status, at, 0 if status == "steps_done" else 1)
    ref = reference(REPORTED, at, 4 * dps)
    with mpmath.workdps(4 * dps):
        for q in ("z", "ntk", "eta_ntk"):
            assert printed_digits_are_true(d["final"][q], d["digits"][q], ref[q]), q
        assert printed_digits_are_true(d["final"]["J2"][0], d["digits"]["J2"][0], ref["J2"][0])
    if (dps, steps) == (30, 80):
        assert d["final"]["z"] == "-0.450693247364826595470374311920" and d["digits"]["eta_ntk"] == 30


@pytest.mark.parametrize("method", ["fixed-point", "mpmath"])
@pytest.mark.parametrize("name, problem", [
    ("no gradient below tol", from_state("1,-1", F(1, 10**30), [0, 0])),                  # T = 0 with z ≠ 0
    ("exact fixed point below tol at T = 4", from_state([2**89], F(1, 2**88), [4])),       # z~·ω = 2, a cycle
    ("shrinking at T = 2 + 1e-31", from_state([1, -1], F(1, 10**30), [F(3, 2) + F(1, 2 * 10**31),
                                                                       F(1, 2) + F(1, 2 * 10**31)])),
    ("on the attracting line", from_state([1, -1], 0, [F(1, 4), F(1, 4)])),                # z~ = 0 at T = 1/2
], ids=lambda x: x if isinstance(x, str) else "")
def test_k_steps_below_the_tolerance_are_run_out_where_a_max_steps_run_stops(name, problem, method):
    """A max-steps run stops below the tolerance (NO_GRADIENT, PERIOD2, CONVERGED at step 0); a run of exactly K steps
    runs them all (STEPS_DONE at 5), each value within its error of the 80-digit orbit."""
    assert run_gd(problem, dps=30, method=method).status is not GDStatus.STEPS_DONE
    r = run_gd(problem, dps=30, steps=5, method=method)
    assert r.status is GDStatus.STEPS_DONE and r.steps == 5, (r.status, r.steps)
    with mpmath.workdps(80):
        for q, v, e, want in pairs(r, reference(problem, 5, 80)):
            assert abs(v - want) <= e, q


@pytest.mark.parametrize("method", ["fixed-point", "mpmath"])
def test_a_state_landing_exactly_on_the_repelling_line_is_the_state_of_step_k(method):
    """ω = 1, z̃₀ = −1, J̃² = 2/3: z̃₁ = 0 exactly at T₁ = 8/3 (2/3 is no binary fraction, so each engine is a rounding
    off it). A max-steps run says UNSTABLE_FIXED_POINT at step 1; a run of 40 steps reports the state of step 1 as that
    of step 40 (the exact orbit stays there), each value within its error of it."""
    p = from_state("1", "-1", ["2/3"])
    assert run_gd(p, dps=30, method=method).status is GDStatus.UNSTABLE_FIXED_POINT
    r = run_gd(p, dps=30, steps=40, method=method)
    assert r.status is GDStatus.STEPS_DONE and r.steps == 40
    with mpmath.workdps(60):
        for q, v, e, want in pairs(r, reference(p, 1, 60)):
            assert abs(v - want) <= e <= mpmath.mpf(10) ** -28, q
