"""`sorm plot`: one GD run, ηλ_t and z_t against t with the edge of stability 2/η, as a PNG.

By default the run is the high-precision engine (``numerics.gd_mp.run_gd`` with
``record=True``); ``--float64`` uses the float64 map of ``numerics.batch``.
"""
from __future__ import annotations

HELP = "plot eta*lambda_t and z_t of one GD run against t, with the 2/eta line (PNG)"


def add_arguments(p):
    from ._model import add_model_arguments

    add_model_arguments(p)
    p.add_argument("--dps", default="30", help="working precision in decimal digits (default 30)")
    p.add_argument("--float64", action="store_true", help="use the float64 engine instead of high precision")
    p.add_argument("--steps", help="run exactly this many steps")
    p.add_argument("--max-steps", default="100000", help="step budget when --steps is not given (default 100000)")
    p.add_argument("--tol", help="stop when |z| < tol (default tied to the precision)")
    p.add_argument("--method", default="auto", choices=("auto", "fixed-point", "mpmath", "theta"),
                   help="high-precision engine of run_gd (default auto)")
    p.add_argument("--out", default="trajectory.png", help="output PNG (default trajectory.png)")
    p.add_argument("--title", default="", help="figure title")
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout")


def run(args) -> int:
    import json
    import math

    from ...numerics.io import num
    from ...numerics.plotting import plot_trajectory
    from ...numerics.validate import InputError, dps as check_dps, positive, positive_int

    from ._model import problem_from_args

    problem = problem_from_args(args)
    steps = None if args.steps is None else positive_int("steps", args.steps, maximum=10**7)
    max_steps = positive_int("max-steps", args.max_steps, maximum=10**7)
    if not str(args.out).lower().endswith(".png"):
        raise InputError(f"out={args.out!r}: expected a .png path; pass e.g. --out trajectory.png")
    tol = None if args.tol is None else positive("tol", args.tol)
    title = args.title or (f"omegas={','.join(f'{float(w):g}' for w in problem.omegas)}, "
                           f"z0={float(problem.z0):g}, eta*lambda0={float(problem.T0):g}")
    if args.float64:
        from ...numerics.engines.batch import trajectory_float64

        ftol = 0.0 if tol is None else float(tol) * float(problem.eta)
        if tol is None and steps is None:
            ftol = 1e-14 * max(1.0, abs(float(problem.zt0)))
        lam, zs = trajectory_float64(problem, steps=steps or max_steps, tol=ftol)
        final_lam, final_z = lam[-1], zs[-1]
        if not (math.isfinite(final_lam) and math.isfinite(final_z)) or abs(final_lam) > 1e8:
            status = "diverged"
        elif steps is not None:
            status = "steps_done"
        elif abs(final_z * float(problem.eta)) <= ftol:
            status = "converged"
        else:
            status = "max_steps"
        info = {"engine": "float64", "dps": None, "steps": len(lam) - 1, "status": status,
                "final": {"eta_ntk": repr(final_lam), "z": repr(final_z)}}
    else:
        from ...numerics.engines.gd_mp import run_gd

        d = check_dps(args.dps)
        res = run_gd(problem, dps=d, tol=tol, max_steps=max_steps, steps=steps, record=True, method=args.method)
        lam, zs = res.trajectory
        first = float(lam[0]) if lam else float("nan")
        if not abs(first - float(problem.T0)) <= 1e-9 * max(1.0, float(problem.T0)):
            raise RuntimeError(f"run_gd({res.method}) recorded eta*lambda_0={lam[0]!r}, expected {problem.T0}: "
                               "the engine's trajectory is not in eta*lambda units (engine bug)")
        info = {"engine": res.method, "dps": d, "steps": res.steps, "status": res.status.name.lower(),
                "final": {"eta_ntk": num(res.eta_ntk, d), "z": num(res.z, d)}}
    path = plot_trajectory(lam, zs, problem.eta, args.out, title=title)
    info["path"] = str(path)
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        prec = "float64" if info["dps"] is None else f"{info['dps']} digits"
        print(f"plot: {info['steps']} steps ({prec}, {info['engine']}), status {info['status']}; "
              f"final eta*lambda = {info['final']['eta_ntk']}")
        print(f"wrote {path}")
    return 0
