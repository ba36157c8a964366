"""The catapult with one active mode (theory.catapult): the generated NTK map against GD on θ itself."""
from __future__ import annotations

from fractions import Fraction as F

import pytest

from sorm.numerics import _derived as D
from sorm.proofs_check.registry import Context, run_claim


def _gd_theta_ntk(w, E, th):
    """One GD step on θ (paper §2.1 update, η = 1), exact; returns ηλ = Σ(ω_iθ_i)² after it."""
    z = sum(wi * t * t for wi, t in zip(w, th)) / 2 - E
    th = [t - z * wi * t for wi, t in zip(w, th)]
    return sum((wi * t) ** 2 for wi, t in zip(w, th))


@pytest.mark.parametrize("w, E, th", [((F(1), F(1)), F(0), (F(3, 2), F(1, 2))),
                                      ((F(2), F(2), F(2)), F(1, 3), (F(1, 2), F(-1, 3), F(1, 5))),
                                      ((F(1, 2),), F(-1, 4), (F(3),))])
def test_ntk_map_equals_a_gd_step_on_theta(w, E, th):
    T0 = sum((wi * t) ** 2 for wi, t in zip(w, th))
    assert D.cat_ntk_map(T0, w[0] * E) == _gd_theta_ntk(w, E, th)


def test_bounds_are_fixed_points_of_the_map():
    for e in (F(0), F(1, 4), F(9, 10), F(-1, 2)):
        for T in (D.cat_divergence_bound(e), D.cat_end(e)):
            assert D.cat_ntk_map(T, e) == T
        # just above the divergence bound the map grows T, just below (above 2e) it lowers T
        Td = D.cat_divergence_bound(e)
        assert D.cat_ntk_map(Td + F(1, 100), e) > Td + F(1, 100)
        assert D.cat_ntk_map(Td - F(1, 100), e) < Td - F(1, 100)


def test_loss_growth_sign_matches_the_step():
    for e, T0 in ((F(0), F(3)), (F(9, 10), F(3)), (F(9, 10), F(1)), (F(1, 2), F(4))):
        u0 = T0 / 2 - e
        u1 = D.p2_one_mode_map(u0, e)
        assert (D.cat_loss_growth(T0, e) > 0) == (u1 * u1 > u0 * u0)
    assert D.cat_loss_growth(F(3), F(9, 10)) > 0 and D.cat_loss_growth(F(3), F(0)) < 0


def test_claim_fails_with_a_wrong_bound(monkeypatch, tmp_path):
    import sorm.proofs_check.claims.optimizers  # noqa: F401  registers the claims
    from sorm.proofs_check.registry import all_claims

    cl = next(c for c in all_claims() if c.id == "catapult.bounds")
    ctx = Context(outdir=tmp_path, quick=True)
    assert run_claim(cl, ctx).verdict.status.value == "verified"
    monkeypatch.setattr(D, "cat_divergence_bound", lambda e: 4 + e)
    assert run_claim(cl, ctx).verdict.status.value == "failed"
