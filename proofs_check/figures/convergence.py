"""Convergence orders of the edge-of-stability prediction (numerics.eos.convergence)."""
from __future__ import annotations

from ._style import finish, new_figure

__all__ = ["plot_convergence"]


def plot_convergence(result, path=None, *, option: str | None = None):
    """e_N(ε) on log-log axes, a panel per parameter set, with dotted ε^(N−1) reference slopes.

    ``result``: a :class:`numerics.eos.convergence.ConvergenceResult`. Returns the Figure.
    """
    n = len(result.sets)
    cols = 2 if n > 1 else 1
    rows = (n + cols - 1) // cols
    fig, axes = new_figure(rows, cols, width=5.2 * cols, height=4.0 * rows, squeeze=False)
    xs = [float(e) for e in result.epsilons]
    for ax, name in zip(axes.flat, result.sets):
        for N in result.orders:
            ys = [float(e) for e in result.errors[name][N]]
            line, = ax.loglog(xs, ys, "o-", ms=4, label=f"$N = {N}$: fitted slope {result.slopes[name][N]:.2f} "
                                                         f"(expected {N - 1})")
            ax.loglog(xs, [ys[0] * (x / xs[0]) ** (N - 1) for x in xs], ":", color=line.get_color(), lw=1,
                      label=rf"reference $\varepsilon^{{{N - 1}}}$")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel(r"distance $\varepsilon$ of $(\tilde z_0, T_0)$ from $(0, 2)$")
        ax.set_ylabel(r"relative error in $2 - T_\infty$")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=6, ncol=2)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.suptitle(r"Order-$N$ edge-of-stability prediction against high-precision GD", fontsize=10)
    return finish(fig, path, option)
