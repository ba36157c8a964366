"""The code generator: every derived result rendered as the text of the committed formula files.

Each theory module listed in :data:`SECTIONS` exposes ``section()``. :func:`render`
returns their texts, keyed by the path relative to the checkout's root (theory never
writes files; ``sorm derive`` writes them):

- ``numerics/_derived.py``: plain-arithmetic Python functions (``+ - * / **``
  with integer constants only, plus the elementary functions ``exp``, ``log`` and
  ``sqrt``), so the same code runs on floats, numpy arrays, mpmath ``mpf`` and
  python-flint ``arb`` without losing precision. The generated module defines
  ``exp``, ``log`` and ``sqrt`` itself as small helpers that dispatch on the
  argument's type (mpmath → mpmath at its current working precision, flint
  ``arb``/``acb`` → the ball method, numpy → numpy, anything else → :mod:`math`);
- ``docs/derived.md``: a Markdown document with LaTeX.

:func:`differences` compares the committed texts with a fresh rendering.
"""
from __future__ import annotations

import difflib
import importlib
from typing import Mapping

import sympy as sp
from sympy.printing.str import StrPrinter

from .formula import Section
from .symbols import LATEX

__all__ = ["SECTIONS", "PY_PATH", "MD_PATH", "sections", "render_python", "render_markdown", "render",
           "differences"]

#: Theory modules whose ``section()`` goes into the generated files, in order.
SECTIONS = (
    ".gd_map",
    ".invariants",
    ".flow",
    ".planar",
    ".sharpening",
    ".linear",
    ".normal_form",
    ".period2",
    ".catapult",
    ".highdim",
    ".optimizers",
    ".centralflow",
)

#: The generated files, relative to the checkout's root (the folder holding pyproject.toml).
PY_PATH = "numerics/_derived.py"
MD_PATH = "docs/derived.md"
HEADER = "DO NOT EDIT: regenerate with `sorm derive`"


def sections() -> list[Section]:
    return [importlib.import_module(name, __package__).section() for name in SECTIONS]


class _ExactPrinter(StrPrinter):
    """Python source with integer constants only: p/q never becomes a float literal."""

    def _print_Float(self, expr):
        raise ValueError(f"float constant {expr} in a derived formula; derive it exactly")

    def _print_Rational(self, expr):
        raise ValueError(f"bare rational constant {expr} would print as a float; bring it over a common denominator")


#: Elementary functions the generated module may call; each gets a type-dispatching helper.
ELEMENTARY = ("exp", "log", "sqrt")

_HELPERS = '''
def _elementary(name):
    """The elementary function `name`, dispatched on its argument's type.

    mpmath numbers use mpmath (at the caller's working precision), python-flint
    arb/acb balls use their own method, numpy arrays and scalars use numpy, and
    anything else (int, float, Fraction) uses the math module.
    """
    import math

    scalar = getattr(math, name)

    def fn(x):
        module = type(x).__module__
        if module.startswith("mpmath"):
            import mpmath
            return getattr(mpmath, name)(x)
        if module.startswith("flint"):
            return getattr(x, name)()
        if module.startswith("numpy"):
            import numpy
            return getattr(numpy, name)(x)
        return scalar(x)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"{name}(x) for float, numpy, mpmath mpf and python-flint arb arguments."
    return fn


exp = _elementary("exp")
log = _elementary("log")
sqrt = _elementary("sqrt")
'''


def _check_functions(expr: sp.Expr, name: str) -> None:
    """Only arithmetic and the :data:`ELEMENTARY` functions may reach the generated module."""
    for f in sp.sympify(expr).atoms(sp.Function):
        if type(f).__name__ not in ELEMENTARY:
            raise ValueError(f"formula {name}: function {type(f).__name__} has no generated helper")
    for p in sp.sympify(expr).atoms(sp.Pow):
        if p.exp.is_Rational and not p.exp.is_Integer and p.exp != sp.Rational(1, 2) and p.exp != -sp.Rational(1, 2):
            raise ValueError(f"formula {name}: fractional power {p} would print a float exponent")


