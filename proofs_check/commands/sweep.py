"""`sorm sweep`: a float64 grid over η (and one initial-state parameter) on the batch engine.

Writes a table (``--format`` npz, the default, or parquet, csv or json; written
column by column, see :mod:`proofs_check.table`). With ``--plot`` it also draws a
PNG of the final ηλ against η with the line ηλ = 2, coloured by class, and with
``--vary`` a phase diagram (η against the varied parameter); the figures are
asked for, because at 800 × 800 they would take longer than the computation.
``--json`` prints a summary, with the engine that ran, the compute time and the
number of trajectory-steps run.
"""
from __future__ import annotations

__all__ = ["HELP", "add_arguments", "run"]

HELP = ("float64 sweep over eta (and one initial-state parameter, or with --optimizer sam|heavy-ball|nesterov its "
        "hyper-parameter): a table (npz by default), PNGs with --plot")


def add_arguments(p):
    from ._model import add_model_arguments, add_optimizer_argument

    add_model_arguments(p)
    add_optimizer_argument(p)
    g = p.add_argument_group("grid")
    g.add_argument("--eta-min", required=True, help="smallest step size eta > 0")
    g.add_argument("--eta-max", required=True, help="largest step size eta >= eta-min")
    g.add_argument("--eta-n", dest="n_eta", default="100", help="number of eta values (default 100)")
    g.add_argument("--eta-scale", choices=("log", "linear"), default="log", help="eta spacing (default log)")
    g.add_argument("--vary", help="also vary one initial-state parameter: z0, J2:i or theta0:i (0-based i); with "
                                  "--optimizer sam, rho; with heavy-ball or nesterov, beta")
    g.add_argument("--from", dest="vary_from", help="first value of the varied parameter")
    g.add_argument("--to", dest="vary_to", help="last value of the varied parameter")
    g.add_argument("--n", dest="n_vary", help="number of values of the varied parameter")
    p.add_argument("--max-steps", "--steps", dest="steps", default="10000",
                   help="step budget per run (settled runs stop early; default 10000)")
    p.add_argument("--no-settle", action="store_true",
                   help="run every trajectory through all --max-steps steps, classify at the end")
    p.add_argument("--engine", choices=("auto", "numba", "numpy"), default="auto",
                   help="batch engine back end (default auto: numba when installed)")
    p.add_argument("--lyap-steps", default="2000",
                   help="tail steps for the Lyapunov exponent (2-D model only; 0 disables; default 2000)")
    p.add_argument("--workers", help="blocks of the grid run at once (default: the machine's cores); "
                                     "the output does not depend on it")
    p.add_argument("--out", default="sweep_out", help="output folder (default sweep_out)")
    p.add_argument("--format", choices=("npz", "parquet", "csv", "json"), default="npz",
                   help="table format (default npz, float64 exact and fastest; parquet needs pyarrow; csv and "
                        "json are text, slow to write for large grids)")
    p.add_argument("--plot", action="store_true",
                   help="also write sweep.png (final eta*lambda against eta) and, with --vary, phase.png")
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args) -> int:
    import json
    import sys
    import time

    import numpy as np

    from ...numerics.engines.batch import TrajectoryClass
    from ..output import check_files, check_folder
    from ..table import check_format, write_table
    from ...numerics.parallel import default_workers
    from ...numerics.engines.sweep import sweep
    from ...numerics.validate import InputError, exact

    from ._model import model_json, problem_from_args

    if exact("eta", args.eta) != 1:
        raise InputError(f"eta={args.eta!r}: sweep takes its step sizes from --eta-min/--eta-max/--eta-n; "
                         "drop --eta")
    problem = problem_from_args(args)
    from ._model import optimizer_from_args

    spec = optimizer_from_args(args, "sweep")
    if spec.key != "gd":
        return _optimizer_sweep(args, problem, spec)
    # The engine checks every grid option (sweep()); here only the files are checked before the runs.
    workers = default_workers() if args.workers is None else args.workers
    out = check_folder(args.out, "--out", create=False)  # before the runs: a bad folder costs nothing
    figures = ([out / "sweep.png"] + ([out / "phase.png"] if args.vary else [])) if args.plot else []
    check_files([out / f"sweep.{args.format}", *figures], "--out")
    check_format(args.format)

    bar = None
    if not args.quiet and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(unit="run", file=sys.stderr, desc="sweep")
    t0 = time.perf_counter()
    try:
        res = sweep(problem, eta_min=args.eta_min, eta_max=args.eta_max, n_eta=args.n_eta,
                    log_eta=args.eta_scale == "log", vary=args.vary, vary_from=args.vary_from,
                    vary_to=args.vary_to, n_vary=args.n_vary, steps=args.steps,
                    lyapunov=problem.planar is not None, lyap_steps=args.lyap_steps,
                    settle=not args.no_settle, engine=args.engine, workers=workers,
                    progress=None if bar is None else _ticker(bar))
    finally:
        if bar is not None:
            bar.close()
    compute = time.perf_counter() - t0

    table = write_table(out / f"sweep.{args.format}", res.columns(), args.format, "--out")
    files = [str(table)]
    if args.plot:
        from ..figures import plot_phase_grid, plot_sweep_result

        files.append(str(out / "sweep.png"))
        plot_sweep_result(res, files[-1], log_eta=args.eta_scale == "log", option="--out")
        if res.vary is not None:
            files.append(str(out / "phase.png"))
            plot_phase_grid(res, files[-1], option="--out")

    conv = res.converged_mask()
    conv_max = float(np.max(res.final_eta_ntk[conv])) if conv.any() else None
    summary = {
        "engine": res.engine,
        "map": res.step_map,
        "workers": int(workers),  # the engine accepted it
        "runs": int(res.eta.size),
        "steps": res.steps,
        "settle": not args.no_settle,
        "grid": {"eta_min": float(res.eta_grid[0]), "eta_max": float(res.eta_grid[-1]),
                 "eta_n": int(res.eta_grid.size), "eta_scale": args.eta_scale, "vary": res.vary,
                 "from": None if res.vary_grid is None else float(res.vary_grid[0]),
                 "to": None if res.vary_grid is None else float(res.vary_grid[-1]),
                 "n": None if res.vary_grid is None else int(res.vary_grid.size)},
        "counts": res.counts(),
        "converged_max_eta_ntk": conv_max,
        "converged_all_below_2": bool(conv_max is None or conv_max < 2),
        "trajectory_steps": res.trajectory_steps,
        "compute_seconds": round(compute, 3),
        "seconds": round(time.perf_counter() - t0, 3),
        "files": files,
        "model": model_json(problem),
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(f"sweep: {summary['runs']} runs ({res.shape[0]} x {res.shape[1]}), <= {res.steps} steps each, "
          f"{res.step_map} map, {res.engine} engine; {res.trajectory_steps} trajectory-steps in {compute:.2f} s")
    width = max(map(len, TrajectoryClass.__members__))
    for name, k in summary["counts"].items():
        if k:
            print(f"  {name:<{width}} {k:>8}  {TrajectoryClass[name].message}")
    if conv_max is not None:
        print(f"  largest final eta*lambda of a converged run: {conv_max!r} "
              f"({'below' if conv_max < 2 else 'NOT below'} 2)")
    for f in files:
        print(f"wrote {f}")
    return 0


def _ticker(bar):
    """The engine's progress(k, total) on a tqdm bar."""
    def tick(k, total):
        bar.total = total
        bar.update(k)

    return tick


def _optimizer_sweep(args, problem, spec) -> int:
    """SAM, heavy ball or Nesterov over η and (with ``--vary rho|beta``) its hyper-parameter, in float64.

    The generated moment maps on numpy arrays (:func:`numerics.optimizer_sweep.sweep_optimizer`); each run
    settles or reaches ``--max-steps``. Without ``--vary`` the hyper-parameter is the one --optimizer names.
    """
    import json
    import time

    import numpy as np

    from ...numerics.engines.sweep import MAX_POINTS, grid
    from ...numerics.optimizer import OPTIMIZER_KEYS
    from ...numerics.optimizer_sweep import sweep_optimizer
    from ...numerics.validate import InputError, exact, positive, positive_int
    from ..output import check_files, check_folder
    from ..table import check_format, write_table
    from ._model import model_json

    name = OPTIMIZER_KEYS[spec.key]
    for flag, given in (("--no-settle", args.no_settle), ("--engine", args.engine != "auto"),
                        ("--workers", args.workers is not None)):
        if given:
            raise InputError(f"{flag} applies to GD sweeps (the batch engine); the {spec.key} sweep runs the "
                             f"generated moment map in numpy, one process: drop {flag}")
    eta = grid("eta_min", positive("eta_min", args.eta_min), "eta_max", positive("eta_max", args.eta_max),
               positive_int("n_eta", args.n_eta), args.eta_scale == "log")
    if args.vary is None:
        if any(x is not None for x in (args.vary_from, args.vary_to, args.n_vary)):
            raise InputError(f"--from/--to/--n were given without --vary; pass --vary {name}, or drop them")
        hyper = np.array([float(spec.value)])
    elif args.vary.strip().lower() != name:
        raise InputError(f"vary={args.vary!r}: with --optimizer {spec.key}, --vary takes {name} (its "
                         f"hyper-parameter); pass --vary {name}")
    elif None in (args.vary_from, args.vary_to, args.n_vary):
        raise InputError(f"--vary {name} needs --from, --to and --n; give all three")
    else:
        hyper = grid("vary_from", exact("vary_from", args.vary_from), "vary_to", exact("vary_to", args.vary_to),
                     positive_int("n_vary", args.n_vary), False)
    if hyper.size * eta.size > MAX_POINTS:
        raise InputError(f"grid of {hyper.size}x{eta.size} runs: expected at most {MAX_POINTS}; "
                         "pass smaller --eta-n/--n")
    out = check_folder(args.out, "--out", create=False)
    check_files([out / f"sweep.{args.format}", *([out / "sweep.png"] if args.plot else [])], "--out")
    check_format(args.format)

    t0 = time.perf_counter()
    sw = sweep_optimizer(problem, spec.key, eta, hyper, steps=args.steps)  # it validates --max-steps
    compute = time.perf_counter() - t0
    files = [str(write_table(out / f"sweep.{args.format}", sw.columns(), args.format, "--out"))]
    if args.plot:
        from ..figures.optimizers import plot_optimizer_sweep

        files.append(str(out / "sweep.png"))
        plot_optimizer_sweep(sw, files[-1], option="--out")
    conv = sw.status == 1
    ratio = float(np.max(sw.eta_ntk[conv] / sw.edge[conv])) if conv.any() else None
    varied = args.vary is not None
    summary = {"engine": "numpy", "map": f"{spec.key} moment map", "optimizer": str(spec),
               "runs": int(sw.status.size), "steps": sw.steps,
               "grid": {"eta_min": float(eta[0]), "eta_max": float(eta[-1]), "eta_n": int(eta.size),
                        "eta_scale": args.eta_scale, "vary": name if varied else None,
                        "from": float(hyper[0]) if varied else None, "to": float(hyper[-1]) if varied else None,
                        "n": int(hyper.size) if varied else None},
               "counts": sw.counts(), "converged_max_over_edge": ratio,
               "converged_all_below_edge": bool(ratio is None or ratio < 1),
               "compute_seconds": round(compute, 3), "seconds": round(time.perf_counter() - t0, 3),
               "files": files, "model": model_json(problem)}
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(f"sweep: {summary['runs']} runs of {spec.key} ({hyper.size} {name} x {eta.size} eta), <= {sw.steps} steps "
          f"each, float64 moment map; {compute:.2f} s")
    for label, k in summary["counts"].items():
        print(f"  {label:<10} {k:>8}")
    if ratio is not None:
        print(f"  largest final eta*lambda / edge T* of a converged run: {ratio!r} "
              f"({'below' if ratio < 1 else 'NOT below'} the edge)")
    for f in files:
        print(f"wrote {f}")
    return 0


def memory_hint(args) -> str:
    """The grid size of an out-of-memory sweep, and the options that control it."""
    n = f"{args.n_eta} x {args.n_vary}" if args.n_vary else f"{args.n_eta}"
    return f"a grid of {n} runs did not fit; lower --eta-n (and --n), or split the grid"

