"""`sorm derive`: regenerate the derived-formula files, or check they are fresh."""
from __future__ import annotations

import time
from pathlib import Path

__all__ = ["HELP", "add_arguments", "run"]

HELP = "derive every formula with sympy and write numerics/_derived.py and docs/derived.md"


def add_arguments(p):
    p.add_argument("--check", action="store_true",
                   help="do not write; exit 1 if the committed files differ from a fresh derivation")
    p.add_argument("--json", action="store_true", help="print a JSON summary (see the README's JSON section)")


def _checkout_root(start: Path) -> Path | None:
    """The sorm checkout holding ``start``: the nearest folder upward with pyproject.toml and theory/codegen.py."""
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "theory" / "codegen.py").is_file():
            return folder
    return None


def _use_checkout(codegen) -> None:
    """Point the generator at the checkout's files when sorm runs from an installed (non-editable) copy."""
    from ...numerics.validate import InputError

    if _checkout_root(codegen.ROOT) is not None:  # an editable install already lives in the checkout
        return
    root = _checkout_root(Path.cwd().resolve())
    if root is None:
        raise InputError("sorm derive writes and checks the files of a sorm checkout; run it inside one "
                         "(the folder holding pyproject.toml, or below it)")
    codegen.ROOT = root
    codegen.PY_PATH = root / codegen.PY_PATH.relative_to(codegen.PY_PATH.parents[1])
    codegen.MD_PATH = root / codegen.MD_PATH.relative_to(codegen.MD_PATH.parents[1])


def run(args) -> int:
    from ...theory import codegen

    import json

    _use_checkout(codegen)
    if not args.check:  # a file that cannot be written is refused before the derivation, not after
        from ..output import check_file

        for path in (codegen.PY_PATH, codegen.MD_PATH):
            check_file(path, create=False)

    t0 = time.perf_counter()
    if args.check:
        diffs = codegen.check()
        out = {"status": "stale" if diffs else "fresh",
               "status_message": "stale: run `sorm derive`" if diffs else "fresh: the committed files equal a "
                                                                         "fresh derivation",
               "files": [], "differences": list(diffs), "seconds": round(time.perf_counter() - t0, 1)}
    else:
        files = [str(path.relative_to(codegen.ROOT)) for path in codegen.write()]
        out = {"status": "written", "status_message": "written: the derived files were regenerated",
               "files": files, "differences": [], "seconds": round(time.perf_counter() - t0, 1)}
    if args.json:
        print(json.dumps(out, indent=2))
    elif args.check:
        for d in out["differences"]:
            print(d)
        verdict = "stale: run `sorm derive`" if out["status"] == "stale" else "fresh"
        print(f"derived files {verdict} ({out['seconds']:.1f} s)")
    else:
        for f in out["files"]:
            print(f"wrote {f}")
        print(f"derived in {out['seconds']:.1f} s")
    return 1 if out["status"] == "stale" else 0
