"""Small statistics for experiments over seeds: Wilson intervals, bootstrap intervals, power-law fits.

Every fraction an experiment reports comes with its sample size and a 95% interval, and
every fitted exponent with a bootstrap interval.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .display import compact_repr

__all__ = ["Z95", "Proportion", "wilson", "bootstrap_interval", "PowerLaw", "fit_power_law"]

#: The two-sided 95% quantile of the standard normal distribution.
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Proportion:
    """k successes out of n, with the 95% Wilson score interval [lo, hi] (NaN when n = 0)."""

    __repr__ = compact_repr

    k: int
    n: int
    fraction: float
    lo: float
    hi: float


    def as_json(self) -> dict:
        nan = math.isnan(self.fraction)
        return {"k": self.k, "n": self.n, "fraction": None if nan else self.fraction,
                "lo": None if nan else self.lo, "hi": None if nan else self.hi}


def wilson(k: int, n: int, z: float = Z95) -> Proportion:
    """The Wilson score interval for a binomial proportion (Wilson 1927).

    p̂ = k/n; centre (p̂ + z²/2n)/(1 + z²/n); half-width z√(p̂(1−p̂)/n + z²/4n²)/(1 + z²/n).
    Unlike the normal approximation it stays inside [0, 1] and is not empty at k = 0 or k = n.
    """
    if n == 0:
        return Proportion(0, 0, math.nan, math.nan, math.nan)
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    # At k = 0 (k = n) the lower (upper) end is exactly 0 (1); keep it so, not 1e-17 off.
    return Proportion(k, n, p, 0.0 if k == 0 else max(0.0, c - h), 1.0 if k == n else min(1.0, c + h))


def bootstrap_interval(samples, statistic=np.median, *, n_boot: int = 2000, seed: int = 0,
                       level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of ``statistic`` over resamples of ``samples`` (seeded)."""
    x = np.asarray(samples, dtype=float)
    rng = np.random.default_rng(seed)
    boots = np.array([statistic(x[rng.integers(0, x.size, x.size)]) for _ in range(n_boot)])
    a = (1 - level) / 2
    return float(np.quantile(boots, a)), float(np.quantile(boots, 1 - a))


@dataclass(frozen=True)
class PowerLaw:
    """y ≈ c·x^(−a) fitted by least squares on log y against log x.

    a: the exponent; a_lo, a_hi: its 95% bootstrap interval (resampling the raw samples of
    each x, the statistic re-taken, the fit redone); c: the prefactor.
    """

    __repr__ = compact_repr

    a: float
    a_lo: float
    a_hi: float
    c: float



def fit_power_law(xs, sample_sets, statistic=np.median, *, n_boot: int = 2000, seed: int = 0) -> PowerLaw:
    """Fit statistic(samples at x) ≈ c·x^(−a) over the xs; bootstrap the samples for a's interval."""
    lx = np.log(np.asarray(xs, dtype=float))
    sets = [np.asarray(s, dtype=float) for s in sample_sets]

    def fit(ys):
        slope, icpt = np.polyfit(lx, np.log(ys), 1)
        return -slope, math.exp(icpt)

    a, c = fit([statistic(s) for s in sets])
    rng = np.random.default_rng(seed)
    boots = [fit([statistic(s[rng.integers(0, s.size, s.size)]) for s in sets])[0] for _ in range(n_boot)]
    return PowerLaw(float(a), float(np.quantile(boots, 0.025)), float(np.quantile(boots, 0.975)), float(c))
