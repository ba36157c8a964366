"""Working precision and decimal output: one rule for each conversion.

- digits ↔ bits: d decimal digits need ⌈d·log₂10⌉ bits; every engine adds the same
  :data:`GUARD_BITS` on top, plus, where it says so, an allowance of its own for the
  rounding that grows with its step count (``extra``).
- Fraction ↔ mpf: :func:`to_mpf` rounds an exact rational once, at the current mpmath
  precision; :func:`to_fraction` is the exact value of an mpf.
- Fraction ↔ arb (python-flint balls): :func:`to_arb` is a ball containing an exact
  rational at flint's current precision; :func:`ball_endpoints` the exact ends of a ball;
  :func:`to_fraction` also gives the exact value of an exact arb (a midpoint or a radius).
- decimal output: :func:`format_digits` prints a value to the digits an error bound
  guarantees, and says how many there are; :func:`round_up` prints an error bound rounded up.

Nothing here changes mpmath's global precision.
"""
from __future__ import annotations

import decimal
import math
from fractions import Fraction

import mpmath

__all__ = ["GUARD_BITS", "bits_for_digits", "digits_of_bits", "to_mpf", "to_fraction", "to_arb", "ball_endpoints",
           "format_digits", "round_up", "agreed_digits"]

#: Guard bits every engine adds to the bits its decimal digits need.
GUARD_BITS = 16


def bits_for_digits(dps: int, *, extra: int = 0) -> int:
    """Working bits for ``dps`` decimal digits: ⌈dps·log₂10⌉ + GUARD_BITS + extra.

    ``extra``: the engine's own allowance for rounding that accumulates (e.g. log₂ of its
    step count); 0 for a single evaluation.
    """
    return math.ceil(dps * math.log2(10)) + GUARD_BITS + extra


def digits_of_bits(bits: int) -> int:
    """Decimal digits that ``bits`` of working precision carry after the guard bits.

    The inverse of :func:`bits_for_digits` (with ``extra=0``): ⌊(bits − GUARD_BITS)·log₁₀2⌋, at least 0.
    """
    return max(0, math.floor((bits - GUARD_BITS) * math.log10(2)))


def to_mpf(value) -> mpmath.mpf:
    """An exact number (Fraction, int) as an mpf, rounded once to nearest at the current precision."""
    q = Fraction(value)
    return mpmath.mpf(mpmath.libmp.from_rational(q.numerator, q.denominator, mpmath.mp.prec, "n"))


def to_fraction(value) -> Fraction:
    """The exact value of an mpf, an exact arb (or int, Fraction, float) as a Fraction; ValueError for inf or nan."""
    if type(value).__module__.startswith("flint"):
        if not (value.is_finite() and value.is_exact()):
            raise ValueError(f"{value!r} is not an exact finite ball")
        man, exp = (int(v) for v in value.man_exp())
        return Fraction(man * 2**exp) if exp >= 0 else Fraction(man, 2 ** (-exp))
    if isinstance(value, mpmath.mpf):
        if not mpmath.isfinite(value):
            raise ValueError(f"{value!r} is not finite")
        p, q = mpmath.libmp.to_rational(value._mpf_)
        return Fraction(int(p), int(q))
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value!r} is not finite")
    return Fraction(value)


def to_arb(value):
    """An exact number (Fraction, int) as a python-flint arb ball that contains it, at flint's current precision."""
    import flint

    q = Fraction(value)
    return flint.arb(flint.fmpq(q.numerator, q.denominator))


def ball_endpoints(x) -> tuple[Fraction, Fraction]:
    """The exact ends [midpoint − radius, midpoint + radius] of a finite arb ball."""
    m, r = to_fraction(x.mid()), to_fraction(x.rad())
    return m - r, m + r


def _floor_log10(x: Fraction) -> int:
    """⌊log₁₀ x⌋ for an exact x > 0; ValueError otherwise (for x ≤ 0 the search below would never end)."""
    if not x > 0:
        raise ValueError(f"_floor_log10: x={x}: expected an exact value > 0")
    # a first guess within a few units from the bit lengths (str() of an integer of more than 4300 digits
    # raises ValueError, and |z̃| of a quadratically converging run reaches 10⁻⁵⁰⁰⁰ in a few hundred steps)
    e = (x.numerator.bit_length() - x.denominator.bit_length()) * 30103 // 100000
    while Fraction(10) ** e > x:
        e -= 1
    while Fraction(10) ** (e + 1) <= x:
        e += 1
    return e


