"""k = 0: a single active mode has no self-stabilization; its period-2 orbit (derived here).

docs/theory.md §5.4, derived here. The normal-form coefficient k = 2r − s² = 4 Var_p(ω)
(theory.normal_form) vanishes exactly when the weights p_i = J̃(ω_i)²/2 at the
edge point put all mass on one mode: for P = 2 at Ẽ = 1/ω₂ (then p₁ = 0). The
leading-order two-step map in ỹ = y − s z̃ is then Δz̃ = 2z̃ỹ, Δỹ = −k z̃² = 0:
the oscillation of z̃ no longer lowers the curvature.

With one mode (P = 1, or P = 2 with one J(ω_i)² = 0) the invariant
J̃(ω)²/ω − 2z̃ = 2Ẽ slaves T = J̃(ω)² to z̃: T = 2ω(z̃ + Ẽ), S = ωT. In
u = ωz̃ and e = ωẼ (so T = 2(u + e), and the edge of stability of the fixed point
u = 0 is e = 1) the GD map of theory.gd_map becomes the one-dimensional map

    g(u) = u(1 − T) + ½u²T = u(1 − 2(u + e)) + u²(u + e).

Its fixed points are u = 0 (T = 2e: on the fixed line T is never lowered, so
there is no self-stabilization), u = −e and u = 2. Dividing g(g(u)) − u by
g(u) − u, sympy factors the rest into a quadratic and a quartic; the quadratic
gives the period-2 orbit born at the edge e = 1 (a flip bifurcation):

    u_± = ((1 − e) ± sqrt((e − 1)(e + 3)))/2,    real for e > 1,

with multiplier g'(u₊)g'(u₋) = 7 − 4e − 2e², so the orbit attracts for
1 < e < √5 − 1 (sympy solves |multiplier| < 1). At e = 1 exactly, g(g(u)) = u − 4u³ + O(u⁴): z̃
decays only like t^{−1/2} and T → 2, the edge itself.
"""
from __future__ import annotations

import functools

import sympy as sp

from .errors import DerivationError, check
from .formula import Formula, Section
from .symbols import Et, S, T, a, b, w1, w2, zt

__all__ = ["u", "e", "one_mode_map", "k_single_mode", "period2_factors", "period2_orbit",
           "period2_multiplier", "period2_stable_interval", "edge_two_step", "section"]

#: u = ω z̃ (one active mode with eigenvalue ω).
u = sp.Symbol("u", real=True)
#: e = ω Ẽ; the fixed point u = 0 sits at T = 2e (the edge of stability is e = 1).
e = sp.Symbol("e", real=True)


@functools.lru_cache(maxsize=None)
def one_mode_map() -> sp.Expr:
    """g(u): the GD step of u = ωz̃ for one mode, from theory.gd_map with T = 2ω(z̃+Ẽ), S = ωT."""
    from . import gd_map

    om = sp.Symbol("omega_1mode", nonzero=True, real=True)
    zn = gd_map.zt_next().subs(S, om * T).subs(T, 2 * om * (zt + Et))
    g = sp.expand(om * zn).subs({zt: u / om, Et: e / om})
    g = sp.expand(g)
    if g.has(om):
        raise DerivationError(f"the one-mode map should depend on ω only through u and e: {g}")
    return g


def k_single_mode() -> sp.Expr:
    """k(a, b, Ẽ) at a = ω₁ + ω₂, b = ω₁ω₂, Ẽ = 1/ω₂ (all weight on mode 2); sympy gives 0."""
    from .normal_form import k_expr

    return sp.simplify(k_expr().subs({a: w1 + w2, b: w1 * w2}).subs(Et, 1 / w2))


@functools.lru_cache(maxsize=None)
def period2_factors() -> tuple[sp.Expr, ...]:
    """The factors of (g(g(u)) − u)/(g(u) − u) over Q[e] (a quadratic and a quartic in u)."""
    g = one_mode_map()
    gg = sp.expand(g.subs(u, g))
    q = sp.cancel((gg - u) / (g - u))
    _, factors = sp.factor_list(q, u)
    return tuple(sp.expand(f) for f, mult in sorted(factors, key=lambda fm: sp.degree(fm[0], u)))


def period2_orbit() -> tuple[sp.Expr, sp.Expr]:
    """(u₊, u₋): the roots of the quadratic factor, the period-2 orbit born at e = 1."""
    quad = period2_factors()[0]
    if sp.degree(quad, u) != 2:
        raise DerivationError(f"expected a quadratic factor, got {quad}")
    r1, r2 = sp.solve(quad, u)
    # u₊ has the + sign in front of the square root.
    up = (1 - e + sp.sqrt((e - 1) * (e + 3))) / 2
    um = (1 - e - sp.sqrt((e - 1) * (e + 3))) / 2
    for cand in (up, um):
        if not any(sp.simplify(cand - r) == 0 for r in (r1, r2)):
            raise DerivationError(f"{cand} is not a root of {quad}")
    return up, um


