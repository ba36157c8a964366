"""Predict the final NTK of GD from a state near the edge of stability, to order N.

Derived here (docs/theory.md §5; theory.normal_form). For P = 2 with a = ω₁ + ω₂,
b = ω₁ω₂ and Ẽ = ηE, the two-step GD map near (z̃, T) = (0, 2), y = T − 2, has
the formal invariant H = H₂ + H₃ + … with H₂ = 2ỹ² + k z̃², ỹ = y − s z̃. A
trajectory from (z̃₀, T₀) near (0, 2) ends on the attracting half (y < 0) of the
fixed line z̃ = 0, so the order-N prediction T_∞ = 2 + y_∞ solves

    Σ_{n=2}^{N} H_n(0, y_∞) = Σ_{n=2}^{N} H_n(z̃₀, y₀),   y_∞ < 0,

for the root near the leading-order value y_∞ = −sqrt(ỹ₀² + (k/2) z̃₀²). Then
ηλ_∞ = T_∞ and λ_∞ = T_∞/η. The relative error in 2 − T_∞ is O(ε^{N−1}) with
ε = max(|z̃₀|, |T₀ − 2|) (numerics.eos.convergence measures it).

Only the generated coefficients of ``numerics._derived`` are used (no sympy).
Symbols: z̃ = ηz, T = ηλ, J̃(ω_i)² = ηJ(ω_i)², Ẽ = ηE; η the step, λ the NTK.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fractions import Fraction

import mpmath

from .. import _derived as d
from ..precision import format_digits, round_up, to_fraction, to_mpf
from ..problem import Problem, reduced_2d
from ..validate import DEFAULT_DPS, InputError, dps as _check_dps
from ..status import Status
from ..display import compact_repr, format_value

__all__ = ["N_MAX", "EPS_MAX", "EOSStatus", "EOSPrediction", "predict_eos", "edge_coefficients",
           "invariant_value", "solve_edge_root", "Period2Result", "single_mode_period2"]

#: Highest order with generated coefficients (theory.normal_form.N_MAX).
N_MAX = max(int(name[len("eos_H"):]) for name in d.__all__ if name.startswith("eos_H"))
#: Beyond this distance ε from (0, 2) the expansion is not trusted (status FAR_FROM_EDGE).
EPS_MAX = Fraction(1, 2)


class EOSStatus(Status):
    """How the prediction ended; each value is a readable message."""

    OK = "predicted: the state is near the edge of stability and the root was found"
    ON_FIXED_LINE = "z̃₀ = 0: the state is a fixed point of GD, so ηλ stays at its initial value exactly"
    FAR_FROM_EDGE = ("epsilon or the normal-form radius sqrt(ỹ₀² + (k/2)z̃₀²) exceeds 0.5: the state is too "
                     "far from the edge of stability (0, 2) for the series; the value is unreliable")
    NO_ROOT = ("no root y < 0 of H(0, y) = H(z̃₀, y₀) near the leading-order value: the truncated series "
               "is not usable at this distance from the edge")
    DEGENERATE = (f"near-degenerate: the change of the prediction from order {N_MAX - 1} to {N_MAX} is not smaller "
                  "than from order 2 to 3, so the series does not converge here; k = 4 Var_p(omega) is small against the "
                  "distance from the edge (a mode is nearly inactive, k -> 0); the value is unreliable")


@dataclass(frozen=True)
class EOSPrediction:
    """The order-N edge-of-stability prediction of the final NTK (derived here).

    eta_ntk: predicted ηλ_∞ = T_∞ (None if status is NO_ROOT). ntk: λ_∞ = T_∞/η.
    leading: the leading-order value 2 − sqrt(ỹ₀² + (k/2)z̃₀²). order: N. epsilon:
    max(|z̃₀|, |T₀ − 2|), the max-norm distance of the initial state from (0, 2), as an mpf
    at dps (epsilon_exact: the same as an exact Fraction).
    k: 2r − s² = 4Var_p(ω) (exact). dps: working precision (decimal digits) of the
    mpf values. status: :class:`EOSStatus`. radius (property): 2 − leading.

    eta_ntk is the root of the order-N truncated invariant at working precision, not ηλ_∞ itself
    to dps digits. error_estimate: the estimated distance |eta_ntk − ηλ_∞| (docs/theory.md §5.3:
    twice the spread of the predictions of orders min(N, N_MAX − 1)..N_MAX, plus the root solve's
    absolute tolerance 2¹⁰·eps and the rounding of 2 + y_∞; an estimate, not a bound; for
    ON_FIXED_LINE the exact rounding error of T₀); None when the status gives no usable value
    (NO_ROOT, FAR_FROM_EDGE, DEGENERATE). digits: the significant digits of eta_ntk that the
    estimate leaves (0 when None): :meth:`shown` and the repr print only those.
    """

    eta_ntk: mpmath.mpf | None
    ntk: mpmath.mpf | None
    leading: mpmath.mpf
    order: int
    epsilon: mpmath.mpf
    k: Fraction
    dps: int
    status: EOSStatus
    epsilon_exact: Fraction
    error_estimate: mpmath.mpf | None = None
    digits: int = 0

    __repr__ = compact_repr

    def shown(self) -> dict:
        """{"eta_ntk": (text, n), "ntk": (text, n)}: each value to the n significant digits the error
        estimate leaves, (None, 0) when it leaves none or the status gives no usable value."""
        if self.error_estimate is None or self.eta_ntk is None:
            return {"eta_ntk": (None, 0), "ntk": (None, 0)}
        T = to_fraction(self.eta_ntk)
        rel = to_fraction(self.error_estimate) / abs(T) if T else Fraction(0)
        out = {"eta_ntk": format_digits(T, abs_err=self.error_estimate, max_digits=self.dps)}
        # λ = T/η: the same relative error, plus the rounding of the division
        out["ntk"] = format_digits(self.ntk, rel_err=rel + Fraction(1, 10 ** self.dps), max_digits=self.dps)
        return out

    def _repr_items(self):
        shown = self.shown()
        for f in dataclasses.fields(self):
            if f.name in shown:
                yield f.name, shown[f.name][0] or "None"
            elif f.name == "error_estimate" and self.error_estimate is not None:
                yield f.name, round_up(self.error_estimate)
            else:
                yield f.name, format_value(getattr(self, f.name), self.dps)

    @property
    def message(self) -> str:
        return self.status.message

    @property
    def radius(self) -> mpmath.mpf:
        """sqrt(ỹ₀² + (k/2)z̃₀²) = 2 − leading: the normal-form size of the state, the series' real
        expansion parameter (it can exceed ε by the factor |s|, since ỹ = y − s z̃)."""
        return 2 - self.leading


def edge_coefficients(a, b, Et, order: int) -> dict[int, tuple]:
    """{n: (c_0, …, c_n)} of H_n = Σ_j c_j z̃^j y^{n−j} for n = 2..order (generated; exact on Fractions)."""
    return {n: getattr(d, f"eos_H{n}")(a, b, Et) for n in range(2, order + 1)}


def invariant_value(coeffs: dict[int, tuple], zt, y):
    """H(z̃, y) = Σ_n Σ_j c_{n,j} z̃^j y^{n−j} for the given coefficient table."""
    total = 0
    for n, cs in coeffs.items():
        total += sum(c * zt ** j * y ** (n - j) for j, c in enumerate(cs) if c != 0)
    return total


def solve_edge_root(coeffs: dict[int, tuple], zt0: Fraction, y0: Fraction, *, y_lead):
    """The root y_∞ ≤ 0 of H(0, y) = H(z̃₀, y₀) near y_lead, at the current mpmath precision.

    coeffs: {n: (c_0, …, c_n)} exact (Fractions). Returns None if findroot fails or the
    root is not within |y_lead|/2 of y_lead on the attracting side.
    """
    target = Fraction(invariant_value(coeffs, zt0, y0))
    tgt = to_mpf(target)
    line = {n: (Fraction(cs[0]),) for n, cs in coeffs.items()}  # H(0, y): only the yⁿ terms survive
    if y_lead == 0:
        return mpmath.mpf(0)
    try:
        y_inf = mpmath.findroot(lambda yy: invariant_value(line, 0, yy) - tgt, y_lead, tol=_root_tol())
    except (ValueError, ZeroDivisionError):
        return None
    if y_inf > 0 or abs(y_inf - y_lead) > abs(y_lead) / 2:
        return None
    return y_inf


def _order(order) -> int:
    """The normal-form order N: a whole number from 2 to N_MAX, an int or its text (as on the CLI)."""
    try:
        v = None if isinstance(order, (bool, float)) else int(str(order).strip())
    except ValueError:
        v = None
    if v is None or not 2 <= v <= N_MAX:
        raise InputError(f"order={order!r}: expected a whole number from 2 to {N_MAX} (2 is leading order); "
                         f"pass e.g. order=3", "order")
    return v


def predict_eos(problem: Problem, *, order: int = 2, dps: int = DEFAULT_DPS) -> EOSPrediction:
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
        eta = to_mpf(problem.eta)
        leading = 2 - mpmath.sqrt(to_mpf(rad))
        if zt0 == 0:  # exact: T stays T₀; the only error is the rounding of T₀ to dps digits
            T = to_mpf(T0)
            err = to_mpf(abs(to_fraction(T) - T0))
            return EOSPrediction(+T, T / eta, +leading, order, to_mpf(eps), k, dps, EOSStatus.ON_FIXED_LINE, eps,
                                 err, _digits(T, err, dps))
        coeffs = edge_coefficients(a, b, Et, order)
        y_inf = solve_edge_root(coeffs, zt0, y0, y_lead=leading - 2)
        if y_inf is None:
            return EOSPrediction(None, None, +leading, order, to_mpf(eps), k, dps, EOSStatus.NO_ROOT, eps)
        near = eps <= EPS_MAX and 2 - leading <= to_mpf(EPS_MAX)
        T_inf = 2 + y_inf
        if not near:
            return EOSPrediction(T_inf, T_inf / eta, +leading, order, to_mpf(eps), k, dps,
                                 EOSStatus.FAR_FROM_EDGE, eps)
        values = _all_orders(a, b, Et, zt0, y0, leading)
        floor = _root_tol() + abs(T_inf) * mpmath.eps  # the root solve's precision, + the rounding of 2 + y_∞
        if not _orders_converge(values, floor):
            return EOSPrediction(T_inf, T_inf / eta, +leading, order, to_mpf(eps), k, dps, EOSStatus.DEGENERATE, eps)
        tail = values[min(order, N_MAX - 1) - 2:]
        err = 2 * (max(tail) - min(tail)) + floor
        return EOSPrediction(T_inf, T_inf / eta, +leading, order, to_mpf(eps), k, dps, EOSStatus.OK, eps,
                             err, _digits(T_inf, err, dps))


def _root_tol():
    """findroot's tolerance for y_∞, absolute since |y_∞| < 1: it stops once a step is below it."""
    return mpmath.eps * 2 ** 10


