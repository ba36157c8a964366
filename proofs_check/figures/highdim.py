"""High-D figures: the phase diagram over (ε, f, D), final ηλ_max, finite-size scaling,
ηλ_max(t) of runs, and GD against the central flow and projected GD."""
from __future__ import annotations

from ._style import edge_line, finish, fmt, log_ticks, new_figure, time_axis, value_axis

__all__ = ["plot_eos_fraction", "plot_final_hist", "plot_scaling", "plot_eta_ntk_runs", "plot_selfstab",
           "plot_centralflow", "plot_planar_gap", "study_title"]


def study_title(st) -> str:
    """The title of a central-flow study on a random instance (numerics.highdim.cfstudy.HighDStudy)."""
    return (f"$D = {st.D}$, $P = {st.P}$, $\\varepsilon = {st.eps:g}$, "
            f"$\\eta = {st.eta_frac:g} \\cdot 2/\\lambda_{{\\max}}(K_0)$, seed {st.seed}")


def plot_eos_fraction(grid, path=None, *, option: str | None = None):
    """The EOS fraction (converged runs with peak ηλ_max ≥ 1.9) over (ε, f), one panel per D, with k/n in each cell."""
    import numpy as np

    Ds = sorted({c.D for c in grid.cells})
    eps = sorted({c.eps for c in grid.cells})
    fr = sorted({c.eta_frac for c in grid.cells})
    fig, axes = new_figure(1, len(Ds), width=4.2 * len(Ds) + 1.2, height=3.8, squeeze=False)
    im = None
    for ax, D in zip(axes[0], Ds):
        M = np.full((len(fr), len(eps)), np.nan)
        for c in grid.cells:
            if c.D == D:
                i, j = fr.index(c.eta_frac), eps.index(c.eps)
                M[i, j] = c.eos.fraction
                ax.text(j, i, f"{c.eos.k}/{c.eos.n}", ha="center", va="center", fontsize=7,
                        color="w" if c.eos.fraction < 0.6 else "k")
        im = ax.imshow(M, origin="lower", vmin=0, vmax=1, cmap="viridis", aspect="auto")
        ax.set_xticks(range(len(eps)), [fmt(e) for e in eps])
        ax.set_yticks(range(len(fr)), [fmt(f) for f in fr])
        ax.set_xlabel(r"nonlinearity $\varepsilon$")
        ax.set_ylabel(r"$f$ ($\eta = 2f/\lambda_{\max}(K_0)$)")
        P = next(c.P for c in grid.cells if c.D == D)
        ax.set_title(f"$D = {D}$, $P = {P}$", fontsize=10)
    fig.colorbar(im, ax=axes[0].tolist(), label="EOS fraction (converged, peak $\\eta\\lambda_{\\max} \\geq 1.9$)")
    return finish(fig, path, option)


def plot_final_hist(grid, path=None, *, option: str | None = None):
    """Histogram of the final ηλ_max of converged runs, one colour per D, the edge at 2 marked."""
    import numpy as np
    from matplotlib.ticker import MaxNLocator

    fig, ax = new_figure(width=7.0, height=4.0)
    finals = grid.converged_finals
    lo = np.floor(min(finals.min(initial=1.0), 1.0) * 50) / 50
    bins = np.arange(lo, 2.06 + 1e-9, 0.02)   # an edge exactly at 2
    for D in sorted({r.D for r in grid.runs}):
        fin = [r.final_eta_ntk for r in grid.runs if r.D == D and r.converged]
        if fin:
            ax.hist(fin, bins=bins, alpha=0.55, label=f"D = {D} ({len(fin)} converged runs)")
    edge_line(ax, vertical=True)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(r"final $\eta\lambda_{\max}(K)$ of converged runs")
    ax.set_ylabel("runs")
    ax.legend(fontsize=8)
    return finish(fig, path, option)


def plot_scaling(scaling, path=None, *, option: str | None = None):
    """ε_c(D) (median over seeds, 95% bootstrap bars) on log–log axes with the fitted D^(−a) and D^(−1/2)."""
    import numpy as np

    th = scaling.thresholds
    D = np.array([t.D for t in th], dtype=float)
    e = np.array([t.eps_c for t in th])
    fig, ax = new_figure(width=6.0, height=4.0)
    ax.errorbar(D, e, yerr=[e - np.array([t.lo for t in th]), np.array([t.hi for t in th]) - e], fmt="o",
                capsize=3, label=r"$\varepsilon_c(D)$: half the runs diverge (median, 95% bootstrap)")
    f = scaling.fit
    ax.plot(D, f.c * D ** (-f.a), "-", label=f"fit $D^{{-a}}$, $a = {f.a:.2f}$ (95%: [{f.a_lo:.2f}, {f.a_hi:.2f}])")
    ax.plot(D, e[0] * np.sqrt(D[0] / D), ":", color="gray", label=r"$D^{-1/2}$ through the first point")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(D, [f"{d:g}" for d in D])
    ax.set_xticks([], minor=True)
    log_ticks(ax.yaxis)
    ax.set_xlabel(f"data points $D$ ($P = {th[0].P // th[0].D}D$)")
    ax.set_ylabel(r"$\varepsilon_c$")
    ax.legend(fontsize=8)
    return finish(fig, path, option)


