"""The fixed line's certificates (numerics.certify.threshold) held to independent values.

Exact rationals (the true map's J11 = 1 − T is linear, so interval Newton lands on its roots 0 and 2
exactly), a 50-digit root, the separately generated ``planar_jacobian``, and maps made wrong on
purpose: the threshold is differentiated from the map the engines iterate, so a wrong map must give
the wrong map's threshold, or none. Each test here came from a mutant of threshold.py that survived
mutmut (TESTING.md, "numerics/certify/").
"""
from __future__ import annotations

import re
from fractions import Fraction as F

import flint
import mpmath
import pytest

from sorm.numerics import _derived as D
from sorm.numerics.certify import (
    Stability, certify_stability, certify_threshold, fixed_line_jacobian, fixed_line_polynomials,
)
from sorm.numerics.certify.threshold import _interval_newton
from sorm.numerics.precision import ball_endpoints, to_arb, to_fraction
from sorm.numerics.validate import InputError

#: a, b, Ẽ of ω = (1, −1), Ẽ = 1/5 (the docs/theory.md §5.3 example) and of an asymmetric pair.
MODEL = (0, -1, F(1, 5))
ASYM = (F(3, 2), -1, F(-1, 10))
ULP = F(1, 2**120)  # far above the 128-bit balls' radii, far below any difference tested


def _wrong_map(monkeypatch, extra):
    """Replace the generated z̃-map by z̃' + extra(z̃, T): a wrong map the threshold must follow."""
    real = D.planar_zt_next
    monkeypatch.setattr(D, "planar_zt_next", lambda z, T, a, b, Et: real(z, T, a, b, Et) + extra(z, T))


def _fields(text: str) -> dict:
    """The ``key=value`` fields at the top level of a compact repr."""
    return dict(re.findall(r"^    (\w+)=(.*),$", text, re.M))


def _contains(ball_text: str, value: F) -> bool:
    """Whether flint's ball text ``[m +/- r]`` (or an exact ``m``) contains ``value``."""
    m, _, r = ball_text.strip("[]").partition(" +/- ")
    return abs(F(m) - value) <= F(r or 0)


# --- the threshold --------------------------------------------------------------------------


def test_the_true_map_gives_the_exact_roots_in_four_newton_steps():
    """J11 = 1 − T is linear: from any search range one Newton step lands exactly on each root and a
    second sees the width stop shrinking (4 steps for the two roots); defaults η = 1, 128 bits."""
    for abc in (MODEL, ASYM):
        c = certify_threshold(*abc)
        assert (c.T_minus, c.T_plus, c.ntk_threshold) == ((2, 2), (0, 0), (2, 2))
        assert (c.certified, c.newton_steps, c.prec_bits, c.eta, c.search) == (True, 4, 128, 1, (-1, 4))
        assert c.slope == "-1.00000000000000000000000000000" and c.contains_edge()
        assert _fields(repr(c)) == {
            "T_minus": "[2, 2]", "T_plus": "[0, 0]", "slope": repr(c.slope), "search": "(-1, 4)", "eta": "1",
            "newton_steps": "4", "prec_bits": "128", "certified": "True"}
        assert c.to_json() == {
            "certified": True, "T_minus": ["2", "2"], "T_plus": ["0", "0"], "ntk_threshold": ["2", "2"],
            "width": "0", "slope": c.slope, "search": ["-1", "4"], "newton_steps": 4, "prec_bits": 128}
    c = certify_threshold(*MODEL, eta=F(1, 3), prec_bits=200, search=("-0.5", "5/2"))
    assert c.ntk_threshold == (6, 6) and c.to_json()["search"] == ["-1/2", "5/2"] and c.prec_bits == 200


@pytest.mark.parametrize("search, T_minus, T_plus", [
    ((-1, 2), (2, 2), (0, 0)),   # the edge at the upper end of the range: N(X) = {2} ⊆ X proves it
    ((0, 4), (2, 2), (0, 0)),    # T₊ at the lower end
    ((2, 4), (2, 2), None),      # T₊ = 0 outside the range
    ((-1, F(3, 2)), None, (0, 0)),  # T₋ = 2 outside
    ((3, 4), None, None),        # neither
], ids=["edge-at-hi", "zero-at-lo", "no-T-plus", "no-T-minus", "neither"])
def test_a_root_outside_the_search_range_is_not_certified(search, T_minus, T_plus):
    c = certify_threshold(*MODEL, search=search)
    assert (c.T_minus, c.T_plus) == (T_minus, T_plus)
    assert c.certified is (T_minus is not None and T_plus is not None)
    assert c.contains_edge() is c.certified
    j = c.to_json()
    assert j["T_minus"] == (None if T_minus is None else ["2", "2"]) and j["ntk_threshold"] == j["T_minus"]
    assert j["T_plus"] == (None if T_plus is None else ["0", "0"])
    assert j["width"] == (None if T_minus is None else "0") and j["certified"] is c.certified
    f = _fields(repr(c))
    assert (f["T_minus"], f["T_plus"]) == tuple("None" if p is None else f"[{p[0]}, {p[1]}]" for p in (T_minus, T_plus))
    assert (f["search"], f["certified"]) == (f"({search[0]}, {search[1]})", str(c.certified))


