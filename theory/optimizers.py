"""Optimizers as data: one symbolic update rule each, and the exact moment map derived from it.

Derived here. An optimizer is its update rule θ⁺ = rule(θ, θ⁻, ∇L), stated once in
sympy with its hyper-parameters (:data:`OPTIMIZERS`):

    GD          θ⁺ = θ − η∇L(θ)                       (paper §2.1)
    SAM         θ⁺ = θ − η∇L(θ + ρ∇L(θ))              (unnormalized)
    heavy ball  θ⁺ = θ − η∇L(θ) + β(θ − θ⁻)
    Nesterov    y = θ + β(θ − θ⁻),  θ⁺ = y − η∇L(y)

θ⁻ is the previous iterate; momentum starts with zero velocity, θ⁻ = θ₀. With
z(θ) = ½θᵀQθ − E and L = ½z², ∇L(v) = z(v)Qv, which is diagonal in the eigenbasis
of Q: ∇L(v)_i = z(v)ω_i v_i. Every point v at which a rule evaluates the gradient
is therefore, per mode, v_i = A(ω_i)θ_i + B(ω_i)θ⁻_i, and its residual z(v) is a
sum over modes of the three quadratic moments per mode

    J(ω_i)² = ω_i²θ_i²,   K_i = ω_i²θ_iθ⁻_i,   L_i = ω_i²θ⁻_i²,

weighted by powers of ω_i. The power ω_i⁻¹ appears only with the constants of the
invariant: Σ J(ω_i)²/ω_i = 2(z + E), Σ K_i/ω_i = 2(c + E), Σ L_i/ω_i = 2(z⁻ + E)
with c = ½ Σ ω_iθ_iθ⁻_i − E and z⁻ = z(θ⁻); E then cancels (checked). So the map
closes on (z, c, z⁻, J(ω_i)², K_i, L_i) for any P (on (z, J(ω_i)²) without
momentum), with the moment sums M_k = Σ ω_i^k J(ω_i)², N_k = Σ ω_i^k K_i,
L_k = Σ ω_i^k L_i. The residuals z(v) at the gradient points are the
intermediate scalars ζ₁, ζ₂, … of one step.

η-rescaling: z̃ = ηz, J̃² = ηJ² (all moments and scalars alike), and each
hyper-parameter h = h̃·η^p with the unique p ∈ {−1, 0, 1} that removes η from the
map (derived by trying them): ρ̃ = ρ/η for SAM, β unchanged for momentum.

Edge of stability (derived here): the fixed set is z = c = z⁻ = 0 (θ = θ⁻, z = 0);
there the Jacobian is block-triangular (checked), the modes contribute eigenvalues
1 (along the fixed set), β and β², and the scalars (z̃, c̃, z̃⁻) a characteristic
polynomial in μ whose coefficients depend on T = ηλ only. A factor crosses the unit
circle at μ = −1 first; the edge is the T > 0 where p(−1) = 0:

    GD: T = 2;  SAM: T(1 + ρ̃T) = 2, i.e. ηλ(1 + ρλ) = 2;
    heavy ball: T = 2(1 + β);  Nesterov: T = 2(1 + β)/(1 + 2β)

(the momentum thresholds are those of Cohen et al. 2023; the SAM threshold and all
derivations are derived here).
"""
from __future__ import annotations

import sympy as sp

from .errors import check
from .formula import Formula, Section
from .optimizer_edge import EdgeResult, edge, mu, stable_interval_checks
from .optimizer_map import (J2, K2, L2, Lm, M, N, OPTIMIZERS, Derived, Optimizer, beta, c, derive,
                            invariant_change, invariant_change_concrete, mode_symbols, rescaled, rho, rhot,
                            sam_planar, state_symbols, w, zp)
from .symbols import T, eta, z

__all__ = ["Optimizer", "OPTIMIZERS", "Derived", "derive", "rescaled", "edge",
           "EdgeResult", "mode_symbols", "section", "stable_interval_checks", "invariant_change",
           "invariant_change_concrete", "sam_planar", "rho", "rhot", "beta"]


_GREEK = {rho: "ρ", rhot: "ρ̃", beta: "β"}


def _tex(expr) -> str:
    return sp.latex(expr, symbol_names={rhot: r"\tilde\rho", mu: r"\mu"})


