"""Symbolic layer: derives the model's dynamics from its definition with sympy.

Each mathematical object has its own module. ``theory.codegen`` writes the
results to ``numerics/_derived.py`` and ``docs/derived.md`` (``sorm derive``).
This package derives and never iterates.
"""
from .formula import Formula, Section

__all__ = ["Formula", "Section"]
