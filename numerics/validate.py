"""Argument checks shared by every public entry point.

Each check raises :class:`InputError` with a one-line message of the form
``name=value!r: what was expected; how to fix it``. The CLI prints that line
and exits with code 2; the API lets it propagate.

Numbers are parsed exactly: decimal strings, ints, floats and Fractions all
become :class:`fractions.Fraction`, so no precision is lost before an engine
converts them at its own working precision. A Python (or numpy) float means the
decimal it prints as, its shortest repr: ``0.01`` is 1/100, the same number as
the string ``"0.01"`` on the command line, not the binary double
0.01000000000000000020816681711721685… An mpmath ``mpf`` is taken at its exact
binary value, since it carries precision the caller chose.
"""
from __future__ import annotations

import math
from fractions import Fraction
from numbers import Rational, Real
from typing import Iterable

__all__ = [
    "InputError",
    "exact",
    "exact_list",
    "positive",
    "nonnegative_list",
    "positive_list",
    "positive_int",
    "dps",
    "whole_in_range",
    "DEFAULT_DPS",
]

#: Working precision accepted by the high-precision engines, in decimal digits.
DPS_MIN, DPS_MAX = 15, 10_000
#: The default working precision of every engine and command: one value everywhere, so the same
#: model gives the same digits from `simulate`, `plot` and `predict` and from the Python API.
DEFAULT_DPS = 50


class InputError(ValueError):
    """Bad input from the user: the message names the argument and the fix.

    ``arg``: the argument at fault as the library spells it (``max_steps``), when the message is about
    one argument; the CLI then names it as its option (``--max-steps``; :mod:`proofs_check.cli`).
    """

    def __init__(self, message: str, arg: str | None = None):
        super().__init__(message)
        self.arg = arg


def exact(name: str, value) -> Fraction:
    """Parse one finite real number exactly (str, int, float, Fraction, mpf).

    Strings, ints and Fractions are exact. A float is read as its shortest decimal repr
    (``exact("eta", 0.01) == Fraction(1, 100)``), as the CLI reads ``0.01``; pass
    ``Fraction(0.01)`` to mean the binary double itself. An mpf is taken at its exact value.
    """
    if isinstance(value, bool):
        raise InputError(f"{name}={value!r}: expected a number, got a bool; pass a finite real number", name)
    try:
        if isinstance(value, str):
            v = Fraction(value.strip())
        elif isinstance(value, Fraction):
            v = value
        elif _is_mpf(value):  # before Real: mpf registers as Real but Fraction() rejects it
            v = _mpf_to_fraction(value)
        elif isinstance(value, Rational):  # int, numpy integers: exact
            v = Fraction(int(value.numerator), int(value.denominator))
        elif isinstance(value, Real):  # float, numpy floats: the decimal they print as
            if not math.isfinite(float(value)):
                raise ValueError
            v = Fraction(str(value))
        else:
            raise TypeError
    except (ValueError, TypeError, ZeroDivisionError, OverflowError):
        raise InputError(
            f"{name}={value!r}: expected a finite real number (like 0.5, -2 or 1e-3); pass a finite value", name
        ) from None
    return v


def _is_mpf(value) -> bool:
    return type(value).__name__ == "mpf" and hasattr(value, "_mpf_")


def _mpf_to_fraction(value) -> Fraction:
    """Exact value of an mpmath mpf (sign included); ValueError for inf or nan."""
    from .precision import to_fraction  # mpmath is imported only when an mpf comes in

    return to_fraction(value)


def exact_list(name: str, values, *, length: int | None = None, nonempty: bool = True) -> tuple[Fraction, ...]:
    """Parse a list of finite reals (a sequence, or a comma-separated string)."""
    if isinstance(values, str):
        parts = [p for p in values.split(",") if p.strip()]
    elif isinstance(values, Iterable):
        parts = list(values)
    else:
        raise InputError(f"{name}={values!r}: expected a list of numbers; pass e.g. 1,-1", name)
    if nonempty and not parts:
        raise InputError(f"{name}={values!r}: expected at least one number; pass e.g. 1,-1", name)
    out = tuple(exact(f"{name}[{i}]", p) for i, p in enumerate(parts))
    if length is not None and len(out) != length:
        raise InputError(
            f"{name}={values!r}: expected {length} numbers (one per eigenvalue omega), got {len(out)}; "
            f"give exactly {length}", name
        )
    return out


def positive(name: str, value) -> Fraction:
    """A finite number > 0."""
    v = exact(name, value)
    if v <= 0:
        raise InputError(f"{name}={value!r}: expected a value > 0; pass e.g. {name}=0.5", name)
    return v


def nonnegative_list(name: str, values, *, length: int | None = None) -> tuple[Fraction, ...]:
    """A list of finite numbers >= 0, such as the squared mode Jacobians J(omega_i)^2."""
    out = exact_list(name, values, length=length)
    for i, v in enumerate(out):
        if v < 0:
            raise InputError(
                f"{name}[{i}]={float(v)!r}: a squared Jacobian J(omega)^2 cannot be negative; "
                f"pass values >= 0",
                f"{name}[{i}]",
            )
    return out


def positive_list(name: str, values, *, zero: bool = False) -> tuple[Fraction, ...]:
    """A list of finite numbers > 0 (>= 0 with ``zero``): a sequence, or a comma-separated string."""
    out = exact_list(name, values)
    for i, v in enumerate(out):
        if v < 0 or (v == 0 and not zero):
            raise InputError(f"{name}={values!r}: expected values {'>= 0' if zero else '> 0'}, got {float(v)!r} "
                             f"(value {i + 1}); pass e.g. {name}=0.5", name)
    return out


def positive_int(name: str, value, *, maximum: int | None = None) -> int:
    """A whole number >= 1 (and <= maximum if given). ``name`` may index a list (``D[0]``); the fix then
    names the list (``pass e.g. D=1000``)."""
    fix = f"pass e.g. {name.partition('[')[0]}=1000"
    try:
        v = int(str(value).strip()) if not isinstance(value, int) or isinstance(value, bool) else value
    except ValueError:
        raise InputError(f"{name}={value!r}: expected a whole number >= 1; {fix}", name) from None
    if isinstance(value, bool) or v < 1:
        raise InputError(f"{name}={value!r}: expected a whole number >= 1; {fix}", name)
    if maximum is not None and v > maximum:
        raise InputError(f"{name}={value!r}: expected at most {maximum}; pass a smaller {name}", name)
    return v


def whole_in_range(name: str, value, lo: int, hi: int, what: str, example: int, hint: str = "") -> int:
    """A whole number of `what` (e.g. "decimal digits") between lo and hi inclusive."""
    try:
        v = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        v = None
    if v is None or isinstance(value, bool) or not lo <= v <= hi:
        raise InputError(f"{name}={value!r}: expected a whole number of {what} from {lo} to {hi}; "
                         f"pass e.g. {name}={example}{hint}", name)
    return v


def dps(value, name: str = "dps") -> int:
    """A working precision in decimal digits, between DPS_MIN and DPS_MAX."""
    return whole_in_range(name, value, DPS_MIN, DPS_MAX, "decimal digits", 50,
                          f" (use float64 for less than {DPS_MIN})")