def _latex_names(opt: Optimizer, d: Derived) -> tuple:
    """The paper-style names of this module's symbols in docs/derived.md."""
    names = {J2: r"\tilde J(\omega_i)^2", K2: r"\tilde K_i", L2: r"\tilde L_i", w: r"\omega_i", rhot: r"\tilde\rho",
             beta: r"\beta", T: "T"}
    names.update({s: rf"\tilde\zeta_{s.name[4:]}" for s in d.zeta_syms})
    names.update({m: f"M_{m.name[1:]}" for m in M})
    names.update({m: f"N_{m.name[1:]}" for m in N})
    names.update({m: f"L_{m.name[1:]}" for m in Lm})
    for s_, tex in ((z, r"\tilde z"), (c, r"\tilde c"), (zp, r"\tilde z^-")):
        names[sp.Symbol(s_.name + "t", real=True)] = tex
    return tuple(names.items())


def section() -> Section:
    formulas = []
    rows = []
    for key, opt in OPTIMIZERS.items():
        hyp, d = rescaled(key)
        e = edge(key)
        stable_interval_checks(key)
        check(invariant_change(key) == 0, f"{key}: the moment map breaks the invariant")
        hts = tuple(h for h, _ in hyp.values())
        py = key.replace("-", "_")
        tex = _latex_names(opt, d)
        scal = tuple(sp.Symbol(s.name + "t", real=True) for s in state_symbols(opt))
        rn = {s: st for s, st in zip(state_symbols(opt), scal)}
        moms = sorted({s for ex in d.zetas + d.modes + d.scalars for s in ex.free_symbols
                       if s in M + N + Lm}, key=lambda s: (s.name[0], int(s.name[1:])))
        for k, (s, ex) in enumerate(zip(d.zeta_syms, d.zetas)):
            args = tuple(scal) + d.zeta_syms[:k] + tuple(m for m in moms if ex.has(m)) + hts
            formulas.append(Formula(f"opt_{py}_zeta{k + 1}", args, ex.xreplace(rn),
                                    f"{opt.title}: η-rescaled residual ζ̃{k + 1} at gradient point {k + 1}.",
                                    "derived here", rf"\tilde\zeta_{k + 1}", latex=tex))
        mvars = (J2, K2, L2)[:len(d.modes)]
        formulas.append(Formula(f"opt_{py}_mode", d.zeta_syms + (w,) + mvars + hts, tuple(d.modes),
                                f"{opt.title}: one mode's η-rescaled moments "
                                f"({'J̃², K̃, L̃' if opt.memory else 'J̃²'}) after one step.",
                                "derived here", "(" + ", ".join(f"{dict(tex)[v]}'" for v in mvars) + ")", latex=tex))
        sargs = tuple(scal) + d.zeta_syms + tuple(moms) + hts
        formulas.append(Formula(f"opt_{py}_scalars", sargs, tuple(ex.xreplace(rn) for ex in d.scalars),
                                f"{opt.title}: η-rescaled scalars ({', '.join(s.name for s in scal)}) after one step.",
                                "derived here", "(" + ", ".join(f"{dict(tex)[s]}'" for s in scal) + ")", latex=tex))
        formulas.append(Formula(f"opt_{py}_edge", hts, e.edge,
                                f"{opt.title}: the edge of stability T* = ηλ* (flip of the fixed set).",
                                "Cohen et al. 2023 (momentum thresholds); derived here" if opt.memory
                                else "derived here", "T^*", latex=tex))
        formulas.append(Formula(f"opt_{py}_flip", (T,) + hts, e.flip,
                                f"{opt.title}: p(−1) of the fixed set's flipping factor; its root T > 0 is the edge.",
                                "derived here", "p(-1)", latex=tex))
        for h, (ht, p) in hyp.items():
            formulas.append(Formula(f"opt_{py}_{ht.name}", (eta, h), h * eta ** (-p),
                                    f"{opt.title}: the η-rescaled hyper-parameter {_GREEK[ht]} from {_GREEK[h]} "
                                    f"(the power of η that removes η from the map).", "derived here", _tex(ht),
                                    latex=((rho, r"\rho"),)))
        scaling = ", ".join(f"{_GREEK[h]} = {_GREEK[ht]}·η^{p}" for h, (ht, p) in hyp.items()) or "none"
        rows.append(f"| {opt.title} | {opt.update} | {scaling} | ${_tex(e.charpoly)}$ | "
                    f"${_tex(e.flip)} = 0$ | ${_tex(e.edge)}$ |")
    from .symbols import Et, a, b, zt

    zn, Tn = sam_planar()
    fl = sp.Matrix([[sp.expand(sp.diff(e, v).xreplace({zt: 0})) for v in (zt, T)] for e in (zn, Tn)])
    # Triangular, so the eigenvalues are the diagonal: 1 − T − ρ̃T² (transverse) and 1 (along the line).
    check(fl[0, 1] == 0 and fl[1, 1] == 1 and sp.expand(fl[0, 0] - (1 - T - rhot * T ** 2)) == 0,
           f"sam: fixed-line Jacobian {fl}")
    fl = fl.applyfunc(sp.factor)
    check(sp.expand(zn.subs(zt, 0)) == 0 and sp.expand(Tn.subs(zt, 0) - T) == 0, "sam: z~ = 0 is not fixed")
    formulas.append(Formula("opt_sam_planar", (zt, T, a, b, Et, rhot), (zn, Tn),
                            "SAM's η-rescaled 2-D map: (z̃', T') from (z̃, T), a = ω₁+ω₂, b = ω₁ω₂, Ẽ, ρ̃ = ρ/η.",
                            "derived here", r"(\tilde z', T')", latex=((rhot, r"\tilde\rho"),)))
    text = (
        "Derived here. Each optimizer is one update rule stated in sympy (`theory/optimizers.py`); "
        "∇L(v) = z(v)Qv is diagonal in the eigenbasis, so each gradient point v has v_i = Aθ_i + Bθ⁻_i and "
        "its residual z(v) is a sum of the per-mode moments J(ω_i)² = ω_i²θ_i², K_i = ω_i²θ_iθ⁻_i, "
        "L_i = ω_i²θ⁻_i² weighted by powers of ω_i. The power ω_i⁻¹ appears only in Σ J²/ω = 2(z + E), "
        "Σ K/ω = 2(c + E), Σ L/ω = 2(z⁻ + E) (c = ½Σω_iθ_iθ⁻_i − E, z⁻ = z(θ⁻)), and E cancels (asserted). "
        "The map therefore closes on (z, c, z⁻, J², K, L) (on (z, J²) without momentum) for any P. "
        "Momentum starts with zero velocity, θ⁻ = θ₀: K_i = L_i = J(ω_i)², c = z⁻ = z at t = 0.\n\n"
        "Invariants: Σ J²/ω − 2z, Σ K/ω − 2c and Σ L/ω − 2z⁻ equal 2E at every θ (an identity in θ); sympy "
        "checks the derived map keeps them, through the moments for symbolic P (and tests/test_optimizers.py "
        "mode by mode for P = 2).\n\n"
        "Rescaling: z̃ = ηz, J̃² = ηJ² etc., and for each hyper-parameter the unique power of η that removes η "
        "from the map (ρ = ρ̃η, β unchanged). Edge: at the fixed set z̃ = c̃ = z̃⁻ = 0 the Jacobian is "
        "block-triangular (asserted); each mode's block has eigenvalues 1 (along the fixed set) and, with "
        "momentum, β and β². The scalar block's characteristic polynomial in μ and the flip condition "
        "p(−1) = 0 give the edge T* = ηλ*; sympy checks with Jury's conditions (p(1) > 0, p(−1) > 0, |a₀| < 1) "
        "that the stable set is exactly 0 < T < T* at hyper-parameters 1/2 and 9/10 (0 is GD).\n\n"
        "SAM in two dimensions (P = 2, ω₁ω₂ ≠ 0, ω₁ ≠ ω₂): T' = Σ J̃(ω_i)²' and z̃' need the moments M₀…M₄, each "
        "eliminated with the invariant as for GD; the map closes on (z̃, T) (`opt_sam_planar`). Its fixed line "
        f"z̃ = 0 has the Jacobian $${_tex(fl)}$$ with eigenvalues 1 and 1 − T − ρ̃T², so it attracts for "
        "0 < T(1 + ρ̃T) < 2.\n\n"
        "| optimizer | update | rescaling | scalar characteristic polynomial | flip | edge T* |\n"
        "|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n\n"
        "The momentum thresholds ηλΓ(β) = 2 with Γ = 1/(1+β) (heavy ball) and (1+2β)/(1+β) (Nesterov) are "
        "those of Cohen et al. 2023 (adaptive edge of stability); they come out of the derivation here. "
        "The SAM edge ηλ(1 + ρλ) = 2 is derived here.\n"
    )
    return Section("optimizers", "Other optimizers: SAM, heavy ball and Nesterov as data", text, tuple(formulas))
