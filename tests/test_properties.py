"""Property tests of the derived dynamics (issue 2, point 5), through the generated module.

Every property is checked on random models (P = 1..8, random ω, θ, E, η) plus pinned
edge cases: a zero eigenvalue, repeated eigenvalues, T exactly 2, z = 0, and tiny and
huge scales. The scale pins use the model's exact scaling symmetry θ → sθ, E → s²E,
η → η/s² (z̃, T and the whole rescaled trajectory are unchanged), so a tiny or huge
model runs the same trajectory at magnitudes 10^±100.

Each property fails when the map or the invariant is wrong (mutations tried by hand:
see the report of the foundation work).
"""
from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from sorm.numerics import _derived as d

EPS = np.finfo(float).eps


def mpq(v):
    """An exact Fraction (or int) as an mpf at the current working precision."""
    if isinstance(v, Fraction):
        return mpmath.mpf(v.numerator) / v.denominator
    return mpmath.mpf(v)

# ---------------------------------------------------------------------------------------------
# Models as exact Fractions: (omegas, theta, E, eta), then scaled by s = 10^scale.
# ---------------------------------------------------------------------------------------------


@st.composite
def models(draw, min_P=1, max_P=8):
    P = draw(st.integers(min_P, max_P))
    omegas = draw(st.lists(st.integers(-12, 12).map(lambda n: Fraction(n, 4)), min_size=P, max_size=P))
    theta = draw(st.lists(st.integers(-16, 16).map(lambda n: Fraction(n, 8)), min_size=P, max_size=P))
    E = Fraction(draw(st.integers(-8, 8)), 4)
    # η sets T = ηλ at t = 0: pick T₀ in (0, 3] (both sides of the edge of stability T = 2);
    # when λ = 0 any η will do.
    lam = sum((w * t) ** 2 for w, t in zip(omegas, theta))
    T0 = Fraction(draw(st.integers(1, 12)), 4)
    eta = T0 / lam if lam else Fraction(1, draw(st.integers(1, 20)))
    scale = draw(st.sampled_from([0, 0, 0, -50, 50]))
    return tuple(omegas), tuple(theta), E, eta, scale


def exact_state(model):
    """(ω, z, J(ω_i)², E, η) as Fractions for the (scaled) model: J(ω_i) = ω_iθ_i, z = ½Σω_iθ_i² − E."""
    omegas, theta, E, eta, scale = model
    s = Fraction(10) ** scale
    theta = [t * s for t in theta]
    E, eta = E * s * s, eta / (s * s)
    J2 = [(w * t) ** 2 for w, t in zip(omegas, theta)]
    z = sum((w * t * t for w, t in zip(omegas, theta)), Fraction(0)) / 2 - E
    return list(omegas), z, J2, E, eta


def invariant(omegas, z, J2):
    """Σ_{ω_i≠0} J(ω_i)²/ω_i − 2z through the generated helpers."""
    return d.invariant_2E(z, sum(d.invariant_term(w, j) for w, j in zip(omegas, J2) if w != 0))


def gd_step(eta, omegas, z, J2):
    M0 = sum(J2)
    M1 = sum(w * j for w, j in zip(omegas, J2))
    return d.gd_z_next(eta, z, M0, M1), [d.gd_J2_next(eta, z, w, j) for w, j in zip(omegas, J2)]


def inv_scale(omegas, z, J2, E):
    """Magnitude of the terms of Σ J(ω_i)²/ω_i − 2z = 2E: bounds the rounding of evaluating it."""
    return sum(j / abs(w) for w, j in zip(omegas, J2) if w != 0) + 2 * abs(z) + 2 * abs(E)


def step_scale(eta, omegas, z, J2):
    """Magnitude of everything one step adds to the invariant's rounding error (absolute values)."""
    M0 = sum(J2)
    M1 = sum(abs(w) * j for w, j in zip(omegas, J2))
    modes = sum((1 + abs(eta * z * w)) ** 2 * j / abs(w) for w, j in zip(omegas, J2) if w != 0)
    return modes + 2 * abs(z) + 2 * abs(eta * z) * M0 + (eta * z) ** 2 * M1


