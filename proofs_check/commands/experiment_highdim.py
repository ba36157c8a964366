"""`sorm experiment highdim`: progressive sharpening and EOS over seeds of random D x P models.

Runs exact GD on seeded random instances of the many-datapoint model (docs/theory.md §6; scalings
in numerics/highdim/model.py) for every (ε, η) pair and seed, and reports how many runs sharpen
progressively, reach the edge of stability and converge.
"""
from __future__ import annotations

import json
from pathlib import Path

from ...numerics.validate import InputError
from .experiment import common_arguments, memory_limit, parse_seed, progress

HELP = "progressive sharpening and EOS over seeds of random D x P models"
DESCRIPTION = ("Exact GD on seeded random many-datapoint models z_a = theta^T Q_a theta/2 + "
               "G_a^T theta - y_a: G entries ~ N(0, 1/P), Q_a = eps (A + A^T)/sqrt(2) with A "
               "entries ~ N(0, 1/P), y ~ N(0, 1), theta0 = 0, eta = eta_frac * 2/lambda_max(K0).")

__all__ = ["HELP", "DESCRIPTION", "add_arguments", "run", "highdim_summary"]


def add_arguments(h):
    h.add_argument("--seeds", default="20", help="number of seeds per (eps, eta) pair (default 20)")
    h.add_argument("--D", dest="D", default="32", help="data points D (default 32)")
    h.add_argument("--P", dest="P", default="256", help="parameters P (default 256)")
    h.add_argument("--eps", default="0,0.05,0.1,0.15,0.2,0.3",
                   help="nonlinearity scales eps >= 0, comma-separated (default 0,0.05,0.1,0.15,0.2,0.3)")
    h.add_argument("--eta-frac", default="0.7",
                   help="eta as a fraction of 2/lambda_max(K0), comma-separated (default 0.7)")
    h.add_argument("--steps", default="3000", help="GD step budget per run (default 3000)")
    h.add_argument("--plot-eps", default="0.15", help="eps of the eta_lambda(t) figure (default 0.15)")
    common_arguments(h, "out/highdim")


def run(args) -> int:
    from threadpoolctl import threadpool_limits

    # The matrices are small (D x P), where one BLAS thread is several times faster than two
    # competing for the same cores; the results do not depend on the thread count.
    with threadpool_limits(limits=1, user_api="blas"):
        return _run_highdim(args)


def highdim_summary(trajs) -> dict:
    """The JSON summary of a list of trajectories (numbers as decimal strings)."""
    from ..output import num
    from ...numerics.highdim.selfstab import PhaseStatus, eos_phase_stats

    n = len(trajs)
    phases = [eos_phase_stats(t) for t in trajs if t.converged]
    found = [p for p in phases if p.status is PhaseStatus.FOUND]
    frac = lambda k: num(k / n) if n else "nan"  # noqa: E731
    return {
        "runs": n,
        "sharpened_fraction": frac(sum(t.sharpened for t in trajs)),
        "eos_fraction": frac(sum(t.reached_eos for t in trajs)),
        "converged_fraction": frac(sum(t.converged for t in trajs)),
        "diverged_fraction": frac(sum(t.diverged for t in trajs)),
        "unfinished_fraction": frac(sum(not (t.converged or t.diverged) for t in trajs)),
        "final_eta_ntk": [num(t.final) for t in trajs if t.converged],
        "peak_eta_ntk": [num(t.peak) for t in trajs],
        "converged_final_below_2": all(t.final < 2 for t in trajs if t.converged),
        "eos_phase": {
            "runs_with_phase": len(found),
            "max_overshoot": num(max(p.overshoot for p in found)) if found else "nan",
            "mean_time_average_eta_ntk": num(sum(p.mean for p in found) / len(found)) if found else "nan",
            "loss_decreased_fraction": num(sum(p.loss_decreased for p in found) / len(found)) if found else "nan",
            "loss_non_monotone_fraction": num(sum(p.loss_non_monotone for p in found) / len(found))
            if found else "nan",
        },
    }


