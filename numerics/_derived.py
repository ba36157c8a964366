"""DO NOT EDIT: regenerate with `sorm derive`.

Formulas derived by sympy in ``theory/``; see docs/derived.md for the derivations.
Only + - * / ** with integer constants appear, so every function works unchanged on
float, numpy arrays, mpmath mpf and python-flint arb.
"""

__all__ = ['gd_z_next', 'gd_J2_next', 'gd_zt_next', 'gd_J2t_next']


# --- Gradient descent: the exact one-step map (gd_map) ---


def gd_z_next(eta, z, M0, M1):
    """GD step of the residual z for any P: z' from z, λ = Σ J(ω_i)², Σ ω_i J(ω_i)². Source: derived here (paper §2.1 update)."""
    return (z*(2 - 2*M0*eta + M1*z*eta**2))/(2)


def gd_J2_next(eta, z, omega, J2):
    """GD step of one mode: J(ω_i)²' from z, ω_i and J(ω_i)². Source: derived here (paper §2.1 update)."""
    return J2*(-1 + omega*z*eta)**2


def gd_zt_next(zt, T, S):
    """η-rescaled GD step of z̃ = ηz, with T = ηλ and S = Σ ω_i J̃(ω_i)². Source: derived here."""
    return (zt*(2 - 2*T + S*zt))/(2)


def gd_J2t_next(zt, omega, J2):
    """η-rescaled GD step of one mode J̃(ω_i)² = ηJ(ω_i)². Source: derived here."""
    return J2*(-1 + omega*zt)**2