# Edge cases, as (omegas, theta, E, eta, scale).
T_EXACTLY_2 = ((Fraction(1), Fraction(-1)), (Fraction(1), Fraction(1)), Fraction(1, 10), Fraction(1), 0)
ZERO_OMEGA = ((Fraction(2), Fraction(0), Fraction(-1)), (Fraction(1, 2), Fraction(3), Fraction(1, 4)),
              Fraction(1, 5), Fraction(1, 3), 0)
REPEATED = ((Fraction(1),) * 3 + (Fraction(-2),), (Fraction(1, 2), Fraction(-1, 4), Fraction(1, 8), Fraction(1, 2)),
            Fraction(-1, 4), Fraction(1, 2), 0)
Z_ZERO = ((Fraction(1),), (Fraction(2),), Fraction(2), Fraction(1, 4), 0)
TINY = ((Fraction(3, 2), Fraction(-1, 2)), (Fraction(1, 2), Fraction(3, 4)), Fraction(1, 8), Fraction(1, 2), -50)
HUGE = ((Fraction(3, 2), Fraction(-1, 2)), (Fraction(1, 2), Fraction(3, 4)), Fraction(1, 8), Fraction(1, 2), 50)
PINS = [T_EXACTLY_2, ZERO_OMEGA, REPEATED, Z_ZERO, TINY, HUGE]


def pinned(test, **extra):
    """Add every edge case of PINS as an @example (with fixed values for any other arguments)."""
    for m in reversed(PINS):
        test = example(model=m, **extra)(test)
    return test


def pinned_seeded(test):
    return pinned(test, seed=0)


# ---------------------------------------------------------------------------------------------
# 1. GD conserves the invariant over many steps.
# ---------------------------------------------------------------------------------------------


def run_invariant_drift(model, steps, to_num, eps, stop):
    """Iterate the map; return [(|I_k − I_0|, tolerance_k)] with tolerance 8(P+4)·eps·Σ_k scale_k."""
    omegas_f, z_f, J2_f, E_f, eta_f = exact_state(model)
    omegas = [to_num(w) for w in omegas_f]
    z, J2, eta = to_num(z_f), [to_num(j) for j in J2_f], to_num(eta_f)
    m0 = abs(z) + sum(J2) + abs(to_num(E_f))
    I0 = invariant(omegas, z, J2)
    c = 8 * (len(omegas) + 4) * eps
    acc = c * step_scale(eta, omegas, z, J2)
    out = []
    for _ in range(steps):
        z, J2 = gd_step(eta, omegas, z, J2)
        if not stop(z, J2, m0):
            break
        acc += c * step_scale(eta, omegas, z, J2)
        out.append((abs(invariant(omegas, z, J2) - I0), acc))
    return out, I0, 2 * to_num(E_f), inv_scale(omegas, to_num(z_f), [to_num(j) for j in J2_f], to_num(E_f))


def _finite_and_bounded(z, J2, m0):
    vals = [z] + J2
    return all(math.isfinite(v) for v in vals) and max(abs(v) for v in vals) <= 1e40 * m0


@pinned
@given(model=models())
def test_gd_conserves_invariant_float64(model):
    drift, I0, twoE, scale0 = run_invariant_drift(model, 200, float, EPS, _finite_and_bounded)
    # The starting invariant equals 2E (it holds at every θ), to the rounding of the float state.
    assert abs(I0 - twoE) <= 8 * (len(model[0]) + 2) * EPS * scale0
    for k, (err, tol) in enumerate(drift):
        assert err <= tol, f"step {k + 1}: invariant drift {err:.3e} > tolerance {tol:.3e}"


