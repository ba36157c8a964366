"""Convergence orders of the edge-of-stability prediction against high-precision GD.

Derived here (docs/theory.md §5; numerics.eos). For a P = 2 model (a = ω₁ + ω₂,
b = ω₁ω₂, Ẽ = ηE; η = 1 here, so z̃ = z and T = λ) put the initial state at
(z̃₀, T₀) = (0, 2) + ε·(d_z, d_y) for ε on a geometric sequence. GD is run with
numerics.engines.gd_mp.run_gd at ``dps`` digits until |z̃| < tol, giving T_∞^GD; the
order-N prediction T_∞^(N) of numerics.eos then has the relative error

    e_N(ε) = |T_∞^(N) − T_∞^GD| / (2 − T_∞^GD) = O(ε^{N−1}),

since H∘F² − H = O(ε^{N+2}) per two steps over O(1/ε) steps, against H = O(ε²).
The fitted slope of log e_N against log ε must be N − 1 within ±0.3.

The simulated value must be far more accurate than the smallest error: the run
for the smallest ε of each set is repeated at doubled precision with tol², and
the difference (``sim_error``) must be 1000 times below the smallest absolute
error of a prediction.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import mpmath

from .predict import EOSStatus, predict_eos
from ..engines.gd_mp import GDStatus, run_gd
from ..precision import to_fraction
from ..problem import Problem, from_state
from ..validate import InputError
from ..display import compact_repr

__all__ = ["ParameterSet", "PARAMETER_SETS", "state_problem", "edge_problem", "mpf_fraction", "ConvergenceResult", "convergence_orders",
           "loglog_slope", "SLOPE_BAND"]

#: Allowed deviation of the fitted slope from N − 1.
SLOPE_BAND = 0.3


@dataclass(frozen=True)
class ParameterSet:
    """ω = (ω₁, ω₂), Ẽ, and the direction (d_z, d_y) of the initial offset from (0, 2)."""

    name: str
    omegas: tuple[Fraction, Fraction]
    Et: Fraction
    direction: tuple[Fraction, Fraction]

    __repr__ = compact_repr


_F = Fraction
#: Asymmetric and symmetric ω, Ẽ of both signs, states above and below T = 2, both signs of z̃.
PARAMETER_SETS = (
    ParameterSet("A: w=(1,-1), E=1/5, z>0, T>2", (_F(1), _F(-1)), _F(1, 5), (_F(1), _F(1))),
    ParameterSet("B: w=(3/2,-1/2), E=-1/4, z<0, T<2", (_F(3, 2), _F(-1, 2)), _F(-1, 4), (_F(-1), _F(-1, 2))),
    ParameterSet("C: w=(2,1/2), E=1, z>0, T<2", (_F(2), _F(1, 2)), _F(1), (_F(1, 2), _F(-1))),
    ParameterSet("D: w=(1,-3), E=-1/10, z<0, T>2", (_F(1), _F(-3)), _F(-1, 10), (_F(-1), _F(1))),
)


def state_problem(omegas, Et, zt0, T0) -> Problem:
    """The η = 1 P = 2 problem with state (z̃₀, T₀) and Ẽ (exact Fractions).

    The modes follow from J̃₁² + J̃₂² = T₀ and J̃₁²/ω₁ + J̃₂²/ω₂ = 2(z̃₀ + Ẽ) (docs/theory.md §4);
    from_state raises InputError if one comes out negative (state not admissible).
    """
    w1, w2 = (Fraction(w) for w in omegas)
    zt0, T0, Et = Fraction(zt0), Fraction(T0), Fraction(Et)
    if w1 == w2 or w1 * w2 == 0:
        raise InputError(f"omegas={omegas!r}: expected two distinct nonzero eigenvalues; pass e.g. 1,-1")
    J2_2 = (2 * (zt0 + Et) - T0 / w1) / (1 / w2 - 1 / w1)
    return from_state((w1, w2), zt0, (T0 - J2_2, J2_2), 1)


def mpf_fraction(x) -> Fraction:
    """An mpf (or a float) as the exact Fraction it represents (no rounding, sign kept)."""
    try:
        return to_fraction(x if isinstance(x, mpmath.mpf) else float(x))
    except ValueError:
        raise InputError(f"x={x!r}: expected a finite number") from None


def edge_problem(pset: ParameterSet, eps: Fraction) -> Problem:
    """The η = 1 problem with state (z̃₀, T₀) = (0, 2) + ε·direction (exact)."""
    return state_problem(pset.omegas, pset.Et, eps * pset.direction[0], 2 + eps * pset.direction[1])


def loglog_slope(xs, ys) -> float:
    """Least-squares slope of log y against log x (float64: a fit, not a high-precision value)."""
    lx = [math.log(float(x)) for x in xs]
    ly = [float(mpmath.log(y)) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    return sum((u - mx) * (v - my) for u, v in zip(lx, ly)) / sum((u - mx) ** 2 for u in lx)


@dataclass(frozen=True)
class ConvergenceResult:
    """Errors and fitted slopes of the order-N predictions, per parameter set.

    epsilons: the ε values. orders: the N values. errors[set][N]: e_N(ε) per ε (mpf).
    simulated[set]: T_∞^GD per ε. slopes[set][N]: fitted slope. sim_error: the largest
    |T_∞^GD(dps, tol) − T_∞^GD(2·dps, tol²)| over the smallest ε of each set. min_error:
    the smallest e_N times (2 − T_∞) (absolute). dps, tol: simulation settings.
    ok: every slope within N − 1 ± SLOPE_BAND and sim_error < min_error / 1000.
    """

    sets: tuple[str, ...]
    epsilons: tuple[Fraction, ...]
    orders: tuple[int, ...]
    errors: dict
    simulated: dict
    slopes: dict
    sim_error: mpmath.mpf
    min_error: mpmath.mpf
    dps: int
    tol: Fraction

    __repr__ = compact_repr

    @property
    def ok(self) -> bool:
        slopes_ok = all(abs(self.slopes[s][N] - (N - 1)) <= SLOPE_BAND for s in self.sets for N in self.orders)
        return slopes_ok and self.sim_error < self.min_error / 1000


def convergence_orders(*, orders=(2, 3, 4, 5), epsilons=None, sets=PARAMETER_SETS, dps: int = 60,
                       tol=Fraction(1, 10 ** 30)) -> ConvergenceResult:
    """Measure e_N(ε) for every parameter set, ε and order N; fit the log-log slopes.

    epsilons default to 0.02·2^(−m), m = 0..5.
    """
    if epsilons is None:
        epsilons = tuple(Fraction(1, 50) / 2 ** m for m in range(6))
    epsilons = tuple(Fraction(e) for e in epsilons)
    if len(epsilons) < 2:
        raise InputError(f"epsilons={epsilons!r}: expected at least 2 values to fit a slope; pass more")
    tol = Fraction(tol)
    errors, simulated, slopes = {}, {}, {}
    sim_error = mpmath.mpf(0)
    min_error = mpmath.inf
    for pset in sets:
        errors[pset.name] = {N: [] for N in orders}
        simulated[pset.name] = []
        for eps in epsilons:
            prob = edge_problem(pset, eps)
            run = run_gd(prob, dps=dps, tol=tol, max_steps=10 ** 7)
            if run.status is not GDStatus.CONVERGED:
                raise RuntimeError(f"{pset.name}, eps={eps}: GD ended with {run.status.message}")
            with mpmath.workdps(dps):
                T_sim = +run.eta_ntk
                simulated[pset.name].append(T_sim)
                for N in orders:
                    pred = predict_eos(prob, order=N, dps=dps)
                    if pred.status is not EOSStatus.OK:
                        raise RuntimeError(f"{pset.name}, eps={eps}, N={N}: {pred.message}")
                    err = abs(pred.eta_ntk - T_sim) / (2 - T_sim)
                    errors[pset.name][N].append(err)
                    min_error = min(min_error, err * (2 - T_sim))
        # The simulation's own error, at the smallest ε (the slowest, most demanding run).
        prob = edge_problem(pset, epsilons[-1])
        ref = run_gd(prob, dps=2 * dps, tol=tol * tol, max_steps=10 ** 7)
        with mpmath.workdps(2 * dps):
            sim_error = max(sim_error, abs(ref.eta_ntk - simulated[pset.name][-1]))
        slopes[pset.name] = {N: loglog_slope(epsilons, errors[pset.name][N]) for N in orders}
    return ConvergenceResult(tuple(p.name for p in sets), epsilons, tuple(orders), errors, simulated, slopes,
                             sim_error, min_error, dps, tol)
