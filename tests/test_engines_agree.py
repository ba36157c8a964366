"""Every engine gives the same status for the same state (docs/theory.md §4, numerics.status).

The engines that classify a run: high-precision GD (fixed point, mpmath, θ), the float64 batch engine
(the mode and the planar kernels, numba and numpy back ends) and the certifier. The truth for each case
comes from an iteration written here, independent of every engine: the (z̃, J̃(ω_i)²) map in exact
rationals (or mpmath at 80 digits), with the divergence rule applied before each step t,

    z̃' = z̃(1 − T) + ½ z̃² S,   J̃(ω_i)²' = (1 − z̃ω_i)² J̃(ω_i)²,   T = Σ J̃(ω_i)²,  S = Σ ω_i J̃(ω_i)²,

DIVERGED at step t when |z̃_t| or T_t exceeds numerics.status.divergence_bound (the first such t).
"""
from __future__ import annotations

from fractions import Fraction as F

import pytest

from sorm.numerics.certify import CertStatus, enclose_final_ntk
from sorm.numerics.engines.batch import TrajectoryClass, run_batch, run_planar
from sorm.numerics.engines.gd_mp import GDStatus, run_gd
from sorm.numerics.problem import from_state, from_theta
from sorm.numerics.status import divergence_bound

BACKENDS = ("numba", "numpy")


def exact_orbit(problem, steps):
    """[(z̃_t, T_t)] for t = 0..steps, in exact rationals (the map of the module docstring)."""
    w, z, J = problem.omegas, problem.zt0, list(problem.J2t)
    out = [(z, sum(J))]
    for _ in range(steps):
        T, S = sum(J), sum(wi * j for wi, j in zip(w, J))
        z, J = z * (1 - T) + z * z * S / 2, [(1 - z * wi) ** 2 * j for wi, j in zip(w, J)]
        out.append((z, sum(J)))
    return out


def exact_divergence_step(problem, steps):
    """The first t with |z̃_t| or T_t above the bound (the rule of numerics.status), or None."""
    B = divergence_bound(problem.zt0, problem.T0, problem.Et)
    return next((t for t, (z, T) in enumerate(exact_orbit(problem, steps)) if abs(z) > B or T > B), None)


def batch_runs(problem, steps, check_every=1):
    """The float64 batch engine on ``problem`` with its own divergence bound: (label, class, steps) for the
    mode kernel and (P = 2) the planar kernel, on both back ends."""
    B = float(divergence_bound(problem.zt0, problem.T0, problem.Et))
    w = [float(x) for x in problem.omegas]
    kw = dict(steps=steps, blowup=B, check_every=check_every)
    out = []
    for eng in BACKENDS:
        r = run_batch(w, [float(problem.zt0)], [[float(j) for j in problem.J2t]], engine=eng, **kw)
        out.append((f"modes/{eng}", r.class_of(0), int(r.steps[0])))
        if problem.planar is not None:
            a, b, Et = (float(x) for x in problem.planar)
            r = run_planar(float(problem.zt0), float(problem.T0), a, b, Et, engine=eng, **kw)
            out.append((f"planar/{eng}", r.class_of(0), int(r.steps[0])))
    return out


# --- 1. a residual below the tolerance that does not measurably move -------------------------------


@pytest.mark.parametrize("method", ["fixed-point", "mpmath"])
def test_eta_lambda_zero_below_tol_is_an_unstable_fixed_point(method):
    """ηλ = 0 (every J̃² = 0): z̃' = z̃ exactly, so z̃ = 10⁻⁴⁰ below the tolerance 10⁻³⁰ is a fixed point with
    multiplier 1 − T = 1, which does not attract. The fixed-point engine's planar S is off by rounding and
    moved z̃ down by one unit, which it used to call shrinking (CONVERGED after 0 steps)."""
    p = from_state("1,-1", "1e-40", "0,0")
    assert exact_orbit(p, 3) == [(F(1, 10**40), 0)] * 4
    r = run_gd(p, dps=50, tol=F(1, 10**30), method=method)
    assert r.status is GDStatus.UNSTABLE_FIXED_POINT and r.steps == 0
    for label, cls, _ in batch_runs(p, 200):
        assert cls is TrajectoryClass.UNSTABLE_FIXED_POINT, label


# z̃ = 10⁻⁴⁶ (below the tolerance 10⁻²⁵) with S = 0 (ω = (1, −1), J̃₁² = J̃₂²), so one step multiplies z̃ by
# 1 − T exactly: T = 2 − ε shrinks |z̃| (converges), T = 2 + ε grows it (leaves the line). At ε = 4·10⁻²⁰
# every engine sees the step at 30 digits. At ε = 4·10⁻⁸⁰ the fixed-point engine at 30 digits (p ≈ 340 bits)
# still holds T exactly but cannot see the change of |z̃| (4·10⁻¹²⁶ against its rounding of 10⁻¹⁰⁰): the
# state is classed by 1 − T, as a state on the line (before, its exact comparison of z̃ sent the converging
# side into the "leaving" branch half of the time). mpmath and θ at 30 digits round T itself to 2 there (their
# precision is relative): they run at 100 digits, where they see the step.
NEAR_EDGE = [(sign, k) for sign in (-1, 1) for k in (20, 80)]


