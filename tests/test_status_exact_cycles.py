"""An orbit that repeats exactly is PERIOD2 in every engine, whatever |z̃| is (gd_mp, numerics.engines.gd_exact).

One mode: with u = z̃ω the map of docs/theory.md §3 is u' = u(1 − T) + ½u²T, T' = (1 − u)²T (S = ωT), so a state
depends on ω only through u, and a cycle of (u, T) gives one at every scale z̃ = u/ω. Two exact cycles:

- u = 2, any T > 0: z̃' = z̃(1 − T) + z̃T = z̃ and (1 − 2)²T = T, a fixed point off the line; θ' = (1 − u)θ = −θ,
  so GD has period 2 in θ (the certifier's reading, numerics.certify.enclosure._repeat);
- (u, T) = (−1, 1) ↔ (½, 4): u' = 0 + ½ = ½, T' = 4; u'' = −3/2 + ½ = −1, T'' = ¼·4 = 1.

gd_mp's period-2 rule needs |z̃| > 1000·max(tol̃, 10⁻⁸) (10⁻⁵ at 30 digits), because a slow approach to the line
also repeats within its tolerance there. The reported state ω = 2²⁰, z̃ = 2⁻¹⁹, J̃² = 1 (u = 2) ran out its budget
in every gd_mp engine (MAX_STEPS at 2000 steps), while the certifier and the float64 engine said PERIOD2. Below
the floor gd_mp now asks the exact orbit; below tol it did the same wrong thing another way (CONVERGED or
UNSTABLE_FIXED_POINT at step 0, at z̃ = 2⁻⁸⁹, say).
"""
from __future__ import annotations

from fractions import Fraction as F

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sorm.numerics.certify import CertStatus, enclose_final_ntk
from sorm.numerics.engines.batch import TrajectoryClass
from sorm.numerics.engines.gd_exact import exact_period2
from sorm.numerics.engines.gd_mp import GDStatus, run_gd
from sorm.numerics.problem import from_state, from_theta

from test_engines_agree import batch_runs, exact_orbit

REPORTED = from_state(str(2**20), F(1, 2**19), [1])


def _high_precision(p, max_steps=300):
    return {m: run_gd(p, dps=30, max_steps=max_steps, method=m) for m in
            ("fixed-point", "mpmath", "theta")[: 3 if p.theta0 is not None else 2]}


def test_the_reported_state_is_an_exact_fixed_point_off_the_line():
    """By hand: T = 1, S = ωT = 2²⁰, z̃' = 2⁻¹⁹·0 + ½·2⁻³⁸·2²⁰ = 2⁻¹⁹, J̃²' = (1 − 2⁻¹⁹·2²⁰)²·1 = 1. The same
    state from θ: J = ωθ = 1 at θ = 2⁻²⁰, z = ½ωθ² − E = 2⁻¹⁹ at E = −3·2⁻²¹."""
    assert exact_orbit(REPORTED, 3) == [(F(1, 2**19), 1)] * 4
    th = from_theta(str(2**20), F(-3, 2**21), [F(1, 2**20)])
    assert (th.zt0, th.J2t) == (REPORTED.zt0, REPORTED.J2t)


@pytest.mark.parametrize("max_steps", [300, 2000])
def test_the_reported_state_is_period2_in_every_engine(max_steps):
    """Each gd_mp engine (θ from the θ₀ of the state) says PERIOD2 at its third check (step 256), as the certifier
    (the repeat at step 1) and the float64 engine (both back ends, its first check) do."""
    th = from_theta(str(2**20), F(-3, 2**21), [F(1, 2**20)])
    for p in (REPORTED, th):
        for m, r in _high_precision(p, max_steps).items():
            assert (r.status, r.steps) == (GDStatus.PERIOD2, 256), m
    enc = enclose_final_ntk(REPORTED)
    assert (enc.status, enc.steps) == (CertStatus.PERIOD2, 1)
    for label, cls, _ in batch_runs(REPORTED, max_steps, check_every=64):
        assert cls is TrajectoryClass.PERIOD2, label


def test_exact_period2_compares_every_coordinate_two_steps_apart_and_needs_z_off_the_line():
    """True on both cycles from any step; False one bit off the fixed point (z̃ = 2⁻¹⁹ + 2⁻⁶⁰: it leaves, slowly),
    on the 2-cycle's T alone changed (J̃² = 1 + 2⁻⁴⁰) and on the line (z̃ = 0, T = 3: a fixed point, but of the
    line); None where the orbit's numbers outgrow its reach (z̃ = 1/3, J̃² = 1/7, ω = 1: after step 5)."""
    assert exact_period2(REPORTED, 0) and exact_period2(REPORTED, 5)
    cyc = from_state("1", "-1", ["1"])
    assert exact_period2(cyc, 0) and exact_period2(cyc, 1) and exact_orbit(cyc, 1)[1] == (F(1, 2), 4)
    assert exact_period2(from_state(str(2**20), F(1, 2**19) + F(1, 2**60), [1]), 0) is False
    assert exact_period2(from_state("1", "-1", [1 + F(1, 2**40)]), 0) is False
    assert exact_period2(from_state("1", "0", ["3"]), 0) is False
    assert exact_period2(from_state("1", "1/3", ["1/7"]), 10) is None


