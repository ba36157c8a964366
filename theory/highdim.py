"""The many-datapoint model: exact GD step, per-datapoint invariant, top-mode normal form.

docs/theory.md §6, derived here. Residuals
z_α(θ) = ½θᵀQ_αθ + G_αᵀθ − y_α (α = 1..D, θ ∈ R^P), J_α = θᵀQ_α + G_αᵀ, g = Jᵀz.

1. GD θ' = θ − ηg. sympy expands z_α(θ − ηg) for symbolic θ, g, G_α, y_α and a
   symbolic symmetric Q_α (P = 1..3) as a polynomial in η and identifies its
   coefficients with the contractions J_α g and gᵀQ_α g:
   z_α' = z_α − η J_α g + ½η² gᵀQ_α g; likewise J_α' = J_α − η gᵀQ_α.
2. The invariant: J_α Q_α⁻¹ J_αᵀ − 2z_α = G_αᵀQ_α⁻¹G_α + 2y_α at every θ (sympy, P = 1..3),
   so GD and GF conserve it.
3. Top-mode normal form. Projecting on the top NTK eigenvector v gives a one-output model
   with z̃ = η vᵀz, T = ηλ_max, and moments M_k = η j Q_vᵏ jᵀ (j = vᵀJ, Q_v = Σ v_α Q_α;
   s = M₁, r = M₂). Its GD map is z̃' = z̃(1 − T) + ½z̃²M₁, M_k' = M_k − 2z̃M_{k+1} + z̃²M_{k+2}
   (docs/theory.md §3, any spectrum). sympy composes it twice with T = 2 + y, scales
   (z̃, y) → (εz̃, εy) and keeps order ε²: Δz̃ = 2z̃(y − s z̃), Δy = −(s² + 2r)z̃² + 2s z̃ y.
   The moments M₃, M₄ drop out at this order (asserted). This is docs/theory.md §5 with s, r
   taken at the current point rather than at (0, 2), which changes only higher orders.
"""
from __future__ import annotations

import sympy as sp

from .errors import DerivationError
from .formula import Formula, Section
from .symbols import eta, z, zt

__all__ = ["Jg", "gQg", "JQinvJ", "s_top", "r_top", "y_top", "gd_step_coefficients", "invariant_residual",
           "top_mode_two_step", "section"]

#: Contractions of one datapoint: J_α g, gᵀQ_α g, J_α Q_α⁻¹ J_αᵀ.
Jg = sp.Symbol("Jg", real=True)
gQg = sp.Symbol("gQg", real=True)
JQinvJ = sp.Symbol("JQinvJ", real=True)
#: Top-mode normal-form variables: s = M₁, r = M₂ of the projected model, y = ηλ_max − 2.
s_top = sp.Symbol("s", real=True)
r_top = sp.Symbol("r", real=True)
y_top = sp.Symbol("y", real=True)


def _model(P: int):
    th = sp.Matrix(sp.symbols(f"th1:{P + 1}", real=True))
    g = sp.Matrix(sp.symbols(f"g1:{P + 1}", real=True))
    G = sp.Matrix(sp.symbols(f"G1:{P + 1}", real=True))
    q = {(i, j): sp.Symbol(f"q{min(i, j)}{max(i, j)}", real=True) for i in range(P) for j in range(P)}
    Q = sp.Matrix(P, P, lambda i, j: q[(i, j)])
    yv = sp.Symbol("y_alpha", real=True)

    def zf(t):
        return sp.expand((t.T * Q * t)[0] / 2 + (G.T * t)[0] - yv)

    def Jf(t):
        return t.T * Q + G.T

    return th, g, G, Q, yv, zf, Jf


def gd_step_coefficients(P: int) -> sp.Expr:
    """z' as a function of (η, z, Jg, gQg), from the coefficients of z(θ − ηg) in η (P given)."""
    th, g, G, Q, yv, zf, Jf = _model(P)
    poly = sp.Poly(zf(th - eta * g), eta)
    c0, c1, c2 = (poly.coeff_monomial(eta**k) for k in range(3))
    if poly.degree() > 2:
        raise DerivationError("z(θ − ηg) is not quadratic in η")
    J = Jf(th)
    # Identify each coefficient with a contraction; the ratio must be a constant.
    k0 = sp.simplify(c0 / zf(th))
    k1 = sp.simplify(c1 / (J * g)[0])
    k2 = sp.simplify(c2 / (g.T * Q * g)[0])
    if not all(k.is_Rational for k in (k0, k1, k2)):
        raise DerivationError(f"coefficients not proportional to the contractions: {k0}, {k1}, {k2}")
    # J(θ − ηg) = J − η gᵀQ exactly (linear in θ).
    if sp.expand(Jf(th - eta * g) - (J - eta * g.T * Q)) != sp.zeros(1, P):
        raise DerivationError("J update is not J − η gᵀQ")
    return k0 * z + k1 * eta * Jg + k2 * eta**2 * gQg


