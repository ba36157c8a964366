"""Progressive sharpening in the paper's example, proved symbolically for every sign case.

Paper §2 (docs/theory.md §2): with ω₁ = −ω, ω₂ = ω and J(ω₁) = J(ω₂) at t = 0, gradient
flow sharpens, dλ/dt > 0, at every t > 0. Proof (derived here), with J₀² the common
initial J(ω_i)² and x(t) = η∫₀ᵗ z:

1. theory.flow: J(±ω)²(x) = J₀² e^{∓2ωx} and dλ/dt = −2ηz Σ ω_i J(ω_i)², so
   dλ/dt = −2ηzω J₀²(e^{−2ωx} − e^{2ωx}) = 4ηzωJ₀² sinh(2ωx)  (sympy ``exptrigsimp``).
2. theory.flow: z(t) = z(0)e^{−η∫λ} has the sign σ of z(0) and never vanishes if z(0) ≠ 0,
   so x(t) = η∫₀ᵗ z has the sign σ and x(t) ≠ 0 for t > 0.
3. Write z = σ|z|, x = σ|x|, ω = τ|ω| with σ, τ ∈ {+1, −1} and |z|, |x|, |ω|, J₀², η > 0.
   In each of the four cases sympy rewrites dλ/dt as a product of positive symbols and
   sinh of a positive symbol, and its assumption system answers ``is_positive`` = True.

The invariant gives z(0) = −E here, so both signs of z(0) are admissible (choose the
sign of E), and both signs of ω (the two labellings). Excluded, with what happens:
z(0) = 0 is a fixed point (dλ/dt ≡ 0); ω = 0 or J₀ = 0 gives λ ≡ 0; at t = 0 itself
x = 0 and dλ/dt = 0.
"""
from __future__ import annotations

import itertools

import sympy as sp

from . import flow
from .errors import check
from .formula import Formula, Section
from .symbols import J20, M1, eta, omega_i, x, z

__all__ = ["example_modes", "ntk_rate_example", "ntk_rate_sinh", "sign_cases", "z0_example",
           "degenerate_cases", "section"]

#: Positive magnitudes for the case split.
z_abs, x_abs, w_abs, J0sq = sp.symbols("z_abs x_abs omega_abs J0sq", positive=True)


def example_modes() -> list[tuple[sp.Expr, sp.Expr]]:
    """[(ω_i, J(ω_i)²(x))] for ω₁ = −ω, ω₂ = ω and common initial J(ω_i)² = J₀² (theory.flow)."""
    J_of_x = flow.J2_of_x()  # J20 e^{−2 ω x}
    return [(w, J_of_x.subs({omega_i: w, J20: J0sq})) for w in (-omega_i, omega_i)]


def ntk_rate_example() -> sp.Expr:
    """dλ/dt = −2ηz Σ_i ω_i J(ω_i)²(x) for the example, in exponentials."""
    m1 = sum(w * j for w, j in example_modes())
    return sp.expand(flow.ntk_rate().subs(M1, m1))


def ntk_rate_sinh() -> sp.Expr:
    """The same rate through sympy's ``exptrigsimp``: 4ηzωJ₀² sinh(2ωx) (derived here)."""
    return sp.exptrigsimp(sp.factor_terms(ntk_rate_example()))


def sign_cases() -> dict[tuple[int, int], tuple[sp.Expr, bool | None]]:
    """For (σ, τ) = (sign z, sign ω): dλ/dt with z = σ|z|, x = σ|x|, ω = τ|ω|, and its ``is_positive``."""
    rate = ntk_rate_sinh()
    out = {}
    for sig, tau in itertools.product((1, -1), (1, -1)):
        e = rate.subs({z: sig * z_abs, x: sig * x_abs, omega_i: tau * w_abs})
        out[(sig, tau)] = (e, e.is_positive)
    return out


def z0_example() -> sp.Expr:
    """z(0) for the example, from the invariant Σ J(ω_i)²/ω_i − 2z = 2E: it is −E."""
    from .symbols import E

    m_inv = sum(j.subs(x, 0) / w for w, j in example_modes())
    return sp.solve(sp.Eq(m_inv - 2 * z, 2 * E), z)[0]


def degenerate_cases() -> dict[str, sp.Expr]:
    """dλ/dt in the excluded cases: z = 0, ω = 0, J₀ = 0 and x = 0 (t = 0); each is 0."""
    rate = ntk_rate_example()
    return {"z=0": rate.subs(z, 0), "omega=0": rate.subs(omega_i, 0), "J0=0": rate.subs(J0sq, 0),
            "x=0 (t=0)": sp.simplify(rate.subs(x, 0))}


def _checks() -> None:
    check(sp.expand((ntk_rate_sinh() - ntk_rate_example()).rewrite(sp.exp)) == 0,
          "the sinh form of the NTK rate differs from the example's rate")
    check(ntk_rate_sinh().has(sp.sinh), "the NTK rate is not written with sinh")
    cases = sign_cases()
    check(all(pos is True for _, pos in cases.values()), f"the NTK rate is not positive in every sign case: {cases}")
    degenerate = degenerate_cases()
    check(all(v == 0 for v in degenerate.values()), f"the NTK rate does not vanish in the degenerate cases: {degenerate}")


def section() -> Section:
    _checks()
    z0 = z0_example()
    names = {z_abs: r"\lvert z\rvert", x_abs: r"\lvert x\rvert", w_abs: r"\lvert\omega\rvert", J0sq: "J_0^2", omega_i: r"\omega", eta: r"\eta"}
    rate_tex = sp.latex(ntk_rate_sinh(), symbol_names=names)
    rows = "\n".join(
        f"| {'+' if s > 0 else '−'} | {'+' if t > 0 else '−'} | ${sp.latex(e, symbol_names=names)}$ | {p} |"
        for (s, t), (e, p) in sign_cases().items()
    )
    text = (
        "Paper §2 claims the example ω₁ = −ω, ω₂ = ω with J(ω₁) = J(ω₂) sharpens at every t > 0 under GF. "
        "Proved here for every sign of z and ω. With J(±ω)²(x) = J₀²e^{∓2ωx} and dλ/dt = −2ηzΣω_iJ(ω_i)² "
        f"(section on gradient flow), sympy's `exptrigsimp` gives $$\\frac{{d\\lambda}}{{dt}} = {rate_tex}.$$ "
        "z keeps the sign σ of z(0) and never vanishes (z(0) ≠ 0), so x = η∫₀ᵗz has sign σ and x ≠ 0 for "
        "t > 0. Writing z = σ|z|, x = σ|x|, ω = τ|ω|, sympy's assumptions decide the sign in each case:\n\n"
        "| sign z | sign ω | dλ/dt | `is_positive` |\n|---|---|---|---|\n" + rows + "\n\n"
        f"The invariant gives z(0) = ${sp.latex(z0)}$, so every sign of z(0) is admissible. Excluded cases, "
        "each with dλ/dt = 0: z(0) = 0 (a fixed point), ω = 0 or J₀ = 0 (λ ≡ 0), and t = 0 itself (x = 0).\n"
    )
    formulas = (
        Formula("sharpening_ntk_rate", (eta, z, omega_i, J20, x), ntk_rate_example().subs(J0sq, J20),
                "dλ/dt under GF in the paper's example ω = (−ω, ω), J(ω₁)² = J(ω₂)² = J₀² at t = 0.",
                "derived here (paper §2 example)", r"\frac{d\lambda}{dt}",
                latex=((J20, "J_0^2"), (omega_i, r"\omega"))),
    )
    return Section("sharpening", "Progressive sharpening in the paper's example", text, formulas)
