"""Exact parsing of user numbers: every accepted type, and one-line rejections."""
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from sorm.numerics.validate import InputError, dps, exact, exact_list, positive, positive_int


@pytest.mark.parametrize("value,expected", [
    ("0.1", Fraction(1, 10)), ("-2", Fraction(-2)), ("1/3", Fraction(1, 3)), ("1e-3", Fraction(1, 1000)),
    (3, Fraction(3)), (0.5, Fraction(1, 2)), (Fraction(2, 7), Fraction(2, 7)),
    (mpmath.mpf("-0.5"), Fraction(-1, 2)), (mpmath.mpf(3), Fraction(3)),
], ids=["decimal", "negative", "fraction-str", "exponent", "int", "float", "Fraction", "mpf-neg", "mpf-int"])
def test_exact_parses_exactly(value, expected):
    assert exact("x", value) == expected


@pytest.mark.parametrize("value,expected", [
    (0.01, Fraction(1, 100)), (1.215, Fraction(243, 200)), (-0.047, Fraction(-47, 1000)),
    (0.1 + 0.2, Fraction("0.30000000000000004")), (1e-300, Fraction(1, 10 ** 300)), (5e-324, Fraction("5e-324")),
    (np.float64(0.795), Fraction(159, 200)), (np.float32(0.1), Fraction(1, 10)), (np.int64(-3), Fraction(-3)),
], ids=["0.01", "1.215", "negative", "sum-keeps-its-digits", "tiny", "subnormal", "np.float64", "np.float32",
        "np.int64"])
def test_float_means_its_shortest_decimal(value, expected):
    """A float is the decimal it prints as (its repr), not its binary value: 0.01 is 1/100."""
    got = exact("x", value)
    assert got == expected
    assert type(value)(float(got)) == value  # still the same number of its own type


def test_float_api_matches_the_cli():
    """from_state with Python floats builds the very problem the CLI builds from the same text."""
    from argparse import Namespace

    from sorm.numerics import from_state
    from sorm.proofs_check.commands._model import problem_from_args

    api = from_state([1, -1], 0.01, [1.215, 0.795])
    cli = problem_from_args(Namespace(omegas="1,-1", E=None, theta0=None, z0="0.01", J2="1.215,0.795", eta="1"))
    assert api == cli and api.z0 == Fraction(1, 100)
    assert from_state([1, -1], 0.01, [1.215, 0.795], eta=0.5) == from_state("1,-1", "1/100", "1.215,0.795", "1/2")


def test_mpf_keeps_sign_and_every_bit():
    with mpmath.workdps(50):
        x = -mpmath.mpf(1) / 3
        f = exact("x", x)
        assert mpmath.mpf(f.numerator) / f.denominator == x  # round trip at 50 digits
        assert exact("x", x) < 0


@pytest.mark.parametrize("call", [
    lambda: exact("E", "nan"), lambda: exact("E", float("inf")), lambda: exact("E", mpmath.nan),
    lambda: exact("E", "abc"), lambda: exact("E", True), lambda: exact("E", None),
    lambda: positive("eta", 0), lambda: positive("eta", "-1"),
    lambda: exact_list("omegas", ""), lambda: exact_list("theta0", "1,2", length=3),
    lambda: positive_int("max_steps", 0), lambda: dps(5), lambda: dps(10**6),
], ids=["nan-str", "inf", "mpf-nan", "word", "bool", "None", "eta-0", "eta-neg", "omegas-empty",
        "theta-length", "max-steps-0", "dps-low", "dps-huge"])
def test_bad_numbers_raise_one_line_input_errors(call):
    with pytest.raises(InputError) as exc:
        call()
    msg = str(exc.value)
    assert "\n" not in msg and "=" in msg and ";" in msg  # names the argument, then the fix
