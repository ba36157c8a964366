"""Balls and decimal rounding for the certificates (python-flint ``arb``; docs/theory.md §4–§5).

An ``arb`` ball is a midpoint and a radius; every operation returns a ball that contains every
exact result for every input in the input balls. The exact conversions between balls and
Fractions are numerics.precision's (``to_arb``, ``ball_endpoints``, ``to_fraction``); this
module adds the ball helpers the certificates share and prints exact bounds as decimals
rounded outward, so that a printed interval still encloses. flint's global precision is never
changed: callers work under ``flint.ctx.workprec``.
"""
from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

from ..precision import ball_endpoints, digits_of_bits, to_arb
from ..validate import whole_in_range

__all__ = ["PREC_MIN", "PREC_MAX", "check_prec_bits", "load_flint", "hull", "sup_abs", "ball_str",
           "decimal_bound", "sci_up", "interval_text", "certified_digits"]

#: Working precision accepted, in bits (about 16 to 10000 decimal digits).
PREC_MIN, PREC_MAX = 53, 33_220


def load_flint():
    """python-flint, imported on first use."""
    import flint

    return flint


def check_prec_bits(value, name: str = "prec_bits") -> int:
    """A working precision in bits, between PREC_MIN and PREC_MAX."""
    return whole_in_range(name, value, PREC_MIN, PREC_MAX, "bits", 256)


def certified_digits(prec_bits: int) -> int:
    """Decimal digits a certificate at ``prec_bits`` prints at most (numerics.precision.digits_of_bits)."""
    return digits_of_bits(prec_bits)


def hull(lo: Fraction, hi: Fraction):
    """A ball containing [lo, hi]."""
    return to_arb(lo).union(to_arb(hi))


def sup_abs(x) -> Fraction:
    """An exact upper bound of |x| over a finite ball."""
    lo, hi = ball_endpoints(x)
    return max(abs(lo), abs(hi))


def decimal_bound(value: Fraction, digits: int, direction: str) -> str:
    """``value`` as a decimal string of ``digits`` significant digits, rounded down
    (``direction="down"``) or up (``"up"``), so that outward rounding keeps an enclosure."""
    if direction not in ("down", "up"):
        raise ValueError(f"direction={direction!r}: expected 'down' or 'up'")
    if value == 0:
        return "0"
    e = 0
    a = abs(value)
    while a >= 10:
        a /= 10
        e += 1
    while a < 1:
        a *= 10
        e -= 1
    shift = digits - 1 - e
    scaled = value * Fraction(10) ** shift
    n = math.floor(scaled) if direction == "down" else math.ceil(scaled)
    if abs(n) == 10**digits:  # rounded onto the next power of ten (9.99 → 10.0): the same value, one digit fewer
        n, shift = n // 10, shift - 1
    d = Decimal((0 if n >= 0 else 1, tuple(int(c) for c in str(abs(n))), -shift))  # exact, no context rounding
    text = format(d, "f") if -30 < e < 30 else format(d, "e")  # str(d) is plain where the exponent is < 0
    if "." in text and "e" not in text:  # the same value without trailing zeros
        text = text.rstrip("0").rstrip(".")
    return text


def sci_up(value: Fraction, digits: int = 3) -> str:
    """A nonnegative bound in scientific notation, rounded up: e.g. ``8.04e-21``."""
    if value == 0:
        return "0"
    d = Decimal(decimal_bound(value, digits, "up"))
    return format(d, f".{digits - 1}e")


def interval_text(lo: Fraction, hi: Fraction, max_digits: int) -> str:
    """``[lo, hi]`` rounded outward, to as many digits as the width resolves (at most max_digits)."""
    top = max(abs(lo), abs(hi))
    digits = max_digits
    if hi > lo and top > 0:
        digits = min(max_digits, max(2, math.ceil(math.log10(top / (hi - lo))) + 1))
    return f"[{decimal_bound(lo, digits, 'down')}, {decimal_bound(hi, digits, 'up')}]"


def ball_str(x, digits: int = 30) -> str:
    """A ball as flint's decimal text with its radius."""
    return x.str(digits, radius=True)
