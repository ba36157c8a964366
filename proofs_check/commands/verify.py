"""`sorm verify`: run every claim and write the verification report."""
from __future__ import annotations

import json

__all__ = ["HELP", "add_arguments", "run"]

HELP = "run the whole claims registry and write the verification report (exit 1 if a claim fails)"


def add_arguments(p):
    p.add_argument("--out", default="report", help="report folder (default: ./report)")
    p.add_argument("--quick", action="store_true", help="smaller checks, about 30 s in all")
    p.add_argument("--seed", default="0", help="seed for every random draw, a whole number >= 0 (default 0)")
    p.add_argument("--only", metavar="PREFIX", help="run only the claims whose id starts with PREFIX")
    p.add_argument("--json", action="store_true", help="print report.json instead of the table")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--workers", help="claims run at once, in processes each on one core (default: the machine's "
                                     "cores); the report is the same, in the same order")


def run(args) -> int:
    from ..output import check_files, check_folder
    from ..report import run_report, summary_table
    from ...numerics.parallel import default_workers
    from ...numerics.validate import positive_int

    from .experiment import parse_seed

    args.seed = parse_seed(args.seed)
    workers = default_workers() if args.workers is None else positive_int("workers", args.workers, maximum=256)
    out = check_folder(args.out, "--out", create=False)  # before any claim runs
    check_files([out / "report.json", out / "report.md"], "--out")
    report = run_report(out, quick=args.quick, seed=args.seed, only=args.only, quiet=args.quiet, workers=workers)
    if args.json:
        print(json.dumps(report, indent=2, default=str))
    else:
        print(summary_table(report))
        print(f"report: {out / 'report.md'}  (JSON: {out / 'report.json'})")
    s = report["summary"]
    return 1 if s["failed"] or s["error"] else 0
