"""Test mutmut's mutants one at a time without mutmut's per-mutant pytest start (TESTING.md, GD engines).

The fallback TESTING.md describes (``MUTANT_UNDER_TEST=<name>``, ``PYTHONPATH=src``, pytest on a few tests in
mutmut's trampolined copy) pays pytest's start-up and collection for every mutant. This script pays it once: it
runs in ``build/mutation/mutants/`` (made by ``python dev/mutation.py ... run``), imports the package from its
``src/``, collects the selected tests with ``pytest --collect-only``, runs each once unmutated to time it, and then,
for every mutant, forks, sets ``MUTANT_UNDER_TEST`` (mutmut's trampolines read it at each call) and calls the test
functions directly with their parameters, fastest first, stopping at the first failure (as mutmut does). ``capsys``
is given by a stand-in that captures ``sys.stdout``/``sys.stderr``; a test that needs any other fixture
(``monkeypatch``, ``tmp_path``, ...) runs through ``pytest.main`` on its node id in the same forked child, so it
has every fixture and hook of a normal run; the autouse fixture that guards mpmath's precision is replaced by a
check after each directly called test. ``--pytest`` runs every test that way: slower (pytest's collection of
the test's file per test and mutant), for a selection whose tests rely on conftest hooks beyond that fixture.

Usage, from the repository root::

    python dev/mutation_direct.py --out build/mutation/gd.jsonl --timeout 300 \\
        --tests "tests/test_gd_engines.py -m 'not slow'" NAME... (or @FILE of names)

The tests are those of ``build/mutation/mutants/tests/``, mutmut's copy: after editing ``tests/``, copy them
there (``cp tests/*.py build/mutation/mutants/tests/``). One JSON line per mutant (``killed`` with the first failing test and its error, ``survived``, ``timeout`` or
``crashed``), on stdout and appended to ``--out``.

This runner replaced ``dev/rerun_mutants.py`` (one process, ``pytest.main`` per mutant with no fork: state could
leak from one mutant to the next, and a hang stopped only by an alarm); its runs recorded in TESTING.md can be
repeated here with ``--pytest``.

``--mutants DIR`` runs in another staged copy (default ``build/mutation/mutants``). ``--bypass`` makes each
child call the originals of the mutated module's other functions directly instead of through their
trampolines (the trampoline of the function under test stays): the same code runs, but a hot loop in another
mutated function (``gf._Series.coef``/``_next`` under ``integrate_gf``) no longer pays mutmut's dispatch on
every call, which made the tests of ``gf.py`` 15 times slower in the trampolined copy.
"""
from __future__ import annotations

import argparse
import contextlib
import inspect
import io
import json
import os
import shlex
import signal
import sys
import time
import types
from pathlib import Path

MUTANTS = Path(__file__).resolve().parent.parent / "build" / "mutation" / "mutants"


class Capsys:
    """pytest's ``capsys`` as far as the tests use it: ``readouterr()`` of what was printed since the last call."""

    def __init__(self):
        self.out, self.err = io.StringIO(), io.StringIO()

    def readouterr(self):
        out, err = self.out.getvalue(), self.err.getvalue()
        self.out.seek(0), self.out.truncate(), self.err.seek(0), self.err.truncate()
        return types.SimpleNamespace(out=out, err=err)


def call(fn, params, capsys):
    if not capsys:
        return fn(**params)
    cap = Capsys()
    with contextlib.redirect_stdout(cap.out), contextlib.redirect_stderr(cap.err):
        return fn(**params, capsys=cap)


def run_one(nodeid, fn, params, capsys) -> str | None:
    """Run one test: its failure as text, or None. ``fn`` None: through ``pytest.main`` on its node id."""
    import mpmath
    import pytest

    if fn is None:
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
            rc = pytest.main(["-q", "-x", "-p", "no:cacheprovider", "-p", "no:xdist", nodeid])
        if rc == pytest.ExitCode.OK:
            return None
        lines = [ln for ln in buf.getvalue().splitlines() if ln.startswith("E ")]
        return f"pytest exit code {int(rc)}: {(lines[0] if lines else buf.getvalue()[-200:]).strip()[:200]}"
    try:
        call(fn, params, capsys)
    except BaseException as e:  # noqa: BLE001 - any failure kills the mutant
        return f"{type(e).__name__}: {str(e)[:200]}"
    if mpmath.mp.dps != 15:
        return "changed mpmath's precision"
    return None


