"""SAM near its edge (theory.sam_normal_form, numerics.sam_edge): the invariant, the runs, the prediction."""
from __future__ import annotations

from fractions import Fraction as F

import mpmath
import pytest

from sorm.numerics.eos.convergence import loglog_slope
from sorm.numerics.optimizer import OptimizerSpec, edge, run_optimizer
from sorm.numerics.sam_edge import SAM_CASES, SamCase, predict_sam, run_sam_planar, sam_convergence_orders
from sorm.numerics.validate import InputError
from sorm.theory.sam_normal_form import sam_edge_value, sam_invariant


def _coeffs(case, N=5):
    inv = sam_invariant(case.omegas, case.Et, case.rhot, N)
    return {n: tuple(F(int(c.p), int(c.q)) for c in cs) for n, cs in inv.coeffs.items()}


def _sam_theta_two_steps(case, zt, T):
    """(z̃, T − T*) after two SAM steps in θ-space (η = 1), typed from the update rule, in mpmath."""
    w = [mpmath.mpf(x.numerator) / x.denominator for x in case.omegas]
    E = mpmath.mpf(case.Et.numerator) / case.Et.denominator
    rho = mpmath.mpf(case.rhot.numerator) / case.rhot.denominator
    # J(ω_i)² from J₁² + J₂² = T and J₁²/ω₁ + J₂²/ω₂ = 2(z̃ + Ẽ); θ_i = J_i/ω_i.
    J22 = (2 * (zt + E) - T / w[0]) / (1 / w[1] - 1 / w[0])
    th = [mpmath.sqrt(T - J22) / w[0], mpmath.sqrt(J22) / w[1]]

    def grad(v):
        zv = sum(wi * vi * vi for wi, vi in zip(w, v)) / 2 - E
        return [zv * wi * vi for wi, vi in zip(w, v)]

    for _ in range(2):
        adv = [t + rho * g for t, g in zip(th, grad(th))]
        th = [t - g for t, g in zip(th, grad(adv))]
    z_new = sum(wi * t * t for wi, t in zip(w, th)) / 2 - E
    return z_new, sum((wi * t) ** 2 for wi, t in zip(w, th)) - mpmath.mpf(case.T_star.numerator) / case.T_star.denominator


@pytest.mark.parametrize("case", SAM_CASES[:2], ids=lambda c: c.name[:1])
def test_invariant_changes_at_order_N_plus_2_under_theta_space_sam(case):
    """H∘F² − H = O(r^(N+2)) at distance r from (0, T*), with F² two SAM steps on θ itself (not the derivation)."""
    coeffs = _coeffs(case, 5)

    def H(zt, y):
        return sum(c * zt ** j * y ** (n - j) for n, cs in coeffs.items() for j, c in enumerate(cs))

    rs = [F(1, 200), F(1, 400), F(1, 800)]
    changes = []
    with mpmath.workdps(80):
        for r in rs:
            zt, y = mpmath.mpf(r.numerator) / r.denominator / 2, -mpmath.mpf(r.numerator) / r.denominator
            T = y + mpmath.mpf(case.T_star.numerator) / case.T_star.denominator
            z2, y2 = _sam_theta_two_steps(case, zt, T)
            changes.append(abs(H(z2, y2) - H(zt, y)))
    assert abs(loglog_slope(rs, changes) - 7) < 0.3


def test_run_sam_planar_matches_the_moment_engine():
    """The fixed-point 2-D map and the mpmath moment map (any P) end at the same ηλ."""
    case = SAM_CASES[1]
    prob = case.problem(F(1, 50))
    T_fixed, steps, _ = run_sam_planar(case, prob.zt0, prob.T0, dps=30, tol=F(1, 10 ** 22))
    res = run_optimizer(prob, OptimizerSpec("sam", case.rhot), dps=30, steps=steps)
    with mpmath.workdps(30):
        assert abs(T_fixed - res.eta_ntk) < mpmath.mpf(10) ** -20


def test_edges_are_rational_and_agree():
    for case, want in zip(SAM_CASES, (F(1), F(4, 3), F(3, 2))):
        assert case.T_star == want
        assert F(str(sam_edge_value(case.rhot))) == want
    assert edge(OptimizerSpec("sam", F(3, 8))).method == "exact"
    with pytest.raises(ValueError, match="not rational"):
        sam_edge_value(F(1, 10))
    with pytest.raises(InputError, match="not rational"):
        SamCase("x", (F(1), F(-1)), F(1, 5), F(1, 10), (F(1), F(1))).T_star


def test_prediction_slopes_one_case():
    case = SAM_CASES[0]
    res = sam_convergence_orders({case.name: _coeffs(case)}, cases=(case,), orders=(2, 3),
                                 epsilons=[F(1, 100) / 2 ** m for m in range(3)], dps=30, tol=F(1, 10 ** 22))
    assert res.ok, res.slopes


def test_predict_needs_a_positive_definite_H2():
    with pytest.raises(InputError, match="positive-definite"):
        predict_sam({2: (F(2), F(0), F(-1))}, F(1), F(1, 100), F(1), dps=20)
    with pytest.raises(InputError, match="positive-definite"):
        predict_sam({2: (F(1), F(0), F(1))}, F(1), F(1, 100), F(1), dps=20)
