"""A certified enclosure of the final ηλ (numerics.certify.enclosure) and its ball trace."""
from __future__ import annotations

from ._style import edge_line, finish, new_figure, time_axis

__all__ = ["plot_enclosure"]


def plot_enclosure(enc, path=None, *, title: str = "", option: str | None = None):
    """ηλ_t (ball midpoints) with the certified T_∞, and log10 of |z̃_t| and of the ball radius of T_t.

    ``enc``: an ``Enclosure`` computed with ``record=True``. The step axis is logarithmic beyond
    step 10: the edge-of-stability phase lasts tens of steps, the tail thousands.
    """
    import math

    n = [r[0] for r in enc.trace]
    fig, (ax1, ax2) = new_figure(2, 1, height=6.0, sharex=True)
    ax1.plot(n, [r[1] for r in enc.trace], lw=0.8, color="tab:blue", label=r"$\eta\lambda_t$ (ball midpoints)")
    edge_line(ax1)
    ax1.axhline(float(enc.lo), color="k", lw=0.8, ls=":",
                label=rf"certified $\eta\lambda_\infty$ (width {float(enc.width):.1e})")
    ax1.set_ylabel(r"$\eta\lambda_t$")
    ax1.grid(alpha=0.3)
    ax1.legend(fontsize=8)
    ax2.plot(n, [math.log10(r[3]) if r[3] > 0 else float("nan") for r in enc.trace], lw=0.8,
             label=r"$\log_{10}|\tilde z_t|$")
    ax2.plot(n, [math.log10(r[2]) if r[2] > 0 else float("nan") for r in enc.trace], lw=0.8,
             label=r"$\log_{10}$ radius of the ball of $T_t$")
    ax2.axvline(enc.steps, color="k", ls=":", lw=0.8, label=f"tail bound closes (step {enc.steps})")
    ax2.set_ylabel(r"$\log_{10}$")
    ax2.grid(alpha=0.3)
    ax2.legend(fontsize=8)
    time_axis(ax2, max(n) if n else 0)
    if title:
        ax1.set_title(title, fontsize=9)
    return finish(fig, path, option)
