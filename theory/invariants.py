"""The invariant Σ_{ω_i≠0} J(ω_i)²/ω_i − 2z = 2E, and its conservation by GD and GF.

Derived here (docs/theory.md §3). At every θ, with Q⁺ the pseudo-inverse of Q,

    J Q⁺ Jᵀ − 2z(θ) = θᵀQQ⁺Qθ − θᵀQθ + 2E = 2E,

and in the eigenbasis J Q⁺ Jᵀ = Σ_{ω_i≠0} J(ω_i)²/ω_i. As a function of the state
(z, J(ω_i)²) it is therefore conserved by the GD map (theory.gd_map) and by GF
(theory.flow). sympy proves both as differences that simplify to 0:

- GD, symbolic P: I(z', J²') − I(z, J²) splits by linearity into moments and vanishes;
- GD, concrete P = 1..4 (one case with a zero ω): direct substitution of the map;
- GD in θ-space: J Q⁺ Jᵀ − 2z(θ) − 2E ≡ 0 for diagonal Q with and without a zero ω;
- GF: d/dt I = Σ_i (dJ(ω_i)²/dt)/ω_i − 2ż vanishes.

Symbols: z residual, J(ω_i) mode Jacobians, ω_i eigenvalues of Q, E target, η step.
"""
from __future__ import annotations

import sympy as sp

from . import flow, gd_map
from .errors import check
from .formula import Formula, Section
from .symbols import E, J2, J2_i, M0, M1, Minv, eta, i, omega, omega_i, z

__all__ = ["invariant_of_state", "gd_change_moments", "gd_change_concrete", "theta_identity",
           "gf_rate", "section"]


def invariant_of_state(z_, J2s, omegas) -> sp.Expr:
    """I = Σ_{ω_i≠0} J(ω_i)²/ω_i − 2z for a concrete list of modes (pseudo-inverse: skip ω_i = 0)."""
    return sum((j / w for j, w in zip(J2s, omegas) if w != 0), sp.Integer(0)) - 2 * z_


def gd_change_moments() -> sp.Expr:
    """I(z', J²') − I(z, J²) for symbolic P, through the moments; sympy reduces it to 0.

    Σ_{ω_i≠0} (J(ω_i)²' − J(ω_i)²)/ω_i is a moment sum (ω_i = 0 modes have J = 0 and
    drop out), and z' − z comes from theory.gd_map.
    """
    per_mode = sp.expand((gd_map.J2_next() - J2[i]) / omega[i])
    change_sum = gd_map.moment_sum(per_mode)
    return sp.expand(change_sum - 2 * (gd_map.z_next() - z))


def gd_change_concrete(omegas) -> sp.Expr:
    """The same difference with the GD map written out mode by mode for concrete ω (no moments).

    ``omegas`` is a list of sympy numbers or symbols; a literal 0 is read through the
    pseudo-inverse (its mode has J = 0, contributes nothing, and stays 0).
    """
    P = len(omegas)
    Js = [sp.Symbol(f"J2_{k + 1}", nonnegative=True) if omegas[k] != 0 else sp.Integer(0) for k in range(P)]
    lam = sum(Js)
    s1 = sum(w * j for w, j in zip(omegas, Js))
    z_new = gd_map.z_next().subs({gd_map.M0: lam, gd_map.M1: s1})
    J_new = [gd_map.J2_next().subs({J2[i]: j, omega[i]: w}) for w, j in zip(omegas, Js)]
    return sp.simplify(invariant_of_state(z_new, J_new, omegas) - invariant_of_state(z, Js, omegas))


def theta_identity(omegas) -> sp.Expr:
    """J Q⁺ Jᵀ − 2z(θ) − 2E in θ-space for Q = diag(ω), with sympy's pseudo-inverse; ≡ 0."""
    P = len(omegas)
    th = sp.Matrix(sp.symbols(f"theta1:{P + 1}", real=True))
    Q = sp.diag(*omegas)
    Jrow = th.T * Q
    zq = (th.T * Q * th)[0] / 2 - E
    return sp.simplify((Jrow * Q.pinv() * Jrow.T)[0] - 2 * zq - 2 * E)