@pytest.mark.parametrize("method", ["fixed-point", "mpmath", "theta"])
@pytest.mark.parametrize("sign, k", NEAR_EDGE, ids=[f"T=2{'+' if s > 0 else '-'}4e-{k}" for s, k in NEAR_EDGE])
def test_below_tol_near_the_edge_each_side_gets_its_own_status(method, sign, k):
    t = 1 + F(sign, 10**k)  # θ = (t, t): J̃_i² = t², T = 2t² = 2 ± 4·10⁻ᵏ + 2·10⁻²ᵏ, z̃ = −E
    p = from_theta("1,-1", F(-1, 10**46), [t, t])
    (z0, T0), (z1, _) = exact_orbit(p, 1)
    assert z0 == F(1, 10**46) and z1 == z0 * (1 - T0) and (abs(z1) < abs(z0)) == (sign < 0)
    dps = 100 if k == 80 and method != "fixed-point" else 30
    r = run_gd(p, dps=dps, tol=F(1, 10**25), max_steps=300, method=method)
    if sign < 0:
        assert r.status is GDStatus.CONVERGED and r.steps == 0
    else:  # run on until it leaves the line: 300 steps at a growth of 1 + 4·10⁻ᵏ are not enough
        assert r.status is GDStatus.UNSTABLE_FIXED_POINT and r.steps in (0, 300)


# --- 2. an orbit that lands exactly on the repelling part of the fixed line -------------------------


def test_landing_exactly_on_the_repelling_line_is_an_unstable_fixed_point_everywhere():
    """ω = (1, −1), z̃₀ = 1000, J̃² = (½, ½): S = 0 and T = 1, so z̃₁ = 0 exactly, at T₁ = 1 + 1000² where the
    line repels (1 − T = −10⁶). The exact orbit stays at that fixed point, which no perturbed orbit (and no
    GD limit) stays near: every engine says UNSTABLE_FIXED_POINT at step 1. The certifier used to call
    it CERTIFIED (its tail bound is 0 on z̃ = 0, whatever T)."""
    p = from_state("1,-1", "1000", "1/2,1/2")
    assert exact_orbit(p, 3)[1:] == [(0, 1000001)] * 3
    for method in ("fixed-point", "mpmath"):
        r = run_gd(p, dps=30, method=method)
        assert r.status is GDStatus.UNSTABLE_FIXED_POINT and r.steps == 1, method
    enc = enclose_final_ntk(p)
    assert enc.status is CertStatus.UNSTABLE_FIXED_POINT and enc.steps == 1 and not enc.status.has_result
    assert "[1000001, 1000001]" in enc.detail and enc.lo is None
    for label, cls, n in batch_runs(p, 50):
        assert cls is TrajectoryClass.UNSTABLE_FIXED_POINT and n == 1, label


@pytest.mark.parametrize("J2, certified", [("1.2,0.8", False), ("0,0", False), ("0.7,0.8", True)],
                         ids=["T=2", "T=0", "T=1.5"])
def test_a_start_on_the_line_is_classed_by_one_minus_T_in_the_certifier_too(J2, certified):
    """z̃₀ = 0: the certifier certifies only where the line attracts (0 < T < 2), like run_gd."""
    p = from_state("1,-1", "0", J2)
    enc = enclose_final_ntk(p, prec_bits=128)
    assert enc.certified is certified
    assert run_gd(p, dps=30).status is (GDStatus.CONVERGED if certified else GDStatus.UNSTABLE_FIXED_POINT)
    if not certified:
        assert enc.status is CertStatus.UNSTABLE_FIXED_POINT and enc.steps == 0


# --- 3. one divergence rule, one step count ---------------------------------------------------------

DIVERGING = {
    # the reported case: |z̃| and T both pass 2^30·80 at step 4
    "both": (("1", "-1"), "0.01", ("40", "40"), 4),
    # T alone passes at step 1: T₁ = 2^16·32769² > 2^46 while z̃₁ ≈ 2^45 is below it (gd_mp checked T
    # only every 64 steps and stopped a step later, on z̃)
    "T alone": (("1", "-1"), "-32768", ("65536", "0"), 1),
    # T₁ = 65534·2^30 equals the bound: not above it, so the run diverges a step later
    "T at the bound": (("1", "-1"), "-32767", ("65534", "0"), 2),
    # z̃₁ = 2^62 + 2^32 − 2^48 equals the bound (T₁ below it): likewise
    "z at the bound": (("1/8", "-1/8"), "262144", ("1073741825", "0"), 2),
    # z̃₁ = 0 exactly, but T₁ = 2^62 + 1 > 2^61: diverged, not a fixed point
    "T past it on the line": (("1", "-1"), str(2**31), ("1/2", "1/2"), 1),
}


@pytest.mark.parametrize("case", list(DIVERGING))
def test_every_engine_diverges_at_the_step_of_the_rule(case):
    w, z0, J2, step = DIVERGING[case]
    p = from_state(list(w), z0, list(J2))
    assert exact_divergence_step(p, 6) == step
    B = divergence_bound(p.zt0, p.T0, p.Et)
    if case.endswith("at the bound"):  # the equality itself, exactly
        z, T = exact_orbit(p, 1)[1]
        assert max(abs(z), T) == B and min(abs(z), T) < B
    for method in ("fixed-point", "mpmath"):
        r = run_gd(p, dps=30, method=method)
        assert r.status is GDStatus.DIVERGED and r.steps == step, method
    enc = enclose_final_ntk(p)
    assert enc.status is CertStatus.DIVERGED and enc.steps == step
    for label, cls, n in batch_runs(p, 50):
        assert cls is TrajectoryClass.DIVERGED and n == step, label
