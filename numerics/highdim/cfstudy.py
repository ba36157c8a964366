"""Central-flow studies shared by `sorm experiment centralflow` and the claims.

- :func:`highdim_study`: one high-D instance; GD, the central flow and projected GD from θ₀ = 0
  (:func:`.centralflow.compare`), summarized over GD's EOS phase: the steps from the first to the
  last with ηS_t ≥ 2 (S = λ_max(∇²L), the loss sharpness, at each GD step, not averaged).
  loss_rel_error: median over the phase of |L̄_GD − (L + tr Σ/η)|/L̄_GD (L̄ two-step averages);
  sharpness_band: the 90% quantile over the phase of |ηS̄_GD − 2|.
- :func:`planar_study`: the one-output model (D = 1, the paper's model, ω = (ω₁, ω₂)) from starts
  (z̃₀, T₀) = (ε, 2 + bε) at η = 1: GD's final ηλ_∞ (float64, θ-space), the central flow's, and the
  order-N normal form's (:func:`sorm.numerics.predict_eos`), with the log–log slopes of
  |flow − GD| and |GD − normal form| against ε (derived here).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..display import compact_repr
from ..validate import exact_list, positive, positive_int, positive_list
from .centralflow import Comparison, compare, planar_instance
from .model import eta_for, random_instance

__all__ = ["HighDStudy", "highdim_study", "PlanarRow", "PlanarStudy", "planar_study"]


@dataclass(frozen=True, eq=False)
class HighDStudy:
    """A high-D central-flow comparison and its EOS-phase summary (module docstring)."""

    __repr__ = compact_repr

    D: int
    P: int
    eps: float
    eta_frac: float
    seed: int
    cmp: Comparison
    start: int
    end: int


    @property
    def phase(self) -> slice:
        return slice(self.start, self.end + 1)

    @property
    def flow_edge_steps(self) -> int:
        """Integer times at which the flow held an edge direction, before it converged."""
        fl = self.cmp.flow
        stop = len(fl.directions) if fl.converged_at is None else int(fl.converged_at) + 1
        return int(np.sum(fl.directions[:stop] >= 1))

    @property
    def eos_steps(self) -> int:
        return max(0, self.end - self.start + 1)

    def _rel(self, pred) -> float:
        if self.eos_steps == 0:
            return math.nan
        meas = self.cmp.gd_loss[self.phase]
        return float(np.median(np.abs(meas - np.asarray(pred)[self.phase]) / meas))

    @property
    def loss_rel_error(self) -> float:
        return self._rel(self.cmp.flow.predicted_loss)

    @property
    def pgd_loss_rel_error(self) -> float:
        """The same median for projected GD's loss L(θ_PGD) (its prediction carries no oscillation term)."""
        return self._rel(self.cmp.pgd_loss)

    @property
    def sharpness_deviation(self) -> np.ndarray:
        return np.abs(self.cmp.gd_sharpness[self.phase] - 2.0)

    @property
    def sharpness_band(self) -> float:
        d = self.sharpness_deviation
        return float(np.quantile(d, 0.9)) if d.size else math.nan

    def as_json(self) -> dict:
        c, fl = self.cmp, self.cmp.flow
        ph = self.phase
        nan = lambda x: None if not math.isfinite(x) else x  # noqa: E731
        return {"D": self.D, "P": self.P, "eps": self.eps, "eta_frac": self.eta_frac,
                "seed": self.seed, "eta": c.eta, "steps": c.steps, "gd_diverged_at": c.gd_diverged_at,
                "flow_status": fl.status.name.lower(),
                "flow_status_message": fl.status.message,
                "flow_converged_at": fl.converged_at, "flow_edge_steps": self.flow_edge_steps,
                "flow_max_directions": int(fl.directions.max(initial=0)), "flow_switches": len(fl.switches),
                "eos_phase": [self.start, self.end] if self.eos_steps else None, "eos_steps": self.eos_steps,
                "loss_rel_error": nan(self.loss_rel_error), "pgd_loss_rel_error": nan(self.pgd_loss_rel_error),
                "sharpness_band": nan(self.sharpness_band),
                "sharpness_max_deviation": nan(float(self.sharpness_deviation.max())) if self.eos_steps else None,
                "dist_flow_median": nan(float(np.median(c.dist_flow[ph]))) if self.eos_steps else None,
                "dist_pgd_median": nan(float(np.median(c.dist_pgd[ph]))) if self.eos_steps else None,
                "pgd_projection_failures": c.pgd_projection_failures}


