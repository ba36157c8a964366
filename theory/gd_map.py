"""The exact gradient-descent map of (z, J(ω_i)²) for any P, derived with sympy.

Paper, Section 2.1: θ_{t+1} = θ_t − η z_t Q θ_t with z(θ) = ½ θᵀQθ − E. In the
eigenbasis of Q (eigenvalues ω_i) this is θ_i' = (1 − η z ω_i) θ_i, and with the
mode Jacobians J(ω_i) = ω_i θ_i sympy finds (derived here, for symbolic P)

    J(ω_i)²' = (1 − η z ω_i)² J(ω_i)²
    z'       = z − η z Σ_i J(ω_i)² + ½ η² z² Σ_i ω_i J(ω_i)².

Rescaling z̃ = ηz, J̃² = ηJ² removes η: z̃' = z̃(1 − T) + ½ z̃² S and
J̃(ω_i)²' = (1 − z̃ ω_i)² J̃(ω_i)², with T = Σ J̃², S = Σ ω_i J̃².
"""
from __future__ import annotations

import sympy as sp

from .formula import Formula, Section
from .symbols import E, J2, J2_i, M0, M1, M2, P, S, T, eta, i, omega, omega_i, theta, z, zt

__all__ = ["theta_next", "z_of_theta", "J2_next", "z_next", "zt_next", "J2t_next", "moment_sum",
           "MOMENTS", "section"]

#: Moment symbols M_k = Σ_i ω_i^k J(ω_i)²; M0 is the NTK λ.
MOMENTS = {0: M0, 1: M1, 2: M2}


def z_of_theta(th=theta) -> sp.Expr:
    """z(θ) = ½ Σ_i ω_i θ_i² − E in the eigenbasis (paper §2.1)."""
    return sp.Sum(omega[i] * th[i] ** 2, (i, 1, P)) / 2 - E


def theta_next() -> sp.Expr:
    """θ_i' = θ_i − η z (Qθ)_i with (Qθ)_i = ω_i θ_i; z stands for z(θ)."""
    return theta[i] - eta * z * omega[i] * theta[i]


def J2_next() -> sp.Expr:
    """J(ω_i)²' = (ω_i θ_i')², rewritten through J(ω_i)² = ω_i² θ_i²."""
    expr = sp.factor(sp.expand((omega[i] * theta_next()) ** 2))
    return sp.factor(expr.subs(theta[i] ** 2, J2[i] / omega[i] ** 2))


def moment_sum(summand: sp.Expr, var: sp.Symbol = z, moments: dict | None = None) -> sp.Expr:
    """Σ_i of a polynomial in ``var`` whose coefficients are c·ω_i^k J(ω_i)²: Σ_k c_k M_k.

    The sum over i = 1..P is linear, so each coefficient c·ω_i^k·J(ω_i)² sums to
    c·M_k with M_k = Σ_i ω_i^k J(ω_i)² (``moments`` maps k to the symbol, default
    :data:`MOMENTS`). Modes with ω_i = 0 have J(ω_i) = 0 and contribute nothing on
    either side. Raises if a coefficient is not of that form (then the sum is not a
    moment sum and the caller's derivation is wrong).
    """
    moments = MOMENTS if moments is None else moments
    try:
        poly = sp.Poly(sp.expand(summand), var)
    except sp.PolynomialError as exc:
        raise ValueError(f"summand {summand} is not a polynomial in {var}: {exc}") from None
    out = sp.Integer(0)
    for (power,), coeff in poly.terms():
        c, rest = sp.expand(coeff).as_independent(omega[i], J2[i])
        ok = rest.is_Pow or rest.is_Mul or rest == J2[i]
        k = sp.degree(rest, omega[i]) if ok and rest.is_polynomial(omega[i]) else None
        if k is None or k not in moments or sp.expand(rest - omega[i] ** k * J2[i]) != 0:
            raise ValueError(f"summand term {coeff} is not c*omega_i^k*J2_i with k in {sorted(moments)}")
        out += c * moments[k] * var ** power
    return out


def z_next() -> sp.Expr:
    """z' = z(θ') from the definition, as a function of z, η and the moments M0, M1."""
    summand_new = omega[i] * theta_next() ** 2 / 2
    summand_old = omega[i] * theta[i] ** 2 / 2
    # z(θ') − z(θ) = Σ_i (summand_new − summand_old); E cancels.
    diff = sp.expand(summand_new - summand_old).subs(theta[i] ** 2, J2[i] / omega[i] ** 2)
    return z + moment_sum(sp.expand(diff))


def zt_next() -> sp.Expr:
    """z̃' = η z' with z = z̃/η and J² = J̃²/η, so that M0 = T/η, M1 = S/η."""
    return sp.expand(eta * z_next().subs({z: zt / eta, M0: T / eta, M1: S / eta}))


def J2t_next() -> sp.Expr:
    """J̃(ω_i)²' = η J(ω_i)²' with z = z̃/η, J² = J̃²/η."""
    return sp.factor(sp.expand(eta * J2_next().subs({z: zt / eta, J2[i]: J2[i] / eta})))


def section() -> Section:
    o, j2 = omega_i, J2_i
    flat = {omega[i]: o, J2[i]: j2}
    tilde = ((j2, r"\tilde J(\omega_i)^2"),)
    formulas = (
        Formula("gd_z_next", (eta, z, M0, M1), z_next(),
                "GD step of the residual z for any P: z' from z, λ = Σ J(ω_i)², Σ ω_i J(ω_i)².",
                "derived here (paper §2.1 update)", "z'"),
        Formula("gd_J2_next", (eta, z, o, j2), J2_next().subs(flat),
                "GD step of one mode: J(ω_i)²' from z, ω_i and J(ω_i)².",
                "derived here (paper §2.1 update)", r"J(\omega_i)^{2\,\prime}"),
        Formula("gd_zt_next", (zt, T, S), zt_next(),
                "η-rescaled GD step of z̃ = ηz, with T = ηλ and S = Σ ω_i J̃(ω_i)².",
                "derived here", r"\tilde z'"),
        Formula("gd_J2t_next", (zt, o, j2), J2t_next().subs(flat),
                "η-rescaled GD step of one mode J̃(ω_i)² = ηJ(ω_i)².",
                "derived here", r"\tilde J(\omega_i)^{2\,\prime}", latex=tilde),
    )
    text = (
        "Substituting the GD update θ' = θ − ηzQθ (paper §2.1) into z(θ) = ½θᵀQθ − E and "
        "J(ω_i) = ω_iθ_i, in the eigenbasis and for symbolic P, sympy gives the step below. "
        "The sum over modes is split by linearity into the moments λ = Σ_i J(ω_i)² and "
        "Σ_i ω_i J(ω_i)². The η-rescaled form follows from z̃ = ηz, J̃² = ηJ², T = ηλ.\n"
    )
    return Section("gd_map", "Gradient descent: the exact one-step map", text, formulas)