@pinned
@given(model=models())
@settings(max_examples=30)
def test_gd_conserves_invariant_mpmath_and_doubled_precision(model):
    """At 30 digits the drift stays within 10^-30·Σ scale; at 60 digits within 10^-60·Σ scale."""
    for dps in (30, 60):
        with mpmath.workdps(dps):
            eps = mpmath.mpf(10) ** -dps

            def bounded(z, J2, m0):
                return max(abs(v) for v in [z] + J2) <= mpmath.mpf(10) ** 40 * m0

            drift, I0, twoE, scale0 = run_invariant_drift(model, 100, mpq, eps, bounded)
            # The starting invariant equals 2E (it holds at every θ).
            assert abs(I0 - twoE) <= 8 * (len(model[0]) + 2) * eps * scale0
            for k, (err, tol) in enumerate(drift):
                assert err <= tol, f"dps={dps} step {k + 1}: drift {mpmath.nstr(err, 5)} > {mpmath.nstr(tol, 5)}"


# ---------------------------------------------------------------------------------------------
# 2. Gradient flow: z never changes sign, every J(ω_i)² stays >= 0 (mpmath Taylor-series odefun).
# ---------------------------------------------------------------------------------------------


def gf_solution(omegas, z0, J20, eta):
    """mpmath.odefun for y = (z, J(ω_1)², ..., J(ω_P)², x) with the generated GF rates, ẋ = ηz.

    The solver's tolerance is absolute, so the state is first brought to magnitude ~1 with
    the flow's exact scaling symmetry (z, J², η) → (z/m, J²/m, ηm), which leaves t and x
    unchanged; the returned function undoes it. Tiny and huge models are thus solved to the
    same relative accuracy.
    """
    mag = abs(z0) + sum(J20)
    m = mpmath.mpf(10) ** int(mpmath.nint(mpmath.log10(mag))) if mag != 0 else mpmath.mpf(1)
    eta_m = eta * m

    def rates(_t, y):
        z, J2 = y[0], y[1:-1]
        return ([d.gf_z_rate(eta_m, z, sum(J2))] + [d.gf_J2_rate(eta_m, z, w, j) for w, j in zip(omegas, J2)]
                + [d.gf_x_rate(eta_m, z)])

    sol = mpmath.odefun(rates, 0, [z0 / m] + [j / m for j in J20] + [mpmath.mpf(0)])

    def state(t):
        y = sol(t)
        return [y[0] * m] + [j * m for j in y[1:-1]] + [y[-1]]

    return state


@pinned
@given(model=models(max_P=4))
@settings(max_examples=25)
def test_gf_keeps_sign_of_z_and_nonnegative_modes(model):
    dps = 20
    with mpmath.workdps(dps):
        omegas_f, z_f, J2_f, _, eta_f = exact_state(model)
        # Integrate over about one time constant of the fastest rate at t = 0: ż = −ηλz and
        # dJ(ω_i)²/dt = −2ηzω_iJ(ω_i)² (so the Taylor solver stays fast and the flow still moves).
        rate = eta_f * (sum(J2_f) + 2 * abs(z_f) * max(abs(w) for w in omegas_f))
        t_end = 1 / mpq(rate) if rate != 0 else mpmath.mpf(1)
        omegas = [mpq(w) for w in omegas_f]
        z0, J20, eta = mpq(z_f), [mpq(j) for j in J2_f], mpq(eta_f)
        I0 = invariant(omegas, z0, J20)
        scale = abs(z0) + sum(j / abs(w) for w, j in zip(omegas, J20) if w != 0) + abs(I0) + sum(J20)
        scale += mpmath.mpf(10) ** -(3 * dps)
        sol = gf_solution(omegas, z0, J20, eta)
        tol = mpmath.mpf(10) ** -(dps - 6) * scale
        for frac in (mpmath.mpf(1) / 4, mpmath.mpf(1) / 2, mpmath.mpf(1)):
            y = sol(frac * t_end)
            z, J2, x = y[0], y[1:-1], y[-1]
            if z0 == 0:
                assert z == 0, "z = 0 is a fixed point of GF"
            else:
                assert mpmath.sign(z) == mpmath.sign(z0), f"z changed sign: z0={z0}, z={z}"
            assert all(j >= 0 for j in J2), f"a J(omega)^2 went negative: {J2}"
            # Conserved along the flow, and the flow integrates to J(ω_i)²(0)e^{−2ω_i x}.
            assert abs(invariant(omegas, z, J2) - I0) <= tol
            for w, j, j0 in zip(omegas, J2, J20):
                assert abs(j - d.gf_J2_of_x(j0, w, x)) <= tol * (1 + j0 / (scale + 1))


