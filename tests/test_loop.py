"""The batch classifier at its thresholds, on both back ends; the numpy loop's own contract (numerics/engines/loop.py).

Each threshold case starts a state that the map keeps exactly where it is, or moves by exact powers of two, so
that a value lands exactly on a threshold (|z~| = blowup, T = blowup, |z~| = tol(1 - rho), |z~| = tol, the
smallest normal float64, an exponent equal to lyap_min): the expected class and step count follow from the
rules in numerics/engines/batch.py by hand, and both back ends must give them.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from sorm.numerics.engines.batch import TrajectoryClass, run_batch, run_planar
from sorm.numerics.engines.kernel import numba_available
from sorm.numerics.engines.loop import TINY, Loop, lyapunov

C = TrajectoryClass
ENGINES = ["numpy", *(["numba"] if numba_available() else [])]
CHAOTIC = dict(zt0=-1.125, T0=2.26125, a=0.0, b=-1.0, Et=1.36125)  # omega=(1,-1), eta=1.125, z0=-1
TOL = 2.0**-40



def still(z, J2=0.5):
    """One mode with omega*z~ = 2 (z~ a power of two) and J~^2 a power of two: J~^2' = (1 - 2)^2 J~^2 and
    z~' = z~(2 - 2T + S z~)/2 = z~ exactly, with T = J~^2 != 0 (theta flips sign every step)."""
    return [2.0 / z], z, [J2]


