"""Self-stabilization of the many-datapoint model: Hessian, ∇S, central flow, projection.

Derived here for z_α(θ) = ½θᵀQ_αθ + G_αᵀθ − y_α (α = 1..D, θ ∈ R^P, docs/theory.md §6),
L = ½‖z‖², J_α = θᵀQ_α + G_αᵀ, after the central flows of Cohen, Damian et al. (ICLR 2025)
and the projected GD of Damian, Nichani, Lee (ICLR 2023). sympy proves, for symbolic
θ, G_α, y_α, symmetric Q_α, a fixed vector u and D = 2, P = 2 (and again at D = 1, P = 2):

1. Hessian: ∇²L = c₁ JᵀJ + c₂ Σ_α z_α Q_α, solving for the constants (c₁ = c₂ = 1).
2. Gradient of the sharpness S = uᵀ(∇²L)u with u held fixed (the top eigenvector; by
   Hellmann–Feynman this is ∇λ_max where λ_max is simple): ∂S/∂θ = Σ_α [k₁ (J_α u) Q_α u +
   k₂ (uᵀQ_α u) J_αᵀ], solving for the constants (k₁ = 2, k₂ = 1).
3. Central flow with one unstable direction: dθ/dt = −η[∇L + ½σ²∇S]; σ² solves
   dS/dt = ⟨∇S, dθ/dt⟩ = 0, so σ² = −2⟨∇L, ∇S⟩/‖∇S‖² (active while it is ≥ 0).
   With several eigenvalues λ_i at 2/η and Σ = Σ_i x_i u_i u_iᵀ diagonal in their
   eigenvectors (a restriction of the flow's semidefinite Σ), dλ_i/dt ≤ 0, x ≥ 0 and
   x_i·dλ_i/dt = 0 form a linear complementarity problem whose matrix ½NᵀN (N = [∇λ_i]) is
   a Gram matrix; it is the optimality condition of min_{x≥0} ‖N x + 2∇L‖² (sympy checks
   that ¼‖Nx + 2∇L‖² − ‖∇L‖² = ½xᵀ(½NᵀN)x + ⟨Nᵀ∇L, x⟩), a non-negative least-squares problem.
4. Time-averaged loss: for the oscillation θ ± σu, ½[L(θ + σu) + L(θ − σu)] = L + ½σ²S + O(σ⁴)
   (sympy series), so at S = 2/η the central flow predicts L + σ²/η = L + tr Σ/η.
5. Projection on {S ≤ 2/η} (projected GD): the linearized constraint S + ⟨∇S, δ⟩ = 2/η with
   the shortest step δ = −μ∇S gives μ = (S − 2/η)/‖∇S‖²; iterated, it converges to the set.
"""
from __future__ import annotations

import sympy as sp

from .errors import DerivationError
from .formula import Formula, Section
from .symbols import eta

__all__ = ["hessian_coefficients", "grad_sharpness_coefficients", "sigma2", "nnls_identity",
           "averaged_loss", "projection_multiplier", "section"]


#: Contractions: J_α u, uᵀQ_α u, (Q_α u)_i, J_αi; ⟨∇L, ∇S⟩, ‖∇S‖², S, L, σ², tr Σ.
Ju = sp.Symbol("Ju", real=True)
uQu = sp.Symbol("uQu", real=True)
Qu = sp.Symbol("Qu", real=True)
Jai = sp.Symbol("J", real=True)
gLgS = sp.Symbol("gLgS", real=True)
gSgS = sp.Symbol("gSgS", positive=True)
S_ = sp.Symbol("S", real=True)
L_ = sp.Symbol("L", real=True)
sigma2_ = sp.Symbol("sigma2", nonnegative=True)
trSigma = sp.Symbol("trSigma", nonnegative=True)
JtJ = sp.Symbol("JtJ", real=True)
zQ = sp.Symbol("zQ", real=True)

LATEX = {Ju: r"J_\alpha u", uQu: r"u^\top Q_\alpha u", Qu: r"(Q_\alpha u)_i", Jai: r"J_{\alpha i}",
         gLgS: r"\langle\nabla L,\nabla S\rangle", gSgS: r"\|\nabla S\|^2", S_: "S", L_: "L",
         sigma2_: r"\sigma^2", trSigma: r"\operatorname{tr}\Sigma", JtJ: r"(J^\top J)_{ij}",
         zQ: r"\left(\textstyle\sum_\alpha z_\alpha Q_\alpha\right)_{ij}"}