# ---------------------------------------------------------------------------------------------
# 3. One GD step in θ-space with a random rotation Q = VΩVᵀ equals the derived map.
# ---------------------------------------------------------------------------------------------


def theta_step_residual(model, seed, dps):
    """max relative |derived − θ-space| over z' and every J(ω_i)²', at dps digits."""
    omegas_f, _, _, E_f, eta_f = exact_state(model)
    theta_eig = model[1]
    s = Fraction(10) ** model[4]
    P = len(omegas_f)
    A = np.random.RandomState(seed).standard_normal((P, P))
    with mpmath.workdps(dps):
        V, _ = mpmath.qr(mpmath.matrix(A.tolist()))  # orthogonal to working precision
        W = mpmath.diag([mpq(w) for w in omegas_f])
        Q = V * W * V.T
        th = V * mpmath.matrix([mpq(t * s) for t in theta_eig])  # θ with eigen-coordinates θ_eig
        E, eta = mpq(E_f), mpq(eta_f)

        def z_of(t):
            return (t.T * Q * t)[0] / 2 - E

        def modes(t):  # J(ω_i) = J v_i with J = θᵀQ
            J = t.T * Q
            return [(J * V[:, k])[0] ** 2 for k in range(P)]

        z = z_of(th)
        th1 = th - eta * z * (Q * th)
        J2 = modes(th)
        omegas = [mpq(w) for w in omegas_f]
        z_map, J2_map = gd_step(eta, omegas, z, J2)
        scale = step_scale(eta, omegas, z, J2) + sum(J2) + abs(E) + mpmath.mpf(10) ** (-3 * dps)
        errs = [abs(z_map - z_of(th1))] + [abs(a - b) for a, b in zip(J2_map, modes(th1))]
        return max(errs) / scale


@pinned_seeded
@given(model=models(), seed=st.integers(0, 2**16))
@settings(max_examples=30)
def test_theta_space_step_equals_map(model, seed):
    """Residual within 10^-(dps-4) at 30 digits, and again at doubled precision (60 digits)."""
    for dps in (30, 60):
        r = theta_step_residual(model, seed, dps)
        assert r <= mpmath.mpf(10) ** -(dps - 4), f"dps={dps}: relative residual {mpmath.nstr(r, 5)}"


@pinned_seeded
@given(model=models(), seed=st.integers(0, 2**16))
def test_theta_space_step_equals_map_float64(model, seed):
    omegas_f, _, _, E_f, eta_f = exact_state(model)
    s = 10.0 ** model[4]
    P = len(omegas_f)
    V, _ = np.linalg.qr(np.random.RandomState(seed).standard_normal((P, P)))
    w = np.array([float(x) for x in omegas_f])
    Q = V @ np.diag(w) @ V.T
    th = V @ (np.array([float(t) for t in model[1]]) * s)
    E, eta = float(E_f), float(eta_f)
    z = th @ Q @ th / 2 - E
    th1 = th - eta * z * (Q @ th)
    J2, J2_1 = (th @ Q @ V) ** 2, (th1 @ Q @ V) ** 2
    z_map, J2_map = gd_step(eta, list(w), z, list(J2))
    scale = step_scale(eta, list(w), z, list(J2)) + J2.sum() + abs(E) + abs(th @ Q @ th)
    tol = 64 * P * EPS * scale * (1 + abs(eta * z) * np.abs(w).max()) ** 2
    assert abs(z_map - (th1 @ Q @ th1 / 2 - E)) <= tol
    assert np.all(np.abs(np.array(J2_map) - J2_1) <= tol)


# ---------------------------------------------------------------------------------------------
# 4. η-rescaling: GD from (η, z, J) and from (1, ηz, η^{1/2}J) give the same T trajectory.
# ---------------------------------------------------------------------------------------------


