"""One GD run for `sorm simulate` and `sorm plot`: the same options, the same engines, the same record.

``--dps N`` (default 50) runs :func:`numerics.engines.gd_mp.run_gd`; ``--float64`` runs the
float64 engine :mod:`numerics.engines.batch` (labelled float64 in the output).
"""
from __future__ import annotations

__all__ = ["add_run_arguments", "run_one", "run_record", "memory_hint", "ENGINES"]

ENGINES = ("auto", "fixed-point", "mpmath", "theta")


def add_run_arguments(p) -> None:
    from ._model import add_optimizer_argument

    add_optimizer_argument(p)
    g = p.add_argument_group("precision")
    x = g.add_mutually_exclusive_group()
    x.add_argument("--dps", default=None, help="working precision in decimal digits, 15..10000 (default 50, "
                   "as in every command)")
    x.add_argument("--float64", action="store_true", help="use the float64 engine instead of high precision")
    g.add_argument("--method", default="auto", choices=ENGINES,
                   help="high-precision engine: auto (fixed-point), fixed-point, mpmath, theta (needs --theta0)")
    s = p.add_argument_group("stopping")
    s.add_argument("--max-steps", dest="max_steps", default="100000", help="step budget (default 100000)")
    s.add_argument("--tol", default=None, help="stop when |z| < tol (default tied to the precision)")
    s.add_argument("--steps", default=None, help="run exactly K steps (no tolerance stop)")


def _float64(problem, args, record):
    """The float64 path: numerics.engines.batch (one trajectory), the same record as the mp path.

    The float64 engine takes a step budget and a tolerance on z̃ = ηz, not the options themselves,
    so the stopping options are read here (the high-precision engines read them themselves).
    """
    from ...numerics.engines import batch
    from ...numerics.engines.gd_exact import check_float64
    from ...numerics.validate import positive, positive_int

    max_steps = positive_int("max_steps", args.max_steps, maximum=10**9)
    steps = None if args.steps is None else positive_int("steps", args.steps, maximum=10**9)
    tol = None if args.tol is None else positive("tol", args.tol)
    budget = steps if steps is not None else max_steps
    check_float64(problem, budget)  # a state whose rounding would change its class is refused
    kw = {} if tol is None else {"tol": float(tol * problem.eta)}
    res = batch.run_batch([float(w) for w in problem.omegas], [float(problem.zt0)],
                          [[float(j) for j in problem.J2t]], steps=budget, settle=steps is None, **kw)
    cls = res.class_of(0)  # the float64 engine's own status (numerics.status vocabulary)
    status = cls
    if steps is not None and cls is not batch.TrajectoryClass.DIVERGED:
        # exactly K steps: the state there is the result, as for the high-precision engines
        from ...numerics.engines.gd_mp import GDStatus

        status = GDStatus.STEPS_DONE
    eta = float(problem.eta)
    zt, T = float(res.zt[0]), float(res.T[0])
    J2 = [float(j) / eta for j in res.J2t[0]]
    message = status.message if status is cls else f"{status.message} (float64 class there: {cls.name.lower()})"
    out = {"status": status.name.lower(), "status_message": message, "engine": "float64",
           "steps": int(res.steps[0]), "dps": None, "work_bits": None,
           "tol": None if tol is None else float(tol),
           "final": {"z": _number(zt / eta), "J2": [_number(j) for j in J2], "ntk": _number(T / eta),
                     "eta_ntk": _number(T)},
           "digits": None, "error_bound": None, "agreed_digits": None, "limit": None}
    traj = batch.trajectory_float64(problem, steps=max(1, out["steps"])) if record else None
    return out, traj, status


def _number(x: float):
    """A float64 for JSON: the number, or None when it is not finite (a diverged run)."""
    import math

    return x if math.isfinite(x) else None


def _other(problem, spec, args, record):
    """SAM or momentum on numerics.optimizer.run_optimizer (mpmath), always checked at doubled precision.

    Each printed number carries only the digits that agree with the rerun at 2·dps for the
    same number of steps.
    """
    import mpmath

    from ...numerics.optimizer import edge, run_optimizer
    from ...numerics.validate import DEFAULT_DPS
    from ..output import num

    res = run_optimizer(problem, spec, dps=DEFAULT_DPS if args.dps is None else args.dps, tol=args.tol,
                        max_steps=args.max_steps, steps=args.steps, record=record, check_digits=True)
    dig, dps = res.digits, res.dps
    e = edge(spec, problem.eta, dps=dps)
    with mpmath.workdps(dps):
        out = {"status": res.status.name.lower(), "status_message": res.status.message, "steps": res.steps,
               "dps": res.dps, "engine": "mpmath", "optimizer": res.optimizer, "work_bits": res.work_bits,
               "tol": num(res.tol, 6) if args.steps is None else None,
               "final": {"z": _digits(res.z, dig["z"]), "J2": [_digits(j, d) for j, d in zip(res.J2, dig["J2"])],
                         "ntk": _digits(res.ntk, dig["eta_ntk"]), "eta_ntk": _digits(res.eta_ntk, dig["eta_ntk"])},
               "digits": {"z": dig["z"], "J2": list(dig["J2"]), "ntk": dig["eta_ntk"], "eta_ntk": dig["eta_ntk"]},
               "error_bound": None, "limit": None,
               "eta_lambda_edge": e.text, "edge_method": e.method}
        out["agreed_digits"] = dict(out["digits"])  # the digits are those that agree with the rerun
    return out, res.trajectory, res.status


