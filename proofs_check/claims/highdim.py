"""Claims beyond two dimensions: random high-D models and self-stabilization.

All runs here are float64 experiments over seeded random instances (precision is
stated in each verdict as ``precision="float64"``); they are statistical evidence,
not high-precision checks. Instances: numerics/highdim/model.py (G, Q_α/ε ~ N(0, 1/P)
entrywise with Q_α symmetrized, y ~ N(0, 1), θ₀ = 0, η = f·2/λ_max(K₀)).
"""
from __future__ import annotations

from ..registry import Method, Verdict, claim

__all__: list[str] = []  # importing the module registers its claims (proofs_check.registry)

PREC = "float64"


def _fmt(x) -> str:
    from ..output import num

    return num(float(x))


#: The verify grid: one D, the ε and f where the study grid (README) shows each behaviour.
GRID = dict(eps=(0, 0.1, 0.15), eta_frac=(0.7, 0.9), D=(16,), p_ratio=8, steps=3000)
#: Cells (ε, f) where the claim expects most runs to reach the edge of stability.
EOS_CELLS = ((0.1, 0.9), (0.15, 0.9))


@claim("highdim.sharpening_eos",
       "On the grid D = 16, P = 128, eps in {0, 0.1, 0.15}, f in {0.7, 0.9} (eta = 2f/lambda_max(K0)), with the "
       "status of each run taken from its residual alone: at eps = 0 no run sharpens; in the cells eps in "
       "{0.1, 0.15}, f = 0.9 the lower 95% Wilson bound of the fraction of runs that converge after reaching "
       "eta*lambda_max >= 1.9 is above 0.5; every converged run ends with eta*lambda_max < 2",
       source="paper abstract and introduction (the claim); derived here (measurement)",
       method=Method.PROPERTY)
def _sharpening_eos(ctx):
    from ...numerics.highdim.grid import phase_grid
    from ..figures.highdim import plot_eos_fraction, plot_final_hist

    seeds = 12
    grid = phase_grid(GRID["eps"], GRID["eta_frac"], list(GRID["D"]), p_ratio=GRID["p_ratio"], seeds=seeds,
                      first_seed=ctx.seed, steps=GRID["steps"], progress=False)
    linear = [c for c in grid.cells if c.eps == 0]
    eos = [c for c in grid.cells if (c.eps, c.eta_frac) in EOS_CELLS]
    finals = grid.converged_finals
    no_sharp = all(c.sharpened.k == 0 for c in linear)
    eos_ok = all(c.eos.lo > 0.5 for c in eos)
    below = bool((finals < 2).all())
    figs = [plot_eos_fraction(grid, ctx.figure("highdim_eos_fraction.png")),
            plot_final_hist(grid, ctx.figure("highdim_final_eta_ntk.png"))]
    return Verdict.check(no_sharp and eos_ok and below, figures=figs, seeds_per_cell=seeds, runs=len(grid.runs),
                         cells=[c.as_json() for c in grid.cells], linear_cells_without_sharpening=no_sharp,
                         eos_cells_lower_bound_above_half=eos_ok, converged_runs=int(finals.size),
                         converged_final_max=_fmt(finals.max()), every_converged_final_below_2=below,
                         precision=PREC)


@claim("highdim.linear_constant_ntk",
       "The linear model (eps = 0) shows neither progressive sharpening nor the edge of stability: "
       "lambda_max(K) stays constant along GD",
       source="derived here (eps = 0 is the constant-NTK model)", method=Method.PROPERTY)
def _linear(ctx):
    import numpy as np

    from ...numerics.highdim import model as hd

    seeds = 3 if ctx.quick else 10
    worst, flags = 0.0, []
    for k in range(seeds):
        inst = hd.random_instance(32, 256, 0, ctx.seed + k)
        t = hd.run_gd(inst, hd.eta_for(inst, 0.7), 3000)
        worst = max(worst, float(np.max(np.abs(t.eta_ntk - t.eta_ntk[0])) / t.eta_ntk[0]))
        flags.append(t.converged and not t.sharpened and not t.reached_eos)
    ok = worst <= 1e-12 and all(flags)
    return Verdict.check(ok, seeds=seeds, max_relative_change=_fmt(worst), tolerance="1e-12",
                         all_converged_without_sharpening=all(flags), precision=PREC)


def _selfstab_runs(ctx):
    from ...numerics.highdim import model as hd
    from ...numerics.highdim.selfstab import self_stabilization

    seeds = 3 if ctx.quick else 6
    D, P = 32, 256
    out = []
    for k in range(seeds):
        inst = hd.random_instance(D, P, 0.08, ctx.seed + k)
        out.append(self_stabilization(inst, hd.eta_for(inst, 0.9), 3000, tol=1e-8, max_splits=40))
    return (D, P), out


_CACHE: dict = {}


def _runs(ctx):
    key = (ctx.quick, ctx.seed)
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = _selfstab_runs(ctx)
    return _CACHE[key]


@claim("highdim.selfstab.near_2",
       "Self-stabilization keeps the sharpness near 2/eta: during the EOS phase the time average of "
       "eta*lambda_max is within 0.1 of 2 and the loss falls over the phase, but not monotonically",
       source="derived here (measurement; mechanism of Damian, Nichani, Lee, ICLR 2023)", method=Method.PROPERTY)