def _model(D: int, P: int):
    th = sp.Matrix(sp.symbols(f"th1:{P + 1}", real=True))
    u = sp.Matrix(sp.symbols(f"u1:{P + 1}", real=True))
    Gs, Qs, zs, Js = [], [], [], []
    for a in range(D):
        G = sp.Matrix(sp.symbols(f"G{a}_1:{P + 1}", real=True))
        q = {(i, j): sp.Symbol(f"q{a}_{min(i, j)}{max(i, j)}", real=True) for i in range(P) for j in range(P)}
        Q = sp.Matrix(P, P, lambda i, j: q[(i, j)])
        y = sp.Symbol(f"y{a}", real=True)
        Gs.append(G)
        Qs.append(Q)
        zs.append(sp.expand((th.T * Q * th)[0] / 2 + (G.T * th)[0] - y))
        Js.append(th.T * Q + G.T)
    L = sum(zz**2 for zz in zs) / 2
    return th, u, Qs, zs, Js, L


def _solve_constants(residual, unknowns, variables) -> dict:
    """Constants c making ``residual`` vanish identically in ``variables`` (raise if none)."""
    eqs = sp.Poly(sp.expand(residual), *variables).coeffs()
    sol = sp.solve(eqs, unknowns, dict=True)
    if len(sol) != 1 or set(sol[0]) != set(unknowns):
        raise DerivationError(f"no unique constants {unknowns} make the identity hold: {sol}")
    return sol[0]


def hessian_coefficients(D: int = 2, P: int = 2) -> tuple:
    """(c₁, c₂) with ∇²L = c₁JᵀJ + c₂Σ z_α Q_α, solved from sympy's Hessian of L."""
    th, u, Qs, zs, Js, L = _model(D, P)
    Hs = sp.hessian(L, list(th))
    c1, c2 = sp.symbols("c1 c2")
    JtJm = sum((Jr.T * Jr for Jr in Js), sp.zeros(P, P))
    zQm = sum((zz * Q for zz, Q in zip(zs, Qs)), sp.zeros(P, P))
    res = sum(((Hs - c1 * JtJm - c2 * zQm)[i, j] * sp.Symbol(f"e{i}{j}") for i in range(P) for j in range(P)))
    free = sorted(res.free_symbols - {c1, c2}, key=str)
    sol = _solve_constants(res, [c1, c2], free)
    return sol[c1], sol[c2]


def grad_sharpness_coefficients(D: int = 2, P: int = 2) -> tuple:
    """(k₁, k₂) with ∂(uᵀ∇²L u)/∂θ = Σ_α [k₁(J_α u)Q_α u + k₂(uᵀQ_α u)J_αᵀ], u fixed."""
    th, u, Qs, zs, Js, L = _model(D, P)
    Su = (u.T * sp.hessian(L, list(th)) * u)[0]
    k1, k2 = sp.symbols("k1 k2")
    res = 0
    for i in range(P):
        term = sum(k1 * (Jr * u)[0] * (Q * u)[i] + k2 * (u.T * Q * u)[0] * Jr[i] for Jr, Q in zip(Js, Qs))
        res += (sp.diff(Su, th[i]) - term) * sp.Symbol(f"e{i}")
    free = sorted(res.free_symbols - {k1, k2}, key=str)
    sol = _solve_constants(res, [k1, k2], free)
    return sol[k1], sol[k2]


def sigma2() -> sp.Expr:
    """σ² from dS/dt = ⟨∇S, −η(∇L + ½σ²∇S)⟩ = 0, in the contractions ⟨∇L, ∇S⟩ and ‖∇S‖²."""
    x = sp.Symbol("x")
    sol = sp.solve(sp.Eq(-eta * (gLgS + x * gSgS / 2), 0), x)
    if len(sol) != 1:
        raise DerivationError(f"σ² is not unique: {sol}")
    return sol[0]


def nnls_identity(k: int = 2, P: int = 3) -> sp.Expr:
    """¼‖Nx + 2g‖² − ‖g‖² − [½xᵀ(½NᵀN)x + ⟨Nᵀg, x⟩] for symbolic N (P×k), x, g (0: identity holds)."""
    N = sp.Matrix(P, k, lambda i, j: sp.Symbol(f"n{i}{j}", real=True))
    x = sp.Matrix(sp.symbols(f"x1:{k + 1}", real=True))
    g = sp.Matrix(sp.symbols(f"g1:{P + 1}", real=True))
    r = N * x + 2 * g
    lhs = (r.T * r)[0] / 4 - (g.T * g)[0]
    rhs = (x.T * (N.T * N / 2) * x)[0] / 2 + ((N.T * g).T * x)[0]
    return sp.expand(lhs - rhs)


def averaged_loss(D: int = 2, P: int = 2) -> sp.Expr:
    """The σ² coefficient check: ½[L(θ+σu) + L(θ−σu)] − L − ½σ² uᵀ∇²L u at order σ² (0: holds)."""
    th, u, Qs, zs, Js, L = _model(D, P)
    s = sp.Symbol("sigma", real=True)
    shift = {th[i]: th[i] + s * u[i] for i in range(P)}
    back = {th[i]: th[i] - s * u[i] for i in range(P)}
    avg = (L.subs(shift, simultaneous=True) + L.subs(back, simultaneous=True)) / 2
    S = (u.T * sp.hessian(L, list(th)) * u)[0]
    ser = sp.expand(avg - L - s**2 * S / 2)
    return sum(ser.coeff(s, n) * s**n for n in range(3))


