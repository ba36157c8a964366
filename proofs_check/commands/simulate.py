"""`sorm simulate`: run gradient descent on one model, at high precision or in float64.

GD (paper §2.1): θ_{t+1} = θ_t − η z_t Q θ_t, run on the exact (z, J(ω_i)²) map by
:func:`numerics.engines.gd_mp.run_gd` (``--dps N``, default 50) or, with ``--float64``, by the
float64 engine :mod:`numerics.engines.batch` (clearly labelled float64 in the output).
``--plot PATH`` draws the run exactly as `sorm plot` does.
"""
from __future__ import annotations

from ._run import memory_hint  # noqa: F401  (the CLI names the size in an out-of-memory error)

__all__ = ["HELP", "add_arguments", "run"]

HELP = "run gradient descent on one model (high precision, or --float64) and report the final NTK"


def add_arguments(p):
    from ._model import add_model_arguments
    from ._run import add_run_arguments

    add_model_arguments(p)
    add_run_arguments(p)
    o = p.add_argument_group("output")
    o.add_argument("--check-digits", dest="check_digits", action="store_true",
                   help="rerun at doubled precision and report the agreeing digits of eta*lambda")
    o.add_argument("--json", action="store_true", help="machine-readable output (see the README's JSON section)")
    o.add_argument("--plot", default=None, metavar="PATH", help="write a PNG of eta*lambda_t and z_t against t")


def run(args) -> int:
    import json

    from ._model import problem_from_args
    from ...numerics.status import exit_code
    from ._run import run_record

    problem = problem_from_args(args)
    if args.plot:
        from ..output import check_file

        check_file(args.plot, "--plot", create=False)  # before the run: a bad path costs nothing
    out, traj, status = run_record(problem, args, record=bool(args.plot))
    if args.plot:
        from ..figures import plot_run

        plot_run(problem, traj, args.plot, option="--plot")
        out["files"] = [str(args.plot)]
    rc = exit_code(status)  # 1 when the run has no result (diverged, step budget out, ...)
    if args.json:
        print(json.dumps(out, indent=2))
        return rc
    f = out["final"]
    prec = "float64" if out["dps"] is None else f"{out['dps']} digits ({out['engine']}, {out['work_bits']} bits)"
    print(f"status: {out['status']} ({out['status_message']})")
    print(f"steps: {out['steps']}    precision: {prec}")
    print(f"eta*lambda = {f['eta_ntk']}")
    print(f"lambda     = {f['ntk']}")
    print(f"z          = {f['z']}")
    print(f"J2         = {', '.join(str(j) for j in f['J2'])}")
    if out.get("agreed_digits") is not None:
        print(f"agreed digits at doubled precision: {out['agreed_digits']}")
    for path in out.get("files", ()):
        print(f"wrote {path}")
    return rc
