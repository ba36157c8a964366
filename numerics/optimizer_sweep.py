"""float64 sweeps of an optimizer over (η, hyper-parameter): the generated moment maps on numpy arrays.

Derived here (docs/theory.md §7). The generated maps ``opt_*`` of ``numerics._derived``
(the same functions numerics.optimizer runs in mpmath) are evaluated on numpy arrays,
one entry per grid point (η_j, h_k): z̃ = ηz, J̃(ω_i)² = ηJ(ω_i)², and the η-rescaled
hyper-parameter from the generated rescaling (ρ̃ = ρ/η for SAM, β for momentum).
Momentum starts with zero velocity (θ⁻ = θ₀). Every point runs ``steps`` steps, or
until it has settled:

- "converged": |z̃| ≤ tol (and, with momentum, the velocity Σ(J̃² − 2K̃ + L̃) ≤ tol);
- "diverged": |z̃| or T above ``blowup`` (default 2³⁰) times the point's initial scale
  max(1, |z̃₀|, T₀, |Ẽ|), or non-finite: the divergence rule of every engine (numerics.status);
- "running": neither within the step budget.

The edge T*(h̃) = η·λ* at each point is the generated closed form ``opt_*_edge`` in
float64. float64 throughout: a sweep, not a high-precision value.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _derived as D
from .display import compact_repr
from .optimizer import MomentMap, OPTIMIZER_KEYS, parse_optimizer
from .problem import Problem
from .status import DIVERGENCE_FACTOR
from .validate import InputError, positive_int

__all__ = ["OptimizerSweep", "sweep_optimizer", "SWEEP_STATUS"]

#: Status codes of a swept point.
SWEEP_STATUS = {0: "running", 1: "converged", 2: "diverged"}


@dataclass(frozen=True)
class OptimizerSweep:
    """A grid of float64 runs of ``optimizer`` (key) over η (columns) and its hyper-parameter h (rows).

    eta: (n_eta,). hyper: (n_h,) unscaled ρ or β. eta_ntk: (n_h, n_eta) final ηλ. status:
    (n_h, n_eta) codes of :data:`SWEEP_STATUS`. edge: (n_h, n_eta) T* at each point (float64).
    eta_ntk0: (n_eta,) initial ηλ. steps: step budget. tol, blowup: settling thresholds.
    """

    optimizer: str
    eta: np.ndarray
    hyper: np.ndarray
    eta_ntk: np.ndarray
    status: np.ndarray
    edge: np.ndarray
    eta_ntk0: np.ndarray
    steps: int
    tol: float
    blowup: float

    __repr__ = compact_repr

    def columns(self) -> dict[str, np.ndarray]:
        """The table of runs, column by column, row-major over (h, η): float64 columns and ``status`` codes."""
        n_h = self.hyper.size
        return {"eta": np.tile(self.eta, n_h), "hyper": np.repeat(self.hyper, self.eta.size),
                "eta_ntk0": np.tile(self.eta_ntk0, n_h), "final_eta_ntk": self.eta_ntk.reshape(-1),
                "edge": self.edge.reshape(-1), "status": self.status.reshape(-1)}

    def counts(self) -> dict:
        return {name: int(np.sum(self.status == code)) for code, name in SWEEP_STATUS.items()}


def sweep_optimizer(problem: Problem, optimizer: str, eta_values, hyper_values, *, steps: int = 4000,
                    tol: float = 1e-12, blowup: float = float(DIVERGENCE_FACTOR)) -> OptimizerSweep:
    """Run ``optimizer`` (key: "gd", "sam", "heavy-ball", "nesterov") from ``problem``'s initial state
    (its z₀ and J(ω_i)², unscaled; its own η is ignored) at every (η, h) of the grid, in float64."""
    if not isinstance(problem, Problem):
        raise InputError(f"problem={problem!r}: expected a numerics.Problem; build one with from_theta or from_state")
    if optimizer not in OPTIMIZER_KEYS:
        raise InputError(f"optimizer={optimizer!r}: expected one of {', '.join(OPTIMIZER_KEYS)}")
    steps = positive_int("steps", steps, maximum=10 ** 7)
    eta = np.asarray(eta_values, dtype=float).reshape(-1)
    hyp = np.asarray(hyper_values if OPTIMIZER_KEYS[optimizer] else [0.0], dtype=float).reshape(-1)
    if eta.size == 0 or not np.all(np.isfinite(eta)) or np.any(eta <= 0):
        raise InputError(f"eta_values={eta_values!r}: expected finite step sizes > 0; pass e.g. [0.1, 0.2]")
    if not np.all(np.isfinite(hyp)) or np.any(hyp < 0):
        raise InputError(f"hyper_values={hyper_values!r}: expected finite values >= 0; pass e.g. [0, 0.5]")
    if optimizer in ("heavy-ball", "nesterov") and np.any(hyp >= 1):
        raise InputError(f"hyper_values={hyper_values!r}: momentum needs 0 <= beta < 1; pass e.g. [0, 0.5, 0.9]")
    key = optimizer
    spec = parse_optimizer(key if OPTIMIZER_KEYS[key] is None else f"{key}:{OPTIMIZER_KEYS[key]}=0")
    py = spec.py
    H, ETA = np.meshgrid(hyp, eta, indexing="ij")
    eta_f, h_f = ETA.reshape(-1), H.reshape(-1)
    hyper = {}
    if OPTIMIZER_KEYS[key] is not None:
        tilde = "rhot" if OPTIMIZER_KEYS[key] == "rho" else "beta"
        hyper[tilde] = getattr(D, f"opt_{py}_{tilde}")(eta_f, h_f)
    w = tuple(float(x) for x in problem.omegas)
    step = MomentMap(spec, w, hyper, total=sum)
    zt = eta_f * float(problem.z0)
    J = [eta_f * float(j) for j in problem.J2]
    scalars = (zt, zt.copy(), zt.copy()) if spec.memory else (zt,)
    modes = tuple((j, j.copy(), j.copy()) if spec.memory else (j,) for j in J)
    n = eta_f.size
    status = np.zeros(n, dtype=np.int8)
    T0 = sum(m[0] for m in modes)
    big = blowup * np.maximum.reduce([np.ones(n), np.abs(zt), T0, np.abs(eta_f * float(problem.E))])
    with np.errstate(all="ignore"):
        for _ in range(steps):
            scalars, modes = step.step(scalars, modes)
            T = sum(m[0] for m in modes)
            z = scalars[0]
            bad = ~(np.isfinite(z) & np.isfinite(T)) | (np.abs(z) > big) | (T > big)
            status[(status == 0) & bad] = 2
            vel = sum(m[0] - 2 * m[1] + m[2] for m in modes) if spec.memory else 0.0
            done = (np.abs(z) <= tol) & (np.abs(vel) <= tol)
            status[(status == 0) & done] = 1
            if np.all(status != 0):
                break
        T = sum(m[0] for m in modes)
    edge_fn = getattr(D, f"opt_{py}_edge")
    args = list(hyper.values())
    edge = np.asarray(edge_fn(*args) if args else np.full(n, float(edge_fn())), dtype=float) * np.ones(n)
    shape = (hyp.size, eta.size)
    return OptimizerSweep(key, eta, hyp, T.reshape(shape), status.reshape(shape), edge.reshape(shape), T0[:eta.size],
                          steps, float(tol), float(blowup))
