"""Benchmark: GD on a JAX network (digits MLP 64-128-10, n = 500, P = 9610) and its second-order model.

Rows (issue 11): sorm's jitted GD step ÷ a bare ``jax.jit`` GD step of the same network (≤ 1.2);
the second-order model's step ÷ the network's (≤ 4); one Lanczos estimate (NTK and loss Hessian,
warm-started from the checkpoint 10 steps earlier, on one BLAS thread, as in a run; median over
``reps`` consecutive checkpoints) ÷ one GD step (reported); a whole run of the network, 3000
steps with ηλ_max every 10 steps, compilation included (≤ 60 s). The machine may be shared: the
pairs are timed interleaved (A, B, A, B, ...) and the ratio is the median of the per-pair ratios; the
load average is reported with the results, and above ``SHARED_LOAD`` the report says so.
Run: python bench/bench_networks.py  (--quick: reps 3, a 300-step run, to check the code)
"""
from __future__ import annotations

import math
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sorm.numerics.networks import builtin, operators, run_gd  # noqa: E402

#: A 1-minute load average above this (on the machine's 2 cores), before or after, means other jobs
#: shared the CPU: the report then says the absolute times are inflated (as bench_parallel does).
SHARED_LOAD = 1.5


def _t(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _interleaved(a, b, reps: int) -> tuple[float, float, float]:
    """(median time of a, median time of b, median of the per-pair ratios b/a)."""
    a(), b()
    ta, tb = [], []
    for _ in range(reps):
        ta.append(_t(a))
        tb.append(_t(b))
    ta, tb = np.array(ta), np.array(tb)
    return float(np.median(ta)), float(np.median(tb)), float(np.median(tb / ta))


def _lanczos_along(ops, th, data, eta, every: int, count: int):
    """Median seconds and mean products per top-eigenpair estimate (NTK, loss Hessian) at ``count``
    consecutive checkpoints ``every`` steps apart, each warm-started from the previous one, on one
    BLAS thread, as in a run."""
    from sorm.numerics.networks import top_eigenpair
    from sorm.numerics.networks.ops import one_blas_thread

    with one_blas_thread():
        return _lanczos_loop(ops, th, data, eta, every, count, top_eigenpair)


def _lanczos_loop(ops, th, data, eta, every, count, top_eigenpair):
    out = []
    for ntk in (True, False):
        t, v, times, products = th, None, [], []
        for _ in range(count + 1):
            n = [0]
            t0 = time.perf_counter()
            if ntk:
                z, pull = ops.ntk_lin(t, data)
                dim, mv = int(z.shape[0]), lambda x, p=pull: ops.ntk_apply(p, x)
            else:
                lin = ops.hess_lin(t, data)
                dim, mv = int(t.shape[0]), lambda x, p=lin: ops.hess_apply(p, x)

            def counted(x, mv=mv, n=n):
                n[0] += 1
                return mv(x)
            _, v = top_eigenpair(counted, dim, v)
            times.append(time.perf_counter() - t0)
            products.append(n[0])
            t = ops.advance(t, data, eta, every)[0]
        out += [float(np.median(times[1:])), float(np.mean(products[1:]))]   # the first one compiles
    return tuple(out)


def main(reps: int = 15, k: int = 10, whole: bool = True, run_steps: int = 3000) -> str:
    import jax
    import jax.numpy as jnp

    load0 = os.getloadavg()
    with jax.enable_x64(True):
        net = builtin("mlp", "digits", 500, 0, widths=(128,))
        ops, qops = operators(net)
        data = (net.X, net.Y)
        lam0, v = ops.top_ntk(net.theta0, data)
        eta = 0.9 * 2 / lam0
        th, _ = ops.advance(net.theta0, data, eta, 50)   # a generic point

        params = net.unravel(th)
        X, Y = net.X, net.Y

        @jax.jit
        def bare_step(p):
            g = jax.grad(lambda q: 0.5 * jnp.sum((net.apply(q, X) - Y) ** 2))(p)
            return jax.tree_util.tree_map(lambda a, b: a - eta * b, p, g)

        def bare():
            p = params
            for _ in range(k):
                p = bare_step(p)
            jax.block_until_ready(p)

        def sorm_step():
            ops.advance(th, data, eta, k)[0].block_until_ready()

        def sorm_single():
            t = th
            for _ in range(k):
                t = ops.step(t, data, eta)
            t.block_until_ready()

        zero = jnp.zeros_like(th)
        center = (th, X, Y)

        def quad_step():
            qops.advance(zero, center, eta, k)[0].block_until_ready()

        t_bare, t_sorm, r_sorm = _interleaved(bare, sorm_step, reps)
        _, t_single, r_single = _interleaved(bare, sorm_single, reps)
        _, t_quad, r_quad = _interleaved(sorm_step, quad_step, reps)
        step = t_sorm / k
        t_ntk, n_ntk, t_hes, n_hes = _lanczos_along(ops, th, data, eta, every=10, count=reps)
        t_run = math.nan
        if whole:
            t_run = _t(lambda: run_gd(ops, net.theta0, data, eta, run_steps, every=10))
    load1 = os.getloadavg()
    rows = [
        ("sorm's GD step (jitted `lax.scan` of 10 steps) / bare `jax.jit` GD step on the params pytree",
         f"{r_sorm:.2f}x ({step * 1e3:.2f} ms vs {t_bare / k * 1e3:.2f} ms per step)", "<= 1.2", r_sorm <= 1.2),
        ("sorm's single jitted step (`Operators.step`, flat params) / bare `jax.jit` step",
         f"{r_single:.2f}x ({t_single / k * 1e3:.2f} ms)", "-", None),
        ("second-order model's step (nested `jax.jvp`) / network's step", f"{r_quad:.2f}x ({t_quad / k * 1e3:.2f} ms)",
         "<= 4", r_quad <= 4),
        ("one Lanczos estimate of lambda_max(JJ^T), warm-started 10 steps earlier / one GD step",
         f"{t_ntk / step:.1f} steps ({t_ntk * 1e3:.0f} ms, {n_ntk:.1f} products)", "reported", None),
        ("one Lanczos estimate of lambda_max(loss Hessian), warm-started 10 steps earlier / one GD step",
         f"{t_hes / step:.1f} steps ({t_hes * 1e3:.0f} ms, {n_hes:.1f} products)", "reported", None),
        (f"whole network run (`run_gd`, JIT compilation included): {run_steps} steps, eta*lambda_max every 10 "
         "steps (+ two-step pair), Hessian and central flow every 100", f"{t_run:.1f} s", "<= 60 s" if run_steps == 3000 else "-",
         t_run <= 60 if run_steps == 3000 else None),
    ]
    lines = ["## networks", "",
             f"Digits MLP 64-128-10 tanh, n = 500, P = {net.P}, D = {net.D}, float64, CPU; medians of {reps} "
             f"interleaved pairs. Load average (1 min) {load0[0]:.1f} before, {load1[0]:.1f} after, on "
             f"{os.cpu_count()} cores"
             f"{': the machine was shared, so absolute times are inflated and the ratios are the numbers to read' if max(load0[0], load1[0]) > SHARED_LOAD else ''}.",
             "",
             "| measurement | value | target | met? |", "|---|---|---|---|"]
    for name, val, target, met in rows:
        lines.append(f"| {name} | {val} | {target} | {'-' if met is None else ('yes' if met else 'no')} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(main(3, run_steps=300) if "--quick" in sys.argv[1:] else main())
