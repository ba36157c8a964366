"""Optimizers as data: the update rules and the exact moment map derived from each (derived here).

The rules, the moments J(ω_i)², K_i, L_i and the closure of the map on (z, c, z⁻, J², K, L) are
described in :mod:`theory.optimizers`; this module holds the rules (:data:`OPTIMIZERS`), the
derivation of the map (:func:`derive`), its η-rescaling (:func:`rescaled`), the invariant checks and
SAM's 2-D map (:func:`sam_planar`).
"""
from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from typing import Callable

import sympy as sp

from .errors import check
from .symbols import E, eta, z

__all__ = ["Optimizer", "OPTIMIZERS", "Derived", "derive", "rescaled", "invariant_change",
           "invariant_change_concrete", "sam_planar", "mode_symbols", "state_symbols",
           "rho", "rhot", "beta", "th", "thp", "w", "J2", "K2", "L2", "c", "zp", "KMAX", "M", "N", "Lm"]


rho = sp.Symbol("rho", positive=True)
beta = sp.Symbol("beta", nonnegative=True)
rhot = sp.Symbol("rhot", positive=True)
#: per-mode symbols: θ_i, θ⁻_i, ω_i and the three moments J(ω_i)², K_i, L_i.
th, thp = sp.symbols("theta theta_prev", real=True)
w = sp.Symbol("omega", real=True)
J2, K2, L2 = sp.symbols("J2 K L", real=True)
#: scalars c = ½Σω_iθ_iθ⁻_i − E and z⁻ = z(θ⁻).
c, zp = sp.symbols("c zp", real=True)
KMAX = 5
M = sp.symbols(f"M0:{KMAX}", real=True)
N = sp.symbols(f"N0:{KMAX}", real=True)
Lm = sp.symbols(f"L0:{KMAX}", real=True)


def mode_symbols():
    """(J², K, L) per mode and their moment sums (M_k, N_k, L_k), k = 0..KMAX − 1."""
    return (J2, K2, L2), (M, N, Lm)


@dataclass(frozen=True)
class Optimizer:
    """An update rule θ⁺ = rule(θ, θ⁻, grad) and its hyper-parameters (derived-here conventions).

    key: CLI name. hyper: the unscaled hyper-parameters (sympy symbols). memory: the rule
    reads θ⁻. rule(θ, θ⁻, grad) returns θ⁺ for one eigenbasis coordinate, grad(v) being
    ∇L at the point v. update: the rule as text.
    """

    key: str
    title: str
    hyper: tuple
    memory: bool
    rule: Callable
    update: str


OPTIMIZERS = {
    "gd": Optimizer("gd", "gradient descent", (), False,
                    lambda x, xp, g: x - eta * g(x), "θ⁺ = θ − η∇L(θ)"),
    "sam": Optimizer("sam", "SAM (unnormalized)", (rho,), False,
                     lambda x, xp, g: x - eta * g(x + rho * g(x)), "θ⁺ = θ − η∇L(θ + ρ∇L(θ))"),
    "heavy-ball": Optimizer("heavy-ball", "heavy-ball momentum", (beta,), True,
                            lambda x, xp, g: x - eta * g(x) + beta * (x - xp), "θ⁺ = θ − η∇L(θ) + β(θ − θ⁻)"),
    "nesterov": Optimizer("nesterov", "Nesterov momentum", (beta,), True,
                          lambda x, xp, g: (lambda y: y - eta * g(y))(x + beta * (x - xp)),
                          "y = θ + β(θ − θ⁻), θ⁺ = y − η∇L(y)"),
}


def _sum_modes(expr: sp.Expr) -> sp.Expr:
    """Σ_i of a per-mode expression linear in (J², K, L) with Laurent-in-ω_i coefficients.

    ω_i^k·J² → M_k (k ≥ 0) and ω_i⁻¹·J² → 2(z + E); likewise K → N_k, 2(c + E) and
    L → L_k, 2(z⁻ + E). Raises DerivationError for any other power or a nonlinear term.
    """
    out = sp.Integer(0)
    expr = sp.expand(expr)
    for var, moms, inv in ((J2, M, z), (K2, N, c), (L2, Lm, zp)):
        coeff = expr.coeff(var)
        expr = sp.expand(expr - coeff * var)
        for term in sp.Add.make_args(sp.expand(coeff)):
            if term == 0:
                continue
            rest, k = term.as_coeff_exponent(w)
            check(not rest.has(w) and k.is_Integer, f"term {term} is not c*omega^k")
            check(-1 <= k < KMAX, f"term {term}: omega^{k} outside -1..{KMAX - 1}")
            out += rest * (2 * (inv + E) if k == -1 else moms[int(k)])
    check(sp.expand(expr) == 0, f"per-mode expression not linear in J2, K, L: left {expr}")
    return sp.expand(out)


