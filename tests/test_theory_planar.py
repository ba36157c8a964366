"""Symbolic tests of theory.planar against docs/theory.md §4 (closed forms typed here as the reference)."""
from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest
import sympy as sp

from sorm.numerics import _derived as d
from sorm.theory import planar
from sorm.theory.symbols import J2_1, J2_2, Et, T, a, b, w1, w2, zt

# docs/theory.md §4, typed as the independent reference.
S_REF = a * T - 2 * b * (zt + Et)
R_REF = (a**2 - b) * T - 2 * a * b * (zt + Et)
ZT_NEXT_REF = zt * (1 - T) + sp.Rational(1, 2) * zt**2 * S_REF
T_NEXT_REF = T - 2 * zt * S_REF + zt**2 * R_REF


def test_S_and_R_match_model():
    assert sp.expand(planar.S_expr() - S_REF) == 0
    assert sp.expand(planar.R_expr() - R_REF) == 0


def test_map_matches_model():
    assert sp.expand(planar.zt_next() - ZT_NEXT_REF) == 0
    assert sp.expand(planar.T_next() - T_NEXT_REF) == 0


def test_elimination_inverts_the_moments():
    el = planar.eliminate()
    assert sp.simplify(el[J2_1] + el[J2_2] - T) == 0
    assert sp.simplify(el[J2_1] / w1 + el[J2_2] / w2 - 2 * (zt + Et)) == 0


def test_fixed_line_eigenvalues_and_edge_of_stability():
    assert planar.fixed_line_eigenvalues() == {1 - T: 1, sp.Integer(1): 1}
    assert planar.stable_T_interval() == sp.Interval.open(0, 2)
    jac = planar.fixed_line_jacobian()
    assert jac[0, 1] == 0 and sp.expand(jac[0, 0] - (1 - T)) == 0 and jac[1, 1] == 1


def test_jacobian_is_the_derivative_of_the_reference_map():
    ref = sp.Matrix([ZT_NEXT_REF, T_NEXT_REF]).jacobian([zt, T])
    assert (planar.jacobian() - ref).applyfunc(sp.expand) == sp.zeros(2, 2)


def test_admissible_region_for_omega_plus_minus_one():
    """ω = (1, −1): J̃² = (T ± 2(z̃+Ẽ))/2, so the region is |2(z̃ + Ẽ)| ≤ T."""
    adm = [e.subs({w1: 1, w2: -1}) for e in planar.admissible()]
    c = zt + Et
    assert {sp.expand(e) for e in adm} == {sp.expand(2 * (T + 2 * c)), sp.expand(2 * (T - 2 * c))}


def test_generated_planar_functions_equal_the_derivation_exactly():
    vals = dict(zt=Fraction(1, 7), T=Fraction(9, 5), a=Fraction(1, 3), b=Fraction(-2), Et=Fraction(1, 5))
    subs = {zt: vals["zt"], T: vals["T"], a: vals["a"], b: vals["b"], Et: vals["Et"]}
    subs = {k: sp.Rational(v.numerator, v.denominator) for k, v in subs.items()}
    args = (vals["zt"], vals["T"], vals["a"], vals["b"], vals["Et"])
    for fn, expr in [(d.planar_S, S_REF), (d.planar_R, R_REF), (d.planar_zt_next, ZT_NEXT_REF),
                     (d.planar_T_next, T_NEXT_REF)]:
        assert fn(*args) == Fraction(str(expr.subs(subs)))
    jac = sp.Matrix([ZT_NEXT_REF, T_NEXT_REF]).jacobian([zt, T]).subs(subs)
    assert d.planar_jacobian(*args) == tuple(Fraction(str(v)) for v in jac)


@pytest.mark.parametrize("point", [(0.1, 1.5), (0.0, 2.0), (-0.3, 2.5)], ids=["inside", "T=2", "above"])
def test_generated_jacobian_matches_numerical_derivative(point):
    args = (mpmath.mpf(1) / 2, -mpmath.mpf(3), mpmath.mpf(1) / 5)
    with mpmath.workdps(30):
        z0, T0 = (mpmath.mpf(v) for v in point)
        num = [mpmath.diff(lambda u, v: d.planar_zt_next(u, v, *args), (z0, T0), (1, 0)),
               mpmath.diff(lambda u, v: d.planar_zt_next(u, v, *args), (z0, T0), (0, 1)),
               mpmath.diff(lambda u, v: d.planar_T_next(u, v, *args), (z0, T0), (1, 0)),
               mpmath.diff(lambda u, v: d.planar_T_next(u, v, *args), (z0, T0), (0, 1))]
        got = d.planar_jacobian(z0, T0, *args)
        assert max(abs(g - n) for g, n in zip(got, num)) < mpmath.mpf(10) ** -20
