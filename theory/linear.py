"""The linear model z = Gᵀθ − y has a constant NTK: no progressive sharpening.

Paper §1/§2 (the contrast that motivates second-order models): for the linear
model z(θ) = Gᵀθ − y the Jacobian J = ∂z/∂θ = Gᵀ does not depend on θ, so the NTK
λ = JJᵀ = GᵀG is constant along any trajectory: dλ/dt = Σ_k (∂λ/∂θ_k) θ̇_k = 0
under GF, and λ(θ') = λ(θ) after a GD step θ' = θ − ηzG. For the second-order
model z = ½θᵀQθ − E instead, ∂λ/∂θ = 2Q²θ ≠ 0. Derived here with sympy for
P = 1..4 with symbolic G, θ, y, η. Symbols: G ∈ R^P, y the target, η the step.
"""
from __future__ import annotations

import sympy as sp

from .errors import check
from .formula import Section
from .symbols import eta

__all__ = ["linear_model", "gf_ntk_rate", "gd_ntk_change", "quadratic_ntk_gradient", "section"]


def linear_model(P: int):
    """(θ, G, y, z(θ), J(θ), λ(θ)) for z = Gᵀθ − y with symbolic entries."""
    th = sp.Matrix(sp.symbols(f"theta1:{P + 1}", real=True))
    G = sp.Matrix(sp.symbols(f"G1:{P + 1}", real=True))
    y = sp.Symbol("y", real=True)
    zq = (G.T * th)[0] - y
    J = sp.Matrix([zq]).jacobian(th)
    lam = (J * J.T)[0]
    return th, G, y, zq, J, lam


def gf_ntk_rate(P: int) -> sp.Expr:
    """dλ/dt = ∇_θλ · θ̇ with θ̇ = −η z Jᵀ (GF on ½z²); sympy reduces it to 0."""
    th, G, y, zq, J, lam = linear_model(P)
    grad = sp.Matrix([lam]).jacobian(th)
    return sp.simplify((grad * (-eta * zq * J.T))[0])


def gd_ntk_change(P: int) -> sp.Expr:
    """λ(θ − ηzJᵀ) − λ(θ) after one GD step; sympy reduces it to 0."""
    th, G, y, zq, J, lam = linear_model(P)
    th_new = th - eta * zq * J.T
    return sp.simplify(lam.subs(dict(zip(th, th_new)), simultaneous=True) - lam)


def quadratic_ntk_gradient(P: int) -> sp.Matrix:
    """For contrast, ∇_θλ of the second-order model with Q = diag(ω): 2Q²θ (nonzero)."""
    th = sp.Matrix(sp.symbols(f"theta1:{P + 1}", real=True))
    Q = sp.diag(*sp.symbols(f"w1:{P + 1}", real=True))
    J = sp.Matrix([(th.T * Q * th)[0] / 2]).jacobian(th)
    lam = (J * J.T)[0]
    return sp.Matrix([lam]).jacobian(th).T.applyfunc(sp.expand)


def _checks() -> None:
    for P in range(1, 5):
        check(gf_ntk_rate(P) == 0 and gd_ntk_change(P) == 0, f"the linear model's NTK changes at P = {P}")
        th = sp.Matrix(sp.symbols(f"theta1:{P + 1}", real=True))
        Q = sp.diag(*sp.symbols(f"w1:{P + 1}", real=True))
        check((quadratic_ntk_gradient(P) - 2 * Q ** 2 * th).applyfunc(sp.expand) == sp.zeros(P, 1),
              f"the quadratic model's ∇λ is not 2Q²θ at P = {P}")


def section() -> Section:
    _checks()
    text = (
        "For the linear model z(θ) = Gᵀθ − y, sympy computes J = ∂z/∂θ = Gᵀ (no θ in it) and λ = JJᵀ = GᵀG. "
        "For P = 1, 2, 3, 4 with symbolic G, θ, y, η it reduces dλ/dt = ∇_θλ·(−ηzJᵀ) (GF) and "
        "λ(θ − ηzJᵀ) − λ(θ) (one GD step) to 0: the linear model has a constant NTK and cannot sharpen "
        "(the paper's motivating contrast). For the second-order model with Q = diag(ω) sympy finds "
        "∇_θλ = 2Q²θ, which vanishes only at θ = 0.\n"
    )
    return Section("linear", "The linear model: constant NTK", text)
