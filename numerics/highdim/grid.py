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

The divergence threshold (finite-size scaling, :func:`divergence_thresholds`): the same
seed at different ε is the same instance with Q scaled, so per seed one bisection on ε finds
ε*(seed), the boundary between a run that does not diverge and one that does. The ε at
which half the runs diverge is the median of ε*(seed) over seeds (when divergence is
monotone in ε per seed; ε* is one boundary otherwise), with a bootstrap interval.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..display import compact_repr

from ..parallel import map_runs
from ..stats import PowerLaw, Proportion, bootstrap_interval, fit_power_law, wilson
from ..validate import InputError, exact_list, positive_int
from .model import EOS_LEVEL, MEMORY_LIMIT, SHARPEN_FACTOR, RunStatus, check_dtype, check_size, eta_for, random_instance, run_gd

__all__ = ["RunSpec", "RunRecord", "run_record", "Cell", "Grid", "summarize", "phase_grid",
           "Threshold", "SeedThreshold", "seed_threshold", "divergence_thresholds", "Scaling", "finite_size_scaling",
           "SHARPEN_FACTOR", "EOS_LEVEL"]


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
class RunRecord:
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
    def converged(self) -> bool:
        return self.status is RunStatus.CONVERGED

    @property
    def diverged(self) -> bool:
        return self.status is RunStatus.DIVERGED

    @property
    def sharpened(self) -> bool:
        return self.converged and self.peak_eta_ntk > SHARPEN_FACTOR * self.initial_eta_ntk

    @property
    def reached_eos(self) -> bool:
        return self.converged and self.peak_eta_ntk >= EOS_LEVEL

    def as_json(self) -> dict:
        peak = self.peak_eta_ntk if math.isfinite(self.peak_eta_ntk) else None
        return {"seed": self.seed, "eps": self.eps, "eta_frac": self.eta_frac, "D": self.D, "P": self.P,
                "status": _WORD[self.status], "status_message": self.status.message, "initial_eta_ntk": self.initial_eta_ntk, "peak_eta_ntk": peak,
                "final_eta_ntk": self.final_eta_ntk, "steps": self.steps}


def run_record(spec: RunSpec) -> RunRecord:
    """Run one grid point (a module-level function, so any executor can ship it)."""
    inst = random_instance(spec.D, spec.P, spec.eps, spec.seed, limit=spec.limit, dtype=spec.dtype)
    tr = run_gd(inst, eta_for(inst, spec.eta_frac), spec.steps, tol=spec.tol)
    return RunRecord(spec.seed, spec.eps, spec.eta_frac, spec.D, spec.P, tr.status, tr.initial, tr.peak,
                     tr.final if tr.converged else None, tr.steps)


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


def _floats(name, values, *, positive: bool) -> list[float]:
    out = []
    for i, v in enumerate(exact_list(name, values)):
        if v < 0 or (positive and v == 0):
            raise InputError(f"{name}[{i}]={float(v)!r}: expected a value {'> 0' if positive else '>= 0'}; "
                             f"pass e.g. {name}=0.5")
        out.append(float(v))
    return out


def phase_grid(eps, eta_frac, D, *, p_ratio=8, seeds=30, first_seed: int = 0, steps=3000, dtype: str = "float64",
               tol: float = 1e-10, limit: int = MEMORY_LIMIT, workers=None, scheduler=None,
               progress: bool = True) -> Grid:
    """Run every (ε, f, D, seed) of the grid through :func:`..parallel.map_runs` and summarize it."""
    eps = _floats("eps", eps, positive=False)
    fracs = _floats("eta_frac", eta_frac, positive=True)
    Ds = [positive_int(f"D[{i}]", d) for i, d in enumerate(D if isinstance(D, (list, tuple)) else [D])]
    p_ratio = positive_int("p_ratio", p_ratio)
    seeds = positive_int("seeds", seeds)
    steps = positive_int("steps", steps)
    dtype = check_dtype(dtype)
    for d in Ds:
        check_size(d, p_ratio * d, limit=limit, dtype=dtype)
    specs = [RunSpec(e, f, d, p_ratio * d, first_seed + k, steps, dtype, tol, limit)
             for d in Ds for e in eps for f in fracs for k in range(seeds)]
    recs = map_runs(run_record, specs, workers=workers, scheduler=scheduler, progress=progress, desc="highdim runs")
    return Grid(tuple(summarize(recs)), tuple(recs), steps, p_ratio, dtype)


@dataclass(frozen=True)
class SeedThreshold:
    """ε*(seed) ∈ [lo, hi]: the run at lo did not diverge, the run at hi did (hi = inf: none diverged)."""

    __repr__ = compact_repr

    D: int
    seed: int
    lo: float
    hi: float
    runs: int

    @property
    def eps_star(self) -> float:
        return 0.5 * (self.lo + self.hi)


