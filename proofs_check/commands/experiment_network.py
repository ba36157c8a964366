"""`sorm experiment network`: a 2-layer tanh network vs its second-order Taylor model.

Runs GD on f(x) = aᵀtanh(Wx/√d)/√m and on its quadratic model at initialization at the same η
and compares their ηλ_max trajectories.
"""
from __future__ import annotations

import json
from pathlib import Path

from .experiment import common_arguments, memory_limit, parse_seed, progress

HELP = "a 2-layer tanh network vs its second-order Taylor model"
DESCRIPTION = ("GD at the same eta on f(x) = a^T tanh(W x/sqrt(d))/sqrt(m) and on its quadratic model at "
               "initialization.")

__all__ = ["HELP", "DESCRIPTION", "add_arguments", "run", "network_summary"]


def add_arguments(n):
    n.add_argument("--n", default="16", help="data points (default 16)")
    n.add_argument("--d", default="4", help="input dimension (default 4)")
    n.add_argument("--m", default="32", help="hidden width (default 32)")
    n.add_argument("--eta-frac", default="0.9", help="eta as a fraction of 2/lambda_max(K0) (default 0.9)")
    n.add_argument("--steps", default="1000", help="GD steps (default 1000)")
    common_arguments(n, "out/network")


def run(args) -> int:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _run_network(args)


def network_summary(net, theta0, eta_frac, steps, quiet=True) -> tuple[dict, tuple]:
    """Run the network and its quadratic model at the same η; return (summary, (net_traj, quad_traj))."""
    import numpy as np

    from ...numerics.highdim import model as hd
    from ..output import num
    from ...numerics.highdim.network import quadratic_model, run_network_gd

    inst = quadratic_model(net, theta0)
    lam0, _ = hd.top_eigenpair(net.jacobian(theta0))
    eta = eta_frac * 2.0 / lam0
    a = run_network_gd(net, theta0, eta, steps)
    b = hd.run_gd(inst, eta, steps)
    n = min(len(a.eta_ntk), len(b.eta_ntk))
    diff = np.abs(a.eta_ntk[:n] - b.eta_ntk[:n])

    def one(t):
        return {"status": t.status.name.lower(), "initial_eta_ntk": num(t.initial), "peak_eta_ntk": num(t.peak),
                "final_eta_ntk": num(t.final), "loss_ratio": num(float(t.loss[-1] / t.loss[0])),
                "reached_eos": bool(t.peak >= 1.9), "sharpened": bool(t.peak > 1.1 * t.initial)}

    summary = {"n": net.n, "d": net.d, "m": net.m, "P": net.P, "eta": num(eta), "eta_frac": num(eta_frac),
               "steps": steps, "network": one(a), "quadratic_model": one(b),
               "mean_abs_difference_eta_ntk": num(float(diff.mean())),
               "max_abs_difference_eta_ntk": num(float(diff.max())),
               "agree_qualitatively": bool(a.peak >= 1.9 and b.peak >= 1.9 and not a.diverged and not b.diverged)}
    return summary, (a, b)


def _run_network(args) -> int:
    import numpy as np

    from ..output import save_figure, write_json
    from ...numerics.highdim.network import make_data
    from ...numerics.validate import positive, positive_int

    n, d, m = positive_int("n", args.n), positive_int("d", args.d), positive_int("m", args.m)
    steps = positive_int("steps", args.steps)
    f = float(positive("eta_frac", args.eta_frac))
    seed = parse_seed(args.seed)
    from ...numerics.highdim.model import check_size

    check_size(n, m * (d + 1), limit=memory_limit(args.max_memory))
    out = Path(args.out)
    bar = progress(2, args.quiet, "network runs")
    net, th0 = make_data(n, d, m, seed)
    # Complex-step check of the hand-derived Jacobian (exact to rounding: no subtraction).
    h = 1e-30
    J = net.jacobian(th0)
    cs = np.stack([net.outputs(th0 + 1j * h * np.eye(net.P)[i]).imag / h for i in range(net.P)], axis=1)
    jac_err = float(np.max(np.abs(cs - J)) / np.max(np.abs(J)))
    summary, (a, b) = network_summary(net, th0, f, steps)
    bar.update(2)
    bar.close()
    summary["seed"] = seed
    summary["jacobian_complex_step_relative_error"] = repr(jac_err)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    for tr, lab in ((a, "network"), (b, "quadratic model")):
        ax1.plot(tr.eta_ntk, lw=1, label=lab)
        ax2.semilogy(tr.loss, lw=1, label=lab)
    ax1.axhline(2.0, color="k", ls="--", lw=1, label="2")
    ax1.set_xlabel("step t")
    ax1.set_ylabel("eta * lambda_max(K)")
    ax1.set_title(f"2-layer tanh, n={n} d={d} m={m}, eta={f:g}*2/lambda0")
    ax1.legend(fontsize=8)
    ax2.set_xlabel("step t")
    ax2.set_ylabel("loss")
    ax2.legend(fontsize=8)
    fig_path = save_figure(fig, out / "network_vs_quadratic.png")
    summary["figures"] = [str(fig_path)]
    write_json(out / "summary.json", summary)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"network: n={n} d={d} m={m} (P={net.P}), eta = {f:g}*2/lambda0 = {float(summary['eta']):.6g}, "
              f"{steps} steps; Jacobian vs complex step: rel. err {jac_err:.1e}")
        print("| model | status | initial eta*lambda | peak | final | loss_T/loss_0 |")
        print("|---|---|---|---|---|---|")
        for key in ("network", "quadratic_model"):
            s = summary[key]
            print(f"| {key} | {s['status']} | {float(s['initial_eta_ntk']):.4f} | {float(s['peak_eta_ntk']):.4f} | "
                  f"{float(s['final_eta_ntk']):.4f} | {float(s['loss_ratio']):.2e} |")
        print(f"mean |difference| of eta*lambda_max(t): {float(summary['mean_abs_difference_eta_ntk']):.4f}; "
              f"agree qualitatively: {summary['agree_qualitatively']}")
        print(f"summary: {out / 'summary.json'}; figure: {fig_path}")
    return 0