# (omegas, zt0, J2t0, options, expected class, expected steps, expected final zt). ``still``: z~ and T never
# move, T != 0; with every J~^2 = 0, T = S = 0 and z~' = z~ exactly (no gradient); with omega = 0, J~^2 never
# changes, so T is constant and z~' = z~(1 - T) exactly when 1 - T is a power of two.
CASES = {
    "z-at-blowup-has-not-exceeded-it": (*still(8.0), dict(blowup=8.0), C.PERIOD2, 64, 8.0),
    "z-past-blowup-diverged": (*still(8.0), dict(blowup=math.nextafter(8.0, 0)), C.DIVERGED, 64, 8.0),
    "T-at-blowup-has-not-exceeded-it": ([0.0], 0.0, [8.0], dict(blowup=8.0), C.UNSTABLE_FIXED_POINT, 64, 0.0),
    "T-past-blowup-diverged": ([0.0], 0.0, [8.0], dict(blowup=math.nextafter(8.0, 0)), C.DIVERGED, 64, 0.0),
    # z~ halves: rho = 1/2 and |z~| = tol/2 = tol(1 - rho) exactly after the first step
    "residual-at-the-tail-bound-converged": ([0.0], TOL, [0.5], dict(tol=TOL, check_every=1), C.CONVERGED_BELOW, 1,
                                             TOL / 2),
    # |z~| = tol, not shrinking (rho = 1): within tol of the line at the end, not shrinking; not a 2-cycle
    "residual-at-tol-not-shrinking-unstable": (*still(TOL), dict(tol=TOL), C.UNSTABLE_FIXED_POINT, 100, TOL),
    "residual-above-tol-repeats-period2": (*still(2 * TOL), dict(tol=TOL), C.PERIOD2, 64, 2 * TOL),
    # the smallest normal float64 is kept; anything below it is flushed to 0 at the first check
    "smallest-normal-kept": (*still(TINY), {}, C.UNSTABLE_FIXED_POINT, 100, TINY),
    "subnormal-flushed": ([0.0], TINY / 2, [0.0], {}, C.UNSTABLE_FIXED_POINT, 64, 0.0),
    # 1 - T = -2: a subnormal z~ doubles to minus the smallest normal (kept) in one step, but the residual before
    # that step is flushed, so there is no ratio (rho = inf, not |z~|/1); |z~| doubles on to 2^-923 <= tol
    "subnormal-previous-residual-has-no-ratio": ([0.0], TINY / 2, [3.0], dict(check_every=1),
                                                 C.UNSTABLE_FIXED_POINT, 100, 2.0**-923),
    # T = 1: z~' = S z~^2/2 = 2^-85 = tol exactly, rho = 2^-55, and tol(1 - rho) rounds to tol: converged at step 1
    # (the compiled kernel must take |z~| = tol as a candidate for the check, not only |z~| < tol)
    "residual-lands-on-tol-shrinking-by-2^55": ([2.0**-24], 2.0**-30, [1.0], dict(tol=2.0**-85, check_every=1),
                                               C.CONVERGED_BELOW, 1, 2.0**-85),
    # an exact repeat is a repeat for every ptol > 0, even where ptol times the scale underflows to 0
    "exact-repeat-with-underflowing-ptol": (*still(2.0**-664), dict(tol=1e-300, ptol=1e-200), C.PERIOD2, 64,
                                            2.0**-664),
    # the same for T (and each J~^2), whose scale is max(|T|, 1e-300): 2^-90 * 1e-300 underflows to 0; T <= ptol
    "exact-repeat-of-a-tiny-T-with-underflowing-ptol": (*still(0.5, 2.0**-1000), dict(ptol=2.0**-90), C.NO_GRADIENT,
                                                        64, 0.5),
    # T = 0 with z~ != 0: nothing moves, at any |z~| (above tol, at it, the smallest normal); z~ = 0: on the line
    "no-gradient-above-tol": ([1.0, -1.0], 0.5, [0.0, 0.0], dict(tol=TOL), C.NO_GRADIENT, 64, 0.5),
    "no-gradient-at-tol": ([0.0], TOL, [0.0], dict(tol=TOL), C.NO_GRADIENT, 64, TOL),
    "no-gradient-smallest-normal": ([0.0], TINY, [0.0], {}, C.NO_GRADIENT, 64, TINY),
    "no-gradient-on-the-line-is-unstable": ([1.0, -1.0], 0.0, [0.0, 0.0], {}, C.UNSTABLE_FIXED_POINT, 64, 0.0),
    # a repeat with T <= ptol is a stall (modes died out), not a 2-cycle; T just above ptol repeats: period 2
    "repeat-with-T-at-ptol-no-gradient": (*still(0.5, 2.0**-30), dict(ptol=2.0**-30), C.NO_GRADIENT, 64, 0.5),
    "repeat-with-T-above-ptol-period2": (*still(0.5, 2.0**-29), dict(ptol=2.0**-30), C.PERIOD2, 64, 0.5),
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", list(CASES))
def test_thresholds_hold_at_exact_values(case, engine):
    omegas, zt0, J2, kw, cls, steps, zt = CASES[case]
    r = run_batch(omegas, [zt0], [J2], steps=100, engine=engine, **kw)
    assert (r.class_of(0), int(r.steps[0]), float(r.zt[0])) == (cls, steps, zt)


@pytest.mark.parametrize("engine", ENGINES)
def test_the_smallest_normal_eta_lambda_and_mode_are_kept_and_half_of_them_flushed(engine):
    """The flush at a check sets T and each J̃(ω_i)² below the smallest normal float64 to 0, and keeps the smallest
    normal itself. ``still``: ω·z̃ = 2 keeps z̃ and J̃² fixed; with J̃² = T ≤ ptol the repeat is NO_GRADIENT at the
    first check (and with J̃² = T = 0 after the flush as well)."""
    kept = run_batch(*still(0.5, TINY), steps=100, engine=engine)
    assert (kept.class_of(0), int(kept.steps[0]), kept.T[0], kept.J2t[0, 0]) == (C.NO_GRADIENT, 64, TINY, TINY)
    gone = run_batch(*still(0.5, TINY / 2), steps=100, engine=engine)
    assert (gone.class_of(0), int(gone.steps[0]), gone.T[0], gone.J2t[0, 0]) == (C.NO_GRADIENT, 64, 0.0, 0.0)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_mode_that_moves_breaks_the_repeat(engine):
    """Period 2 needs every J̃(ω_i)² to repeat, not only z̃ and T. ω = (2, 6), z̃ = 1, J̃² = (1/2, 10⁻³⁰): the first
    mode is fixed (ω·z̃ = 2), the second grows 25-fold a step ((1 − 6)² = 25) but stays far below T's rounding, and
    z̃' = z̃(1 + J̃₂²/2) rounds to z̃: after 4 steps z̃ and T repeat exactly while J̃₂² changed 625-fold. Not a
    repeat: BOUNDED at the end of the run (it diverges at step 28, see the second run)."""
    r = run_batch([2.0, 6.0], [1.0], [[0.5, 1e-30]], steps=4, check_every=4, engine=engine)
    assert (r.zt[0], r.T[0]) == (1.0, 0.5) and r.J2t[0, 1] > 600e-30
    assert (r.class_of(0), int(r.steps[0])) == (C.BOUNDED, 4)
    r = run_batch([2.0, 6.0], [1.0], [[0.5, 1e-30]], steps=100, check_every=4, engine=engine)
    assert (r.class_of(0), int(r.steps[0])) == (C.DIVERGED, 28)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_nan_eta_lambda_is_divergence_while_z_is_finite(engine):
    """Found by a random search of the planar map (a = 2.5, b = 1) from huge states: after 3 steps T is NaN while
    z~ = -2.66e307 is finite and below blowup = 1e308. One non-finite value is enough: DIVERGED at that check."""
    r = run_planar([0.4945490556118227], [1.4218516792811242e35], 2.5, 1.0, [2.8595519296494874e28], steps=100,
                   check_every=3, blowup=1e308, engine=engine)
    assert (r.class_of(0), int(r.steps[0])) == (C.DIVERGED, 3)
    assert math.isfinite(r.zt[0]) and abs(r.zt[0]) < 1e308 and math.isnan(r.T[0])


@pytest.mark.parametrize("engine", ENGINES)
def test_max_eta_lambda_exactly_2_is_self_stabilized(engine):
    """max eta*lambda >= 2, not > 2: a run starting at exactly 2 (1.25 + 0.75) converges self-stabilized."""
    r = run_batch([1, -1], [0.01], [[1.25, 0.75]], steps=20_000, engine=engine)
    assert r.max_T[0] == 2.0 and r.T[0] < 2 and r.class_of(0) is C.SELF_STABILIZED
    q = run_planar([0.01], [2.0], 0.0, -1.0, 0.5 * (1.25 - 0.75) - 0.01, steps=20_000, engine=engine)
    assert q.max_T[0] == 2.0 and q.class_of(0) is C.SELF_STABILIZED


@pytest.mark.parametrize("engine", ENGINES)
def test_an_exponent_equal_to_lyap_min_is_not_chaotic(engine):
    """CHAOTIC means an exponent > lyap_min: at lyap_min equal to the exponent the run is BOUNDED, one ulp below
    it CHAOTIC, with the same exponent."""
    c = CHAOTIC
    kw = dict(steps=2000, lyap_steps=500, engine=engine)
    lam = run_planar(c["zt0"], c["T0"], c["a"], c["b"], c["Et"], **kw).lyapunov[0]
    at = run_planar(c["zt0"], c["T0"], c["a"], c["b"], c["Et"], lyap_min=float(lam), **kw)
    below = run_planar(c["zt0"], c["T0"], c["a"], c["b"], c["Et"], lyap_min=math.nextafter(lam, -1.0), **kw)
    assert lam > 0 and at.lyapunov[0] == below.lyapunov[0] == lam
    assert (at.class_of(0), below.class_of(0)) == (C.BOUNDED, C.CHAOTIC)


def test_numpy_back_end_result_types_are_the_kernels():
    r = run_batch([1, -1], [0.01, 0.1], [[1.215, 0.795], [3.0, 2.0]], steps=300, engine="numpy")
    q = run_planar([0.01], [2.01], 0.0, -1.0, 0.2, steps=300, lyap_steps=100, engine="numpy")
    for x in (r, q):
        assert (x.classes.dtype, x.steps.dtype) == (np.int8, np.int64)
        assert {a.dtype for a in (x.zt, x.T, x.max_T, x.lyapunov)} == {np.dtype(np.float64)}


def test_numpy_back_end_is_silent_on_overflow_and_on_the_line():
    """Diverging runs overflow and a state on the line divides 0 by 0 (rho): no numpy warning escapes."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = run_batch([1, -1], [0.1, 0.0], [[3.0, 2.0], [1.0, 0.5]], steps=500, settle=False, engine="numpy")
        q = run_planar([0.1, 0.0], [5.0, 1.5], 0.0, -1.0, 0.2, steps=500, lyap_steps=100, engine="numpy")
    assert list(r.classes) == list(q.classes) == [C.DIVERGED, C.CONVERGED_BELOW]


def test_numpy_loop_stops_when_every_run_has_settled():
    """The loop ends at the check where the last run settles, not at the step budget: progress hears of every
    chunk and of no empty one."""
    seen = []
    r = run_batch([1, -1], [0.05, 0.04], [[0.5, 0.4]] * 2, steps=100_000, engine="numpy", progress=seen.append)
    last = int(r.steps.max())
    assert last < 10_000 and last % 64 == 0
    assert len(seen) == last // 64 and 0 not in seen and sum(seen) == int(r.steps.sum())


def test_lyapunov_is_nan_where_the_tangent_vector_vanished_or_overflowed():
    got = lyapunov(np.array([0.0, np.inf, 3.0, 0.0, np.nan]), np.array([0.0, 1.0, 4.0, -2.0, 1.0]),
                   np.array([0.0, 0.0, 2.0, -1.0, 0.0]), 10)
    assert np.isnan(got[[0, 1, 4]]).all()
    assert got[2] == pytest.approx((math.log(5.0) + 2 * 512 * math.log(2.0)) / 10, rel=1e-15)
    assert got[3] == pytest.approx((math.log(2.0) - 512 * math.log(2.0)) / 10, rel=1e-15)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_bounded_run_whose_tangent_vector_vanished_or_overflowed_has_no_exponent(engine):
    """The same NaN from the back ends' own exponent code (the kernel's is written out in kernel._LYAPUNOV).

    Vanished: a = 0, b = -1/2, z~ = 1, T = 1/2, E~ = -1 (found by solving J (1, 1) = 0 for T and E~ in exact
    rationals): every Jacobian entry is a small dyadic, J = ((1, -1), (-3/2, 3/2)), so the tangent vector
    (1, 1)/sqrt 2 maps to exactly 0 in the one tail step; the step lands on z~ = 1/2, T = 3/4 (BOUNDED at the
    budget of one step). Overflowed: a = b = 0 and T = 1e300, so z~' = (1 - T) z~ and J = ((1 - T, -z~), (0, 1)):
    the first tail step grows the vector to about 7e299, which is rescaled by 2^-512 to about 5e145, the second
    multiplies it by 1e300 again, past float64's range; z~ goes 1e-300, -1, 1e300, below blowup = 1e308."""
    r = run_planar([1.0], [0.5], 0.0, -0.5, [-1.0], steps=1, lyap_steps=1, engine=engine)
    assert (r.class_of(0), int(r.steps[0]), float(r.zt[0]), float(r.T[0])) == (C.BOUNDED, 1, 0.5, 0.75)
    assert math.isnan(r.lyapunov[0])
    r = run_planar([1e-300], [1e300], 0.0, 0.0, [0.0], steps=2, lyap_steps=2, blowup=1e308, lyap_min=-1.0,
                   engine=engine)
    assert (r.class_of(0), int(r.steps[0]), float(r.zt[0]), float(r.T[0])) == (C.BOUNDED, 2, 1e300, 1e300)
    assert math.isnan(r.lyapunov[0])


