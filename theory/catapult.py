"""The catapult in sorm's model: one active mode (k = 0), GD's map of the NTK and its bounds.

For equal positive eigenvalues (or one active mode; k = 0) and target 0, GD from
2 < ηλ₀ < 4 ends below 2 with the NTK decreasing, and above 4 it diverges: the
result of Lewkowycz et al. 2020 (the catapult phase); Zhu et al. 2022 state
η_max = 4/λ₀ for their quadratic model's single-example dynamics. Everything below,
for sorm's model and with Ẽ ≠ 0, is derived here (docs/theory.md §7).

With one active mode ω the invariant slaves T = ηλ to z̃: T = 2(u + e) with
u = ωz̃ and e = ωẼ (theory.period2, whose one-mode GD step g(u) this module uses).
The NTK then follows the one-dimensional map

    h(T) = 2(g(T/2 − e) + e) = T(1 + e − T/2)²,

and sympy factors h(T) − T = T(e − T/2)(2 + e − T/2): the fixed points are
T = 0, T = 2e (z̃ = 0, the end of a converging run) and T_div = 4 + 2e. So

- T₀ > 4 + 2e: h(T)/T = (1 + e − T/2)² > 1 and grows with T, so T_t grows at least
  geometrically: the run diverges (proved by the factorisation);
- 2e < T₀ < 4 + 2e: h(T) < T, the NTK decreases; 0 < h(T) ≤ max h = 8(1 + e)³/27 on
  (0, 4 + 2e), which lies below 4 + 2e for e < 1 (sympy), so the run stays bounded and
  can only end at T = 2e, which attracts iff |h'(2e)| = |1 − 2e| < 1, i.e. 0 < e < 1.
  For e = 0 (target 0) T_t → 0 like 1/t (h(T) = T − T² + …). The end 2e lies below the
  edge T = 2 iff e < 1;
- the loss first grows (|u₁| > |u₀|, the catapult of the loss) iff T₀(4 + 2e − T₀) > 8,
  which has solutions only for e > 2√2 − 2; at e = 0 the loss falls at every step.

Ẽ ≠ 0 therefore moves the divergence bound to T = 4 + 2ωẼ and the end to T = 2ωẼ.
"""
from __future__ import annotations

import functools

import sympy as sp

from .errors import check as _check
from .formula import Formula, Section
from .period2 import e, one_mode_map, u
from .symbols import T

__all__ = ["ntk_map", "fixed_points", "divergence_bound", "end_value", "loss_growth", "loss_growth_e_min",
           "ntk_map_max", "section"]


@functools.lru_cache(maxsize=None)
def ntk_map() -> sp.Expr:
    """h(T) = 2(g(u) + e) at u = T/2 − e: GD's one-mode map of T = ηλ (derived here)."""
    return sp.factor(sp.expand(2 * (one_mode_map().subs(u, T / 2 - e) + e)))


def fixed_points() -> tuple:
    """The roots T of h(T) − T, sorted as (0, 2e, 4 + 2e)."""
    roots = sp.solve(sp.expand(ntk_map() - T), T)
    _check(len(roots) == 3, f"h(T) - T has roots {roots}")
    return tuple(sorted(roots, key=lambda r: r.subs(e, 0) + r.coeff(e) / 100))


def divergence_bound() -> sp.Expr:
    """T_div = 4 + 2e: the largest fixed point; above it h(T) > T (derived here)."""
    return fixed_points()[2]


def end_value() -> sp.Expr:
    """T = 2e: the fixed point with z̃ = 0 (u = 0), where a converging run ends (derived here)."""
    return fixed_points()[1]


def loss_growth() -> sp.Expr:
    """u₁² − u₀² divided by u₀²: positive iff the first step raises the loss (a function of T₀ and e)."""
    g = one_mode_map()
    return sp.factor(sp.expand((g / u) ** 2 - 1).subs(u, T / 2 - e))


def loss_growth_e_min() -> sp.Expr:
    """The smallest e ≥ 0 for which some T₀ in (2e, 4 + 2e) raises the loss at the first step (2√2 − 2)."""
    # g(u)/u = 1 − (u + e)(2 − u); |g/u| > 1 with u in (−e, 2) needs (u + e)(2 − u) > 2.
    q = sp.expand((T / 2) * (2 + e - T / 2))
    peak = q.subs(T, sp.solve(sp.diff(q, T), T)[0])  # q is a downward parabola in T
    sol = [r for r in sp.solve(sp.Eq(peak, 2), e) if r.is_positive]
    _check(len(sol) == 1, f"expected one positive root of max (u + e)(2 - u) = 2, got {sol}")
    return sp.radsimp(sol[0])


def ntk_map_max() -> sp.Expr:
    """max h on [0, 4 + 2e]: h at its critical point T = 2(1 + e)/3, i.e. 8(1 + e)³/27."""
    h = ntk_map()
    crit = [c for c in sp.solve(sp.diff(h, T), T) if sp.simplify(c - (4 + 2 * e)) != 0 and
            sp.simplify(c - 2 * (1 + e)) != 0]
    _check(len(crit) == 1, f"critical points {crit}")
    return sp.factor(h.subs(T, crit[0]))


