"""Every GD engine gives the same status for a state within its rounding of the repelling fixed line.

A start on the preimage 2 − 2T₀ + S₀z̃₀ = 0 lands on z̃₁ = 0 exactly (z̃' = z̃(2 − 2T + Sz̃)/2), at T₁ > 2 where the
line repels; a start a few ulps off it lands a few ulps off the line and leaves it, growing by |1 − T₁| a step. Each
engine rounds: the fixed-point engine absolutely, to 2^−p with p from the step budget too, mpmath relatively. Where
its rounding hides the offset it used to call the start an UNSTABLE_FIXED_POINT at step 1 while a finer engine ran
the orbit out (ω = 1, z̃₀ = −2, J̃² = 1/2 + 68·2⁻¹⁵²: mpmath at 30 digits, 133 bits, rounds J̃² to 1/2 and lands on
z̃₁ = 0 exactly; the fixed-point engine, 152 bits with the default budget, sees z̃₁ = 272·2⁻¹⁵² and diverges at step
86, as the exact orbit does, and at 144 bits with 300 steps it did not). The start is exact, so gd_mp decides from
the exact state there (``_finer``): off the line by at least 2^−2b·scale (b the bits of the requested digits), every
engine reruns with the bits that resolve it; closer, or exactly on it, every engine says UNSTABLE_FIXED_POINT.
"""
from __future__ import annotations

from fractions import Fraction as F

import mpmath
import pytest
from hypothesis import assume, event, example, given, settings
from hypothesis import strategies as st

from sorm.numerics.engines.gd_engines import make_engine
from sorm.numerics.engines.gd_mp import GDStatus, run_gd
from sorm.numerics.precision import bits_for_digits
from sorm.numerics.problem import from_state, from_theta

from test_engines_agree import exact_orbit, reference_divergence_step, reference_orbit

REPORTED = from_state("1", "-2", [F(1, 2) + F(68, 2**152)])
STEPS = 300


def _finest(problem, dps=30):
    """2^−2b·max(1, |z̃₀|, T₀, |Ẽ|), b = ⌈dps·log₂10⌉ + 16: the smallest exact distance from the line a run resolves."""
    return max(F(1), abs(problem.zt0), problem.T0, abs(problem.Et)) / 2 ** (2 * (bits_for_digits(dps)))


@pytest.mark.parametrize("method", ["fixed-point", "mpmath"])
@pytest.mark.parametrize("budget", [STEPS, 100_000])
def test_the_reported_state_diverges_where_the_exact_orbit_does_in_every_engine_and_budget(method, budget):
    """ω = 1, z̃₀ = −2, J̃² = 1/2 + 68·2⁻¹⁵²: z̃₁ = 272·2⁻¹⁵² exactly at T₁ = 9J̃² ≈ 9/2, and the 100-digit orbit passes
    the divergence bound at step 86. Both engines, with either budget, say DIVERGED at step 86, each by a rerun with
    more bits: the first run is within its rounding of the line at step 1, or, the fixed-point engine with 100 000
    steps (152 bits), beyond its bound 2δ = 182·2⁻¹⁵² but within 2⁸ times it, so z̃₁ is not known to the 8 bits
    an engine needs to leave the line on its own. Checked, every printed digit of z and ηλ is a digit of the
    100-digit orbit."""
    (z1, T1) = exact_orbit(REPORTED, 1)[1]
    assert z1 == F(272, 2**152) and T1 > 4
    assert reference_divergence_step(REPORTED, 120, 100) == 86
    r = run_gd(REPORTED, dps=30, max_steps=budget, method=method, check_digits=True)
    assert r.status is GDStatus.DIVERGED and r.steps == 86, (r.status, r.steps)
    base = make_engine(REPORTED, method, 30, budget, F(2, 10**25)).prec
    assert r.work_bits > base
    with mpmath.workdps(100):
        z, T = reference_orbit(REPORTED, 86, 100)[86]
        for got, want, q in ((r.z, z, "z"), (r.eta_ntk, T, "eta_ntk")):
            text, digits = r.shown()[q]
            assert digits == 0 or abs(mpmath.mpf(text) - want) <= abs(want) * mpmath.mpf(10) ** (1 - digits), q
            assert abs(got - want) <= r.error[q], q


