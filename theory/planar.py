"""The P = 2 model as a map of the plane (z̃, T), derived with sympy.

docs/theory.md §4, derived here. For P = 2 with ω₁ω₂ ≠ 0 and ω₁ ≠ ω₂, the invariant
Σ_i J(ω_i)²/ω_i − 2z = 2E (theory.invariants), multiplied by η, reads

    J̃(ω₁)²/ω₁ + J̃(ω₂)²/ω₂ = 2(z̃ + Ẽ),      J̃(ω₁)² + J̃(ω₂)² = T,

a linear system for the two modes. Solving it eliminates them, and the moments
S = Σ ω_i J̃(ω_i)², R = Σ ω_i² J̃(ω_i)² become symmetric polynomials in ω₁, ω₂,
hence polynomials in a = ω₁ + ω₂ and b = ω₁ω₂ (sympy's ``symmetrize``):

    S = aT − 2b(z̃ + Ẽ),    R = (a² − b)T − 2ab(z̃ + Ẽ).

The η-rescaled GD map (theory.gd_map) then closes on (z̃, T):

    z̃' = z̃(1 − T) + ½ z̃² S,    T' = T − 2z̃S + z̃²R.

Symbols: z̃ = ηz, T = ηλ = Σ J̃(ω_i)², J̃(ω_i)² = ηJ(ω_i)², Ẽ = ηE, η the step.
The line z̃ = 0 is fixed; the Jacobian there has eigenvalues 1 − T and 1, so a
point of it is linearly stable iff 0 < T < 2: the edge of stability is T = ηλ = 2.
"""
from __future__ import annotations

import sympy as sp
from sympy.polys.polyfuncs import symmetrize

from . import gd_map
from .errors import DerivationError, check
from .formula import Formula, Section
from .symbols import J2_1, J2_2, R, S, T, Et, a, b, w1, w2, zt

__all__ = ["eliminate", "moments_ab", "S_expr", "R_expr", "zt_next", "T_next", "jacobian",
           "fixed_line_jacobian", "fixed_line_eigenvalues", "stable_T_interval", "admissible",
           "section"]


def eliminate() -> dict[sp.Symbol, sp.Expr]:
    """{J̃(ω₁)², J̃(ω₂)²} from T and the invariant, as functions of z̃, T, ω₁, ω₂, Ẽ (derived here).

    Solves J̃₁² + J̃₂² = T and J̃₁²/ω₁ + J̃₂²/ω₂ = 2(z̃ + Ẽ); needs ω₁ω₂ ≠ 0, ω₁ ≠ ω₂.
    """
    sol = sp.solve([J2_1 + J2_2 - T, J2_1 / w1 + J2_2 / w2 - 2 * (zt + Et)], [J2_1, J2_2], dict=True)
    if len(sol) != 1:
        raise DerivationError(f"the elimination should have one solution, got {sol}")
    return {k: sp.factor(v) for k, v in sol[0].items()}


def _to_ab(expr: sp.Expr) -> sp.Expr:
    """A rational function of ω₁, ω₂ that is a symmetric polynomial → polynomial in a, b."""
    poly = sp.cancel(expr)
    sym, rest, defs = symmetrize(sp.expand(poly), [w1, w2], formal=True)
    if rest != 0:
        raise DerivationError(f"{expr} is not symmetric in omega1, omega2 (remainder {rest})")
    (s1, _), (s2, _) = defs
    return sp.expand(sym.subs({s1: a, s2: b}))


def moments_ab(k: int) -> sp.Expr:
    """Σ_i ω_i^k J̃(ω_i)² after elimination, as a polynomial in z̃, T, a, b, Ẽ (derived here)."""
    elim = eliminate()
    return _to_ab(w1 ** k * elim[J2_1] + w2 ** k * elim[J2_2])


def S_expr() -> sp.Expr:
    """S = Σ ω_i J̃(ω_i)² = aT − 2b(z̃ + Ẽ) (derived here)."""
    return moments_ab(1)


def R_expr() -> sp.Expr:
    """R = Σ ω_i² J̃(ω_i)² = (a² − b)T − 2ab(z̃ + Ẽ) (derived here)."""
    return moments_ab(2)


