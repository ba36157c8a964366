"""Every figure function returns a Figure that shows what it is for: each line labelled, no legend entry
that is a bare number, integer count ticks, labels and titles in the paper's notation, user text literal."""
from __future__ import annotations

import re
from types import SimpleNamespace as NS

import numpy as np
import pytest
from matplotlib.figure import Figure

from sorm.numerics.eos.phase import phase_diagram
from sorm.numerics.highdim.selfstab import PhaseStatus
from sorm.numerics.optimizer_sweep import sweep_optimizer
from sorm.numerics.problem import from_state
from sorm.proofs_check import figures
from sorm.proofs_check.figures import highdim as hfig

#: Words that must be written in the paper's notation (mathtext), not in ASCII, wherever a figure shows them.
_ASCII = re.compile(r"\b(eta|lambda0?|eps|epsilon|omega|theta0?|sigma)\b")
_BARE_NUMBER = re.compile(r"^\$?\s*[-+]?\d+(\.\d*)?\s*\$?$")


def _texts(fig):
    """Every text a reader sees: suptitle, titles, axis labels, legend entries, annotations."""
    out = [fig._suptitle.get_text()] if fig._suptitle is not None else []
    for ax in fig.axes:
        out += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), *(t.get_text() for t in ax.texts)]
        leg = ax.get_legend()
        if leg is not None:
            out += [t.get_text() for t in leg.get_texts()]
    return [t for t in out if t]


def defects(fig) -> list[str]:
    """What a reader would stumble on in ``fig``: the conventions of the module docstring."""
    fig.canvas.draw()  # lay out (ticks are final only after a draw)
    found = []
    for k, ax in enumerate(fig.axes):
        in_bars = {id(line) for c in ax.containers for line in getattr(c, "lines", ()) or ()
                   for line in (line if isinstance(line, tuple) else (line,)) if line is not None}
        for line in ax.lines:
            if len(line.get_xdata()) and line.get_label().startswith("_") and id(line) not in in_bars:
                found.append(f"axes {k}: a line without a label ({line.get_linestyle()!r}, {line.get_marker()!r})")
        leg = ax.get_legend()
        for t in leg.get_texts() if leg is not None else ():
            if _BARE_NUMBER.match(t.get_text()):
                found.append(f"axes {k}: the legend entry {t.get_text()!r} is a bare number")
        if ax.get_ylabel() in ("runs", "count", "number of runs"):
            lo, hi = ax.get_ylim()
            ticks = [y for y in ax.get_yticks() if lo <= y <= hi]
            if any(y != int(y) for y in ticks):
                found.append(f"axes {k}: fractional count ticks {ticks}")
    for text in _texts(fig):
        plain = re.sub(r"(?<!\\)\$.*?(?<!\\)\$", "", text)
        if _ASCII.search(plain):
            found.append(f"ASCII notation in {text!r}: use mathtext ($\\eta$, $\\lambda_0$, $\\varepsilon$, ...)")
    return found


def test_the_checker_finds_each_defect():
    """Each rule fires on a figure that breaks it (the checks can fail)."""
    fig = Figure()
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1])
    ax.plot([0, 1], [1, 2], label="2")
    ax.hist([1.0, 1.0, 2.0], bins=3)
    ax.set_ylabel("runs")
    ax.set_title("eps = 0.1, eta = 0.9*2/lambda0")
    ax.legend()
    found = "\n".join(defects(fig))
    for needle in ("without a label", "bare number", "fractional count ticks", "ASCII notation"):
        assert needle in found, found