@pytest.mark.parametrize("k", [30, 89, 200])
@pytest.mark.parametrize("start", ["fixed", "cycle-a", "cycle-b"])
def test_an_exact_cycle_is_period2_at_any_residual(k, start):
    """z̃ = 2^−(k−1), −2^−k or 2^−(k+1) with ω = 2^k: above tol (10⁻²⁵, k = 30) the check of the third chunk, below it
    (k = 89, 200) the first tolerance stop, at step 0, said PERIOD2. Before: MAX_STEPS at k = 30; below tol
    UNSTABLE_FIXED_POINT (u = 2 at step 0; u = ½ at the budget, run on as growing) and CONVERGED (u = −1: the
    first step halves |z̃|)."""
    w = F(2) ** k
    z0, J2 = {"fixed": (2 / w, 3), "cycle-a": (-1 / w, 1), "cycle-b": (1 / (2 * w), 4)}[start]
    p = from_state([w], z0, [J2])
    for m, r in _high_precision(p).items():
        assert (r.status, r.steps) == (GDStatus.PERIOD2, 256 if k == 30 else 0), m
    assert enclose_final_ntk(p, prec_bits=128, max_steps=300).status is CertStatus.PERIOD2


def test_an_exact_fixed_point_with_eta_lambda_below_the_repeat_tolerance_is_period2_not_no_gradient():
    """u = 2 at T = 2⁻⁷⁰ (z̃ = 2, ω = 1): T is below the repeat tolerance 10⁻¹⁵, where a repeat usually means the
    modes die out (NO_GRADIENT); here T stays 2⁻⁷⁰ exactly and θ changes sign every step: PERIOD2, as the
    certifier says. Before, the fixed-point engine said PERIOD2 and mpmath NO_GRADIENT. (The float64 engine says
    NO_GRADIENT: its rule has no exact orbit to ask.)"""
    p = from_state("1", "2", [F(1, 2**70)])
    for m, r in _high_precision(p).items():
        assert r.status is GDStatus.PERIOD2, m
    assert enclose_final_ntk(p, prec_bits=128).status is CertStatus.PERIOD2


_SCALE = st.integers(0, 300)


@st.composite
def exact_cycles(draw):
    """One mode at ω = ±2^k (or two, the second dead: J̃² = 0, any ω), started on the fixed point u = 2 at a
    dyadic T = m/2^j, or on either point of a dyadic 2-cycle: u = 1 − 2^m (m ≠ 0), T = 2/(1 − u) ↔ u' = −u/(1 − u),
    T' = 2(1 − u) (TESTING.md, "Which exact cycles exist"; m = 1 is the cycle (−1, 1) ↔ (½, 4))."""
    k, sign = draw(_SCALE), draw(st.sampled_from([1, -1]))
    w = sign * F(2) ** k
    kind = draw(st.sampled_from(["fixed", "cycle", "cycle'"]))
    if kind == "fixed":
        z0, J2 = 2 / w, F(draw(st.integers(1, 2**10)), 2 ** draw(st.integers(0, 8)))
    else:
        u = 1 - F(2) ** draw(st.integers(-5, 5).filter(bool))
        u, J2 = (u, 2 / (1 - u)) if kind == "cycle" else (-u / (1 - u), 2 * (1 - u))
        z0 = u / w
    if draw(st.booleans()):
        w2 = F(draw(st.integers(-64, 64)), 8)
        return from_state([w, w2], z0, [J2, 0]) if w2 != w else from_state([w], z0, [J2])
    return from_state([w], z0, [J2])


@given(exact_cycles())
@example(REPORTED)
@example(from_state([-(2**40)], -F(1, 2**41), [4]))  # the 2-cycle's second point, ω < 0
@example(from_state([2**100, F(1, 2)], F(2, 2**100), [F(1, 256), 0]))  # below tol, with a dead mode
def test_every_exact_cycle_is_period2_in_every_engine_that_decides(p):
    """The family above: the exact orbit repeats (checked with the hand-written map), every gd_mp engine says
    PERIOD2, the 128-bit certifier on the mode route too (its balls stay points: dyadic numbers; the 2-D route's
may not, e.g. ω = (2¹⁰⁰, ½) below, where a = 2¹⁰⁰ + ½ and the map's products outgrow 128 bits: NOT_CERTIFIED
at step 37, undecided), and the
    float64 engine, both back ends and routes, where |z̃| is at least 2⁻⁴¹ (its tolerance is 10⁻¹³ absolute,
    below which it calls a state it cannot tell from the line by its tolerance, not by a repeat)."""
    orbit = exact_orbit(p, 2)
    assert orbit[2] == orbit[0] and orbit[0][0] != 0 and p.J2t[1:] in ((), (0,))
    for m, r in _high_precision(p).items():
        assert r.status is GDStatus.PERIOD2, (m, r.status, r.steps)
    enc = enclose_final_ntk(p, prec_bits=128, max_steps=300, route="modes")
    assert enc.status is CertStatus.PERIOD2 and enc.steps in (1, 4), enc.detail  # Brent: step 1 or 4
    if abs(p.zt0) >= F(1, 2**41) and min(abs(z) for z, _ in orbit) >= F(1, 2**41):
        for label, cls, _ in batch_runs(p, 300, check_every=64):
            assert cls is TrajectoryClass.PERIOD2, label
