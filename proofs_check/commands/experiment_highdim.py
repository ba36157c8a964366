"""`sorm experiment highdim`: the phase diagram of random D x P models over (ε, f, D), with statistics.

Parses the options, calls :func:`sorm.numerics.highdim.grid.phase_grid` (or, with
``--scaling``, :func:`~sorm.numerics.highdim.scaling.divergence_thresholds` and the power-law fit),
prints the per-cell table or the JSON, and writes the summary and figures.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from ...numerics.validate import InputError
from .experiment import common_arguments, memory_limit, parse_seed, summary_json

HELP = "phase diagram over (eps, eta_frac, D) of random D x P second-order models, with Wilson intervals"
DESCRIPTION = ("Exact GD on seeded random many-datapoint models z_a = theta^T Q_a theta/2 + G_a^T theta - y_a: "
               "G entries ~ N(0, 1/P), Q_a = eps (A + A^T)/sqrt(2) with A entries ~ N(0, 1/P), y ~ N(0, 1), "
               "theta0 = 0, P = p_ratio * D, eta = eta_frac * 2/lambda_max(K0). A run's status comes from its "
               "residual alone; its final eta*lambda_max is then reported. Per cell: fractions converged, "
               "sharpened, EOS, diverged and unfinished with 95% Wilson intervals. --scaling measures instead the "
               "divergence threshold eps_c(D) (half the runs diverge) and fits eps_c ~ D^-a.")

__all__ = ["HELP", "DESCRIPTION", "add_arguments", "run", "executor_arguments"]


def executor_arguments(p):
    """--workers and --scheduler (numerics.parallel.map_runs)."""
    p.add_argument("--workers", default=None, help="local processes for the runs (default: one per core)")
    p.add_argument("--scheduler", default=None,
                   help="address tcp://HOST:PORT of a dask.distributed scheduler to run on instead")


def add_arguments(h):
    h.add_argument("--eps", default="0,0.05,0.1,0.15,0.2",
                   help="nonlinearity scales eps >= 0, comma-separated (default 0,0.05,0.1,0.15,0.2)")
    h.add_argument("--eta-frac", default="0.5,0.7,0.9",
                   help="eta as fractions f of 2/lambda_max(K0), comma-separated (default 0.5,0.7,0.9)")
    h.add_argument("--D", dest="D", default="16,32", help="data points D, comma-separated (default 16,32)")
    h.add_argument("--p-ratio", default="8", help="parameters per data point, P = p_ratio * D (default 8)")
    h.add_argument("--seeds", default="30", help="seeds per cell (default 30)")
    h.add_argument("--steps", default="3000", help="GD step budget per run (default 3000)")
    h.add_argument("--dtype", default="float64", choices=("float64", "float32"),
                   help="storage of Q (the state stays float64; default float64)")
    h.add_argument("--scaling", action="store_true",
                   help="measure eps_c(D) by per-seed bracketing at the first --eta-frac and fit eps_c ~ D^-a")
    executor_arguments(h)
    common_arguments(h, "out/highdim")


def _size_error(exc, args) -> InputError:
    """The instance-size check of the engine (numerics.highdim.model.SizeError) in the options' words."""
    return InputError(f"--D {exc.D} with --p-ratio {args.p_ratio} (P = {exc.P}) needs about {exc.need / 2**30:.1f} GiB "
                      f"per instance, over --max-memory {args.max_memory} (GiB); lower --D or --p-ratio, or raise "
                      "--max-memory")


