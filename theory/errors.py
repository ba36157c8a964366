"""The one exception a failed derivation check raises.

A derivation check is an identity the symbolic layer has derived and then verifies
(a sympy difference that must vanish, a solution that must be unique). It raises
:class:`DerivationError` rather than using ``assert``, so it also holds under
``python -O``.
"""
from __future__ import annotations

__all__ = ["DerivationError", "check"]


class DerivationError(ArithmeticError):
    """A derivation check failed: a derived formula, map or edge is wrong."""


def check(ok: bool, what: str) -> None:
    """Raise :class:`DerivationError` saying ``what`` failed unless ``ok`` is true."""
    if not ok:
        raise DerivationError(what)
