"""The phase diagram of the many-datapoint model over (ε, f, D), with statistics over seeds.

Every run is exact GD (:func:`.model.run_gd`) on the seeded random instance of
:func:`.model.random_instance` with P = p_ratio·D and η = f·2/λ_max(K₀) (so ηλ_max starts
at 2f). A run's status comes from the residual alone: converged when ½‖z‖² fell below the
tolerance, diverged past the blow-up bound, unfinished when the step budget ran out. Only
then is its final ηλ_max read off, so "every converged run ends below 2" is a finding that
can fail. Per run, derived here:

- sharpened: converged, with peak ηλ_max > 1.1 × its initial value 2f;
- reached EOS: converged, with peak ηλ_max ≥ 1.9.

Per cell (ε, f, D) each fraction carries its 95% Wilson interval (:func:`..stats.wilson`).
The divergence threshold over D is in :mod:`.scaling`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import _derived
from ..display import compact_repr
from ..parallel import map_runs
from ..status import DIVERGENCE_FACTOR, LossRule
from ..stats import Proportion, wilson
from ..validate import positive_int, positive_list
from .model import MEMORY_LIMIT, RunStatus, RunVerdicts, check_dtype, check_size, eta_for, random_instance, run_gd

__all__ = ["RunSpec", "RunRecord", "run_record", "seed_records", "batch_step", "batch_top_eigenvalue", "Cell", "Grid",
           "summarize", "phase_grid"]


_WORD = {RunStatus.CONVERGED: "converged", RunStatus.DIVERGED: "diverged", RunStatus.MAX_STEPS: "unfinished"}


@dataclass(frozen=True)
class RunSpec:
    """One run of the grid: instance (D, P, ε, seed), step η = f·2/λ_max(K₀), budget and tolerance."""

    __repr__ = compact_repr

    eps: float
    eta_frac: float
    D: int
    P: int
    seed: int
    steps: int = 3000
    dtype: str = "float64"
    tol: float = 1e-10
    limit: int = MEMORY_LIMIT


@dataclass(frozen=True)
class RunRecord(RunVerdicts):
    """The outcome of one run. final_eta_ntk is None unless the run converged."""

    __repr__ = compact_repr

    seed: int
    eps: float
    eta_frac: float
    D: int
    P: int
    status: RunStatus
    initial_eta_ntk: float
    peak_eta_ntk: float
    final_eta_ntk: float | None
    steps: int

    @property
    def initial(self) -> float:
        return self.initial_eta_ntk

    @property
    def peak(self) -> float:
        return self.peak_eta_ntk

    def as_json(self) -> dict:
        peak = self.peak_eta_ntk if math.isfinite(self.peak_eta_ntk) else None
        return {"seed": self.seed, "eps": self.eps, "eta_frac": self.eta_frac, "D": self.D, "P": self.P,
                "status": _WORD[self.status], "status_message": self.status.message, "initial_eta_ntk": self.initial_eta_ntk, "peak_eta_ntk": peak,
                "final_eta_ntk": self.final_eta_ntk, "steps": self.steps}


def run_record(spec: RunSpec) -> RunRecord:
    """Run one grid point with :func:`.model.run_gd` (a module-level function, so any executor can ship it)."""
    inst = random_instance(spec.D, spec.P, spec.eps, spec.seed, limit=spec.limit, dtype=spec.dtype)
    tr = run_gd(inst, eta_for(inst, spec.eta_frac), spec.steps, tol=spec.tol)
    return RunRecord(spec.seed, spec.eps, spec.eta_frac, spec.D, spec.P, tr.status, tr.initial, tr.peak,
                     tr.final if tr.converged else None, tr.steps)


def batch_step(Q2: np.ndarray, z: np.ndarray, J: np.ndarray, eps: np.ndarray, eta: np.ndarray):
    """One exact GD step (:func:`.model.gd_step`) of B runs on one draw Q₁ at once.

    Q2: Q₁ as a (D·P × P) array; z: B×D; J: B×D×P; eps, eta: length B. With g_b = J_bᵀz_b,
    u_b,α = ε_b Q₁,α g_b for all b and α is one GEMM (B × P)·(P × D·P) over Q₁.
    """
    B, D, P = J.shape
    g = np.einsum("bd,bdp->bp", z, J)
    U = (g.astype(Q2.dtype, copy=False) @ Q2.T).astype(np.float64, copy=False)   # row b: (Q₁,α g_b)_α
    U = U.reshape(B, D, P) * eps[:, None, None]
    z = _derived.hd_z_next(eta[:, None], z, np.einsum("bdp,bp->bd", J, g), np.einsum("bdp,bp->bd", U, g))
    return z, J - eta[:, None, None] * U


def batch_top_eigenvalue(J: np.ndarray) -> np.ndarray:
    """λ_max(J_b J_bᵀ) for each b of a B×D×P array (LAPACK, batched)."""
    return np.linalg.eigvalsh(J @ J.transpose(0, 2, 1))[:, -1]


def seed_records(specs) -> list[RunRecord]:
    """Run the grid points of one instance draw (same D, P, seed, steps, dtype, tol) together, in lockstep.

    The draw of a seed is the same at every ε up to the factor ε (:func:`.model.random_instance`
    scales one symmetrized Gaussian draw), and η = f·2/λ_max(K₀) does not depend on ε. So the
    runs share one array Q₁ (the draw at ε = 1) and one step advances all B unfinished runs:
    the contraction u_b,α = ε_b Q₁,α g_b for every run b is one (D·P × P)·(P × B) GEMM, a
    single pass over Q₁ instead of B GEMVs. Each run follows the rules of :func:`.model.run_gd`
    step by step (divergence test, ηλ_max by a dense eigensolve of K = JJᵀ, convergence test,
    step) and leaves the batch when it stops. The arithmetic equals B separate runs of
    :func:`run_record` up to rounding (ε·(Q₁g) against (εQ₁)g, GEMM against GEMV).
    """
    specs = list(specs)
    s0 = specs[0]
    if any((s.D, s.P, s.seed, s.steps, s.dtype, s.tol) != (s0.D, s0.P, s0.seed, s0.steps, s0.dtype, s0.tol)
           for s in specs):
        raise ValueError("seed_records needs specs of one instance draw (same D, P, seed, steps, dtype, tol)")
    base = random_instance(s0.D, s0.P, 1.0, s0.seed, limit=s0.limit, dtype=s0.dtype)
    D, P, B = s0.D, s0.P, len(specs)
    eps = np.array([s.eps for s in specs])
    eta = np.array([eta_for(base, s.eta_frac) for s in specs])
    Q2 = base.Q.reshape(D * P, P)
    z = np.tile(-base.y, (B, 1))
    J = np.tile(base.G, (B, 1, 1))
    rule = LossRule(0.5 * float(base.y @ base.y), s0.tol, float(DIVERGENCE_FACTOR) ** 2)
    first = np.full(B, math.nan)
    peak = np.full(B, -math.inf)
    last = np.full(B, math.nan)
    out: list = [None] * B
    active = np.arange(B)

    def finish(i, status, steps):
        s = specs[i]
        out[i] = RunRecord(s.seed, s.eps, s.eta_frac, D, P, status, float(first[i]), float(peak[i]),
                           float(last[i]) if status is RunStatus.CONVERGED else None, steps)

    for t in range(s0.steps + 1):
        loss = 0.5 * np.einsum("bd,bd->b", z, z)
        bad = rule.diverged(loss)
        for k in np.flatnonzero(bad):
            finish(active[k], RunStatus.DIVERGED, t - 1)
        if bad.any():
            keep = ~bad
            active, z, J, loss = active[keep], z[keep], J[keep], loss[keep]
        if active.size == 0:
            break
        lam = eta[active] * batch_top_eigenvalue(J)
        if t == 0:
            first[active] = lam
        peak[active] = np.maximum(peak[active], lam)
        last[active] = lam
        done = rule.converged(loss)
        for k in np.flatnonzero(done):
            finish(active[k], RunStatus.CONVERGED, t)
        if done.any():
            keep = ~done
            active, z, J = active[keep], z[keep], J[keep]
        if active.size == 0 or t == s0.steps:
            break
        z, J = batch_step(Q2, z, J, eps[active], eta[active])
    for i in active:
        finish(i, RunStatus.MAX_STEPS, s0.steps)
    return out


@dataclass(frozen=True)
class Cell:
    """The runs of one (ε, f, D) cell: each fraction with its 95% Wilson interval, and the median
    and largest final ηλ_max of the converged runs (None when none converged)."""

    __repr__ = compact_repr

    eps: float
    eta_frac: float
    D: int
    P: int
    runs: int
    converged: Proportion
    sharpened: Proportion
    eos: Proportion
    diverged: Proportion
    unfinished: Proportion
    median_final_eta_ntk: float | None
    max_final_eta_ntk: float | None


    def as_json(self) -> dict:
        out = {"eps": self.eps, "eta_frac": self.eta_frac, "D": self.D, "P": self.P, "runs": self.runs}
        for k in ("converged", "sharpened", "eos", "diverged", "unfinished"):
            out[k] = getattr(self, k).as_json()
        out["median_final_eta_ntk"] = self.median_final_eta_ntk
        out["max_final_eta_ntk"] = self.max_final_eta_ntk
        return out


def _cell(key, recs) -> Cell:
    n = len(recs)
    finals = [r.final_eta_ntk for r in recs if r.converged]
    count = lambda pred: wilson(sum(pred(r) for r in recs), n)  # noqa: E731
    return Cell(*key, n, count(lambda r: r.converged), count(lambda r: r.sharpened), count(lambda r: r.reached_eos),
                count(lambda r: r.diverged), count(lambda r: r.status is RunStatus.MAX_STEPS),
                float(np.median(finals)) if finals else None, max(finals) if finals else None)


def summarize(records) -> list[Cell]:
    """Group run records into cells (ε, f, D, P), in the order the cells first appear."""
    groups: dict = {}
    for r in records:
        groups.setdefault((r.eps, r.eta_frac, r.D, r.P), []).append(r)
    return [_cell(k, v) for k, v in groups.items()]


@dataclass(frozen=True, eq=False)
class Grid:
    """A phase-diagram study: its cells and every run record (in a fixed order, seed fastest)."""

    __repr__ = compact_repr

    cells: tuple[Cell, ...]
    runs: tuple[RunRecord, ...]
    steps: int
    p_ratio: int
    dtype: str


    @property
    def converged_finals(self) -> np.ndarray:
        return np.array([r.final_eta_ntk for r in self.runs if r.converged])

    def as_json(self) -> dict:
        return {"steps": self.steps, "p_ratio": self.p_ratio, "dtype": self.dtype,
                "cells": [c.as_json() for c in self.cells], "runs": [r.as_json() for r in self.runs]}


def phase_grid(eps, eta_frac, D, *, p_ratio=8, seeds=30, first_seed: int = 0, steps=3000, dtype: str = "float64",
               tol: float = 1e-10, limit: int = MEMORY_LIMIT, workers=None, scheduler=None,
               progress: bool = True) -> Grid:
    """Run every (ε, f, D, seed) of the grid and summarize it.

    The runs of one instance draw (D, seed) go together through :func:`seed_records`, one task
    of :func:`..parallel.map_runs` each, so the records do not depend on the executor.
    """
    eps = [float(v) for v in positive_list("eps", eps, zero=True)]
    fracs = [float(v) for v in positive_list("eta_frac", eta_frac)]
    Ds = [positive_int(f"D[{i}]", d) for i, d in enumerate(D if isinstance(D, (list, tuple)) else [D])]
    p_ratio = positive_int("p_ratio", p_ratio)
    seeds = positive_int("seeds", seeds)
    steps = positive_int("steps", steps)
    dtype = check_dtype(dtype)
    for d in Ds:
        check_size(d, p_ratio * d, limit=limit, dtype=dtype)
    specs = [RunSpec(e, f, d, p_ratio * d, first_seed + k, steps, dtype, tol, limit)
             for d in Ds for e in eps for f in fracs for k in range(seeds)]
    # One task per instance draw (D, seed), the largest D first so the workers finish together.
    groups: dict = {}
    for i, s in enumerate(specs):
        groups.setdefault((s.D, s.seed), []).append(i)
    order = sorted(groups, key=lambda k: -k[0])
    done = map_runs(seed_records, [[specs[i] for i in groups[k]] for k in order], workers=workers,
                    scheduler=scheduler, progress=progress, desc=f"highdim instances ({len(specs)} runs)")
    recs: list = [None] * len(specs)
    for k, batch in zip(order, done):
        for i, r in zip(groups[k], batch):
            recs[i] = r
    return Grid(tuple(summarize(recs)), tuple(recs), steps, p_ratio, dtype)
