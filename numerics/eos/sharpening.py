"""A float64 scan for gradual progressive sharpening in the 2-D model (a search, not a proof).

Derived here (docs/theory.md §3–§5). With ω = (1, w) the map is scale-free and ω → −ω with
z̃ → −z̃ is a symmetry, so w ∈ (−1, 1) covers every P = 2 model. Each run starts at
ηλ₀ = T₀ with weight p = J̃(ω₁)²/T₀ on the first mode and residual z̃₀, and steps the
generated η-rescaled GD map (``gd_zt_next``, ``gd_J2t_next`` of numerics._derived) on numpy
arrays. Ẽ comes from the invariant Σ J̃(ω_i)²/ω_i − 2z̃ = 2Ẽ and the edge weights
J̃(ω_i)² at (z̃, T) = (0, 2) from ``planar_J2t``. A run that leaves the divergence bound of
numerics.status is dropped.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._derived import gd_J2t_next, gd_zt_next, invariant_2E, invariant_term, planar_J2t
from ..display import compact_repr
from ..status import DIVERGENCE_FACTOR

__all__ = ["SharpeningSearch", "sharpening_search"]


@dataclass(frozen=True, repr=False)
class SharpeningSearch:
    """What the scan found: over the ``hits`` (runs that converged to ηλ in (1.95, 2) with k > 0),
    the most steps until ηλ first reached 1.9, the longest initial monotone rise, and the smallest
    largest single-step increase of ηλ before 1.9 (None where there was no hit)."""

    seed: int
    runs: int
    steps: int
    t0_min: float
    hits: int
    max_steps_to_1_9: int | None
    max_monotone_steps: int | None
    min_largest_jump: float | None

    __repr__ = compact_repr


def sharpening_search(seed: int, n: int = 20_000, steps: int = 1500, t0_min: float = 0.01) -> SharpeningSearch:
    """Scan ``n`` random 2-D GD runs of ``steps`` steps for gradual progressive sharpening.

    w ~ U(−1, 1) (|w| ≥ 0.05), T₀ = ηλ₀ log-uniform in [t0_min, 1.5], p ~ U(0.02, 0.98),
    z̃₀ = ±10^U(−3, 0.5). A run is a hit if it converges (|z̃| < 1e−6) to T_∞ in (1.95, 2)
    with both edge weights J̃(ω_i)² ≥ 0.02 at (0, 2) (so k > 0).
    """
    rng = np.random.default_rng(seed)
    w = rng.uniform(-1, 1, n)
    w[np.abs(w) < 0.05] = 0.5
    T0 = 10 ** rng.uniform(np.log10(t0_min), np.log10(1.5), n)
    p = rng.uniform(0.02, 0.98, n)
    zt = rng.choice([-1.0, 1.0], n) * 10 ** rng.uniform(-3, 0.5, n)
    a1, a2 = T0 * p, T0 * (1 - p)
    Et = invariant_2E(zt, invariant_term(1.0, a1) + invariant_term(w, a2)) / 2
    e1, e2 = planar_J2t(0.0, 2.0, 1.0, w, Et)
    big = DIVERGENCE_FACTOR * np.max([np.ones(n), np.abs(zt), T0, np.abs(Et)], axis=0)  # status.divergence_bound
    reach = np.full(n, -1)
    mono = np.ones(n, bool)
    n_mono = np.zeros(n, int)
    jump = np.zeros(n)
    with np.errstate(all="ignore"):
        for t in range(steps):
            T = a1 + a2
            zt, a1, a2 = gd_zt_next(zt, T, a1 + w * a2), gd_J2t_next(zt, 1.0, a1), gd_J2t_next(zt, w, a2)
            Tn = a1 + a2
            before = reach < 0
            jump = np.where(before, np.maximum(jump, Tn - T), jump)
            mono &= ~(before & (Tn < T))
            n_mono += mono & before
            reach = np.where(before & (Tn >= 1.9), t + 1, reach)
            gone = ~np.isfinite(zt) | ~np.isfinite(Tn) | (np.abs(zt) > big) | (Tn > big)
            zt[gone], a1[gone] = 0.0, np.nan
    Tf = a1 + a2
    hit = (np.minimum(e1, e2) >= 0.02) & (Tf > 1.95) & (Tf < 2) & (np.abs(zt) < 1e-6) & (reach > 0)
    found = bool(hit.any())
    return SharpeningSearch(
        seed=seed, runs=n, steps=steps, t0_min=t0_min, hits=int(hit.sum()),
        max_steps_to_1_9=int(reach[hit].max()) if found else None,
        max_monotone_steps=int(n_mono[hit].max()) if found else None,
        min_largest_jump=float(jump[hit].min()) if found else None)
