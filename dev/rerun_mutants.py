"""Rerun mutmut mutants against a pytest selection in one Python process.

mutmut's trampoline reads ``MUTANT_UNDER_TEST`` at every call of a mutated function, so one process can
run ``pytest.main`` once per mutant with the variable set before each run: the imports (sympy, numba,
mpmath) and the numba compilations are paid once instead of once per mutant. Run it from mutmut's
trampolined copy of the package (``build/mutation/mutants``, with the tests to use copied into its
``tests/``), with ``PYTHONPATH=src``::

    PYTHONPATH=src python ../../../dev/rerun_mutants.py sorm.numerics.engines.batch \\
        "tests/test_batch.py -k where_exact" CLEAN x_run_planar_where_exact__mutmut_8 ...

``CLEAN`` runs the selection with no mutant active (every test must pass). Each line printed is the
mutant, pytest's exit code (0: survived, 1: killed), the time, pytest's summary and the first failing test.
A mutant that changes module state other runs read (a cache filled with a wrong value) can leak into the
next run: confirm a surprising verdict in a fresh process with ``MUTANT_UNDER_TEST=<module>.<name>``.
"""
from __future__ import annotations

import contextlib
import io
import os
import sys
import time

import pytest


def main(argv: list[str]) -> int:
    module, args, names = argv[0], argv[1].split(), argv[2:]
    for name in names:
        os.environ["MUTANT_UNDER_TEST"] = "" if name == "CLEAN" else f"{module}.{name}"
        buf = io.StringIO()
        t0 = time.time()
        with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
            rc = pytest.main(["-q", "-x", "-p", "no:cacheprovider", "-p", "no:xdist", *args])
        lines = [ln for ln in buf.getvalue().splitlines() if ln.strip()]
        failed = next((ln for ln in lines if ln.startswith("FAILED")), "")
        print(f"{name} rc={int(rc)} {time.time() - t0:.1f}s {lines[-1][:100] if lines else ''} {failed[:150]}",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
