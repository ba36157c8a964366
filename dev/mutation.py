"""Mutation testing with mutmut, on a staged copy of the package.

mutmut names a mutant after its file's path (``src/sorm/numerics/engines/batch.py`` →
``sorm.numerics.engines.batch``) and runs the tests from its ``mutants/`` copy of
``src/``. The repository keeps the layers as top-level folders that install as
``sorm.theory``, ``sorm.numerics`` and ``sorm.proofs_check`` (a package-dir mapping), so
mutmut cannot run in the checkout itself. This script copies the package into
``build/mutation/src/sorm/`` in the plain src layout, with ``tests/`` and
``pyproject.toml`` (whose ``[tool.mutmut]`` section says what to mutate and which tests
to run), and runs mutmut there. mutmut's cache (``build/mutation/mutants/``) is kept
between runs, so a second ``run`` only retests what changed.

Usage (from the repository root, in a venv with ``pip install -e ".[dev]"``)::

    python dev/mutation.py run --max-children 2      # mutate, test, summarise
    python dev/mutation.py results                   # list the surviving mutants
    python dev/mutation.py show <mutant name>        # the diff of one mutant
    python dev/mutation.py run "sorm.numerics.engines.batch*"   # one module only
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGE = ROOT / "build" / "mutation"
LAYERS = ("theory", "numerics", "proofs_check")


def stage() -> Path:
    """Copy src/sorm, the three layers, tests/ and pyproject.toml into the src layout under STAGE."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    src = STAGE / "src" / "sorm"
    if src.exists():
        shutil.rmtree(src)
    shutil.copytree(ROOT / "src" / "sorm", src, ignore=ignore)
    for layer in LAYERS:
        shutil.copytree(ROOT / layer, src / layer, ignore=ignore)
    if (STAGE / "tests").exists():
        shutil.rmtree(STAGE / "tests")
    shutil.copytree(ROOT / "tests", STAGE / "tests", ignore=ignore)
    shutil.copy2(ROOT / "pyproject.toml", STAGE / "pyproject.toml")
    return STAGE


def main(argv: list[str]) -> int:
    if shutil.which("mutmut") is None:
        print("mutation: mutmut is not installed; run pip install -e \".[dev]\"", file=sys.stderr)
        return 2
    cwd = stage()
    return subprocess.call(["mutmut", *(argv or ["run"])], cwd=cwd)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
