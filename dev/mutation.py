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

A run of one module against a narrow test selection (seconds per mutant instead of
minutes) overrides ``only_mutate`` and the test selection of the staged copy only::

    python dev/mutation.py --mutate numerics/eos/predict.py \
        --tests "tests/test_eos.py -m 'not slow'" run --max-children 1
"""
from __future__ import annotations

import fnmatch
import json
import shlex
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


def narrow(pyproject: Path, mutate: list[str], tests: str | None) -> None:
    """Rewrite the staged ``[tool.mutmut]``: only_mutate from ``mutate`` (repository paths such as
    numerics/eos/predict.py, staged as src/sorm/numerics/eos/predict.py) and the test selection
    from ``tests`` (pytest arguments in shell syntax)."""
    import tomllib

    text = pyproject.read_text("utf-8")
    conf = tomllib.loads(text)["tool"]["mutmut"]
    if mutate:
        conf["only_mutate"] = [f"src/sorm/{m}" for m in mutate]
    if tests is not None:
        conf["pytest_add_cli_args_test_selection"] = shlex.split(tests)
    head, _, rest = text.partition("[tool.mutmut]")
    tail = rest[rest.find("\n[") + 1:] if "\n[" in rest else ""
    body = "".join(f"{k} = {json.dumps(v)}\n" for k, v in conf.items())
    pyproject.write_text(f"{head}[tool.mutmut]\n{body}\n{tail}", "utf-8")


def drop_plain_copies(stage_dir: Path) -> None:
    """Delete mutmut's plain copies of the files this run mutates.

    mutmut copies every file outside ``only_mutate`` into ``mutants/`` unmutated, and later treats a copy
    newer than its source as already mutated: after a narrowed run, a file the next run mutates would
    keep its plain copy, and every mutant of it would report "no tests". A copy without a trampoline is
    deleted so that mutmut mutates the file again (its results in the ``.meta`` file are kept)."""
    import tomllib

    patterns = tomllib.loads((stage_dir / "pyproject.toml").read_text("utf-8"))["tool"]["mutmut"]["only_mutate"]
    for copy in (stage_dir / "mutants").glob("src/**/*.py"):
        name = copy.relative_to(stage_dir / "mutants").as_posix()
        if any(fnmatch.fnmatch(name, p) for p in patterns) and "__mutmut_" not in copy.read_text("utf-8"):
            copy.unlink()


def main(argv: list[str]) -> int:
    if shutil.which("mutmut") is None:
        print("mutation: mutmut is not installed; run pip install -e \".[dev]\"", file=sys.stderr)
        return 2
    mutate, tests = [], None
    while argv[:1] in (["--mutate"], ["--tests"]) and len(argv) > 1:
        if argv[0] == "--mutate":
            mutate.append(argv[1])
        else:
            tests = argv[1]
        argv = argv[2:]
    if argv[:1] in (["show"], ["results"]) and (STAGE / "mutants").is_dir():
        # read-only: restaging would rewrite the narrowed [tool.mutmut] and drop_plain_copies would then delete
        # the plain copies of every configured file the last run did not mutate (gd_mp.py under a certify run)
        return subprocess.call(["mutmut", *argv], cwd=STAGE)
    cwd = stage()
    if mutate or tests is not None:
        narrow(cwd / "pyproject.toml", mutate, tests)
    drop_plain_copies(cwd)
    return subprocess.call(["mutmut", *(argv or ["run"])], cwd=cwd)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
