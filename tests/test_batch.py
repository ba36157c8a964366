"""float64 batch engine: agreement with the high-precision engine, classification, bad input."""
from __future__ import annotations

import math
import re
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sorm.numerics import _derived as d
from sorm.numerics.compile.float64 import planar_jacobian_program, planar_step_program
from sorm.numerics.engines.batch import (BatchResult, TrajectoryClass, classify_problem, run_batch, run_planar,
                                         run_planar_where_exact, trajectory_float64)
from sorm.numerics.engines.gd_mp import GDStatus, run_gd
from sorm.numerics.problem import from_state
from sorm.numerics.validate import InputError

# docs/theory.md §5.3 example: omega = (1, -1), Et = 0.2, zt0 = 0.01, T0 = 2.01 (eta = 1, so unscaled = rescaled):
# the invariant J1 - J2 = 2(Et + zt0) = 0.42 and J1 + J2 = 2.01 give J2 = (1.215, 0.795).
EX = dict(omegas=[1, -1], z0="0.01", J2="1.215,0.795")
EX_T_INF = "1.98481482691426748"  # docs/theory.md §5.3 table (40-digit GD, eps = 0.01)


def _mp_final(problem, *, steps=None, dps=30):
    """High-precision reference (B's run_gd), checked again at doubled precision."""
    res = run_gd(problem, dps=dps, steps=steps, max_steps=200_000)
    ref = run_gd(problem, dps=2 * dps, steps=steps, max_steps=200_000)
    with mpmath.workdps(2 * dps):
        assert abs(res.eta_ntk - ref.eta_ntk) < mpmath.mpf(10) ** (5 - dps), "mp reference not stable at 2*dps"
    return res


# ---------------------------------------------------------------------------------------------
# agreement with mpmath (non-chaotic cases)

_states = st.tuples(
    st.sampled_from([(1, -1), (2, -1), (1, 3), (-1, -0.5)]),
    st.floats(-0.05, 0.05, allow_nan=False),  # z0
    st.floats(0.3, 2.05, allow_nan=False),  # T0
    st.floats(0.05, 0.95),  # share of T0 in mode 1
)


@example(((1, -1), 0.0, 1.5, 0.5))  # z = 0: a fixed point
@example(((1, -1), 0.01, 2.0, 0.6))  # T exactly at the edge of stability
@example(((2, -1), 1e-9, 0.3, 0.5))  # tiny z
@given(_states)
def test_batch_and_planar_agree_with_mpmath(case):
    (w1, w2), z0, T0, share = case
    J2 = [T0 * share, T0 * (1 - share)]
    p = from_state([w1, w2], repr(z0), ",".join(repr(j) for j in J2))
    K = 120
    mp = _mp_final(p, steps=K)
    r = classify_problem(p, steps=K, settle=False)
    a, b, Et = (float(x) for x in (Fraction(w1 + w2), Fraction(w1 * w2), p.Et))
    q = run_planar(float(p.zt0), float(p.T0), a, b, Et, steps=K, settle=False)
    T_ref, z_ref = float(mp.eta_ntk), float(mp.z * p.eta)
    for res in (r, q):
        assert res.T[0] == pytest.approx(T_ref, abs=1e-10, rel=1e-10)
        assert res.zt[0] == pytest.approx(z_ref, abs=1e-10, rel=1e-10)
    assert np.allclose(r.J2t[0], [float(j) for j in mp.J2], rtol=1e-10, atol=1e-10)


def test_model_example_self_stabilizes_to_the_40_digit_value():
    p = from_state(**EX)
    r = classify_problem(p, steps=100_000)
    assert r.class_of(0) is TrajectoryClass.SELF_STABILIZED
    mp = _mp_final(p, dps=40)
    assert mp.status is GDStatus.CONVERGED
    assert abs(float(mp.eta_ntk) - float(EX_T_INF)) < 1e-16
    assert abs(r.T[0] - float(EX_T_INF)) < 1e-12
    assert r.max_T[0] == pytest.approx(2.01) and r.T[0] < 2


def test_trajectory_float64_matches_recorded_mp_trajectory():
    p = from_state(**EX)
    lam, zs = trajectory_float64(p, steps=60)
    for method in ("mpmath", "auto"):
        mp = run_gd(p, dps=30, steps=60, record=True, method=method)
        assert len(lam) == len(mp.trajectory[0]) == 61
        assert np.allclose(lam, [float(x) for x in mp.trajectory[0]], rtol=0, atol=1e-12)
        assert np.allclose(zs, [float(x) for x in mp.trajectory[1]], rtol=0, atol=1e-12)


# ---------------------------------------------------------------------------------------------
# classification of hand-picked cases

CHAOTIC = dict(zt0=-1.125, T0=2.26125, a=0.0, b=-1.0, Et=1.36125)  # omega=(1,-1), eta=1.125, z0=-1


@pytest.mark.parametrize(
    "omegas, zt0, J2t, expected",
    [
        ([1, -1], 0.01, [1.215, 0.795], TrajectoryClass.SELF_STABILIZED),
        ([1, -1], 0.1, [0.6, 0.4], TrajectoryClass.CONVERGED_BELOW),
        ([1, -1], 0.1, [3.0, 2.0], TrajectoryClass.DIVERGED),
        ([1], 0.01, [2.05], TrajectoryClass.PERIOD2),  # k = 0: a single mode
        ([1, 2, -1], 0.02, [0.5, 0.3, 0.4], TrajectoryClass.CONVERGED_BELOW),
        ([0, 1], 0.05, [0.0, 1.0], TrajectoryClass.CONVERGED_BELOW),  # a zero eigenvalue
    ],
    ids=["self-stabilizing", "below-eos", "diverging", "period2-single-mode", "P3-below", "zero-omega"],
)
def test_hand_picked_classes(omegas, zt0, J2t, expected):
    r = run_batch(omegas, [zt0], [J2t], steps=20_000)
    assert r.class_of(0) is expected, r.class_of(0).message
    if expected in (TrajectoryClass.SELF_STABILIZED, TrajectoryClass.CONVERGED_BELOW):
        assert r.T[0] < 2 and abs(r.zt[0]) < 1e-12
    assert (r.max_T[0] > 2) == (expected is TrajectoryClass.SELF_STABILIZED or sum(J2t) > 2)


def test_period2_is_a_real_two_cycle_and_mp_agrees():
    p = from_state([1], "0.01", "2.05")
    r = classify_problem(p, steps=20_000)
    assert r.class_of(0) is TrajectoryClass.PERIOD2
    z, J = r.zt[0], r.J2t[0, 0]
    z1, J1 = d.gd_zt_next(z, J, J), d.gd_J2t_next(z, 1.0, J)
    z2, J2 = d.gd_zt_next(z1, J1, J1), d.gd_J2t_next(z1, 1.0, J1)
    assert abs(z2 - z) < 1e-9 and abs(J2 - J) < 1e-9 and abs(z1 - z) > 1e-3
    mp = run_gd(p, dps=30, max_steps=20_000)
    assert mp.status is GDStatus.PERIOD2
    # the mp orbit is the same 2-cycle: its state equals one of the two float64 points
    assert min(abs(float(mp.eta_ntk) - J), abs(float(mp.eta_ntk) - J1)) < 1e-8


