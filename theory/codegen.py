"""`sorm derive`: write every derived result to the committed formula files.

Each theory module listed in :data:`SECTIONS` exposes ``section()``. This module
renders them to

- ``numerics/_derived.py``: plain-arithmetic Python functions (``+ - * / **``
  with integer constants only), so the same code runs on floats, numpy arrays,
  mpmath ``mpf`` and python-flint ``arb`` without losing precision;
- ``docs/derived.md``: a Markdown document with LaTeX.

``check()`` re-derives both and compares them with the files on disk.
"""
from __future__ import annotations

import difflib
import importlib
from pathlib import Path

import sympy as sp
from sympy.printing.str import StrPrinter

from numerics.io import atomic_write

from .formula import Formula, Section
from .symbols import LATEX

__all__ = ["SECTIONS", "ROOT", "PY_PATH", "MD_PATH", "sections", "render_python", "render_markdown",
           "write", "check"]

#: Theory modules whose ``section()`` goes into the generated files, in order.
SECTIONS = (
    "theory.gd_map",
)

ROOT = Path(__file__).resolve().parent.parent
PY_PATH = ROOT / "numerics" / "_derived.py"
MD_PATH = ROOT / "docs" / "derived.md"
HEADER = "DO NOT EDIT: regenerate with `sorm derive`"


def sections() -> list[Section]:
    return [importlib.import_module(name).section() for name in SECTIONS]


class _ExactPrinter(StrPrinter):
    """Python source with integer constants only: p/q never becomes a float literal."""

    def _print_Rational(self, expr):
        raise ValueError(f"bare rational constant {expr} would print as a float; bring it over a common denominator")


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
        "Only + - * / ** with integer constants appear, so every function works unchanged on",
        "float, numpy arrays, mpmath mpf and python-flint arb.",
        '"""',
        "",
    ]
    names = [f.name for s in secs for f in s.formulas]
    if len(set(names)) != len(names):
        raise ValueError("duplicate generated function names")
    lines.append("__all__ = [" + ", ".join(repr(n) for n in names) + "]")
    for sec in secs:
        lines += ["", "", f"# --- {sec.title} ({sec.key}) ---"]
        for f in sec.formulas:
            args = ", ".join(str(a) for a in f.args)
            lines += ["", "", f"def {f.name}({args}):", f'    """{f.summary} Source: {f.source}."""']
            if isinstance(f.expr, tuple):
                body = ",\n        ".join(_pycode(e) for e in f.expr)
                lines.append(f"    return (\n        {body},\n    )")
            else:
                lines.append(f"    return {_pycode(f.expr)}")
    return "\n".join(lines).replace("\n\n\n\n", "\n\n\n") + "\n"


def _latex(expr) -> str:
    return sp.latex(expr, symbol_names=LATEX)


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
            rhs = r",\quad ".join(_latex(e) for e in exprs)
            lhs = f.lhs or f.name
            out += [f"- {f.summary} [`{f.name}`; {f.source}]", "", f"$$ {lhs} = {rhs} $$", ""]
    return "\n".join(out).rstrip() + "\n"


def _render() -> dict[Path, str]:
    secs = sections()
    return {PY_PATH: render_python(secs), MD_PATH: render_markdown(secs)}


def write() -> list[Path]:
    """Derive everything and write the generated files atomically; return their paths."""
    files = _render()
    for path, text in files.items():
        atomic_write(path, text)
    return list(files)


def check() -> list[str]:
    """Derive everything and diff against the committed files; return the diffs (empty if fresh)."""
    diffs = []
    for path, text in _render().items():
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        if old != text:
            diff = difflib.unified_diff(old.splitlines(), text.splitlines(), str(path), "fresh derivation",
                                        lineterm="", n=1)
            diffs.append("\n".join(list(diff)[:40]))
    return diffs