def _residual(v: sp.Expr) -> sp.Expr:
    """z(v) = ½ Σ_i ω_i v_i² − E for v_i = Aθ_i + Bθ⁻_i, through the moments (E must cancel)."""
    q = sp.expand(w * v ** 2 / 2)
    per_mode = sp.expand(q.subs({th * thp: K2 / w ** 2}).subs({th ** 2: J2 / w ** 2, thp ** 2: L2 / w ** 2}))
    check(not per_mode.has(th) and not per_mode.has(thp), f"z(v) not quadratic in theta: {per_mode}")
    out = sp.expand(_sum_modes(per_mode) - E)
    check(not out.has(E), f"E does not cancel in z(v): {out}")
    return out


@dataclass(frozen=True)
class Derived:
    """The exact one-step map of an optimizer on the moments (unscaled; derived here).

    zetas: ζ_k = z(v_k) at the gradient points, each in the state and ζ_{<k} (as symbols
    ``zeta1``, …). modes: (J²', K', L') or (J²',) per mode. scalars: (z', c', z⁻') or (z',).
    theta_next: θ⁺ in θ, θ⁻, ω and the ζ symbols.
    """

    opt: Optimizer
    zeta_syms: tuple
    zetas: tuple
    theta_next: sp.Expr
    modes: tuple
    scalars: tuple


@functools.lru_cache(maxsize=None)
def derive(key: str) -> Derived:
    """Derive the moment map of ``OPTIMIZERS[key]`` from its rule (derived here)."""
    opt = OPTIMIZERS[key]
    points: list[tuple[sp.Symbol, sp.Expr]] = []

    def grad(v):
        v = sp.expand(v)
        for s, u in points:
            if sp.expand(u - v) == 0:
                return s * w * v
        s = sp.Symbol(f"zeta{len(points) + 1}", real=True)
        points.append((s, v))
        return s * w * v

    new = sp.expand(opt.rule(th, thp, grad))
    syms = tuple(s for s, _ in points)
    zetas = tuple(_residual(v) for _, v in points)
    A, B = new.coeff(th), new.coeff(thp)
    check(sp.expand(new - A * th - B * thp) == 0, f"θ⁺ is not linear in (θ, θ⁻): {new}")
    check(opt.memory or B == 0, f"{key}: a rule without memory reads θ⁻")
    if opt.memory:
        modes = (sp.expand(A ** 2 * J2 + 2 * A * B * K2 + B ** 2 * L2), sp.expand(A * J2 + B * K2), J2)
        scalars = (_residual(new), sp.expand(_sum_modes(sp.expand((A * J2 + B * K2) / w)) / 2 - E), z)
        check(not scalars[1].has(E), "E does not cancel in c'")
    else:
        modes = (sp.expand(A ** 2 * J2),)
        scalars = (_residual(new),)
    return Derived(opt, syms, zetas, new, modes, scalars)


def state_symbols(opt: Optimizer) -> tuple:
    """The scalars of the state: (z, c, z⁻) with momentum, else (z,)."""
    return (z, c, zp) if opt.memory else (z,)


@functools.lru_cache(maxsize=None)
def rescaled(key: str) -> tuple[dict, Derived]:
    """The η-free map in z̃ = ηz, J̃² = ηJ², … and h = h̃η^p; returns ({h: (h̃, p)}, map).

    Every scalar, ζ, mode and moment scales like z (one power of η). For each
    hyper-parameter the exponent p ∈ {−1, 0, 1} is the one for which η cancels from
    the whole map (derived here; raises if none or several do).
    """
    d = derive(key)
    opt = d.opt
    scal = {s: s / eta for s in state_symbols(opt) + d.zeta_syms + M + N + Lm + (J2, K2, L2)}
    exprs = d.zetas + d.modes + d.scalars
    tilde = {h: sp.Symbol(f"{h.name}t" if h is rho else h.name, **h.assumptions0) for h in opt.hyper}
    fits = []
    for ps in itertools.product((-1, 0, 1), repeat=len(opt.hyper)):
        sub = {**scal, **{h: tilde[h] * eta ** p for h, p in zip(opt.hyper, ps)}}
        out = tuple(sp.expand(eta * e.xreplace(sub)) for e in exprs)
        if not any(o.has(eta) for o in out):
            fits.append((ps, out))
    check(len(fits) == 1, f"{key}: {len(fits)} eta-rescalings remove eta (expected exactly one)")
    ps, out = fits[0]
    nz, nm = len(d.zetas), len(d.modes)
    back = {h: tilde[h] for h in opt.hyper}
    th_new = d.theta_next.subs({h: tilde[h] * eta ** p for h, p in zip(opt.hyper, ps)})
    th_new = sp.expand(th_new.subs({s: s / eta for s in d.zeta_syms}))
    check(not th_new.has(eta), f"{key}: θ⁺ keeps η after rescaling")
    res = Derived(opt, d.zeta_syms, out[:nz], th_new, out[nz:nz + nm], out[nz + nm:])
    return {h: (back[h], p) for h, p in zip(opt.hyper, ps)}, res


