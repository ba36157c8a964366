"""The numpy back end of the float64 batch engine: a settle-and-compact loop of numpy ufuncs.

It runs a traced step (:mod:`numerics.compile.float64`) over arrays of
trajectories; every ``check_every`` steps it flushes subnormal state values to 0
and, with ``settle``, classifies and drops the trajectories that have settled.
The numba kernels of :mod:`numerics.engines.kernel` follow the same rules, so the
two back ends give the same numbers.
"""
from __future__ import annotations

import math

import numpy as np

from .classes import TrajectoryClass

__all__ = ["Loop", "chunk", "TINY", "EDGE", "RESCALE", "LN_RESCALE", "lyapunov"]

#: Smallest normal float64: state values below it in magnitude are flushed to 0 at the checks.
TINY = 2.2250738585072014e-308

#: The Lyapunov tail's tangent vector is rescaled by RESCALE⁻¹ (or RESCALE) when a component exceeds EDGE in
#: magnitude (or both are below 1/EDGE): powers of two, so exact, and one count in the exponent per rescaling.
#: A step that grows or shrinks the vector by a factor within [2^-512, 2^512] (≈ 1e±154) leaves its larger component
#: in [2^-256, 2^256] after the rescaling, so under such steps it never leaves float64's range: far beyond the
#: Jacobian of a run that has not diverged. (A step out of that band can still be rescaled once, but repeated, it
#: drifts to overflow or underflow.)
EDGE, RESCALE = 2.0**256, 2.0**512
#: log(RESCALE), what one count in the exponent adds to the log of the tangent vector's norm.
LN_RESCALE = 512 * math.log(2.0)


def chunk(done: int, steps: int, check_every: int) -> int:
    """Steps until the next check: ``check_every``, but never leaving a last chunk of one step."""
    k = min(check_every, steps - done)
    return k + 1 if steps - done - k == 1 else k


