"""Phase diagram of the 2-D model: step size η against one initial-state parameter.

docs/theory.md §4 (derived here): for P = 2 with ω₁ω₂ ≠ 0, ω₁ ≠ ω₂, GD acts on the plane
(z̃, T) = (ηz, ηλ) with parameters a = ω₁ + ω₂, b = ω₁ω₂, Ẽ = ηE. Every grid point
(η, initial-state value) is run in float64 on :func:`numerics.batch.run_planar`
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
BOUNDED (a sixth, "undecided" colour).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..engines.batch import TrajectoryClass
from ..io import save_figure
from ..plotting import CLASS_COLOURS
from ..problem import from_state, from_theta
from ..engines.sweep import SweepResult, sweep
from ..validate import InputError

__all__ = ["PhaseResult", "phase_diagram", "plot_phase", "plot_phase_grid", "PHASE_CLASSES", "LABELS"]

#: Legend labels of the classes.
LABELS = {
    TrajectoryClass.CONVERGED_BELOW: "converged below the EOS",
    TrajectoryClass.SELF_STABILIZED: "converged after the EOS (self-stabilized)",
    TrajectoryClass.PERIOD2: "period 2",
    TrajectoryClass.CHAOTIC: "chaotic (Lyapunov exponent > 0)",
    TrajectoryClass.BOUNDED: "bounded, other (e.g. higher period)",
    TrajectoryClass.DIVERGED: "diverged",
}

#: The five classes of the phase diagram, in legend order (BOUNDED is the undecided rest).
PHASE_CLASSES = (TrajectoryClass.CONVERGED_BELOW, TrajectoryClass.SELF_STABILIZED, TrajectoryClass.PERIOD2,
                 TrajectoryClass.CHAOTIC, TrajectoryClass.DIVERGED)


@dataclass(frozen=True)
class PhaseResult:
    """A phase diagram: ``classes[j, k]`` is the class at state value ``state_grid[j]`` and ``eta_grid[k]``.

    final_eta_ntk, lyapunov: same shape (final ηλ; Lyapunov exponent per step, NaN
    where not estimated). counts: runs per class name. sweep: the underlying
    :class:`numerics.sweep.SweepResult`.
    """

    eta_grid: np.ndarray
    state_grid: np.ndarray
    vary: str
    classes: np.ndarray
    final_eta_ntk: np.ndarray
    lyapunov: np.ndarray
    counts: dict
    sweep: SweepResult

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
    if problem.P != 2 or problem.omegas[0] * problem.omegas[1] == 0 or problem.omegas[0] == problem.omegas[1]:
        raise InputError(f"omegas={omegas!r}: the phase diagram is for the 2-D model; pass two distinct "
                         "nonzero omegas")
    res = sweep(problem, eta_min=eta_min, eta_max=eta_max, n_eta=n_eta, log_eta=log_eta, vary=vary,
                vary_from=state_from, vary_to=state_to, n_vary=n_state, steps=steps, lyapunov=True,
                lyap_steps=lyap_steps, lyap_min=lyap_min, engine="planar", progress=progress)
    shape = res.shape
    return PhaseResult(eta_grid=res.eta_grid, state_grid=res.vary_grid, vary=res.vary,
                       classes=res.batch.classes.reshape(shape), final_eta_ntk=res.batch.T.reshape(shape),
                       lyapunov=res.batch.lyapunov.reshape(shape), counts=res.counts(), sweep=res)


def _draw(eta_grid, state_grid, classes, vary, path, title, log_eta):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch

    order = list(TrajectoryClass)
    cmap = ListedColormap([CLASS_COLOURS[c.name] for c in order])
    norm = BoundaryNorm(np.arange(len(order) + 1) - 0.5, len(order))
    fig, ax = plt.subplots(figsize=(7.5, 5.5))

    def edges(g, log):
        g = np.asarray(g, dtype=float)
        if g.size == 1:
            return np.array([g[0] * 0.9, g[0] * 1.1]) if log else np.array([g[0] - 0.5, g[0] + 0.5])
        if log:
            lg = np.log(g)
            mid = (lg[1:] + lg[:-1]) / 2
            return np.exp(np.concatenate([[2 * lg[0] - mid[0]], mid, [2 * lg[-1] - mid[-1]]]))
        mid = (g[1:] + g[:-1]) / 2
        return np.concatenate([[2 * g[0] - mid[0]], mid, [2 * g[-1] - mid[-1]]])

    ax.pcolormesh(edges(eta_grid, log_eta), edges(state_grid, False), classes, cmap=cmap, norm=norm,
                  shading="flat", rasterized=True)
    if log_eta:
        ax.set_xscale("log")
    ax.set_xlabel(r"step size $\eta$")
    ax.set_ylabel(f"initial {vary}")
    counts = {c: int(np.count_nonzero(classes == c)) for c in order}
    handles = [Patch(color=CLASS_COLOURS[c.name], label=f"{LABELS[c]} ({counts[c]})")
               for c in order if counts[c] or c in PHASE_CLASSES]
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(title or "GD phase diagram of the 2-D model", fontsize=9)
    return save_figure(fig, path)


def plot_phase(result: PhaseResult, path, title: str = "") -> Path:
    """Draw a :class:`PhaseResult` as a PNG: η on the x axis, the state parameter on y, colour = class."""
    s = result.sweep
    held = "J(omega_i)^2" if result.vary == "z0" else ("z0" if result.vary.startswith("J2") else "E")
    held_val = (", ".join(f"{x:g}" for x in s.J2[0]) if held.startswith("J") else
                f"{s.z0[0]:g}" if held == "z0" else f"{s.E[0]:g}")
    t = title or (f"GD phase diagram, omegas = ({', '.join(f'{w:g}' for w in result.omegas)}), "
                  f"{held} = {held_val} held fixed\n"
                  f"at most {s.steps} steps per run; EOS: eta*lambda = 2")
    log = bool(result.eta_grid.size > 2 and np.allclose(np.diff(np.log(result.eta_grid)),
                                                        np.log(result.eta_grid[1] / result.eta_grid[0])))
    return _draw(result.eta_grid, result.state_grid, result.classes, result.vary, path, t, log)


def plot_phase_grid(res: SweepResult, path, title: str = "") -> Path:
    """Phase-diagram PNG straight from a 2-D :class:`SweepResult` (any P; CHAOTIC only if estimated)."""
    if res.vary_grid is None:
        raise InputError("plot_phase_grid needs a sweep with a varied parameter; pass vary=...")
    eta = res.eta_grid
    log = bool(eta.size > 2 and np.allclose(np.diff(np.log(eta)), np.log(eta[1] / eta[0])))
    return _draw(eta, res.vary_grid, res.batch.classes.reshape(res.shape), res.vary, path, title, log)
