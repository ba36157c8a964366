"""Symbolic tests of theory.sharpening: the paper's example sharpens for every sign of z and ω."""
from __future__ import annotations

import sympy as sp

from sorm.theory import sharpening
from sorm.theory.symbols import E, eta, omega_i, x, z


def test_rate_in_sinh_form():
    J0sq = sharpening.J0sq
    ref = 4 * eta * z * omega_i * J0sq * sp.sinh(2 * omega_i * x)
    assert sp.expand((sharpening.ntk_rate_sinh() - ref).rewrite(sp.exp)) == 0


def test_every_sign_case_is_proved_positive():
    cases = sharpening.sign_cases()
    assert set(cases) == {(1, 1), (1, -1), (-1, 1), (-1, -1)}
    assert all(pos is True for _, pos in cases.values())


def test_the_proof_needs_x_to_share_the_sign_of_z():
    """Negative control: if x had the opposite sign of z the rate would be negative."""
    rate = sharpening.ntk_rate_sinh()
    e = rate.subs({z: sharpening.z_abs, x: -sharpening.x_abs, omega_i: sharpening.w_abs})
    assert e.is_negative is True


def test_initial_residual_and_degenerate_cases():
    assert sharpening.z0_example() == -E
    assert all(v == 0 for v in sharpening.degenerate_cases().values())
