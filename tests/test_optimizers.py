"""Optimizers as data (theory.optimizers): the derived moment maps against the update rules in θ-space.

Each θ-space step below is written directly from the update rule (GD, SAM, heavy ball,
Nesterov) in exact rational arithmetic, independently of the derivation; the generated
functions of numerics._derived must reproduce its z and per-mode moments exactly.
"""
from __future__ import annotations

from fractions import Fraction as F

import pytest
import sympy as sp

from sorm.numerics import _derived as D
from sorm.theory import optimizer_map, optimizers as opt


def _z(w, th, E):
    return sum(wi * t * t for wi, t in zip(w, th)) / 2 - E


def _grad(w, v, E):
    zv = _z(w, v, E)
    return [zv * wi * vi for wi, vi in zip(w, v)]


def theta_step(key, w, th, thp, E, eta, h):
    """One step of the update rule itself, in θ-space (the tables of theory.optimizers, typed from the issue)."""
    if key == "gd":
        return [t - eta * g for t, g in zip(th, _grad(w, th, E))]
    if key == "sam":
        adv = [t + h * g for t, g in zip(th, _grad(w, th, E))]
        return [t - eta * g for t, g in zip(th, _grad(w, adv, E))]
    if key == "heavy-ball":
        return [t - eta * g + h * (t - tp) for t, g, tp in zip(th, _grad(w, th, E), thp)]
    y = [t + h * (t - tp) for t, tp in zip(th, thp)]
    return [yi - eta * g for yi, g in zip(y, _grad(w, y, E))]


def moment_step(key, w, th, thp, E, eta, h):
    """The same step through the generated η-rescaled moment map (scalars, ζ's, modes)."""
    py = key.replace("-", "_")
    hyper = {} if key == "gd" else {"rhot": h / eta} if key == "sam" else {"beta": h}
    J2 = [eta * (wi * t) ** 2 for wi, t in zip(w, th)]
    K = [eta * wi * wi * t * tp for wi, t, tp in zip(w, th, thp)]
    L = [eta * (wi * tp) ** 2 for wi, tp in zip(w, thp)]
    env = {"zt": eta * _z(w, th, E), "ct": eta * (sum(wi * t * tp for wi, t, tp in zip(w, th, thp)) / 2 - E),
           "zpt": eta * _z(w, thp, E), **hyper}
    for k in range(5):
        env[f"M{k}"] = sum(wi ** k * j for wi, j in zip(w, J2))
        env[f"N{k}"] = sum(wi ** k * j for wi, j in zip(w, K))
        env[f"L{k}"] = sum(wi ** k * j for wi, j in zip(w, L))
    k = 1
    while hasattr(D, f"opt_{py}_zeta{k}"):
        fn = getattr(D, f"opt_{py}_zeta{k}")
        env[f"zeta{k}"] = fn(*(env[n] for n in fn.__code__.co_varnames[:fn.__code__.co_argcount]))
        k += 1
    call = lambda fn, **extra: fn(*({**env, **extra}[n] for n in fn.__code__.co_varnames[:fn.__code__.co_argcount]))  # noqa: E731
    modes = [call(getattr(D, f"opt_{py}_mode"), omega=wi, J2=j, K=kk, L=ll) for wi, j, kk, ll in zip(w, J2, K, L)]
    scalars = call(getattr(D, f"opt_{py}_scalars"))
    return scalars, modes


CASES = [("gd", None), ("sam", F(1, 10)), ("sam", F(3, 7)), ("heavy-ball", F(1, 2)), ("heavy-ball", F(9, 10)),
         ("nesterov", F(1, 2)), ("nesterov", F(9, 10))]


@pytest.mark.parametrize("key,h", CASES, ids=[f"{k}-{h}" for k, h in CASES])
def test_generated_map_equals_the_theta_space_rule(key, h):
    w = [F(2), F(-1, 3), F(5, 4)]
    th, thp = [F(1, 2), F(-3, 5), F(7, 10)], [F(2, 5), F(-1, 2), F(3, 4)]
    if key in ("gd", "sam"):
        thp = th  # no memory
    E, eta = F(1, 7), F(3, 10)
    new = theta_step(key, w, th, thp, E, eta, h)
    scalars, modes = moment_step(key, w, th, thp, E, eta, h)
    assert scalars[0] == eta * _z(w, new, E)
    for m, wi, t, tn in zip(modes, w, th, new):
        assert m[0] == eta * (wi * tn) ** 2
        if opt.OPTIMIZERS[key].memory:
            assert m[1] == eta * wi * wi * tn * t and m[2] == eta * (wi * t) ** 2
    if opt.OPTIMIZERS[key].memory:
        assert scalars[1] == eta * (sum(wi * a * b for wi, a, b in zip(w, new, th)) / 2 - E)
        assert scalars[2] == eta * _z(w, th, E)


