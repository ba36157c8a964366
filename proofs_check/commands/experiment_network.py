"""`sorm experiment network`: a network and its second-order model at the edge of stability.

Parses the options, calls :mod:`sorm.numerics.networks` (GD on the network, on its second-order
model around θ₀, and on the model re-expanded at the edge, over seeds, for each η), writes
summary.json and three figures per η, and prints a table or the JSON. With several η the top-level
blocks are the first η's and ``by_eta`` lists every η's. The exit code comes from the shared
status table (numerics.status.exit_code over every run): 1 if any run diverged.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from .experiment import common_arguments, parse_seed, summary_json

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
    p.add_argument("--eta-frac", default="0.9",
                   help="eta as fractions of 2/lambda0, comma-separated: one report per value (default 0.9)")
    p.add_argument("--eta", default=None, help="fixed steps eta instead of --eta-frac, comma-separated")
    p.add_argument("--steps", default="3000", help="GD steps (default 3000)")
    p.add_argument("--every", default="10", help="measure eta*lambda_max every this many steps (default 10)")
    p.add_argument("--hessian-every", default=None,
                   help="measure the loss Hessian and the central flow every this many steps (default 10*every)")
    p.add_argument("--seeds", default="5", help="number of seeds (default 5)")
    p.add_argument("--flow-steps", default="0",
                   help="integrate the central flow of the first seed's network from its first checkpoint at the "
                        "edge for this many steps, against GD's loss (default 0: off; each step costs ~100 GD steps)")
    common_arguments(p, "out/network", memory=False)


def _build(args, seed):
    from ...numerics.networks import builtin, from_factory

    if ":" in args.model or args.model not in ("mlp", "cnn"):
        return from_factory(args.model, seed, args.loss)
    return builtin(args.model, args.data, args.n, seed, widths=str(args.widths).split(","), activation=args.activation,
                   channels=args.channels, targets=args.targets, loss=args.loss)


def run(args) -> int:
    from ...numerics.networks import run_study, summarize
    from ...numerics.status import exit_code
    from ...numerics.validate import positive_int
    from ..figures import literal, plot_network_central_flow, plot_network_eta, plot_network_z_tilde
    from ..output import check_files, check_folder, write_json

    # The library checks the values (builtin, run_study); here only how many η there are, to name the files.
    seeds, seed0 = positive_int("seeds", args.seeds), parse_seed(args.seed)
    n_eta = len([p for p in str(args.eta if args.eta is not None else args.eta_frac).split(",") if p.strip()])
    out = check_folder(Path(args.out), "--out", create=False)
    sfx = [""] if n_eta == 1 else [f"_{i + 1}" for i in range(n_eta)]
    figs = [[out / f"{f}{x}.png" for f in ("eta_ntk", "z_tilde", "central_flow")] for x in sfx]
    files = [f for fs in figs for f in fs] + [out / "summary.json"]
    check_files(files, "--out")
    if ":" in args.model and os.getcwd() not in sys.path:
        sys.path.append(os.getcwd())  # a user's module in the current folder, as `python -m` would find it
    nets = [_build(args, seed0 + k) for k in range(seeds)]
    t0 = time.perf_counter()
    st = run_study(nets, eta_frac=args.eta_frac, eta=args.eta, steps=args.steps, every=args.every,
                   hessian_every=args.hessian_every, flow_steps=args.flow_steps, progress=not args.quiet)
    net, fixed = nets[0], st.fixed
    name = args.model if ":" in args.model else net.name
    blocks, statuses = [], []
    for e, results, paths in zip(st.values, st.results, figs):
        statuses += [getattr(r, m).status for r in results for m in ("network", "quadratic", "reexpanded")
                     if getattr(r, m) is not None]
        blocks.append({"eta_frac": None if fixed else e, "eta": e if fixed else None, **summarize(results)})
        title = (f"{literal(name)}, $P = {net.P}$, "
                 + (f"$\\eta = {e:g}$" if fixed else f"$\\eta = {e:g} \\cdot 2/\\lambda_0$"))
        plot_network_eta(results, paths[0], title)
        plot_network_z_tilde(results[0], paths[1], title)
        plot_network_central_flow(results[0], paths[2], title)
    summary = summary_json("network", {
        "architecture": name, "n": net.n, "D": net.D, "P": net.P, "loss": net.loss, "steps": st.steps,
        "every": st.every, "hessian_every": st.hessian_every, "first_seed": seed0, **blocks[0],
        **({"by_eta": blocks} if len(blocks) > 1 else {})}, time.perf_counter() - t0, files)
    write_json(out / "summary.json", summary, "--out")
    code = exit_code(*statuses)
    if args.json:
        print(json.dumps(summary, indent=2))
        return code
    for i, block in enumerate(blocks):
        _table({**summary, **block}, header=i == 0)
    print(f"wrote {', '.join(summary['files'])}")
    return code


def _f(x, spec=".4f"):
    return "-" if x is None else format(x, spec)


def _table(s, header: bool):
    if header:
        print(f"network: {s['architecture']}, n={s['n']}, P={s['P']}, loss={s['loss']}, {s['steps']} steps, "
              f"{s['seeds']} seeds, {s['seconds']:.0f} s")
    print("eta = " + (f"{s['eta_frac']:g}*2/lambda0" if s["eta_frac"] is not None else f"{s['eta']:g}") + ":")
    print("| model | status | initial eta*lambda | peak | final | EOS mean | EOS std | reached EOS | sharpened | "
          "second-half mean | plateau at the edge |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for key in ("network", "quadratic", "reexpanded"):
        m = s[key]
        if m is None:
            continue
        print(f"| {key} | {m['status']} | {_f(m['initial_eta_ntk'])} | {_f(m['peak_eta_ntk'])} | "
              f"{_f(m['final_eta_ntk'])} | {_f(m['eos_mean_eta_ntk'])} | {_f(m['eos_std_eta_ntk'])} | "
              f"{m['reached_eos_count']}/{len(m['runs'])} | {m['sharpened_count']}/{len(m['runs'])} | "
              f"{_f(m['plateau_mean_eta_ntk'])} | {m['plateau_count']}/{len(m['runs'])} |")
    for f in s.get("central_flow", []):
        print(f"central flow (seed {f['seed']}, steps {f['t_start']}-{f['t_start'] + f['steps']}, h = {f['h']:g}, "
              f"{f['status']}): predicted loss vs GD's two-step average, median relative difference "
              f"{_f(f['loss_rel_error_median'], '.3g')}, largest {_f(f['loss_rel_error_max'], '.3g')}")
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