def _checks() -> dict:
    """Identities and intervals the section asserts; returns the derived facts."""
    h = ntk_map()
    _check(sp.expand(h - T * (1 + e - T / 2) ** 2) == 0, f"h(T) = {h}")
    diff = sp.factor(sp.expand(h - T))
    _check(sp.expand(diff - T * (e - T / 2) * (2 + e - T / 2)) == 0, f"h(T) - T = {diff}")
    fp = fixed_points()
    _check(tuple(sp.expand(f) for f in fp) == (0, 2 * e, 4 + 2 * e), f"fixed points {fp}")
    slope = sp.expand(sp.diff(h, T).subs(T, end_value()))
    _check(sp.expand(slope - (1 - 2 * e)) == 0, f"h'(2e) = {slope}")
    attract = sp.solve_univariate_inequality(sp.Abs(slope) < 1, e, relational=False)
    _check(attract == sp.Interval.open(0, 1), f"h'(2e) in (-1, 1) for e in {attract}")
    hmax = ntk_map_max()
    _check(sp.expand(hmax - sp.Rational(8, 27) * (1 + e) ** 3) == 0, f"max h = {hmax}")
    room = sp.solve_univariate_inequality(hmax < 4 + 2 * e, e, relational=False) & sp.Interval(0, 1)
    _check(room == sp.Interval(0, 1), f"max h < 4 + 2e only for e in {room}")
    # Above T_div: h(T)/T − 1 > 0 for every T > 4 + 2e (e ≥ 0), checked at e = 0, 1/2, 9/10.
    for ev in (0, sp.Rational(1, 2), sp.Rational(9, 10)):
        grow = sp.solve_univariate_inequality(sp.expand(h / T - 1).subs(e, ev) > 0, T, relational=False)
        _check(sp.Interval.open(4 + 2 * ev, sp.oo).is_subset(grow), f"e={ev}: h(T) > T on {grow}")
        fall = sp.solve_univariate_inequality(sp.expand(h / T - 1).subs(e, ev) < 0, T, relational=False)
        _check(fall == sp.Interval.open(2 * ev, 4 + 2 * ev), f"e={ev}: h(T) < T on {fall}")
    e_min = loss_growth_e_min()
    _check(sp.simplify(e_min - (2 * sp.sqrt(2) - 2)) == 0, f"loss growth from e = {e_min}")
    lg = loss_growth()
    _check(sp.simplify(lg.subs(e, 0) - ((1 - T / 2) ** 4 - 1)) == 0, f"loss growth at e = 0: {lg.subs(e, 0)}")
    return {"h": h, "diff": diff, "hmax": hmax, "e_min": e_min}


def section() -> Section:
    facts = _checks()
    formulas = (
        Formula("cat_ntk_map", (T, e), facts["h"],
                "One active mode (k = 0): GD's map of T = ηλ, e = ωẼ.", "derived here", "h(T)"),
        Formula("cat_divergence_bound", (e,), divergence_bound(),
                "Above T = 4 + 2e GD's NTK grows geometrically (diverges); e = 0: ηλ₀ = 4 "
                "(Lewkowycz et al. 2020; Zhu et al. 2022's η_max = 4/λ₀).", "derived here", "T_{div}"),
        Formula("cat_end", (e,), end_value(),
                "Where a converging one-mode run ends: T = 2e (attracting for 0 < e < 1).", "derived here",
                r"T_\infty"),
        Formula("cat_loss_growth", (T, e), loss_growth(),
                "(u₁/u₀)² − 1 at T₀ = T: positive iff the first GD step raises the loss.", "derived here",
                r"(u_1/u_0)^2 - 1"),
    )
    text = (
        "The catapult (Lewkowycz et al. 2020): with equal positive eigenvalues and target 0, GD from "
        "2 < ηλ₀ < 4 ends below 2 with the NTK decreasing, and diverges above 4; Zhu et al. 2022 state "
        "η_max = 4/λ₀. Derived here for sorm's model with one active mode (k = 0) and any Ẽ: in e = ωẼ "
        f"the NTK follows $h(T) = {sp.latex(facts['h'])}$, and sympy factors "
        f"$h(T) - T = {sp.latex(facts['diff'])}$ (fixed points 0, 2e, 4 + 2e). "
        "At e = 0, 1/2 and 9/10 sympy solves the inequalities: h(T) > T for every T > 4 + 2e, and h(T) < T "
        "exactly on 2e < T < 4 + 2e; h'(2e) = 1 − 2e, so the end T = 2e attracts for 0 < e < 1 (sympy); "
        f"max h on [0, 4 + 2e] is ${sp.latex(facts['hmax'])}$ < 4 + 2e for 0 ≤ e ≤ 1 (sympy). "
        "So Ẽ ≠ 0 moves the divergence bound to ηλ₀ = 4 + 2ωηE and the end to ηλ_∞ = 2ωηE; the loss rises "
        f"at the first step only where $(u_1/u_0)^2 - 1 > 0$, possible only for $e > {sp.latex(facts['e_min'])}$.\n"
    )
    return Section("catapult", "The catapult with one active mode: bounds and how Ẽ moves them", text, formulas)