def _steps(n=400, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return t, 2 - 0.3 * np.exp(-t / 30) + 0.01 * rng.standard_normal(n)


def _trajectory(status="CONVERGED", blowup=False):
    _, lam = _steps()
    if blowup:
        lam = np.concatenate([lam[:50], 2 * 10.0 ** np.arange(1, 30)])
    return NS(eta_ntk=lam, loss=np.exp(-np.arange(lam.size) / 50), status=NS(name=status))


def _net_run(model, seed=0):
    t = np.arange(0, 200, 10)
    lam = 1.8 + 0.5 * (1 - np.exp(-t / 50))
    rng = np.random.default_rng(seed)
    pred = np.where(lam >= 1.9, 1.0 + 0.01 * t, np.nan)
    return NS(model=model, t=t, eta_ntk=lam, eta_hess=np.where(t % 20 == 0, lam * 1.01, np.nan),
              z_tilde=0.01 * rng.standard_normal(t.size), dz=1e-3 * rng.standard_normal(t.size),
              y_tilde=lam - 2, predicted_loss=pred, gd_avg_loss=pred * 1.05, sigma2=np.abs(pred) * 1e-3,
              sigma2_measured=np.abs(pred) * 1.2e-3, t_edge=int(t[np.argmax(lam >= 1.9)]))


def _seed(seed=0):
    return NS(seed=seed, eta=0.01, network=_net_run("network", seed), quadratic=_net_run("quadratic", seed),
              reexpanded=_net_run("reexpanded", seed), flow=None)


def _cmp(n=120):
    t = np.arange(n)
    s = 2 - 0.2 * np.exp(-t / 20)
    flow = NS(sharpness=s, predicted_loss=np.exp(-t / 30), loss=np.exp(-t / 25))
    return NS(n=n, eos=t > 40, gd_sharpness=s + 0.01, flow=flow, pgd_sharpness=s - 0.01, gd_loss=np.exp(-t / 30),
              pgd_loss=np.exp(-t / 28), dist_flow=1e-3 * (1 + t), dist_pgd=2e-3 * (1 + t))


@pytest.fixture(scope="module")
def grid():
    from sorm.numerics.highdim import grid as hg

    return hg.phase_grid("0,0.3", "0.9", [4], p_ratio=8, seeds=3, first_seed=0, steps=80, workers=1, progress=False)


@pytest.fixture(scope="module")
def sweep_result():
    from sorm.numerics.engines.sweep import sweep

    p = from_state([1, -1], "1/100", ["1.215", "0.795"], 1)
    return sweep(p, eta_min=0.5, eta_max=2.5, n_eta=8, vary="z0", vary_from=-0.1, vary_to=0.1, n_vary=3, steps=300)


def _enclosure():
    n = np.arange(0, 300)
    return NS(trace=[(int(k), 1.9 + 0.05 * np.exp(-k / 40), 1e-30 * (1 + k), 0.01 * np.exp(-k / 20)) for k in n],
              lo=1.9, width=1e-25, steps=300)


def _convergence():
    eps = [0.04, 0.02, 0.01]
    return NS(sets=["a", "b"], orders=[2, 3], epsilons=eps,
              errors={s: {N: [e ** (N - 1) for e in eps] for N in (2, 3)} for s in ("a", "b")},
              slopes={s: {2: 1.01, 3: 2.02} for s in ("a", "b")})


def _scaling():
    th = [NS(D=D, P=8 * D, eps_c=0.8 / D ** 0.5, lo=0.7 / D ** 0.5, hi=0.9 / D ** 0.5) for D in (8, 16, 32)]
    return NS(thresholds=th, fit=NS(a=0.5, a_lo=0.4, a_hi=0.6, c=0.8))


def _selfstab():
    tr = _trajectory()
    return [(tr, NS(status=PhaseStatus.FOUND, start=50, end=300, mean=1.98), None, None)]


#: Every figure function, with small inputs of the shape its callers pass.
FIGURES = {
    "plot_trajectory": lambda ctx: figures.plot_trajectory(*_steps()[1:], np.linspace(0.1, -0.1, 400) * 0 + 0.01, 1),
    "plot_run": lambda ctx: figures.plot_run(from_state([1, -1], "1/100", ["1.215", "0.795"], 1),
                                             (_steps()[1], np.full(400, 0.01))),
    "plot_loglog": lambda ctx: figures.plot_loglog([[1e-3, 1e-2, 1e-1]] * 2, [[1e-6, 1e-4, 1e-2], [1e-9, 1e-6, 1e-3]],
                                                   labels=[r"$N = 2$", r"$N = 3$"], slopes=[2, 3]),
    "plot_sweep": lambda ctx: figures.plot_sweep([0.1, 1, 2, 3], [0.2, 1.98, np.nan, 2.3],
                                                 ["CONVERGED_BELOW", "SELF_STABILIZED", "DIVERGED", "PERIOD2"]),
    "plot_sweep_panels": lambda ctx: figures.plot_sweep_panels([dict(
        eta=[0.1, 1, 2], final_eta_ntk=[0.2, 1.9, 1e30], classes=["CONVERGED_BELOW", "SELF_STABILIZED", "DIVERGED"],
        title=r"$\omega = (1, -1)$")]),
    "plot_sweep_result": lambda ctx: figures.plot_sweep_result(ctx.request.getfixturevalue("sweep_result")),
    "plot_phase_grid": lambda ctx: figures.plot_phase_grid(ctx.request.getfixturevalue("sweep_result")),
    "plot_phase": lambda ctx: figures.plot_phase(phase_diagram(
        [1, -1], z0="0.01", J2="1.215,0.795", state_from=-1, state_to=1, eta_min=0.5, eta_max=2, n_eta=6, n_state=4,
        steps=200, lyap_steps=100)),
    "plot_convergence": lambda ctx: figures.plot_convergence(_convergence()),
    "plot_enclosure": lambda ctx: figures.plot_enclosure(_enclosure(), title=r"$\omega = (1, -1)$"),
    "plot_final_ntk": lambda ctx: figures.plot_final_ntk(_steps()[1], 1.99, predicted_label="theory, order 5"),
    "plot_curves": lambda ctx: figures.plot_curves({r"$z_0 > 0$": ([0, 1, 2], [1, 2, 3])}, xlabel="time $t$",
                                                   ylabel=r"NTK $\lambda(t)$"),
    "plot_network_eta": lambda ctx: figures.plot_network_eta([_seed(0), _seed(1)], title=r"MLP, $P = 310$"),
    "plot_network_z_tilde": lambda ctx: figures.plot_network_z_tilde(_seed()),
    "plot_network_central_flow": lambda ctx: figures.plot_network_central_flow(_seed()),
    "plot_optimizer_sweep": lambda ctx: figures.plot_optimizer_sweep(sweep_optimizer(
        from_state([1, -1], "1/100", ["1.215", "0.795"], 1), "sam", np.geomspace(0.3, 3, 8), [0.0, 0.5, 1.0],
        steps=300)),
    "plot_eos_fraction": lambda ctx: hfig.plot_eos_fraction(ctx.request.getfixturevalue("grid")),
    "plot_final_hist": lambda ctx: hfig.plot_final_hist(ctx.request.getfixturevalue("grid")),
    "plot_scaling": lambda ctx: hfig.plot_scaling(_scaling()),
    "plot_eta_ntk_runs": lambda ctx: hfig.plot_eta_ntk_runs([("seed 0", _trajectory()),
                                                              ("seed 1", _trajectory("DIVERGED", blowup=True))]),
    "plot_selfstab": lambda ctx: hfig.plot_selfstab(_selfstab(), title=r"$D = 16$, $\varepsilon = 0.08$"),
    "plot_centralflow": lambda ctx: hfig.plot_centralflow(_cmp(), title=r"$D = 4$, $P = 16$"),
    "plot_planar_gap": lambda ctx: hfig.plot_planar_gap(
        [{"epsilon": e, "flow_minus_gd": e, "gd_minus_normal_form": {"2": e ** 2, "3": e ** 3}} for e in (0.04, 0.02)],
        title=r"planar model, $\omega = (1, -1)$"),
}


def test_every_figure_function_is_in_the_table():
    names = {n for n in [*figures.__all__, *hfig.__all__] if n.startswith("plot_")}
    assert names == set(FIGURES)


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figure_is_a_figure_without_defects(name, request, tmp_path):
    fig = FIGURES[name](NS(request=request))
    assert isinstance(fig, Figure)
    assert not list(tmp_path.iterdir())  # drawn, not saved: no path was given
    assert defects(fig) == []


def test_histogram_counts_are_whole_numbers(grid):
    fig = hfig.plot_final_hist(grid)
    fig.canvas.draw()
    ax = fig.axes[0]
    assert ax.get_ylabel() == "runs" and all(float(y).is_integer() for y in ax.get_yticks())


def test_diverged_runs_stay_in_view():
    """A run that blows up to 1e29 is drawn on a scale that shows it (log y), not cut off at the top."""
    fig = hfig.plot_eta_ntk_runs([("seed 0", _trajectory()), ("seed 1", _trajectory("DIVERGED", blowup=True))])
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_ylim()[1] >= 1e29


def test_user_title_is_literal_text():
    """`sorm plot --title` text with `$` is shown as typed (no mathtext), and the figure still draws."""
    fig = figures.plot_run(from_state([1, -1], "1/100", ["1.215", "0.795"], 1), (_steps()[1], np.full(400, 0.01)),
                           title=r"$\foo$ costs $5")
    fig.canvas.draw()
    assert fig._suptitle.get_text().startswith(r"\$\foo\$ costs \$5")
