"""numerics.precision: digits↔bits, Fraction↔mpf, and printing only guaranteed digits."""
from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction as F

import mpmath
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sorm.numerics.precision import (GUARD_BITS, _floor_log10, agreed_digits, bits_for_digits, digits_of_bits,
                                     format_digits, round_up, to_fraction, to_mpf)


@given(st.integers(1, 10_000))
@example(15)
@example(10_000)
def test_digits_bits_round_trip(d):
    bits = bits_for_digits(d)
    assert digits_of_bits(bits) == d
    assert bits - GUARD_BITS >= d * 3.321928094887362  # the digits fit without the guard
    assert digits_of_bits(bits - 1) < d or d == 0  # and no bit is wasted beyond the guard
    assert bits_for_digits(d, extra=7) == bits + 7


fractions = st.fractions(max_denominator=10**30).filter(lambda q: abs(q) < 10**40)


@given(fractions, st.integers(20, 400))
@example(F(1, 3), 53)
@example(F(0), 100)
@example(F(-10**39 - 1, 7), 64)
def test_fraction_mpf_round_trip(q, prec):
    with mpmath.workprec(prec):
        x = to_mpf(q)
        back = to_fraction(x)
        # rounded once to nearest: within half an ulp of the exact value
        assert abs(back - q) <= abs(q) * F(1, 2 ** prec)
        assert to_mpf(back) == x  # an mpf survives the round trip exactly
    with mpmath.workprec(prec + 10):
        assert to_fraction(mpmath.mpf(x)) == back


def test_to_fraction_rejects_non_finite():
    for bad in (mpmath.inf, mpmath.nan, float("nan"), float("-inf")):
        with pytest.raises(ValueError):
            to_fraction(bad)


FORMAT = [
    # value, kwargs, expected text, expected digits
    (F(1, 3), dict(abs_err=F(1, 10**6)), "0.33333", 5),
    (F(1, 3), dict(abs_err=F(5, 10**6)), "0.33333", 5),  # 2·err = 1e-5: exactly half a unit of digit 5
    (F(1, 3), dict(abs_err=F(51, 10**7)), "0.3333", 4),
    (F(1, 4), dict(abs_err=F(1, 10**5)), "0.2500", 4),  # correct trailing zeros are kept
    (F(123456), dict(rel_err=F(1, 10**3)), "1.23e+5", 3),
    (F(99996, 10**4), dict(abs_err=F(1, 10**3)), "10.0", 3),  # rounding up bumps the exponent
    (F(-2, 3), dict(rel_err=F(1, 10**10)), "-0.666666667", 9),
    (F(7), dict(abs_err=0, max_digits=3), "7.00", 3),
    (F(0), dict(abs_err=0, max_digits=5), "0", 5),
    (F(0), dict(abs_err=F(1, 10**9)), None, 0),
    (F(1, 3), dict(abs_err=1), None, 0),  # not even the first digit
    (F(1, 3), dict(abs_err=F(1, 10**40), max_digits=12), "0.333333333333", 12),
]


@pytest.mark.parametrize("value,kwargs,text,n", FORMAT, ids=[f"{t}" for _, _, t, _ in FORMAT])
def test_format_digits_table(value, kwargs, text, n):
    assert format_digits(value, **kwargs) == (text, n)


@given(st.fractions(min_value=F(-10**6), max_value=F(10**6), max_denominator=10**12).filter(bool),
       st.integers(1, 30), st.fractions(min_value=F(-1, 2), max_value=F(1, 2), max_denominator=1000))
@example(F(1, 3), 5, F(1, 2))
def test_format_digits_every_digit_is_true(x, k, wobble):
    """Any true value within the bound lies within one unit of the last printed digit."""
    err = abs(x) / 10**k
    computed = x + wobble * err  # the engine's value: off by at most err from the true x
    text, n = format_digits(computed, abs_err=err)
    if n == 0:
        return
    printed = F(Decimal(text))
    unit = F(10) ** (Decimal(text).adjusted() - n + 1)
    assert abs(printed - x) <= unit
    # and one more digit would not be guaranteed: 2·err > 10^(e − n), e = ⌊log₁₀|computed|⌋
    with localcontext() as ctx:
        ctx.prec = 60
        e = (Decimal(computed.numerator) / Decimal(computed.denominator)).adjusted()
    assert 2 * err > F(10) ** (e - n)