def test_chaotic_case_has_a_stable_positive_lyapunov_exponent():
    c = CHAOTIC
    r1 = run_planar(c["zt0"], c["T0"], c["a"], c["b"], c["Et"], steps=10_000, lyap_steps=4000)
    r2 = run_planar(c["zt0"], c["T0"], c["a"], c["b"], c["Et"], steps=20_000, lyap_steps=8000)
    assert r1.class_of(0) is TrajectoryClass.CHAOTIC and r2.class_of(0) is TrajectoryClass.CHAOTIC
    assert r1.lyapunov[0] > 0.1 and abs(r1.lyapunov[0] - r2.lyapunov[0]) < 0.05
    # sensitive dependence: 1e-12 apart grows to O(0.1) well within 200 steps
    q = run_planar([c["zt0"], c["zt0"] + 1e-12], c["T0"], c["a"], c["b"], c["Et"], steps=200, settle=False)
    assert abs(q.T[0] - q.T[1]) > 1e-3
    # non-chaotic runs report no exponent, or a negative one
    r3 = run_planar(0.01, 2.01, 0.0, -1.0, 0.2, steps=10_000, lyap_steps=2000)
    assert r3.class_of(0) is TrajectoryClass.SELF_STABILIZED and np.isnan(r3.lyapunov[0])


def test_planar_program_equals_the_generated_formula():
    """Same operations in the same order; only x**3 becomes x*x*x (one ulp)."""
    rng = np.random.default_rng(1)
    z, T, E = rng.uniform(-1, 1, 500), rng.uniform(0, 4, 500), rng.uniform(-1, 1, 500)
    for a, b in [(0.0, -1.0), (1.5, -0.3), (3.0, 2.0)]:
        zn, Tn = planar_step_program(a, b)(z, T, E)
        assert np.array_equal(zn, d.planar_zt_next(z, T, a, b, E))
        assert np.allclose(Tn, d.planar_T_next(z, T, a, b, E), rtol=1e-13, atol=1e-12)
        for x, y in zip(planar_jacobian_program(a, b)(z, T, E), d.planar_jacobian(z, T, a, b, E)):
            assert np.allclose(x, y, rtol=1e-13, atol=1e-12)


def test_settling_drops_finished_runs_and_matches_fixed_steps():
    zt = np.array([0.01, 0.1, 0.1, 0.3])
    J = np.array([[1.215, 0.795], [0.6, 0.4], [3.0, 2.0], [0.9, 0.3]])
    a = run_batch([1, -1], zt, J, steps=3000)
    b = run_batch([1, -1], zt, J, steps=3000, settle=False)
    assert list(a.classes) == list(b.classes)
    conv = (a.classes == TrajectoryClass.CONVERGED_BELOW) | (a.classes == TrajectoryClass.SELF_STABILIZED)
    assert np.allclose(a.T[conv], b.T[conv], rtol=0, atol=1e-12)
    assert (a.steps[conv] < 3000).all() and (b.steps == 3000).all()


@pytest.mark.parametrize("engine", ["numba", "numpy"])
def test_fixed_line_points_unstable_half_is_not_convergence(engine):
    """z = 0 exactly is a fixed point for every T; only 0 < T < 2 attracts (docs/theory.md §4). Both back
    ends: each has its own classifier."""
    r = run_planar([0.0, 0.0, 0.0], [1.5, 2.0, 2.5], 0.0, -1.0, 0.2, steps=500, engine=engine)
    U = TrajectoryClass.UNSTABLE_FIXED_POINT
    assert [r.class_of(k) for k in range(3)] == [TrajectoryClass.CONVERGED_BELOW, U, U]
    assert (r.steps < 500).all()
    # a fixed point is never CHAOTIC, although its tangent map expands by |1 - T| > 1
    q = run_planar([0.0, 0.0], [2.5, 3.5], 0.0, -1.0, 0.2, steps=600, settle=False, lyap_steps=200, engine=engine)
    assert [q.class_of(k) for k in range(2)] == [U, U]
    b = run_batch([1, -1], [0.0], [[1.215, 0.795]], steps=600, settle=False, engine=engine)
    assert b.class_of(0) is U


def test_start_just_off_the_unstable_line_is_run_out():
    """z0 = 1e-60 at eta*lambda = 2.01: not converged while near the line; run long enough, it self-stabilizes."""
    short = run_batch([1, -1], [1e-60], [[1.215, 0.795]], steps=500)
    assert short.class_of(0) is TrajectoryClass.UNSTABLE_FIXED_POINT and short.T[0] == pytest.approx(2.01)
    long = run_batch([1, -1], [1e-60], [[1.215, 0.795]], steps=20_000)
    assert long.class_of(0) is TrajectoryClass.SELF_STABILIZED and long.T[0] < 2 and long.steps[0] > 10_000
    p = run_planar([1e-60], [2.01], 0.0, -1.0, 0.2, steps=500, lyap_steps=200)
    assert p.class_of(0) is TrajectoryClass.UNSTABLE_FIXED_POINT


def test_convergence_is_read_from_the_residual_and_ends_below_the_edge():
    """Random states: converged means |z~| -> 0; the final T < 2 is then a consequence, checked here."""
    rng = np.random.default_rng(7)
    n = 4000
    zt = rng.uniform(-0.5, 0.5, n)
    J = rng.uniform(0, 1.6, (n, 2))
    r = run_batch([1, -1], zt, J, steps=5000)
    conv = (r.classes == TrajectoryClass.CONVERGED_BELOW) | (r.classes == TrajectoryClass.SELF_STABILIZED)
    assert conv.sum() > n // 4 and (r.classes == TrajectoryClass.SELF_STABILIZED).sum() > 50
    assert np.all(np.abs(r.zt[conv]) <= 1e-13) and np.all(r.T[conv] < 2) and np.all(r.T[conv] > 0)
    assert np.all((r.max_T[conv] >= 2) == (r.classes[conv] == TrajectoryClass.SELF_STABILIZED))


def test_result_is_immutable_and_classes_have_messages():
    r = run_batch([1, -1], [0.01], [[1.215, 0.795]], steps=100)
    assert isinstance(r, BatchResult)
    with pytest.raises(ValueError):
        r.T[0] = 0.0
    with pytest.raises(AttributeError):
        r.T = np.zeros(1)
    assert all(len(c.message) > 20 for c in TrajectoryClass)
    assert sum(r.count().values()) == 1


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: run_batch([1, -1], [0.1], [[1, -0.5]], steps=10), "negative"),
        (lambda: run_batch([1, -1], [0.1], [[1, 0.5, 1]], steps=10), "shape"),
        (lambda: run_batch([1, -1], [np.nan], [[1, 0.5]], steps=10), "non-finite"),
        (lambda: run_batch([1, -1], [0.1], [[1, 0.5]], steps=0), "steps"),
        (lambda: run_batch([], [0.1], [[1]], steps=10), "omegas"),
        (lambda: run_batch([1, -1], [0.1], [[1, 0.5]], steps=10, tol=-1.0), "tol"),
        (lambda: run_planar(0.1, -1.0, 0.0, -1.0, 0.2, steps=10), "T0"),
        (lambda: run_planar([0.1, 0.2], [1.0, 1.0, 1.0], 0.0, -1.0, 0.2, steps=10), "expected 1 or 3"),
        (lambda: run_planar(0.1, 1.0, float("inf"), -1.0, 0.2, steps=10), "a="),
        (lambda: run_planar(0.1, 1.0, 0.0, -1.0, 0.2, steps=10, lyap_steps=-3), "lyap_steps"),
        (lambda: trajectory_float64(from_state(**EX), steps=0), "steps"),
    ],
    ids=["negative-J2", "wrong-P", "nan-z", "zero-steps", "no-omegas", "negative-tol", "negative-T0",
         "length-mismatch", "infinite-a", "negative-lyap-steps", "trajectory-zero-steps"],
)
def test_bad_input(call, match):
    with pytest.raises(InputError, match=match):
        call()