def _digits(T, err, dps: int) -> int:
    return format_digits(T, abs_err=err, max_digits=dps)[1]


def _all_orders(a, b, Et, zt0, y0, leading) -> list:
    """The predictions y_∞ of every order 2..N_MAX (None where an order has no root)."""
    coeffs = edge_coefficients(a, b, Et, N_MAX)
    return [solve_edge_root({m: coeffs[m] for m in range(2, n + 1)}, zt0, y0, y_lead=leading - 2)
            for n in range(2, N_MAX + 1)]


def _orders_converge(values: list, floor) -> bool:
    """Whether the change of the prediction from order N_MAX − 1 to N_MAX is smaller than from 2 to 3.

    values: y_∞ of orders 2..N_MAX (:func:`_all_orders`). (Intermediate changes need not shrink one
    by one: an odd order can add almost nothing.) A last change at most ``floor`` (the working
    precision of T_∞: the root solve's absolute tolerance plus the rounding of 2 + y_∞) counts as
    shrinking: at ε = 10⁻²⁸ and 30 digits every change is root-solve noise of about 10⁻³⁹, and a
    floor relative to the radius (10^(5 − dps)·(2 − leading) ≈ 10⁻⁵³ there) called three of the four
    parameter sets degenerate. Near k = 0 (one mode nearly inactive) the changes grow with the
    order, e.g. 3.2e-10, 6.2e-8, 1.3e-7 for ω = (1, −1), z̃₀ = 0.01, J̃² = (2.01, 0): the series
    does not converge at this distance from the edge, whatever order was asked for. Derived here.
    """
    if any(v is None for v in values):
        return False
    steps = [abs(v1 - v0) for v0, v1 in zip(values, values[1:])]
    return steps[-1] < steps[0] or steps[-1] <= floor