def test_a_wrong_map_moves_the_threshold_to_its_own_root(monkeypatch):
    """z̃' + z̃T²/8 (J11 = 1 − T − T²/8): T₋ = 4(√2 − 1), enclosed against a 50-digit value; still
    certified (the slope −1 − T/4 is negative on the range) but no longer the edge 2."""
    _wrong_map(monkeypatch, lambda z, T: -z * T * T / 8)
    c = certify_threshold(*MODEL)
    with mpmath.workdps(50):
        root = to_fraction(4 * (mpmath.sqrt(2) - 1))
    lo, hi = c.T_minus
    assert c.certified and lo <= root <= hi and 0 < hi - lo < F(1, 10**35)
    assert c.T_plus[0] <= 0 <= c.T_plus[1] and c.T_plus[1] - c.T_plus[0] < F(1, 10**35)
    assert not c.contains_edge()  # T₊ ∋ 0 alone is not the edge
    j = c.to_json()
    assert F(j["T_minus"][0]) <= lo and hi <= F(j["T_minus"][1]) and F(j["T_minus"][1]) - F(j["T_minus"][0]) < F(1, 10**28)
    assert hi - lo <= F(j["width"]) <= (hi - lo) * F(101, 100)
    assert [len(x.replace(".", "")) for x in j["T_minus"]] == [30, 30]  # the default: 30 digits
    j40 = c.to_json(40)["T_minus"]
    assert F(j40[0]) <= lo < F(j40[0]) + F(1, 10**39) and F(j40[1]) - F(1, 10**39) < hi <= F(j40[1])
    shown = _fields(repr(c))["T_minus"].strip("[]").split(", ")  # to the digits the width resolves
    assert F(shown[0]) <= lo and hi <= F(shown[1]) and F(shown[1]) - F(shown[0]) < F(1, 10**31)
    shown = _fields(repr(c))["T_plus"].strip("[]").split(", ")
    assert F(shown[0]) <= c.T_plus[0] < 0 and c.T_plus[1] <= F(shown[1])


def test_a_wrong_map_with_its_root_at_two_still_contains_the_edge(monkeypatch):
    """z̃' − z̃T(T − 2)/10 has the same roots 0 and 2 but is not linear: both are balls of positive
    width, and each end is checked."""
    _wrong_map(monkeypatch, lambda z, T: -z * T * (T - 2) / 10)
    c = certify_threshold(*MODEL)
    (mlo, mhi), (plo, phi) = c.T_minus, c.T_plus
    assert c.certified and c.contains_edge() and mlo < 2 < mhi and plo <= 0 <= phi < plo + F(1, 10**35)
    assert mhi - mlo < F(1, 10**35)


def test_a_wrong_map_that_is_not_monotone_is_not_certified(monkeypatch):
    """z̃' + z̃T²/4: d(1 − T + T²/4)/dT = −1 + T/2 vanishes at T = 2, inside the range: no certificate."""
    _wrong_map(monkeypatch, lambda z, T: z * T * T / 4)
    c = certify_threshold(*MODEL)
    assert not c.certified and not c.contains_edge() and c.to_json()["certified"] is False


def test_a_non_triangular_map_is_undecided(monkeypatch):
    """z̃' + T/8: ∂z̃'/∂T ≠ 0 on the line, so the diagonal is not the spectrum and no verdict is given."""
    _wrong_map(monkeypatch, lambda z, T: T / 8)
    c = certify_stability(F(1, 2), *MODEL)
    assert c.stability is Stability.UNDECIDED and not c.triangular and c.jacobian[1] != "0"
    assert c.to_json()["J12_exactly_zero"] is False


# --- interval Newton --------------------------------------------------------------------------


def _square_minus(c):
    def g(X):
        return X * X - c, 2 * X
    return g