def plot_eta_ntk_runs(curves, path=None, *, title: str = "", option: str | None = None):
    """ηλ_max(K_t) of several runs: ``curves`` is a list of (label, Trajectory)."""
    import numpy as np

    fig, ax = new_figure(width=7.0, height=4.0)
    n = 1
    for label, tr in curves:
        ax.plot(tr.eta_ntk, lw=1, label=f"{label} ({tr.status.name.lower().replace('_', ' ')})")
        n = max(n, len(tr.eta_ntk) - 1)
    edge_line(ax)
    time_axis(ax, n, early=0)
    ax.set_ylabel(r"$\eta\lambda_{\max}(K_t)$")
    values = np.concatenate([np.asarray(tr.eta_ntk, dtype=float) for _, tr in curves])
    if not value_axis(ax, values):  # a diverged run gets a log axis that shows it; else 0 to above the edge
        finite = values[np.isfinite(values)]
        ax.set_ylim(0, max(3.5, 1.05 * finite.max(initial=0)))
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7)
    return finish(fig, path, option)


def plot_selfstab(runs, path=None, *, title: str = "", option: str | None = None):
    """ηλ_max(t) with the EOS phase shaded and its time average dotted, and the loss (log scale)."""
    from ...numerics.highdim.selfstab import PhaseStatus

    fig, (ax1, ax2) = new_figure(1, 2, width=11.0, height=4.0)
    for k, (tr, ph, _, _) in enumerate(runs):
        (line,) = ax1.plot(tr.eta_ntk, lw=1, label=f"run {k}")
        ax2.semilogy(tr.loss, lw=1, color=line.get_color(), label=f"run {k}")
        if ph.status is PhaseStatus.FOUND:
            ax1.axvspan(ph.start, ph.end, color=line.get_color(), alpha=0.08)
            ax1.axhline(ph.mean, color=line.get_color(), ls=":", lw=1, label=f"run {k}: mean over its EOS phase")
    edge_line(ax1)
    ax1.set_xlabel(r"step $t$ (shaded: EOS phase; dotted: its time average)")
    ax1.set_ylabel(r"$\eta\lambda_{\max}(K_t)$")
    if title:
        ax1.set_title(title, fontsize=10)
    ax1.legend(fontsize=8)
    ax2.set_xlabel(r"step $t$")
    ax2.set_ylabel(r"loss $L_t$")
    ax2.legend(fontsize=8)
    return finish(fig, path, option)


def plot_centralflow(cmp, path=None, *, title: str = "", option: str | None = None):
    """Three panels along t: two-step-averaged ηS of GD vs the flow and projected GD; GD's averaged loss vs
    L + tr Σ/η; ‖θ̄_GD − θ_flow‖ and ‖θ̄_GD − θ_PGD‖. The flow's edge phase is shaded."""
    import numpy as np

    n = cmp.n
    t = np.arange(n)
    fig, (a1, a2, a3) = new_figure(1, 3, width=15.0, height=4.0)
    eos = cmp.eos
    for ax in (a1, a2, a3):
        if eos.any():
            ax.axvspan(int(np.argmax(eos)), int(n - 1 - np.argmax(eos[::-1])), color="tab:orange", alpha=0.08,
                       label="central flow on the edge")
    a1.plot(t, cmp.gd_sharpness[:n], lw=1, label=r"GD, $\eta\bar S_t$ (two-step average)")
    a1.plot(t, cmp.flow.sharpness[:n], lw=1.2, ls="--", label=r"central flow $\eta S$")
    a1.plot(t, cmp.pgd_sharpness[:n], lw=1, ls=":", label=r"projected GD $\eta S$")
    edge_line(a1)
    a1.set_ylabel(r"$\eta S = \eta\lambda_{\max}(\nabla^2 L)$")
    a2.semilogy(t, cmp.gd_loss[:n], lw=1, label=r"GD, $\bar L_t$ (two-step average)")
    a2.semilogy(t, cmp.flow.predicted_loss[:n], lw=1.2, ls="--", label=r"central flow $L + \mathrm{tr}\,\Sigma/\eta$")
    a2.semilogy(t, cmp.flow.loss[:n], lw=1, ls="-.", label=r"central flow $L(\theta(t))$")
    a2.semilogy(t, cmp.pgd_loss[:n], lw=1, ls=":", label="projected GD $L$")
    a2.set_ylabel("loss")
    a3.semilogy(t, cmp.dist_flow[:n], lw=1, label=r"$\|\bar\theta_{GD} - \theta_{flow}\|$")
    a3.semilogy(t, cmp.dist_pgd[:n], lw=1, ls=":", label=r"$\|\bar\theta_{GD} - \theta_{PGD}\|$")
    a3.set_ylabel("distance")
    for ax in (a1, a2, a3):
        time_axis(ax, n - 1, early=0)
        ax.legend(fontsize=7)
    if title:
        a1.set_title(title, fontsize=10)
    return finish(fig, path, option)


def plot_planar_gap(rows, path=None, *, title: str = "", option: str | None = None):
    """Planar model: |ηλ_∞ of the central flow − GD's| and |GD's − the order-N normal form's| against the
    amplitude ε of the start (log–log)."""
    import numpy as np

    eps = np.array([r["epsilon"] for r in rows])
    fig, ax = new_figure(width=6.0, height=4.0)
    ax.loglog(eps, np.abs([r["flow_minus_gd"] for r in rows]), "o-",
              label=r"$|\eta\lambda_\infty^{\mathrm{flow}} - \eta\lambda_\infty^{\mathrm{GD}}|$")
    for N in rows[0]["gd_minus_normal_form"]:
        ax.loglog(eps, np.abs([r["gd_minus_normal_form"][N] for r in rows]), "s--",
                  label=rf"$|\eta\lambda_\infty^{{\mathrm{{GD}}}} - \eta\lambda_\infty^{{\mathrm{{NF}},{N}}}|$ (order {N})")
    log_ticks(ax.xaxis)
    ax.set_xlabel(r"amplitude $\varepsilon$: start $(\tilde z_0, \eta\lambda_0) = (\varepsilon, 2 - \varepsilon)$")
    ax.set_ylabel(r"difference in final $\eta\lambda$")
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    return finish(fig, path, option)
