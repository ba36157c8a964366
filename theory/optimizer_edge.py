"""The edge of stability of each optimizer's rescaled map, and the check of its stable interval (derived here).

At the fixed set z = c = z⁻ = 0 the Jacobian of the rescaled map (:func:`theory.optimizer_map.rescaled`)
is block-triangular; the scalar block's characteristic polynomial p(μ) depends on T = ηλ only, and the
edge T* is the T > 0 where p(−1) = 0 (:func:`edge`). :func:`stable_interval_checks` holds the stable
set to exactly 0 < T < T* with Jury's conditions. See :mod:`theory.optimizers` for the results.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import sympy as sp

from .errors import check
from .optimizer_map import J2, K2, KMAX, L2, Lm, M, N, rescaled, state_symbols
from .symbols import T

__all__ = ["EdgeResult", "edge", "stable_interval_checks", "mu"]


@dataclass(frozen=True)
class EdgeResult:
    """Linear stability of the fixed set z = c = z⁻ = 0 (derived here).

    scalar_jacobian: ∂(scalars')/∂(scalars) at the fixed set, in T = ηλ and h̃. charpoly:
    its characteristic polynomial in ``mu``, factored. mode_eigenvalues: eigenvalues of one
    mode's block. flip: p(−1) for the factor that reaches −1. edge: the edge T* (> 0).
    edge_equation: an expression in T and h̃ that vanishes at the edge.
    """

    key: str
    scalar_jacobian: sp.Matrix
    charpoly: sp.Expr
    mode_eigenvalues: dict
    flip: sp.Expr
    edge: sp.Expr
    edge_equation: sp.Expr


mu = sp.Symbol("mu")
u = sp.Symbol("u", positive=True)


@functools.lru_cache(maxsize=None)
def edge(key: str) -> EdgeResult:
    """The edge of stability of the rescaled map, from the Jacobian at the fixed set (derived here)."""
    hyp, d = rescaled(key)
    opt = d.opt
    hts = tuple(h for h, _ in hyp.values())
    scal = state_symbols(opt)
    zero = {s: 0 for s in scal}
    fixed = {**{N[k]: M[k] for k in range(KMAX)}, **{Lm[k]: M[k] for k in range(KMAX)}}
    sub = {}
    for s, e in zip(d.zeta_syms, d.zetas):
        sub[s] = sp.expand(e.xreplace(sub))
    news = [sp.expand(e.xreplace(sub)) for e in d.scalars]
    jac = sp.Matrix([[sp.diff(e, s) for s in scal] for e in news]).xreplace(zero).xreplace(fixed).applyfunc(sp.expand)
    check(jac.free_symbols <= {M[0], *hts}, f"{key}: the scalar Jacobian depends on more than T: {jac}")
    jac = jac.subs(M[0], T)
    # Block-triangular: the new scalars do not depend on the mode moments at the fixed set.
    for e in news:
        for m in M + N + Lm:
            check(sp.expand(sp.diff(e, m).subs(zero)) == 0, f"{key}: scalars' depend on {m} at the fixed set")
    modes_sub = [sp.expand(m.xreplace(sub).xreplace(zero)) for m in d.modes]
    mvars = (J2, K2, L2)[:len(modes_sub)]
    mjac = sp.Matrix([[sp.diff(m, v) for v in mvars] for m in modes_sub])
    mode_ev = mjac.eigenvals()
    cp = sp.factor(jac.charpoly(mu).as_expr())
    flips = []
    for f in sp.Mul.make_args(cp):
        base = f.base if f.is_Pow else f
        if base.has(mu) and base.has(T):
            flips.append(sp.expand(base.subs(mu, -1) * (1 if sp.Poly(base, mu).LC() > 0 else -1)))
    check(len(flips) == 1, f"{key}: expected one T-dependent factor, got {flips}")
    flip = flips[0]
    # Solve p(−1) = 0 in u = 1/T (keeps the root finite as a hyper-parameter → 0), take u > 0.
    num = sp.numer(sp.together(flip.subs(T, 1 / u)))
    roots = [r for r in sp.solve(num, u) if _positive_branch(r, hts)]
    check(len(roots) == 1, f"{key}: expected one positive root of p(-1) = 0, got {roots}")
    T_edge = sp.simplify(1 / roots[0])
    check(sp.simplify(flip.subs(T, T_edge)) == 0, f"{key}: the edge does not solve p(-1) = 0")
    return EdgeResult(key, jac, cp, mode_ev, flip, T_edge, flip)


def _positive_branch(r: sp.Expr, hts) -> bool:
    """r > 0 at small positive hyper-parameter values and at 1/2 (a branch check, exact)."""
    for val in (sp.Rational(1, 100), sp.Rational(1, 2)):
        v = sp.nsimplify(r.subs({h: val for h in hts}))
        if not (v.is_real and v > 0):
            return False
    return True


def stable_interval_checks(key: str) -> dict:
    """Jury conditions for each factor of the scalar characteristic polynomial (derived here).

    For a monic quadratic μ² + a₁μ + a₀ (or linear μ + a₀): roots inside the unit circle iff
    p(1) > 0, p(−1) > 0 and |a₀| < 1 (quadratic) — sympy solves each for T ≥ 0 (T = ηλ) at
    hyper-parameters 1/2 and 9/10, and the intersection must be 0 < T < T*.
    """
    e = edge(key)
    hyp, _ = rescaled(key)
    hts = tuple(h for h, _ in hyp.values())
    out = {}
    for val in ((sp.Rational(1, 2), sp.Rational(9, 10)) if hts else (None,)):
        sub = {h: val for h in hts}
        region = sp.Interval(0, sp.oo)  # T = ηλ ≥ 0
        for f in sp.Mul.make_args(e.charpoly):
            base = f.base if f.is_Pow else f
            if not base.has(mu):
                continue
            p = sp.Poly(sp.expand(base.subs(sub)), mu)
            p = sp.Poly(p.as_expr() / p.LC(), mu)
            conds = [p.eval(1) > 0, (-1) ** p.degree() * p.eval(-1) > 0]
            if p.degree() == 2:
                conds.append(sp.Abs(p.coeffs()[-1]) < 1)
            for cnd in conds:
                if cnd is sp.true or (not isinstance(cnd, sp.Basic)) or not cnd.has(T):
                    check(bool(cnd), f"{key}: Jury condition {cnd} fails at {sub}")
                    continue
                region = region & sp.solve_univariate_inequality(cnd, T, relational=False)
        out[val] = region
        want = sp.Interval.open(0, sp.nsimplify(e.edge.subs(sub)))
        check(region == want, f"{key}: stable region {region} at {sub} is not {want}")
    return out
