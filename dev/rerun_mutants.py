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
``--timeout S`` stops a mutant's run after S seconds of wall time (an exception raised by SIGALRM in the
running test, so pure-Python loops stop; reported ``timeout``, which mutmut also counts as detected).
"""
from __future__ import annotations

import contextlib
import io
import os
import shlex
import signal
import sys
import time

import pytest


class MutantTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise MutantTimeout("mutant run took too long")


def main(argv: list[str]) -> int:
    timeout = 0
    if argv[:1] == ["--timeout"]:
        timeout, argv = int(argv[1]), argv[2:]
    module, args, names = argv[0], shlex.split(argv[1]), argv[2:]
    signal.signal(signal.SIGALRM, _alarm)
    for name in names:
        os.environ["MUTANT_UNDER_TEST"] = "" if name == "CLEAN" else f"{module}.{name}"
        buf = io.StringIO()
        t0 = time.time()
        signal.alarm(timeout)
        try:
            with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
                rc = pytest.main(["-q", "-x", "-p", "no:cacheprovider", "-p", "no:xdist", *args])
        except MutantTimeout:
            rc = "timeout"
        finally:
            signal.alarm(0)
        if "MutantTimeout" in buf.getvalue():
            rc = "timeout"
        lines = [ln for ln in buf.getvalue().splitlines() if ln.strip()]
        failed = next((ln for ln in lines if ln.startswith("FAILED")), "")
        verdict = rc if rc == "timeout" else int(rc)
        summary = lines[-1][:100] if lines else ""
        print(f"{name} rc={verdict} {time.time() - t0:.1f}s {summary} {failed[:150]}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
