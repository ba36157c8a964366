"""One GD run: ηλ_t and |z_t| against the step t, with the edge of stability ηλ = 2.

Shared by ``sorm plot``, ``sorm simulate --plot`` and the claims (paper §2: the edge of
stability is λ = 2/η; z_t is the residual, z̃_t = ηz_t).
"""
from __future__ import annotations

from ._style import edge_line, finish, floats, fmt, new_figure, time_axis, value_axis

__all__ = ["plot_trajectory", "plot_run"]


def plot_trajectory(eta_ntk_t, z_t, eta, path=None, *, title: str = "", option: str | None = None):
    """ηλ_t and |z_t| against t; returns the Figure (saved as PNG only when ``path`` is given).

    Top: ηλ_t = η Σ_i J(ω_i)²_t with the line ηλ = 2 (log y if the run diverges). Bottom: |z_t|
    on a log scale, coloured by the sign of z_t in step order, so neither sign hides the other
    (z alternates sign when GD oscillates across the valley). Long runs get a log time axis.
    Values may be float, mpf, arb or Fraction (drawn in float64); ``title`` may use mathtext.
    """
    import numpy as np
    from matplotlib.lines import Line2D

    from ...numerics.validate import InputError

    lam, z = floats(eta_ntk_t), floats(z_t)
    if lam.shape != z.shape:
        raise InputError(f"eta_ntk_t has {lam.size} values and z_t has {z.size}: expected equal lengths; "
                         "pass one of each per step")
    t = np.arange(lam.size)
    fig, (ax1, ax2) = new_figure(2, 1, height=6.0, sharex=True)
    ax1.plot(t, lam, lw=1.0, color="tab:blue", label=r"$\eta\lambda_t$")
    edge_line(ax1)
    bad = ~np.isfinite(lam) | ~np.isfinite(z)
    if bad.any():
        k = int(np.argmax(bad))
        ax1.axvline(k, color="k", ls=":", lw=1.0, label=f"non-finite from step {k} (diverged)")
    value_axis(ax1, lam)
    ax1.set_ylabel(r"$\eta\lambda_t$")
    ax1.legend(loc="best", fontsize=8)
    ax1.grid(alpha=0.3)

    absz = np.abs(z)
    shown = np.isfinite(absz) & (absz > 0)
    ax2.plot(t[shown], absz[shown], lw=0.5, color="0.7", label=r"$|z_t|$")
    colours = np.where(z[shown] > 0, "tab:green", "tab:purple")
    ax2.scatter(t[shown], absz[shown], c=colours, s=6, lw=0, zorder=3)  # in step order: no sign on top
    handles = [Line2D([], [], color="0.7", lw=0.5, label=r"$|z_t|$"),
               Line2D([], [], ls="", marker="o", ms=4, color="tab:green", label=r"$z_t > 0$"),
               Line2D([], [], ls="", marker="o", ms=4, color="tab:purple", label=r"$z_t < 0$")]
    if shown.any():
        ax2.set_yscale("log")
    ax2.set_ylabel(r"$|z_t|$")
    ax2.legend(handles=handles, loc="best", fontsize=8)
    ax2.grid(alpha=0.3, which="both")
    time_axis(ax2, int(t[-1]) if t.size else 0)
    head = rf"gradient descent, $\eta = {fmt(eta)}$"
    fig.suptitle(f"{title}\n{head}" if title else head, fontsize=10)
    return finish(fig, path, option)


def plot_run(problem, trajectory, path=None, *, title: str = "", option: str | None = None):
    """The figure of one run of ``problem`` (a numerics Problem): ``trajectory`` = (ηλ_t, z_t).

    ``title`` (user text, shown literally) replaces the default "ω = (...)" line. Used by
    `sorm plot` and `sorm simulate --plot` alike.
    """
    from ._style import literal
    from .sweep import model_title

    head = literal(title) if title else model_title(problem.omegas)
    return plot_trajectory(trajectory[0], trajectory[1], problem.eta, path, title=head, option=option)