def invariant_residual(P: int) -> sp.Expr:
    """J Q⁻¹ Jᵀ − 2z − (GᵀQ⁻¹G + 2y), simplified (0 means: θ-independent)."""
    th, g, G, Q, yv, zf, Jf = _model(P)
    J = Jf(th)
    Qi = Q.inv()
    return sp.simplify((J * Qi * J.T)[0] - 2 * zf(th) - (G.T * Qi * G)[0] - 2 * yv)


def top_mode_two_step() -> tuple[sp.Expr, sp.Expr]:
    """(Δz̃, Δy) of two GD steps of the one-output moment map at order ε² (derived here)."""
    eps = sp.Symbol("epsilon", positive=True)
    M = sp.symbols("M1:5", real=True)          # M1 = s, M2 = r, M3, M4
    z0, y0 = eps * zt, eps * y_top

    def step(zz, T, m):
        zn = zz * (1 - T) + zz**2 * m[0] / 2
        Tn = T - 2 * zz * m[0] + zz**2 * m[1]
        mn = [m[k] - 2 * zz * (m[k + 1] if k + 1 < len(m) else 0) + zz**2 * (m[k + 2] if k + 2 < len(m) else 0)
              for k in range(len(m))]
        return zn, Tn, mn

    z1, T1, m1 = step(z0, 2 + y0, list(M))
    z2, T2, _ = step(z1, T1, m1)

    def order2(e):
        e = sp.expand(e)
        return sum(e.coeff(eps, k) * eps**k for k in range(3))

    dz = order2(z2 - z0).subs(eps, 1)
    dy = order2(T2 - (2 + y0)).subs(eps, 1)
    dz, dy = sp.expand(dz.subs({M[0]: s_top, M[1]: r_top})), sp.expand(dy.subs({M[0]: s_top, M[1]: r_top}))
    if (dz.free_symbols | dy.free_symbols) & {M[2], M[3]}:
        raise DerivationError("higher moments survive at order 2")
    return dz, dy


def section() -> Section:
    znext = gd_step_coefficients(3)
    for P in (1, 2):
        if sp.expand(gd_step_coefficients(P) - znext) != 0:
            raise DerivationError(f"GD step differs at P={P}")
    for P in (1, 2, 3):
        if invariant_residual(P) != 0:
            raise DerivationError(f"invariant depends on θ at P={P}")
    dz, dy = top_mode_two_step()
    # docs/theory.md §5 states the 2-D version; check that the generic one has the same form.
    if sp.expand(dz - 2 * zt * (y_top - s_top * zt)) != 0 or \
            sp.expand(dy - (-(s_top**2 + 2 * r_top) * zt**2 + 2 * s_top * zt * y_top)) != 0:
        raise DerivationError(f"top-mode normal form differs from docs/theory.md §5.1: {dz}, {dy}")
    formulas = (
        Formula("hd_z_next", (eta, z, Jg, gQg), znext,
                "Exact GD step of one residual z_α of the many-datapoint model, from J_α g and gᵀQ_α g.",
                "derived here (docs/theory.md §6 update)", r"z_\alpha'"),
        Formula("hd_invariant", (JQinvJ, z), JQinvJ - 2 * z,
                "Per-datapoint invariant J_α Q_α⁻¹ J_αᵀ − 2z_α (= G_αᵀQ_α⁻¹G_α + 2y_α at every θ).",
                "derived here (docs/theory.md §6)", r"I_\alpha"),
        Formula("hd_top_dzt", (zt, y_top, s_top), dz,
                "Two-step change of z̃ = η vᵀz along the top NTK eigenvector at order 2, s = η j Q_v jᵀ.",
                "derived here (docs/theory.md §5 form, generic spectrum)", r"\Delta\tilde z"),
        Formula("hd_top_dy", (zt, y_top, s_top, r_top), dy,
                "Two-step change of y = ηλ_max − 2 at order 2, s = η j Q_v jᵀ, r = η‖Q_v jᵀ‖².",
                "derived here (docs/theory.md §5 form, generic spectrum)", r"\Delta y"),
    )
    text = (
        "For z_α(θ) = ½θᵀQ_αθ + G_αᵀθ − y_α (docs/theory.md §6), sympy expands z_α(θ − ηg) with g = Jᵀz for "
        "symbolic θ, g, G_α, y_α and symmetric Q_α (P = 1, 2, 3), and identifies the coefficients of η⁰, "
        "η¹, η² with z_α, −J_α g and ½gᵀQ_α g; J_α(θ − ηg) = J_α − η gᵀQ_α. It also reduces "
        "J_α Q_α⁻¹ J_αᵀ − 2z_α − G_αᵀQ_α⁻¹G_α − 2y_α to 0, so the invariant does not depend on θ. "
        "Projected on the top NTK eigenvector v, the model is a one-output model with moments "
        "M_k = η j Q_vᵏ jᵀ (j = vᵀJ, Q_v = Σ_α v_α Q_α); composing its GD map twice at T = 2 + y and "
        "keeping order 2 in (z̃, y) gives the normal form of docs/theory.md §5 with s = M₁, r = M₂ "
        "(M₃, M₄ drop out).\n"
    )
    return Section("highdim", "Many data points: GD step, invariant, top-mode normal form", text, formulas)
