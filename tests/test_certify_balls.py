"""Outward decimal rounding of the certificates (numerics.certify.balls) against exact rationals.

Every printed bound is a decimal of at most the digits asked, on the right side of the exact value, in
positional form for exponents −29…29 and in scientific form beyond. Each test here came from a mutant of
balls.py that survived mutmut (TESTING.md, "numerics/certify/").
"""
from __future__ import annotations

import re
from fractions import Fraction as F

import pytest
from hypothesis import example, given, strategies as st

from sorm.numerics.certify import check_prec_bits, decimal_bound, sci_up
from sorm.numerics.certify.balls import interval_text
from sorm.numerics.validate import InputError


def _significant(text: str) -> int:
    """Significant digits of a decimal text ('0.00123' → 3, '1.00e+30' → 3, '1500' → 2)."""
    mantissa = text.lstrip("-").split("e")[0]
    digits = mantissa.replace(".", "").lstrip("0")
    return len(digits if "." in mantissa or "e" in text else digits.rstrip("0")) or 1


@pytest.mark.parametrize("value, digits, down, up", [
    (F(10**30), 3, "1.00e+30", "1.00e+30"),           # e = 30: scientific
    (F(10**29), 3, "100000000000000000000000000000", "100000000000000000000000000000"),  # e = 29: positional
    (F(1, 10**30), 3, "1.00e-30", "1.00e-30"),         # e = −30: scientific
    (F(1, 10**29), 3, "0.00000000000000000000000000001", "0.00000000000000000000000000001"),  # e = −29
    (F(-10**30 - 1), 2, "-1.1e+30", "-1.0e+30"),       # rounding a negative value down moves away from 0
    (F(1234, 10**10), 3, "0.000000123", "0.000000124"),  # where Python's str would use 1.23E-7
    (F(15 * 10**4), 2, "150000", "150000"),            # where str would use 1.5E+5
    (F(21, 2), 2, "10", "11"),
    (F(99999, 10**34), 2, "9.9e-30", "1.0e-29"),        # up onto the next power of ten: still 2 digits                         # 10 ≤ |x| < 11: one integer digit more than 1–9
    (F(1234), 3, "1230", "1240"),
    (F(10), 3, "10", "10"),
    (F(1), 3, "1", "1"),
    (F(0), 3, "0", "0"),
    (F(-1, 3), 4, "-0.3334", "-0.3333"),
])
def test_decimal_bound_prints_exactly(value, digits, down, up):
    assert (decimal_bound(value, digits, "down"), decimal_bound(value, digits, "up")) == (down, up)


@given(st.fractions(F(-10**40), F(10**40)), st.integers(1, 40))
@example(F(10**30), 3)
@example(F(10**30 + 32768), 34)  # more digits than the exponent: str(Decimal) printed it plain
@example(F(1, 10**40), 4)
@example(F(-21, 2), 2)
@example(F(99999, 10**34), 2)
def test_decimal_bound_keeps_its_digits_and_form(x, digits):
    for direction in ("down", "up"):
        text = decimal_bound(x, digits, direction)
        assert _significant(text) <= digits, text
        if x == 0:
            continue
        e = 0
        while abs(x) >= F(10) ** (e + 1):
            e += 1
        while abs(x) < F(10) ** e:
            e -= 1
        rounded_up = abs(F(text)) >= F(10) ** (e + 1)  # e.g. 9.99 up to 3 digits prints 10.0
        if not rounded_up:
            assert ("e" in text) is (abs(e) >= 30), text
        assert re.fullmatch(r"-?\d+(\.\d+)?(e[+-]\d+)?", text), text


def test_sci_up():
    assert (sci_up(F(0)), sci_up(F(1)), sci_up(F(1, 3)), sci_up(F(10**40))) == ("0", "1.00e+0", "3.34e-1", "1.00e+40")


@pytest.mark.parametrize("lo, hi, max_digits, text", [
    (F(2), F(2), 38, "[2, 2]"),                                # a point: max_digits, no division by the width
    (F(0), F(0), 38, "[0, 0]"),
    (F(1, 3), F(1, 3), 5, "[0.33333, 0.33334]"),
    (F(1, 3), F(2, 3), 30, "[0.33, 0.67]"),                    # width 1/3: two digits
    (F(1, 3), F(1, 3) + F(1, 10**6), 30, "[0.3333333, 0.3333344]"),  # log10((1/3)/10⁻⁶) = 5.5: 7 digits
    (F(1, 3), F(1, 3) + F(1, 10**6), 4, "[0.3333, 0.3334]"),   # capped by max_digits
    (F(-12, 10**39), F(46, 10**40), 38, "[-1.2e-38, 4.6e-39]"),
    (F(100), F(101), 30, "[100, 101]"),
])
def test_interval_text_resolves_the_width(lo, hi, max_digits, text):
    assert interval_text(lo, hi, max_digits) == text
    shown = text.strip("[]").split(", ")
    assert F(shown[0]) <= lo and hi <= F(shown[1])


def test_check_prec_bits_names_the_range_and_an_example():
    assert check_prec_bits(53) == 53 and check_prec_bits("33220") == 33220
    with pytest.raises(InputError) as info:
        check_prec_bits(52)
    assert str(info.value) == "prec_bits=52: expected a whole number of bits from 53 to 33220; pass e.g. prec_bits=256"
