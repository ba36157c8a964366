"""The derivation checks in theory raise DerivationError, also under ``python -O`` (no ``assert``)."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

from sorm.theory import DerivationError, linear, period2, planar, sharpening

THEORY = Path(__file__).resolve().parents[1] / "theory"


def _is_generic_raise(node) -> bool:
    """``raise AssertionError(...)`` or ``raise ArithmeticError(...)``: a check that should say DerivationError."""
    exc = node.exc.func if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) else None
    return isinstance(exc, ast.Name) and exc.id in ("AssertionError", "ArithmeticError")


def test_theory_has_no_assert():
    """An ``assert`` vanishes under ``python -O``; a derivation check raises DerivationError instead."""
    found = [f"{p.name}:{node.lineno}" for p in sorted(THEORY.rglob("*.py"))
             for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
             if isinstance(node, ast.Assert) or _is_generic_raise(node)]
    assert not found, f"assert statements or generic raises in theory/: {found}"


@pytest.mark.parametrize(
    "module, name, broken",
    [
        (linear, "gf_ntk_rate", lambda P: sp.Integer(1)),
        (sharpening, "ntk_rate_sinh", lambda: sp.Integer(0)),
        (planar, "stable_T_interval", lambda: sp.Interval.open(0, 3)),
        (period2, "period2_multiplier", lambda: 7 - 4 * period2.e),
    ],
    ids=["linear-ntk-rate", "sharpening-sinh-form", "planar-stable-interval", "period2-multiplier"],
)
def test_a_broken_derivation_raises(module, name, broken, monkeypatch):
    module._checks()  # the true derivation passes
    monkeypatch.setattr(module, name, broken)
    with pytest.raises(DerivationError):
        module._checks()


def test_the_checks_hold_under_python_O():
    """Under ``-O`` asserts are gone; a broken derivation must still raise DerivationError."""
    code = (
        "import sys, sympy as sp\n"
        "from sorm.theory import DerivationError, linear\n"
        "assert False, 'asserts are on'\n"  # skipped under -O: proves the flag took effect
        "linear.gf_ntk_rate = lambda P: sp.Integer(1)\n"
        "try:\n"
        "    linear._checks()\n"
        "except DerivationError as exc:\n"
        "    print('DerivationError:', exc)\n"
        "    sys.exit(0)\n"
        "sys.exit(1)\n"
    )
    out = subprocess.run([sys.executable, "-O", "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "DerivationError: the linear model's NTK changes at P = 1" in out.stdout
