"""Gradient flow (GF) of the second-order regression model, derived with sympy.

Paper §2.1/§2 (docs/theory.md §2): θ̇ = −η z Q θ with z(θ) = ½ θᵀQθ − E. In the
eigenbasis of Q (eigenvalues ω_i) θ̇_i = −η z ω_i θ_i, and with J(ω_i) = ω_i θ_i and
the NTK λ = Σ_i J(ω_i)², the chain rule gives (derived here, for symbolic P)

    ż = −η λ z,      dJ(ω_i)²/dt = −2η z ω_i J(ω_i)²,      dλ/dt = −2η z Σ_i ω_i J(ω_i)².

z(t) = z(0) exp(−η ∫₀ᵗ λ) solves the first equation, so z never changes sign.
With x(t) = η ∫₀ᵗ z the flow integrates (derived here):

    J(ω_i)²(x) = J(ω_i)²(0) e^{−2ω_i x},   z(x) = ½ Σ_{ω_i≠0} J(ω_i)²(0) e^{−2ω_i x}/ω_i − E,

and ln J(ω_i)²/ω_i − ln J(ω_j)²/ω_j is constant for every pair of modes with
J ≠ 0 and ω ≠ 0. Symbols: η > 0 the flow scale, t ≥ 0 time, E the target.
"""
from __future__ import annotations

import sympy as sp

from . import gd_map
from .errors import check
from .formula import Formula, Section
from .symbols import J2, J20, J2_i, M0, M1, eta, i, j, omega, omega_i, t, theta, x, z

__all__ = ["theta_rate", "z_rate", "J2_rate", "ntk_rate", "z_solution", "z_solution_checks",
           "J2_of_x", "J2_of_x_checks", "J2_nonnegative", "z_of_x_term", "z_of_x_check", "log_invariant_rate", "section"]

_s = sp.Symbol("s", nonnegative=True)
#: λ(t) and x(t) as unknown real functions of time.
lam = sp.Function("lambda", real=True)
xf = sp.Function("x", real=True)


def theta_rate() -> sp.Expr:
    """θ̇_i = −η z ω_i θ_i: GF θ̇ = −η z Qθ in the eigenbasis (paper §2.1)."""
    return -eta * z * omega[i] * theta[i]


def _chain(f_of_theta: sp.Expr) -> sp.Expr:
    """d/dt f(θ_i) = f'(θ_i) θ̇_i, then θ_i² → J(ω_i)²/ω_i²."""
    rate = sp.expand(sp.diff(f_of_theta, theta[i]) * theta_rate())
    return sp.expand(rate.subs(theta[i] ** 2, J2[i] / omega[i] ** 2))


def z_rate() -> sp.Expr:
    """ż = Σ_i d/dt(½ ω_i θ_i²) = −η λ z, λ = Σ_i J(ω_i)² (derived here)."""
    return gd_map.moment_sum(_chain(omega[i] * theta[i] ** 2 / 2))


def J2_rate() -> sp.Expr:
    """dJ(ω_i)²/dt = d/dt (ω_i θ_i)² = −2η z ω_i J(ω_i)² (derived here)."""
    return sp.factor(_chain((omega[i] * theta[i]) ** 2))


def ntk_rate() -> sp.Expr:
    """dλ/dt = Σ_i dJ(ω_i)²/dt = −2η z Σ_i ω_i J(ω_i)² (derived here)."""
    return gd_map.moment_sum(J2_rate())


def z_solution() -> sp.Expr:
    """z(t) = z(0) exp(−η ∫₀ᵗ λ(s) ds), as a function of t (paper §2, derived here)."""
    z0 = sp.Symbol("z0", real=True)
    return z0 * sp.exp(-eta * sp.Integral(lam(_s), (_s, 0, t)))