def test_lyapunov_exponent_matches_an_independent_30_digit_estimate():
    """The chaotic case's exponent against a 30-digit tangent iteration whose Jacobian comes from
    central differences of the generated map (not ``planar_jacobian``) along the 30-digit orbit."""
    import mpmath

    c = CHAOTIC
    r = run_planar(c["zt0"], c["T0"], c["a"], c["b"], c["Et"], steps=5000, lyap_steps=4000)
    with mpmath.workdps(30):
        a, b, E = mpmath.mpf(0), mpmath.mpf(-1), mpmath.mpf("1.36125")

        def F(z, T):
            return d.planar_zt_next(z, T, a, b, E), d.planar_T_next(z, T, a, b, E)

        z, T, h = mpmath.mpf("-1.125"), mpmath.mpf("2.26125"), mpmath.mpf(10) ** -12
        v, logsum = [mpmath.mpf(1), mpmath.mpf(0)], mpmath.mpf(0)
        for k in range(5000):
            if k >= 1000:
                dz = [(p - m) / (2 * h) for p, m in zip(F(z + h, T), F(z - h, T))]
                dT = [(p - m) / (2 * h) for p, m in zip(F(z, T + h), F(z, T - h))]
                v = [dz[0] * v[0] + dT[0] * v[1], dz[1] * v[0] + dT[1] * v[1]]
                n = mpmath.sqrt(v[0] ** 2 + v[1] ** 2)
                logsum += mpmath.log(n)
                v = [v[0] / n, v[1] / n]
            z, T = F(z, T)
        ref = float(logsum / 4000)
    assert ref > 0.2
    assert abs(r.lyapunov[0] - ref) < 0.03, (r.lyapunov[0], ref)


def _per_step_lyapunov(zt, T, a, b, Et, steps, lyap_steps):
    """The exponent as the engines computed it before: the tangent vector renormalised to norm 1 after every
    step of the tail and the log of each step's growth summed, in plain floats. The orbit is the engines' traced
    step (the same bits: a chaotic orbit leaves any other after a few dozen steps)."""
    step = planar_step_program(a, b)
    v0 = v1 = math.sqrt(0.5)
    logsum = 0.0
    for k in range(steps):
        if k >= steps - lyap_steps:
            j11, j12, j21, j22 = d.planar_jacobian(zt, T, a, b, Et)
            w0, w1 = j11 * v0 + j12 * v1, j21 * v0 + j22 * v1
            h = math.hypot(w0, w1)
            logsum += math.log(h)
            v0, v1 = w0 / h, w1 / h
        zt, T = (float(x) for x in step(zt, T, Et))
    return logsum / lyap_steps


@pytest.mark.parametrize("engine", ["numba", "numpy"])
def test_lyapunov_exponent_equals_the_per_step_renormalised_sum(engine):
    """The tail rescales the tangent vector by powers of two and takes one log at the end: the same exponent as
    a log per step, to 1e-12 relative, for exponents of both signs large enough that the vector would leave
    float64's range over the tail without the rescaling (|lambda| * lyap_steps > 710)."""
    rng = np.random.default_rng(3)
    n, steps, lyap = 200, 3000, 1999  # the tail starts inside a check's chunk
    zt, T, Et = rng.uniform(-1.5, 0.5, n), rng.uniform(0.5, 2.6, n), rng.uniform(-0.5, 1.5, n)
    seen = []
    for a, b in ((0.0, -1.0), (1.5, -1.0)):
        r = run_planar(zt, T, a, b, Et, steps=steps, lyap_steps=lyap, settle=False, engine=engine)
        ran = np.flatnonzero(np.isfinite(r.lyapunov))
        assert set(r.classes[ran]) == {TrajectoryClass.CHAOTIC, TrajectoryClass.BOUNDED}
        order = ran[np.argsort(r.lyapunov[ran])]
        for k in (*order[:3], *order[-3:]):  # the most contracting and the most expanding
            ref = _per_step_lyapunov(zt[k], T[k], a, b, Et[k], steps, lyap)
            assert abs(r.lyapunov[k] - ref) <= 1e-12 * abs(ref), (k, r.lyapunov[k], ref)
            seen.append(ref * lyap)
    assert min(seen) < -710 and max(seen) > 710


def _mp_tangent(zt, T, Et, steps, dps):
    """The exponent (1/N) log|v_N| of v_{k+1} = J(x_k) v_k from v_0 = (√½, √½) (``planar_jacobian``, ω = (1, −1))
    along the exact orbit of the float64 start x_0 = (zt, T), at ``dps`` digits; the final state; the smallest
    |det J(x_k)|; and S = Σ_k |g_{k+1}|ᵀ |J(x_k)| |v_k|, where g_k = ∂log|v_N|/∂v_k (g_N = v_N/|v_N|²,
    g_k = J(x_k)ᵀ g_{k+1}): to first order, log|v_N| moves by at most ε·S when every product J(x_k) v_k is
    perturbed componentwise by a relative ε."""
    with mpmath.workdps(dps):
        z, t, e, a, b = (mpmath.mpf(float(x)) for x in (zt, T, Et, 0.0, -1.0))
        v, vs, js = [mpmath.sqrt(mpmath.mpf(1) / 2)] * 2, [], []
        for _ in range(steps):
            j = d.planar_jacobian(z, t, a, b, e)
            vs.append(v)
            js.append(j)
            v = [j[0] * v[0] + j[1] * v[1], j[2] * v[0] + j[3] * v[1]]
            z, t = d.planar_zt_next(z, t, a, b, e), d.planar_T_next(z, t, a, b, e)
        n2 = v[0] ** 2 + v[1] ** 2
        g, S = [v[0] / n2, v[1] / n2], mpmath.mpf(0)
        for j, w in zip(reversed(js), reversed(vs)):
            S += abs(g[0]) * (abs(j[0] * w[0]) + abs(j[1] * w[1])) + abs(g[1]) * (abs(j[2] * w[0]) + abs(j[3] * w[1]))
            g = [j[0] * g[0] + j[2] * g[1], j[1] * g[0] + j[3] * g[1]]
        return mpmath.log(n2) / (2 * steps), (z, t), min(abs(j[0] * j[3] - j[1] * j[2]) for j in js), S


@pytest.mark.parametrize("engine", ["numba", "numpy"])
def test_lyapunov_exponent_of_an_ill_conditioned_bounded_run_against_60_digits(engine):
    """A bounded run whose exponent float64 gets only to about 1e-8: run 8218 of the issue's throughput grid
    (η index 218, z0 index 20: η = 0.1·30^(218/399), z0 = −2 + 20·3/249, J(ω)² = (1.215, 0.795); the state is
    its float64 (ηz0, ηΣJ(ω)², ηE); 1000 steps, all in the tail). It settles
    on an attracting period-4 cycle through a nearly singular Jacobian (det ≈ 8e-4): the tangent vector first
    lines up with the cycle's faster-contracting direction, and the slower one, seeded about 1e-9 below it,
    takes over only after some 80 steps, so the rounding of those early products reaches log|v_N| amplified
    about 1e7 times. The tolerance is first-order rounding analysis (:func:`_mp_tangent`'s S): each float64
    product J v is off by a relative 2u componentwise (a two-term dot product, u = 2^-53), and J's entries by
    about as much again from the float64 orbit (within 1e-14 of the exact one, asserted) and the traced
    formula, so |Δλ| ≤ 4u·S/N to first order. The 60-digit reference is checked at 120 digits."""
    zt, T, Et, N = -1.1280373223526625, 1.2889757978636622, 1.2627064355622988, 1000
    ref, (z, t), det, S = _mp_tangent(zt, T, Et, N, 60)
    assert abs(ref - _mp_tangent(zt, T, Et, N, 120)[0]) < mpmath.mpf(10) ** -50
    tol = 4 * 2.0**-53 * float(S) / N
    assert det < 1e-3 and 1e-8 < tol < 1e-6  # ill-conditioned: rounding amplified ~1e7 times
    r = run_planar([zt], [T], 0.0, -1.0, [Et], steps=N, lyap_steps=N, settle=False, engine=engine)
    assert r.class_of(0) is TrajectoryClass.BOUNDED and abs(r.zt[0] - z) < 1e-14 and abs(r.T[0] - t) < 1e-14
    assert abs(r.lyapunov[0] - ref) <= tol, (r.lyapunov[0], float(ref), tol)


