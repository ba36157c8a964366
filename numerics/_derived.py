"""DO NOT EDIT: regenerate with `sorm derive`.

Formulas derived by sympy in ``theory/``; see docs/derived.md for the derivations.
Only + - * / ** with integer constants and the helpers exp, log, sqrt (defined below,
dispatching on the argument's type) appear, so every function works unchanged on
float, numpy arrays, mpmath mpf and python-flint arb.
"""

__all__ = ['gd_z_next', 'gd_J2_next', 'gd_zt_next', 'gd_J2t_next', 'invariant_term', 'invariant_2E', 'gf_z_rate', 'gf_J2_rate', 'gf_ntk_rate', 'gf_x_rate', 'gf_J2_of_x', 'gf_z_of_x_term', 'gf_log_term', 'planar_S', 'planar_R', 'planar_zt_next', 'planar_T_next', 'planar_J2t', 'planar_jacobian', 'sharpening_ntk_rate', 'eos_s', 'eos_r', 'eos_k', 'eos_leading_radicand', 'eos_H2', 'eos_H3', 'eos_H4', 'eos_H5', 'p2_one_mode_map', 'p2_orbit', 'p2_multiplier', 'cat_ntk_map', 'cat_divergence_bound', 'cat_end', 'cat_loss_growth', 'hd_z_next', 'hd_invariant', 'hd_top_dzt', 'hd_top_dy', 'opt_gd_zeta1', 'opt_gd_mode', 'opt_gd_scalars', 'opt_gd_edge', 'opt_gd_flip', 'opt_sam_zeta1', 'opt_sam_zeta2', 'opt_sam_mode', 'opt_sam_scalars', 'opt_sam_edge', 'opt_sam_flip', 'opt_sam_rhot', 'opt_heavy_ball_zeta1', 'opt_heavy_ball_mode', 'opt_heavy_ball_scalars', 'opt_heavy_ball_edge', 'opt_heavy_ball_flip', 'opt_heavy_ball_beta', 'opt_nesterov_zeta1', 'opt_nesterov_mode', 'opt_nesterov_scalars', 'opt_nesterov_edge', 'opt_nesterov_flip', 'opt_nesterov_beta', 'opt_sam_planar', 'cf_hessian', 'cf_grad_sharpness_term', 'cf_sigma2', 'cf_predicted_loss', 'pgd_multiplier']


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
    """GF: ż = −ηλz, λ = Σ J(ω_i)². Source: derived here (paper §2)."""
    return -M0*z*eta


def gf_J2_rate(eta, z, omega, J2):
    """GF: dJ(ω_i)²/dt for one mode. Source: derived here (paper §2)."""
    return -2*omega*z*J2*eta


def gf_ntk_rate(eta, z, M1):
    """GF: dλ/dt = −2ηz Σ ω_i J(ω_i)². Source: derived here (paper §2)."""
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
    """dλ/dt under GF in the paper's example ω = (−ω, ω), J(ω₁)² = J(ω₂)² = J₀² at t = 0. Source: derived here (paper §2 example)."""
    return (2*omega*z*J20*eta*(-1 + exp(4*omega*x)))/(exp(2*omega*x))


# --- The linear model: constant NTK (linear) ---


# --- The edge of stability: normal form and formal invariant (normal_form) ---


def eos_s(a, b, Et):
    """s = S at the edge point (z̃, T) = (0, 2). Source: derived here."""
    return 2*a - 2*Et*b


def eos_r(a, b, Et):
    """r = R at the edge point (z̃, T) = (0, 2). Source: derived here."""
    return -2*b + 2*a**2 - 2*Et*a*b


def eos_k(a, b, Et):
    """k = 2r − s² = 4 Var_p(ω), p_i = J̃(ω_i)²/2 at (0, 2). Source: derived here."""
    return 4*b*(-1 + Et*a - b*Et**2)


def eos_leading_radicand(zt, T, a, b, Et):
    """ỹ² + (k/2) z̃² with ỹ = T − 2 − s z̃; leading order T_∞ = 2 − sqrt(radicand). Source: derived here."""
    return 4 + T**2 - 4*T - 2*b*zt**2 + 4*a**2*zt**2 + 8*a*zt - 8*Et*b*zt - 4*T*a*zt + 2*Et**2*b**2*zt**2 - 6*Et*a*b*zt**2 + 4*Et*T*b*zt


def eos_H2(a, b, Et):
    """Coefficients of H_2 = Σ_j c_j z̃^j y^(2−j), j = 0..2, y = T − 2 (formal invariant of the two-step map; normalisation pure_y). Source: derived here."""
    return (
        2,
        -8*a + 8*Et*b,
        -4*b + 8*a**2 + 4*Et**2*b**2 - 12*Et*a*b,
    )


