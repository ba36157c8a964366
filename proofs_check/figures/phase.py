"""Phase diagrams: step size η against one initial-state parameter, a colour per trajectory class."""
from __future__ import annotations

from ._style import CLASS_COLOURS, CLASS_LABELS, finish, fmt, log_ticks, new_figure
from .sweep import model_title, vary_label

__all__ = ["plot_phase", "plot_phase_grid"]


def _edges(g, log):
    import numpy as np

    g = np.asarray(g, dtype=float)
    if g.size == 1:
        return np.array([g[0] * 0.9, g[0] * 1.1]) if log else np.array([g[0] - 0.5, g[0] + 0.5])
    if log:
        lg = np.log(g)
        mid = (lg[1:] + lg[:-1]) / 2
        return np.exp(np.concatenate([[2 * lg[0] - mid[0]], mid, [2 * lg[-1] - mid[-1]]]))
    mid = (g[1:] + g[:-1]) / 2
    return np.concatenate([[2 * g[0] - mid[0]], mid, [2 * g[-1] - mid[-1]]])


def _is_log(eta) -> bool:
    import numpy as np

    return bool(eta.size > 2 and np.allclose(np.diff(np.log(eta)), np.log(eta[1] / eta[0])))


def _draw(eta_grid, state_grid, classes, vary, title, path, option):
    import numpy as np
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch

    from ...numerics.engines.batch import TrajectoryClass
    from ...numerics.eos.phase import PHASE_CLASSES

    order = list(TrajectoryClass)
    cmap = ListedColormap([CLASS_COLOURS[c.name] for c in order])
    norm = BoundaryNorm(np.arange(len(order) + 1) - 0.5, len(order))
    log = _is_log(np.asarray(eta_grid, dtype=float))
    fig, ax = new_figure(width=9.5, height=5.5)
    ax.pcolormesh(_edges(eta_grid, log), _edges(state_grid, False), classes, cmap=cmap, norm=norm,
                  shading="flat", rasterized=True)
    if log:
        ax.set_xscale("log")
        log_ticks(ax.xaxis)
    ax.set_xlabel(r"step size $\eta$")
    ax.set_ylabel(f"initial {vary_label(vary)}")
    counts = {c: int(np.count_nonzero(classes == c)) for c in order}
    handles = [Patch(color=CLASS_COLOURS[c.name], label=f"{CLASS_LABELS[c.name]} ({counts[c]})")
               for c in order if counts[c] or c in PHASE_CLASSES]
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(title, fontsize=9)
    return finish(fig, path, option)


def plot_phase(result, path=None, *, title: str = "", option: str | None = None):
    """A :class:`numerics.eos.phase.PhaseResult`: η on x, the state parameter on y, colour = class."""
    s = result.sweep
    if result.vary == "z0":
        held = r"$J(\omega_i)^2_0 = ($" + ", ".join(fmt(x) for x in s.J2[0]) + "$)$"
    elif result.vary.startswith("J2"):
        held = rf"$z_0 = {fmt(s.z0[0])}$"
    else:
        held = rf"$E = {fmt(s.E[0])}$"
    t = title or (f"GD phase diagram, {model_title(result.omegas)}, {held} held fixed\n"
                  rf"at most {s.steps} steps per run; edge of stability $\eta\lambda = 2$")
    return _draw(result.eta_grid, result.state_grid, result.classes, result.vary, t, path, option)


def plot_phase_grid(res, path=None, *, title: str = "", option: str | None = None):
    """Phase diagram straight from a 2-D :class:`SweepResult` (any P; CHAOTIC only if estimated)."""
    from ...numerics.validate import InputError

    if res.vary_grid is None:
        raise InputError("plot_phase_grid needs a sweep with a varied parameter; pass vary=...")
    t = title or f"GD phase diagram, {model_title(res.omegas, res.steps, res.engine)}"
    return _draw(res.eta_grid, res.vary_grid, res.batch.classes.reshape(res.shape), res.vary, t, path, option)