def test_format_digits_needs_one_bound():
    with pytest.raises(TypeError):
        format_digits(1)
    with pytest.raises(TypeError):
        format_digits(1, abs_err=1, rel_err=1)
    with pytest.raises(ValueError):
        format_digits(1, abs_err=0)  # exact value without max_digits
    with pytest.raises(ValueError):
        format_digits(1, abs_err=-1)


def test_format_digits_takes_mpf():
    with mpmath.workdps(50):
        x = mpmath.mpf(1) / 3
        assert format_digits(x, rel_err=mpmath.mpf(10) ** -40) == ("0." + "3" * 40, 40)


ROUND_UP = [
    # x, digits, text: the smallest d-digit decimal >= x (by hand)
    (0, 2, "0"),
    (F(1234), 2, "1.3e3"),
    (F(1200), 2, "1.2e3"),  # exact: not bumped
    (F(1201), 2, "1.3e3"),
    (F(1234), 1, "2e3"),
    (F(1234), 3, "1.24e3"),
    (F(1, 3), 2, "3.4e-1"),
    (F(999, 1000), 2, "1.00e0"),  # rounds up to a power of 10: one digit more
    (F(1, 10**30), 2, "1.0e-30"),
    (F(10**30 + 1, 10**60), 2, "1.1e-30"),  # a hair above 10⁻³⁰
    (mpmath.mpf(2) ** -100, 3, "7.89e-31"),  # 7.8886…e-31
]


@pytest.mark.parametrize("x,digits,text", ROUND_UP, ids=[t for _, _, t in ROUND_UP])
def test_round_up_table(x, digits, text):
    assert round_up(x, digits) == text
    if x:  # the text is a bound: x ≤ printed, and the printed value less one unit of its last digit is below x
        printed = F(Decimal(text))
        unit = F(10) ** (Decimal(text).adjusted() - len(Decimal(text).as_tuple().digits) + 1)
        assert printed - unit < to_fraction(x) <= printed


@pytest.mark.parametrize("x,digits,message", [
    (-1, 2, "round_up: x=-1: expected a bound >= 0; pass abs(x) for the size of a signed value"),
    (F(-1, 10**40), 2, "round_up: x=Fraction(-1, 10000000000000000000000000000000000000000): expected a bound >= 0; "
                       "pass abs(x) for the size of a signed value"),
    (mpmath.mpf("-1e-300"), 2, "round_up: x=mpf('-1.0e-300'): expected a bound >= 0; pass abs(x) for the size of a "
                               "signed value"),
    (mpmath.inf, 2, "round_up: x=mpf('+inf'): expected a finite bound >= 0"),
    (float("nan"), 2, "round_up: x=nan: expected a finite bound >= 0"),
    (1, 0, "round_up: digits=0: expected a whole number >= 1; pass e.g. digits=2"),
    (1, 1.5, "round_up: digits=1.5: expected a whole number >= 1; pass e.g. digits=2"),
], ids=["minus-1", "minus-1e-40", "mpf-minus-1e-300", "inf", "nan", "digits-0", "digits-1.5"])
def test_round_up_rejects_bad_arguments(x, digits, message):
    """Before, a negative x never returned (``_floor_log10`` lowered its exponent for ever)."""
    with pytest.raises(ValueError) as exc:
        round_up(x, digits)
    assert str(exc.value) == message


@pytest.mark.parametrize("x", [F(0), F(-1), F(-1, 10**40)], ids=["0", "-1", "-1e-40"])
def test_floor_log10_rejects_values_not_above_0(x):
    """Its callers pass |x| ≠ 0 and 1/(2·err) with err > 0; anything else would loop for ever, so it raises."""
    with pytest.raises(ValueError, match=r"expected an exact value > 0"):
        _floor_log10(x)


@pytest.mark.parametrize("x,e", [(F(1), 0), (F(999, 100), 0), (F(10), 1), (F(1, 10), -1), (F(99, 1000), -2),
                                 (F(10**40 - 1, 10**80), -41), (F(10**6000), 6000), (F(10**6000 - 1), 5999),
                                 (F(1, 10**6000), -6000), (F(1, 2**20000), -6021)])