def _near_2(ctx):
    import numpy as np

    from ...numerics.highdim.selfstab import PhaseStatus

    (D, P), runs = _runs(ctx)
    phases = [ph for _, ph, _, _ in runs if ph.status is PhaseStatus.FOUND]
    means = [ph.mean for ph in phases]
    ok = (len(phases) >= max(1, len(runs) // 2) and abs(float(np.median(means)) - 2) <= 0.1
          and all(ph.loss_decreased for ph in phases) and np.mean([ph.loss_non_monotone for ph in phases]) >= 0.5)
    from ..figures.highdim import plot_selfstab

    fig = plot_selfstab(runs[:3], ctx.figure("highdim_selfstab.png"),
                        title=rf"$D = {D}$, $P = {P}$, $\varepsilon = 0.08$, $\eta = 0.9 \cdot 2/\lambda_{{\max}}(K_0)$")
    return Verdict.check(ok, figures=[fig], D=D, P=P, eps="0.08", eta_frac="0.9", runs=len(runs), runs_with_eos_phase=len(phases),
                         time_average_eta_ntk=[_fmt(m) for m in means],
                         max_overshoot=[_fmt(ph.overshoot) for ph in phases],
                         phase_length=[ph.length for ph in phases],
                         loss_rises_in_phase=[ph.loss_rises for ph in phases],
                         final_eta_ntk=[_fmt(tr.final) for tr, _, _, _ in runs],
                         threshold="|median time average - 2| <= 0.1; loss lower at phase end; rises in >= half",
                         precision=PREC)


@claim("highdim.selfstab.z2_term",
       "Near the edge of stability the z^2 (even) part of the two-step change of eta*lambda_max is negative "
       "and dominates the linear (odd) part: the z^2 term of the two-step map lowers the sharpness",
       source="derived here (docs/theory.md §5 normal form; Damian, Nichani, Lee, ICLR 2023)", method=Method.PROPERTY)
def _z2(ctx):
    import numpy as np

    (D, P), runs = _runs(ctx)
    splits = [s for _, _, _, sp in runs for s in sp]
    if not splits:
        return Verdict.check(False, message="no EOS-phase states", precision=PREC)
    even = np.array([s.even for s in splits])
    odd = np.array([s.odd for s in splits])
    neg, dom = float(np.mean(even < 0)), float(np.mean(np.abs(even) > np.abs(odd)))
    ok = neg >= 0.9 and dom >= 0.6
    return Verdict.check(ok, D=D, P=P, states=len(splits), even_negative_fraction=_fmt(neg),
                         even_dominates_fraction=_fmt(dom), mean_even=_fmt(even.mean()), mean_odd=_fmt(odd.mean()),
                         threshold="even < 0 in >= 90% of states; |even| > |odd| in >= 60%", precision=PREC)


#: The reduction check's instances: D = 32, P = 256, ε = 0.08, f = 0.9, four seeds.
REDUCTION = dict(D=32, P=256, eps=0.08, eta_frac=0.9, seeds=4)
#: NTK relative gaps (λ₁ − λ₂)/λ₁ below this are reported as near-degenerate.
NEAR_DEGENERATE_GAP = 0.01


@claim("highdim.reduction_2d",
       "At the first near-edge state (|eta*lambda_max - 2| <= 0.1) of each of 4 seeds (D = 32, P = 256, eps = 0.08, "
       "eta = 0.9*2/lambda_max(K0)), with (z~, y) = (eta v^T z, eta*lambda_max - 2) scaled by c = 1 ... 1/32 toward "
       "the edge: the relative error of the top-mode normal form's dz~ = 2z~(y - s z~) falls like the amplitude "
       "(log-log slope over the three smallest c within 0.2 of 1, every seed), while that of "
       "dy = -(s^2 + 2r) z~^2 + 2 s z~ y does not fall (slope below 0.5, every seed): the one-mode reduction is "
       "leading-order for z~ but not for y",
       source="derived here (docs/theory.md §5 normal form projected on the top NTK eigenvector)", method=Method.PROPERTY)
def _reduction(ctx):
    from ...numerics.highdim import model as hd
    from ...numerics.highdim.selfstab import reduction_scaling

    rows, ok = [], True
    for k in range(REDUCTION["seeds"]):
        inst = hd.random_instance(REDUCTION["D"], REDUCTION["P"], REDUCTION["eps"], ctx.seed + k)
        r = reduction_scaling(inst, hd.eta_for(inst, REDUCTION["eta_frac"]))
        if r is None:
            rows.append({"seed": ctx.seed + k, "near_edge_state": False})
            ok = False
            continue
        ok &= abs(r.slope_dz - 1) <= 0.2 and r.slope_dy_top < 0.5 and r.slope_dy_fixed < 0.5
        rows.append({"seed": ctx.seed + k, "step": r.t, "zt0": r.zt0, "y0": r.y0, "ntk_gap": r.gap,
                     "near_degenerate": r.gap < NEAR_DEGENERATE_GAP, "amplitudes": list(r.amplitudes),
                     "rel_err_dz": list(r.err_dz), "rel_err_dy_top": list(r.err_dy_top),
                     "rel_err_dy_fixed_v": list(r.err_dy_fixed), "slope_dz": r.slope_dz,
                     "slope_dy_top": r.slope_dy_top, "slope_dy_fixed_v": r.slope_dy_fixed})
    return Verdict.check(ok, runs=rows, near_degenerate_gap=NEAR_DEGENERATE_GAP,
                         note="a plausible cause of the dy plateau, not checked here: after one step the quadratic "
                              "term leaves a residual of order z~^2 off v, which moves y at the same order as the "
                              "normal form's terms",
                         precision=PREC)
