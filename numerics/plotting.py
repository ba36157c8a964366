"""Figures: GD trajectories against the edge of stability, log-log error plots, sweeps.

Every figure is drawn with matplotlib's Agg backend (selected inside each
function, so importing this module never touches a display) and written as a
PNG through :func:`numerics.io.save_figure`, i.e. atomically.

Notation (paper §2, docs/theory.md §3): η the step size, λ the NTK, ηλ = T its
rescaled value, z̃ = ηz the rescaled residual. The edge of stability is
λ = 2/η, i.e. ηλ = 2 (paper §2).
"""
from __future__ import annotations

from pathlib import Path

from .io import save_figure

__all__ = ["plot_trajectory", "plot_loglog", "plot_sweep", "plot_sweep_panels", "CLASS_COLOURS"]

#: Colour per batch class name (numerics.batch.TrajectoryClass member names).
CLASS_COLOURS = {
    "CONVERGED_BELOW": "tab:blue",
    "SELF_STABILIZED": "tab:green",
    "PERIOD2": "tab:orange",
    "CHAOTIC": "tab:purple",
    "BOUNDED": "tab:gray",
    "DIVERGED": "tab:red",
}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _floats(values):
    """Convert mpf/arb/Fraction/float sequences to a float64 numpy array (for drawing only)."""
    import numpy as np

    return np.array([float(v) for v in values], dtype=float)


def plot_trajectory(eta_ntk_t, z_t, eta, path, title: str = "") -> Path:
    """Plot ηλ_t and z_t against the step t, with the edge of stability, as a PNG.

    Top panel: ηλ_t = η Σ_i J(ω_i)²_t with the line ηλ = 2 (λ = 2/η, paper §2).
    Bottom panel: |z_t| on a log scale, points coloured by the sign of z_t
    (z alternates sign when GD oscillates across the valley at the edge of
    stability). ``eta`` is shown in the title; values may be float, mpf, arb
    or Fraction (converted to float64 for drawing only). Returns ``path``.
    """
    import numpy as np

    plt = _pyplot()
    lam = _floats(eta_ntk_t)
    z = _floats(z_t)
    if lam.shape != z.shape:
        from .validate import InputError

        raise InputError(f"eta_ntk_t has {lam.size} values and z_t has {z.size}: expected equal lengths; "
                         "pass one of each per step")
    t = np.arange(lam.size)
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(7, 6), sharex=True)
    ax1.plot(t, lam, lw=1.0, color="tab:blue", label=r"$\eta\lambda_t$")
    ax1.axhline(2.0, color="tab:red", ls="--", lw=1.0, label=r"edge of stability $\lambda = 2/\eta$")
    ax1.set_ylabel(r"$\eta\lambda_t$")
    ax1.legend(loc="best", fontsize=8)
    ax1.grid(alpha=0.3)
    absz = np.abs(z)
    pos = z > 0
    neg = z < 0
    ax2.plot(t, np.where(absz > 0, absz, np.nan), lw=0.5, color="0.6")
    ax2.plot(t[pos], absz[pos], ".", ms=2, color="tab:green", label=r"$z_t > 0$")
    ax2.plot(t[neg], absz[neg], ".", ms=2, color="tab:purple", label=r"$z_t < 0$")
    if np.any(absz > 0):
        ax2.set_yscale("log")
    ax2.set_ylabel(r"$|z_t|$")
    ax2.set_xlabel("step t")
    ax2.legend(loc="best", fontsize=8)
    ax2.grid(alpha=0.3)
    head = f"GD, eta = {float(eta):.6g}"
    fig.suptitle(f"{title}\n{head}" if title else head)
    return save_figure(fig, path)


def plot_loglog(xs, ys, path, *, labels=None, slopes=None, xlabel="epsilon", ylabel="error",
                title: str = "") -> Path:
    """Log-log plot of one or more error series, with optional fitted slopes in the legend.

    ``xs``/``ys``: one sequence each, or lists of sequences (one per series);
    ``labels``: names per series; ``slopes``: fitted log-log slopes to show.
    Returns ``path``.
    """
    plt = _pyplot()
    if xs and not hasattr(xs[0], "__len__"):
        xs, ys = [xs], [ys]
    n = len(xs)
    labels = list(labels) if labels is not None else [f"series {i}" for i in range(n)]
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for i in range(n):
        lab = labels[i]
        if slopes is not None:
            lab = f"{lab} (slope {float(slopes[i]):.3f})"
        ax.loglog(_floats(xs[i]), _floats(ys[i]), "o-", ms=4, label=lab)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return save_figure(fig, path)


def _draw_sweep(ax, eta, final_eta_ntk, classes, *, title: str = "", log_eta: bool = True):
    import numpy as np

    eta = np.asarray(eta, dtype=float)
    lam = np.asarray(final_eta_ntk, dtype=float)
    classes = np.asarray(classes)
    finite = np.isfinite(lam)
    top = np.nanmax(lam[finite & (lam < 10)]) if np.any(finite & (lam < 10)) else 2.5
    top = max(top, 2.2) * 1.05
    for name, colour in CLASS_COLOURS.items():
        m = classes == name
        if not np.any(m):
            continue
        y = np.where(np.isfinite(lam[m]) & (lam[m] < 10), lam[m], top)
        note = ", non-finite or > 10: drawn at the top" if np.any(y == top) else ""
        ax.plot(eta[m], y, "o", ms=3, color=colour, label=f"{name} ({int(m.sum())}{note})")
    ax.axhline(2.0, color="tab:red", ls="--", lw=1.0, label=r"$\eta\lambda = 2$")
    if log_eta:
        ax.set_xscale("log")
    ax.set_xlabel(r"$\eta$")
    ax.set_ylabel(r"final $\eta\lambda$")
    ax.set_ylim(bottom=0, top=top * 1.05)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    if title:
        ax.set_title(title, fontsize=9)


def plot_sweep(eta, final_eta_ntk, classes, path, *, title: str = "", log_eta: bool = True) -> Path:
    """Final ηλ against η for an η-sweep, coloured per class, with the line ηλ = 2.

    ``classes``: one class name per point (keys of :data:`CLASS_COLOURS`).
    Diverged points have no finite final value and are marked on the top edge.
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    _draw_sweep(ax, eta, final_eta_ntk, classes, title=title, log_eta=log_eta)
    return save_figure(fig, path)


def plot_sweep_panels(panels, path, *, log_eta: bool = True) -> Path:
    """Several η-sweeps stacked in one PNG; ``panels``: dicts with eta, final_eta_ntk, classes, title."""
    plt = _pyplot()
    fig, axes = plt.subplots(len(panels), 1, figsize=(7, 3.6 * len(panels)), squeeze=False)
    for ax, pnl in zip(axes[:, 0], panels):
        _draw_sweep(ax, pnl["eta"], pnl["final_eta_ntk"], pnl["classes"], title=pnl.get("title", ""),
                    log_eta=log_eta)
    fig.tight_layout()
    return save_figure(fig, path)
