"""Progressive sharpening in the 2-D model (claim eos.progressive_sharpening).

Checks the claim's key facts: the non-degenerate example sharpens geometrically to the edge and ends
slightly below 2 at the normal-form value; the same-sign sharpening bound follows from the exact
invariant; the k = 0 route tends to 2 itself like t^(-1/2); the float64 search finds no gradual route
from T0 >= 0.01 but does see more steps from tiny T0 (so its step count can fail).
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sorm.numerics.eos.sharpening import sharpening_search
from sorm.proofs_check.claims.eos import _DEGENERATE, _SHARPEN, _degenerate_facts, _sharpening_facts
from sorm.proofs_check.registry import Context, Status, all_claims, run_claim

#: T_∞ of the example (40-digit GD, agreeing with the 80-digit rerun to 1e-36).
T_INF = "1.996263977433684051366352971018180282542"


@pytest.fixture(scope="module")
def facts():
    return _sharpening_facts(dps=40)


def test_example_rises_geometrically_to_the_edge(facts):
    Ts = facts["Ts"]
    with mpmath.workdps(40):
        assert abs(Ts[0] - mpmath.mpf(1) / 20) < mpmath.mpf("1e-38")
    assert facts["rising_to_cross"] and facts["cross"] == 5        # T_0 < T_1 < ... < T_5 = 2.0136...
    assert facts["rise_end"] == 4                                    # z~ keeps its sign for t <= 4
    assert all(r >= 2 for r in facts["ratios"])                       # at least doubles: not gradual
    assert Ts[4] - Ts[3] > 1                                          # the O(1) last jump (0.766 -> 1.985)
    assert facts["bound_slack"] >= 0


def test_example_ends_slightly_below_two_at_the_predicted_value(facts):
    with mpmath.workdps(40):
        assert abs(facts["T_inf"] - mpmath.mpf(T_INF)) < mpmath.mpf("1e-35")
        assert 0 < 2 - facts["T_inf"] < mpmath.mpf("0.005")
        assert facts["doubled_diff"] < mpmath.mpf("1e-32")
        errs = facts["errors"]
        assert [N for N in sorted(errs)] == [2, 3, 4, 5]
        assert all(errs[N + 1] < errs[N] / 5 for N in (2, 3, 4))       # each order gains a factor > 5
        assert errs[5] < mpmath.mpf("1e-6")
    assert facts["k"] > 0 and min(facts["edge_weights"]) > 0          # both modes alive: k = 4 Var_p > 0
    assert facts["Et"] == Fraction(1301, 800)


def _exact_steps(omegas, J2, zt, n):
    """n exact GD steps in rescaled variables (docs/theory.md §3), Fractions throughout."""
    out = [(zt, tuple(J2))]
    for _ in range(n):
        T = sum(J2)
        S = sum(w * j for w, j in zip(omegas, J2))
        zt, J2 = zt * (1 - T) + zt * zt * S / 2, tuple((1 - zt * w) ** 2 * j for w, j in zip(omegas, J2))
        out.append((zt, J2))
    return out


_frac = st.fractions(min_value=-2, max_value=2, max_denominator=20)


@given(w1=_frac, w2=_frac, j1=st.fractions(0, 1, max_denominator=20), j2=st.fractions(0, 1, max_denominator=20),
       zt=st.fractions(-3, 3, max_denominator=20))
@example(w1=Fraction(1), w2=Fraction(1, 4), j1=Fraction(1, 400), j2=Fraction(19, 400), zt=Fraction(-153, 100))
@example(w1=Fraction(1), w2=Fraction(-1), j1=Fraction(1, 4), j2=Fraction(1, 4), zt=Fraction(1))
def test_same_sign_bound_from_the_invariant(w1, w2, j1, j2, zt):
    """2(z~_s - z~_c) = sum (J~_i^2(s) - J~_i^2(c))/w_i exactly; on same-sign steps without overshoot
    (0 <= w_i z~ <= 2 for the shrinking modes) this gives max|w| |z~_s| >= (T_c - T_s)/2."""
    if w1 == 0 or w2 == 0 or w1 == w2:
        return
    omegas = (w1, w2)
    traj = _exact_steps(omegas, (j1, j2), zt, 3)
    inv = [sum(j / w for w, j in zip(omegas, J)) - 2 * z for z, J in traj]
    assert len(set(inv)) == 1                                         # the invariant, exactly
    c = 0
    while (c + 1 < len(traj) and traj[c + 1][0] * zt > 0
           and all(not (w * traj[c][0] > 2) for w in omegas)):
        c += 1
    wmax = max(abs(w1), abs(w2))
    Tc = sum(traj[c][1])
    for s in range(c + 1):
        assert wmax * abs(traj[s][0]) >= (Tc - sum(traj[s][1])) / 2


def test_degenerate_route_tends_to_two_like_inverse_sqrt():
    g = _degenerate_facts(steps=10_000)
    assert g["mode_factors"] == [0, 4] and g["dead_mode"] == 0          # (1 - z~0 w1)^2 = 0: mode 1 killed
    assert g["e"] == 1 and g["Et"] == -1                              # fixed line T = 2e = 2 = 2|E~|
    assert g["two_step"] == g["u"] - 4 * g["u"] ** 3                  # u'' = u - 4u^3 => |T_t - 2| ~ t^(-1/2)
    assert g["limit"] == 1                                            # sqrt(t)|T_t - 2| -> 2/sqrt(4)
    for v in g["scaled"].values():
        assert abs(v - 1) < mpmath.mpf("0.01")
    a, b, c = (T - 2 for T in g["tail"])
    assert a * b < 0 and b * c < 0                                    # still oscillating around 2, not below
    assert g["doubled_diff"] < mpmath.mpf("1e-20")


def test_degenerate_constants_are_the_draft_example():
    assert _DEGENERATE[0] == (1, -1) and _DEGENERATE[3] == Fraction(1, 2)
    assert _SHARPEN[0] == (1, Fraction(1, 4))


def test_search_no_gradual_route_but_counts_steps():
    near = sharpening_search(seed=3, n=4000)
    assert near.hits > 0 and near.max_steps_to_1_9 < 10 and near.min_largest_jump > 0.5
    tiny = sharpening_search(seed=3, n=4000, t0_min=1e-6)
    assert tiny.hits > 0 and tiny.max_steps_to_1_9 > near.max_steps_to_1_9   # geometric: ~log(2/T0)


def test_search_steps_the_generated_map():
    """The scan (generated formulas) against an independent hand-written float64 GD step of the same runs."""
    import numpy as np

    n, steps = 2000, 400
    res = sharpening_search(seed=5, n=n, steps=steps)
    rng = np.random.default_rng(5)                     # the same draws, in the same order, as the scan
    w = rng.uniform(-1, 1, n)
    w[np.abs(w) < 0.05] = 0.5
    T0 = 10 ** rng.uniform(np.log10(0.01), np.log10(1.5), n)
    p = rng.uniform(0.02, 0.98, n)
    z = rng.choice([-1.0, 1.0], n) * 10 ** rng.uniform(-3, 0.5, n)
    a1, a2 = T0 * p, T0 * (1 - p)
    Et = (a1 + a2 / w - 2 * z) / 2                     # invariant: sum J~^2/omega - 2 z~ = 2 E~
    e1, e2 = (2 - 2 * Et * w) / (1 - w), w * (2 * Et - 2) / (1 - w)
    reach = np.full(n, -1)
    with np.errstate(all="ignore"):
        for t in range(steps):
            T, S = a1 + a2, a1 + w * a2
            z, a1, a2 = z - T * z + S * z * z / 2, a1 * (1 - z) ** 2, a2 * (1 - w * z) ** 2
            reach = np.where((reach < 0) & (a1 + a2 >= 1.9), t + 1, reach)
    Tf = a1 + a2
    hit = (np.minimum(e1, e2) >= 0.02) & (Tf > 1.95) & (Tf < 2) & (np.abs(z) < 1e-6) & (reach > 0)
    assert res.hits == int(hit.sum()) > 0
    assert res.max_steps_to_1_9 == int(reach[hit].max())
def test_claim_verified_quick(tmp_path):
    c = next(c for c in all_claims() if c.id == "eos.progressive_sharpening")
    out = run_claim(c, Context(tmp_path, quick=True, seed=0))
    assert out.verdict.status is Status.VERIFIED, out.verdict.evidence
    assert out.verdict.evidence["steps_to_edge"] == 5
    assert (tmp_path / "eos_progressive_sharpening.png").stat().st_size > 0


def test_high_d_rise_takes_one_to_three_steps():
    """The README's high-D rise: from ηλ₀ = 1.4 (D = 32, P = 256, ε = 0.15, f = 0.7, seeds 0–9) ηλ_max
    first reaches 1.9 after 1, 2 or 3 steps, in every run; not gradual there either."""
    import numpy as np

    from sorm.numerics.highdim.model import eta_for, random_instance, run_gd

    first = []
    for seed in range(10):
        inst = random_instance(32, 256, 0.15, seed)
        tr = run_gd(inst, eta_for(inst, 0.7), 10)
        assert tr.initial == pytest.approx(1.4)
        first.append(int(np.argmax(tr.eta_ntk >= 1.9)) if (tr.eta_ntk >= 1.9).any() else None)
    assert all(k is not None and 1 <= k <= 3 for k in first), first  # measured: 1, 2, 1, 2, 2, 1, 1, 1, 3, 1
