"""Records that carry a derived result from a theory module to `sorm derive`.

A theory module exposes ``section() -> Section``. The section's formulas become
functions of the generated module ``numerics/_derived.py`` and equations of the
document ``docs/derived.md``; its ``text`` (Markdown) states what was derived and
how sympy proved it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

__all__ = ["Formula", "Section"]


@dataclass(frozen=True)
class Formula:
    """One derived expression, emitted as ``def name(*args): return expr``.

    name: Python function name. args: the sympy symbols it takes, in order.
    expr: a sympy expression, or a tuple of them (the function returns a tuple).
    summary: one line for the docstring. source: "paper §2.1" or "derived here".
    lhs: LaTeX for the left-hand side in the document.
    latex: extra LaTeX names for this formula's symbols in the document (they override
    :data:`theory.symbols.LATEX`), e.g. to print the argument ``J2`` as J̃(ω_i)² in an
    η-rescaled formula.
    """

    name: str
    args: tuple[sp.Symbol, ...]
    expr: sp.Expr | tuple
    summary: str
    source: str
    lhs: str = ""
    latex: tuple[tuple[sp.Symbol, str], ...] = ()

    def __post_init__(self):
        exprs = self.expr if isinstance(self.expr, tuple) else (self.expr,)
        free = set().union(*(sp.sympify(e).free_symbols for e in exprs))
        missing = free - set(self.args)
        if missing:
            raise ValueError(f"formula {self.name}: free symbols {sorted(map(str, missing))} are not in args")
        if not self.name.isidentifier():
            raise ValueError(f"formula name {self.name!r} is not a Python identifier")


@dataclass(frozen=True)
class Section:
    """A titled group of derived results: Markdown text plus formulas to emit."""

    key: str
    title: str
    text: str
    formulas: tuple[Formula, ...] = field(default_factory=tuple)
