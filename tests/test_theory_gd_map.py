"""Symbolic tests of theory.gd_map against docs/theory.md §3 closed forms (typed here as the reference)."""
from __future__ import annotations

from fractions import Fraction

import pytest
import sympy as sp

from sorm.numerics import _derived as d
from sorm.theory import gd_map
from sorm.theory.symbols import J2, M0, M1, S, T, eta, i, omega, z, zt


def test_z_next_matches_model_closed_form():
    ref = z - eta * z * M0 + sp.Rational(1, 2) * eta**2 * z**2 * M1  # docs/theory.md §3
    assert sp.expand(gd_map.z_next() - ref) == 0


def test_J2_next_matches_model_closed_form():
    assert sp.expand(gd_map.J2_next() - (1 - eta * z * omega[i]) ** 2 * J2[i]) == 0


def test_rescaled_map_matches_model_closed_form():
    assert sp.expand(gd_map.zt_next() - (zt * (1 - T) + sp.Rational(1, 2) * zt**2 * S)) == 0
    assert sp.expand(gd_map.J2t_next() - (1 - zt * omega[i]) ** 2 * J2[i]) == 0


@pytest.mark.parametrize("P", [1, 2, 3])
def test_theta_space_step_equals_map_for_concrete_P(P):
    """Substitute θ' = (1 − ηzω_i)θ_i into z(θ) directly for P = 1..3, no moments."""
    w = sp.symbols(f"w1:{P + 1}", real=True)
    th = sp.symbols(f"th1:{P + 1}", real=True)
    E = sp.Symbol("E", real=True)
    z0 = sum(wk * tk**2 for wk, tk in zip(w, th)) / 2 - E
    th1 = [tk - eta * z0 * wk * tk for wk, tk in zip(w, th)]
    z1 = sum(wk * tk**2 for wk, tk in zip(w, th1)) / 2 - E
    J2s = [(wk * tk) ** 2 for wk, tk in zip(w, th)]
    mapped = gd_map.z_next().subs({z: z0, M0: sum(J2s), M1: sum(wk * j for wk, j in zip(w, J2s))})
    assert sp.expand(z1 - mapped) == 0


@pytest.mark.parametrize("summand", [z * J2[i] / omega[i] ** 2, z * J2[i] ** 2, z * omega[i] ** 3 * J2[i],
                                     z * omega[i], sp.exp(z) * J2[i]],
                         ids=["negative-power", "J2-squared", "no-moment-3", "no-J2", "not-polynomial"])
def test_moment_sum_rejects_a_non_moment_summand(summand):
    with pytest.raises(ValueError):
        gd_map.moment_sum(summand)


def test_moment_sum_splits_by_linearity():
    assert gd_map.moment_sum(3 * z * J2[i] - z**2 * omega[i] ** 2 * J2[i] / 2) == 3 * z * M0 - z**2 * gd_map.M2 / 2


def test_generated_functions_equal_the_derivation_exactly():
    """The generated module evaluated on Fractions equals sympy's expression at the same rationals."""
    vals = {eta: Fraction(3, 7), z: Fraction(-5, 11), M0: Fraction(13, 5), M1: Fraction(-2, 9)}
    ref = gd_map.z_next().subs({k: sp.Rational(v.numerator, v.denominator) for k, v in vals.items()})
    got = d.gd_z_next(vals[eta], vals[z], vals[M0], vals[M1])
    assert isinstance(got, Fraction) and got == Fraction(int(ref.p), int(ref.q))
    assert d.gd_zt_next(Fraction(1, 3), Fraction(2), Fraction(1, 2)) == Fraction(1, 3) * (1 - 2) + Fraction(1, 2) * Fraction(1, 9) * Fraction(1, 2)


def test_eta_rescaling_is_exact_symbolically():
    """η·z'(η, z, λ, M₁) = z'(1, ηz, ηλ, ηM₁) and η·J²'(η, z) = J²'(1, ηz) applied to ηJ²."""
    lhs = eta * gd_map.z_next()
    rhs = gd_map.z_next().subs({eta: 1, z: eta * z, M0: eta * M0, M1: eta * M1}, simultaneous=True)
    assert sp.expand(lhs - rhs) == 0
    lhsJ = eta * gd_map.J2_next()
    rhsJ = gd_map.J2_next().subs({eta: 1, z: eta * z, J2[i]: eta * J2[i]}, simultaneous=True)
    assert sp.expand(lhsJ - rhsJ) == 0
