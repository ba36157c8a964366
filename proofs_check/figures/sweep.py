"""η-sweeps: the final ηλ against η, coloured by trajectory class, with the line ηλ = 2."""
from __future__ import annotations

from ._style import CLASS_COLOURS, CLASS_LABELS, edge_line, finish, fmt, log_ticks, new_figure

__all__ = ["plot_sweep", "plot_sweep_panels", "plot_sweep_result", "vary_label", "model_title"]


def vary_label(vary: str) -> str:
    """The varied initial-state parameter in the paper's notation ("z0", "J2:i", "theta0:i"; 0-based i)."""
    if vary == "z0":
        return r"$z_0$"
    name, _, i = vary.partition(":")
    k = int(i) + 1
    return rf"$J(\omega_{{{k}}})^2_0$" if name == "J2" else rf"$\theta_{{{k},0}}$"


def model_title(omegas, steps=None, engine=None) -> str:
    """A title line such as "ω = (1, −1), at most 10000 steps, planar engine" (no reprs)."""
    head = rf"$\omega = ({', '.join(fmt(w) for w in omegas)})$"
    if steps is not None:
        head += f", at most {steps} steps per run"
    if engine is not None:
        head += f", {engine} engine"
    return head


def _draw(ax, eta, final_eta_ntk, classes, *, title: str = "", log_eta: bool = True):
    import numpy as np

    eta = np.asarray(eta, dtype=float)
    lam = np.asarray(final_eta_ntk, dtype=float)
    classes = np.asarray(classes)
    readable = np.isfinite(lam) & (lam < 10)
    top = max(np.max(lam[readable]) if readable.any() else 2.5, 2.2) * 1.05
    for name, colour in CLASS_COLOURS.items():
        m = classes == name
        if not m.any():
            continue
        y = np.where(readable[m], lam[m], top)
        note = r", final $\eta\lambda$ non-finite or > 10: drawn on the top edge" if np.any(~readable[m]) else ""
        ax.plot(eta[m], y, "o", ms=3, color=colour, alpha=0.8,
                label=f"{CLASS_LABELS[name]} ({int(m.sum())}{note})")
    edge_line(ax)
    if log_eta:
        ax.set_xscale("log")
        log_ticks(ax.xaxis)
    ax.set_xlabel(r"step size $\eta$")
    ax.set_ylabel(r"final $\eta\lambda$")
    ax.set_ylim(bottom=0, top=top * 1.05)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    if title:
        ax.set_title(title, fontsize=9)


def plot_sweep(eta, final_eta_ntk, classes, path=None, *, title: str = "", log_eta: bool = True,
               option: str | None = None):
    """Final ηλ against η for an η-sweep, a colour per class, with the line ηλ = 2; returns the Figure.

    ``classes``: one class name per point (keys of ``CLASS_COLOURS``). Runs without a finite or
    readable final value (diverged) are drawn on the top edge and counted in the legend.
    """
    fig, ax = new_figure(width=7.0, height=4.5)
    _draw(ax, eta, final_eta_ntk, classes, title=title, log_eta=log_eta)
    return finish(fig, path, option)


def plot_sweep_panels(panels, path=None, *, log_eta: bool = True, option: str | None = None):
    """Several η-sweeps stacked; ``panels``: dicts with eta, final_eta_ntk, classes and title."""
    fig, axes = new_figure(len(panels), 1, width=7.0, height=3.6 * len(panels), squeeze=False)
    for ax, pnl in zip(axes[:, 0], panels):
        _draw(ax, pnl["eta"], pnl["final_eta_ntk"], pnl["classes"], title=pnl.get("title", ""), log_eta=log_eta)
    return finish(fig, path, option)


def plot_sweep_result(res, path=None, *, log_eta: bool = True, option: str | None = None):
    """The sweep figure of a :class:`numerics.engines.sweep.SweepResult` (its middle row when 2-D)."""
    from ...numerics.engines.batch import TrajectoryClass

    title = model_title(res.omegas, res.steps, res.engine)
    sl = slice(None)
    if res.vary is not None:
        mid = res.shape[0] // 2
        sl = slice(mid * res.shape[1], (mid + 1) * res.shape[1])
        title += f"\n{vary_label(res.vary)} $= {fmt(res.vary_grid[mid])}$"
    names = [TrajectoryClass(int(c)).name for c in res.batch.classes[sl]]
    return plot_sweep(res.eta[sl], res.final_eta_ntk[sl], names, path, title=title, log_eta=log_eta,
                      option=option)
