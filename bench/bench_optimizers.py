"""Benchmark: the high-precision engines of the other optimizers (issue 12), against GD's baselines.

50 digits near each optimizer's edge of stability (ω = (1, −1), Ẽ = 1/5, η = 1):

- SAM (ρ = 1, edge T* = 1) on the 2-D map: ``numerics.sam_edge.run_sam_planar`` (the generated
  ``opt_sam_planar`` traced into fixed-point integer code) against (a) a plain mpmath loop of the
  same generated map and (b) the same loop in python-flint ``arb``, both at the engine's working
  precision, as for GD in bench_mp_gd.py;
- SAM, heavy ball (β = 1/2) and Nesterov (β = 1/2) on the moment map for any P:
  ``numerics.optimizer.run_optimizer`` (the generated ``opt_*`` maps in mpmath) against the update
  rule applied to θ itself in mpmath (``run_theta``) at the same digits;
- GD's own engine on the same model, for scale.

Per-step costs exclude start-up: (time(n steps) − time(1 step)) / (n − 1); each the minimum of
3 interleaved repetitions. Run: ``python bench/bench_optimizers.py [--steps N]`` (default 20000;
the record uses the default). Prints a Markdown section.
"""
from __future__ import annotations

import argparse
import sys
import time
from fractions import Fraction
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import mpmath  # noqa: E402

from sorm.numerics import _derived as D  # noqa: E402
from sorm.numerics.engines.gd_mp import run_gd  # noqa: E402
from sorm.numerics.optimizer import run_optimizer, run_theta  # noqa: E402
from sorm.numerics.problem import from_theta  # noqa: E402
from sorm.numerics.sam_edge import SAM_CASES, run_sam_planar  # noqa: E402

DPS = 50


def _best(fn, reps=3):
    out = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - t0)
    return out


def _per_step(fn, n):
    t1, tn = float("inf"), float("inf")
    for _ in range(3):  # interleaved
        t1 = min(t1, _best(lambda: fn(1), 1))
        tn = min(tn, _best(lambda: fn(n), 1))
    return (tn - t1) / (n - 1)


def _loop_sam(case, z, T, n, conv):
    w1, w2 = case.omegas
    a, b, Et, r = (conv(q) for q in (w1 + w2, w1 * w2, case.Et, case.rhot))
    for _ in range(n):
        z, T = D.opt_sam_planar(z, T, a, b, Et, r)
    return z, T


def sam_planar_rows(n):
    case = SAM_CASES[0]
    prob = case.problem(Fraction(1, 4000))
    bits = run_sam_planar(case, prob.zt0, prob.T0, dps=DPS, tol=Fraction(0), steps=n)[2]
    engine = _per_step(lambda k: run_sam_planar(case, prob.zt0, prob.T0, dps=DPS, tol=Fraction(0), steps=k), n)

    def mp(k):
        with mpmath.workprec(bits):
            c = lambda q: mpmath.mpf(q.numerator) / q.denominator  # noqa: E731
            _loop_sam(case, c(prob.zt0), c(prob.T0), k, c)

    def arb(k):
        import flint

        old, flint.ctx.prec = flint.ctx.prec, bits
        try:
            c = lambda q: flint.arb(q.numerator) / q.denominator  # noqa: E731
            _loop_sam(case, c(prob.zt0), c(prob.T0), k, c)
        finally:
            flint.ctx.prec = old

    m = min(n, 5000)
    t_mp, t_arb = _per_step(mp, m), _per_step(arb, m)
    return [("SAM 2-D map: fixed-point engine per step", engine, "us"),
            ("plain mpmath loop of opt_sam_planar per step (same bits) / engine", t_mp / engine, "x"),
            ("plain arb loop of opt_sam_planar per step (same bits) / engine", t_arb / engine, "x")]


def moment_rows(n):
    prob = from_theta("1,-1", "1/5", "11/10,9/10", "1/2")
    rows = []
    gd = _per_step(lambda k: run_gd(prob, dps=DPS, steps=k), n)
    rows.append(("GD engine (fixed point) per step, same model", gd, "us"))
    for spec in ("sam:rho=1", "heavy-ball:beta=1/2", "nesterov:beta=1/2"):
        m = min(n, 2000)
        eng = _per_step(lambda k: run_optimizer(prob, spec, dps=DPS, steps=k), m)
        theta = _per_step(lambda k: run_theta(prob, spec, steps=k, dps=DPS), m)
        rows.append((f"`{spec}`: moment-map engine (mpmath) per step", eng, "us"))
        rows.append((f"`{spec}`: θ-space mpmath loop per step / engine", theta / eng, "x"))
        rows.append((f"`{spec}`: engine per step / GD engine per step", eng / gd, "x"))
    return rows


def main(n: int = 20000) -> str:
    rows = sam_planar_rows(n) + moment_rows(n)
    out = ["## Other optimizers: high-precision engines", "",
           f"{DPS} digits; SAM 2-D map: {n:,} steps from (z̃₀, T₀) = (1/4000, 1 + 1/4000), ω = (1, −1), Ẽ = 1/5, "
           "ρ̃ = 1 (edge T* = 1); baselines timed on min(steps, 5000) steps. Moment maps: ω = (1, −1), E = 1/5, "
           "θ₀ = (11/10, 9/10), η = 1/2, min(steps, 2000) steps. Per-step costs exclude start-up; minimum of 3 "
           "interleaved repetitions.", "", "| quantity | value |", "|---|---|"]
    for name, v, unit in rows:
        out.append(f"| {name} | {v * 1e6:.2f} µs |" if unit == "us" else f"| {name} | {v:.2f}x |")
    text = "\n".join(out) + "\n"
    print(text)
    return text


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=20000)
    main(ap.parse_args().steps)