def test_classify_problem_passes_its_options_and_trajectory_caps_its_steps():
    """Two mutmut survivors: classify_problem dropping its keyword options; trajectory_float64 losing its cap."""
    p = from_state(**EX)
    loose, default = classify_problem(p, steps=20_000, tol=1e-3), classify_problem(p, steps=20_000)
    assert loose.steps[0] < default.steps[0] and loose.class_of(0) is TrajectoryClass.SELF_STABILIZED
    with pytest.raises(InputError, match="steps"):
        trajectory_float64(p, steps=10**8)


# --- run_batch: both back ends, every option, against the map written out here -------------------

def _map_reference(omegas, zt, J, steps):
    """``steps`` GD steps of the η-rescaled map, written from docs/theory.md §3 in plain Python floats:
    z̃' = z̃(1 − T) + ½z̃²S, J̃(ω_i)²' = (1 − z̃ω_i)²J̃(ω_i)² (independent of the traced programs)."""
    J = list(J)
    for _ in range(steps):
        T = sum(J)
        S = sum(w * j for w, j in zip(omegas, J))
        zt, J = zt * (1 - T) + 0.5 * zt * zt * S, [(1 - zt * w) ** 2 * j for w, j in zip(omegas, J)]
    return zt, J


_BATCH_STATES = (  # one of each class: below, self-stabilized, period 2, unstable line, diverged
    [0.05, 0.2, 0.01, 0.0, 0.1],
    [[0.5, 0.4], [1.8, 0.8], [2.05, 0.0], [1.3, 0.9], [3.0, 2.0]],
)


@pytest.mark.parametrize("engine", ["numpy", "numba"])
@pytest.mark.parametrize("settle", [True, False])
def test_run_batch_back_ends_follow_the_map_and_agree(engine, settle):
    """Both back ends of run_batch give the same classes and steps, and the final states of the map itself."""
    from sorm.numerics.engines.kernel import numba_available

    if engine == "numba" and not numba_available():
        pytest.skip("numba is not installed")
    zt, J = _BATCH_STATES
    steps, every = 3000, 7
    r = run_batch([1, -1], zt, J, steps=steps, check_every=every, settle=settle, engine=engine)
    ref = run_batch([1, -1], zt, J, steps=steps, check_every=every, settle=settle, engine="numpy")
    assert r.engine == engine and r.step_budget == steps
    assert np.array_equal(r.classes, ref.classes) and np.array_equal(r.steps, ref.steps)
    # run_batch estimates no Lyapunov exponent: NaN for every run, on either back end
    assert r.lyapunov.shape == (len(zt),) and np.isnan(r.lyapunov).all()
    for a, b in ((r.zt, ref.zt), (r.T, ref.T), (r.J2t, ref.J2t), (r.max_T, ref.max_T)):
        assert np.allclose(a, b, rtol=1e-12, atol=1e-300, equal_nan=True)
    names = [TrajectoryClass(int(c)).name for c in r.classes]
    assert names == ["CONVERGED_BELOW", "SELF_STABILIZED", "PERIOD2", "UNSTABLE_FIXED_POINT", "DIVERGED"]
    for k in range(len(zt)):
        if names[k] == "DIVERGED":
            continue
        z1, J1 = _map_reference([1.0, -1.0], zt[k], J[k], int(r.steps[k]))
        assert r.zt[k] == pytest.approx(z1, rel=1e-8, abs=1e-12) and r.T[k] == pytest.approx(sum(J1), rel=1e-9)
        assert np.allclose(r.J2t[k], J1, rtol=1e-9) and r.max_T[k] >= max(sum(J[k]), r.T[k])
    if not settle:
        assert np.all(r.steps[np.array(names) != "DIVERGED"] == steps)
    else:  # settled runs stop at a check, a multiple of check_every (the last chunk excepted)
        assert all(s % every == 0 or s == steps for s in r.steps) and r.steps[0] < steps


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_run_batch_shapes_options_and_progress(engine):
    from sorm.numerics.engines.kernel import numba_available

    if engine == "numba" and not numba_available():
        pytest.skip("numba is not installed")
    one = run_batch([1, -1], 0.01, [1.215, 0.795], steps=50, engine=engine, settle=False)  # a 1-D row: one run
    assert one.zt.shape == (1,) and one.J2t.shape == (1, 2)
    col = run_batch([2.0], [0.01, 0.02, 0.03], [0.3, 0.4, 0.5], steps=50, engine=engine)  # P = 1: a column
    assert col.J2t.shape == (3, 1) and col.T == pytest.approx(col.J2t[:, 0])
    bc = run_batch([1, -1], 0.01, [[1.215, 0.795], [0.5, 0.4]], steps=50, engine=engine)  # zt0 broadcast
    assert bc.zt.size == 2 and bc.steps[0] == 50
    seen = []
    r = run_batch([1, -1], [0.01] * 3, [[1.215, 0.795]] * 3, steps=40, engine=engine, settle=False,
                  progress=seen.append)
    assert sum(seen) == int(r.steps.sum()) == 120
    loose = run_batch([1, -1], [0.05], [[0.5, 0.4]], steps=5000, tol=1e-3, check_every=1, engine=engine)
    tight = run_batch([1, -1], [0.05], [[0.5, 0.4]], steps=5000, tol=1e-12, check_every=1, engine=engine)
    assert loose.class_of(0) is tight.class_of(0) is TrajectoryClass.CONVERGED_BELOW
    assert loose.steps[0] < tight.steps[0] and abs(tight.zt[0]) <= 1e-12 < abs(loose.zt[0])
    low = run_batch([1, -1], [0.1], [[3.0, 2.0]], steps=5000, blowup=10.0, check_every=1, engine=engine)
    high = run_batch([1, -1], [0.1], [[3.0, 2.0]], steps=5000, check_every=1, engine=engine)
    assert low.class_of(0) is high.class_of(0) is TrajectoryClass.DIVERGED and low.steps[0] < high.steps[0]
    eos = run_batch([1, -1], [0.01], [[1.215, 0.795]], steps=3000, engine=engine)
    p2 = run_batch([1, -1], [0.01], [[1.215, 0.795]], steps=3000, ptol=0.5, engine=engine)
    assert eos.class_of(0) is not TrajectoryClass.PERIOD2 and p2.class_of(0) is TrajectoryClass.PERIOD2


@pytest.mark.parametrize(
    "kw, match",
    [({"check_every": 0}, "check_every"), ({"blowup": 0.0}, "blowup"), ({"ptol": float("nan")}, "ptol"),
     ({"J2t0": [[1, 0.5]] * 3, "zt0": [0.1] * 4}, "^J2t0 has 3 rows and zt0 4 values: expected equal; pass one each$"),
     ({"J2t0": [[1, 0.5]] * 3, "zt0": [0.1] * 2}, "^zt0 has 2 values: expected 1 or 3; pass one per trajectory$"),
     ({"omegas": [1, np.inf]}, "omegas"),
     ({"J2t0": [[1, np.inf]]}, "^" + re.escape("J2t0 contains negative or non-finite values: a squared Jacobian is "
                                              "finite and >= 0; pass values >= 0") + "$"),
     ({"J2t0": [[1, -0.5]]}, "^J2t0 contains negative"),
     ({"J2t0": [[1, 0.5, 2]]}, "^" + re.escape("J2t0 has shape (1, 3): expected (N, 2), one row of J~(omega_i)^2 per "
                                               "trajectory; pass an (N, P) array") + "$"),
     ({"zt0": [[0.1]]}, "zt0 has shape")],
    ids=["check-every-zero", "blowup-zero", "ptol-nan", "rows-mismatch", "zt-mismatch", "omega-inf", "J2-inf", "J2-negative",
         "J2-columns", "zt-2d"],
)
def test_run_batch_bad_arguments_name_themselves(kw, match):
    args = {"omegas": [1, -1], "zt0": [0.1], "J2t0": [[1, 0.5]], "steps": 10, **kw}
    with pytest.raises(InputError, match=match):
        run_batch(args.pop("omegas"), args.pop("zt0"), args.pop("J2t0"), **args)