@pytest.mark.parametrize("method", ["fixed-point", "mpmath"])
def test_a_state_closer_to_the_line_than_the_finest_resolution_is_an_unstable_fixed_point_everywhere(method):
    """J̃² = 1/2 + k·2⁻²⁴⁰: z̃₁ = 4k·2⁻²⁴⁰, about 2·dps digits below the scale; below 2^−2b·scale (b = 116 bits at
    30 digits, scale 9/4) no engine reruns and each says UNSTABLE_FIXED_POINT at step 1; at k = 2⁸ the exact state
    is above it, and each engine reruns and diverges where the exact orbit does. At the boundary: k = 144 puts z̃₁
    just below 2^−2b·scale (by the scale's own k·2⁻²⁴¹: 576·2⁻²⁴⁰ = 9/4·2⁻²³²), k = 145 just above, and k = 100
    below it by less than the factor 2 that T₁ − 2 = 5/2 would give d = |z̃₁|·min(1, T₁ − 2) if the min were taken
    with 2."""
    unstable = (1, 100, 144)
    for k in (*unstable, 145, 2**8):
        status = GDStatus.UNSTABLE_FIXED_POINT if k in unstable else GDStatus.DIVERGED
        p = from_state("1", "-2", [F(1, 2) + F(k, 2**240)])
        z1 = exact_orbit(p, 1)[1][0]
        assert (z1 < _finest(p)) == (k in unstable)
        r = run_gd(p, dps=30, max_steps=STEPS, method=method)
        want = 1 if k in unstable else reference_divergence_step(p, STEPS, 160)
        assert r.status is status and r.steps == want, (k, r.status, r.steps)



@pytest.mark.parametrize("method", ["fixed-point", "mpmath"])
def test_a_start_beyond_the_exact_orbits_reach_is_classed_on_the_line(method):
    """J̃² = 1/2 + 3⁻⁴²⁰⁰⁰: its denominator has 66 570 bits, beyond the 2¹⁶ that gd_exact follows, so the exact state at
    step 1 (z̃₁ = 4·3⁻⁴²⁰⁰⁰, far inside every rounding) is not known and cannot decide: every engine says
    UNSTABLE_FIXED_POINT at step 1, as within rounding of the line."""
    p = from_state("1", "-2", [F(1, 2) + F(1, 3**42000)])
    assert p.J2t[0].denominator.bit_length() > 1 << 16
    r = run_gd(p, dps=30, max_steps=STEPS, method=method)
    assert r.status is GDStatus.UNSTABLE_FIXED_POINT and r.steps == 1, (r.status, r.steps)

def _on_the_preimage(omegas, zt0, J2):
    """The J̃² of the last mode that puts (z̃₀, J̃²) on the preimage 2 − 2T + Sz̃₀ = 0 of the line, or None."""
    c = [2 - w * zt0 for w in omegas]
    if c[-1] == 0:
        return None
    last = (2 - sum(ci * j for ci, j in zip(c, J2))) / c[-1]
    return last if last >= 0 else None


_OFFSET = st.builds(lambda k, p: F(k, 2**p), st.one_of(st.integers(-16, -1), st.integers(1, 16)), st.integers(90, 250))
_OMEGAS = st.sampled_from([("1",), ("1", "-1"), ("2", "-1/2"), ("3/2", "1/2"), ("1", "2")])


@st.composite
def near_the_preimage(draw):
    """A state a few ulps (k·2^−p, |k| ≤ 16, p in 90..250) off the preimage of the line, landing at T₁ > 2."""
    omegas = [F(w) for w in draw(_OMEGAS)]
    zt0 = draw(st.fractions(F(-3), F(3), max_denominator=8))
    J2 = [draw(st.fractions(F(0), F(2), max_denominator=8)) for _ in omegas[:-1]]
    last = _on_the_preimage(omegas, zt0, J2)
    assume(last is not None)
    J2.append(last + draw(_OFFSET))
    assume(J2[-1] >= 0)
    return from_state(omegas, zt0, J2)


@st.composite
def theta_near_the_preimage(draw):
    """ω = 1, θ₀ rational and E a few ulps off 1/2·θ₀² − z̃₀ with z̃₀ = 2 − 2/θ₀² (on the preimage: T₀ = S₀ = θ₀²)."""
    th = draw(st.sampled_from([F(1, 2), F(2, 3), F(3), F(5, 4)]))
    return from_theta("1", th * th / 2 - (2 - 2 / (th * th)) + draw(_OFFSET), [th])