@pytest.mark.parametrize("key", ["sam", "heavy-ball", "nesterov"])
def test_zero_hyper_parameter_is_gd(key):
    """ρ = 0 and β = 0 give GD's step exactly (from the same θ, θ⁻ = θ)."""
    w = [F(3, 2), F(-1, 2)]
    th = [F(4, 5), F(-7, 10)]
    E, eta = F(-1, 9), F(1, 2)
    gd = moment_step("gd", w, th, th, E, eta, None)
    other = moment_step(key, w, th, th, E, eta, F(0))
    assert other[0][0] == gd[0][0]
    assert [m[0] for m in other[1]] == [m[0] for m in gd[1]]


def test_edges():
    b, r = opt.beta, opt.rhot
    assert opt.edge("gd").edge == 2
    assert sp.simplify(opt.edge("heavy-ball").edge - 2 * (1 + b)) == 0
    assert sp.simplify(opt.edge("nesterov").edge - 2 * (1 + b) / (1 + 2 * b)) == 0
    e = opt.edge("sam").edge
    assert sp.simplify(e * (1 + r * e) - 2) == 0
    assert D.opt_heavy_ball_edge(F(9, 10)) == F(19, 5)
    assert D.opt_nesterov_edge(F(9, 10)) == F(38, 28)
    assert D.opt_gd_edge() == 2


def test_rescaling_is_derived():
    assert opt.rescaled("sam")[0] == {opt.rho: (opt.rhot, 1)}
    assert opt.rescaled("heavy-ball")[0] == {opt.beta: (opt.beta, 0)}


def test_stable_interval_is_below_the_edge():
    reg = opt.stable_interval_checks("heavy-ball")
    assert reg[sp.Rational(9, 10)] == sp.Interval.open(0, sp.Rational(19, 5))
    assert opt.stable_interval_checks("nesterov")[sp.Rational(1, 2)] == sp.Interval.open(0, sp.Rational(3, 2))


@pytest.mark.parametrize("key", ["gd", "heavy-ball"])
def test_invariants_mode_by_mode(key):
    assert opt.invariant_change(key) == 0
    assert opt.invariant_change_concrete(key, sp.symbols("w1 w2", nonzero=True)) == 0


@pytest.mark.slow
@pytest.mark.parametrize("key", ["sam", "nesterov"])
def test_invariants_mode_by_mode_slow(key):
    assert opt.invariant_change_concrete(key, sp.symbols("w1 w2", nonzero=True)) == 0


def test_broken_map_breaks_the_invariant(monkeypatch):
    """Mutation: drop a term of the derived heavy-ball z' and the invariant check must fail."""
    d = opt.derive("heavy-ball")
    bad = opt.Derived(d.opt, d.zeta_syms, d.zetas, d.theta_next, d.modes,
                      (d.scalars[0] + opt.beta ** 2 * opt.zp,) + d.scalars[1:])
    monkeypatch.setattr(optimizer_map, "derive", lambda key: bad)  # the module that derives the map
    assert opt.invariant_change("heavy-ball") != 0


def test_sam_planar_matches_the_modes():
    """The 2-D SAM map equals the mode map summed, with modes from the invariant (exact)."""
    w1, w2, Et, rt = F(3, 2), F(-1, 2), F(1, 5), F(1, 4)
    zt, T = F(1, 50), F(19, 10)
    J1 = (2 * (zt + Et) - T / w2) / (1 / w1 - 1 / w2)
    J2 = T - J1
    zn, Tn = D.opt_sam_planar(zt, T, w1 + w2, w1 * w2, Et, rt)
    z1 = D.opt_sam_zeta1(zt, rt)
    M = [w1 ** k * J1 + w2 ** k * J2 for k in range(5)]
    z2 = D.opt_sam_zeta2(zt, z1, M[0], M[1], rt)
    assert zn == D.opt_sam_scalars(zt, z1, z2, M[0], M[1], M[2], M[3], rt)[0]
    assert Tn == sum(D.opt_sam_mode(z1, z2, w, j, rt)[0] for w, j in ((w1, J1), (w2, J2)))