@pytest.mark.parametrize("engine", ["numpy", "numba"])
@pytest.mark.parametrize("every, settle, steps", [(2, True, 20_000), (64, False, 64 * 300 + 2)],
                         ids=["checks-every-2-steps", "last-chunk-of-2"])
def test_period2_is_detected_whenever_two_steps_separate_the_checks(engine, every, settle, steps):
    """The period-2 test needs only the state two steps before the check, so it runs at every check of a chunk
    of 2 or more steps: with checks every 2 steps, and at the end of a fixed-step run whose last chunk is 2."""
    from sorm.numerics.engines.kernel import numba_available

    if engine == "numba" and not numba_available():
        pytest.skip("numba is not installed")
    r = run_batch([1], [0.01], [[2.05]], steps=steps, check_every=every, settle=settle, engine=engine)
    assert r.class_of(0) is TrajectoryClass.PERIOD2
    assert (r.steps[0] < steps) if settle else (r.steps[0] == steps)


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_no_lyapunov_tail_means_no_chaotic_verdict(engine):
    """With lyap_steps=0 no exponent is estimated, so no run is CHAOTIC, whatever lyap_min says (even < 0)."""
    from sorm.numerics.engines.kernel import numba_available

    if engine == "numba" and not numba_available():
        pytest.skip("numba is not installed")
    c = CHAOTIC
    r = run_planar(c["zt0"], c["T0"], c["a"], c["b"], c["Et"], steps=2000, lyap_steps=0, lyap_min=-1.0, engine=engine)
    assert r.class_of(0) is TrajectoryClass.BOUNDED and np.isnan(r.lyapunov[0])
    r = run_planar(c["zt0"], c["T0"], c["a"], c["b"], c["Et"], steps=2000, lyap_steps=500, engine=engine)
    assert r.class_of(0) is TrajectoryClass.CHAOTIC and r.lyapunov[0] > 0


# --- the numba back end's result arrays, progress slices and trajectory_float64 (mutmut survivors) -------------

def test_numba_progress_comes_in_slices_and_changes_no_value():
    """With a progress callable the compiled kernels run in slices of 16384 trajectories, one report per slice
    (a long sweep moves its bar), and the values equal one call over the whole batch; the planar engine has
    no J2t."""
    from sorm.numerics.engines.kernel import numba_available

    if not numba_available():
        pytest.skip("numba is not installed")
    n, steps = 16384 + 3, 5
    rng = np.random.default_rng(11)
    zt, T = rng.uniform(-0.5, 0.5, n), rng.uniform(0.5, 2.5, n)
    seen = []
    sliced = run_planar(zt, T, 0.0, -1.0, 0.2, steps=steps, settle=False, engine="numba", progress=seen.append)
    whole = run_planar(zt, T, 0.0, -1.0, 0.2, steps=steps, settle=False, engine="numba")
    assert seen == [16384 * steps, 3 * steps]
    assert sliced.J2t is None and whole.J2t is None
    for f in ("zt", "T", "classes", "steps", "max_T"):
        assert np.array_equal(getattr(sliced, f), getattr(whole, f), equal_nan=f in ("zt", "T", "max_T")), f
    seen.clear()
    J = np.stack([T * 0.6, T * 0.4], axis=1)
    sliced = run_batch([1, -1], zt, J, steps=steps, settle=False, engine="numba", progress=seen.append)
    whole = run_batch([1, -1], zt, J, steps=steps, settle=False, engine="numba")
    assert seen == [16384 * steps, 3 * steps]
    assert np.array_equal(sliced.J2t, whole.J2t, equal_nan=True) and np.array_equal(sliced.zt, whole.zt, equal_nan=True)


@pytest.mark.parametrize("eta", ["1", "1/2"])
def test_trajectory_float64_records_unscaled_z_against_the_mp_record(eta):
    """z_t = z̃_t/η and ηλ_t, step for step, against run_gd's recorded trajectory, also at η ≠ 1."""
    p = from_state(**EX, eta=eta)
    lam, zs = trajectory_float64(p, steps=40)
    mp = run_gd(p, dps=30, steps=40, record=True, method="mpmath")
    assert np.allclose(lam, [float(x) for x in mp.trajectory[0]], rtol=0, atol=1e-12)
    assert np.allclose(zs, [float(x) for x in mp.trajectory[1]], rtol=0, atol=1e-12)
    assert zs[0] == pytest.approx(float(p.z0), rel=1e-15) and lam[0] == pytest.approx(float(p.T0), rel=1e-15)


def test_trajectory_float64_stops_at_the_first_step_within_tol():
    """tol stops the record at the first step t >= 1 with |z̃_t| <= tol, equality included."""
    p = from_state(**EX)  # η = 1: z̃_t = z_t
    lam, zs = trajectory_float64(p, steps=60)
    k = next(t for t in range(5, 60) if abs(zs[t]) < min(abs(z) for z in zs[1:t]))  # a new low of |z̃|, not the last
    for tol in (abs(zs[k]), abs(zs[k]) * (1 + 1e-12)):
        lam2, zs2 = trajectory_float64(p, steps=60, tol=tol)
        assert len(lam2) == len(zs2) == k + 1 and zs2 == zs[:k + 1] and lam2 == lam[:k + 1]