def test_floor_log10(x, e):
    """Beyond 4300 digits too (str() of such an integer raises ValueError): z of a run converging quadratically
    reaches 10⁻⁸⁸⁷⁶ in 400 steps (ω = (1, −1), z₀ = 1, J² = (3/2, 1/2), 15 digits), and printing it failed there."""
    assert _floor_log10(x) == e


def test_format_digits_prints_a_value_beyond_4300_digits_of_exponent():
    assert format_digits(F(3, 10**5000), abs_err=F(1, 10**5010)) == ("3.000000000e-5000", 10)


PLANAR = [
    ("1,-1", (0, -1)), ("2,1/2", (F(5, 2), 1)),
    ("1", None), ("1,2,3", None), ("1,0", None), ("1,1", None),
]


@pytest.mark.parametrize("omegas,ab", PLANAR, ids=[o for o, _ in PLANAR])
def test_problem_knows_its_planar_reduction(omegas, ab):
    from sorm.numerics import InputError
    from sorm.numerics.problem import from_state, reduced_2d

    w = omegas.split(",")
    p = from_state(omegas, "1/10", ",".join("0" if x == "0" else "1" for x in w), eta="1/2")
    if ab is None:
        assert p.planar is None and p.planar_why_not.startswith("omegas=")
        with pytest.raises(InputError, match="2-D reduction"):
            reduced_2d(p)
    else:
        assert p.planar_why_not is None and p.planar == (*ab, p.eta * p.E) == reduced_2d(p)


AGREED = [
    # x, y, dps, digits; "was" is what the old absolute floor max(|y|, 10^-dps) counted where that differs
    ("3e-30", "2e-30", 15, 0),               # both below 10^-dps: not even the first digit agrees (was 15)
    ("2.0006e-15", "2e-15", 15, 3),          # above 10^-dps: |x − y|/|y| = 3e-4
    ("5.0015e-17", "5e-17", 15, 3),          # the same relative difference below 10^-dps (was 4)
    ("1.0000000003e-40", "1e-40", 30, 9),    # (was 30)
    ("1e-40", "0", 30, 0),                   # y = 0 ≠ x: no digit (was 10)
    ("0", "1e-40", 30, 0),                   # x = 0 ≠ y: no digit (was 10)
    ("0", "0", 30, 30),                      # both 0: every digit
    ("1.2345", "1.2345", 30, 30),            # equal: every digit
    ("1e-50", "1e-50", 15, 15),
    ("1e-40", "-1e-40", 30, 0),              # opposite signs: no digit (was 9)
    ("-1.5", "1.5", 30, 0),
    ("-1.00000000003", "-1", 30, 10),
    ("1", "2", 30, 0),
    ("0.99999", "1", 15, 5),                 # exactly 10^-5 (strings are read at 2·dps + 10 digits): 5 digits
    ("2", "2.0000000000000000000000000000000000001", 30, 30),  # closer than 10^-dps: capped at dps
]


@pytest.mark.parametrize("x,y,dps,digits", AGREED, ids=[f"{x} vs {y} at {d}" for x, y, d, _ in AGREED])
def test_agreed_digits_are_relative_at_every_scale(x, y, dps, digits):
    """The count is relative to |y| whatever the scale: 3e-30 and 2e-30 share no digit. The old absolute floor
    10^-dps counted 15 at dps 15, so a tiny value could be printed with digits a doubled-precision rerun does not
    reproduce (`sorm predict --z0 1e-40 --dps 30` printed x_inf = 7.734710754e-41 for 4.975e-41)."""
    assert agreed_digits(x, y, dps) == digits