def seed_threshold(args) -> SeedThreshold:
    """Bisect ε for one (D, P, seed, f, steps, iters, eps0, dtype) (module-level, for any executor).

    Doubles ε from eps0 until the run diverges (at most 12 doublings), then bisects ``iters`` times.
    """
    D, P, seed, f, steps, iters, eps0, dtype = args

    def diverges(e):
        inst = random_instance(D, P, e, seed, dtype=dtype)
        return run_gd(inst, eta_for(inst, f), steps).status is RunStatus.DIVERGED

    lo, hi, runs = 0.0, eps0, 0
    while True:
        runs += 1
        if diverges(hi):
            break
        lo, hi = hi, 2 * hi
        if runs > 12:
            return SeedThreshold(D, seed, lo, math.inf, runs)
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        runs += 1
        lo, hi = (lo, mid) if diverges(mid) else (mid, hi)
    return SeedThreshold(D, seed, lo, hi, runs)


def _finite(x: float) -> float | None:
    """A float64 for JSON: None where it is not finite (no threshold found: no run diverged)."""
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class Threshold:
    """ε_c(D): the median of ε*(seed) over the seeds, with its 95% bootstrap interval."""

    __repr__ = compact_repr

    D: int
    P: int
    seeds: int
    eps_c: float
    lo: float
    hi: float
    per_seed: tuple[float, ...]
    seed_ids: tuple[int, ...] = ()

    def as_json(self) -> dict:
        return {"D": self.D, "P": self.P, "seeds": self.seeds, "eps_c": _finite(self.eps_c), "lo": _finite(self.lo),
                "hi": _finite(self.hi), "eps_c_sqrt_D": _finite(self.eps_c * math.sqrt(self.D)),
                "per_seed": [{"seed": s, "eps_star": _finite(e)} for s, e in zip(self.seed_ids, self.per_seed)]}


def divergence_thresholds(D, *, eta_frac=0.9, p_ratio=8, seeds=20, first_seed=0, steps=3000, iters=7,
                          dtype="float64", workers=None, scheduler=None, progress=True) -> list[Threshold]:
    """ε_c(D) for each D: per-seed bisection (:func:`seed_threshold`), median over seeds, bootstrap interval."""
    Ds = [positive_int(f"D[{i}]", d) for i, d in enumerate(D)]
    f = _floats("eta_frac", [eta_frac], positive=True)[0]
    p_ratio = positive_int("p_ratio", p_ratio)
    steps = positive_int("steps", steps)
    for d in Ds:
        check_size(d, p_ratio * d, dtype=check_dtype(dtype))
    items = [(d, p_ratio * d, first_seed + k, f, steps, positive_int("iters", iters), 1.0 / math.sqrt(d), dtype)
             for d in Ds for k in range(positive_int("seeds", seeds))]
    res = map_runs(seed_threshold, items, workers=workers, scheduler=scheduler, progress=progress,
                   desc="divergence thresholds")
    out = []
    for d in Ds:
        star = np.array([r.eps_star for r in res if r.D == d])
        lo, hi = bootstrap_interval(star)
        out.append(Threshold(d, p_ratio * d, star.size, float(np.median(star)), lo, hi, tuple(map(float, star)),
                             tuple(r.seed for r in res if r.D == d)))
    return out


@dataclass(frozen=True)
class Scaling:
    """ε_c(D) ≈ c·D^(−a) over the measured D, and what it says about ε√D (a = 1/2 inside the interval?)."""

    __repr__ = compact_repr

    thresholds: tuple[Threshold, ...]
    fit: PowerLaw

    @property
    def half_in_interval(self) -> bool:
        return self.fit.a_lo <= 0.5 <= self.fit.a_hi

    def as_json(self) -> dict:
        return {"thresholds": [t.as_json() for t in self.thresholds],
                "exponent": _finite(self.fit.a), "exponent_lo": _finite(self.fit.a_lo),
                "exponent_hi": _finite(self.fit.a_hi), "prefactor": _finite(self.fit.c), "exponent_half_in_interval": self.half_in_interval}


def finite_size_scaling(thresholds) -> Scaling:
    """Fit ε_c(D) = median ε*(seed) ≈ c·D^(−a), a's interval by bootstrapping the seeds of every D."""
    ths = tuple(thresholds)
    if len(ths) < 2:
        raise InputError(f"D={[t.D for t in ths]!r}: a scaling fit needs at least two values of D; pass e.g. D=8,16,32")
    return Scaling(ths, fit_power_law([t.D for t in ths], [t.per_seed for t in ths]))