def eos_H3(a, b, Et):
    """Coefficients of H_3 = Σ_j c_j z̃^j y^(3−j), j = 0..3, y = T − 2 (formal invariant of the two-step map; normalisation pure_y). Source: derived here."""
    return (
        (-8*a**2 - 4*b - 16*Et**2*b**2 + 22*Et*a*b)/(3*b*(-1 + Et*a - b*Et**2)),
        (16*a**3 - 28*Et**3*b**3 - 4*Et*b**2 + 8*a*b - 60*Et*b*a**2 + 72*a*Et**2*b**2)/(b*(-1 + Et*a - b*Et**2)),
        (-8*(a - Et*b)*(4*a**3 + Et*b**2 + a*b - 5*Et**3*b**3 - 14*Et*b*a**2 + 15*a*Et**2*b**2))/(b*(-1 + Et*a - b*Et**2)),
        (4*(a - Et*b)*(3*b**2 + 16*a**4 - 10*Et**2*b**3 - 4*b*a**2 + 11*Et**4*b**4 - 64*Et*b*a**3 - 54*a*Et**3*b**3 + 14*Et*a*b**2 + 91*Et**2*a**2*b**2))/(3*b*(-1 + Et*a - b*Et**2)),
    )


def eos_H4(a, b, Et):
    """Coefficients of H_4 = Σ_j c_j z̃^j y^(4−j), j = 0..4, y = T − 2 (formal invariant of the two-step map; normalisation pure_y). Source: derived here."""
    return (
        0,
        (2*Et*(b + 4*a**2 + 7*Et**2*b**2 - 10*Et*a*b))/(-1 + Et*a - b*Et**2),
        (-8*a**2 - 2*b - 36*Et*a**3 - 7*Et**2*b**2 + 55*Et**4*b**3 - 144*a*Et**3*b**2 + 9*Et*a*b + 124*b*Et**2*a**2)/(-1 + Et*a - b*Et**2),
        (40*a**3 - 64*Et**3*b**3 - 6*Et*b**2 + 8*a*b + 38*Et**5*b**4 + 40*Et*a**4 - 168*a*Et**4*b**3 - 168*b*Et**2*a**3 - 124*Et*b*a**2 + 148*a*Et**2*b**2 + 258*Et**3*a**2*b**2)/(-1 + Et*a - b*Et**2),
        (-80*a**4 + 4*b**2 - 58*Et**4*b**4 - 16*Et*a**5 + 11*b*a**2 + 13*Et**6*b**5 + 29*Et**2*b**3 - 416*Et**2*a**2*b**2 - 178*Et**3*a**3*b**2 - 76*a*Et**5*b**4 - 38*Et*a*b**2 + 87*b*Et**2*a**4 + 170*Et**4*a**2*b**3 + 262*a*Et**3*b**3 + 294*Et*b*a**3)/(-2 - 2*b*Et**2 + 2*Et*a),
    )


