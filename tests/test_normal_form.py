"""theory.normal_form and theory.period2: the EOS normal form, the formal invariant, k = 0."""
from __future__ import annotations

import time
from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from hypothesis import example, given
from hypothesis import strategies as st

from sorm.numerics import _derived as d
from sorm.numerics.eos.convergence import loglog_slope
from sorm.theory import normal_form as nf
from sorm.theory import period2 as p2
from sorm.theory.symbols import Et, T, a, b, w1, w2, zt

# Parameters with both edge weights positive (k > 0): ω = (2, 1/2), Ẽ = 1 and ω = (1, -1), Ẽ = 1/5.
GOOD = [(Fraction(5, 2), Fraction(1), Fraction(1)), (Fraction(0), Fraction(-1), Fraction(1, 5))]


def test_s_r_k_closed_forms():
    assert sp.expand(nf.s_expr() - 2 * (a - b * Et)) == 0
    assert sp.expand(nf.r_expr() - (2 * (a ** 2 - b) - 2 * a * b * Et)) == 0
    assert sp.expand(nf.k_expr() - (2 * nf.r_expr() - nf.s_expr() ** 2)) == 0


def test_leading_normal_form():
    s, r = nf.s_expr(), nf.r_expr()
    dz, dy = nf.leading_normal_form()
    assert sp.expand(dz - 2 * zt * (nf.y - s * zt)) == 0
    assert sp.expand(dy - (-(s ** 2 + 2 * r) * zt ** 2 + 2 * s * zt * nf.y)) == 0
    # In ỹ = y − s z̃: Δz̃ = 2z̃ỹ and Δỹ = Δy − sΔz̃ = −k z̃².
    assert sp.expand(dy - s * dz + nf.k_expr() * zt ** 2) == 0


def test_k_is_four_times_variance():
    assert nf.k_minus_4var() == 0
    p1, p2_ = nf.edge_weights()
    assert sp.simplify(p1 + p2_ - 1) == 0
    # The variance under uniform weights must NOT match: the check can fail.
    mean = (w1 + w2) / 2
    wrong = ((w1 - mean) ** 2 + (w2 - mean) ** 2) / 2
    k = nf.k_expr().subs({a: w1 + w2, b: w1 * w2})
    assert sp.simplify(k - 4 * wrong) != 0


def test_solvability_report():
    inv = nf.formal_invariant(nf.N_MAX)
    reps = inv.reports
    assert all(r.solvable for r in reps.values())
    assert reps[2].kernel_dim == 1
    assert reps[3].verdict == "unique" and reps[5].verdict == "unique"
    assert reps[4].verdict == "1-parameter family"
    assert all(r.equations == r.unknowns + 1 for r in reps.values())


def test_H2_is_the_leading_invariant():
    inv = nf.formal_invariant(nf.N_MAX)
    H2 = sum(c * zt ** j * nf.y ** (2 - j) for j, c in enumerate(inv.coeffs[2]))
    assert sp.expand(H2 - (2 * (nf.y - nf.s_expr() * zt) ** 2 + nf.k_expr() * zt ** 2)) == 0


@pytest.mark.parametrize("params", GOOD, ids=["w=(2,1/2),E=1", "w=(1,-1),E=1/5"])
def test_normalisations_differ_by_a_multiple_of_H2_squared(params):
    iy, iz = nf.formal_invariant(nf.N_MAX, "pure_y"), nf.formal_invariant(nf.N_MAX, "pure_z")
    sub = dict(zip((a, b, Et), map(sp.Rational, params)))
    assert all(u.xreplace(sub) == v.xreplace(sub) for u, v in zip(iy.coeffs[3], iz.coeffs[3]))  # H3 unique
    H2 = sp.expand(nf.H_poly(iy, 2).xreplace(sub))
    diff4 = sp.expand((nf.H_poly(iy, 4) - nf.H_poly(iz, 4)).xreplace(sub))
    c = diff4.coeff(nf.y, 4).coeff(zt, 0) / 4  # H2² has y⁴ coefficient 4
    assert c != 0
    assert sp.expand(diff4 - c * H2 ** 2) == 0
    assert iy.coeffs[4][0] == 0 and iz.coeffs[4][4] == 0


def _sub(expr, pa, pb, pe):
    """Exact value of a rational function of (a, b, Ẽ) at rational parameters."""
    v = expr.xreplace({a: sp.Rational(pa), b: sp.Rational(pb), Et: sp.Rational(pe)})
    return Fraction(int(v.p), int(v.q))