def z_solution_checks() -> dict[str, bool]:
    """sympy's proofs that :func:`z_solution` is the solution of ż = −ηλz and keeps its sign.

    - ``ode``: d/dt z(t) + η λ(t) z(t) simplifies to 0 (verification by differentiation);
    - ``initial``: z(t = 0) = z(0);
    - ``dsolve``: dsolve of ż = −ηλ(t)z returns C·exp(−η∫λ), the same family;
    - ``factor_positive``: the factor exp(−η∫λ) is positive for real λ, so sign z(t) = sign z(0)
      (and z(t) = 0 for some t only if z(0) = 0).
    """
    zs = z_solution()
    z0 = sp.Symbol("z0", real=True)
    ode = sp.simplify(sp.diff(zs, t) + eta * lam(t) * zs) == 0
    initial = sp.simplify(zs.subs(t, 0) - z0) == 0
    f = sp.Function("zf")
    gen = sp.dsolve(sp.Eq(f(t).diff(t), -eta * lam(t) * f(t)), f(t)).rhs
    C1 = sp.Symbol("C1")
    ratio = sp.simplify(gen / (C1 * sp.exp(-eta * sp.Integral(lam(t), t))))
    # sympy does not infer that ∫₀ᵗ λ(s) ds is real; it is (λ real, real limits), so stand a real
    # symbol Λ in for it and ask whether the factor exp(−ηΛ) is positive.
    Lam = sp.Symbol("Lambda", real=True)
    factor = (zs / z0).subs(sp.Integral(lam(_s), (_s, 0, t)), Lam)
    return {"ode": ode, "initial": initial, "dsolve": ratio == 1, "factor_positive": factor.is_positive is True}


def J2_of_x() -> sp.Expr:
    """J(ω_i)² as a function of x = η∫z: J(ω_i)²(0) e^{−2ω_i x} (derived here)."""
    xs = sp.Symbol("xs", real=True)
    J = sp.Function("J2x")
    # dJ(ω_i)²/dt = −2ηzω_iJ² and dx/dt = ηz, so dJ(ω_i)²/dx = −2ω_i J(ω_i)².
    rate_x = sp.cancel(J2_rate().subs(J2[i], J(xs)) / (eta * z))
    sol = sp.dsolve(sp.Eq(J(xs).diff(xs), rate_x), J(xs), ics={J(0): J20}).rhs
    return sol.subs({xs: x, omega[i]: omega_i})


def J2_of_x_checks() -> bool:
    """J(ω_i)²(x(t)) with ẋ = ηz solves dJ(ω_i)²/dt = −2ηzω_iJ(ω_i)² and starts at J(ω_i)²(0)."""
    Jx = J2_of_x().subs(x, xf(t))
    lhs = sp.diff(Jx, t).subs(sp.Derivative(xf(t), t), eta * z)
    rhs = J2_rate().subs({J2[i]: Jx, omega[i]: omega_i})
    return sp.simplify(lhs - rhs) == 0 and sp.simplify(J2_of_x().subs(x, 0) - J20) == 0


def J2_nonnegative() -> bool:
    """J(ω_i)²(x) = J(ω_i)²(0)e^{−2ω_i x} ≥ 0 for real ω_i, x and J(ω_i)²(0) ≥ 0 (sympy assumptions)."""
    return J2_of_x().is_nonnegative is True


def z_of_x_term() -> sp.Expr:
    """One mode's term of z(x) = Σ_{ω_i≠0} J(ω_i)²(0)e^{−2ω_i x}/(2ω_i) − E (derived here).

    From the invariant Σ_{ω_i≠0} J(ω_i)²/ω_i − 2z = 2E (theory.invariants) with J(ω_i)²(x).
    """
    return J2_of_x() / (2 * omega_i)


def z_of_x_check() -> bool:
    """d/dt of Σ_i term_i(x(t)) − E equals ż = −ηλz with λ = Σ J(ω_i)²(x), by linearity per mode."""
    term = z_of_x_term().subs(x, xf(t))
    d_term = sp.diff(term, t).subs(sp.Derivative(xf(t), t), eta * z)
    # Summand of ż = −ηz Σ_i J(ω_i)²: per mode −ηz J(ω_i)²(x).
    J2x = J2_of_x().subs(x, xf(t))
    per_mode = (z_rate() / M0) * J2x  # z_rate = −ηzλ, so z_rate/λ is the per-unit-J² factor
    return sp.simplify(d_term - per_mode) == 0 and sp.simplify(z_rate() - (-eta * z * M0)) == 0


def log_invariant_rate() -> sp.Expr:
    """d/dt [ln J(ω_i)²/ω_i − ln J(ω_j)²/ω_j] for J ≠ 0, ω ≠ 0; sympy simplifies it to 0."""
    Ji, Jj = sp.Symbol("Ji", positive=True), sp.Symbol("Jj", positive=True)
    rate_i = J2_rate().subs(J2[i], Ji)
    rate_j = J2_rate().subs({J2[i]: Jj, omega[i]: omega[j]})
    expr = sp.diff(sp.log(Ji) / omega[i], Ji) * rate_i - sp.diff(sp.log(Jj) / omega[j], Jj) * rate_j
    return sp.simplify(expr)