def gf_rate() -> sp.Expr:
    """d/dt [Σ_{ω_i≠0} J(ω_i)²/ω_i − 2z] under GF (theory.flow); sympy reduces it to 0."""
    per_mode = sp.expand(flow.J2_rate() / omega[i])
    return sp.expand(gd_map.moment_sum(per_mode) - 2 * flow.z_rate())


#: Concrete spectra for the direct-substitution proof: P = 1..4, one with a zero eigenvalue.
CONCRETE = (
    (sp.Symbol("w1", real=True),),
    sp.symbols("w1 w2", real=True),
    sp.symbols("w1 w2 w3", real=True),
    sp.symbols("w1 w2 w3 w4", real=True),
    (sp.Symbol("w1", real=True), sp.Integer(0), sp.Symbol("w3", real=True)),
)


def _checks() -> None:
    change = gd_change_moments()
    check(change == 0, f"the invariant changes under the GD moment map by {change}")
    for ws in CONCRETE:
        check(gd_change_concrete(ws) == 0, f"the invariant changes under GD at ω = {ws}")
    for ws in ((sp.Symbol("w1", nonzero=True), sp.Symbol("w2", nonzero=True)),
               (sp.Symbol("w1", nonzero=True), sp.Integer(0))):
        check(theta_identity(ws) == 0, f"Σ J(ω_i)²/ω_i ≠ 2(z + E) in θ at ω = {ws}")
    rate = gf_rate()
    check(rate == 0, f"the invariant changes under gradient flow at rate {rate}")


def section() -> Section:
    _checks()
    names = {M0: r"\lambda", M1: "M_1", eta: r"\eta"}
    change = sp.latex(gd_map.moment_sum(sp.expand((gd_map.J2_next() - J2[i]) / omega[i])), symbol_names=names)
    formulas = (
        Formula("invariant_term", (omega_i, J2_i), J2_i / omega_i,
                "One mode's term J(ω_i)²/ω_i of the invariant (skip modes with ω_i = 0).", "derived here",
                "I_i"),
        Formula("invariant_2E", (z, Minv), Minv - 2 * z,
                "The invariant I = Σ_{ω_i≠0} J(ω_i)²/ω_i − 2z; it equals 2E at every θ.", "derived here",
                "2E"),
    )
    text = (
        "At every θ, J Q⁺ Jᵀ − 2z(θ) = 2E with Q⁺ the pseudo-inverse; in the eigenbasis J Q⁺ Jᵀ = "
        "Σ_{ω_i≠0} J(ω_i)²/ω_i (derived here). sympy proves the θ-space identity for Q = diag(ω₁, ω₂) and "
        "Q = diag(ω₁, 0) with `Matrix.pinv`. As a function of the state (z, J(ω_i)²) it is conserved exactly:\n\n"
        "- **GD, any P**: I(z', J²') − I(z, J²) = Σ_i ((1 − ηzω_i)² − 1)J(ω_i)²/ω_i − 2(z' − z); the sum splits "
        "into the moments λ and Σω_iJ(ω_i)² and the difference simplifies to 0.\n"
        "- **GD, concrete P = 1, 2, 3, 4 and ω = (ω₁, 0, ω₃)**: the map written out mode by mode, "
        "substituted and simplified to 0 (a mode with ω = 0 has J = 0 and is skipped, as the "
        "pseudo-inverse prescribes).\n"
        "- **GF**: dI/dt = Σ_i (−2ηzω_iJ(ω_i)²)/ω_i + 2ηλz simplifies to 0.\n\n"
        f"In moments (M₁ = Σ ω_iJ(ω_i)²): Σ_i (J(ω_i)²' − J(ω_i)²)/ω_i = ${change}$, which is exactly "
        "2(z' − z) by the GD map of section 1.\n"
    )
    return Section("invariants", "The invariant Σ J(ω_i)²/ω_i − 2z = 2E", text, formulas)