def _run_highdim(args) -> int:
    import numpy as np

    from ...numerics.highdim import model as hd
    from ..output import num, write_json
    from ...numerics.validate import exact_list, positive_int

    seeds = positive_int("seeds", args.seeds)
    steps = positive_int("steps", args.steps)
    seed0 = parse_seed(args.seed)
    limit = memory_limit(args.max_memory)
    D, P = hd.check_size(args.D, args.P, limit=limit)
    eps_list = [float(e) for e in exact_list("eps", args.eps)]
    for i, e in enumerate(eps_list):
        if e < 0:
            raise InputError(f"eps[{i}]={e!r}: expected a value >= 0 (0 is the linear model); pass e.g. --eps 0.1")
    fracs = [float(f) for f in exact_list("eta_frac", args.eta_frac)]
    for i, f in enumerate(fracs):
        if f <= 0:
            raise InputError(f"eta_frac[{i}]={f!r}: expected a value > 0; pass e.g. --eta-frac 0.7")
    plot_eps = float(hd._nonneg_float("plot_eps", args.plot_eps))
    out = Path(args.out)

    configs, all_trajs = [], []
    bar = progress(len(eps_list) * len(fracs) * seeds, args.quiet, "highdim runs")
    for eps in eps_list:
        for f in fracs:
            trajs = []
            for k in range(seeds):
                inst = hd.random_instance(D, P, eps, seed0 + k, limit=limit)
                trajs.append(hd.run_gd(inst, hd.eta_for(inst, f), steps))
                bar.update()
            s = highdim_summary(trajs)
            s = {"eps": num(eps), "eta_frac": num(f), **s}
            if eps == 0:
                s["linear_max_relative_change"] = num(max(
                    float(np.max(np.abs(t.eta_ntk - t.eta_ntk[0])) / t.eta_ntk[0]) for t in trajs))
            configs.append(s)
            all_trajs.append((eps, f, trajs))
    bar.close()

    # Figure 1: eta*lambda_max(t) for several eta on one instance; figure 2: histograms of the final value.
    inst = hd.random_instance(D, P, plot_eps, seed0, limit=limit)
    curves = [(f, hd.run_gd(inst, hd.eta_for(inst, f), steps)) for f in sorted(set(fracs) | {0.3, 0.5, 0.7, 0.9})]
    figs = [_plot_eta_ntk(curves, out / "eta_ntk_vs_t.png", f"D={D}, P={P}, eps={plot_eps:g}, seed {seed0}"),
            _plot_hist(all_trajs, out / "final_eta_ntk_hist.png", f"D={D}, P={P}, {seeds} seeds")]
    summary = {"D": D, "P": P, "seeds": seeds, "first_seed": seed0, "steps": steps,
               "memory_bytes_per_instance": hd.memory_bytes(D, P),
               **highdim_summary([t for _, _, ts in all_trajs for t in ts]),
               "configs": configs, "figures": [str(p) for p in figs]}
    write_json(out / "summary.json", summary)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"highdim: D={D} P={P}, {seeds} seeds per (eps, eta_frac), {steps} steps")
        print("| eps | eta_frac | runs | sharpened | EOS+converged | converged | diverged | unfinished | "
              "max overshoot | final eta*lambda (median) |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for c in configs:
            fin = [float(x) for x in c["final_eta_ntk"]]
            med = f"{np.median(fin):.4f}" if fin else "-"
            ov = c["eos_phase"]["max_overshoot"]
            ov = f"{float(ov):.3f}" if ov != "nan" else "-"
            print(f"| {float(c['eps']):g} | {float(c['eta_frac']):g} | {c['runs']} | "
                  f"{float(c['sharpened_fraction']):.2f} | {float(c['eos_fraction']):.2f} | "
                  f"{float(c['converged_fraction']):.2f} | {float(c['diverged_fraction']):.2f} | "
                  f"{float(c['unfinished_fraction']):.2f} | {ov} | {med} |")
        print(f"summary: {out / 'summary.json'}; figures: {', '.join(str(p) for p in figs)}")
    return 0


def _plot_eta_ntk(curves, path, title):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..output import save_figure

    fig, ax = plt.subplots(figsize=(7, 4))
    for f, tr in curves:
        lab = f"eta = {f:g}*2/lambda0" if isinstance(f, float) else str(f)
        ax.plot(tr.eta_ntk, lw=1, label=f"{lab} ({tr.status.name.lower()})")
    ax.axhline(2.0, color="k", ls="--", lw=1, label="2 (edge of stability)")
    ax.set_xscale("symlog", linthresh=10)
    ax.set_xlim(left=0)
    ax.set_xlabel("step t")
    ax.set_ylabel("eta * lambda_max(K)")
    ax.set_ylim(0, 3.5)
    ax.set_title(title)
    ax.legend(fontsize=7)
    return save_figure(fig, path)


def _plot_hist(all_trajs, path, title):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..output import save_figure

    import numpy as np

    fig, ax = plt.subplots(figsize=(7, 4))
    finals = [t.final for _, _, trajs in all_trajs for t in trajs if t.converged]
    lo = np.floor(min(finals, default=1.0) * 50) / 50
    bins = np.arange(lo, 2.1 + 1e-9, 0.02)  # width 0.02 with an edge exactly at 2
    for eps, f, trajs in all_trajs:
        fin = [t.final for t in trajs if t.converged]
        if fin:
            ax.hist(fin, bins=bins, alpha=0.5, label=f"eps={eps:g}, eta_frac={f:g} ({len(fin)} conv.)")
    ax.axvline(2.0, color="k", ls="--", lw=1)
    ax.set_xlabel("final eta * lambda_max(K) of converged runs")
    ax.set_ylabel("runs")
    ax.set_title(title)
    ax.legend(fontsize=7)
    return save_figure(fig, path)