def _checks() -> None:
    dz, dntk = z_rate(), ntk_rate()
    check(sp.expand(dz + eta * z * M0) == 0, f"dz/dt = {dz} is not −ηzM₀")
    check(sp.expand(dntk + 2 * eta * z * M1) == 0, f"dλ/dt = {dntk} is not −2ηzM₁")
    solution = z_solution_checks()
    check(all(solution.values()), f"z(t) = z(0)exp(−η∫λ) fails: {solution}")
    check(J2_of_x_checks(), "J(ω_i)²(x) does not solve its ODE")
    check(J2_nonnegative(), "J(ω_i)²(x) can be negative")
    check(z_of_x_check(), "z(x) does not solve its ODE")
    check(log_invariant_rate() == 0, "the log invariant changes under the flow")


def section() -> Section:
    _checks()
    flat = {omega[i]: omega_i, J2[i]: J2_i}
    formulas = (
        Formula("gf_z_rate", (eta, z, M0), z_rate(), "GF: ż = −ηλz, λ = Σ J(ω_i)².",
                "derived here (paper §2)", r"\dot z"),
        Formula("gf_J2_rate", (eta, z, omega_i, J2_i), J2_rate().subs(flat),
                "GF: dJ(ω_i)²/dt for one mode.", "derived here (paper §2)", r"\frac{dJ(\omega_i)^2}{dt}"),
        Formula("gf_ntk_rate", (eta, z, M1), ntk_rate(), "GF: dλ/dt = −2ηz Σ ω_i J(ω_i)².",
                "derived here (paper §2)", r"\frac{d\lambda}{dt}"),
        Formula("gf_x_rate", (eta, z), eta * z, "GF: the integrating variable x = η∫z has ẋ = ηz.",
                "derived here", r"\dot x"),
        Formula("gf_J2_of_x", (J20, omega_i, x), J2_of_x(), "GF solution of one mode in terms of x = η∫z.",
                "derived here", r"J(\omega_i)^2(x)"),
        Formula("gf_z_of_x_term", (J20, omega_i, x), z_of_x_term(),
                "One mode's term of z(x) = Σ_{ω_i≠0} term_i − E (needs ω_i ≠ 0).", "derived here",
                r"\frac{J(\omega_i)^2(x)}{2\omega_i}"),
        Formula("gf_log_term", (omega_i, J2_i), sp.log(J2_i) / omega_i,
                "ln J(ω_i)²/ω_i: its pairwise differences are GF invariants (J, ω ≠ 0).", "derived here",
                r"\frac{\ln J(\omega_i)^2}{\omega_i}"),
    )
    text = (
        "GF is θ̇ = −ηzQθ (paper §2.1), i.e. θ̇_i = −ηzω_iθ_i in the eigenbasis. The chain rule "
        "d/dt f(θ_i) = f'(θ_i)θ̇_i applied to ½ω_iθ_i² and (ω_iθ_i)², with θ_i² = J(ω_i)²/ω_i² and the sum over "
        "modes split into moments, gives the rates below.\n\n"
        "**z keeps its sign** (paper §2; proved here): z(t) = z(0)·exp(−η∫₀ᵗλ(s)ds) satisfies ż + ηλz = 0 "
        "(sympy differentiates the integral with its variable limit and simplifies the sum to 0), equals z(0) "
        "at t = 0, and is the general solution returned by `dsolve`. Its factor exp(−η∫λ) is positive "
        "for real λ (sympy `is_positive`), so z(t) has the sign of z(0) for all t, and z(0) = 0 is a fixed "
        "point.\n\n"
        "**Integrability** (derived here): with x(t) = η∫₀ᵗz, dJ(ω_i)²/dx = −2ω_iJ(ω_i)², which `dsolve` "
        "integrates to J(ω_i)²(0)e^{−2ω_ix}; differentiating back along ẋ = ηz reproduces the GF rate. "
        "This form is ≥ 0 for real ω_i, x (sympy `is_nonnegative`), so no J(ω_i)² turns negative under GF. "
        "Through the invariant (section on invariants), z(x) = Σ_{ω_i≠0} J(ω_i)²(0)e^{−2ω_ix}/(2ω_i) − E; "
        "sympy checks that its t-derivative is −ηλz. For two modes with J, ω ≠ 0, "
        "d/dt[ln J(ω_i)²/ω_i − ln J(ω_j)²/ω_j] simplifies to 0: the pairwise logarithmic invariant. A mode "
        "with J = 0 stays 0, and a mode with ω = 0 has J(0) = 0.\n"
    )
    return Section("flow", "Gradient flow: rates, sign of z, integrability", text, formulas)