def bypass(name: str) -> None:
    """In the mutant's module, put each other mutated function's original in place of its trampoline.

    mutmut keeps, per mutated function, a dict ``mutants_<mangled>__mutmut`` whose ``_mutmut_orig`` is the
    unmutated copy; ``<mangled>`` is ``x_<function>`` or ``xǁ<Class>ǁ<method>``. Callers that bound the
    trampoline before (a test's ``from … import``) still reach the original through it."""
    module, _, mutant = name.rpartition(".")
    mod = sys.modules[module]
    for attr, table in list(vars(mod).items()):
        if not (attr.startswith("mutants_") and attr.endswith("__mutmut") and isinstance(table, dict)):
            continue
        mangled = attr[len("mutants_"):-len("__mutmut")]
        if mutant.startswith(mangled + "__mutmut_") or "_mutmut_orig" not in table:
            continue
        orig = table["_mutmut_orig"]
        if "ǁ" in mangled:
            _, cls_name, meth = mangled.split("ǁ")
            cls = getattr(mod, cls_name)
            kind = type(vars(cls).get(meth))
            setattr(cls, meth, kind(orig) if kind in (staticmethod, classmethod) else orig)
        else:
            setattr(mod, mangled[2:], orig)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tests", required=True, help="pytest arguments (shell syntax), paths relative to build/mutation/mutants")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per mutant (wall)")
    ap.add_argument("--out", required=True, help="JSON lines file to append to")
    ap.add_argument("--mutants", default=str(MUTANTS), help="mutmut's staged copy to run in")
    ap.add_argument("--bypass", action="store_true",
                    help="call the mutated module's other functions without their trampolines (module docstring)")
    ap.add_argument("--pytest", action="store_true",
                    help="run every test through pytest.main in the forked child (module docstring)")
    ap.add_argument("names", nargs="+", help="mutant names, or @file with one per line")
    a = ap.parse_args(argv)
    out = Path(a.out).resolve()
    names = []
    for n in a.names:
        names += Path(n[1:]).read_text().split() if n.startswith("@") else [n]
    os.chdir(a.mutants)
    sys.path.insert(0, "src")
    os.environ["MUTANT_UNDER_TEST"] = ""
    import mpmath
    import pytest

    import sorm.numerics.engines.gd_mp as gd_mp
    if "/mutants/src/" not in gd_mp.__file__:
        sys.exit(f"mutation_direct: imported {gd_mp.__file__}, not mutmut's copy")

    class Collect:
        items: list = []

        def pytest_collection_finish(self, session):
            self.items = list(session.items)

    col = Collect()
    pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", *shlex.split(a.tests)],
                plugins=[col])
    tests = []  # (node id, function or None: through pytest.main, parameters, wants capsys)
    for it in col.items:
        params = getattr(getattr(it, "callspec", None), "params", {})
        need = [p for p in inspect.signature(it.obj).parameters if p not in params]
        if a.pytest or [p for p in need if p != "capsys"]:
            tests.append((it.nodeid, None, {}, False))
        else:
            tests.append((it.nodeid, it.obj, dict(params), "capsys" in need))
    dur = {}
    for nodeid, fn, params, cap in tests:  # unmutated, timed: every test must pass
        t0 = time.time()
        mpmath.mp.dps = 15
        failure = run_one(nodeid, fn, params, cap)
        dur[nodeid] = time.time() - t0
        if failure:
            sys.exit(f"mutation_direct: {nodeid} fails with no mutant active: {failure}")
    tests.sort(key=lambda t: dur[t[0]])
    through = sum(fn is None for _, fn, _, _ in tests)
    print(f"{len(tests)} tests ({through} through pytest.main), {sum(dur.values()):.1f} s unmutated",
          file=sys.stderr, flush=True)

    def run_all():
        for nodeid, fn, params, cap in tests:
            mpmath.mp.dps = 15
            failure = run_one(nodeid, fn, params, cap)
            if failure:
                return nodeid, failure
        return None, None

    for name in names:
        r, w = os.pipe()
        t0 = time.time()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            os.setpgid(0, 0)
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.dup2(null, 2)
            os.environ["MUTANT_UNDER_TEST"] = name
            if a.bypass:
                bypass(name)
            os.write(w, json.dumps(run_all()).encode())
            os._exit(0)
        os.close(w)
        verdict = None
        while not os.waitpid(pid, os.WNOHANG)[0]:
            if time.time() - t0 > a.timeout:
                os.killpg(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                verdict = "timeout"
                break
            time.sleep(0.05)
        data = os.read(r, 100_000)
        os.close(r)
        failed = err = None
        if verdict is None:
            if not data:
                verdict = "crashed"
            else:
                failed, err = json.loads(data)
                verdict = "killed" if failed else "survived"
        line = json.dumps({"name": name, "verdict": verdict, "failed": failed, "err": err,
                           "secs": round(time.time() - t0, 1)})
        print(line, flush=True)
        with out.open("a") as f:
            f.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
