"""numerics.precision: digits↔bits, Fraction↔mpf, and printing only guaranteed digits."""
from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction as F

import mpmath
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sorm.numerics.precision import (GUARD_BITS, _floor_log10, bits_for_digits, digits_of_bits, format_digits,
                                     round_up, to_fraction, to_mpf)


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
                                 (F(10**40 - 1, 10**80), -41)])
def test_floor_log10(x, e):
    assert _floor_log10(x) == e


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