def projection_multiplier() -> sp.Expr:
    """μ with S + ⟨∇S, −μ∇S⟩ = 2/η (the linearized projection on {S ≤ 2/η})."""
    mu = sp.Symbol("mu")
    sol = sp.solve(sp.Eq(S_ - mu * gSgS, 2 / eta), mu)
    if len(sol) != 1:
        raise DerivationError(f"μ is not unique: {sol}")
    return sol[0]


def section() -> Section:
    found = {(D, P): (hessian_coefficients(D, P), grad_sharpness_coefficients(D, P)) for D, P in ((2, 2), (1, 2))}
    for (D, P), (hc, gc) in found.items():
        if hc != found[(2, 2)][0] or gc != found[(2, 2)][1]:
            raise DerivationError(f"the Hessian or ∇S constants at D={D}, P={P} differ from D=2, P=2")
    for D, P in found:
        if averaged_loss(D, P) != 0:
            raise DerivationError(f"averaged loss is not L + σ²S/2 at order σ² at D={D}, P={P}")
    if nnls_identity() != 0:
        raise DerivationError("the complementarity problem is not the NNLS problem")
    (c1, c2), (k1, k2) = found[(2, 2)]
    s2 = sigma2()
    loss = L_ + trSigma * S_ / 2
    formulas = (
        Formula("cf_hessian", (JtJ, zQ), c1 * JtJ + c2 * zQ,
                "Loss Hessian entry (∇²L)_ij from (JᵀJ)_ij and (Σ_α z_α Q_α)_ij.", "derived here", r"(\nabla^2 L)_{ij}",
                tuple(LATEX.items())),
        Formula("cf_grad_sharpness_term", (Ju, Qu, uQu, Jai), k1 * Ju * Qu + k2 * uQu * Jai,
                "Term α of (∇S)_i = Σ_α [2(J_α u)(Q_α u)_i + (uᵀQ_α u)J_αi], S = uᵀ∇²L u, u fixed.", "derived here",
                r"(\nabla S)_i^{(\alpha)}", tuple(LATEX.items())),
        Formula("cf_sigma2", (gLgS, gSgS), s2,
                "σ² of the central flow with one unstable direction (keeps dS/dt = 0).",
                "derived here (Cohen, Damian et al., ICLR 2025)", r"\sigma^2", tuple(LATEX.items())),
        Formula("cf_predicted_loss", (L_, trSigma, eta), loss.subs(S_, 2 / eta),
                "Time-averaged GD loss the central flow predicts: L + ½ tr Σ·S at S = 2/η.",
                "derived here (Cohen, Damian et al., ICLR 2025)", r"\bar L", tuple(LATEX.items())),
        Formula("pgd_multiplier", (S_, gSgS, eta), projection_multiplier(),
                "μ of the linearized projection θ − μ∇S on {S ≤ 2/η} (projected GD).",
                "derived here (Damian, Nichani, Lee, ICLR 2023)", r"\mu", tuple(LATEX.items())),
    )
    text = (
        "For the many-datapoint model sympy takes the Hessian of L = ½‖z‖² for symbolic θ, G_α, y_α and "
        "symmetric Q_α (D = 2, P = 2 and D = 1, P = 2) and solves for the constants in "
        "∇²L = c₁JᵀJ + c₂Σ_α z_α Q_α (c₁ = c₂ = 1). For a fixed vector u it differentiates S = uᵀ∇²L u and solves "
        "∇S = Σ_α [k₁(J_α u)Q_α u + k₂(uᵀQ_α u)J_αᵀ] (k₁ = 2, k₂ = 1); with u the top eigenvector this is the "
        "gradient of the sharpness λ_max(∇²L) where it is simple. The central flow with one unstable "
        "direction, dθ/dt = −η(∇L + ½σ²∇S), keeps S at 2/η when σ² solves dS/dt = 0. With several "
        "eigenvalues at 2/η and Σ = Σ_i x_i u_i u_iᵀ, the complementarity conditions are the optimality "
        "conditions of min_{x ≥ 0} ‖Nx + 2∇L‖² with N = [∇λ_i] (sympy checks the identity of the two "
        "quadratics), so a non-negative least-squares solver computes x. Averaging L over θ ± σu gives "
        "L + ½σ²S at order σ² (sympy series), hence the predicted loss L + tr Σ/η at S = 2/η. The "
        "linearized projection on {S ≤ 2/η} moves θ by −μ∇S with μ = (S − 2/η)/‖∇S‖².\n"
    )
    return Section("centralflow", "Many data points: Hessian, sharpness gradient, central flow, projection",
                   text, formulas)
