"""Shared sympy symbols, in the paper's notation (Section 2.1; docs/theory.md §1).

θ_i: eigenbasis coordinates of the parameters; ω_i: eigenvalues of Q; E: target;
z = ½ θᵀQθ − E: residual; J(ω_i) = ω_i θ_i: mode Jacobians; λ = Σ J(ω_i)²: NTK;
η: step size. A tilde marks the η-rescaled variables z̃ = ηz, J̃² = ηJ², Ẽ = ηE,
T = ηλ = Σ J̃(ω_i)², S = Σ ω_i J̃(ω_i)², R = Σ ω_i² J̃(ω_i)². For P = 2,
a = ω₁ + ω₂ and b = ω₁ω₂.

Symbol names are valid Python identifiers, because the generated module uses
them as argument names; :data:`LATEX` maps them to the paper's notation.
"""
from __future__ import annotations

import sympy as sp

__all__ = [
    "eta", "E", "z", "t", "x", "P", "i", "j", "omega", "theta", "J", "J2",
    "zt", "Et", "T", "S", "R", "a", "b", "M0", "M1", "M2", "w1", "w2", "J2_1", "J2_2",
    "omega_i", "J2_i", "J20", "Minv", "LATEX",
]

eta = sp.Symbol("eta", positive=True)
E = sp.Symbol("E", real=True)
z = sp.Symbol("z", real=True)
t = sp.Symbol("t", nonnegative=True)
x = sp.Symbol("x", real=True)
P = sp.Symbol("P", integer=True, positive=True)
i = sp.Idx("i")
j = sp.Idx("j")
omega = sp.IndexedBase("omega", real=True)
theta = sp.IndexedBase("theta", real=True)
J = sp.IndexedBase("J", real=True)
J2 = sp.IndexedBase("J2", real=True)

zt = sp.Symbol("zt", real=True)
Et = sp.Symbol("Et", real=True)
T = sp.Symbol("T", real=True)
S = sp.Symbol("S", real=True)
R = sp.Symbol("R", real=True)
a = sp.Symbol("a", real=True)
b = sp.Symbol("b", real=True)
M0 = sp.Symbol("M0", real=True)
M1 = sp.Symbol("M1", real=True)
M2 = sp.Symbol("M2", real=True)
w1 = sp.Symbol("w1", real=True)
w2 = sp.Symbol("w2", real=True)
J2_1 = sp.Symbol("J2_1", nonnegative=True)
J2_2 = sp.Symbol("J2_2", nonnegative=True)

#: One mode, flat (not indexed), for per-mode generated functions: ω_i and J(ω_i)².
#: Their Python names stay ``omega`` and ``J2`` (argument names of the generated module).
omega_i = sp.Symbol("omega", real=True)
J2_i = sp.Symbol("J2", nonnegative=True)
#: J(ω_i)² at t = 0 (gradient flow).
J20 = sp.Symbol("J20", nonnegative=True)
#: Σ_{ω_i≠0} J(ω_i)²/ω_i = J Q⁺ Jᵀ (the invariant's sum).
Minv = sp.Symbol("Minv", real=True)

#: LaTeX names for the generated document.
LATEX = {
    eta: r"\eta", E: "E", z: "z", zt: r"\tilde z", Et: r"\tilde E", T: "T", S: "S", R: "R",
    a: "a", b: "b", M0: r"\lambda", M1: r"\left(\textstyle\sum_i \omega_i J(\omega_i)^2\right)",
    M2: r"\left(\textstyle\sum_i \omega_i^2 J(\omega_i)^2\right)", w1: r"\omega_1", w2: r"\omega_2",
    J2_1: r"J(\omega_1)^2", J2_2: r"J(\omega_2)^2", t: "t", x: "x",
    omega_i: r"\omega_i", J2_i: r"J(\omega_i)^2", J20: r"J(\omega_i)^2(0)",
    Minv: r"\left(\textstyle\sum_{\omega_i\neq0} J(\omega_i)^2/\omega_i\right)",
}