@pinned
@given(model=models(max_P=4))
def test_eta_rescaling_gives_the_same_T_trajectory_exactly(model):
    """Exact rational arithmetic, 3 steps: T_k = ηλ_k of the unscaled map equals λ̃_k of the rescaled one."""
    omegas, z, J2, _, eta = exact_state(model)
    zt, J2t = eta * z, [eta * j for j in J2]
    for _ in range(3):
        z, J2 = gd_step(eta, omegas, z, J2)
        zt, J2t = (d.gd_zt_next(zt, sum(J2t), sum(w * j for w, j in zip(omegas, J2t))),
                   [d.gd_J2t_next(zt, w, j) for w, j in zip(omegas, J2t)])
        assert eta * sum(J2) == sum(J2t)
        assert eta * z == zt


@pinned
@given(model=models())
@settings(max_examples=30)
def test_eta_rescaling_long_run_mpmath(model):
    """30 steps at 40 digits through the same general map with η and with η = 1: T agrees to ~25 digits."""
    with mpmath.workdps(40):
        omegas_f, z_f, J2_f, _, eta_f = exact_state(model)
        omegas = [mpq(w) for w in omegas_f]
        eta = mpq(eta_f)
        z, J2 = mpq(z_f), [mpq(j) for j in J2_f]
        zt, J2t = eta * z, [eta * j for j in J2]
        for _ in range(30):
            z, J2 = gd_step(eta, omegas, z, J2)
            zt, J2t = gd_step(mpmath.mpf(1), omegas, zt, J2t)
            T, Tt = eta * sum(J2), sum(J2t)
            if abs(Tt) > 10**20 or abs(zt) > 10**20:
                break
            assert abs(T - Tt) <= mpmath.mpf(10) ** -25 * (1 + abs(Tt))


# ---------------------------------------------------------------------------------------------
# 5. The 2-D map agrees with the general map at P = 2.
# ---------------------------------------------------------------------------------------------


@st.composite
def planar_models(draw):
    m = draw(models(min_P=2, max_P=2))
    (w1, w2) = m[0]
    assume(w1 * w2 != 0 and w1 != w2)
    return m


@example(model=T_EXACTLY_2)
@example(model=TINY)
@example(model=HUGE)
@example(model=((Fraction(3), Fraction(1, 4)), (Fraction(1, 2), Fraction(-1, 8)), Fraction(0), Fraction(1), 0))
@given(model=planar_models())
def test_planar_map_equals_general_map_exactly(model):
    """Exact rationals, 3 steps: (z̃, T) of the 2-D map equals the general rescaled map, and the
    modes recovered by planar_J2t equal the general map's J̃(ω_i)²."""
    omegas, z, J2, E, eta = exact_state(model)
    w1, w2 = omegas
    a, b, Et = w1 + w2, w1 * w2, eta * E
    zt, J2t = eta * z, [eta * j for j in J2]
    zp, Tp = zt, sum(J2t)
    assert tuple(d.planar_J2t(zp, Tp, w1, w2, Et)) == tuple(J2t)
    for _ in range(3):
        zt, J2t = gd_step(Fraction(1), omegas, zt, J2t)
        zp, Tp = d.planar_zt_next(zp, Tp, a, b, Et), d.planar_T_next(zp, Tp, a, b, Et)
        assert (zp, Tp) == (zt, sum(J2t))
        assert tuple(d.planar_J2t(zp, Tp, w1, w2, Et)) == tuple(J2t)
        assert d.planar_S(zp, Tp, a, b, Et) == w1 * J2t[0] + w2 * J2t[1]
        assert d.planar_R(zp, Tp, a, b, Et) == w1**2 * J2t[0] + w2**2 * J2t[1]


@pytest.mark.parametrize("T", [Fraction(1, 2), Fraction(3, 2), Fraction(2), Fraction(5, 2)], ids=str)
def test_fixed_line_multiplier_is_one_minus_T(T):
    """On z̃ = 0 the z̃-multiplier is exactly 1 − T: |1 − T| < 1 iff 0 < T < 2; at T = 2 it is −1."""
    jac = d.planar_jacobian(Fraction(0), T, Fraction(0), Fraction(-1), Fraction(1, 5))
    assert jac[0] == 1 - T and jac[1] == 0 and jac[3] == 1
    assert (abs(jac[0]) < 1) == (0 < T < 2)
