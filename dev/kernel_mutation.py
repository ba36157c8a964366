"""Mutation testing of the compiled batch classifier, whose code mutmut cannot reach.

The numba kernel's classifier is Python source held in strings (``_classify`` in
``numerics/engines/kernel.py``), compiled at run time, and mutmut does not mutate inside strings.
This script does: it finds every comparison, ``&``/``|``, ``not`` and number inside the strings of
the ``REGIONS`` of kernel.py (``_classify`` with the end-of-run exponent; then the subnormal flush and
the candidate filter ``cand`` of ``_steps``, and the mode kernel's test of the J̃ modes, ``sameJ``, with
its flush of the modes), makes one mutant per change (``<`` → ``<=``, ``&`` → ``|``, ``not x`` → ``x``,
``2.0`` → ``3.0``, …), writes each into the staged copy of the package that ``dev/mutation.py``
makes, and runs the tests against it. A mutant is killed when the tests fail. Mutants are numbered
region by region, so a region added at the end keeps the numbers of the ones before it.

Usage (from the repository root, in a venv with ``pip install -e ".[dev]"``)::

    python dev/kernel_mutation.py                 # every mutant, the default test selection
    python dev/kernel_mutation.py --list          # the mutants only
    python dev/kernel_mutation.py --tests "tests/test_kernel.py -x" 3 7   # mutants 3 and 7
"""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mutation import ROOT, STAGE, stage  # noqa: E402

KERNEL = Path("numerics/engines/kernel.py")
#: (start, end) of each stretch of kernel.py whose strings are mutated, in the order the mutants are numbered
REGIONS = (
    ("def _classify(", "\ndef _output("),  # the classifier and _LYAPUNOV, the end-of-run exponent
    ('    end = [f"zj = 0.0', "\n    out = ["),  # _steps: the flush of subnormal z̃, T, z̃_prev; cand
    ("    sameJ = [", "\n    one_d = "),  # _modes_source: the period-2 test of the J̃ modes
    ("        *_steps(one, None, (", "\n                _output("),  # _modes_source: the modes' flush; "sameJ & "
)
# test_loop.py first: its exact-threshold cases kill most mutants within a minute, and -x stops there
TESTS = ("tests/test_loop.py tests/test_engines_agree.py tests/test_kernel.py tests/test_batch.py -x -q "
         "-p no:cacheprovider -p no:xdist -m 'not slow'")
SWAPS = {"<=": "<", ">=": ">", "<": "<=", ">": ">=", "==": "!=", "&": "|", "|": "&"}
TOKEN = re.compile(r"<=|>=|==|(?<![<>=!])[<>](?!=)|[&|]|\bnot \(?|(?<![\w.])\d+\.\d+|(?<![\w.])[0-9](?![\w.])")


def mutants(text: str) -> list[tuple[int, str, str]]:
    """(offset in ``text``, old, new) for each one-token change inside the strings of the ``REGIONS``."""
    out = []
    for first, stop in REGIONS:
        start = text.index(first)
        out += _changes(text, start, text.index(stop, start))
    return out


def _changes(text: str, start: int, end: int) -> list[tuple[int, str, str]]:
    out = []
    for s in re.finditer(r'"[^"\n]*"', text[start:end]):
        body = s.group()
        for m in TOKEN.finditer(body):
            tok = m.group()
            at = start + s.start() + m.start()
            if tok.startswith("not"):
                new = tok[len("not "):]
            elif tok in SWAPS:
                new = SWAPS[tok]
            elif "." in tok:
                new = repr(float(tok) + 1.0)
            else:
                new = str(int(tok) + 1)
            out.append((at, tok, new))
    return out


def main(argv: list[str]) -> int:
    tests = TESTS
    if argv[:1] == ["--tests"]:
        tests, argv = argv[1], argv[2:]
    text = (ROOT / KERNEL).read_text("utf-8")
    found = mutants(text)

    def line(at: int) -> int:
        return text.count("\n", 0, at) + 1

    if argv[:1] == ["--list"]:
        for i, (at, old, new) in enumerate(found):
            print(f"{i:3d}  line {line(at)}: {old!r} -> {new!r}")
        return 0
    chosen = [int(a) for a in argv] or range(len(found))
    src = stage() / "src"
    target = src / "sorm" / KERNEL
    survived = []
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "PYTHONPATH": str(src), "NUMBA_CACHE_DIR": cache}

        def run() -> int:
            return subprocess.call([sys.executable, "-m", "pytest", *shlex.split(tests)], cwd=STAGE, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        if run() != 0:
            print(f"kernel_mutation: the tests fail without a mutant; fix them first: pytest {tests}", file=sys.stderr)
            return 1
        for i in chosen:
            at, old, new = found[i]
            target.write_text(text[:at] + new + text[at + len(old):], "utf-8")
            t = time.perf_counter()
            rc = run()
            verdict = "killed" if rc != 0 else "SURVIVED"
            if rc == 0:
                survived.append(i)
            print(f"{i:3d}  line {line(at)}: {old!r} -> {new!r}  {verdict} ({time.perf_counter() - t:.0f} s)",
                  flush=True)
    target.write_text(text, "utf-8")
    print(f"{len(chosen)} mutants, {len(chosen) - len(survived)} killed, {len(survived)} survived: {survived}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