@dataclass(frozen=True)
class Period2Result:
    """The period-2 orbit of one active mode (k = 0), found three ways (derived here).

    e: ωẼ. closed: (u₊, u₋) from the generated closed form. root: the root of
    g(g(u)) = u found by mpmath findroot from the GD end state. gd_u: u = ωz̃ at the end
    of the GD run (which ended with status gd_status, after gd_steps steps); gd_eta_ntk:
    ηλ there. residual: max |closed − root| (both points). gd_residual: distance of the
    GD end point from the nearer closed-form point. multiplier: g'(u₊)g'(u₋). dps: digits.
    """

    e: Fraction
    closed: tuple
    root: tuple
    gd_u: mpmath.mpf
    gd_eta_ntk: mpmath.mpf
    gd_status: object
    gd_steps: int
    residual: mpmath.mpf
    gd_residual: mpmath.mpf
    multiplier: mpmath.mpf
    dps: int

    __repr__ = compact_repr


def single_mode_period2(omega, Et, *, u0=Fraction(1, 10), dps: int = DEFAULT_DPS) -> Period2Result:
    """Find the period-2 orbit of GD with one active mode ω at Ẽ = ηE (k = 0; derived here).

    With u = ωz̃ and e = ωẼ the one-mode map is g(u) = u(1 − 2(u + e)) + u²(u + e)
    (theory.period2); its period-2 orbit u_± = ((1 − e) ± sqrt((e − 1)(e + 3)))/2 exists for
    e > 1 and attracts for 1 < e < √5 − 1. GD (numerics.engines.gd_mp.run_gd, η = 1, P = 1) is started
    at u = u0 and run until it reports a period-2 orbit; findroot then polishes g(g(u)) = u
    from its end point, and both are compared with the closed form.
    """
    from .. import _derived as dd
    from ..engines.gd_mp import run_gd
    from ..problem import from_state
    from ..validate import exact

    omega, Et, u0 = exact("omega", omega), exact("Et", Et), exact("u0", u0)
    dps = _check_dps(dps)
    if omega == 0:
        raise InputError("omega=0: a mode with omega = 0 has J = 0 and never moves; pass a nonzero omega")
    e = omega * Et
    if e <= 1:
        raise InputError(f"omega*Et={float(e)!r}: the period-2 orbit exists only for omega*Et > 1 "
                         f"(the fixed point sits at eta*lambda = 2*omega*Et); pass a larger Et")
    if u0 + e <= 0:
        raise InputError(f"u0={float(u0)!r}: needs u0 + omega*Et > 0 (eta*lambda = 2(u0 + e) > 0); pass u0 > {-float(e)}")
    # η = 1: z̃ = z, J̃² = J² = T = 2(u0 + e); the invariant then gives E = e/ω.
    problem = from_state((omega,), u0 / omega, (2 * (u0 + e),), 1)
    run = run_gd(problem, dps=dps, method="mpmath")
    with mpmath.workdps(dps):
        em = to_mpf(e)
        closed = tuple(dd.p2_orbit(em))
        om = to_mpf(omega)
        gd_u = om * run.z
        g = lambda x: dd.p2_one_mode_map(x, em)  # noqa: E731
        # Newton, not findroot's default secant: the secant's second point gd_u + 1/4 can land on the
        # fixed point u = 0, also a root of g(g(u)) = u (e = 1.05: from u₋ = −1/4 it returned 0)
        r1 = mpmath.findroot(lambda x: g(g(x)) - x, gd_u, solver="newton", tol=mpmath.mpf(10) ** (-dps + 3))
        root = (r1, g(r1))
        if abs(root[0] - closed[0]) > abs(root[0] - closed[1]):
            root = root[::-1]
        residual = max(abs(root[0] - closed[0]), abs(root[1] - closed[1]))
        gd_residual = min(abs(gd_u - c) for c in closed)
        return Period2Result(e, closed, root, gd_u, +run.eta_ntk, run.status, run.steps, residual, gd_residual,
                             dd.p2_multiplier(em), dps)
