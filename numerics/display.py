"""Compact, readable reprs for result records: stated digits, short rationals, summarised arrays.

A result's repr is what a notebook shows. Every dataclass result sets ``__repr__ = compact_repr``:

- an mpmath number is shown to the digits the result vouches for: its ``agreed_digits`` (digits
  that survived a rerun at doubled precision) when known, else its ``digits``, else its working
  precision ``dps`` (no check was run then), never mpmath's global 15;
- a Fraction is exact: shown as ``p/q`` when short, else as ``≈`` its value to 17 significant
  digits, correctly rounded (an exact number has no wrong digits, only omitted ones);
- a float is its shortest repr; an array is summarised by type, shape and the range of its finite
  entries (to 4 digits), a long sequence by its first and last items and its length;
- a record longer than one line prints one field per line.

Certified results (:mod:`sorm.numerics.certify`) print their bounds rounded outward instead.
"""
from __future__ import annotations

import dataclasses
import enum
from fractions import Fraction

__all__ = ["compact_repr", "format_value"]

#: Longest ``p/q`` shown as is; longer Fractions are shown as decimals.
FRACTION_CHARS = 24
#: Significant digits of a long Fraction, an int of more than 20 digits, or an mpf of unknown precision.
SHORT_DIGITS = 17
#: Significant digits of the range that summarises an array (a summary, not a value).
RANGE_DIGITS = 4
#: Items of a sequence shown in full; longer ones are summarised.
MAX_ITEMS = 6
LINE = 100


def _digits_of(obj) -> int | None:
    for name in ("agreed_digits", "digits", "dps"):
        value = getattr(obj, name, None)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def _decimal(x: Fraction, digits: int) -> str:
    """x correctly rounded to `digits` significant digits (precision.format_digits), trailing zeros dropped."""
    from .precision import format_digits  # imports mpmath: only when a number is shown

    text, _ = format_digits(x, abs_err=0, max_digits=digits)
    mantissa, e, exponent = text.partition("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return mantissa + e + exponent


def _is_mp(value) -> bool:
    return type(value).__module__.startswith("mpmath") and hasattr(value, "_mpf_")


def format_value(value, digits: int | None = None) -> str:
    """One field's value, compactly (see the module docstring); `digits` applies to mpmath numbers."""
    if isinstance(value, enum.Enum):  # before str: some status enums are str enums
        return f"{type(value).__name__}.{value.name}"
    if value is None or isinstance(value, (bool, str)):
        return repr(value)
    if isinstance(value, int):
        return str(value) if abs(value) < 10 ** 20 else f"≈{_decimal(Fraction(value), SHORT_DIGITS)}"
    if isinstance(value, Fraction):
        text = str(value)
        return text if len(text) <= FRACTION_CHARS else f"≈{_decimal(value, SHORT_DIGITS)}"
    if isinstance(value, float):
        return repr(value)
    if _is_mp(value):
        import mpmath

        if not mpmath.isfinite(value):
            return str(value)
        p, q = mpmath.libmp.to_rational(value._mpf_)
        return _decimal(Fraction(int(p), int(q)), digits or SHORT_DIGITS)
    if type(value).__module__ == "numpy" or type(value).__module__.startswith("numpy."):
        return _numpy(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return compact_repr(value) if type(value).__repr__ is compact_repr else _shorten(repr(value))
    if isinstance(value, (tuple, list)):
        return _sequence(value, digits)
    if isinstance(value, dict):
        if len(value) > MAX_ITEMS:
            return f"{{…{len(value)} keys}}"
        return "{" + ", ".join(f"{k!r}: {format_value(v, digits)}" for k, v in value.items()) + "}"
    return _shorten(repr(value))


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 2 * LINE else text[: 2 * LINE - 1] + "…"


def _sequence(value, digits) -> str:
    open_, close = ("(", ")") if isinstance(value, tuple) else ("[", "]")
    if len(value) <= MAX_ITEMS:
        inner = ", ".join(format_value(v, digits) for v in value)
        return open_ + inner + ("," if len(value) == 1 and open_ == "(" else "") + close
    head = ", ".join(format_value(v, digits) for v in value[:2])
    return f"{open_}{head}, …, {format_value(value[-1], digits)}{close} ({len(value)} items)"


def _numpy(value) -> str:
    import numpy as np

    if np.ndim(value) == 0:
        return format_value(value.item())
    a = np.asarray(value)
    if a.size <= MAX_ITEMS and a.ndim == 1:
        return "array([" + ", ".join(format_value(v.item()) for v in a) + "])"
    shape = "×".join(map(str, a.shape))
    text = f"array({a.dtype}[{shape}]"
    if a.size and np.issubdtype(a.dtype, np.number):
        finite = a[np.isfinite(a)] if np.issubdtype(a.dtype, np.floating) else a
        if finite.size:
            text += f", {finite.min().item():.{RANGE_DIGITS}g}..{finite.max().item():.{RANGE_DIGITS}g}"
        if finite.size < a.size:
            text += f", {a.size - finite.size} non-finite"
    return text + ")"


def compact_repr(self) -> str:
    """``Name(field=value, ...)`` with each value formatted by :func:`format_value`.

    A class whose fields need their own formatting (an enclosure's bounds rounded outward)
    defines ``_repr_items() -> [(name, text), ...]``, and this lays them out the same way.
    """
    if hasattr(self, "_repr_items"):
        parts = [f"{name}={text}" for name, text in self._repr_items()]
    else:
        digits = _digits_of(self)
        parts = [f"{f.name}={format_value(getattr(self, f.name), digits)}"
                 for f in dataclasses.fields(self) if f.repr]
    name = type(self).__name__
    one = f"{name}(" + ", ".join(parts) + ")"
    if len(one) <= LINE and "\n" not in one:
        return one
    return f"{name}(\n" + "".join(f"    {p.replace(chr(10), chr(10) + '    ')},\n" for p in parts) + ")"
