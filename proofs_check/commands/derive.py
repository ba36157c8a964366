"""`sorm derive`: regenerate the derived-formula files, or check they are fresh."""
from __future__ import annotations

import time
from pathlib import Path

__all__ = ["HELP", "add_arguments", "run"]

HELP = "derive every formula with sympy and write numerics/_derived.py and docs/derived.md"

#: Where this copy of sorm lives; an editable install lives inside its checkout.
_INSTALLED_AT = Path(__file__).resolve()


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


def _find_checkout() -> Path:
    """The checkout this copy lives in (editable install), else the one holding the current folder."""
    from ...numerics.validate import InputError

    root = _checkout_root(_INSTALLED_AT) or _checkout_root(Path.cwd().resolve())
    if root is None:
        raise InputError("sorm derive writes and checks the files of a sorm checkout; run it inside one "
                         "(the folder holding pyproject.toml, or below it)")
    return root


def run(args) -> int:
    import json

    from ...theory import codegen
    from ..output import atomic_write, check_file

    root = _find_checkout()
    if not args.check:  # a file that cannot be written is refused before the derivation, not after
        for rel in (codegen.PY_PATH, codegen.MD_PATH):
            check_file(root / rel, create=False)
    t0 = time.perf_counter()
    fresh = codegen.render()
    if args.check:
        committed = {rel: (root / rel).read_text(encoding="utf-8") if (root / rel).is_file() else ""
                     for rel in fresh}
        diffs = codegen.differences(committed, fresh)
        out = {"status": "stale" if diffs else "fresh",
               "status_message": "stale: run `sorm derive`" if diffs else "fresh: the committed files equal a "
                                                                         "fresh derivation",
               "files": [], "differences": diffs, "seconds": round(time.perf_counter() - t0, 1)}
    else:
        for rel, text in fresh.items():
            atomic_write(root / rel, text)
        out = {"status": "written", "status_message": "written: the derived files were regenerated",
               "files": list(fresh), "differences": [], "seconds": round(time.perf_counter() - t0, 1)}
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