def highdim_study(D: int = 16, p_ratio: int = 8, eps: float = 0.1, eta_frac: float = 0.9, seed: int = 1,
                  steps: int = 300) -> HighDStudy:
    """Compare GD, the central flow and projected GD on one seeded instance (module docstring)."""
    D, p_ratio, steps = positive_int("D", D), positive_int("p_ratio", p_ratio), positive_int("steps", steps)
    eta_frac = float(positive("eta_frac", eta_frac))
    inst = random_instance(D, p_ratio * D, eps, seed)  # checks eps and the size
    cmp = compare(inst, np.zeros(inst.P), eta_for(inst, eta_frac), steps)
    n = cmp.n
    above = np.flatnonzero(cmp.gd_raw_sharpness[:n] >= 2.0)
    start, end = (int(above[0]), int(above[-1])) if above.size else (0, -1)
    return HighDStudy(D, p_ratio * D, inst.eps, eta_frac, seed, cmp, start, end)


@dataclass(frozen=True)
class PlanarRow:
    """One start (z̃₀, T₀) = (ε, 2 + bε): final ηλ of GD, of the central flow and of the normal form (per order)."""

    __repr__ = compact_repr

    epsilon: float
    z0: float
    T0: float
    gd_final: float
    flow_final: float
    flow_edge_steps: int
    normal_form: dict

    def as_json(self) -> dict:
        return {"epsilon": self.epsilon, "z0": self.z0, "T0": self.T0, "gd_final": self.gd_final,
                "flow_final": self.flow_final, "flow_edge_steps": self.flow_edge_steps,
                "flow_minus_gd": self.flow_final - self.gd_final,
                "normal_form_final": {str(k): v for k, v in self.normal_form.items()},
                "gd_minus_normal_form": {str(k): self.gd_final - v for k, v in self.normal_form.items()}}


@dataclass(frozen=True)
class PlanarStudy:
    """Rows over ε and the slopes of log|difference| against log ε (gap: flow − GD; residual[N]: GD − NF_N)."""

    __repr__ = compact_repr

    omegas: tuple
    direction: float
    split: float
    rows: tuple[PlanarRow, ...]
    gap_slope: float
    residual_slopes: dict

    def as_json(self) -> dict:
        return {"omegas": list(self.omegas), "T0_direction_b": self.direction,
                "J2_split": self.split, "rows": [r.as_json() for r in self.rows], "gap_slope": self.gap_slope,
                "residual_slopes": {str(k): v for k, v in self.residual_slopes.items()}}


def _slope(xs, ys) -> float:
    return float(np.polyfit(np.log(xs), np.log(np.abs(ys)), 1)[0])


def planar_study(omegas=(1.0, -1.0), amplitudes=(0.04, 0.02, 0.01, 0.005), *, direction: float = -1.0,
                 split: float = 0.6, orders=(2, 3)) -> PlanarStudy:
    """Final ηλ of GD, central flow and normal form from (z̃₀, T₀) = (ε, 2 + bε), J(ω_i)² = (s, 1 − s)·T₀, η = 1."""
    from ..eos.predict import predict_eos
    from ..problem import from_state
    from .centralflow import central_flow, gd_path

    omegas = [float(w) for w in exact_list("omegas", omegas, length=2)]
    amplitudes = [float(a) for a in positive_list("amplitudes", amplitudes)]
    rows = []
    for e in amplitudes:
        z0, T0 = float(e), 2.0 + direction * float(e)
        J2 = (T0 * split, T0 * (1 - split))
        pr = from_state(list(omegas), repr(z0), [repr(J2[0]), repr(J2[1])], 1)
        inst, th0 = planar_instance(omegas, np.sqrt(np.array(J2)) / np.abs(np.array(omegas, dtype=float)),
                                    float(pr.E))
        th, _, _, _ = gd_path(inst, th0, 1.0, 200_000, tol=1e-26)
        J = inst.jacobian(th[-1])
        flow = central_flow(inst, th0, 1.0, 10_000, tol=1e-26)
        Jf = inst.jacobian(flow.theta[-1])
        nf = {N: float(predict_eos(pr, order=N).eta_ntk) for N in orders}
        rows.append(PlanarRow(float(e), z0, T0, float((J @ J.T)[0, 0]), float((Jf @ Jf.T)[0, 0]),
                              int(np.sum(flow.directions >= 1)), nf))
    eps = [r.epsilon for r in rows]
    return PlanarStudy(tuple(float(w) for w in omegas), direction, split, tuple(rows),
                       _slope(eps, [r.flow_final - r.gd_final for r in rows]),
                       {N: _slope(eps, [r.gd_final - r.normal_form[N] for r in rows]) for N in orders})