def test_interval_newton_encloses_sqrt2_to_the_working_precision():
    with flint.ctx.workprec(128), mpmath.workdps(60):
        lo, hi, proved, it = _interval_newton(_square_minus(2), F(1, 2), F(2))
        root = to_fraction(mpmath.sqrt(2))
        assert proved and lo <= root <= hi and hi - lo < F(1, 2**110) and 2 <= it < 60
        lo2, hi2, proved2, it2 = _interval_newton(_square_minus(2), F(1, 2), F(2), max_iter=2)
        assert (proved2, it2) == (True, 2) and lo2 <= root <= hi2 and hi2 - lo2 > hi - lo  # stopped by the cap


@pytest.mark.parametrize("lo, hi", [(F(1, 2), F(141421356, 10**8)), (F(141421357, 10**8), F(3))],
                         ids=["root-above", "root-below"])
def test_interval_newton_proves_no_root_that_is_outside(lo, hi):
    with flint.ctx.workprec(128):
        assert _interval_newton(_square_minus(2), lo, hi)[2] is False


def test_interval_newton_does_not_prove_a_root_on_the_edge_of_a_box_it_cannot_shrink_into():
    """x² − 4 on [2, 3]: N(X) always reaches below 2, so N(X) ⊆ X never holds (not proved, 60 steps)."""
    with flint.ctx.workprec(128):
        lo, hi, proved, it = _interval_newton(_square_minus(4), F(2), F(3))
    assert (proved, it) == (False, 60) and lo == 2 and hi - lo < F(1, 2**100)


def test_interval_newton_stops_when_the_derivative_may_vanish():
    """A derivative ball that is exactly 0 (a point, so both of its ends are 0): nothing is proved, at the
    first step; an exact derivative 1 proves the root of X − 1 at once."""
    with flint.ctx.workprec(128):
        assert _interval_newton(lambda X: (X - 1, flint.arb(0)), F(0), F(2)) == (0, 2, False, 1)
        assert _interval_newton(lambda X: (X - 1, flint.arb(1)), F(0), F(2)) == (1, 1, True, 2)


def test_an_increasing_wrong_map_is_certified_with_its_own_roots(monkeypatch):
    """z̃' + 2z̃T (J11 = 1 + T, slope exactly +1): monotone too, roots −2 and 0."""
    _wrong_map(monkeypatch, lambda z, T: 2 * z * T)
    c = certify_threshold(*MODEL, search=(-3, 1))
    assert c.certified and (c.T_minus, c.T_plus) == ((-2, -2), (0, 0)) and not c.contains_edge()


def test_a_constant_wrong_map_is_not_certified(monkeypatch):
    """z̃' + z̃T (J11 = 1 for every T): the slope is exactly 0, no root can be proved."""
    _wrong_map(monkeypatch, lambda z, T: z * T)
    c = certify_threshold(*MODEL)
    assert (c.certified, c.T_minus, c.T_plus, c.slope) == (False, None, None, "0")


def test_interval_newton_with_a_derivative_range_containing_one():
    """g' over [1/2, 2] is [1, 4]: one is inside, zero is not, so Newton proceeds and proves √2."""
    with flint.ctx.workprec(128):
        assert _interval_newton(_square_minus(2), F(1, 2), F(2))[2] is True


# --- stability ------------------------------------------------------------------------------


def _exact_jacobian(T, abc):
    return tuple(F(x) for x in D.planar_jacobian(0, F(T), *(F(v) for v in abc)))


@pytest.mark.parametrize("abc", [MODEL, ASYM, (2, F(3, 4), F(3, 10))], ids=["model", "asym", "same-sign"])
def test_fixed_line_jacobian_balls_contain_the_exact_jacobian(abc):
    with flint.ctx.workprec(128):
        balls = fixed_line_jacobian(to_arb(F(7, 3)), *abc)
    for ball, exact in zip(balls, _exact_jacobian(F(7, 3), abc)):
        lo, hi = ball_endpoints(ball)
        assert lo <= exact <= hi and hi - lo <= ULP * max(1, abs(exact))
    polys = fixed_line_polynomials(*abc)
    assert polys[1] == 0 and polys[3] == 1  # J12 = 0 and J22 = 1 for every T


