"""Figures of the optimizer sweeps: the final ηλ over η with the edge line, and the (η, h) phase diagram."""
from __future__ import annotations

from ._style import edge_line, finish, new_figure

__all__ = ["plot_optimizer_sweep"]

_HYPER_LABEL = {"sam": r"SAM radius $\rho$", "heavy-ball": r"momentum $\beta$", "nesterov": r"momentum $\beta$",
                "gd": ""}
_COLOURS = {0: "#bdbdbd", 1: "#4c72b0", 2: "#c44e52", 3: "#55a868"}
_ABOVE = "converged from above the edge"


def plot_optimizer_sweep(sweep, path=None, *, rows=None, option: str | None = None):
    """Left: final ηλ over η for a few hyper-parameter values (converged runs), each with its edge T*
    (dashed) and the line ηλ = 2; right: the status of every (η, h) with the curve ηλ₀ = T*.

    ``sweep``: a :class:`numerics.optimizer_sweep.OptimizerSweep`. rows: indices of the h values on the left
    (default: first, middle, last). Returns the Figure.
    """
    import numpy as np
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch
    from matplotlib.ticker import NullFormatter

    from ...numerics.optimizer_sweep import SWEEP_STATUS

    fig, (ax1, ax2) = new_figure(1, 2, width=11.0, height=4.2)
    nh = sweep.hyper.size
    rows = sorted({0, nh // 2, nh - 1}) if rows is None else rows
    name = _HYPER_LABEL[sweep.optimizer]
    sym = name.split()[-1] if name else ""
    for k in rows:
        conv = sweep.status[k] == 1
        line, = ax1.plot(sweep.eta[conv], sweep.eta_ntk[k][conv], "o", ms=3,
                         label=(f"{sym} = {sweep.hyper[k]:.3g}" if sym else "final") + r" $\eta\lambda_\infty$")
        ax1.plot(sweep.eta, sweep.edge[k], "--", color=line.get_color(), lw=1,
                 label=(f"edge $T^*$, {sym} = {sweep.hyper[k]:.3g}" if sym else "edge $T^*$"))
    ax1.plot(sweep.eta, sweep.eta_ntk0, ":", color="k", lw=1, label=r"initial $\eta\lambda_0$")
    edge_line(ax1)
    ax1.set_xscale("log")
    ax1.set_xlabel(r"step size $\eta$")
    ax1.set_ylabel(r"final $\eta\lambda$ (converged runs)")
    ax1.legend(fontsize=6)
    ax1.grid(alpha=0.3, which="both")
    cmap = ListedColormap([_COLOURS[c] for c in range(4)])
    X, Y = np.meshgrid(sweep.eta, sweep.hyper)
    shown = np.where((sweep.status == 1) & (sweep.eta_ntk0[None, :] > sweep.edge), 3, sweep.status)
    ax2.pcolormesh(X, Y, shown, cmap=cmap, vmin=-0.5, vmax=3.5, shading="nearest")
    if nh > 1:
        ax2.contour(X, Y, np.broadcast_to(sweep.eta_ntk0, sweep.edge.shape) - sweep.edge, levels=[0],
                    colors="k", linewidths=1)
    ax2.set_xscale("log")
    for ax in (ax1, ax2):
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax2.set_xlabel(r"step size $\eta$")
    ax2.set_ylabel(name or "(no hyper-parameter)")
    handles = [Patch(color=_COLOURS[c], label=SWEEP_STATUS[c]) for c in sorted(SWEEP_STATUS)]
    handles.append(Patch(color=_COLOURS[3], label=_ABOVE))
    handles.append(Patch(facecolor="none", edgecolor="k", label=r"$\eta\lambda_0 = T^*$"))
    ax2.legend(handles=handles, fontsize=7, loc="upper right")
    fig.suptitle(f"{sweep.optimizer}: final NTK and phase diagram over ($\\eta$, {sym or '-'}), "
                 f"{sweep.steps} steps, float64", fontsize=10)
    return finish(fig, path, option)
