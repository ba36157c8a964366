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

import functools
import itertools
from dataclasses import dataclass
from typing import Callable

import sympy as sp

from .errors import check
from .formula import Formula, Section
from .symbols import E, T, eta, z

__all__ = ["Optimizer", "OPTIMIZERS", "Derived", "derive", "rescaled", "edge",
           "EdgeResult", "mode_symbols", "section"]


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


def _state_syms(opt: Optimizer):
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
    scal = {s: s / eta for s in _state_syms(opt) + d.zeta_syms + M + N + Lm + (J2, K2, L2)}
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


@dataclass(frozen=True)
class EdgeResult:
    """Linear stability of the fixed set z = c = z⁻ = 0 (derived here).

    scalar_jacobian: ∂(scalars')/∂(scalars) at the fixed set, in T = ηλ and h̃. charpoly:
    its characteristic polynomial in ``mu``, factored. mode_eigenvalues: eigenvalues of one
    mode's block. flip: p(−1) for the factor that reaches −1. edge: the edge T* (> 0).
    edge_equation: an expression in T and h̃ that vanishes at the edge.
    """

    key: str
    scalar_jacobian: sp.Matrix
    charpoly: sp.Expr
    mode_eigenvalues: dict
    flip: sp.Expr
    edge: sp.Expr
    edge_equation: sp.Expr


mu = sp.Symbol("mu")
u = sp.Symbol("u", positive=True)


@functools.lru_cache(maxsize=None)
def edge(key: str) -> EdgeResult:
    """The edge of stability of the rescaled map, from the Jacobian at the fixed set (derived here)."""
    hyp, d = rescaled(key)
    opt = d.opt
    hts = tuple(h for h, _ in hyp.values())
    scal = _state_syms(opt)
    zero = {s: 0 for s in scal}
    fixed = {**{N[k]: M[k] for k in range(KMAX)}, **{Lm[k]: M[k] for k in range(KMAX)}}
    sub = {}
    for s, e in zip(d.zeta_syms, d.zetas):
        sub[s] = sp.expand(e.xreplace(sub))
    news = [sp.expand(e.xreplace(sub)) for e in d.scalars]
    jac = sp.Matrix([[sp.diff(e, s) for s in scal] for e in news]).xreplace(zero).xreplace(fixed).applyfunc(sp.expand)
    check(jac.free_symbols <= {M[0], *hts}, f"{key}: the scalar Jacobian depends on more than T: {jac}")
    jac = jac.subs(M[0], T)
    # Block-triangular: the new scalars do not depend on the mode moments at the fixed set.
    for e in news:
        for m in M + N + Lm:
            check(sp.expand(sp.diff(e, m).subs(zero)) == 0, f"{key}: scalars' depend on {m} at the fixed set")
    modes_sub = [sp.expand(m.xreplace(sub).xreplace(zero)) for m in d.modes]
    mvars = (J2, K2, L2)[:len(modes_sub)]
    mjac = sp.Matrix([[sp.diff(m, v) for v in mvars] for m in modes_sub])
    mode_ev = mjac.eigenvals()
    cp = sp.factor(jac.charpoly(mu).as_expr())
    flips = []
    for f in sp.Mul.make_args(cp):
        base = f.base if f.is_Pow else f
        if base.has(mu) and base.has(T):
            flips.append(sp.expand(base.subs(mu, -1) * (1 if sp.Poly(base, mu).LC() > 0 else -1)))
    check(len(flips) == 1, f"{key}: expected one T-dependent factor, got {flips}")
    flip = flips[0]
    # Solve p(−1) = 0 in u = 1/T (keeps the root finite as a hyper-parameter → 0), take u > 0.
    num = sp.numer(sp.together(flip.subs(T, 1 / u)))
    roots = [r for r in sp.solve(num, u) if _positive_branch(r, hts)]
    check(len(roots) == 1, f"{key}: expected one positive root of p(-1) = 0, got {roots}")
    T_edge = sp.simplify(1 / roots[0])
    check(sp.simplify(flip.subs(T, T_edge)) == 0, f"{key}: the edge does not solve p(-1) = 0")
    return EdgeResult(key, jac, cp, mode_ev, flip, T_edge, flip)


def _positive_branch(r: sp.Expr, hts) -> bool:
    """r > 0 at small positive hyper-parameter values and at 1/2 (a branch check, exact)."""
    for val in (sp.Rational(1, 100), sp.Rational(1, 2)):
        v = sp.nsimplify(r.subs({h: val for h in hts}))
        if not (v.is_real and v > 0):
            return False
    return True


def stable_interval_checks(key: str) -> dict:
    """Jury conditions for each factor of the scalar characteristic polynomial (derived here).

    For a monic quadratic μ² + a₁μ + a₀ (or linear μ + a₀): roots inside the unit circle iff
    p(1) > 0, p(−1) > 0 and |a₀| < 1 (quadratic) — sympy solves each for T ≥ 0 (T = ηλ) at
    hyper-parameters 1/2 and 9/10, and the intersection must be 0 < T < T*.
    """
    e = edge(key)
    hyp, _ = rescaled(key)
    hts = tuple(h for h, _ in hyp.values())
    out = {}
    for val in ((sp.Rational(1, 2), sp.Rational(9, 10)) if hts else (None,)):
        sub = {h: val for h in hts}
        region = sp.Interval(0, sp.oo)  # T = ηλ ≥ 0
        for f in sp.Mul.make_args(e.charpoly):
            base = f.base if f.is_Pow else f
            if not base.has(mu):
                continue
            p = sp.Poly(sp.expand(base.subs(sub)), mu)
            p = sp.Poly(p.as_expr() / p.LC(), mu)
            conds = [p.eval(1) > 0, (-1) ** p.degree() * p.eval(-1) > 0]
            if p.degree() == 2:
                conds.append(sp.Abs(p.coeffs()[-1]) < 1)
            for cnd in conds:
                if cnd is sp.true or (not isinstance(cnd, sp.Basic)) or not cnd.has(T):
                    check(bool(cnd), f"{key}: Jury condition {cnd} fails at {sub}")
                    continue
                region = region & sp.solve_univariate_inequality(cnd, T, relational=False)
        out[val] = region
        want = sp.Interval.open(0, sp.nsimplify(e.edge.subs(sub)))
        check(region == want, f"{key}: stable region {region} at {sub} is not {want}")
    return out


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
        scal = tuple(sp.Symbol(s.name + "t", real=True) for s in _state_syms(opt))
        rn = {s: st for s, st in zip(_state_syms(opt), scal)}
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