def zt_next() -> sp.Expr:
    """z̃' of the 2-D map: the general rescaled z̃' of theory.gd_map with S eliminated."""
    return sp.expand(gd_map.zt_next().subs(S, S_expr()))


def T_next_moments() -> sp.Expr:
    """T' = Σ_i J̃(ω_i)²' = T − 2z̃S + z̃²R, summed from the per-mode rescaled GD step."""
    summand = gd_map.J2t_next()  # J̃(ω_i)²' as a function of z̃, ω_i, J̃(ω_i)²
    return gd_map.moment_sum(summand, var=zt, moments={0: T, 1: S, 2: R})


def T_next() -> sp.Expr:
    """T' of the 2-D map as a polynomial in z̃, T, a, b, Ẽ (derived here).

    Computed directly: Σ_{i=1,2} (1 − z̃ω_i)² J̃(ω_i)² with the eliminated modes, then
    rewritten in a, b. :func:`T_next_moments` gives the same through S and R.
    """
    elim = eliminate()
    total = sum((1 - zt * w) ** 2 * elim[j] for w, j in ((w1, J2_1), (w2, J2_2)))
    return _to_ab(total)


def jacobian() -> sp.Matrix:
    """∂(z̃', T')/∂(z̃, T) of the 2-D map (derived here)."""
    return sp.Matrix([zt_next(), T_next()]).jacobian([zt, T]).applyfunc(sp.expand)


def fixed_line_jacobian() -> sp.Matrix:
    """The Jacobian on the fixed line z̃ = 0: [[1 − T, 0], [−2S, 1]] with S at z̃ = 0."""
    return jacobian().subs(zt, 0).applyfunc(sp.expand)


def fixed_line_eigenvalues() -> dict:
    """Eigenvalues of the Jacobian on z̃ = 0, with multiplicities: {1 − T: 1, 1: 1}."""
    return fixed_line_jacobian().eigenvals()


def stable_T_interval() -> sp.Set:
    """{T : |1 − T| < 1} = (0, 2): where the fixed line attracts (derived here)."""
    ev = [e for e in fixed_line_eigenvalues() if e.has(T)]
    if len(ev) != 1:
        raise DerivationError(f"expected one T-dependent eigenvalue, got {ev}")
    return sp.solve_univariate_inequality(sp.Abs(ev[0]) < 1, T, relational=False)


def admissible() -> tuple[sp.Expr, sp.Expr]:
    """The admissible region: both J̃(ω_i)² ≥ 0, as two expressions that must be ≥ 0.

    J̃(ω₁)² = ω₁(T − 2ω₂(z̃ + Ẽ))/(ω₁ − ω₂) and J̃(ω₂)² = ω₂(2ω₁(z̃ + Ẽ) − T)/(ω₁ − ω₂);
    each returned expression is numerator × denominator of one of them, which has
    the same sign and no pole (ω₁ ≠ ω₂).
    """
    elim = eliminate()
    out = []
    for k in (J2_1, J2_2):
        num, den = sp.fraction(sp.together(elim[k]))
        out.append(sp.factor(num * den))
    return tuple(out)


def _checks() -> list[str]:
    """Identities the section asserts; each is a sympy difference that must vanish."""
    elim = eliminate()
    # The elimination solves both equations.
    check(sp.simplify(elim[J2_1] + elim[J2_2] - T) == 0 and
          sp.simplify(elim[J2_1] / w1 + elim[J2_2] / w2 - 2 * (zt + Et)) == 0,
          f"the elimination {elim} does not solve both equations")
    # T' from the moment form T − 2z̃S + z̃²R agrees with the direct sum.
    via_moments = T_next_moments().subs({S: S_expr(), R: R_expr()})
    check(sp.expand(via_moments - T_next()) == 0, "T' from the moments differs from the direct sum")
    # Fixed line: z̃ = 0 maps to itself with T unchanged.
    check(zt_next().subs(zt, 0) == 0 and sp.expand(T_next().subs(zt, 0) - T) == 0,
          "z̃ = 0 is not a fixed line with T unchanged")
    ev = fixed_line_eigenvalues()
    check(set(ev) == {1 - T, sp.Integer(1)}, f"the fixed line's eigenvalues {ev} are not 1 − T and 1")
    interval = stable_T_interval()
    check(interval == sp.Interval.open(0, 2), f"the fixed line's stable interval {interval} is not (0, 2)")
    return ["elimination", "T' two ways", "fixed line", "eigenvalues", "stability interval"]