class Loop:
    """The settle-and-compact loop shared by both engines.

    A concrete engine supplies ``state`` (a list of arrays over the active
    trajectories, each 1-D; index 0 is z̃), ``T_of(state)``, ``step(state, params)`` returning the
    new state, and optionally ``tangent(state, params, v)`` for the Lyapunov tail.
    """

    def __init__(self, n, steps, tol, blowup, check_every, settle, lyap_steps, lyap_min, ptol, progress):
        self.n, self.steps, self.tol, self.blowup = n, steps, tol, blowup
        self.check_every, self.settle = check_every, settle
        self.lyap_steps, self.lyap_min, self.ptol, self.progress = lyap_steps, lyap_min, ptol, progress
        self.classes = np.full(n, -1, dtype=np.int8)
        self.steps_run = np.zeros(n, dtype=np.int64)
        self.lyap = np.full(n, np.nan)

    def run(self, state, params, T_of, step, tangent=None):
        """Iterate; returns (final state arrays over all n trajectories, max_T)."""
        n = self.n
        idx = np.arange(n)
        final = [np.array(s, dtype=float, copy=True) for s in state]
        state = [np.array(s, dtype=float, copy=True) for s in state]
        T = T_of(state)
        maxT = T.copy()
        max_all = np.empty(n)
        tail_from = self.steps - self.lyap_steps if tangent is not None else self.steps + 1
        v = ex = None
        done = 0
        with np.errstate(all="ignore"):
            while done < self.steps and idx.size:
                k = chunk(done, self.steps, self.check_every)
                prev2 = prev1 = None
                for i in range(k):
                    if i == k - 2:
                        prev2 = [s.copy() for s in state]
                    if i == k - 1:
                        prev1 = state[0].copy()
                    if done + i >= tail_from:
                        if v is None:
                            v = [np.full(idx.size, math.sqrt(0.5)), np.full(idx.size, math.sqrt(0.5))]
                            ex = np.zeros(idx.size)
                        v = self._tangent_step(tangent, state, params, v, ex)
                    state = step(state, params)
                    T = T_of(state)
                    np.fmax(maxT, T, out=maxT)
                done += k
                if self.progress is not None:
                    self.progress(k * idx.size)
                for s in (*state, prev1):  # prev1 too: a residual flushed on both steps has no ratio
                    s[np.abs(s) < TINY] = 0.0
                if not (self.settle or done >= self.steps):
                    continue
                keep = self._settle(idx, state, T, maxT, prev1, prev2, done, final, max_all, v, ex,
                                    last=done >= self.steps)
                if not keep.all():
                    idx = idx[keep]
                    state = tuple(s[keep] for s in state)
                    params = [p[keep] for p in params]
                    T, maxT = T[keep], maxT[keep]
                    if v is not None:
                        v = [x[keep] for x in v]
                        ex = ex[keep]
        return final, max_all

    @staticmethod
    def _tangent_step(tangent, state, params, v, ex):
        """One step of the tangent vector ``v``, rescaled by a power of two out of range (counted in ``ex``)."""
        w0, w1 = tangent(state, params, v)
        g0, g1 = np.abs(w0), np.abs(w1)
        up, dn = (g0 > EDGE) | (g1 > EDGE), (g0 < 1 / EDGE) & (g1 < 1 / EDGE)
        s = np.where(up, 1 / RESCALE, np.where(dn, RESCALE, 1.0))
        ex += up
        ex -= dn
        return [w0 * s, w1 * s]

    def _settle(self, idx, state, T, maxT, prev1, prev2, done, final, max_all, v, ex, last):
        """Classify the active trajectories that have settled; return the mask of those still running."""
        zt = state[0]
        absz = np.abs(zt)
        diverged = ~np.isfinite(zt) | ~np.isfinite(T) | (absz > self.blowup) | (T > self.blowup)
        # convergence from the residual alone (see numerics.engines.batch): T is not consulted
        rho = absz / np.abs(prev1)  # nan on the line (0/0), inf leaving it
        converged = ~diverged & (zt != 0) & (rho < 1) & (absz <= self.tol * (1.0 - rho))
        on_line = ~diverged & (zt == 0) & (np.abs(1.0 - T) < 1)  # exactly fixed: classed by 1 - T alone
        converged |= on_line
        unstable = ~diverged & ~converged & ((zt == 0) | (last & (absz <= self.tol) & ~(rho < 1)))
        period2 = np.zeros_like(converged)
        if prev2 is not None:
            scale_z = np.maximum(absz, self.tol)
            same = np.abs(zt - prev2[0]) <= self.ptol * scale_z
            for s, p in zip(state[1:], prev2[1:]):
                same &= np.abs(s - p) <= self.ptol * np.maximum(np.abs(s), 1e-300)
            period2 = ~diverged & ~converged & same & (absz > self.tol)
        # nothing moves, or a repeat with T itself below ptol (the modes died out, z~ stalls): overrides both
        no_gradient = ~diverged & (zt != 0) & ((T == 0) | period2 & (T <= self.ptol))
        settled = diverged | converged | unstable | period2 | no_gradient
        if last:
            settled = np.ones_like(settled)
        if not settled.any():
            return np.ones(idx.size, dtype=bool)
        cls = np.full(idx.size, TrajectoryClass.BOUNDED, dtype=np.int8)
        if v is not None and last:
            lyap = lyapunov(v[0], v[1], ex, self.lyap_steps)
            tail_ran = ~diverged & ~converged & ~unstable & ~period2 & ~no_gradient
            chaotic = tail_ran & np.isfinite(lyap) & (lyap > self.lyap_min)
            cls[chaotic] = TrajectoryClass.CHAOTIC
            self.lyap[idx[tail_ran]] = lyap[tail_ran]
        cls[period2] = TrajectoryClass.PERIOD2
        cls[unstable] = TrajectoryClass.UNSTABLE_FIXED_POINT
        cls[no_gradient] = TrajectoryClass.NO_GRADIENT
        cls[converged] = np.where(maxT[converged] >= 2.0, TrajectoryClass.SELF_STABILIZED,
                                  TrajectoryClass.CONVERGED_BELOW)
        cls[diverged] = TrajectoryClass.DIVERGED
        gone = idx[settled]
        self.classes[gone] = cls[settled]
        self.steps_run[gone] = done
        max_all[gone] = maxT[settled]
        for f, s in zip(final, state):
            f[gone] = s[settled]
        return ~settled


def lyapunov(v0, v1, ex, steps):
    """The largest Lyapunov exponent estimated from the tangent vector (v0, v1) after ``steps`` steps from norm 1.

    λ ≈ (log|v| + ex·log(RESCALE)) / steps: the mean log growth per step of the tangent vector v ↦ J v
    (J: ``planar_jacobian`` along the orbit), rescaled ``ex`` times by 1/RESCALE (ex < 0: by RESCALE) on the
    way. Derived here. Mathematically the sum of the logs of the growths of each step of a vector renormalised
    to norm 1 after every step, one log instead of one per step (a test holds it to that sum to 1e-12
    relative). NaN where |v| is 0 or not finite (a step mapped the tangent vector to 0, or overflowed), as
    that sum. Arrays or floats; the kernels use the same expression.
    """
    h = np.hypot(v0, v1)
    ok = (h > 0) & (h < np.inf)
    return np.where(ok, (np.log(np.where(ok, h, 1.0)) + ex * LN_RESCALE) / steps, np.nan)