def test_stability_record_of_a_point():
    """T = 1/3: every field against the exact Jacobian, the JSON to 30 digits rounded outward."""
    c = certify_stability(F(1, 3), *ASYM)
    exact = _exact_jacobian(F(1, 3), ASYM)
    assert c.T == "[0.333333333333333333333333333333 +/- 3.34e-31]" and _contains(c.T, F(1, 3))
    assert all(_contains(text, x) for text, x in zip(c.jacobian, exact)) and c.jacobian[1] == "0"
    assert c.transverse == c.jacobian[0] and c.neutral == c.jacobian[3] == "1.00000000000000000000000000000"
    assert c.sup_abs - ULP < F(2, 3) < c.inf_abs + ULP and c.inf_abs <= c.sup_abs
    assert (c.stability, c.prec_bits, c.triangular, c.neutral_is_one) == (Stability.ATTRACTING, 128, True, True)
    j = c.to_json()
    assert list(j) == ["T", "jacobian", "transverse_eigenvalue", "neutral_eigenvalue", "J12_exactly_zero",
                       "neutral_exactly_one", "sup_abs_transverse", "inf_abs_transverse", "status",
                       "status_message", "prec_bits"]
    assert (j["T"], j["jacobian"], j["transverse_eigenvalue"], j["neutral_eigenvalue"]) == \
        (c.T, list(c.jacobian), c.transverse, c.neutral)
    assert (j["status"], j["status_message"], j["prec_bits"]) == ("attracting", Stability.ATTRACTING.message, 128)
    assert (j["sup_abs_transverse"], j["inf_abs_transverse"]) == \
        ("0.666666666666666666666666666667", "0.666666666666666666666666666666")  # 30 digits, up and down
    fields = _fields(repr(c))
    assert (fields["sup_abs"], fields["inf_abs"]) == ("0.6666666667", "0.6666666666")
    assert fields["T"] == repr(c.T) and fields["stability"] == "Stability.ATTRACTING"


@pytest.mark.parametrize("T, radius, verdict", [
    (1, F(1, 2), Stability.ATTRACTING),          # 1 − T ∈ [−1/2, 1/2] straddles 0: inf |1 − T| = 0
    (0, F(1, 2), Stability.UNDECIDED),           # 1 − T ∈ [1/2, 3/2] straddles 1, not 0
    (2, F(1, 2**100), Stability.UNDECIDED),      # a dyadic ball around the edge: J11 = −1 ± 2⁻¹⁰⁰, not exact
    (3, F(1, 4), Stability.REPELLING),
], ids=["straddles-0", "straddles-1", "dyadic-ball-at-edge", "repelling"])
def test_stability_bounds_of_a_ball(T, radius, verdict):
    """sup and inf of |1 − T| over [T − r, T + r], exactly, up to the ball's radius rounded up (flint
    keeps radii to 30 bits and rounds each operation up: 2⁻²⁴ of the radius is ample)."""
    c = certify_stability(T, *MODEL, radius=radius)
    ends = (abs(1 - T + radius), abs(1 - T - radius))
    sup_abs, inf_abs = max(ends), (0 if 1 - T - radius <= 0 <= 1 - T + radius else min(ends))
    slack = radius / 2**24
    assert c.stability is verdict
    assert sup_abs <= c.sup_abs < sup_abs + slack and inf_abs - slack < c.inf_abs <= inf_abs
    assert (c.inf_abs == 0) is (inf_abs == 0)


def test_the_default_radius_is_zero_and_a_pair_may_be_a_point():
    assert certify_stability(2, *MODEL).stability is Stability.MARGINAL
    assert certify_stability((2, 2), *MODEL).stability is Stability.MARGINAL
    assert certify_stability(("1/4", "3/4"), *MODEL).stability is Stability.ATTRACTING


BAD = {
    "b-text": (lambda: certify_threshold(0, "x", 0), "b='x': expected"),
    "Et-text": (lambda: certify_threshold(0, -1, "x"), "Et='x': expected"),
    "eta-text": (lambda: certify_threshold(0, -1, 0, eta="x"), "eta='x': expected"),
    "search-lo-text": (lambda: certify_threshold(0, -1, 0, search=("x", 4)), "search[0]='x': expected"),
    "search-hi-text": (lambda: certify_threshold(0, -1, 0, search=(-1, "x")), "search[1]='x': expected"),
    "search-empty": (lambda: certify_threshold(0, -1, 0, search=(1, 1)), "search=(1, 1): expected (lo, hi) with lo < hi"),
    "T-lo-text": (lambda: certify_stability(("x", 2), 0, -1, 0), "T[0]='x': expected"),
    "T-hi-text": (lambda: certify_stability((1, "x"), 0, -1, 0), "T[1]='x': expected"),
    "radius-text": (lambda: certify_stability(2, 0, -1, 0, radius="x"), "radius='x': expected"),
    "stability-b-text": (lambda: certify_stability(2, 0, "x", 0), "b='x': expected"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_input_names_the_argument(case):
    call, start = BAD[case]
    with pytest.raises(InputError) as info:
        call()
    assert str(info.value).startswith(start), str(info.value)