def _digits(x, d: int):
    """x to its d correct significant digits (null when none agree)."""
    import mpmath

    return mpmath.nstr(x, d, min_fixed=-6, max_fixed=12) if d > 0 else None


def run_one(problem, args, *, record: bool):
    """Run GD on ``problem`` as the options in ``args`` say.

    Returns (JSON record, (ηλ_t, z_t) or None, status); the command's exit code is
    ``numerics.status.exit_code(status)``.
    """
    from ...numerics.validate import DEFAULT_DPS, InputError

    if args.steps is not None and args.tol is not None:  # the engines read the values themselves
        raise InputError(f"tol={args.tol!r} with steps={args.steps!r}: --steps runs exactly K steps and ignores "
                         "the tolerance; give one of them")
    from ._model import optimizer_from_args

    spec = optimizer_from_args(args, args.command)
    if spec.key != "gd":
        if args.float64:
            raise InputError(f"optimizer={args.optimizer!r}: --float64 runs GD only; drop --float64 (the optimizer "
                             "runs on the mpmath engine)")
        if args.method not in ("auto", "mpmath"):
            raise InputError(f"method={args.method!r}: --optimizer {spec.key} runs on the mpmath engine; "
                             "pass --method mpmath or drop --method")
        return _other(problem, spec, args, record)
    if args.float64:
        if args.method != "auto":
            raise InputError(f"method={args.method!r}: --method chooses a high-precision engine; drop it with "
                             "--float64")
        return _float64(problem, args, record)
    from ...numerics.engines.gd_mp import run_gd

    # always rerun the same steps at 2·dps: every printed digit is checked (numerics.engines.gd_mp)
    res = run_gd(problem, dps=DEFAULT_DPS if args.dps is None else args.dps, tol=args.tol,
                 max_steps=args.max_steps, steps=args.steps, record=record, check_digits=True, method=args.method)
    return gd_record(res, args.steps is not None), res.trajectory, res.status


def gd_record(res, exact_steps: bool) -> dict:
    """The JSON record of a high-precision GD run: each value to its correct digits (null when none),
    their digit counts, error bounds and agreement with the doubled-precision rerun, and the
    estimated limit."""
    import mpmath

    from ...numerics.precision import round_up
    from ..output import num

    shown = res.shown()
    with mpmath.workdps(res.dps):
        lim = res.limit_shown()
        return {
            "status": res.status.name.lower(), "status_message": res.status.message, "engine": res.method,
            "steps": res.steps, "dps": res.dps, "work_bits": res.work_bits,
            "tol": None if exact_steps else num(res.tol, 6),
            "final": {"z": shown["z"][0], "J2": [t for t, _ in shown["J2"]], "ntk": shown["ntk"][0],
                      "eta_ntk": shown["eta_ntk"][0]},
            "digits": {"z": shown["z"][1], "J2": [n for _, n in shown["J2"]], "ntk": shown["ntk"][1],
                       "eta_ntk": shown["eta_ntk"][1]},
            "error_bound": {"z": round_up(res.error["z"]), "J2": [round_up(e) for e in res.error["J2"]],
                            "ntk": round_up(res.error["ntk"]), "eta_ntk": round_up(res.error["eta_ntk"])},
            "agreed_digits": None if res.agreed is None else {**res.agreed, "J2": list(res.agreed["J2"])},
            "limit": None if lim is None else {"distance": round_up(res.limit_error), "eta_ntk": lim[0],
                                               "digits": lim[1]},
        }


def run_record(problem, args, *, record: bool):
    """:func:`run_one` with the exact model in the record (the JSON of `sorm simulate` and `sorm plot`)."""
    from ._model import model_json

    out, traj, status = run_one(problem, args, record=record)
    return {**out, "model": model_json(problem)}, traj, status


def memory_hint(args) -> str:
    """What an out-of-memory run asked for, and the options that control it."""
    steps = args.steps if args.steps is not None else args.max_steps
    prec = "float64" if args.float64 else f"{args.dps or 50} digits"
    return (f"up to {steps} recorded steps at {prec} did not fit; lower --steps/--max-steps"
            + ("" if args.float64 else " or --dps"))
