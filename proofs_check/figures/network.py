"""Figures of a network and its second-order model at the edge of stability (numerics.networks).

Notation: η the step, λ the top NTK eigenvalue, ηλ = 2 the edge of stability; z̃ = ηvᵀz the
rescaled residual along the top NTK eigenvector v; ỹ = ηλ − 2 − s z̃ (docs/theory.md §5).
"""
from __future__ import annotations

from ...numerics.status import at_edge
from ._style import edge_line, finish, new_figure, time_axis

__all__ = ["plot_network_eta", "plot_network_z_tilde", "plot_network_central_flow"]

_COLOURS = {"network": "tab:blue", "quadratic": "tab:orange", "reexpanded": "tab:green"}
_LABELS = {"network": "network", "quadratic": r"second-order model at $\theta_0$",
           "reexpanded": "second-order model at the edge"}


def _runs(res):
    return [r for r in (res.network, res.quadratic, res.reexpanded) if r is not None]


def _eos_marks(ax, res):
    """The network's first checkpoint at the edge (dotted line) and the window of the plateau test,
    the run's second half (shaded; numerics.networks.plateau)."""
    r = res.network
    end = int(r.t[-1])
    ax.axvspan(end / 2, end, color="0.9", zorder=0, label="plateau test window (second half)")
    if r.t_edge is not None:
        ax.axvline(r.t_edge, color=_COLOURS["network"], ls=":", lw=1,
                   label=r"network first at the edge ($\eta\lambda \geq 1.9$)")


def plot_network_eta(results, path=None, title: str = ""):
    """ηλ_max(t) of the network and its second-order models, one panel per seed (at most 3),
    with the loss-Hessian's ηλ^H as dots and the line ηλ = 2 (λ = 2/η)."""
    results = list(results)[:3]
    fig, axes = new_figure(1, len(results), width=4.6 * len(results), height=3.8, squeeze=False)
    for ax, res in zip(axes[0], results):
        for r in _runs(res):
            ax.plot(r.t, r.eta_ntk, lw=1.0, color=_COLOURS[r.model], label=_LABELS[r.model])
            k = r.eta_hess == r.eta_hess
            ax.plot(r.t[k], r.eta_hess[k], ".", ms=3, color=_COLOURS[r.model],
                    label=f"{_LABELS[r.model]}: loss Hessian")
        edge_line(ax, label=r"$\eta\lambda = 2$ ($\lambda = 2/\eta$)")
        _eos_marks(ax, res)
        time_axis(ax, int(res.network.t[-1]), early=10**9)
        ax.set_ylabel(r"$\eta\lambda_{\max}$ (lines: NTK; dots: loss Hessian)")
        ax.set_title(f"seed {res.seed}, $\\eta$ = {res.eta:.3g}", fontsize=9)
    axes[0][0].legend(fontsize=7, loc="lower right")
    if title:
        fig.suptitle(title, fontsize=10)
    return finish(fig, path)


def plot_network_z_tilde(res, path=None, title: str = ""):
    """Left: z̃ at the checkpoints (the oscillation along the top NTK direction). Right: the
    two-step change Δz̃ against the normal form's 2 z̃ ỹ at the checkpoints at the edge."""
    import numpy as np

    fig, (ax1, ax2) = new_figure(1, 2, width=10, height=3.8)
    for r in _runs(res):
        ax1.plot(r.t, r.z_tilde, ".", ms=3, color=_COLOURS[r.model], label=_LABELS[r.model])
        k = at_edge(r.eta_ntk) & np.isfinite(r.dz)
        ax2.plot(2 * r.z_tilde[k] * r.y_tilde[k], r.dz[k], ".", ms=4, color=_COLOURS[r.model], label=_LABELS[r.model])
    lim = ax2.get_xlim()
    ax2.plot(lim, lim, "k:", lw=1, label=r"$\Delta\tilde z = 2\tilde z\tilde y$")
    _eos_marks(ax1, res)
    time_axis(ax1, int(res.network.t[-1]), early=10**9)
    ax1.set_ylabel(r"$\tilde z = \eta\, v^\top z$")
    ax1.legend(fontsize=7)
    ax2.set_xlabel(r"normal form $2\tilde z\tilde y$, $\tilde y = \eta\lambda - 2 - s\tilde z$")
    ax2.set_ylabel(r"measured two-step $\Delta\tilde z$")
    ax2.ticklabel_format(style="sci", scilimits=(-2, 3))
    ax2.legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    return finish(fig, path)


def plot_network_central_flow(res, path=None, title: str = ""):
    """The central flow's predicted time-averaged loss L + σ²/η against GD's (L_t + L_{t+1})/2 (left):
    the flow integrated from the edge (line, if ``res.flow``) and the formula at GD's two-step average
    w̄ at the checkpoints at the edge (dots); σ² against the measured oscillation (right)."""
    import numpy as np

    from ...numerics.networks import flow_vs_gd

    fig, (ax1, ax2) = new_figure(1, 2, width=10, height=3.8)
    if res.flow is not None:
        t, pred, gd = flow_vs_gd(res)
        ax1.plot(t, gd, "-", lw=0.8, color="0.5", label="GD, network (two-step average)")
        ax1.plot(t, pred, "-", lw=1.4, color="k", label=f"central flow, integrated (h = {res.flow.h:g})")
    for r in _runs(res):
        k = np.isfinite(r.predicted_loss)
        if not k.any():
            continue
        c = _COLOURS[r.model]
        ax1.plot(r.t[k], r.gd_avg_loss[k], "o", ms=3, mfc="none", color=c, label=f"GD, {_LABELS[r.model]}")
        ax1.plot(r.t[k], r.predicted_loss[k], "x", ms=4, color=c, label=r"formula at $\bar w$")
        ax2.plot(r.t[k], r.sigma2_measured[k], "o", ms=3, mfc="none", color=c, label=r"measured $\langle x, u\rangle^2$")
        ax2.plot(r.t[k], np.clip(r.sigma2[k], 1e-300, None), "-", lw=1, color=c, label=r"$\sigma^2$ (formula)")
    has_data = bool(ax1.lines)
    for ax in (ax1, ax2):
        _eos_marks(ax, res)
        ax.set_xlabel(r"step $t$")
    ax1.set_ylabel("time-averaged loss")
    ax2.set_ylabel(r"$\sigma^2$")
    if has_data:
        ax1.legend(fontsize=6)
        ax2.set_yscale("log")
        ax2.legend(fontsize=6)
    else:
        ax1.text(0.5, 0.5, "no checkpoint at the edge with a Hessian measurement", ha="center",
                 transform=ax1.transAxes, fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    return finish(fig, path)