def eos_H5(a, b, Et):
    """Coefficients of H_5 = Σ_j c_j z̃^j y^(5−j), j = 0..5, y = T − 2 (formal invariant of the two-step map; normalisation pure_y). Source: derived here."""
    return (
        (88*b**3 + 384*a**6 + 650*a**2*b**2 + 732*b*a**4 + 1116*Et**2*b**4 + 3330*Et**4*b**5 + 3742*Et**6*b**6 - 24074*Et**3*a**3*b**3 - 15360*a*Et**5*b**5 - 9297*a*Et**3*b**4 - 4408*Et*a**3*b**2 - 3372*Et*b*a**5 - 1707*Et*a*b**3 + 9691*Et**2*a**2*b**3 + 12350*Et**2*a**4*b**2 + 26336*Et**4*a**2*b**4)/(90*b**3*(-1 + Et*a - b*Et**2)**3),
        (-384*a**7 - 732*b*a**5 - 650*a**3*b**2 - 88*a*b**3 + 79*Et*b**4 + 1035*Et**3*b**5 + 3195*Et**5*b**6 + 3679*Et**7*b**7 - 50248*Et**4*a**3*b**4 - 18886*a*Et**6*b**6 - 15722*Et**2*a**5*b**2 - 14027*Et**2*a**3*b**3 - 12303*a*Et**4*b**5 - 2715*a*Et**2*b**4 + 2321*Et*a**2*b**3 + 3756*Et*b*a**6 + 5140*Et*a**4*b**2 + 18727*Et**3*a**2*b**4 + 36388*Et**3*a**4*b**3 + 41417*Et**5*a**2*b**5)/(9*b**3*(-1 + Et*a - b*Et**2)**3),
        (-35*b**4 + 1536*a**8 - 232*Et**2*b**5 + 63*a**2*b**3 + 1782*Et**4*b**6 + 2234*a**4*b**2 + 2736*b*a**6 + 8848*Et**6*b**7 + 12629*Et**8*b**8 - 340447*Et**5*a**3*b**5 - 200525*Et**3*a**5*b**3 - 111421*Et**3*a**3*b**4 - 79863*a*Et**7*b**7 - 46878*a*Et**5*b**6 - 21436*Et*a**5*b**2 - 16368*Et*b*a**7 - 9373*Et*a**3*b**3 - 8751*a*Et**3*b**5 + 144*Et*a*b**4 + 14066*Et**2*a**2*b**4 + 67851*Et**2*a**4*b**3 + 76034*Et**2*a**6*b**2 + 100297*Et**4*a**2*b**5 + 219050*Et**6*a**2*b**6 + 327954*Et**4*a**4*b**4)/(9*b**3*(-1 + Et*a - b*Et**2)**3),
        (-3072*a**9 - 4704*b*a**7 - 3249*Et**5*b**7 - 3004*a**5*b**2 - 1873*Et**3*b**6 - 129*Et*b**5 + 156*a*b**4 + 958*a**3*b**3 + 5181*Et**7*b**8 + 18206*Et**9*b**9 - 953854*Et**4*a**5*b**4 - 939831*Et**6*a**3*b**6 - 264866*Et**4*a**3*b**5 - 176524*Et**2*a**7*b**2 - 141411*a*Et**8*b**8 - 135962*Et**2*a**5*b**3 - 47742*a*Et**6*b**7 - 16086*Et**2*a**3*b**4 - 3837*Et*a**2*b**4 + 4174*Et**3*a**2*b**5 + 4824*a*Et**2*b**5 + 5937*a*Et**4*b**6 + 12246*Et*a**4*b**3 + 35040*Et*b*a**8 + 39368*Et*a**6*b**2 + 158024*Et**5*a**2*b**6 + 250701*Et**3*a**4*b**4 + 480649*Et**7*a**2*b**7 + 514342*Et**3*a**6*b**3 + 1166455*Et**5*a**4*b**5)/(9*b**3*(-1 + Et*a - b*Et**2)**3),
        (30*b**5 + 3072*a**10 - 5514*Et**6*b**8 - 5094*Et**8*b**9 - 1972*a**4*b**3 - 784*Et**4*b**7 + 36*a**2*b**4 + 369*Et**2*b**6 + 1096*a**6*b**2 + 3552*b*a**8 + 10817*Et**10*b**10 - 1755065*Et**5*a**5*b**5 - 1056538*Et**7*a**3*b**7 - 623612*Et**3*a**7*b**3 - 192284*Et**3*a**5*b**4 - 103409*a*Et**9*b**9 - 92692*Et**5*a**3*b**6 - 51974*Et**4*a**2*b**6 - 36960*Et*b*a**9 - 30032*Et*a**7*b**2 - 15336*Et**2*a**4*b**4 - 10836*Et**2*a**2*b**5 - 580*Et*a**5*b**3 - 417*Et*a*b**5 + 488*Et**6*a**2*b**7 + 5728*a*Et**3*b**6 + 7864*Et*a**3*b**4 + 17736*a*Et**7*b**8 + 27690*a*Et**5*b**7 + 44618*Et**3*a**3*b**5 + 104644*Et**2*a**6*b**3 + 193682*Et**4*a**4*b**5 + 198280*Et**2*a**8*b**2 + 433918*Et**8*a**2*b**8 + 1271744*Et**4*a**6*b**4 + 1657753*Et**6*a**4*b**6)/(9*b**3*(-1 + Et*a - b*Et**2)**3),
        (-6144*a**11 - 15920*Et**9*b**10 - 4032*b*a**9 - 1374*Et**7*b**9 - 1045*a**3*b**4 - 240*Et*b**6 + 150*a*b**5 + 1225*Et**3*b**7 + 1360*a**7*b**2 + 4088*Et**5*b**8 + 4392*a**5*b**3 + 11117*Et**11*b**11 - 5119189*Et**6*a**5*b**6 - 3175281*Et**4*a**7*b**4 - 1961499*Et**8*a**3*b**8 - 503058*Et**5*a**4*b**6 - 433520*Et**2*a**9*b**2 - 359234*Et**7*a**2*b**8 - 203440*Et**3*a**4*b**5 - 128415*a*Et**10*b**10 - 125590*Et**5*a**2*b**7 - 77736*Et**2*a**7*b**3 - 21848*Et*a**6*b**3 - 17220*Et*a**4*b**4 - 8880*a*Et**4*b**7 - 4155*a*Et**2*b**6 - 3030*Et**3*a**2*b**6 + 3975*Et*a**2*b**5 + 20650*Et**2*a**3*b**5 + 29728*Et*a**8*b**2 + 31098*a*Et**6*b**8 + 47452*Et**3*a**6*b**4 + 76992*Et*b*a**10 + 98014*Et**2*a**5*b**4 + 117978*a*Et**8*b**9 + 188080*Et**4*a**5*b**5 + 221780*Et**4*a**3*b**6 + 576742*Et**6*a**3*b**7 + 655991*Et**9*a**2*b**9 + 1446584*Et**3*a**8*b**3 + 3824835*Et**7*a**4*b**7 + 4808529*Et**5*a**6*b**5)/(45*b**3*(-1 + Et*a - b*Et**2)**3),
    )


# --- k = 0: one active mode, no self-stabilization, the period-2 orbit (period2) ---


def p2_one_mode_map(u, e):
    """One-mode GD step of u = ωz̃ with e = ωẼ (T = 2(u + e)). Source: derived here."""
    return u*(1 + u**2 - 2*e - 2*u + e*u)


def p2_orbit(e):
    """Period-2 orbit (u₊, u₋) of the one-mode map, real for e > 1; T_± = 2(u_± + e). Source: derived here."""
    return (
        (1 + sqrt((-1 + e)*(3 + e)) - e)/(2),
        (1 - e - sqrt((-1 + e)*(3 + e)))/(2),
    )


def p2_multiplier(e):
    """Multiplier g'(u₊)g'(u₋) of the period-2 orbit. Source: derived here."""
    return 7 - 4*e - 2*e**2


# --- The catapult with one active mode: bounds and how Ẽ moves them (catapult) ---


def cat_ntk_map(T, e):
    """One active mode (k = 0): GD's map of T = ηλ, e = ωẼ. Source: derived here."""
    return (T*(2 - T + 2*e)**2)/(4)


