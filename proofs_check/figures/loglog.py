"""Log-log error plots with fitted slopes (asymptotic orders)."""
from __future__ import annotations

from ._style import finish, floats, new_figure

__all__ = ["plot_loglog"]


def plot_loglog(xs, ys, path=None, *, labels=None, slopes=None, xlabel=r"$\varepsilon$", ylabel="error",
                title: str = "", option: str | None = None):
    """One or more error series on log-log axes; the fitted slopes go in the legend.

    ``xs``/``ys``: one sequence each, or lists of sequences (one per series); ``labels``:
    a name per series (mathtext allowed); ``slopes``: the fitted log-log slope per series.
    Returns the Figure (saved only when ``path`` is given).
    """
    if len(xs) and not hasattr(xs[0], "__len__"):
        xs, ys = [xs], [ys]
    n = len(xs)
    labels = list(labels) if labels is not None else [f"series {i + 1}" for i in range(n)]
    fig, ax = new_figure(width=6.0, height=4.5)
    for i in range(n):
        lab = labels[i] if slopes is None else f"{labels[i]} (fitted slope {float(slopes[i]):.3f})"
        ax.loglog(floats(xs[i]), floats(ys[i]), "o-", ms=4, label=lab)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    return finish(fig, path, option)
