"""`sorm experiment centralflow`: GD against the central flow and projected GD.

``--model highdim`` (default): one seeded random D x P instance at an edge-of-stability setting;
GD, the central flow (scipy solve_ivp, NNLS for several edge directions) and projected GD from
θ₀ = 0, compared along t over GD's EOS phase. ``--model planar``: the one-output model (D = 1)
from starts near the edge at several amplitudes ε; the final ηλ of GD, of the central flow and of
the normal form. Exits 1 when GD's loss blows up (highdim: ``gd_diverged_at``). Logic in :mod:`sorm.numerics.highdim.cfstudy`.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from .experiment import common_arguments, parse_seed, summary_json

HELP = "GD vs the central flow and projected GD (high-D model, or the planar model against the normal form)"
DESCRIPTION = ("Runs GD, the central flow dtheta/dt = -eta (grad L + sigma^2 grad S / 2) (several edge directions "
               "through non-negative least squares) and projected GD onto S <= 2/eta from one start, and reports "
               "GD's two-step averaged sharpness against 2/eta and its averaged loss against the flow's "
               "L + tr Sigma/eta. --model planar compares the final eta*lambda of GD, the flow and the normal form. "
               "Exits 1 when GD diverges (its loss blows up), as it does for eta_frac well above 1.")

__all__ = ["HELP", "DESCRIPTION", "add_arguments", "run"]


def add_arguments(p):
    p.add_argument("--model", default="highdim", choices=("highdim", "planar"), help="model (default highdim)")
    p.add_argument("--D", dest="D", default="16", help="highdim: data points D (default 16)")
    p.add_argument("--p-ratio", default="8", help="highdim: P = p_ratio * D (default 8)")
    p.add_argument("--eps", default="0.1", help="highdim: nonlinearity eps (default 0.1)")
    p.add_argument("--eta-frac", default="0.9", help="highdim: eta = eta_frac * 2/lambda_max(K0) (default 0.9)")
    p.add_argument("--steps", default="300", help="highdim: GD steps = flow time (default 300)")
    p.add_argument("--omegas", default="1,-1", help="planar: omega_1,omega_2 (default 1,-1)")
    p.add_argument("--amplitudes", default="0.04,0.02,0.01,0.005",
                   help="planar: amplitudes eps of the starts (z~0, T0) = (eps, 2 - eps) (default 0.04,0.02,0.01,0.005)")
    common_arguments(p, "out/centralflow", seed="1")


def run(args) -> int:
    from threadpoolctl import threadpool_limits

    from ...numerics.highdim import cfstudy
    from ..figures.highdim import plot_centralflow, plot_planar_gap, study_title
    from ..output import check_files, check_folder, write_json

    out = check_folder(Path(args.out), "--out", create=False)
    png = out / ("planar_gap.png" if args.model == "planar" else "centralflow.png")
    check_files([png, out / "summary.json"], "--out")
    t0 = time.perf_counter()
    with threadpool_limits(limits=1, user_api="blas"):
        if args.model == "planar":
            st = cfstudy.planar_study(args.omegas, args.amplitudes)  # the study checks its arguments
            summary = st.as_json()
            w = st.omegas
            fig = plot_planar_gap(summary["rows"], out / "planar_gap.png", option="--out",
                                  title=f"planar model, $\\omega = ({w[0]:g}, {w[1]:g})$")
        else:
            st = cfstudy.highdim_study(args.D, args.p_ratio, args.eps, args.eta_frac, parse_seed(args.seed), args.steps)
            summary = st.as_json()
            fig = plot_centralflow(st.cmp, out / "centralflow.png", option="--out",
                                   title=study_title(st))
    summary = summary_json(f"centralflow-{args.model}", summary, time.perf_counter() - t0, [png, out / "summary.json"])
    del fig
    write_json(out / "summary.json", summary, "--out")
    diverged = summary.get("gd_diverged_at")
    rc = 0 if diverged is None else 1  # no EOS phase to compare: the run has no result
    if args.json:
        print(json.dumps(summary, indent=2))
        return rc
    if args.model == "planar":
        print(f"planar model omega = {summary['omegas']}, starts (z~0, T0) = (eps, 2 - eps), eta = 1")
        print("| eps | GD final | central flow final | flow - GD | GD - normal form (order 2) | (order 3) |")
        print("|---|---|---|---|---|---|")
        for r in summary["rows"]:
            d = r["gd_minus_normal_form"]
            print(f"| {r['epsilon']:g} | {r['gd_final']:.10f} | {r['flow_final']:.10f} | {r['flow_minus_gd']:.3e} | "
                  f"{d['2']:.3e} | {d['3']:.3e} |")
        print(f"log-log slopes against eps: flow - GD {summary['gap_slope']:.2f}; GD - normal form "
              + ", ".join(f"order {k}: {v:.2f}" for k, v in summary["residual_slopes"].items()))
    else:
        s = summary
        if diverged is not None:
            print(f"GD diverged: its loss blew up at step {diverged} (eta = {s['eta']:.6g}, eta_frac = "
                  f"{s['eta_frac']:g}); the comparison below is not meaningful; lower --eta-frac")
        print(f"highdim D={s['D']} P={s['P']} eps={s['eps']:g} f={s['eta_frac']:g} seed {s['seed']}: GD EOS phase "
              f"{s['eos_phase']} ({s['eos_steps']} steps); central flow {s['flow_status']}, "
              f"{s['flow_edge_steps']} time units on the edge, at most {s['flow_max_directions']} directions")
        fmt = lambda x: "-" if x is None else f"{x:.3g}"  # noqa: E731
        print(f"over GD's EOS phase: median |GD averaged loss - (L + tr Sigma/eta)|/loss = {fmt(s['loss_rel_error'])}; "
              f"projected GD loss: {fmt(s['pgd_loss_rel_error'])}; 90% of |eta S_avg - 2| <= {fmt(s['sharpness_band'])} "
              f"(max {fmt(s['sharpness_max_deviation'])})")
    print(f"wrote {', '.join(summary['files'])}")
    return rc