def _rotating_loop(diag, lyap_steps, tangent=True):
    """A Loop over a state that rotates by 1 radian per step on a circle of radius 1/2 (bounded, never repeating,
    never converging) with the constant tangent map diag(d0, d1). The tangent vector starts at (1, 1)/sqrt 2, so
    after L = lyap_steps steps it is (d0^L, d1^L)/sqrt 2: for d0, d1 powers of two far apart its norm is the larger
    component to rounding."""
    c, s = math.cos(1.0), math.sin(1.0)
    loop = Loop(1, 400, 1e-13, 1e6, 64, False, lyap_steps, 1e-2, 1e-11, None)

    def step(state, params):
        x, y = state
        return [c * x - s * y, s * x + c * y]

    def tan(state, params, v):
        return [diag[0] * v[0], diag[1] * v[1]]

    loop.run([np.array([0.5]), np.array([0.0])], [], lambda state: state[1] + 1.0, step, tan if tangent else None)
    return loop


@pytest.mark.parametrize("d0, d1", [(2.0**10, 2.0**-10), (2.0**-10, 2.0**-12), (2.0**10, 2.0**9), (2.0**40, 1.0),
                                    (2.0**300, 2.0**-300), (2.0**-300, 2.0**300), (2.0**512, 2.0**-512),
                                    (2.0**-512, 2.0**-513)])
def test_tangent_rescaling_keeps_the_exponent_exact_when_the_components_part(d0, d1):
    """The components of the tangent vector grow apart, or shrink, by up to 2^512 per step (the documented band of
    numerics.engines.loop); the exact rescalings by 2^-+512 keep the vector in range and are counted, so the
    exponent is the closed form log(max(d0, d1)) - log(2)/(2L), to rounding."""
    L = 300
    loop = _rotating_loop((d0, d1), L)
    exact = (L * math.log(max(d0, d1)) - 0.5 * math.log(2.0)) / L
    assert loop.lyap[0] == pytest.approx(exact, rel=1e-13)
    assert loop.classes[0] == (C.CHAOTIC if exact > 1e-2 else C.BOUNDED) and loop.steps_run[0] == 400


def test_loop_without_a_tangent_map_takes_no_exponent():
    loop = _rotating_loop((2.0, 1.0), 100, tangent=False)
    assert np.isnan(loop.lyap[0]) and loop.classes[0] == C.BOUNDED