def _pycode(expr: sp.Expr) -> str:
    expr = sp.sympify(expr)
    if expr.is_Rational:
        if expr.q != 1:
            raise ValueError(f"constant formula {expr} is not an integer; emit numerator and denominator")
        return str(expr.p)
    num, den = sp.fraction(sp.together(expr))
    printer = _ExactPrinter({"order": "none"})
    num_s = printer.doprint(num)
    if den == 1:
        return num_s
    return f"({num_s})/({printer.doprint(den)})"


def render_python(secs: list[Section]) -> str:
    lines = [
        f'"""{HEADER}.',
        "",
        "Formulas derived by sympy in ``theory/``; see docs/derived.md for the derivations.",
        "Only + - * / ** with integer constants and the helpers exp, log, sqrt (defined below,",
        "dispatching on the argument's type) appear, so every function works unchanged on",
        "float, numpy arrays, mpmath mpf and python-flint arb.",
        '"""',
        "",
    ]
    names = [f.name for s in secs for f in s.formulas]
    if len(set(names)) != len(names):
        raise ValueError("duplicate generated function names")
    if set(names) & set(ELEMENTARY):
        raise ValueError(f"generated function names may not shadow {ELEMENTARY}")
    lines.append("__all__ = [" + ", ".join(repr(n) for n in names) + "]")
    lines += ["", "", _HELPERS.strip("\n")]
    for sec in secs:
        lines += ["", "", f"# --- {sec.title} ({sec.key}) ---"]
        for f in sec.formulas:
            for e in (f.expr if isinstance(f.expr, tuple) else (f.expr,)):
                _check_functions(e, f.name)
            args = ", ".join(str(a) for a in f.args)
            lines += ["", "", f"def {f.name}({args}):", f'    """{f.summary} Source: {f.source}."""']
            if isinstance(f.expr, tuple):
                body = ",\n        ".join(_pycode(e) for e in f.expr)
                lines.append(f"    return (\n        {body},\n    )")
            else:
                lines.append(f"    return {_pycode(f.expr)}")
    return "\n".join(lines).replace("\n\n\n\n", "\n\n\n") + "\n"


def _latex(expr, extra=()) -> str:
    return sp.latex(expr, symbol_names={**LATEX, **dict(extra)})


def render_markdown(secs: list[Section]) -> str:
    out = [
        "<!-- " + HEADER + " -->",
        "# Derived formulas",
        "",
        "Every equation below was produced by sympy from the model definition",
        "z(θ) = ½θᵀQθ − E and the update rules (paper, Section 2.1). Results the paper",
        "states are marked with its section; everything else is *derived here*.",
        "Each formula also appears as a function of `numerics/_derived.py` (named in brackets).",
        "",
    ]
    for n, sec in enumerate(secs, 1):
        out += [f"## {n}. {sec.title}", "", sec.text.strip(), ""]
        for f in sec.formulas:
            exprs = f.expr if isinstance(f.expr, tuple) else (f.expr,)
            rhs = r",\quad ".join(_latex(e, f.latex) for e in exprs)
            if isinstance(f.expr, tuple):
                rhs = r"\left(" + rhs + r"\right)"
            lhs = f.lhs or f.name
            out += [f"- {f.summary} [`{f.name}`; {f.source}]", "", f"$$ {lhs} = {rhs} $$", ""]
    return "\n".join(out).rstrip() + "\n"


def render() -> dict[str, str]:
    """Derive everything; return ``{path relative to the checkout's root: text}`` of the generated files."""
    secs = sections()
    return {PY_PATH: render_python(secs), MD_PATH: render_markdown(secs)}


def differences(committed: Mapping[str, str], fresh: Mapping[str, str]) -> list[str]:
    """A unified diff (at most 40 lines) per file whose committed text differs from ``fresh``; empty if fresh.

    ``committed`` maps each path of ``fresh`` to the text on disk ("" for a missing file).
    """
    diffs = []
    for path, text in fresh.items():
        old = committed.get(path, "")
        if old != text:
            diff = difflib.unified_diff(old.splitlines(), text.splitlines(), path, "fresh derivation",
                                        lineterm="", n=1)
            diffs.append("\n".join(list(diff)[:40]))
    return diffs
