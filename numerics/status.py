"""The base of every engine's status enum: each member's value is its readable message.

Engines return a status in their immutable result instead of raising (as in diffrax's
RESULTS): ``result.status.message`` says what happened in words.
"""
from __future__ import annotations

import enum

__all__ = ["Status"]


class Status(enum.Enum):
    """Subclass with members whose values are one-line messages."""

    @property
    def message(self) -> str:
        return self.value