def _robust(problem):
    """Whether the 30-digit orbits from the exact state at step 1 with z̃₁ moved by ±2⁻⁸ of itself (what an engine
    knows of z̃₁ where it leaves the line) both end as the 160-digit orbit from it does: diverged at the same step,
    or at the same state within 10⁻¹⁰. A chaotic transient after the orbit leaves the line fails this (ω = (3/2, 1/2), z̃₀ = 5/3, T₁ = 3.8: by
    step 100 the orbits differ; the engines end CONVERGED at 201 (mpmath) and MAX_STEPS (fixed point) while the
    exact orbit still converges at step 300), and there only the first step is compared."""
    z, J, w = problem.zt0, problem.J2t, problem.omegas
    z1, J1 = z * (1 - sum(J)) + z * z * sum(a * j for a, j in zip(w, J)) / 2, [(1 - z * a) ** 2 * j for a, j in zip(w, J)]

    def end(zt, dps):
        return reference_orbit(from_state(list(w), zt, J1), STEPS - 1, dps)

    want = end(z1, 160)
    with mpmath.workdps(160):
        return all(len(o) == len(want) and (len(o) < STEPS or all(abs(a - b) <= max(1, abs(b)) / 10**10
                                                                  for a, b in zip(o[-1], want[-1])))
                   for o in (end(z1 * (1 + F(s, 256)), 30) for s in (-1, 1)))


@settings(max_examples=60, deadline=None)
@given(st.one_of(near_the_preimage(), theta_near_the_preimage()))
@example(REPORTED)
@example(from_state("1", "-2", [F(1, 2) - F(3, 2**150)]))
@example(from_theta("1", F(49, 18) + F(1, 2**140), ["3"]))
@example(from_state("3/2,1/2", "5/3", ["5/3", F(21044980667851464673285111843, 8665580274997661924293869568)]))
def test_engines_agree_on_states_a_few_ulps_off_the_preimage_of_the_repelling_line(problem):
    """Where the exact z̃₁ is closer to the line than the finest resolution (times T₁ − 2 when below 1), every
    high-precision engine says UNSTABLE_FIXED_POINT at step 1; elsewhere none does, and where the orbit from step 1
    is robust every engine gives the same status at the same step, the exact orbit's: DIVERGED at
    the 160-digit orbit's step, or not DIVERGED."""
    z1, T1 = exact_orbit(problem, 1)[1]
    assume(T1 > 2 and z1 != 0)
    methods = ("fixed-point", "mpmath") + (("theta",) if problem.theta0 is not None else ())
    got = {m: (r.status, r.steps) for m in methods for r in [run_gd(problem, dps=30, max_steps=STEPS, method=m)]}
    on_line = (GDStatus.UNSTABLE_FIXED_POINT, 1)
    if abs(z1) * min(1, T1 - 2) < _finest(problem):
        event("closer than the finest resolution")
        assert set(got.values()) == {on_line}, got
        return
    assert on_line not in got.values(), got
    if not _robust(problem):
        event("the orbit from step 1 is not robust")
        return
    assert len(set(got.values())) == 1, got
    status, steps = next(iter(got.values()))
    truth = reference_divergence_step(problem, STEPS, 160)
    event(status.name)
    if truth is None:
        assert status is not GDStatus.DIVERGED
    else:
        assert (status, steps) == (GDStatus.DIVERGED, truth)


@pytest.mark.parametrize("method", ["fixed-point", "mpmath"])
def test_a_growing_residual_below_tol_where_the_line_attracts_is_run_on(method):
    """z̃₀ = 10⁻³⁰ (below tol) at T₀ = 2 − 10⁻³³ with S = −1: |1 − T + Sz̃/2| = 1 + 4.99·10⁻³¹, so z̃ grows
    while 0 < T < 2 (and T passes 2 after one step). That is not convergence: the run goes on, and the budget
    ends with z̃ still near the line, an UNSTABLE_FIXED_POINT (not CONVERGED at step 0)."""
    T0, S = 2 - F(1, 10**33), F(-1)
    p = from_state([1, -1], F(1, 10**30), [(T0 + S) / 2, (T0 - S) / 2])
    r = run_gd(p, dps=30, method=method, max_steps=300)
    assert r.status is GDStatus.UNSTABLE_FIXED_POINT and r.steps == 300
