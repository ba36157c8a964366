"""SAM near its edge of stability: the normal form and formal invariant of its 2-D map, per instance.

Derived here (docs/theory.md §7). For P = 2 SAM is a map of the plane (z̃, T)
(theory.optimizers.sam_planar; a = ω₁ + ω₂, b = ω₁ω₂, Ẽ = ηE, ρ̃ = ρ/η) whose
fixed line z̃ = 0 has the transverse multiplier 1 − T − ρ̃T²; it flips at the edge
T* with T*(1 + ρ̃T*) = 2. With y = T − T* the two-step map is F² = id + G₂ + …,
and the formal invariant H = H₂ + … + H_N of GD's normal form (theory.normal_form,
the same order-by-order linear systems) is solved for SAM's map at exact rational
(a, b, Ẽ, ρ̃) with a rational edge T*, with H₂ scaled so that its y² coefficient is
2 (H₂(0, y) = 2y², as for GD). A trajectory from (z̃₀, T₀) near (0, T*) ends on the
attracting half y < 0 of the fixed line, at T_∞ = T* + y_∞ with
H(0, y_∞) = H(z̃₀, y₀) (numerics.sam_edge).

The coefficients are not generated in closed form: over Q(a, b, Ẽ, T*) the order-5
system takes minutes, against a fraction of a second per rational instance.
"""
from __future__ import annotations

import functools

import sympy as sp

from .errors import DerivationError
from .normal_form import EdgeSystem, FormalInvariant, formal_invariant
from .optimizers import edge, rhot, sam_planar
from .symbols import Et, T, a, b

__all__ = ["sam_edge_value", "sam_edge_system", "sam_invariant"]


def sam_edge_value(rho_t) -> sp.Rational:
    """The edge T* > 0 of SAM's fixed line at ρ̃ (exact); raises ValueError if T* is not rational.

    T* is theory.optimizers.edge("sam") at ρ̃; the flip p(−1) must vanish there (checked).
    """
    rho_t = sp.Rational(rho_t)
    e = edge("sam")
    T_star = sp.nsimplify(sp.radsimp(e.edge.subs(rhot, rho_t)))
    if not T_star.is_Rational:
        raise ValueError(f"rho~={rho_t}: the edge T* = {T_star} is not rational; the per-instance normal form "
                         f"needs a rational edge, e.g. rho~ = (2 - T*)/T*^2 for a rational T*")
    if sp.expand(e.flip.subs({rhot: rho_t, T: T_star})) != 0:
        raise DerivationError(f"rho~={rho_t}: T* = {T_star} does not solve p(-1) = 0")
    return T_star


@functools.lru_cache(maxsize=None)
def sam_edge_system(a_val, b_val, Et_val, rho_t) -> EdgeSystem:
    """SAM's 2-D map at exact (a, b, Ẽ, ρ̃) as an :class:`EdgeSystem` over Q (one instance per argument tuple)."""
    vals = {a: sp.Rational(a_val), b: sp.Rational(b_val), Et: sp.Rational(Et_val), rhot: sp.Rational(rho_t)}
    T_star = sam_edge_value(rho_t)
    zn, Tn = (sp.expand(e.xreplace(vals)) for e in sam_planar())
    return EdgeSystem(f"sam(a={vals[a]}, b={vals[b]}, Et={vals[Et]}, rhot={vals[rhot]})", (), T_star,
                      lambda: (zn, Tn))


def sam_invariant(omegas, Et_val, rho_t, N: int) -> FormalInvariant:
    """H₂, …, H_N of SAM's two-step map at ω = (ω₁, ω₂), Ẽ, ρ̃ (exact rationals; derived here).

    Coefficients are rationals, indexed as in theory.normal_form.FormalInvariant (index j is the
    power of z̃, y = T − T*). Raises DerivationError if some order has no solution.
    """
    w1, w2 = (sp.Rational(w) for w in omegas)
    system = sam_edge_system(w1 + w2, w1 * w2, sp.Rational(Et_val), sp.Rational(rho_t))
    return formal_invariant(N, system=system)
