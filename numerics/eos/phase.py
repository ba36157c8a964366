"""Phase diagram of the 2-D model: step size η against one initial-state parameter.

docs/theory.md §4 (derived here): for P = 2 with ω₁ω₂ ≠ 0, ω₁ ≠ ω₂, GD acts on the plane
(z̃, T) = (ηz, ηλ) with parameters a = ω₁ + ω₂, b = ω₁ω₂, Ẽ = ηE. Every grid point
(η, initial-state value) is run in float64 on :func:`numerics.engines.batch.run_planar`
and falls into one of five classes (paper abstract and §2 for the edge of
stability ηλ = 2; the classes themselves are defined here):

- converged below the edge of stability (ηλ stayed < 2 all along);
- converged after the edge of stability (ηλ exceeded 2, then self-stabilized
  and ended below 2);
- period-2 orbit;
- chaotic: bounded, and the largest Lyapunov exponent of the tangent map
  (``planar_jacobian``) over the last steps of the run is positive;
- diverged.

Runs that are bounded but none of these within the step budget are reported as
BOUNDED (a sixth, "undecided" class); a start on the non-attracting part of the
fixed line z = 0 is an UNSTABLE_FIXED_POINT, and a start with ηλ = 0 exactly and z ≠ 0
(every J(ω_i) = 0: nothing moves) is NO_GRADIENT. The figures are in proofs_check.figures.phase.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engines.batch import TrajectoryClass
from ..problem import from_state, from_theta
from ..engines.sweep import SweepResult, sweep
from ..validate import InputError
from ..display import compact_repr

__all__ = ["PhaseResult", "phase_diagram", "PHASE_CLASSES", "LABELS"]

#: Legend labels of the classes.
LABELS = {
    TrajectoryClass.CONVERGED_BELOW: "converged below the EOS",
    TrajectoryClass.SELF_STABILIZED: "converged after the EOS (self-stabilized)",
    TrajectoryClass.PERIOD2: "period 2",
    TrajectoryClass.CHAOTIC: "chaotic (Lyapunov exponent > 0)",
    TrajectoryClass.BOUNDED: "bounded, other (e.g. higher period)",
    TrajectoryClass.DIVERGED: "diverged",
    TrajectoryClass.UNSTABLE_FIXED_POINT: "unstable fixed point (z = 0, eta*lambda >= 2)",
    TrajectoryClass.NO_GRADIENT: "no gradient (eta*lambda = 0, z != 0)",
}

#: The five classes of the phase diagram, in legend order (BOUNDED is the undecided rest).
PHASE_CLASSES = (TrajectoryClass.CONVERGED_BELOW, TrajectoryClass.SELF_STABILIZED, TrajectoryClass.PERIOD2,
                 TrajectoryClass.CHAOTIC, TrajectoryClass.DIVERGED)


@dataclass(frozen=True)
class PhaseResult:
    """A phase diagram: ``classes[j, k]`` is the class at state value ``state_grid[j]`` and ``eta_grid[k]``.

    final_eta_ntk, lyapunov: same shape (final ηλ; Lyapunov exponent per step, NaN
    where not estimated). counts: runs per class name. sweep: the underlying
    :class:`numerics.engines.sweep.SweepResult`.
    """

    eta_grid: np.ndarray
    state_grid: np.ndarray
    vary: str
    classes: np.ndarray
    final_eta_ntk: np.ndarray
    lyapunov: np.ndarray
    counts: dict
    sweep: SweepResult

    __repr__ = compact_repr

    @property
    def omegas(self):
        return self.sweep.omegas


def phase_diagram(omegas, *, z0=None, J2=None, E=None, theta0=None, vary: str = "z0", state_from,
                  state_to, eta_min, eta_max, n_eta: int = 200, n_state: int = 200, steps: int = 10_000,
                  lyap_steps: int = 2000, lyap_min: float = 1e-2, log_eta: bool = True,
                  progress=None) -> PhaseResult:
    """Classify GD of the 2-D model over an n_state × n_eta grid of (initial-state value, η).

    The model is ω = ``omegas`` (two distinct nonzero values) with either
    (``z0``, ``J2``) — unscaled residual and J(ω_i)², E implied by the invariant —
    or (``E``, ``theta0``). ``vary`` ("z0", "J2:i" or "theta0:i") runs linearly from
    ``state_from`` to ``state_to``; η from ``eta_min`` to ``eta_max`` (geometric if
    ``log_eta``). ``steps`` bounds each run; the Lyapunov exponent is estimated
    over its last ``lyap_steps`` steps.
    """
    if (z0 is None) == (E is None) or (z0 is None) != (J2 is None) or (E is None) != (theta0 is None):
        raise InputError("phase_diagram: give either z0 with J2, or E with theta0 (not both, not neither)")
    problem = from_state(omegas, z0, J2) if z0 is not None else from_theta(omegas, E, theta0)
    if problem.planar is None:
        raise InputError(f"omegas={omegas!r}: the phase diagram is for the 2-D model; pass two distinct "
                         "nonzero omegas")
    res = sweep(problem, eta_min=eta_min, eta_max=eta_max, n_eta=n_eta, log_eta=log_eta, vary=vary,
                vary_from=state_from, vary_to=state_to, n_vary=n_state, steps=steps, lyapunov=True,
                lyap_steps=lyap_steps, lyap_min=lyap_min, step_map="planar", progress=progress)
    shape = res.shape
    return PhaseResult(eta_grid=res.eta_grid, state_grid=res.vary_grid, vary=res.vary,
                       classes=res.batch.classes.reshape(shape), final_eta_ntk=res.batch.T.reshape(shape),
                       lyapunov=res.batch.lyapunov.reshape(shape), counts=res.counts(), sweep=res)