def cat_divergence_bound(e):
    """Above T = 4 + 2e GD's NTK grows geometrically (diverges); e = 0: ηλ₀ = 4 (Lewkowycz et al. 2020; Zhu et al. 2022's η_max = 4/λ₀). Source: derived here."""
    return 4 + 2*e


def cat_end(e):
    """Where a converging one-mode run ends: T = 2e (attracting for 0 < e < 1). Source: derived here."""
    return 2*e


def cat_loss_growth(T, e):
    """(u₁/u₀)² − 1 at T₀ = T: positive iff the first GD step raises the loss. Source: derived here."""
    return (T*(4 - T + 2*e)*(-8 - T**2 + 4*T + 2*T*e))/(16)


# --- Many data points: GD step, invariant, top-mode normal form (highdim) ---


def hd_z_next(eta, z, Jg, gQg):
    """Exact GD step of one residual z_α of the many-datapoint model, from J_α g and gᵀQ_α g. Source: derived here (docs/theory.md §6 update)."""
    return (2*z + gQg*eta**2 - 2*Jg*eta)/(2)


def hd_invariant(JQinvJ, z):
    """Per-datapoint invariant J_α Q_α⁻¹ J_αᵀ − 2z_α (= G_αᵀQ_α⁻¹G_α + 2y_α at every θ). Source: derived here (docs/theory.md §6)."""
    return JQinvJ - 2*z


def hd_top_dzt(zt, y, s):
    """Two-step change of z̃ = η vᵀz along the top NTK eigenvector at order 2, s = η j Q_v jᵀ. Source: derived here (docs/theory.md §5 form, generic spectrum)."""
    return 2*zt*(y - s*zt)


def hd_top_dy(zt, y, s, r):
    """Two-step change of y = ηλ_max − 2 at order 2, s = η j Q_v jᵀ, r = η‖Q_v jᵀ‖². Source: derived here (docs/theory.md §5 form, generic spectrum)."""
    return zt*(-zt*s**2 - 2*r*zt + 2*s*y)


# --- Other optimizers: SAM, heavy ball and Nesterov as data (optimizers) ---


def opt_gd_zeta1(zt):
    """gradient descent: η-rescaled residual ζ̃1 at gradient point 1. Source: derived here."""
    return zt


def opt_gd_mode(zeta1, omega, J2):
    """gradient descent: one mode's η-rescaled moments (J̃²) after one step. Source: derived here."""
    return (
        J2*(1 + omega**2*zeta1**2 - 2*omega*zeta1),
    )


def opt_gd_scalars(zt, zeta1, M0, M1):
    """gradient descent: η-rescaled scalars (zt) after one step. Source: derived here."""
    return (
        (2*zt + M1*zeta1**2 - 2*M0*zeta1)/(2),
    )


def opt_gd_edge():
    """gradient descent: the edge of stability T* = ηλ* (flip of the fixed set). Source: derived here."""
    return 2


def opt_gd_flip(T):
    """gradient descent: p(−1) of the fixed set's flipping factor; its root T > 0 is the edge. Source: derived here."""
    return -2 + T


def opt_sam_zeta1(zt, rhot):
    """SAM (unnormalized): η-rescaled residual ζ̃1 at gradient point 1. Source: derived here."""
    return zt


def opt_sam_zeta2(zt, zeta1, M0, M1, rhot):
    """SAM (unnormalized): η-rescaled residual ζ̃2 at gradient point 2. Source: derived here."""
    return (2*zt + M1*zeta1**2*rhot**2 + 2*M0*zeta1*rhot)/(2)


def opt_sam_mode(zeta1, zeta2, omega, J2, rhot):
    """SAM (unnormalized): one mode's η-rescaled moments (J̃²) after one step. Source: derived here."""
    return (
        J2*(1 + omega**2*zeta2**2 - 2*omega*zeta2 + omega**4*zeta1**2*zeta2**2*rhot**2 - 2*zeta1*zeta2*rhot*omega**2 + 2*zeta1*rhot*omega**3*zeta2**2),
    )


def opt_sam_scalars(zt, zeta1, zeta2, M0, M1, M2, M3, rhot):
    """SAM (unnormalized): η-rescaled scalars (zt) after one step. Source: derived here."""
    return (
        (2*zt + M1*zeta2**2 - 2*M0*zeta2 + M3*zeta1**2*zeta2**2*rhot**2 - 2*M1*zeta1*zeta2*rhot + 2*M2*zeta1*rhot*zeta2**2)/(2),
    )


def opt_sam_edge(rhot):
    """SAM (unnormalized): the edge of stability T* = ηλ* (flip of the fixed set). Source: derived here."""
    return (4)/(1 + sqrt(1 + 8*rhot))


def opt_sam_flip(T, rhot):
    """SAM (unnormalized): p(−1) of the fixed set's flipping factor; its root T > 0 is the edge. Source: derived here."""
    return -2 + T + rhot*T**2


def opt_sam_rhot(eta, rho):
    """SAM (unnormalized): the η-rescaled hyper-parameter ρ̃ from ρ (the power of η that removes η from the map). Source: derived here."""
    return (rho)/(eta)


