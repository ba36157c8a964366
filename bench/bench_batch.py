"""Benchmark of the float64 batch engine (issue 3, point 6).

Every target is a ratio against a baseline timed in the same run (best of a few
repeats, interleaved, because the machine is shared):

- engine throughput ≥ 0.8× a bare numpy loop over the same arrays (the engine's
  bookkeeping — max ηλ, settle checks, classification — costs little);
- ≥ 30× a per-trajectory Python float loop of the same generated formulas;
- trajectory-steps per second;
- a 400 × 400 sweep over (η, initial z₀) with a 10⁴-step budget each finishes
  within 60 s on 2 cores (with early stopping of settled runs, which is how the
  engine runs; and, as a worst case, with every run forced through all 10⁴ steps).

Usage: ``python bench/bench_batch.py``.
"""
from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from sorm.numerics import _derived as d  # noqa: E402
from sorm.numerics.compile.float64 import modes_step_program, planar_step_program  # noqa: E402
from sorm.numerics.engines.batch import run_batch, run_planar  # noqa: E402
from sorm.numerics.problem import from_state  # noqa: E402
from sorm.numerics.engines.sweep import sweep  # noqa: E402

REPEATS = 5


def _best(fns: dict, repeats: int = REPEATS) -> dict:
    """Best wall time of each callable, run interleaved ``repeats`` times."""
    best = {k: float("inf") for k in fns}
    for _ in range(repeats):
        for k, f in fns.items():
            t = time.perf_counter()
            f()
            best[k] = min(best[k], time.perf_counter() - t)
    return best


def _states(n: int, seed: int = 0):
    """n states of the ω = (1, −1) model near the edge of stability (they stay bounded, z̃ stays normal)."""
    rng = np.random.default_rng(seed)
    zt = rng.uniform(-0.02, 0.02, n)
    T = rng.uniform(1.6, 2.05, n)
    Et = np.full(n, 0.2)
    # modes from the invariant J1 − J2 = 2(Ẽ + z̃), J1 + J2 = T
    J = np.stack([(T + 2 * (Et + zt)) / 2, (T - 2 * (Et + zt)) / 2])
    return zt, T, Et, J


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime


def main() -> str:
    N, K = 16384, 400
    zt, T, Et, J = _states(N)
    w = np.array([1.0, -1.0])
    wc = w[:, None]
    prog = planar_step_program(0.0, -1.0, inplace=True)
    mprog = modes_step_program(w, inplace=True)
    # chaotic states (omega = (1, -1), eta = 1.125, z0 near -1): they never settle, so the settle checks
    # (every 64 steps: convergence, divergence, period-2) run on every trajectory all along
    rng = np.random.default_rng(1)
    czt = -1.125 + rng.uniform(-1e-3, 1e-3, N)
    cT, cE = np.full(N, 2.26125), np.full(N, 1.36125)

    def bare_modes_generated():
        z, JJ = zt.copy(), J.copy()
        with np.errstate(all="ignore"):
            for _ in range(K):
                TT = JJ.sum(axis=0)
                S = w @ JJ
                z, JJ = d.gd_zt_next(z, TT, S), d.gd_J2t_next(z, wc, JJ)
        return z

    def bare_modes_traced():
        st = [zt.copy(), J[0].copy(), J[1].copy(), T.copy()]
        with np.errstate(all="ignore"):
            for _ in range(K):
                st = mprog(*st)
        return st[0]

    def bare_planar_generated():
        z, TT = zt.copy(), T.copy()
        with np.errstate(all="ignore"):
            for _ in range(K):
                z, TT = d.planar_zt_next(z, TT, 0.0, -1.0, Et), d.planar_T_next(z, TT, 0.0, -1.0, Et)
        return z

    def bare_planar_traced(z0=zt, T0=T, E0=Et):
        z, TT = z0.copy(), T0.copy()
        with np.errstate(all="ignore"):
            for _ in range(K):
                z, TT = prog(z, TT, E0)
        return z

    groups = [  # each group is timed interleaved on its own, so the pairs compared share cache conditions
        {"modes engine": lambda: run_batch(w, zt, J.T, steps=K, settle=False),
         "modes bare generated": bare_modes_generated},
        {"modes engine": lambda: run_batch(w, zt, J.T, steps=K, settle=False),
         "modes bare traced": bare_modes_traced},
        {"planar engine": lambda: run_planar(zt, T, 0.0, -1.0, Et, steps=K, settle=False),
         "planar bare generated": bare_planar_generated},
        {"planar engine": lambda: run_planar(zt, T, 0.0, -1.0, Et, steps=K, settle=False),
         "planar bare traced": bare_planar_traced},
        {"planar engine, settle checks, chaotic": lambda: run_planar(czt, cT, 0.0, -1.0, cE, steps=K),
         "planar bare traced, chaotic": lambda: bare_planar_traced(czt, cT, cE)},
    ]
    t = {}
    for g in groups:
        for k, v in _best(g).items():
            t[k] = min(v, t.get(k, float("inf")))
    ts = {k: N * K / v for k, v in t.items()}  # trajectory-steps per second

    # per-trajectory Python float loop: the same generated formulas on floats
    n_py, k_py = 40, 400

    def python_modes():
        for j in range(n_py):
            z, j1, j2 = float(zt[j]), float(J[0, j]), float(J[1, j])
            for _ in range(k_py):
                TT, S = j1 + j2, j1 - j2
                z, j1, j2 = d.gd_zt_next(z, TT, S), d.gd_J2t_next(z, 1.0, j1), d.gd_J2t_next(z, -1.0, j2)

    def python_planar():
        for j in range(n_py):
            z, TT, e = float(zt[j]), float(T[j]), float(Et[j])
            for _ in range(k_py):
                z, TT = d.planar_zt_next(z, TT, 0.0, -1.0, e), d.planar_T_next(z, TT, 0.0, -1.0, e)

    tp = _best({"py modes": python_modes, "py planar": python_planar}, repeats=3)
    py_modes = n_py * k_py / tp["py modes"]
    py_planar = n_py * k_py / tp["py planar"]

    # 400 x 400 sweep, 10^4-step budget each
    p = from_state([1, -1], "0.01", "1.215,0.795")
    grid = dict(eta_min="0.1", eta_max="3", n_eta=400, vary="z0", vary_from=-1, vary_to=1, n_vary=400,
                steps=10_000, lyapunov=True)
    c0, t0 = _cpu(), time.perf_counter()
    res = sweep(p, workers=2, **grid)
    sweep_wall, sweep_cpu = time.perf_counter() - t0, _cpu() - c0
    done_steps = int(res.batch.steps.sum())

    # worst case: no early stopping, every run goes through all 10^4 steps (2 processes)
    eta = res.eta
    c0, t0 = _cpu(), time.perf_counter()
    _forced_sweep(eta * res.z0, eta * res.J2.sum(axis=1), eta * res.E, 10_000)
    forced_wall, forced_cpu = time.perf_counter() - t0, _cpu() - c0

    load = os.getloadavg()
    rows = [
        ("modes engine / bare numpy loop of the generated gd_* functions on (P, N) arrays",
         ts["modes engine"] / ts["modes bare generated"], ">= 0.8"),
        ("modes engine / bare loop of the same traced in-place step (bookkeeping overhead only)",
         ts["modes engine"] / ts["modes bare traced"], ">= 0.8"),
        ("planar engine / bare numpy loop of the generated planar_* functions",
         ts["planar engine"] / ts["planar bare generated"], ">= 0.8"),
        ("planar engine / bare loop of the same traced in-place step (bookkeeping overhead only)",
         ts["planar engine"] / ts["planar bare traced"], ">= 0.8"),
        ("planar engine with settle checks on never-settling (chaotic) runs / bare traced loop",
         ts["planar engine, settle checks, chaotic"] / ts["planar bare traced, chaotic"], ">= 0.8"),
        ("modes engine / per-trajectory Python float loop", ts["modes engine"] / py_modes, ">= 30"),
        ("planar engine / per-trajectory Python float loop", ts["planar engine"] / py_planar, ">= 30"),
    ]
    lines = [
        "## batch",
        "",
        f"float64 batch engine (sorm.numerics.engines.batch): {N} trajectories x {K} steps of the omega = (1, -1) model near "
        f"the edge of stability, fixed steps; best of {REPEATS} repeats, each engine interleaved with its baseline. Load average during the "
        f"run: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} cores "
        f"({'shared and loaded: wall times are pessimistic' if load[0] > 1.5 else 'lightly loaded'}).",
        "",
        "| measurement | value | target | met? |",
        "|---|---|---|---|",
    ]
    for name, v, target in rows:
        ok = v >= float(target.split()[-1])
        lines.append(f"| {name} | {v:.2f}x | {target} | {'yes' if ok else 'NO'} |")
    lines += [
        f"| modes engine throughput (P = 2) | {ts['modes engine'] / 1e6:.1f} M trajectory-steps/s | report | - |",
        f"| planar engine throughput | {ts['planar engine'] / 1e6:.1f} M trajectory-steps/s | report | - |",
        f"| Python float loop throughput (modes / planar) | {py_modes / 1e6:.3f} / {py_planar / 1e6:.3f} "
        "M trajectory-steps/s | baseline | - |",
        f"| 400 x 400 sweep (eta x z0), 10^4-step budget, early stop, Lyapunov tail, 2 processes: wall "
        f"| {sweep_wall:.1f} s ({sweep_cpu:.1f} s CPU; {done_steps / 1e6:.0f} M steps run) | <= 60 s "
        f"| {'yes' if sweep_wall <= 60 else 'NO'} |",
        f"| same grid, every run forced through all 10^4 steps (1.6e9 trajectory-steps), 2 processes: wall "
        f"| {forced_wall:.1f} s ({forced_cpu:.1f} s CPU) | <= 60 s | {'yes' if forced_wall <= 60 else 'NO'} |",
        "",
        "Both engines evaluate the generated map traced once into straight-line numpy (constants folded, "
        "common subexpressions shared) writing into preallocated buffers, so they beat a bare loop that calls "
        "the generated functions directly; the 'bookkeeping only' rows compare against a bare loop of that "
        "same traced step. Settled runs (converged, diverged, period-2) leave the arrays at the next check, so "
        f"the realistic sweep ran {done_steps / 1.6e9:.1%} of the 1.6e9 budgeted trajectory-steps; the forced "
        "row is the worst case (diverged runs carry inf/nan, converged ones underflow towards 0).",
    ]
    out = "\n".join(lines) + "\n"
    print(out)
    return out


def _forced_block(job):
    zt0, T0, Et = job
    return run_planar(zt0, T0, 0.0, -1.0, Et, steps=10_000, settle=False).T.size


def _forced_sweep(zt0, T0, Et, steps, block=16384):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    jobs = [(zt0[s:s + block], T0[s:s + block], Et[s:s + block]) for s in range(0, zt0.size, block)]
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        return sum(pool.map(_forced_block, jobs))


if __name__ == "__main__":
    main()
