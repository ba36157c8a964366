"""The divergence threshold ε_c(D) of the many-datapoint model and its finite-size scaling.

Derived here. Runs are those of :mod:`.grid` (exact GD on the seeded instance of
:func:`.model.random_instance`, P = p_ratio·D, η = f·2/λ_max(K₀)). The same seed at different ε
is the same instance with Q scaled, so per seed rounds of runs at several ε in lockstep
(:func:`.grid.seed_records`) bracket ε*(seed), the boundary between a run that does not diverge
and one that does. The ε at which half the runs diverge, ε_c(D), is the median of ε*(seed) over
seeds (when divergence is monotone in ε per seed; ε* is one boundary otherwise), with a bootstrap
interval. :func:`finite_size_scaling` fits ε_c(D) ≈ c·D^(−a); a = 1/2 means ε√D is the
size-independent control parameter.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..display import compact_repr
from ..parallel import map_runs
from ..stats import PowerLaw, bootstrap_interval, fit_power_law
from ..validate import InputError, positive, positive_int
from .grid import RunSpec, seed_records
from .model import MEMORY_LIMIT, check_dtype, check_size

__all__ = ["SeedThreshold", "SECTION_POINTS", "seed_threshold", "Threshold", "divergence_thresholds", "Scaling",
           "finite_size_scaling"]


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


#: Values of ε run in lockstep per round of :func:`seed_threshold`.
SECTION_POINTS = 7


def seed_threshold(args) -> SeedThreshold:
    """Bracket ε*(seed) for one (D, P, seed, f, steps, rounds, eps0, dtype, limit) (module-level, for any executor).

    Round 1 runs ε = eps0·2^k, k = 0..6, together (:func:`seed_records`); every later round runs 7
    equally spaced ε inside the bracket (lo, hi), where hi is the smallest ε run so far that diverged
    and lo the largest one below it that did not (0 at first). Each round after the first shrinks the
    bracket by 8. hi = inf when no run of round 1 diverged.
    """
    D, P, seed, f, steps, rounds, eps0, dtype, limit = args
    lo, hi, runs = 0.0, math.inf, 0
    pts = [eps0 * 2.0**k for k in range(SECTION_POINTS)]
    for _ in range(rounds):
        recs = seed_records([RunSpec(e, f, D, P, seed, steps, dtype, limit=limit) for e in pts])
        runs += len(recs)
        hi = min([hi] + [r.eps for r in recs if r.diverged])
        lo = max([lo] + [r.eps for r in recs if r.eps < hi])
        if not math.isfinite(hi):
            break
        pts = [lo + (hi - lo) * k / (SECTION_POINTS + 1) for k in range(1, SECTION_POINTS + 1)]
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


def divergence_thresholds(D, *, eta_frac=0.9, p_ratio=8, seeds=20, first_seed=0, steps=3000, rounds=3,
                          dtype="float64", limit: int = MEMORY_LIMIT, workers=None, scheduler=None,
                          progress=True) -> list[Threshold]:
    """ε_c(D) for each D: per-seed bracketing (:func:`seed_threshold`, starting at eps0 = 1/√D),
    median over seeds, bootstrap interval."""
    Ds = [positive_int(f"D[{i}]", d) for i, d in enumerate(D)]
    f = float(positive("eta_frac", eta_frac))
    p_ratio = positive_int("p_ratio", p_ratio)
    steps = positive_int("steps", steps)
    for d in Ds:
        check_size(d, p_ratio * d, limit=limit, dtype=check_dtype(dtype))
    items = [(d, p_ratio * d, first_seed + k, f, steps, positive_int("rounds", rounds), 1.0 / math.sqrt(d), dtype,
              limit)
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