@pytest.mark.parametrize("params", GOOD, ids=["w=(2,1/2),E=1", "w=(1,-1),E=1/5"])
def test_invariant_defect_has_order_N_plus_2(params):
    """H∘F² − H = O(|x|^{N+2}) along a ray x = t·(z̃, y) (generated map and coefficients)."""
    pa, pb, pe = params
    H = {n: getattr(d, f"eos_H{n}")(pa, pb, pe) for n in range(2, nf.N_MAX + 1)}

    def Hval(z, y, N):
        return sum(c * z ** j * y ** (n - j) for n in range(2, N + 1) for j, c in enumerate(H[n]))

    def F(z, T):
        return d.planar_zt_next(z, T, pa, pb, pe), d.planar_T_next(z, T, pa, pb, pe)

    ts = [Fraction(1, 2 ** m) for m in range(6, 10)]
    for N in range(2, nf.N_MAX + 1):
        defects = []
        for t in ts:
            z0, y0 = t * Fraction(1, 3), t * Fraction(-1, 2)
            z2, T2 = F(*F(z0, 2 + y0))
            defects.append(abs(Hval(z2, T2 - 2, N) - Hval(z0, y0, N)))
        slope = loglog_slope(ts, [mpmath.mpf(x.numerator) / x.denominator for x in defects])
        assert abs(slope - (N + 2)) < 0.3, (N, slope)


@given(st.fractions(-5, 5, max_denominator=50), st.fractions(-5, 5, max_denominator=50),
       st.fractions(-3, 3, max_denominator=50))
@example(Fraction(0), Fraction(-1), Fraction(0))
@example(Fraction(5, 2), Fraction(1), Fraction(1))
@example(Fraction(1000), Fraction(-7), Fraction(1, 1000))
def test_generated_coefficients_match_sympy(pa, pb, pe):
    inv = nf.formal_invariant(nf.N_MAX)
    den = pb * (1 - pa * pe + pb * pe ** 2)
    if den == 0 or (pb * pe ** 2 - 3 * pa * pb * pe + 2 * pa ** 2 - pb) == 0:
        return  # a pole of the coefficients (k = 0 or b = 0): nothing to compare
    for n in (2, 3, 4):
        gen = getattr(d, f"eos_H{n}")(pa, pb, pe)
        want = [_sub(c, pa, pb, pe) for c in inv.coeffs[n]]
        assert [Fraction(g) for g in gen] == want
    assert Fraction(d.eos_k(pa, pb, pe)) == _sub(nf.k_expr(), pa, pb, pe)
    rad = nf.leading_radicand().xreplace({zt: sp.Rational(1, 7), T: 2})
    assert Fraction(d.eos_leading_radicand(Fraction(1, 7), Fraction(2), pa, pb, pe)) == _sub(rad, pa, pb, pe)


def test_derivation_of_order_5_is_under_budget():
    for fn in (nf._two_step, nf.formal_invariant, nf.planar_map):
        fn.cache_clear()
    t0 = time.perf_counter()
    nf.formal_invariant(5)
    assert time.perf_counter() - t0 < 120


def test_bad_arguments_of_formal_invariant():
    with pytest.raises(ValueError, match="normalization"):
        nf.formal_invariant(3, "other")
    with pytest.raises(ValueError, match="N=1"):
        nf.formal_invariant(1)


# ---- k = 0: theory.period2 -------------------------------------------------------------------

def test_single_mode_has_k_zero_and_map_fixed_points():
    assert p2.k_single_mode() == 0
    g = p2.one_mode_map()
    assert sp.factor(g - p2.u) == sp.factor(p2.u * (p2.u + p2.e) * (p2.u - 2))


def test_period2_orbit_is_a_true_two_cycle():
    g = p2.one_mode_map()
    up, um = p2.period2_orbit()
    assert sp.simplify(g.subs(p2.u, up) - um) == 0
    assert sp.simplify(sp.expand(g.subs(p2.u, g.subs(p2.u, up))) - up) == 0
    # Not a fixed point for e > 1:
    assert sp.simplify((g.subs(p2.u, up) - up).subs(p2.e, sp.Rational(11, 10))) != 0
    assert p2.period2_stable_interval() == sp.Interval.open(1, sp.sqrt(5) - 1)


def test_edge_two_step_is_cubic():
    assert sp.expand(p2.edge_two_step(3) - (p2.u - 4 * p2.u ** 3)) == 0


@pytest.mark.parametrize("e_val", [Fraction(11, 10), Fraction(6, 5), Fraction(3, 2)])
def test_generated_period2_orbit(e_val):
    with mpmath.workdps(40):
        em = mpmath.mpf(e_val.numerator) / e_val.denominator
        up, um = d.p2_orbit(em)
        g = lambda x: d.p2_one_mode_map(x, em)  # noqa: E731
        assert abs(g(up) - um) < mpmath.mpf(10) ** -37 and abs(g(um) - up) < mpmath.mpf(10) ** -37
        assert abs(up - um) > mpmath.mpf("0.1")