@pytest.mark.parametrize("omegas, z0, J2, last", [
    (["1e-250"], "1e300", "3", "z"),  # z̃ overflows while ηλ = 3e100 stays finite
    ([1, -1], "1e77", "1,1", "lambda"),  # ηλ overflows at step 2 while z̃ = 2e231 stays finite
], ids=["z-overflows", "lambda-overflows"])
def test_trajectory_float64_ends_quietly_at_the_first_non_finite_value(omegas, z0, J2, last):
    import warnings

    p = from_state(omegas, z0, J2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow is a result here, not a RuntimeWarning
        lam, zs = trajectory_float64(p, steps=50)
    assert all(math.isfinite(x) for x in lam[:-1] + zs[:-1]) and len(lam) < 51
    assert (math.isfinite(lam[-1]), math.isfinite(zs[-1])) == ((True, False) if last == "z" else (False, True))


def test_trajectory_float64_step_cap_is_ten_million():
    p = from_state(**EX)
    assert len(trajectory_float64(p, steps=10**7, tol=1.0)[0]) == 2  # accepted (stops at once on tol)
    with pytest.raises(InputError, match=r"^steps=10000001: expected at most 10000000; pass a smaller steps$"):
        trajectory_float64(p, steps=10**7 + 1, tol=1.0)


_PLANAR_BAD = [  # (keyword overrides, the whole message)
    ({"zt0": [[0.1]]}, "zt0 has shape (1, 1): expected one value per trajectory; pass a 1-D array"),
    ({"T0": [[1.0]]}, "T0 has shape (1, 1): expected one value per trajectory; pass a 1-D array"),
    ({"Et": [[0.2]]}, "Et has shape (1, 1): expected one value per trajectory; pass a 1-D array"),
    ({"zt0": [np.nan]}, "zt0 contains non-finite values: expected finite numbers; remove inf/nan"),
    ({"T0": [np.inf]}, "T0 contains non-finite values: expected finite numbers; remove inf/nan"),
    ({"Et": [-np.inf]}, "Et contains non-finite values: expected finite numbers; remove inf/nan"),
    ({"zt0": [0.1, 0.2], "T0": [1.0] * 3}, "zt0 has 2 values: expected 1 or 3; pass one per trajectory"),
    ({"T0": [1.0, 1.0], "Et": [0.2] * 3}, "T0 has 2 values: expected 1 or 3; pass one per trajectory"),
    ({"Et": [0.2, 0.2], "zt0": [0.1] * 3}, "Et has 2 values: expected 1 or 3; pass one per trajectory"),
    ({"T0": [1.0, -1e-300]}, "T0 contains negative values: T = eta*lambda is a sum of squares; pass T0 >= 0"),
    ({"a": np.inf}, "a=inf: expected a finite number; pass the finite a"),
    ({"b": float("nan")}, "b=nan: expected a finite number; pass the finite b"),
    ({"steps": 10**9 + 1}, "steps=1000000001: expected at most 1000000000; pass a smaller steps"),
    ({"check_every": 0}, "check_every=0: expected a whole number >= 1; pass e.g. check_every=1000"),
    ({"lyap_steps": -3}, "lyap_steps=-3: expected a whole number >= 1; pass e.g. lyap_steps=1000"),
    ({"tol": 0.0}, "tol=0.0: expected a finite number > 0; pass e.g. tol=1e-12"),
    ({"blowup": np.inf}, "blowup=inf: expected a finite number > 0; pass e.g. blowup=1e-12"),
    ({"ptol": "1e-11"}, "ptol='1e-11': expected a finite number > 0; pass e.g. ptol=1e-12"),
    ({"lyap_min": float("nan")}, "lyap_min=nan: expected a finite number; pass e.g. lyap_min=1e-3"),
    ({"lyap_min": "0.1"}, "lyap_min='0.1': expected a finite number; pass e.g. lyap_min=1e-3"),
    ({"engine": "gpu"}, "engine='gpu': expected one of auto, numba, numpy; pass engine='auto'"),
]


@pytest.mark.parametrize("kw, message", _PLANAR_BAD, ids=[next(iter(k)) + f"-{i}" for i, (k, _) in enumerate(_PLANAR_BAD)])
def test_run_planar_bad_arguments_name_themselves(kw, message):
    args = {"zt0": [0.1], "T0": [1.0], "a": 0.0, "b": -1.0, "Et": [0.2], "steps": 10, **kw}
    with pytest.raises(InputError, match="^" + re.escape(message) + "$"):
        run_planar(args.pop("zt0"), args.pop("T0"), args.pop("a"), args.pop("b"), args.pop("Et"), **args)


def test_engine_numba_without_numba_says_how_to_fix(monkeypatch):
    monkeypatch.setenv("SORM_ENGINE", "numpy")
    with pytest.raises(InputError, match="^" + re.escape(
            "engine='numba': numba is not installed (or SORM_ENGINE=numpy is set); pip install numba, or pass "
            "engine='numpy'") + "$"):
        run_batch([1, -1], [0.1], [[1, 0.5]], steps=10, engine="numba")


def test_read_only_freezes_fresh_arrays_in_place_and_copies_the_rest():
    from sorm.numerics.engines.batch import read_only

    fresh = np.arange(3.0)
    assert read_only(fresh) is fresh and not fresh.flags.writeable  # owns its data: no copy
    base = np.arange(6.0)
    view = base[::2]
    frozen = read_only(view)  # a view: a frozen copy, the caller's array untouched
    assert frozen is not view and np.array_equal(frozen, view) and frozen.flags.owndata
    assert view.flags.writeable and base.flags.writeable and not frozen.flags.writeable
    listed = read_only([1.0, 2.0])
    assert isinstance(listed, np.ndarray) and not listed.flags.writeable


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_every_array_of_a_result_is_read_only(engine):
    from sorm.numerics.engines.kernel import numba_available

    if engine == "numba" and not numba_available():
        pytest.skip("numba is not installed")
    fields = ("zt", "T", "J2t", "classes", "steps", "max_T", "lyapunov")
    r = run_batch([1, -1], [0.01, 0.1], [[1.215, 0.795], [0.6, 0.4]], steps=50, engine=engine)
    q = run_planar([0.01, 0.1], [2.01, 1.0], 0.0, -1.0, 0.2, steps=50, engine=engine)
    for res in (r, q):
        for f in fields:
            a = getattr(res, f)
            if a is None:
                assert res is q and f == "J2t"
                continue
            assert isinstance(a, np.ndarray) and not a.flags.writeable, f
            assert a.shape[0] == 2, f
    assert r.J2t.shape == (2, 2) and r.eta_ntk is r.T


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_run_planar_broadcasts_each_scalar_input(engine):
    """Any of zt0, T0, Et may be one value for every run: each alone as a vector gives the runs of the full
    vectors."""
    from sorm.numerics.engines.kernel import numba_available

    if engine == "numba" and not numba_available():
        pytest.skip("numba is not installed")
    zt, T, Et = np.array([0.01, 0.02, 0.03]), np.array([1.5, 2.01, 2.2]), np.array([0.2, 0.3, 0.4])
    for k, vec in enumerate((zt, T, Et)):
        args = [vec if i == k else np.full(3, (zt, T, Et)[i][0]) for i in range(3)]
        full = run_planar(*args[:2], 0.0, -1.0, args[2], steps=300, engine=engine)
        one = run_planar(*[vec if i == k else (zt, T, Et)[i][0] for i in range(2)], 0.0, -1.0,
                         Et if k == 2 else Et[0], steps=300, engine=engine)
        assert one.zt.shape == (3,)
        for f in ("zt", "T", "classes", "steps", "max_T"):
            assert np.array_equal(getattr(one, f), getattr(full, f)), (k, f)


# ω = (2, −1/2): a = 3/2, b = −1. Rows 0, 2 and 4 have a J̃(ω_i)² exactly 0 (the mode map's runs), rows 1 and 3
# none (the 2-D map's). Ẽ from the invariant Σ J̃(ω_i)²/ω_i − 2z̃ = 2Ẽ.
_WE_W = np.array([2.0, -0.5])
_WE_J2 = np.array([[1 / 8, 0], [1.0, 0.6], [0, 0], [0.7, 1.2], [0, 2.5]])
_WE_ZT = np.array([5 / 16, 0.05, 0.3, -0.02, 0.01])
_WE_T0 = _WE_J2.sum(axis=1)
_WE_ET = (_WE_J2[:, 0] / _WE_W[0] + _WE_J2[:, 1] / _WE_W[1]) / 2 - _WE_ZT
_FIELDS = ("zt", "T", "classes", "steps", "max_T", "lyapunov")


def _same(a, b):
    return a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_run_planar_where_exact_routes_each_run_by_its_exact_zero_and_keeps_the_order(engine):
    """Each run with a J̃(ω_i)² exactly 0 gets run_batch's result, each other run run_planar's, in the order
    given, with every option passed on (run_batch gets all but lyap_steps and lyap_min); a scalar Ẽ is
    broadcast. The two routes are told apart where they differ: the 2-D map gives a Lyapunov exponent (row 3),
    and on the dead-mode rows 0 and 4 it lets rounding revive the zero mode and DIVERGES."""
    from sorm.numerics.engines.kernel import numba_available

    if engine == "numba" and not numba_available():
        pytest.skip("numba is not installed")
    opts = dict(steps=200, settle=False, check_every=7, tol=1e-12, blowup=1e6, ptol=1e-10, engine=engine)
    lyap = dict(lyap_steps=100, lyap_min=0.5)
    zero = np.array([True, False, True, False, True])
    r = run_planar_where_exact(_WE_W, _WE_ZT, _WE_J2, _WE_T0, _WE_ET, **opts, **lyap)
    p = run_planar(_WE_ZT[~zero], _WE_T0[~zero], 1.5, -1.0, _WE_ET[~zero], **opts, **lyap)
    m = run_batch(_WE_W, _WE_ZT[zero], _WE_J2[zero], **opts)
    assert r.J2t is None and r.engine == engine and r.step_budget == 200
    for f in _FIELDS:
        got = getattr(r, f)
        assert got.shape == (5,) and not got.flags.writeable, f
        assert _same(got[~zero], getattr(p, f)) and _same(got[zero], getattr(m, f)), f
    C = TrajectoryClass
    assert [C(c) for c in r.classes] == [C.BOUNDED, C.CONVERGED_BELOW, C.NO_GRADIENT, C.BOUNDED, C.BOUNDED]
    assert np.isnan(r.lyapunov[[0, 1, 2, 4]]).all() and math.isfinite(r.lyapunov[3])
    assert (r.steps == 200).all()
    # the 2-D map on every run: the dead-mode rows diverge there, and no Lyapunov exponent is NaN on row 3
    every = run_planar(_WE_ZT, _WE_T0, 1.5, -1.0, _WE_ET, **opts, **lyap)
    assert [C(c) for c in every.classes[[0, 4]]] == [C.DIVERGED, C.DIVERGED]
    # a scalar Ẽ (or z̃₀, T₀) is one value for every run
    one = run_planar_where_exact(_WE_W, _WE_ZT, _WE_J2, _WE_T0, 0.25, **opts, **lyap)
    full = run_planar_where_exact(_WE_W, _WE_ZT, _WE_J2, _WE_T0, np.full(5, 0.25), **opts, **lyap)
    for f in _FIELDS:
        assert _same(getattr(one, f), getattr(full, f)), f


@pytest.mark.parametrize("engine", ["numpy", "numba"])
@pytest.mark.parametrize("rows", [[0, 2, 4], [1, 3]], ids=["every-run-has-a-zero", "no-zero"])
def test_run_planar_where_exact_with_one_route_only_is_that_route(engine, rows):
    from sorm.numerics.engines.kernel import numba_available

    if engine == "numba" and not numba_available():
        pytest.skip("numba is not installed")
    opts = dict(steps=150, check_every=5, engine=engine)
    lyap = dict(lyap_steps=60, lyap_min=0.5)
    r = run_planar_where_exact(list(_WE_W), _WE_ZT[rows], _WE_J2[rows], _WE_T0[rows], _WE_ET[rows], **opts, **lyap)
    if rows == [1, 3]:
        ref = run_planar(_WE_ZT[rows], _WE_T0[rows], 1.5, -1.0, _WE_ET[rows], **opts, **lyap)
    else:
        ref = run_batch(_WE_W, _WE_ZT[rows], _WE_J2[rows], **opts)
    assert r.J2t is None and r.engine == engine and r.step_budget == 150
    for f in _FIELDS:
        assert _same(getattr(r, f), getattr(ref, f)) and not getattr(r, f).flags.writeable, f


_WHERE_EXACT_BAD = [  # (keyword overrides, the whole message)
    ({"omegas": [2.0, -0.5, 1.0]}, "omegas=[2.0, -0.5, 1.0]: the 2-D map needs two distinct nonzero eigenvalues; "
                                   "use run_batch"),
    ({"omegas": [2.0]}, "omegas=[2.0]: the 2-D map needs two distinct nonzero eigenvalues; use run_batch"),
    ({"omegas": [0.0, 1.0]}, "omegas=[0.0, 1.0]: the 2-D map needs two distinct nonzero eigenvalues; use run_batch"),
    ({"omegas": [1.0, 0.0]}, "omegas=[1.0, 0.0]: the 2-D map needs two distinct nonzero eigenvalues; use run_batch"),
    ({"omegas": [0.5, 0.5]}, "omegas=[0.5, 0.5]: the 2-D map needs two distinct nonzero eigenvalues; use run_batch"),
    ({"J2t0": [1.0, 0.6]}, "J2t0 has shape (2,): expected (N, 2), one row per run; pass an (N, 2) array"),
    ({"J2t0": [[1.0, 0.6, 0.1]]}, "J2t0 has shape (1, 3): expected (N, 2), one row per run; pass an (N, 2) array"),
    ({"zt0": [0.05, 0.05]}, "zt0 has 2 values: expected 1 or 3; pass one per trajectory"),
    ({"T0": [1.6, 1.6]}, "T0 has 2 values: expected 1 or 3; pass one per trajectory"),
    ({"Et": [-0.4, -0.4]}, "Et has 2 values: expected 1 or 3; pass one per trajectory"),
    ({"J2t0": [[1.0, 0.6]], "zt0": [0.05, 0.05]}, "zt0 has 2 values: expected 1; pass one per trajectory"),  # one run
]


@pytest.mark.parametrize("kw, message", _WHERE_EXACT_BAD,
                         ids=[next(iter(k)) + f"-{i}" for i, (k, _) in enumerate(_WHERE_EXACT_BAD)])
def test_run_planar_where_exact_bad_arguments_name_themselves(kw, message):
    args = {"omegas": [2.0, -0.5], "zt0": [0.05], "J2t0": [[1.0, 0.6]] * 3, "T0": [1.6], "Et": [-0.4],
            "steps": 10, **kw}
    positional = [args.pop(k) for k in ("omegas", "zt0", "J2t0", "T0", "Et")]
    with pytest.raises(InputError, match="^" + re.escape(message) + "$"):
        run_planar_where_exact(*positional, **args)


def test_run_planar_where_exact_takes_eigenvalues_as_numbers_in_any_layout():
    """Python integers are numbers, not int64: ω = (2³², 2³³) has ω₁ω₂ = 2⁶⁵ ≠ 0 (0 in wrapping int64
    arithmetic, which would reject it as a zero eigenvalue). A nested (1, 2) omegas is the same two values."""
    r = run_planar_where_exact([2**32, 2**33], [0.0], [[0.5, 0.25]], 0.75, 0.0, steps=10, engine="numpy")
    assert TrajectoryClass(int(r.classes[0])) is TrajectoryClass.CONVERGED_BELOW  # z̃ = 0, |1 − T| < 1
    flat = run_planar_where_exact([2.0, -0.5], _WE_ZT, _WE_J2, _WE_T0, _WE_ET, steps=100, engine="numpy")
    nested = run_planar_where_exact([[2.0, -0.5]], _WE_ZT, _WE_J2, _WE_T0, _WE_ET, steps=100, engine="numpy")
    for f in _FIELDS:
        assert _same(getattr(flat, f), getattr(nested, f)), f


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_run_batch_takes_eigenvalues_in_any_layout(engine):
    """run_batch flattens ``omegas``: one eigenvalue given as a scalar is the one-mode model, and a nested (1, 2)
    list is the same two eigenvalues, field by field and bit for bit, on either back end."""
    from sorm.numerics.engines.kernel import numba_available

    if engine == "numba" and not numba_available():
        pytest.skip("numba is not installed")
    for flat, other, J2 in (([2.0], 2.0, [[0.5], [0.9]]), ([1.0, -1.0], [[1.0, -1.0]], [[1.0, 0.5], [1.215, 0.795]])):
        a = run_batch(flat, [0.1, 0.01], J2, steps=100, engine=engine)
        b = run_batch(other, [0.1, 0.01], J2, steps=100, engine=engine)
        for f in (*_FIELDS, "J2t"):
            assert _same(getattr(a, f), getattr(b, f)), f


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_run_planar_options_and_progress(engine):
    """run_planar passes each option to its back end: progress reports (summing to the steps run), tol, blowup,
    ptol, check_every and settle each change the run as they should; the record names the back end and the
    budget. ω = (1, −1): a = 0, b = −1, Ẽ = (J̃₁² − J̃₂²)/2 − z̃."""
    from sorm.numerics.engines.kernel import numba_available

    if engine == "numba" and not numba_available():
        pytest.skip("numba is not installed")

    def planar(zt, J1, J2, **kw):
        return run_planar([zt], [J1 + J2], 0.0, -1.0, [(J1 - J2) / 2 - zt], engine=engine, **kw)

    seen = []
    r = run_planar([0.01] * 3, [2.01] * 3, 0.0, -1.0, 0.2, steps=40, settle=False, progress=seen.append,
                   engine=engine)
    assert sum(seen) == int(r.steps.sum()) == 120 and r.engine == engine and r.step_budget == 40
    loose = planar(0.05, 0.5, 0.4, steps=5000, tol=1e-3, check_every=1)
    tight = planar(0.05, 0.5, 0.4, steps=5000, tol=1e-12, check_every=1)
    assert loose.class_of(0) is tight.class_of(0) is TrajectoryClass.CONVERGED_BELOW
    assert loose.steps[0] < tight.steps[0] and abs(tight.zt[0]) <= 1e-12 < abs(loose.zt[0])
    assert tight.step_budget == 5000 and tight.engine == engine
    low = planar(0.1, 3.0, 2.0, steps=5000, blowup=10.0, check_every=1)
    high = planar(0.1, 3.0, 2.0, steps=5000, check_every=1)
    assert low.class_of(0) is high.class_of(0) is TrajectoryClass.DIVERGED and low.steps[0] < high.steps[0]
    eos = planar(0.01, 1.215, 0.795, steps=3000)
    p2 = planar(0.01, 1.215, 0.795, steps=3000, ptol=0.5)
    assert eos.class_of(0) is not TrajectoryClass.PERIOD2 and p2.class_of(0) is TrajectoryClass.PERIOD2
    every1 = planar(0.05, 0.5, 0.4, steps=5000, check_every=1)
    every64 = planar(0.05, 0.5, 0.4, steps=5000)
    fixed = planar(0.05, 0.5, 0.4, steps=5000, settle=False)
    assert every1.steps[0] < every64.steps[0] < 5000 and every64.steps[0] % 64 == 0 and fixed.steps[0] == 5000


def test_run_planar_where_exact_finds_the_zero_in_float64():
    """The route is chosen from the J̃(ω_i)² the engines run with, float64: a long double 10⁻⁴⁰⁰⁰, not 0 in its own
    type, is 0 in float64, so the run takes the mode map, which keeps it 0 (BOUNDED), not the 2-D map, whose
    rounding revives it (DIVERGED: row 4 of the routing test)."""
    tiny = np.longdouble("1e-4000")
    if tiny == 0:
        pytest.skip("long double is float64 here: 1e-4000 is already 0")
    J2 = np.array([[tiny, 2.5]], dtype=np.longdouble)
    opts = dict(steps=200, settle=False, engine="numpy")
    r = run_planar_where_exact(_WE_W, [0.01], J2, [2.5], [-2.51], lyap_steps=100, **opts)
    m = run_batch(_WE_W, [0.01], [[0.0, 2.5]], **opts)
    p = run_planar([0.01], [2.5], 1.5, -1.0, [-2.51], lyap_steps=100, **opts)
    for f in _FIELDS:
        assert _same(getattr(r, f), getattr(m, f)), f
    assert r.class_of(0) is TrajectoryClass.BOUNDED and p.class_of(0) is TrajectoryClass.DIVERGED


def test_auto_engine_is_numba_when_numba_is_installed(monkeypatch):
    """engine="auto" (the default) picks the compiled kernels when numba imports and SORM_ENGINE does not ask for
    numpy, and the records say so; resolve_engine returns the back end's name itself."""
    from sorm.numerics.engines.batch import resolve_engine

    pytest.importorskip("numba")
    monkeypatch.delenv("SORM_ENGINE", raising=False)
    assert resolve_engine("auto") == "numba" and resolve_engine("numpy") == "numpy"
    assert run_planar([0.01], [2.01], 0.0, -1.0, [0.2], steps=10).engine == "numba"
    assert run_batch([1, -1], [0.01], [[1.215, 0.795]], steps=10).engine == "numba"


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
@pytest.mark.parametrize("name", ["zt0", "T0", "Et"])
def test_a_value_beyond_float64_is_non_finite(name):
    """The engines run in float64, so an input is finite only if it is finite there: a long double 10⁴⁰⁰ (finite
    in its own type) is inf in float64, and rejected by name like any inf."""
    big = np.longdouble("1e400")
    if not np.isfinite(big):
        pytest.skip("long double is float64 here: 1e400 is already inf")
    args = {"zt0": [0.1], "T0": [1.0], "Et": [0.2], name: np.array([big])}
    with pytest.raises(InputError, match="^" + re.escape(f"{name} contains non-finite values: expected finite numbers; "
                                                        "remove inf/nan") + "$"):
        run_planar(args["zt0"], args["T0"], 0.0, -1.0, args["Et"], steps=10)


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
@pytest.mark.parametrize("engine", ["numpy", "numba"])
@pytest.mark.parametrize("name", ["omegas", "J2t0"])
def test_run_batch_rejects_a_value_beyond_float64(name, engine):
    """As for run_planar's inputs: an eigenvalue ω_i or a J̃(ω_i)² that is a long double 10⁴⁰⁰ is inf in
    float64, where the engines run, and is rejected by name. Checked in float64 only, the long double passed
    the finiteness test and the run went on (a DIVERGED run at step 10, on either back end)."""
    from sorm.numerics.engines.kernel import numba_available

    if engine == "numba" and not numba_available():
        pytest.skip("numba is not installed")
    big = np.longdouble("1e400")
    if not np.isfinite(big):
        pytest.skip("long double is float64 here: 1e400 is already inf")
    args = {"omegas": [1.0, -1.0], "zt0": [0.1], "J2t0": [[1.0, 0.5]]}
    args[name] = np.array([big, -1.0]) if name == "omegas" else np.array([[big, 0.5]])
    message = (f"omegas={args['omegas']!r}: expected at least one finite eigenvalue; pass e.g. [1, -1]"
               if name == "omegas" else
               "J2t0 contains negative or non-finite values: a squared Jacobian is finite and >= 0; pass values >= 0")
    with pytest.raises(InputError, match="^" + re.escape(message) + "$"):
        run_batch(args["omegas"], args["zt0"], args["J2t0"], steps=10, engine=engine)


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_huge_model_constants_overflow_to_a_class_not_an_exception(engine):
    """A constant folded into the numpy back end's trace may overflow: a = 1e200 has a² = inf (a DIVERGED run at
    step 3, as the compiled kernel says; Python's float power raised OverflowError), and 8b = inf at b = 2^1021
    is written into the traced Jacobian as inf (it raised NameError); both back ends give the same class."""
    from sorm.numerics.engines.kernel import numba_available

    if engine == "numba" and not numba_available():
        pytest.skip("numba is not installed")
    r = run_planar([1e-300], [0.5], 1e200, 0.0, [0.0], steps=3, engine=engine)
    assert (r.class_of(0), r.steps[0]) == (TrajectoryClass.DIVERGED, 3)
    r = run_planar([1.0], [2.0], 0.0, 2.0**1021, [0.0], steps=1, lyap_steps=1, blowup=1e308, engine=engine)
    assert (r.class_of(0), r.steps[0]) == (TrajectoryClass.BOUNDED, 1) and np.isnan(r.lyapunov[0])
    assert (r.T[0], r.zt[0]) == (2.0**1021 * 2, -(2.0**1021))
