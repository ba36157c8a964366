"""DO NOT EDIT: regenerate with `sorm derive`.

Formulas derived by sympy in ``theory/``; see docs/derived.md for the derivations.
Only + - * / ** with integer constants and the helpers exp, log, sqrt (defined below,
dispatching on the argument's type) appear, so every function works unchanged on
float, numpy arrays, mpmath mpf and python-flint arb.
"""

__all__ = ['gd_z_next', 'gd_J2_next', 'gd_zt_next', 'gd_J2t_next', 'invariant_term', 'invariant_2E', 'gf_z_rate', 'gf_J2_rate', 'gf_ntk_rate', 'gf_x_rate', 'gf_J2_of_x', 'gf_z_of_x_term', 'gf_log_term', 'planar_S', 'planar_R', 'planar_zt_next', 'planar_T_next', 'planar_J2t', 'planar_jacobian', 'sharpening_ntk_rate']


def _elementary(name):
    """The elementary function `name`, dispatched on its argument's type.

    mpmath numbers use mpmath (at the caller's working precision), python-flint
    arb/acb balls use their own method, numpy arrays and scalars use numpy, and
    anything else (int, float, Fraction) uses the math module.
    """
    import math

    scalar = getattr(math, name)

    def fn(x):
        module = type(x).__module__
        if module.startswith("mpmath"):
            import mpmath
            return getattr(mpmath, name)(x)
        if module.startswith("flint"):
            return getattr(x, name)()
        if module.startswith("numpy"):
            import numpy
            return getattr(numpy, name)(x)
        return scalar(x)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"{name}(x) for float, numpy, mpmath mpf and python-flint arb arguments."
    return fn


exp = _elementary("exp")
log = _elementary("log")
sqrt = _elementary("sqrt")


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


# --- The invariant Σ J(ω_i)²/ω_i − 2z = 2E (invariants) ---


def invariant_term(omega, J2):
    """One mode's term J(ω_i)²/ω_i of the invariant (skip modes with ω_i = 0). Source: derived here."""
    return (J2)/(omega)


def invariant_2E(z, Minv):
    """The invariant I = Σ_{ω_i≠0} J(ω_i)²/ω_i − 2z; it equals 2E at every θ. Source: derived here."""
    return Minv - 2*z


# --- Gradient flow: rates, sign of z, integrability (flow) ---


def gf_z_rate(eta, z, M0):
    """GF: ż = −ηλz, λ = Σ J(ω_i)². Source: derived here (paper §2.2)."""
    return -M0*z*eta


def gf_J2_rate(eta, z, omega, J2):
    """GF: dJ(ω_i)²/dt for one mode. Source: derived here (paper §2.2)."""
    return -2*omega*z*J2*eta


def gf_ntk_rate(eta, z, M1):
    """GF: dλ/dt = −2ηz Σ ω_i J(ω_i)². Source: derived here (paper §2.2)."""
    return -2*M1*z*eta


def gf_x_rate(eta, z):
    """GF: the integrating variable x = η∫z has ẋ = ηz. Source: derived here."""
    return z*eta


def gf_J2_of_x(J20, omega, x):
    """GF solution of one mode in terms of x = η∫z. Source: derived here."""
    return (J20)/(exp(2*omega*x))


def gf_z_of_x_term(J20, omega, x):
    """One mode's term of z(x) = Σ_{ω_i≠0} term_i − E (needs ω_i ≠ 0). Source: derived here."""
    return (J20)/(2*omega*exp(2*omega*x))


def gf_log_term(omega, J2):
    """ln J(ω_i)²/ω_i: its pairwise differences are GF invariants (J, ω ≠ 0). Source: derived here."""
    return (log(J2))/(omega)


# --- Two dimensions: the map of the plane (z̃, T) (planar) ---


def planar_S(zt, T, a, b, Et):
    """S = Σ ω_i J̃(ω_i)² for P = 2 after eliminating the modes. Source: derived here."""
    return T*a - 2*Et*b - 2*b*zt


def planar_R(zt, T, a, b, Et):
    """R = Σ ω_i² J̃(ω_i)² for P = 2 after eliminating the modes. Source: derived here."""
    return T*a**2 - T*b - 2*Et*a*b - 2*a*b*zt


def planar_zt_next(zt, T, a, b, Et):
    """2-D GD map: z̃' from (z̃, T). Source: derived here."""
    return (zt*(2 - 2*T - 2*b*zt**2 + T*a*zt - 2*Et*b*zt))/(2)


def planar_T_next(zt, T, a, b, Et):
    """2-D GD map: T' = ηλ' from (z̃, T). Source: derived here."""
    return T + 4*b*zt**2 + T*a**2*zt**2 - T*b*zt**2 - 2*T*a*zt - 2*a*b*zt**3 + 4*Et*b*zt - 2*Et*a*b*zt**2


def planar_J2t(zt, T, w1, w2, Et):
    """The two modes (J̃(ω₁)², J̃(ω₂)²) recovered from (z̃, T); admissible iff both ≥ 0. Source: derived here."""
    return (
        (-w1*(-T + 2*Et*w2 + 2*w2*zt))/(w1 - w2),
        (w2*(-T + 2*Et*w1 + 2*w1*zt))/(w1 - w2),
    )


def planar_jacobian(zt, T, a, b, Et):
    """Jacobian of the 2-D map: (∂z̃'/∂z̃, ∂z̃'/∂T, ∂T'/∂z̃, ∂T'/∂T). Source: derived here."""
    return (
        1 - T - 3*b*zt**2 + T*a*zt - 2*Et*b*zt,
        (zt*(-2 + a*zt))/(2),
        -2*T*a + 4*Et*b + 8*b*zt - 6*a*b*zt**2 - 2*T*b*zt + 2*T*zt*a**2 - 4*Et*a*b*zt,
        1 + a**2*zt**2 - b*zt**2 - 2*a*zt,
    )


# --- Progressive sharpening in the paper's example (sharpening) ---


def sharpening_ntk_rate(eta, z, omega, J20, x):
    """dλ/dt under GF in the paper's example ω = (−ω, ω), J(ω₁)² = J(ω₂)² = J₀² at t = 0. Source: derived here (paper §2.2 example)."""
    return (2*omega*z*J20*eta*(-1 + exp(4*omega*x)))/(exp(2*omega*x))


# --- The linear model: constant NTK (linear) ---