def test_agreed_digits_takes_an_mpf_exactly_and_refuses_infinities():
    """An mpf of more bits than the caller's precision is not rounded first (3·2⁻³⁰⁰ apart at 400 bits: 89
    digits, whatever mpmath's context precision is; 2⁻³⁰⁰ past an exact 10⁻⁵ decides 4 against 5), a string is
    read at 2·dps + 10 digits, and a value 2^(−2^40) costs no more than 1."""
    with mpmath.workprec(400):
        x, y = mpmath.mpf(1) + 3 * mpmath.mpf(2) ** -300, mpmath.mpf(1)
    assert agreed_digits(x, y, 100) == 89  # 3·2^-300 = 1.5e-90
    tiny = mpmath.ldexp(1, -2**40)
    assert agreed_digits(mpmath.ldexp(x, -2**40), tiny, 100) == 89
    assert agreed_digits(tiny, mpmath.ldexp(y, -2**40 + 1), 100) == 0  # a factor 2 apart
    with mpmath.workprec(600):  # relative difference (1 + 2^-300)·10^-5: just above 10^-5, so 4 digits, not 5
        x = mpmath.mpf(100001) + mpmath.mpf(2) ** -300
    assert agreed_digits(x, mpmath.mpf(100000), 15) == 4  # rounded to 2·dps + 10 digits first it would be 5
    # a string is read at 2·dps + 10 digits (40 here): 1e-39 past 100001 is lost, so exactly 10^-5 and 5 digits
    assert agreed_digits("100001." + "0" * 38 + "1", "100000", 15) == 5
    for bad in (mpmath.inf, mpmath.nan):
        with pytest.raises(ValueError, match="finite"):
            agreed_digits(bad, 1, 15)
        with pytest.raises(ValueError, match="finite"):
            agreed_digits(1, bad, 15)


def _dyadic(draw, bits, exp):
    return F(draw(st.integers(-2**bits, 2**bits))) * F(2) ** draw(st.integers(*exp))


@st.composite
def agreeing_pairs(draw):
    """(x, y) exact dyadic rationals near each other or not, at scales around 10^-dps, with exact ratios 10^-j."""
    y = _dyadic(draw, 120, (-420, 60))
    kind = draw(st.sampled_from(["near", "decade", "far"]))
    if kind == "near":  # x = y + a perturbation 0..300 bits below y
        x = y + _dyadic(draw, 60, (-300, 0)) * (y or F(2) ** -200)
    elif kind == "decade":  # |x − y| = 10^-j·|y| exactly: y = m·5^j·2^(e+j)
        j, m = draw(st.integers(0, 70)), draw(st.integers(1, 2**60))
        e = draw(st.integers(-420, 0))
        y = m * F(5) ** j * F(2) ** (e + j) * draw(st.sampled_from([1, -1]))
        x = y + m * F(2) ** e * draw(st.sampled_from([1, -1]))
    else:
        x = _dyadic(draw, 120, (-420, 60))
    return x, y


def _mpf(q):
    with mpmath.workprec(4000):  # exact: every numerator has fewer bits, and ldexp does not round
        return mpmath.ldexp(mpmath.mpf(q.numerator), -(q.denominator.bit_length() - 1))


@given(agreeing_pairs(), st.integers(15, 60))
@example((F(3, 10**30), F(2, 10**30)), 15)  # not dyadic: _mpf is then the nearest at 4000 bits (checked below)
@example((F(1), F(0)), 15)
@example((F(0), F(0)), 15)
@example((F(3), F(-3)), 15)
@example((F(10**20 + 1), F(10**20)), 15)  # relative 10^-20, capped at dps
@example((F(11), F(10)), 15)  # exactly 10^-1: 1 digit
def test_agreed_digits_is_the_largest_k_with_the_difference_within_10_to_the_minus_k(pair, dps):
    """Against exact rationals, no logarithm: k is in 0..dps, |x − y| ≤ 10^-k·|y| holds for k (unless k = 0)
    and fails for k + 1 (unless k = dps); x = y gives dps."""
    qx, qy = pair
    x, y = _mpf(qx), _mpf(qy)
    qx, qy = (F(*map(int, mpmath.libmp.to_rational(v._mpf_))) for v in (x, y))  # the values the count sees
    k = agreed_digits(x, y, dps)
    assert 0 <= k <= dps
    d = abs(qx - qy)
    if d == 0:
        assert k == dps
        return
    assert k == 0 or d * 10**k <= abs(qy)
    assert k == dps or not d * 10 ** (k + 1) <= abs(qy)