def run(args) -> int:
    from ...numerics.highdim import grid as hg, scaling as hs
    from ...numerics.highdim.model import SizeError
    from ..figures.highdim import plot_eos_fraction, plot_final_hist, plot_scaling
    from ..output import check_files, check_folder, write_json

    Ds = str(args.D).split(",")  # the engine reads each
    seed0 = parse_seed(args.seed)
    out = check_folder(Path(args.out), "--out", create=False)
    names = ("eps_c_scaling.png", "scaling.json") if args.scaling else ("eos_fraction.png", "final_eta_ntk_hist.png",
                                                                         "summary.json")
    check_files([out / n for n in names], "--out")
    common = dict(p_ratio=args.p_ratio, seeds=args.seeds, first_seed=seed0, steps=args.steps, dtype=args.dtype,
                  workers=args.workers,
                  scheduler=args.scheduler, progress=not args.quiet, limit=memory_limit(args.max_memory))
    t0 = time.perf_counter()
    if args.scaling:
        from ...numerics.validate import exact_list

        f = float(exact_list("eta_frac", args.eta_frac)[0])
        try:
            sc = hs.finite_size_scaling(hs.divergence_thresholds(Ds, eta_frac=f, **common))
        except SizeError as exc:
            raise _size_error(exc, args) from None
        fig = out / "eps_c_scaling.png"
        plot_scaling(sc, fig, option="--out")
        summary = summary_json("highdim-scaling", {"eta_frac": f, "p_ratio": int(args.p_ratio), "steps": int(args.steps),
                                                   "first_seed": seed0, **sc.as_json()},
                               time.perf_counter() - t0, [fig, out / "scaling.json"])
        write_json(out / "scaling.json", summary, "--out")
        if args.json:
            print(json.dumps(summary, indent=2))
            return 0
        print(f"divergence threshold eps_c(D) at f = {f:g}, P = {args.p_ratio} D ({sc.thresholds[0].seeds} seeds)")
        print("| D | P | eps_c | 95% interval | eps_c sqrt(D) |")
        print("|---|---|---|---|---|")
        for t in sc.thresholds:
            print(f"| {t.D} | {t.P} | {t.eps_c:.4f} | [{t.lo:.4f}, {t.hi:.4f}] | {t.eps_c * t.D ** 0.5:.3f} |")
        a = sc.fit
        print(f"fit eps_c ~ D^-a: a = {a.a:.3f}, 95% bootstrap [{a.a_lo:.3f}, {a.a_hi:.3f}]; a = 1/2 (eps sqrt(D) "
              f"constant) is {'inside' if sc.half_in_interval else 'outside'} the interval")
        print(f"wrote {out / 'scaling.json'}, {fig}")
        return 0
    try:
        grid = hg.phase_grid(args.eps, args.eta_frac, Ds, **common)
    except SizeError as exc:
        raise _size_error(exc, args) from None
    figs = [out / "eos_fraction.png", out / "final_eta_ntk_hist.png"]
    plot_eos_fraction(grid, figs[0], option="--out")
    plot_final_hist(grid, figs[1], option="--out")
    summary = summary_json("highdim", {"seeds": int(args.seeds), "first_seed": seed0, **grid.as_json()},
                           time.perf_counter() - t0, [*figs, out / "summary.json"])
    write_json(out / "summary.json", summary, "--out")
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(f"highdim: {len(grid.runs)} runs, P = {grid.p_ratio} D, {grid.steps} steps, Q in {grid.dtype}; "
          "fractions with 95% Wilson intervals")
    print("| D | eps | f | runs | converged | sharpened | EOS | diverged | unfinished | final eta*lambda "
          "(median, max) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    iv = lambda p: f"{p.fraction:.2f} [{p.lo:.2f}, {p.hi:.2f}]"  # noqa: E731
    for c in grid.cells:
        fin = "-" if c.median_final_eta_ntk is None else f"{c.median_final_eta_ntk:.4f}, {c.max_final_eta_ntk:.4f}"
        print(f"| {c.D} | {c.eps:g} | {c.eta_frac:g} | {c.runs} | {iv(c.converged)} | {iv(c.sharpened)} | "
              f"{iv(c.eos)} | {iv(c.diverged)} | {iv(c.unfinished)} | {fin} |")
    print(f"wrote {out / 'summary.json'}, {', '.join(map(str, figs))}")
    return 0
