"""Symbolic tests of theory.invariants: Σ J(ω_i)²/ω_i − 2z = 2E is conserved by GD and GF."""
from __future__ import annotations

import pytest
import sympy as sp

from sorm.theory import gd_map, invariants
from sorm.theory.symbols import J2, M0, M1, eta, i, omega, z


def test_gd_conserves_invariant_for_symbolic_P():
    assert invariants.gd_change_moments() == 0


@pytest.mark.parametrize("ws", invariants.CONCRETE, ids=lambda ws: "omega=" + ",".join(map(str, ws)))
def test_gd_conserves_invariant_by_direct_substitution(ws):
    assert invariants.gd_change_concrete(ws) == 0


@pytest.mark.parametrize("ws", [(sp.Symbol("w1", nonzero=True), sp.Symbol("w2", nonzero=True)),
                                (sp.Symbol("w1", nonzero=True), sp.Integer(0)),
                                (sp.Integer(2), sp.Integer(0), sp.Integer(-3))], ids=["generic", "zero", "numeric"])
def test_invariant_holds_at_every_theta_with_pseudo_inverse(ws):
    assert invariants.theta_identity(ws) == 0


def test_gf_conserves_invariant():
    assert invariants.gf_rate() == 0


def test_zero_mode_is_skipped_by_the_pseudo_inverse():
    w1, j1 = sp.symbols("w1 j1", positive=True)
    assert invariants.invariant_of_state(z, [j1, 0], [w1, 0]) == j1 / w1 - 2 * z


def test_the_proof_method_detects_a_wrong_map():
    """Flip the sign of the η² term of z': the same difference no longer vanishes."""
    wrong = z - eta * z * M0 - sp.Rational(1, 2) * eta**2 * z**2 * M1
    per_mode = sp.expand((gd_map.J2_next() - J2[i]) / omega[i])
    diff = sp.expand(gd_map.moment_sum(per_mode) - 2 * (wrong - z))
    assert diff != 0 and sp.expand(diff - 2 * eta**2 * z**2 * M1) == 0