def section() -> Section:
    _checks()
    elim = eliminate()
    jac = jacobian()
    fl = fixed_line_jacobian()
    args = (zt, T, a, b, Et)
    tilde = ((J2_1, r"\tilde J(\omega_1)^2"), (J2_2, r"\tilde J(\omega_2)^2"))
    formulas = (
        Formula("planar_S", args, S_expr(), "S = Σ ω_i J̃(ω_i)² for P = 2 after eliminating the modes.",
                "derived here", "S"),
        Formula("planar_R", args, R_expr(), "R = Σ ω_i² J̃(ω_i)² for P = 2 after eliminating the modes.",
                "derived here", "R"),
        Formula("planar_zt_next", args, zt_next(), "2-D GD map: z̃' from (z̃, T).", "derived here",
                r"\tilde z'"),
        Formula("planar_T_next", args, T_next(), "2-D GD map: T' = ηλ' from (z̃, T).", "derived here", "T'"),
        Formula("planar_J2t", (zt, T, w1, w2, Et), (elim[J2_1], elim[J2_2]),
                "The two modes (J̃(ω₁)², J̃(ω₂)²) recovered from (z̃, T); admissible iff both ≥ 0.",
                "derived here", r"\left(\tilde J(\omega_1)^2,\ \tilde J(\omega_2)^2\right)", latex=tilde),
        Formula("planar_jacobian", args, (jac[0, 0], jac[0, 1], jac[1, 0], jac[1, 1]),
                "Jacobian of the 2-D map: (∂z̃'/∂z̃, ∂z̃'/∂T, ∂T'/∂z̃, ∂T'/∂T).", "derived here",
                r"\left(\frac{\partial\tilde z'}{\partial\tilde z}, \frac{\partial\tilde z'}{\partial T}, "
                r"\frac{\partial T'}{\partial\tilde z}, \frac{\partial T'}{\partial T}\right)"),
    )
    adm1, adm2 = admissible()
    names = {zt: r"\tilde z", Et: r"\tilde E", w1: r"\omega_1", w2: r"\omega_2"}
    adm1, adm2, fl_tex = (sp.latex(e, symbol_names=names) for e in (adm1, adm2, fl))
    text = (
        "For P = 2 with ω₁ω₂ ≠ 0 and ω₁ ≠ ω₂, the invariant (times η) and the definition of T give the "
        "linear system J̃(ω₁)²/ω₁ + J̃(ω₂)²/ω₂ = 2(z̃ + Ẽ), J̃(ω₁)² + J̃(ω₂)² = T. sympy solves it for the "
        "two modes (`planar_J2t`); the moments S and R are then symmetric polynomials in ω₁, ω₂ and "
        "`symmetrize` rewrites them in a = ω₁ + ω₂, b = ω₁ω₂. Substituting into the η-rescaled GD map of "
        "section 1 closes it on (z̃, T). T' was computed twice, as Σ(1 − z̃ω_i)²J̃(ω_i)² over the eliminated "
        "modes and as T − 2z̃S + z̃²R; sympy checks the two agree.\n\n"
        "**Admissible region** (derived here): a point (z̃, T) comes from a real state iff both modes are "
        f"≥ 0, i.e. $${adm1} \\ge 0 \\quad\\text{{and}}\\quad {adm2} \\ge 0$$ "
        "(each is the numerator times the denominator of one mode, so it has the mode's sign).\n\n"
        "**Fixed line and the edge of stability** (derived here): z̃' vanishes at z̃ = 0 and T' = T there, so "
        "every point of z̃ = 0 is fixed. The Jacobian on it is "
        f"$${fl_tex}$$ with eigenvalues "
        f"{', '.join(sp.latex(e) for e in fixed_line_eigenvalues())} (sympy `eigenvals`). "
        "sympy solves |1 − T| < 1 to T ∈ (0, 2): a point of the fixed line attracts for 0 < T < 2 and "
        "repels for T > 2, so the edge of stability is T = ηλ = 2, i.e. λ = 2/η.\n"
    )
    return Section("planar", "Two dimensions: the map of the plane (z̃, T)", text, formulas)
