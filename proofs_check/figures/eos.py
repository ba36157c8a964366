"""Edge-of-stability figures: a GD run of ηλ_t against the predicted final value, and GF curves."""
from __future__ import annotations

from ._style import edge_line, finish, floats, new_figure, time_axis

__all__ = ["plot_final_ntk", "plot_curves"]


def plot_final_ntk(eta_ntk_t, predicted, path=None, *, predicted_label: str, title: str = "",
                   option: str | None = None):
    """ηλ_t of one GD run with the line ηλ = 2 and the predicted final value (log time axis)."""
    lam = floats(eta_ntk_t)
    fig, ax = new_figure(width=7.0, height=4.0)
    ax.plot(range(lam.size), lam, lw=0.8, color="tab:blue", label=r"GD $\eta\lambda_t$")
    edge_line(ax)
    ax.axhline(float(predicted), color="k", ls=":", lw=1.2, label=predicted_label)
    time_axis(ax, lam.size - 1, early=0)
    ax.set_ylabel(r"$\eta\lambda_t$")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    return finish(fig, path, option)


def plot_curves(curves, path=None, *, xlabel: str, ylabel: str, title: str = "", option: str | None = None):
    """Labelled curves: ``curves`` maps a legend label to (xs, ys)."""
    fig, ax = new_figure(width=5.5, height=3.6)
    for label, (xs, ys) in curves.items():
        ax.plot(floats(xs), floats(ys), label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    return finish(fig, path, option)