def opt_heavy_ball_zeta1(zt, ct, zpt, beta):
    """heavy-ball momentum: η-rescaled residual ζ̃1 at gradient point 1. Source: derived here."""
    return zt


def opt_heavy_ball_mode(zeta1, omega, J2, K, L, beta):
    """heavy-ball momentum: one mode's η-rescaled moments (J̃², K̃, L̃) after one step. Source: derived here."""
    return (
        J2 + J2*beta**2 + L*beta**2 - 2*K*beta - 2*K*beta**2 + 2*J2*beta + J2*omega**2*zeta1**2 - 2*J2*omega*zeta1 - 2*J2*omega*zeta1*beta + 2*K*omega*zeta1*beta,
        J2 + J2*beta - K*beta - J2*omega*zeta1,
        J2,
    )


def opt_heavy_ball_scalars(zt, ct, zpt, zeta1, M0, M1, N0, beta):
    """heavy-ball momentum: η-rescaled scalars (zt, ct, zpt) after one step. Source: derived here."""
    return (
        (2*zt + M1*zeta1**2 - 4*ct*beta - 4*ct*beta**2 - 2*M0*zeta1 + 2*zpt*beta**2 + 2*zt*beta**2 + 4*zt*beta - 2*M0*zeta1*beta + 2*N0*zeta1*beta)/(2),
        (2*zt - M0*zeta1 - 2*ct*beta + 2*zt*beta)/(2),
        zt,
    )


def opt_heavy_ball_edge(beta):
    """heavy-ball momentum: the edge of stability T* = ηλ* (flip of the fixed set). Source: Cohen et al. 2023 (momentum thresholds); derived here."""
    return 2 + 2*beta


def opt_heavy_ball_flip(T, beta):
    """heavy-ball momentum: p(−1) of the fixed set's flipping factor; its root T > 0 is the edge. Source: derived here."""
    return 2 - T + 2*beta


def opt_heavy_ball_beta(eta, beta):
    """heavy-ball momentum: the η-rescaled hyper-parameter β from β (the power of η that removes η from the map). Source: derived here."""
    return beta


def opt_nesterov_zeta1(zt, ct, zpt, beta):
    """Nesterov momentum: η-rescaled residual ζ̃1 at gradient point 1. Source: derived here."""
    return zt + zpt*beta**2 + zt*beta**2 - 2*ct*beta - 2*ct*beta**2 + 2*zt*beta


def opt_nesterov_mode(zeta1, omega, J2, K, L, beta):
    """Nesterov momentum: one mode's η-rescaled moments (J̃², K̃, L̃) after one step. Source: derived here."""
    return (
        J2 + J2*beta**2 + L*beta**2 - 2*K*beta - 2*K*beta**2 + 2*J2*beta + J2*omega**2*zeta1**2 - 2*J2*omega*zeta1 + J2*omega**2*zeta1**2*beta**2 + L*omega**2*zeta1**2*beta**2 - 4*J2*omega*zeta1*beta - 2*J2*omega*zeta1*beta**2 - 2*K*beta*omega**2*zeta1**2 - 2*K*omega**2*zeta1**2*beta**2 - 2*L*omega*zeta1*beta**2 + 2*J2*beta*omega**2*zeta1**2 + 4*K*omega*zeta1*beta + 4*K*omega*zeta1*beta**2,
        J2 + J2*beta - K*beta - J2*omega*zeta1 + K*omega*zeta1*beta - J2*omega*zeta1*beta,
        J2,
    )


def opt_nesterov_scalars(zt, ct, zpt, zeta1, L0, L1, M0, M1, N0, N1, beta):
    """Nesterov momentum: η-rescaled scalars (zt, ct, zpt) after one step. Source: derived here."""
    return (
        (2*zt + M1*zeta1**2 - 4*ct*beta - 4*ct*beta**2 - 2*M0*zeta1 + 2*zpt*beta**2 + 2*zt*beta**2 + 4*zt*beta + L1*zeta1**2*beta**2 + M1*zeta1**2*beta**2 - 4*M0*zeta1*beta - 2*L0*zeta1*beta**2 - 2*M0*zeta1*beta**2 - 2*N1*beta*zeta1**2 - 2*N1*zeta1**2*beta**2 + 2*M1*beta*zeta1**2 + 4*N0*zeta1*beta + 4*N0*zeta1*beta**2)/(2),
        (2*zt - M0*zeta1 - 2*ct*beta + 2*zt*beta + N0*zeta1*beta - M0*zeta1*beta)/(2),
        zt,
    )


def opt_nesterov_edge(beta):
    """Nesterov momentum: the edge of stability T* = ηλ* (flip of the fixed set). Source: Cohen et al. 2023 (momentum thresholds); derived here."""
    return (2 + 2*beta)/(1 + 2*beta)


def opt_nesterov_flip(T, beta):
    """Nesterov momentum: p(−1) of the fixed set's flipping factor; its root T > 0 is the edge. Source: derived here."""
    return 2 - T + 2*beta - 2*T*beta


def opt_nesterov_beta(eta, beta):
    """Nesterov momentum: the η-rescaled hyper-parameter β from β (the power of η that removes η from the map). Source: derived here."""
    return beta


