"""Predict the final NTK of GD from a state near the edge of stability, to order N.

Derived here (MODEL.md §5; theory.normal_form). For P = 2 with a = ω₁ + ω₂,
b = ω₁ω₂ and Ẽ = ηE, the two-step GD map near (z̃, T) = (0, 2), y = T − 2, has
the formal invariant H = H₂ + H₃ + … with H₂ = 2ỹ² + k z̃², ỹ = y − s z̃. A
trajectory from (z̃₀, T₀) near (0, 2) ends on the attracting half (y < 0) of the
fixed line z̃ = 0, so the order-N prediction T_∞ = 2 + y_∞ solves

    Σ_{n=2}^{N} H_n(0, y_∞) = Σ_{n=2}^{N} H_n(z̃₀, y₀),   y_∞ < 0,

for the root near the leading-order value y_∞ = −sqrt(ỹ₀² + (k/2) z̃₀²). Then
ηλ_∞ = T_∞ and λ_∞ = T_∞/η. The relative error in 2 − T_∞ is O(ε^{N−1}) with
ε = max(|z̃₀|, |T₀ − 2|) (numerics.convergence measures it).

Only the generated coefficients of ``numerics._derived`` are used (no sympy).
Symbols: z̃ = ηz, T = ηλ, J̃(ω_i)² = ηJ(ω_i)², Ẽ = ηE; η the step, λ the NTK.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from fractions import Fraction

import mpmath

from . import _derived as d
from .problem import Problem, reduced_2d
from .validate import InputError, dps as _check_dps

__all__ = ["N_MAX", "EPS_MAX", "EOSStatus", "EOSPrediction", "predict_eos", "edge_coefficients",
           "invariant_value"]

#: Highest order with generated coefficients (theory.normal_form.N_MAX).
N_MAX = max(int(name[len("eos_H"):]) for name in d.__all__ if name.startswith("eos_H"))
#: Beyond this distance ε from (0, 2) the expansion is not trusted (status FAR_FROM_EDGE).
EPS_MAX = Fraction(1, 2)


class EOSStatus(enum.Enum):
    """How the prediction ended; each value is a readable message."""

    OK = "predicted: the state is near the edge of stability and the root was found"
    ON_FIXED_LINE = "z̃₀ = 0: the state is a fixed point of GD, so ηλ stays at its initial value exactly"
    FAR_FROM_EDGE = ("epsilon > 0.5: the state is too far from the edge of stability (0, 2) for the "
                     "series; the value is unreliable")
    NO_ROOT = ("no root y < 0 of H(0, y) = H(z̃₀, y₀) near the leading-order value: the truncated series "
               "is not usable at this distance from the edge")

    @property
    def message(self) -> str:
        return self.value


@dataclass(frozen=True)
class EOSPrediction:
    """The order-N edge-of-stability prediction of the final NTK (derived here).

    eta_ntk: predicted ηλ_∞ = T_∞ (None if status is NO_ROOT). ntk: λ_∞ = T_∞/η.
    leading: the leading-order value 2 − sqrt(ỹ₀² + (k/2)z̃₀²). order: N. epsilon:
    max(|z̃₀|, |T₀ − 2|), the max-norm distance of the initial state from (0, 2).
    k: 2r − s² = 4Var_p(ω) (exact). dps: working precision (decimal digits) of the
    mpf values. status: :class:`EOSStatus`.
    """

    eta_ntk: mpmath.mpf | None
    ntk: mpmath.mpf | None
    leading: mpmath.mpf
    order: int
    epsilon: Fraction
    k: Fraction
    dps: int
    status: EOSStatus

    @property
    def message(self) -> str:
        return self.status.message


def edge_coefficients(a, b, Et, order: int) -> dict[int, tuple]:
    """{n: (c_0, …, c_n)} of H_n = Σ_j c_j z̃^j y^{n−j} for n = 2..order (generated; exact on Fractions)."""
    return {n: getattr(d, f"eos_H{n}")(a, b, Et) for n in range(2, order + 1)}


def invariant_value(coeffs: dict[int, tuple], zt, y):
    """H(z̃, y) = Σ_n Σ_j c_{n,j} z̃^j y^{n−j} for the given coefficient table."""
    total = 0
    for n, cs in coeffs.items():
        total += sum(c * zt ** j * y ** (n - j) for j, c in enumerate(cs) if c != 0)
    return total


def _order(order) -> int:
    if isinstance(order, bool) or not isinstance(order, int) or not 2 <= order <= N_MAX:
        raise InputError(f"order={order!r}: expected a whole number from 2 to {N_MAX} (2 is leading order); "
                         f"pass e.g. order=3")
    return order


def predict_eos(problem: Problem, *, order: int = 2, dps: int = 50) -> EOSPrediction:
    """Predict ηλ_∞ (and λ_∞) of GD from ``problem``'s initial state at order N (derived here).

    problem: a P = 2 model (ω₁ω₂ ≠ 0, ω₁ ≠ ω₂) whose state (z̃₀, T₀) lies near (0, 2).
    order: N = 2..N_MAX (H through degree N; relative error O(ε^{N−1})). dps: decimal
    digits of the root solve. Raises InputError for P ≠ 2, a bad order or dps, or
    k ≤ 0 (then there is no self-stabilization: the edge point has a single active
    mode, or negative weights).
    """
    if not isinstance(problem, Problem):
        raise InputError(f"problem={problem!r}: expected a numerics.Problem; build one with from_theta or from_state")
    order = _order(order)
    dps = _check_dps(dps)
    a, b, Et = reduced_2d(problem)
    k = Fraction(d.eos_k(a, b, Et))
    if k <= 0:
        raise InputError(
            f"omegas={tuple(float(w) for w in problem.omegas)!r}, E*eta={float(Et)!r}: k = 4 Var_p(omega) = "
            f"{float(k)!r} <= 0 at the edge point (z~, eta*lambda) = (0, 2), so there is no self-stabilization "
            f"(k = 0: a single active mode; k < 0: the edge point is not admissible); choose E with "
            f"both J(omega_i)^2 > 0 at eta*lambda = 2"
        )
    zt0, T0 = problem.zt0, problem.T0
    y0 = T0 - 2
    eps = max(abs(zt0), abs(y0))
    rad = Fraction(d.eos_leading_radicand(zt0, T0, a, b, Et))
    with mpmath.workdps(dps):
        eta = mpmath.mpf(problem.eta.numerator) / problem.eta.denominator
        leading = 2 - mpmath.sqrt(mpmath.mpf(rad.numerator) / rad.denominator)
        if zt0 == 0:
            T = mpmath.mpf(T0.numerator) / T0.denominator
            return EOSPrediction(+T, T / eta, +leading, order, eps, k, dps, EOSStatus.ON_FIXED_LINE)
        coeffs = edge_coefficients(a, b, Et, order)
        target = Fraction(invariant_value(coeffs, zt0, y0))
        line = {n: (Fraction(cs[0]),) + (0,) * n for n, cs in coeffs.items()}  # H(0, y): only the yⁿ terms
        tgt = mpmath.mpf(target.numerator) / target.denominator
        y_lead = leading - 2
        status = EOSStatus.OK if eps <= EPS_MAX else EOSStatus.FAR_FROM_EDGE
        try:
            if y_lead == 0:
                y_inf = mpmath.mpf(0)
            else:
                y_inf = mpmath.findroot(lambda yy: invariant_value(line, 0, yy) - tgt, y_lead,
                                        tol=mpmath.mpf(10) ** (-dps + 3))
            ok = y_inf <= 0 and abs(y_inf - y_lead) <= abs(y_lead) / 2
        except (ValueError, ZeroDivisionError):
            ok = False
        if not ok:
            return EOSPrediction(None, None, +leading, order, eps, k, dps, EOSStatus.NO_ROOT)
        T_inf = 2 + y_inf
        return EOSPrediction(T_inf, T_inf / eta, +leading, order, eps, k, dps, status)