def format_digits(value, *, abs_err=None, rel_err=None, max_digits: int | None = None) -> tuple[str | None, int]:
    """``value`` printed to the significant digits an error bound guarantees: ``(text, ndigits)``.

    Give exactly one bound on |value − true value|: ``abs_err``, or ``rel_err`` (relative to
    |value|). The text has the largest number n of significant digits for which the bound is
    at most half a unit of the last digit, so the true value lies within one unit of the last
    printed digit (rounding to n digits costs the other half). ``max_digits`` caps n (e.g. at
    the working precision); it is required when the bound is 0. When not even the first digit
    is guaranteed, the result is ``(None, 0)``. Trailing zeros that are correct are kept
    ("0.2500" has 4 digits).
    """
    if (abs_err is None) == (rel_err is None):
        raise TypeError("format_digits: give exactly one of abs_err and rel_err")
    x = to_fraction(value)
    err = to_fraction(abs_err if abs_err is not None else rel_err)
    if err < 0:
        raise ValueError(f"error bound {err} is negative")
    if rel_err is not None:
        err *= abs(x)
    if err == 0:
        if max_digits is None:
            raise ValueError("format_digits: an exact value (error bound 0) needs max_digits")
        n = max_digits
    elif x == 0:
        return None, 0
    else:  # the largest n with 2·err ≤ 10^(e − n + 1), e = ⌊log₁₀|x|⌋
        n = _floor_log10(abs(x)) + 1 + _floor_log10(1 / (2 * err))
        if max_digits is not None:
            n = min(n, max_digits)
    if n < 1:
        return None, 0
    if x == 0:
        return "0", n
    with decimal.localcontext() as ctx:
        ctx.prec, ctx.rounding = n, decimal.ROUND_HALF_EVEN
        ctx.Emax, ctx.Emin = decimal.MAX_EMAX, decimal.MIN_EMIN
        d = decimal.Decimal(x.numerator) / decimal.Decimal(x.denominator)
        d = d.quantize(decimal.Decimal(1).scaleb(d.adjusted() - n + 1))
    return format(d, "g"), n


def round_up(x, digits: int = 2) -> str:
    """x ≥ 0 rounded up to ``digits`` significant digits, as "d.de±N" (a bound stays a bound).

    ValueError for a negative or non-finite x (an error bound is ≥ 0: pass its absolute value) and for
    ``digits`` < 1.
    """
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 1:
        raise ValueError(f"round_up: digits={digits!r}: expected a whole number >= 1; pass e.g. digits=2")
    try:
        q = to_fraction(x)
    except ValueError:
        raise ValueError(f"round_up: x={x!r}: expected a finite bound >= 0") from None
    if q < 0:
        raise ValueError(f"round_up: x={x!r}: expected a bound >= 0; pass abs(x) for the size of a signed value")
    if q == 0:
        return "0"
    e = _floor_log10(q) - digits + 1
    m = math.ceil(q / Fraction(10) ** e)  # digits (or digits + 1 when it rounds up to a power of 10) digits
    text = str(m)
    return f"{text[0]}.{text[1:]}e{e + len(text) - 1}" if len(text) > 1 else f"{text}e{e}"


def agreed_digits(x, y, dps: int) -> int:
    """Significant digits on which x agrees with the reference y: the largest k with |x − y| ≤ 10^−k·|y|,
    clipped to 0..dps (dps when x = y; 0 when y = 0 ≠ x, or when the signs differ).

    Relative to |y| at every scale: 3e-30 and 2e-30 agree on 0 digits whatever dps is. A value known only
    to an absolute level (a residual at the rounding level) has no agreeing digit; say so with its bound.
    Decided exactly (integer comparisons of the two values scaled by one power of two, no logarithm), so a
    relative difference of exactly 10^−k counts k. An mpf is taken exactly; anything else is read as
    ``mpmath.mpf`` at 2·dps + 10 digits. ValueError for a value that is not finite.
    """
    with mpmath.workdps(2 * dps + 10):
        x, y = (v if isinstance(v, mpmath.mpf) else mpmath.mpf(v) for v in (x, y))
    if not (mpmath.isfinite(x) and mpmath.isfinite(y)):
        raise ValueError(f"agreed_digits: x={x}, y={y}: expected finite values (compare infinities by equality)")
    if x == y:
        return dps
    with mpmath.workprec(53):  # y = 0, opposite signs, or far apart: |x − y| > |y|/10, no digit
        if not abs(x - y) <= abs(y) / 4:
            return 0
    n = mpmath.mag(y)  # x and y now lie within a factor 2 of each other: scaled by 2^−n both are small rationals
    xs, ys = (to_fraction(mpmath.ldexp(v, -n)) for v in (x, y))
    return min(dps, _floor_log10(abs(ys) / abs(xs - ys)))
