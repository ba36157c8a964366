"""`sorm derive`: regenerate the derived-formula files, or check they are fresh."""
from __future__ import annotations

import time

__all__ = ["HELP", "add_arguments", "run"]

HELP = "derive every formula with sympy and write numerics/_derived.py and docs/derived.md"


def add_arguments(p):
    p.add_argument("--check", action="store_true",
                   help="do not write; exit 1 if the committed files differ from a fresh derivation")


def run(args) -> int:
    from ...theory import codegen

    t0 = time.perf_counter()
    if args.check:
        diffs = codegen.check()
        for d in diffs:
            print(d)
        status = "stale: run `sorm derive`" if diffs else "fresh"
        print(f"derived files {status} ({time.perf_counter() - t0:.1f} s)")
        return 1 if diffs else 0
    for path in codegen.write():
        print(f"wrote {path.relative_to(codegen.ROOT)}")
    print(f"derived in {time.perf_counter() - t0:.1f} s")
    return 0