def opt_sam_planar(zt, T, a, b, Et, rhot):
    """SAM's η-rescaled 2-D map: (z̃', T') from (z̃, T), a = ω₁+ω₂, b = ω₁ω₂, Ẽ, ρ̃ = ρ/η. Source: derived here."""
    return (
        (zt*(8 - 8*T - 8*b*zt**2 - 8*rhot*T**2 - 24*b**3*zt**6*rhot**4 - 16*b**2*zt**4*rhot**3 - 8*Et*b*zt + 4*T*a*zt + 8*b**4*zt**8*rhot**6 + 16*b*rhot*zt**2 + 24*b**2*zt**4*rhot**2 + T**3*a**5*zt**5*rhot**6 - 56*Et*b**3*zt**5*rhot**4 - 40*Et**2*b**3*zt**4*rhot**4 - 32*Et*b**2*zt**3*rhot**3 - 24*T*b*rhot*zt**2 - 24*T*b**3*zt**6*rhot**5 - 24*b*T**2*zt**2*rhot**2 - 16*a*b*rhot*zt**3 - 16*a*b**3*zt**7*rhot**5 - 16*Et**2*b**2*zt**2*rhot**3 - 12*a*zt*T**2*rhot**2 - 8*T*a*zt*rhot - 8*b*T**3*zt**2*rhot**3 - 8*b*a**2*zt**4*rhot**2 - 8*Et**3*b**3*zt**3*rhot**4 - 8*a**2*b**3*zt**8*rhot**6 - 4*T**2*a**2*zt**2*rhot**3 + 4*T*a**3*zt**3*rhot**2 + 4*a*zt*T**3*rhot**2 + 4*T**2*a**4*zt**4*rhot**4 + 6*T**3*a**4*zt**4*rhot**5 + 8*T*rhot*a**2*zt**2 + 8*a*zt*rhot*T**2 + 8*Et**3*b**4*zt**5*rhot**6 + 12*T**3*a**2*zt**2*rhot**3 + 13*T**3*a**3*zt**3*rhot**4 + 16*Et*b*zt*rhot + 16*Et**2*b**2*zt**2*rhot**2 + 16*T**2*a**3*zt**3*rhot**3 + 16*a**2*b**2*zt**6*rhot**4 + 20*T**2*a**2*zt**2*rhot**2 + 24*Et*b**4*zt**7*rhot**6 + 24*T*b*zt**2*rhot**2 + 24*Et**2*b**4*zt**6*rhot**6 + 24*T**2*b**2*zt**4*rhot**4 + 32*a*b**2*zt**5*rhot**3 + 40*Et*b**2*zt**3*rhot**2 + 48*T*b**2*zt**4*rhot**3 - 56*T*a*b*zt**3*rhot**2 - 56*a*b*T**2*zt**3*rhot**3 - 54*b*T**2*a**2*zt**4*rhot**4 - 48*Et*T*b**3*zt**5*rhot**5 - 48*Et*a*b**3*zt**6*rhot**5 - 48*T*b*a**2*zt**4*rhot**3 - 48*a*Et**2*b**3*zt**5*rhot**5 - 28*b*T**2*a**3*zt**5*rhot**5 - 24*Et*a**2*b**3*zt**7*rhot**6 - 24*T*Et**2*b**3*zt**4*rhot**5 - 24*Et**2*a**2*b**3*zt**6*rhot**6 - 16*Et*T*b*zt*rhot - 16*Et*a*b*rhot*zt**2 - 16*T*a*b**3*zt**7*rhot**6 - 16*T*b*a**3*zt**5*rhot**4 - 16*a*b*T**3*zt**3*rhot**4 - 16*a*Et**3*b**3*zt**4*rhot**5 - 10*b*T**3*a**2*zt**4*rhot**5 - 8*Et*b*zt*T**2*rhot**2 - 8*Et*b*a**2*zt**3*rhot**2 - 8*Et**3*a**2*b**3*zt**5*rhot**6 - 6*b*T**2*a**4*zt**6*rhot**6 - 2*b*T**3*a**3*zt**5*rhot**6 + 10*T**2*a**2*b**2*zt**6*rhot**6 + 12*T*a**3*b**2*zt**7*rhot**6 + 16*T*a*b*zt**3*rhot**3 + 16*T*Et**2*b**2*zt**2*rhot**3 + 16*Et**2*a**2*b**2*zt**4*rhot**4 + 24*Et*T*b*zt*rhot**2 + 24*Et*T**2*b**2*zt**3*rhot**4 + 32*Et*a**2*b**2*zt**5*rhot**4 + 32*a*Et**2*b**2*zt**3*rhot**3 + 32*a*T**2*b**2*zt**5*rhot**5 + 40*T*a**2*b**2*zt**6*rhot**5 + 64*Et*T*b**2*zt**3*rhot**3 + 64*Et*a*b**2*zt**4*rhot**3 + 68*T*a*b**2*zt**5*rhot**4 - 48*Et*T*a*b*zt**2*rhot**2 - 48*Et*T*b*a**2*zt**3*rhot**3 - 46*Et*b*T**2*a**2*zt**3*rhot**4 - 32*Et*T*a*b**3*zt**6*rhot**6 - 32*Et*a*b*T**2*zt**2*rhot**3 - 28*Et*b*T**2*a**3*zt**4*rhot**5 - 16*Et*T*b*a**3*zt**4*rhot**4 - 16*T*a*Et**2*b**3*zt**5*rhot**6 - 6*Et*b*T**2*a**4*zt**5*rhot**6 + 10*Et*T**2*a**2*b**2*zt**5*rhot**6 + 12*T*Et**2*a**3*b**2*zt**5*rhot**6 + 16*Et*T*a*b*zt**2*rhot**3 + 24*Et*T*a**3*b**2*zt**6*rhot**6 + 32*Et*a*T**2*b**2*zt**4*rhot**5 + 40*T*Et**2*a**2*b**2*zt**4*rhot**5 + 44*T*a*Et**2*b**2*zt**3*rhot**4 + 80*Et*T*a**2*b**2*zt**5*rhot**5 + 112*Et*T*a*b**2*zt**4*rhot**4))/(8),
        (4*T + 16*b*zt**2 - 32*b**3*zt**6*rhot**3 - 16*b**2*zt**4*rhot**2 - 8*T*a*zt - 8*a*b*zt**3 - 4*T*b*zt**2 + 4*T*a**2*zt**2 + 16*Et*b*zt + 16*rhot*b**2*zt**4 + 16*b**4*zt**8*rhot**5 + T**3*a**6*zt**6*rhot**6 - 64*Et*b**3*zt**5*rhot**3 - 44*T*b**3*zt**6*rhot**4 - 40*a*b**3*zt**7*rhot**4 - 32*Et*b**2*zt**3*rhot**2 - 32*Et**2*b**3*zt**4*rhot**3 - 16*a*b**2*zt**5*rhot**3 - 16*b*rhot*a**2*zt**4 - 16*Et**2*b**2*zt**2*rhot**2 - 16*a**2*b**3*zt**8*rhot**5 - 12*T**2*a**2*zt**2*rhot**2 - 8*Et*a*b*zt**2 - 8*T*rhot*a**2*zt**2 - 8*T*b**2*zt**4*rhot**3 - 8*a*zt*rhot*T**2 - 8*b*rhot*T**2*zt**2 - 8*b*a**3*zt**5*rhot**2 - 8*T**2*b**3*zt**6*rhot**5 - 8*a**3*b**3*zt**9*rhot**6 - 4*b*T**3*zt**2*rhot**2 - 4*T**2*a**3*zt**3*rhot**3 + 4*T*a**4*zt**4*rhot**2 + 4*T*b**4*zt**8*rhot**6 + 4*T**2*a**5*zt**5*rhot**4 + 4*T**3*a**2*zt**2*rhot**2 + 4*T**3*b**2*zt**4*rhot**4 + 6*T**3*a**5*zt**5*rhot**5 + 8*T*rhot*a**3*zt**3 + 8*b*T**2*zt**2*rhot**2 + 8*rhot*T**2*a**2*zt**2 + 12*T**3*a**3*zt**3*rhot**3 + 13*T**3*a**4*zt**4*rhot**4 + 16*Et*rhot*b**2*zt**3 + 16*a*b*rhot*zt**3 + 16*a*b**4*zt**9*rhot**6 + 16*Et**3*b**4*zt**5*rhot**5 + 16*T**2*a**4*zt**4*rhot**3 + 16*a**3*b**2*zt**7*rhot**4 + 20*T**2*a**3*zt**3*rhot**2 + 24*T*b*rhot*zt**2 + 32*a*b**2*zt**5*rhot**2 + 32*T**2*b**2*zt**4*rhot**3 + 32*a**2*b**2*zt**6*rhot**3 + 44*T*b**2*zt**4*rhot**2 + 48*Et*b**4*zt**7*rhot**5 + 48*Et**2*b**4*zt**6*rhot**5 + T**3*a**2*b**2*zt**6*rhot**6 - 88*Et*a*b**3*zt**6*rhot**4 - 80*Et*T*b**3*zt**5*rhot**4 - 72*b*T**2*a**2*zt**4*rhot**3 - 64*T*a*b**3*zt**7*rhot**5 - 60*T*b*a**2*zt**4*rhot**2 - 58*b*T**2*a**3*zt**5*rhot**4 - 56*a*Et**2*b**3*zt**5*rhot**4 - 48*Et*a**2*b**3*zt**7*rhot**5 - 48*T*b*a**3*zt**5*rhot**3 - 48*Et**2*a**2*b**3*zt**6*rhot**5 - 44*a*b*T**2*zt**3*rhot**2 - 36*T*Et**2*b**3*zt**4*rhot**4 - 32*Et*a*b**2*zt**4*rhot**3 - 32*T*a*b*rhot*zt**3 - 29*b*T**3*a**2*zt**4*rhot**4 - 28*T*a**2*b**3*zt**8*rhot**6 - 28*b*T**2*a**4*zt**6*rhot**5 - 24*Et*a**3*b**3*zt**8*rhot**6 - 24*Et**2*a**3*b**3*zt**7*rhot**6 - 20*a*b*T**3*zt**3*rhot**3 - 16*Et*b*rhot*a**2*zt**3 - 16*T*b*a**4*zt**6*rhot**4 - 16*a*Et**2*b**2*zt**3*rhot**3 - 16*b*T**3*a**3*zt**5*rhot**5 - 16*Et**3*a**2*b**3*zt**5*rhot**5 - 8*Et*T*b**2*zt**3*rhot**3 - 8*Et*b*a**3*zt**4*rhot**2 - 8*Et*T**2*b**3*zt**5*rhot**5 - 8*a*Et**3*b**3*zt**4*rhot**4 - 8*Et**3*a**3*b**3*zt**6*rhot**6 - 6*b*T**2*a**5*zt**7*rhot**6 - 4*a*T**2*b**3*zt**7*rhot**6 - 3*b*T**3*a**4*zt**6*rhot**6 + 4*T*Et**2*b**4*zt**6*rhot**6 + 4*a*b*T**2*zt**3*rhot**3 + 4*a*T**3*b**2*zt**5*rhot**5 + 8*Et*T*b**4*zt**7*rhot**6 + 12*T*a**4*b**2*zt**8*rhot**6 + 16*Et*T*b*zt*rhot + 16*Et*a*b*rhot*zt**2 + 16*T*b*a**2*zt**4*rhot**3 + 16*a*Et**2*b**2*zt**3*rhot**2 + 16*a*Et**3*b**4*zt**6*rhot**6 + 16*Et**2*a**3*b**2*zt**5*rhot**4 + 16*T**2*a**3*b**2*zt**7*rhot**6 + 24*Et*T**2*b**2*zt**3*rhot**3 + 32*Et*a**3*b**2*zt**6*rhot**4 + 32*T*a*b*zt**3*rhot**2 + 32*Et**2*a**2*b**2*zt**4*rhot**3 + 40*Et*T*b**2*zt**3*rhot**2 + 40*T*a**3*b**2*zt**7*rhot**5 + 48*Et*a*b**2*zt**4*rhot**2 + 48*Et*a*b**4*zt**8*rhot**6 + 48*a*Et**2*b**4*zt**7*rhot**6 + 60*T**2*a**2*b**2*zt**6*rhot**5 + 64*Et*a**2*b**2*zt**5*rhot**3 + 72*a*T**2*b**2*zt**5*rhot**4 + 84*T*a**2*b**2*zt**6*rhot**4 + 96*T*a*b**2*zt**5*rhot**3 - 128*Et*T*a*b**3*zt**6*rhot**5 - 64*T*a*Et**2*b**3*zt**5*rhot**5 - 56*Et*T*a**2*b**3*zt**7*rhot**6 - 48*Et*T*b*a**2*zt**3*rhot**2 - 48*Et*T*b*a**3*zt**4*rhot**3 - 46*Et*b*T**2*a**3*zt**4*rhot**4 - 32*Et*b*T**2*a**2*zt**3*rhot**3 - 28*Et*b*T**2*a**4*zt**5*rhot**5 - 28*T*Et**2*a**2*b**3*zt**6*rhot**6 - 16*Et*T*a*b*rhot*zt**2 - 16*Et*T*b*a**4*zt**5*rhot**4 - 8*Et*a*b*T**2*zt**2*rhot**2 - 6*Et*b*T**2*a**5*zt**6*rhot**6 - 4*Et*a*T**2*b**3*zt**6*rhot**6 + 12*T*Et**2*a**4*b**2*zt**6*rhot**6 + 16*Et*T*b*a**2*zt**3*rhot**3 + 16*Et*T**2*a**3*b**2*zt**6*rhot**6 + 16*T*a*Et**2*b**2*zt**3*rhot**3 + 24*Et*T*a**4*b**2*zt**7*rhot**6 + 32*Et*T*a*b*zt**2*rhot**2 + 40*T*Et**2*a**3*b**2*zt**5*rhot**5 + 44*T*Et**2*a**2*b**2*zt**4*rhot**4 + 60*Et*T**2*a**2*b**2*zt**5*rhot**5 + 68*Et*a*T**2*b**2*zt**4*rhot**4 + 80*Et*T*a**3*b**2*zt**6*rhot**5 + 112*Et*T*a*b**2*zt**4*rhot**3 + 128*Et*T*a**2*b**2*zt**5*rhot**4)/(4),
    )


