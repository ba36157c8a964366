"""`sorm simulate`: run gradient descent on one model, at high precision or in float64.

GD (paper §2.1): θ_{t+1} = θ_t − η z_t Q θ_t, run on the exact (z, J(ω_i)²) map by
:func:`numerics.gd_mp.run_gd` (``--dps N``, default 50) or, with ``--float64``, by the
float64 engine :mod:`numerics.batch` (clearly labelled float64 in the output).
"""
from __future__ import annotations

HELP = "run gradient descent on one model (high precision, or --float64) and report the final NTK"

_METHODS = ("auto", "fixed-point", "mpmath", "theta")


def add_arguments(p):
    from ._model import add_model_arguments

    add_model_arguments(p)
    g = p.add_argument_group("precision")
    x = g.add_mutually_exclusive_group()
    x.add_argument("--dps", default=None, help="working precision in decimal digits, 15..10000 (default 50)")
    x.add_argument("--float64", action="store_true", help="use the float64 engine instead of high precision")
    g.add_argument("--method", default="auto", choices=_METHODS,
                   help="high-precision engine: auto (fixed-point), fixed-point, mpmath, theta (needs --theta0)")
    s = p.add_argument_group("stopping")
    s.add_argument("--max-steps", dest="max_steps", default="100000", help="step budget (default 100000)")
    s.add_argument("--tol", default=None, help="stop when |z| < tol (default tied to the precision)")
    s.add_argument("--steps", default=None, help="run exactly K steps (no tolerance stop)")
    o = p.add_argument_group("output")
    o.add_argument("--check-digits", dest="check_digits", action="store_true",
                   help="rerun at doubled precision and report the agreeing digits of eta*lambda")
    o.add_argument("--json", action="store_true", help="machine-readable output (numbers as decimal strings)")
    o.add_argument("--plot", default=None, metavar="PATH", help="write a PNG of eta*lambda_t and z_t against t")


def _float64(problem, steps, max_steps, tol):
    """The float64 path: numerics.batch (one trajectory), same JSON shape as the mp path."""
    from ...numerics.engines import batch

    budget = steps if steps is not None else max_steps
    kw = {} if tol is None else {"tol": float(tol * problem.eta)}
    res = batch.run_batch([float(w) for w in problem.omegas], [float(problem.zt0)],
                          [[float(j) for j in problem.J2t]], steps=budget, settle=steps is None, **kw)
    cls = res.class_of(0)
    names = batch.TrajectoryClass
    if cls == names.DIVERGED:
        status, msg = "diverged", cls.message
    elif cls in (names.CONVERGED_BELOW, names.SELF_STABILIZED) and steps is None:
        status, msg = "converged", cls.message
    elif cls == names.PERIOD2 and steps is None:
        status, msg = "period2", cls.message
    elif steps is not None:
        status, msg = "steps_done", "ran exactly the requested number of steps"
    else:
        status, msg = "max_steps", "stopped at max_steps without converging"
    eta = float(problem.eta)
    zt, T = float(res.zt[0]), float(res.T[0])
    J2 = [float(j) / eta for j in res.J2t[0]]
    return {"status": status, "status_message": msg, "class": cls.name, "steps": int(res.steps[0]),
            "dps": None, "method": "float64",
            "final": {"z": repr(zt / eta), "J2": [repr(j) for j in J2], "ntk": repr(T / eta), "eta_ntk": repr(T)},
            "agreed_digits": None}


def run(args) -> int:
    import json

    from ...numerics.validate import InputError, dps as check_dps, positive, positive_int

    from ._model import problem_from_args

    problem = problem_from_args(args)
    max_steps = positive_int("max-steps", args.max_steps, maximum=10**9)
    steps = None if args.steps is None else positive_int("steps", args.steps, maximum=10**9)
    tol = None if args.tol is None else positive("tol", args.tol)
    if steps is not None and tol is not None:
        raise InputError(f"tol={args.tol!r} with steps={args.steps!r}: --steps runs exactly K steps and ignores "
                         "the tolerance; give one of them")
    traj = None
    if args.float64:
        if args.check_digits:
            raise InputError("--check-digits needs a high-precision run: drop --float64 and give --dps")
        if args.method != "auto":
            raise InputError(f"method={args.method!r}: --method chooses a high-precision engine; drop it with "
                             "--float64")
        out = _float64(problem, steps, max_steps, tol)
        if args.plot:
            from ...numerics.engines import batch

            budget = steps if steps is not None else out["steps"]
            traj = batch.trajectory_float64(problem, steps=max(1, budget))
    else:
        import mpmath

        from ...numerics.engines.gd_mp import run_gd
        from ...numerics.io import num

        dps = check_dps(args.dps if args.dps is not None else 50)
        res = run_gd(problem, dps=dps, tol=tol, max_steps=max_steps, steps=steps, record=bool(args.plot),
                     check_digits=args.check_digits, method=args.method)
        with mpmath.workdps(dps):
            out = {"status": res.status.name.lower(), "status_message": res.status.message, "steps": res.steps,
                   "dps": res.dps, "method": res.method, "work_bits": res.work_bits,
                   "tol": num(res.tol, 6) if steps is None else None,
                   "final": {"z": num(res.z, dps), "J2": [num(j, dps) for j in res.J2],
                             "ntk": num(res.ntk, dps), "eta_ntk": num(res.eta_ntk, dps)},
                   "agreed_digits": res.agreed_digits}
        traj = res.trajectory
    if args.plot and traj is not None:
        from ...numerics.plotting import plot_trajectory

        out["plot"] = str(plot_trajectory(traj[0], traj[1], problem.eta, args.plot,
                                          title=f"sorm simulate, omegas={','.join(str(w) for w in problem.omegas)}"))
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        f = out["final"]
        prec = "float64" if out["dps"] is None else f"{out['dps']} digits ({out['method']}, {out['work_bits']} bits)"
        print(f"status: {out['status']} ({out['status_message']})")
        print(f"steps: {out['steps']}    precision: {prec}")
        print(f"eta*lambda = {f['eta_ntk']}")
        print(f"lambda     = {f['ntk']}")
        print(f"z          = {f['z']}")
        print(f"J2         = {', '.join(f['J2'])}")
        if out.get("agreed_digits") is not None:
            print(f"agreed digits at doubled precision: {out['agreed_digits']}")
        if out.get("plot"):
            print(f"plot: {out['plot']}")
    return 0
