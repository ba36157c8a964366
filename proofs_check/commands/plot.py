"""`sorm plot`: one GD run, ηλ_t and z_t against t with the edge of stability 2/η, as a PNG.

The run is the one `sorm simulate` makes, with the same options (high precision by
default, ``--float64`` for the float64 engine); `sorm simulate --plot PATH` draws the same figure.
"""
from __future__ import annotations

from ._run import memory_hint  # noqa: F401  (the CLI names the size in an out-of-memory error)

__all__ = ["HELP", "add_arguments", "run"]

HELP = "plot eta*lambda_t and z_t of one GD run against t, with the 2/eta line (PNG)"


def add_arguments(p):
    from ._model import add_model_arguments
    from ._run import add_run_arguments

    add_model_arguments(p)
    add_run_arguments(p)
    o = p.add_argument_group("output")
    o.add_argument("--out", default="trajectory.png", help="output PNG (default trajectory.png)")
    o.add_argument("--title", default="", help="figure title (shown literally)")
    o.add_argument("--json", action="store_true", help="print a JSON summary (see the README's JSON section)")


def run(args) -> int:
    import json

    from ...numerics.validate import InputError
    from ..figures import plot_run
    from ..output import check_file

    from ._model import problem_from_args
    from ...numerics.status import exit_code
    from ._run import run_record

    problem = problem_from_args(args)
    if not str(args.out).lower().endswith(".png"):
        raise InputError(f"out={args.out!r}: expected a .png path; pass e.g. --out trajectory.png")
    check_file(args.out, "--out", create=False)
    out, traj, status = run_record(problem, args, record=True)
    plot_run(problem, traj, args.out, title=args.title, option="--out")
    out["files"] = [str(args.out)]
    rc = exit_code(status)  # 1 when the run has no result (diverged, step budget out, ...)
    if args.json:
        print(json.dumps(out, indent=2))
        return rc
    prec = "float64" if out["dps"] is None else f"{out['dps']} digits"
    print(f"plot: {out['steps']} steps ({prec}, {out['engine']}), status {out['status']}; "
          f"final eta*lambda = {out['final']['eta_ntk']}")
    print(f"wrote {out['files'][0]}")
    return rc