# --- Many data points: Hessian, sharpness gradient, central flow, projection (centralflow) ---


def cf_hessian(JtJ, zQ):
    """Loss Hessian entry (∇²L)_ij from (JᵀJ)_ij and (Σ_α z_α Q_α)_ij. Source: derived here."""
    return JtJ + zQ


def cf_grad_sharpness_term(Ju, Qu, uQu, J):
    """Term α of (∇S)_i = Σ_α [2(J_α u)(Q_α u)_i + (uᵀQ_α u)J_αi], S = uᵀ∇²L u, u fixed. Source: derived here."""
    return J*uQu + 2*Ju*Qu


def cf_sigma2(gLgS, gSgS):
    """σ² of the central flow with one unstable direction (keeps dS/dt = 0). Source: derived here (Cohen, Damian et al., ICLR 2025)."""
    return (-2*gLgS)/(gSgS)


def cf_predicted_loss(L, trSigma, eta):
    """Time-averaged GD loss the central flow predicts: L + ½ tr Σ·S at S = 2/η. Source: derived here (Cohen, Damian et al., ICLR 2025)."""
    return (trSigma + L*eta)/(eta)


def pgd_multiplier(S, gSgS, eta):
    """μ of the linearized projection θ − μ∇S on {S ≤ 2/η} (projected GD). Source: derived here (Damian, Nichani, Lee, ICLR 2023)."""
    return (-2 + S*eta)/(eta*gSgS)
