"""The edge-of-stability normal form of the 2-D model and its formal invariant (derived here).

docs/theory.md §5, derived here. Near the edge of stability (z̃, T) = (0, 2) of the
P = 2 map (docs/theory.md §4; theory.planar)

    z̃' = z̃(1 − T) + ½ z̃² S,    T' = T − 2z̃S + z̃²R,
    S = aT − 2b(z̃ + Ẽ),        R = (a² − b)T − 2ab(z̃ + Ẽ),

put y = T − 2. One step is close to the reflection z̃ ↦ −z̃, so the TWO-step map
F² = id + G₂ + G₃ + … is close to the identity, with G_n homogeneous of degree n
in (z̃, y). Its quadratic part is the leading-order normal form

    Δz̃ = 2z̃(y − s z̃),    Δy = −(s² + 2r) z̃² + 2s z̃ y,

with s = S(0, 2) = 2(a − bẼ), r = R(0, 2) = 2(a² − b) − 2abẼ. In ỹ = y − s z̃ it
reads Δz̃ = 2z̃ỹ, Δỹ = −k z̃² with k = 2r − s² = 4 Var_p(ω) for the weights
p_i = J̃(ω_i)²/2 at (0, 2).

A formal invariant H = H₂ + H₃ + … + H_N (H_n homogeneous of degree n) is solved
order by order: H∘F² − H must vanish through degree n + 1. Since F² − id starts
at degree 2, the degree-(n+1) part of that condition is linear in the n + 1
coefficients of H_n:

    ∇H_n · G₂ = −[H_{<n}∘F² − H_{<n}]_{n+1}.

sympy solves these linear systems exactly over Q(a, b, Ẽ). Degree 2 has the
one-dimensional solution space spanned by H₂ = 2ỹ² + k z̃²; every odd degree has a
unique solution; every even degree n ≥ 4 has a one-parameter family (a free
multiple of H₂^{n/2}). We fix it by the normalisation "no pure yⁿ term in H_n"
(n even ≥ 4). Any two normalisations are truncations of formal invariants that
are functions of each other, so their level sets (and the formal prediction) are
the same; truncated at degree N they change the predicted T_∞ only at the order
of the truncation error (tested in tests/test_normal_form.py).

All expansions use sympy's sparse polynomial rings (``sympy.polys.rings``), with
every product truncated at total degree N + 1 in (z̃, y) — no ``series()``.
Symbols: z̃ = ηz, T = ηλ, Ẽ = ηE, a = ω₁ + ω₂, b = ω₁ω₂ (docs/theory.md §3–4).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import sympy as sp
from sympy.polys.matrices import DomainMatrix

from .errors import DerivationError, check
from .formula import Formula, Section
from .planar import R_expr, S_expr, T_next, zt_next
from .symbols import Et, T, a, b, zt
from .truncated import compose, homog, series_ring, to_ring, y

__all__ = [
    "N_MAX", "y", "s_expr", "r_expr", "k_expr", "planar_map", "two_step_map", "leading_normal_form",
    "edge_weights", "k_minus_4var", "OrderReport", "FormalInvariant", "formal_invariant",
    "H_poly", "leading_radicand", "section",
]

#: Highest order of H emitted into numerics/_derived.py.
N_MAX = 5

#: Coefficient-field variables of the polynomial ring (the model parameters).
_PARAMS = (a, b, Et)


def s_expr() -> sp.Expr:
    """s = S(z̃ = 0, T = 2) = 2(a − bẼ) (derived here)."""
    return sp.expand(_S().subs({zt: 0, T: 2}))


def r_expr() -> sp.Expr:
    """r = R(z̃ = 0, T = 2) = 2(a² − b) − 2abẼ (derived here)."""
    return sp.expand(_R().subs({zt: 0, T: 2}))


def k_expr() -> sp.Expr:
    """k = 2r − s², the coefficient of z̃² in Δỹ = −k z̃² (derived here)."""
    return sp.expand(2 * r_expr() - s_expr() ** 2)


def _S() -> sp.Expr:
    return S_expr()


def _R() -> sp.Expr:
    return R_expr()


@functools.lru_cache(maxsize=None)
def planar_map() -> tuple[sp.Expr, sp.Expr]:
    """(z̃', T') of the 2-D map as polynomials in z̃, T, a, b, Ẽ (from theory.planar)."""
    return sp.expand(zt_next()), sp.expand(T_next())


@dataclass(frozen=True)
class EdgeSystem:
    """A map of the plane (z̃, T) whose fixed line z̃ = 0 flips (eigenvalue −1) at T = edge.

    key: a name. params: the symbols of the coefficient field (model and optimizer
    parameters; empty for a map with rational coefficients). edge: T at the flip, rational
    in params. planar: a function returning (z̃', T') as polynomials in z̃, T with
    coefficients in Q(params). GD is :data:`GD_SYSTEM` (edge 2). For SAM the caller
    passes its generated 2-D map at rational (a, b, Ẽ, ρ̃) with a rational edge.
    """

    key: str
    params: tuple
    edge: sp.Expr
    planar: object


@functools.lru_cache(maxsize=None)
def _two_step(N: int, system: EdgeSystem | None = None):
    """F and F² in Q(a,b,Ẽ)[z̃, y] (or Q(system.params)[z̃, y]), truncated at degree N + 1 (derived here).

    y = T − 2 for GD, y = T − system.edge in general.
    """
    system = GD_SYSTEM if system is None else system
    K, R, Z, Y = series_ring(system.params)
    zn, Tn = system.planar()
    sub = {T: system.edge + y}
    f1 = to_ring(sp.expand(zn.subs(sub)), R)
    f2 = to_ring(sp.expand(Tn.subs(sub) - system.edge), R)
    d = N + 1
    F = (f1, f2)
    F2 = (compose(f1, F, d, {}), compose(f2, F, d, {}))
    return F, F2


#: GD's 2-D map (theory.planar) and its edge T = 2.
GD_SYSTEM = EdgeSystem("gd", _PARAMS, sp.Integer(2), planar_map)


def two_step_map(N: int) -> tuple[sp.Expr, sp.Expr]:
    """F²(z̃, y) − (z̃, y) through total degree N + 1, as sympy expressions (derived here)."""
    _, F2 = _two_step(N)
    K, R, Z, Y = series_ring(_PARAMS)
    return tuple(sp.expand((p - v).as_expr()) for p, v in zip(F2, (Z, Y)))


def leading_normal_form() -> tuple[sp.Expr, sp.Expr]:
    """The quadratic part (Δz̃, Δy) of F² − id (derived here).

    Equal to (2z̃(y − s z̃), −(s² + 2r) z̃² + 2s z̃ y); :func:`section` asserts it.
    """
    _, F2 = _two_step(2)
    K, R, Z, Y = series_ring(_PARAMS)
    return tuple(sp.expand(homog(p - v, 2).as_expr()) for p, v in zip(F2, (Z, Y)))


def edge_weights() -> tuple[sp.Expr, sp.Expr]:
    """(p₁, p₂) = J̃(ω_i)²/2 at the edge point (z̃, T) = (0, 2), in ω₁, ω₂, Ẽ (derived here).

    From J̃₁² + J̃₂² = T = 2 and J̃₁²/ω₁ + J̃₂²/ω₂ = 2(z̃ + Ẽ) = 2Ẽ; p₁ + p₂ = 1.
    """
    from .symbols import J2_1, J2_2, w1, w2

    sol = sp.solve([J2_1 + J2_2 - 2, J2_1 / w1 + J2_2 / w2 - 2 * Et], [J2_1, J2_2], dict=True)[0]
    return sp.factor(sol[J2_1] / 2), sp.factor(sol[J2_2] / 2)


def k_minus_4var() -> sp.Expr:
    """k(a, b, Ẽ) − 4 Var_p(ω) with a = ω₁ + ω₂, b = ω₁ω₂; sympy simplifies it to 0."""
    from .symbols import w1, w2

    p1, p2 = edge_weights()
    mean = p1 * w1 + p2 * w2
    var = p1 * (w1 - mean) ** 2 + p2 * (w2 - mean) ** 2
    k = k_expr().subs({a: w1 + w2, b: w1 * w2})
    return sp.simplify(sp.cancel(k - 4 * var))


@dataclass(frozen=True)
class OrderReport:
    """Solvability of the degree-n system ∇H_n·G₂ = rhs for the n + 1 coefficients of H_n.

    equations: number of degree-(n+1) monomials (n + 2). rank: rank of the matrix;
    augmented_rank: rank with the right-hand side appended. kernel_dim = n + 1 − rank.
    """

    degree: int
    unknowns: int
    equations: int
    rank: int
    augmented_rank: int

    def __post_init__(self):
        if not (0 <= self.rank <= self.augmented_rank <= self.rank + 1):
            raise ValueError(f"inconsistent ranks in {self}")

    @property
    def solvable(self) -> bool:
        return self.rank == self.augmented_rank

    @property
    def kernel_dim(self) -> int:
        return self.unknowns - self.rank

    @property
    def verdict(self) -> str:
        if not self.solvable:
            return "no solution"
        return "unique" if self.kernel_dim == 0 else f"{self.kernel_dim}-parameter family"


@dataclass(frozen=True)
class FormalInvariant:
    """H = Σ_{n=2}^{N} H_n with H_n = Σ_j coeffs[n][j] z̃^j y^{n−j} (derived here).

    coeffs: {n: tuple of n + 1 sympy rational functions of (a, b, Ẽ)}, index j is
    the power of z̃. reports: {n: OrderReport}. normalization: "pure_y" (the yⁿ
    coefficient of H_n is 0 for even n ≥ 4) or "pure_z" (the z̃ⁿ coefficient is 0).
    """

    N: int
    coeffs: dict
    reports: dict
    normalization: str
    system: str = "gd"

    def __post_init__(self):
        if self.system != "gd":
            return
        # GD: H₂ must be 2ỹ² + k z̃² with ỹ = y − s z̃.
        H2 = sum(c * zt ** j * y ** (2 - j) for j, c in enumerate(self.coeffs[2]))
        want = 2 * (y - s_expr() * zt) ** 2 + k_expr() * zt ** 2
        if sp.expand(H2 - want) != 0:
            raise ValueError("H2 is not 2*ytilde^2 + k*zt^2")


@functools.lru_cache(maxsize=None)
def formal_invariant(N: int = N_MAX, normalization: str = "pure_y",
                     system: EdgeSystem | None = None) -> FormalInvariant:
    """Solve for H₂, …, H_N of the two-step map order by order (derived here).

    ``system``: another map with a flipping fixed line (default GD); its H₂ is the solution
    of the degree-2 system whose y² coefficient is 2 (as in GD's 2ỹ² + k z̃²).

    Each order is an exact linear system over Q(a, b, Ẽ) (DomainMatrix rref). The
    degree-2 system only fixes H₂ up to a factor: H₂ = 2ỹ² + k z̃² is chosen. For even
    n ≥ 4 the free multiple of H₂^{n/2} is fixed by ``normalization``. Raises
    DerivationError if some order has no solution.
    """
    if normalization not in ("pure_y", "pure_z"):
        raise ValueError(f"normalization={normalization!r}: expected 'pure_y' or 'pure_z'")
    if not (isinstance(N, int) and N >= 2):
        raise ValueError(f"N={N!r}: expected an integer >= 2")
    K, R, Z, Y = series_ring(_PARAMS if system is None else system.params)
    _, F2 = _two_step(N, system)
    cache: dict = {"dmax": N + 1}
    if system is None:
        s, r = R.from_expr(s_expr()), R.from_expr(r_expr())
        k = 2 * r - s ** 2
        H2 = 2 * (Y - s * Z) ** 2 + k * Z ** 2
    coeffs, reports = {}, {}
    H = R(0)
    for n in range(2, N + 1):
        d = n + 1
        known = homog(compose(H, F2, d, cache) - H, d) if n > 2 else R(0)
        cols = []
        for j in range(n + 1):
            mon = Z ** j * Y ** (n - j)
            cols.append(homog(compose(mon, F2, d, cache) - mon, d))
        rows = [(i, d - i) for i in range(d + 1)]
        A = DomainMatrix([[c.get(m, K.zero) for c in cols] for m in rows], (d + 1, n + 1), K)
        rhs = DomainMatrix([[-known.get(m, K.zero)] for m in rows], (d + 1, 1), K)
        reports[n] = OrderReport(n, n + 1, d + 1, A.rank(), A.hstack(rhs).rank())
        if not reports[n].solvable:
            raise DerivationError(f"degree {n}: the invariant equations have no solution")
        if n == 2 and system is None:
            Hn = H2
        else:
            if reports[n].kernel_dim:
                # Fix the free multiple of H₂^{n/2} (n ≥ 4), or the scale of H₂ (y² coefficient 2).
                j0 = 0 if normalization == "pure_y" or n == 2 else n
                extra = DomainMatrix([[K.one if j == j0 else K.zero for j in range(n + 1)]], (1, n + 1), K)
                A = A.vstack(extra)
                rhs = rhs.vstack(DomainMatrix([[K.from_sympy(sp.Integer(2 if n == 2 else 0))]], (1, 1), K))
                if A.rank() != n + 1:
                    raise DerivationError(f"degree {n}: the normalisation does not fix the free part")
            rref, piv = A.hstack(rhs).rref()
            if tuple(piv) != tuple(range(n + 1)):
                raise DerivationError(f"degree {n}: unexpected pivots {piv}")
            sol = [rref[i, n + 1].element for i in range(n + 1)]
            Hn = sum((sol[j] * Z ** j * Y ** (n - j) for j in range(n + 1)), R(0))
        H = H + Hn
        coeffs[n] = tuple(_simplify(K.to_sympy(Hn.coeff(Z ** j * Y ** (n - j)))) for j in range(n + 1))
    return FormalInvariant(N, coeffs, reports, normalization, "gd" if system is None else system.key)


def _simplify(expr: sp.Expr) -> sp.Expr:
    """A rational function of (a, b, Ẽ) as factored numerator over factored denominator."""
    num, den = sp.fraction(sp.cancel(sp.together(expr)))
    return sp.factor(num) / sp.factor(den)


def H_poly(inv: FormalInvariant, upto: int | None = None) -> sp.Expr:
    """Σ_{n ≤ upto} H_n as a sympy polynomial in z̃, y."""
    upto = inv.N if upto is None else upto
    return sum(c * zt ** j * y ** (n - j) for n in range(2, upto + 1) for j, c in enumerate(inv.coeffs[n]))


def leading_radicand() -> sp.Expr:
    """ỹ₀² + (k/2) z̃₀² = H₂/2 with ỹ₀ = T₀ − 2 − s z̃₀; T_∞ = 2 − sqrt of it (derived here)."""
    return sp.expand((T - 2 - s_expr() * zt) ** 2 + k_expr() * zt ** 2 / 2)


def _checks(inv: FormalInvariant) -> None:
    """Identities the section asserts (each a sympy difference that must vanish)."""
    s, r = s_expr(), r_expr()
    check(sp.expand(s - 2 * (a - b * Et)) == 0, f"s = {s} is not 2(a − bẼ)")
    check(sp.expand(r - (2 * (a ** 2 - b) - 2 * a * b * Et)) == 0, f"r = {r} is not 2(a² − b) − 2abẼ")
    dz, dy = leading_normal_form()
    check(sp.expand(dz - 2 * zt * (y - s * zt)) == 0, f"the leading Δz̃ = {dz} is not 2z̃(y − sz̃)")
    check(sp.expand(dy - (-(s ** 2 + 2 * r) * zt ** 2 + 2 * s * zt * y)) == 0,
          f"the leading Δy = {dy} is not −(s² + 2r)z̃² + 2sz̃y")
    check(k_minus_4var() == 0, "k is not 4 times the variance")
    check(inv.reports[2].kernel_dim == 1, f"the order-2 invariant is not unique up to scale: {inv.reports[2]}")
    check(all(inv.reports[n].verdict == "unique" for n in range(3, inv.N + 1, 2)),
          "an odd order of the formal invariant is not uniquely solvable")


def section() -> Section:
    inv = formal_invariant(N_MAX)
    _checks(inv)
    radicand_args = (zt, T, a, b, Et)
    formulas = [
        Formula("eos_s", (a, b, Et), s_expr(), "s = S at the edge point (z̃, T) = (0, 2).", "derived here", "s"),
        Formula("eos_r", (a, b, Et), r_expr(), "r = R at the edge point (z̃, T) = (0, 2).", "derived here", "r"),
        Formula("eos_k", (a, b, Et), k_expr(),
                "k = 2r − s² = 4 Var_p(ω), p_i = J̃(ω_i)²/2 at (0, 2).", "derived here", "k"),
        Formula("eos_leading_radicand", radicand_args, leading_radicand(),
                "ỹ² + (k/2) z̃² with ỹ = T − 2 − s z̃; leading order T_∞ = 2 − sqrt(radicand).",
                "derived here", r"\tilde y^2 + \tfrac{k}{2}\tilde z^2"),
    ]
    for n in range(2, N_MAX + 1):
        formulas.append(Formula(
            f"eos_H{n}", (a, b, Et), inv.coeffs[n],
            f"Coefficients of H_{n} = Σ_j c_j z̃^j y^({n}−j), j = 0..{n}, y = T − 2 "
            f"(formal invariant of the two-step map; normalisation {inv.normalization}).",
            "derived here", f"(c_0,\\dots,c_{n})_{{H_{n}}}"))
    rows = "\n".join(
        f"| {n} | {r.unknowns} | {r.equations} | {r.rank} | {r.augmented_rank} | {r.verdict} |"
        for n, r in inv.reports.items())
    text = (
        "Derived here (docs/theory.md §5). sympy expands two steps of the 2-D map around the edge point "
        "(z̃, T) = (0, 2) with y = T − 2, in the polynomial ring Q(a, b, Ẽ)[z̃, y] with every product "
        f"truncated at total degree N + 1 (N = {N_MAX}). The quadratic part of F² − id is the normal form "
        "Δz̃ = 2z̃(y − s z̃), Δy = −(s² + 2r)z̃² + 2s z̃ y (asserted). With ỹ = y − s z̃ it is Δz̃ = 2z̃ỹ, "
        "Δỹ = −k z̃², and sympy simplifies k − 4 Var_p(ω) to 0 for p_i = J̃(ω_i)²/2 at (0, 2) "
        "(a = ω₁ + ω₂, b = ω₁ω₂).\n\n"
        "The formal invariant H = H₂ + … + H_N solves, order by order, the exact linear system "
        "∇H_n·G₂ = −[H_{<n}∘F² − H_{<n}]_{n+1} over Q(a, b, Ẽ):\n\n"
        "| degree n | unknowns | equations | rank | rank with rhs | solutions |\n|---|---|---|---|---|---|\n"
        f"{rows}\n\n"
        "Of the n + 2 equations, the one for the y^{n+1} coefficient reads 0 = 0 (G₂ has the factor z̃ "
        "because the line z̃ = 0 is fixed), so a unique H_n needs rank n + 1. "
        "Degree 2 fixes H₂ = 2ỹ² + k z̃² up to a factor; each even degree n ≥ 4 leaves a free multiple "
        "of H₂^{n/2}, fixed here by 'no pure yⁿ term in H_n'. Every order up to N is solvable. "
        "The prediction solves H(0, y_∞) = H(z̃₀, y₀) for the root y_∞ < 0 near −sqrt(ỹ₀² + (k/2)z̃₀²), "
        "and T_∞ = 2 + y_∞ (numerics.eos).\n"
    )
    return Section("normal_form", "The edge of stability: normal form and formal invariant", text,
                   tuple(formulas))