def invariant_change(key: str) -> sp.Expr:
    """Σ_i (J²'−J²)/ω_i − 2(z' − z) through the moments, with the ζ's substituted; must vanish.

    For momentum also the invariants of K (with c) and L (with z⁻). Returns the sum of
    squares of the three differences (0 iff all vanish).
    """
    d = derive(key)
    sub = {}
    for s, e in zip(d.zeta_syms, d.zetas):
        sub[s] = sp.expand(e.xreplace(sub))
    pairs = [(d.modes[0], J2, d.scalars[0], z)]
    if d.opt.memory:
        pairs += [(d.modes[1], K2, d.scalars[1], c), (d.modes[2], L2, d.scalars[2], zp)]
    total = sp.Integer(0)
    for new_mode, old_mode, new_s, old_s in pairs:
        diff = _sum_modes(sp.expand((new_mode - old_mode) / w)) - 2 * (new_s - old_s)
        total += sp.expand(diff.xreplace(sub)) ** 2
    return sp.expand(total)


def invariant_change_concrete(key: str, omegas) -> sp.Expr:
    """The same for concrete nonzero ω (P modes written out; scalars from the moment map), times Πω_i, expanded."""
    d = derive(key)
    P = len(omegas)
    mods = [sp.symbols(f"J2_{k} K_{k} L_{k}", real=True) for k in range(P)]
    zs = (z, c, zp)

    def msum(which, k):
        return sum(wk ** k * m[which] for wk, m in zip(omegas, mods))

    env = {**{M[k]: msum(0, k) for k in range(KMAX)}, **{N[k]: msum(1, k) for k in range(KMAX)},
           **{Lm[k]: msum(2, k) for k in range(KMAX)}}
    # The scalars are functions of the modes: z = ½Σ J²/ω − E, c = ½Σ K/ω − E, z⁻ = ½Σ L/ω − E.
    for j, s in enumerate(zs):
        env[s] = sum(m[j] / wk for wk, m in zip(omegas, mods)) / 2 - E
    for s, e in zip(d.zeta_syms, d.zetas):
        env[s] = sp.expand(e.xreplace(env))
    total = sp.Integer(0)
    for j in range(3 if d.opt.memory else 1):
        new_s = d.scalars[j].subs(env)
        new_I = sum(d.modes[j].subs({w: wk, J2: m[0], K2: m[1], L2: m[2]}).subs(env) / wk
                    for wk, m in zip(omegas, mods))
        old_I = sum(m[j] / wk for wk, m in zip(omegas, mods))
        total += sp.expand((new_I - old_I - 2 * (new_s - env[zs[j]])) * sp.Mul(*omegas))
    return total


def sam_planar() -> tuple[sp.Expr, sp.Expr]:
    """SAM's η-rescaled map of the plane (z̃, T) for P = 2 (ω₁ω₂ ≠ 0, ω₁ ≠ ω₂; derived here).

    T' = Σ_i J̃(ω_i)²' is a moment sum of the mode map; every moment M_k (k ≤ 4) and ζ are
    eliminated with the invariant exactly as for GD (theory.planar.moments_ab), so both
    components are polynomials in z̃, T, a = ω₁ + ω₂, b = ω₁ω₂, Ẽ and ρ̃.
    """
    from .planar import moments_ab
    from .symbols import zt

    _, d = rescaled("sam")
    zeta = {}
    for s, e in zip(d.zeta_syms, d.zetas):
        zeta[s] = sp.expand(e.xreplace(zeta))
    moms = {M[k]: moments_ab(k) for k in range(KMAX)}
    T_new = _sum_modes(d.modes[0])
    out = []
    for e in (d.scalars[0], T_new):
        e = sp.expand(e.xreplace(zeta).xreplace({z: zt}))
        out.append(sp.expand(e.xreplace(moms)))
    return tuple(out)
