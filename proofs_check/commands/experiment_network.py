"""`sorm experiment network`: a network and its second-order model at the edge of stability.

Parses the options, calls :mod:`sorm.numerics.networks` (GD on the network, on its second-order
model around θ₀, and on the model re-expanded at the edge, over seeds), writes summary.json and
three figures, and prints a table or the JSON.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from .experiment import common_arguments, parse_seed, progress, summary_json

HELP = "a JAX network (MLP, CNN or your own) vs its second-order model along GD"
DESCRIPTION = ("Full-batch GD on a network (built-in MLP or CNN on scikit-learn's digits or a teacher task, or "
               "--model package.module:factory with factory(seed) -> (apply, params, X, Y)) and on its "
               "second-order Taylor model, at eta = eta_frac * 2/lambda0 or a fixed --eta; measures the top NTK "
               "and loss-Hessian eigenvalues by Lanczos, the residual along the top NTK direction, the normal "
               "form's two-step change and the central flow's predicted loss.")

__all__ = ["HELP", "DESCRIPTION", "add_arguments", "run"]


def add_arguments(p):
    p.add_argument("--data", default="digits", help="digits (scikit-learn, offline) or teacher (default digits)")
    p.add_argument("--model", default="mlp", help="mlp, cnn or package.module:factory (default mlp)")
    p.add_argument("--n", default="500", help="examples (default 500)")
    p.add_argument("--widths", default="128", help="MLP hidden widths, comma-separated (default 128)")
    p.add_argument("--activation", default="tanh", help="tanh, relu or gelu (default tanh)")
    p.add_argument("--channels", default="8", help="CNN channels (default 8)")
    p.add_argument("--targets", default="onehot", help="digits targets: onehot or pm1 (default onehot)")
    p.add_argument("--loss", default="sum", help="sum: L = |z|^2/2 (default); mean: L = |z|^2/(2n)")
    p.add_argument("--eta-frac", default="0.9", help="eta as a fraction of 2/lambda0 (default 0.9)")
    p.add_argument("--eta", default=None, help="a fixed step eta instead of --eta-frac")
    p.add_argument("--steps", default="3000", help="GD steps (default 3000)")
    p.add_argument("--every", default="10", help="measure eta*lambda_max every this many steps (default 10)")
    p.add_argument("--hessian-every", default=None,
                   help="measure the loss Hessian and the central flow every this many steps (default 10*every)")
    p.add_argument("--seeds", default="5", help="number of seeds (default 5)")
    common_arguments(p, "out/network", memory=False)


def _build(args, seed):
    from ...numerics.networks import builtin, from_factory
    from ...numerics.validate import InputError, positive_int

    if ":" in args.model or args.model not in ("mlp", "cnn"):
        return from_factory(args.model, seed, args.loss)
    try:
        widths = tuple(positive_int("widths", w) for w in str(args.widths).split(","))
    except InputError:
        raise InputError(f"widths={args.widths!r}: expected whole numbers >= 1, comma-separated; "
                         "pass e.g. --widths 128") from None
    return builtin(args.model, args.data, args.n, seed, widths=widths, activation=args.activation,
                   channels=args.channels, targets=args.targets, loss=args.loss)


def run(args) -> int:
    from ...numerics.networks import run_seed, summarize
    from ...numerics.validate import positive, positive_int
    from ..figures import plot_network_central_flow, plot_network_eta, plot_network_z_tilde
    from ..output import check_files, check_folder, write_json

    steps, every = positive_int("steps", args.steps), positive_int("every", args.every)
    hess = None if args.hessian_every is None else positive_int("hessian_every", args.hessian_every)
    seeds, seed0 = positive_int("seeds", args.seeds), parse_seed(args.seed)
    eta = None if args.eta is None else float(positive("eta", args.eta))
    frac = None if eta is not None else float(positive("eta_frac", args.eta_frac))
    out = check_folder(Path(args.out), "--out", create=False)
    files = [out / f for f in ("eta_ntk.png", "z_tilde.png", "central_flow.png", "summary.json")]
    check_files(files, "--out")
    if ":" in args.model and os.getcwd() not in sys.path:
        sys.path.append(os.getcwd())  # a user's module in the current folder, as `python -m` would find it
    nets = [_build(args, seed0 + k) for k in range(seeds)]
    t0 = time.perf_counter()
    bar = progress(seeds * steps * 3, args.quiet, "network runs")
    results = [run_seed(net, eta_frac=frac, eta=eta, steps=steps, every=every, hessian_every=hess, bar=bar)
               for net in nets]
    bar.close()
    seconds = time.perf_counter() - t0
    net = nets[0]
    summary = summary_json("network", {
        "architecture": args.model if ":" in args.model else net.name, "n": net.n, "D": net.D, "P": net.P,
        "loss": net.loss, "eta_frac": frac, "eta": eta, "steps": steps, "every": every,
        "hessian_every": hess if hess is not None else 10 * every, "first_seed": seed0, **summarize(results)},
        seconds, files)
    title = f"{summary['architecture']}, P={net.P}, " + (f"eta = {frac:g}*2/lambda0" if frac else f"eta = {eta:g}")
    plot_network_eta(results, files[0], title)
    plot_network_z_tilde(results[0], files[1], title)
    plot_network_central_flow(results[0], files[2], title)
    write_json(out / "summary.json", summary, "--out")
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    _table(summary, out)
    return 0


def _f(x, spec=".4f"):
    return "-" if x is None else format(x, spec)


def _table(s, out):
    print(f"network: {s['architecture']}, n={s['n']}, P={s['P']}, loss={s['loss']}, "
          + (f"eta = {s['eta_frac']:g}*2/lambda0" if s["eta_frac"] else f"eta = {s['eta']:g}")
          + f", {s['steps']} steps, {s['seeds']} seeds, {s['seconds']:.0f} s")
    print("| model | status | initial eta*lambda | peak | final | EOS mean | EOS std | reached EOS | sharpened |")
    print("|---|---|---|---|---|---|---|---|---|")
    for key in ("network", "quadratic", "reexpanded"):
        m = s[key]
        if m is None:
            continue
        print(f"| {key} | {m['status']} | {_f(m['initial_eta_ntk'])} | {_f(m['peak_eta_ntk'])} | "
              f"{_f(m['final_eta_ntk'])} | {_f(m['eos_mean_eta_ntk'])} | {_f(m['eos_std_eta_ntk'])} | "
              f"{m['reached_eos_count']}/{len(m['runs'])} | {m['sharpened_count']}/{len(m['runs'])} |")
    for name, key in (("second-order model at theta0", "agreement"), ("re-expanded at the edge", "reexpanded_agreement")):
        a = s[key]
        if a is None:
            continue
        print(f"{name} vs network (mean [95% interval] over seeds):")
        for k in ("first_eos_step_difference", "eos_mean_difference", "correlation", "max_abs_difference",
                  "faithful_until"):
            iv = a[k]
            print(f"  {k}: {_f(iv['mean'], '.4g')} [{_f(iv['lo'], '.4g')}, {_f(iv['hi'], '.4g')}] (n={iv['n']})")
        print(f"  faithful over the whole run: {a['faithful_whole_run']} of {len(a['per_seed'])} seeds")
    print(f"wrote {', '.join(s['files'])}")