def period2_multiplier() -> sp.Expr:
    """g'(u₊)·g'(u₋), the multiplier of the period-2 orbit, as a polynomial in e."""
    g = one_mode_map()
    dg = sp.diff(g, u)
    up, um = period2_orbit()
    return sp.expand(sp.simplify(sp.expand(dg.subs(u, up) * dg.subs(u, um))))


def period2_stable_interval() -> sp.Set:
    """{e : |g'(u₊)g'(u₋)| < 1, e > 1}: where the period-2 orbit is real and attracting."""
    m = period2_multiplier()
    return sp.solve_univariate_inequality(sp.Abs(m) < 1, e, relational=False) & sp.Interval.open(1, sp.oo)


def edge_two_step(order: int = 4) -> sp.Expr:
    """g(g(u)) at e = 1 through u^order: u − 4u³ + … (derived here)."""
    g = one_mode_map().subs(e, 1)
    gg = sp.expand(g.subs(u, g))
    return sum(gg.coeff(u, n) * u ** n for n in range(order + 1))


def _checks() -> None:
    g = one_mode_map()
    check(sp.factor(g - u) == sp.factor(u * (u + e) * (u - 2)), f"g(u) − u = {sp.factor(g - u)} is not u(u + e)(u − 2)")
    check(k_single_mode() == 0, "k ≠ 0 for a single active mode")
    up, um = period2_orbit()
    # g swaps the two points (a true 2-cycle, not two fixed points).
    check(sp.simplify(g.subs(u, up) - um) == 0 and sp.simplify(g.subs(u, um) - up) == 0,
          f"g does not swap the period-2 points {up}, {um}")
    check(sp.expand(edge_two_step(3) - (u - 4 * u ** 3)) == 0, "g∘g at e = 0 is not u − 4u³ + O(u⁵)")
    mult = period2_multiplier()
    check(sp.expand(mult - (7 - 4 * e - 2 * e ** 2)) == 0, f"the period-2 multiplier {mult} is not 7 − 4e − 2e²")
    interval = period2_stable_interval()
    check(interval == sp.Interval.open(1, sp.sqrt(5) - 1), f"the period-2 stable interval {interval} is not (1, √5 − 1)")


def section() -> Section:
    _checks()
    up, um = period2_orbit()
    quad, *rest = period2_factors()
    mult = period2_multiplier()
    formulas = (
        Formula("p2_one_mode_map", (u, e), one_mode_map(),
                "One-mode GD step of u = ωz̃ with e = ωẼ (T = 2(u + e)).", "derived here", "g(u)"),
        Formula("p2_orbit", (e,), (up, um),
                "Period-2 orbit (u₊, u₋) of the one-mode map, real for e > 1; T_± = 2(u_± + e).",
                "derived here", r"(u_+, u_-)"),
        Formula("p2_multiplier", (e,), mult, "Multiplier g'(u₊)g'(u₋) of the period-2 orbit.",
                "derived here", r"g'(u_+)\,g'(u_-)"),
    )
    text = (
        "Derived here. k = 2r − s² = 4 Var_p(ω) vanishes when the edge-point weights sit on one mode; "
        "sympy simplifies k(ω₁ + ω₂, ω₁ω₂, Ẽ = 1/ω₂) to 0, so Δỹ = −k z̃² = 0: no self-stabilization. "
        "With one active mode the invariant gives T = 2ω(z̃ + Ẽ), and in u = ωz̃, e = ωẼ the GD map is "
        "the one-dimensional map g below; g(u) − u = u(u + e)(u − 2) (fixed points u = 0, −e, 2). sympy "
        f"factors (g(g(u)) − u)/(g(u) − u) = $({sp.latex(quad)})({', '.join(sp.latex(f) for f in rest)})$; "
        "the quadratic factor is the period-2 orbit born in a flip bifurcation at the edge e = 1, and sympy "
        "checks that g swaps its two roots. Its multiplier is 7 − 4e − 2e², so it attracts for 1 < e < √5 − 1 "
        "(sympy). At e = 1, g(g(u)) = u − 4u³ + O(u⁴), so u decays only like "
        "t^{−1/2} and T = 2(u + e) → 2: the final NTK is the edge 2/η itself, not below it.\n"
    )
    return Section("period2", "k = 0: one active mode, no self-stabilization, the period-2 orbit", text,
                   formulas)
