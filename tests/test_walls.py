"""The walls between layers, read from the source with ast (every import, also inside functions).

- theory imports only the standard library, sympy and itself;
- numerics never imports matplotlib, proofs_check (figures, output, commands) or a plotting library;
- a claim never imports a command;
- numerics and theory never write files (no ``open(..., "w")``, ``write_text``/``write_bytes``).
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("theory", "numerics", "proofs_check")

def _imports(path: Path):
    """(module, line) for every import in ``path``, relative imports resolved to 'sorm.<layer>...'."""
    rel = path.relative_to(ROOT)
    package = ["sorm", *rel.parts[:-1]]
    if rel.name == "__init__.py":
        package = ["sorm", *rel.parts[:-1]]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
                if node.module is None:  # `from . import x`: each name may be a module
                    for alias in node.names:
                        yield f"{mod}.{alias.name}", node.lineno
                    continue
            else:
                mod = node.module
            yield mod, node.lineno


def _layer_files(layer):
    return sorted(p for p in (ROOT / layer).rglob("*.py") if ".venv" not in p.parts)


def _top(mod: str) -> str:
    return mod.split(".")[0]


def _violations(path: Path) -> list[str]:
    rel = path.relative_to(ROOT).as_posix()
    layer = rel.split("/")[0]
    out = []
    for mod, line in _imports(path):
        where = f"{rel}:{line} imports {mod}"
        inside = mod.split(".")
        if layer == "theory":
            own = mod.startswith("sorm.theory")
            if not (own or _top(mod) in ("sympy", "__future__") or _top(mod) in sys.stdlib_module_names):
                out.append(f"{where}: theory imports only sympy, the standard library and itself")
        elif layer == "numerics":
            if _top(mod) in ("matplotlib", "seaborn", "plotly") or mod.startswith("sorm.proofs_check"):
                out.append(f"{where}: numerics never plots and never imports proofs_check")
        if rel.startswith("proofs_check/claims/") and inside[:3] == ["sorm", "proofs_check", "commands"]:
            out.append(f"{where}: a claim never imports a command")
    if layer in ("theory", "numerics"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("write_text", "write_bytes"):
                out.append(f"{rel}:{node.lineno} calls .{node.attr}: {layer} never writes files")
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open"
                    and any(isinstance(a, ast.Constant) and isinstance(a.value, str) and set(a.value) & set("wax+")
                            for a in node.args[1:2] + [k.value for k in node.keywords if k.arg == "mode"])):
                out.append(f"{rel}:{node.lineno} opens a file for writing: {layer} never writes files")
    return out


@pytest.mark.parametrize("layer", LAYERS)
def test_walls(layer):
    bad = [v for p in _layer_files(layer) for v in _violations(p)]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(
    "rel, source, expected",
    [
        ("theory/x.py", "from ..numerics import problem\n", "theory imports only sympy"),
        ("theory/x.py", "import numpy\n", "theory imports only sympy"),
        ("theory/x.py", "def f():\n    from ..proofs_check.output import atomic_write\n", "theory imports only sympy"),
        ("numerics/eos/x.py", "def f():\n    import matplotlib.pyplot as plt\n", "numerics never plots"),
        ("numerics/x.py", "from ..proofs_check.figures import plot_sweep\n", "never imports proofs_check"),
        ("proofs_check/claims/x.py", "from ..commands.experiment import highdim_summary\n",
         "a claim never imports a command"),
        ("proofs_check/claims/x.py", "from ...proofs_check.commands import sweep\n", "a claim never imports"),
        ("numerics/x.py", "def f(p):\n    p.write_text('x')\n", "never writes files"),
        ("theory/x.py", "def f():\n    open('a', 'w')\n", "never writes files"),
    ],
    ids=["theory-numerics", "theory-numpy", "theory-proofs-check-in-function", "numerics-matplotlib",
         "numerics-figures", "claim-command", "claim-command-absolute-relative", "numerics-write-text",
         "theory-open-w"],
)
def test_the_wall_check_catches(rel, source, expected, tmp_path, monkeypatch):
    """Each rule fires on a planted violation (the check can fail)."""
    fake = tmp_path / rel
    fake.parent.mkdir(parents=True)
    fake.write_text(source)
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    found = _violations(fake)
    assert found and expected in found[0], found


def test_allowed_imports_pass(tmp_path, monkeypatch):
    fake = tmp_path / "theory" / "x.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("import math\nimport sympy as sp\nfrom .symbols import eta\nfrom . import gd_map\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert _violations(fake) == []
