"""Claims for optimizers beyond GD: edges, invariants, engines against θ-space (docs/theory.md §7)."""
from __future__ import annotations

from fractions import Fraction

from ..registry import Method, Verdict, claim

__all__: list[str] = []  # importing the module registers its claims (proofs_check.registry)

#: (optimizer, literature or derived edge as a function of the hyper-parameter h̃) for the edge claims.
_BETAS = (Fraction(0), Fraction(1, 2), Fraction(9, 10))
_RHOS = (Fraction(1, 10), Fraction(1), Fraction(6))


@claim("optimizers.momentum_edges",
       "The edge of stability derived from the momentum rules' moment maps is eta*lambda = 2(1 + beta) for heavy "
       "ball and 2(1 + beta)/(1 + 2beta) for Nesterov (exactly, as rationals, e.g. 3.8 and 19/14 at beta = 9/10); "
       "high-precision runs started at 0.99 and 1.01 times the edge with z~0 = 1e-20 contract and grow (600 steps)",
       source="derived here (docs/theory.md §7); the thresholds are those of Cohen et al. 2023",
       method=Method.NUMERIC)
def _momentum(ctx):
    from ...numerics.optimizer import OptimizerSpec, edge

    rows, ok = [], True
    for key, lit in (("heavy-ball", lambda b: 2 * (1 + b)), ("nesterov", lambda b: 2 * (1 + b) / (1 + 2 * b))):
        for b in _BETAS[1:] if ctx.quick else _BETAS:
            e = edge(OptimizerSpec(key, b))
            dyn = _dynamic_check(OptimizerSpec(key, b), e.exact)
            good = e.method == "exact" and e.exact == lit(b) and dyn["ok"]
            ok &= good
            rows.append({"optimizer": key, "beta": str(b), "eta_lambda_edge": e.text,
                         "cohen_2023": str(lit(b)), **dyn, "ok": good})
    return Verdict.check(ok, instances=rows, tolerance="exact (rationals); dynamics: |z| ratio < 1e-2 / > 1e2")


def _dynamic_check(spec, T_edge: Fraction, steps: int = 600) -> dict:
    """Run from z~0 = 1e-20 at T0 = 0.99·T* and 1.01·T* (ω = (1, 1/2), η = 1): below, the final |z| must be
    100x smaller than z~0; above, the largest |z_t| 100x larger (later the nonlinear terms take over)."""
    import mpmath

    from ...numerics.optimizer import run_optimizer
    from ...numerics.problem import from_state
    from ..output import num

    out = {}
    z0 = Fraction(1, 10 ** 20)
    for label, f in (("below", Fraction(99, 100)), ("above", Fraction(101, 100))):
        T0 = f * T_edge
        res = run_optimizer(from_state([1, Fraction(1, 2)], z0, [T0 / 2, T0 / 2]), spec, dps=30, steps=steps,
                            record=label == "above")
        with mpmath.workdps(30):
            zmax = abs(res.z) if label == "below" else max(abs(z) for z in res.trajectory[1])
            out[f"z_ratio_{label}"] = num(zmax / mpmath.mpf(z0.numerator) * z0.denominator, 3)
    with mpmath.workdps(30):
        out["ok"] = mpmath.mpf(out["z_ratio_below"]) < mpmath.mpf("1e-2") < mpmath.mpf("1e2") < \
            mpmath.mpf(out["z_ratio_above"])
    return out


@claim("optimizers.sam_edge",
       "SAM's edge of stability, derived from its moment map, is the root of eta*lambda(1 + rho*lambda) = 2 "
       "(T(1 + rho~T) = 2 with rho~ = rho/eta): certified by ball arithmetic and an exact sign change, and runs "
       "started at 0.99 and 1.01 times it contract and grow",
       source="derived here (docs/theory.md §7)", method=Method.INTERVAL)
def _sam(ctx):
    from ...numerics.optimizer import OptimizerSpec, edge

    rows, ok = [], True
    for r in _RHOS[:1] if ctx.quick else _RHOS:
        spec = OptimizerSpec("sam", r)
        e = edge(spec, dps=40)
        # The defining equation, typed here as the claim states it, at the certified ends (eta = 1).
        g = lambda T: T * (1 + r * T) - 2  # noqa: E731
        certified = e.lo > 0 and (g(e.lo) == 0 if e.exact is not None else g(e.lo) < 0 < g(e.hi))
        dyn = _dynamic_check(spec, e.lo)
        good = certified and dyn["ok"]
        ok &= good
        rows.append({"rho": str(r), "eta_lambda_edge": e.text, "method": e.method,
                     "width": f"{float(e.hi - e.lo):.1e}", **dyn, "ok": good})
    return Verdict.check(ok, instances=rows, tolerance="rigorous (ball arithmetic, exact sign change)")


@claim("optimizers.invariant",
       "For GD, SAM, heavy ball and Nesterov the derived moment maps keep the invariants sum J^2/omega - 2z "
       "(and, with momentum, sum K/omega - 2c and sum L/omega - 2z-) for symbolic P: sympy reduces the change to 0",
       source="derived here (docs/theory.md §7)", method=Method.SYMBOLIC)
def _invariant(ctx):
    from ...theory import optimizers as opt

    res = {k: str(opt.invariant_change(k)) for k in opt.OPTIMIZERS}
    return Verdict.check(all(v == "0" for v in res.values()), residuals=res)


#: θ-space instances: (optimizer, ω, E, θ0, η, steps).
_THETA_CASES = (
    ("sam:rho=1/10", "1,-1/2", "1/5", "11/10,9/10", "1/2", 300),
    ("heavy-ball:beta=1/2", "1,-1/2", "1/5", "11/10,9/10", "1/2", 300),
    ("nesterov:beta=9/10", "3/2,1/2,-1", "1/10", "1/2,3/5,1/4", "1/3", 300),
    ("sam:rho=1/3", "2,-1,1/2", "-1/10", "1/2,1/3,1/5", "1/4", 300),
)


@claim("optimizers.engine_vs_theta",
       "The generated moment maps of SAM, heavy ball and Nesterov, run in mpmath, agree with the update rules "
       "applied to theta itself to >= 35 of 40 digits of eta*lambda after 300 steps (P = 2 and 3); with beta = 0 "
       "and rho = 0 they reproduce GD's engine to 28 digits",
       source="derived here (docs/theory.md §7)", method=Method.NUMERIC)
def _engine(ctx):
    import mpmath

    from ...numerics.engines.gd_mp import agreed_digits, run_gd
    from ...numerics.optimizer import run_optimizer, run_theta
    from ...numerics.problem import from_theta
    from ..output import num

    rows, ok = [], True
    for spec, w, E, th, eta, steps in _THETA_CASES[:2] if ctx.quick else _THETA_CASES:
        p = from_theta(w, E, th, eta)
        a = run_optimizer(p, spec, dps=40, steps=steps)
        ref, _ = run_theta(p, spec, steps=steps, dps=80)
        d = agreed_digits(a.eta_ntk, ref, 40)
        ok &= d >= 35
        with mpmath.workdps(40):
            rows.append({"optimizer": spec, "omegas": w, "steps": steps, "eta_lambda_moments": num(a.eta_ntk, 40),
                         "agreed_digits": d})
    p = from_theta("3/2,-1/2", "1/10", "4/5,7/10", "1")
    gd = run_gd(p, dps=30, steps=200, method="mpmath")
    for spec in ("heavy-ball:beta=0", "sam:rho=0", "nesterov:beta=0"):
        d = agreed_digits(run_optimizer(p, spec, dps=30, steps=200).eta_ntk, gd.eta_ntk, 30)
        ok &= d >= 28
        rows.append({"optimizer": spec, "vs": "run_gd", "agreed_digits": d})
    return Verdict.check(ok, instances=rows, dps=40)


@claim("optimizers.sam_slopes",
       "SAM's order-N normal-form prediction of the final eta*lambda (the formal invariant H2 + ... + HN of its "
       "two-step 2-D map around the edge (0, T*), solved per instance with exact rationals) has relative error "
       "O(eps^(N-1)): fitted log-log slopes N - 1 +/- 0.3 for N = 2..5 on three parameter sets (T* = 1, 4/3, 3/2), "
       "against SAM's 2-D map run in fixed point",
       source="derived here (docs/theory.md §7)", method=Method.NUMERIC)
def _sam_slopes(ctx):
    from ...numerics.eos.convergence import SLOPE_BAND
    from ...numerics.sam_edge import SAM_CASES, sam_convergence_orders
    from ...theory.sam_normal_form import sam_edge_value, sam_invariant
    from ..output import num

    cases = SAM_CASES[:2] if ctx.quick else SAM_CASES
    coeffs, edges_agree = {}, True
    for case in cases:
        edges_agree &= Fraction(str(sam_edge_value(case.rhot))) == case.T_star
        inv = sam_invariant(case.omegas, case.Et, case.rhot, 5)
        coeffs[case.name] = {n: tuple(Fraction(int(c.p), int(c.q)) for c in cs) for n, cs in inv.coeffs.items()}
    res = sam_convergence_orders(coeffs, cases=cases, epsilons=[Fraction(1, 100) / 2 ** m for m in range(4)])
    return Verdict.check(
        res.ok and edges_agree,
        slopes={name: {str(N): f"{v:.3f}" for N, v in sl.items()} for name, sl in res.slopes.items()},
        band=f"N - 1 +/- {SLOPE_BAND}", epsilons=[str(e) for e in res.epsilons],
        edges={c.name: str(c.T_star) for c in cases}, edges_agree=edges_agree,
        smallest_absolute_error=num(res.min_error, 5), simulation_error=num(res.sim_error, 5),
        dps=res.dps, tol=str(res.tol), epsilon_norm="(z~0, T0) = (0, T*) + eps*direction")


#: e = ωẼ of the catapult instances (ω = (1, 1), η = 1, so e = E).
_CAT_ES = (Fraction(0), Fraction(1, 4), Fraction(1, 2), Fraction(3, 4))


@claim("catapult.bounds",
       "With equal positive eigenvalues (k = 0) GD's NTK follows T' = T(1 + e - T/2)^2 (e = omega*E~): the end "
       "T = 2e attracts for 0 < e < 1 and T grows without bound above T = 4 + 2e (for target 0: 2 < eta*lambda0 "
       "< 4 ends below 2 with the NTK decreasing, above 4 diverges). Runs at omega = (1, 1) from 0.99 and 1.01 "
       "times 4 + 2e, e = 0, 1/4, 1/2, 3/4, end below 2 (at 2e) and diverge",
       source="derived here for sorm's model and E~ != 0 (docs/theory.md §7); for target 0 the bounds are the "
              "results of Lewkowycz et al. 2020 (catapult: 2 < eta*lambda0 < 4 ends below 2, above 4 diverges) and "
              "Zhu et al. 2022 (eta_max = 4/lambda0)",
       method=Method.NUMERIC)
def _catapult(ctx):
    import mpmath

    from ...numerics import _derived as D
    from ...numerics.engines.gd_mp import GDStatus, run_gd
    from ...numerics.problem import from_state
    from ..output import num

    rows, ok = [], True
    for e in _CAT_ES[::3] if ctx.quick else _CAT_ES:
        T_div, T_end = Fraction(D.cat_divergence_bound(e)), Fraction(D.cat_end(e))
        row = {"e": str(e), "T_div": str(T_div), "T_end": str(T_end)}
        for label, f in (("below", Fraction(99, 100)), ("above", Fraction(101, 100))):
            T0 = f * T_div
            prob = from_state((1, 1), T0 / 2 - e, (T0 / 2, T0 / 2))
            if label == "above":
                res = run_gd(prob, dps=30, max_steps=2000)
                good = res.status is GDStatus.DIVERGED
            elif e == 0:  # T_t → 0 like 1/t: run a fixed number of steps, the NTK must fall at every step
                res = run_gd(prob, dps=30, steps=2000, record=True)
                Ts = res.trajectory[0]
                good = res.status is GDStatus.STEPS_DONE and Ts[-1] < 2 and all(b < a for a, b in zip(Ts, Ts[1:]))
            else:
                res = run_gd(prob, dps=30, max_steps=10 ** 5)
                with mpmath.workdps(30):
                    good = res.status is GDStatus.CONVERGED and abs(res.eta_ntk - T_end) < mpmath.mpf(10) ** -20
            ok &= good
            with mpmath.workdps(30):
                row[label] = {"T0": str(T0), "status": res.status.name, "steps": res.steps,
                              "eta_lambda_end": num(res.eta_ntk, 20), "ok": good}
        rows.append(row)
    return Verdict.check(ok, instances=rows, omegas="1,1", eta="1",
                         tolerance="converged runs end within 1e-20 of 2e; e = 0: T falls at each of 2000 steps "
                                   "and ends below 2")


#: (optimizer, β) of the momentum final-NTK measurement, at ω = (1, −1), Ẽ = 1/5, η = 1.
_MOMENTUM_NEAR_EDGE = (("heavy-ball", Fraction(1, 2)), ("nesterov", Fraction(1, 2)))


@claim("optimizers.momentum_final_ntk",
       "Measured, not predicted: heavy ball and Nesterov (beta = 1/2) started at (z~0, T0) = (eps, T* + eps) "
       "(omega = (1, -1), E~ = 1/5) converge below their edges T*, with T* - T_inf = Theta(eps): fitted log-log "
       "slope 1 +/- 0.3 over eps = 1/50, 1/100, 1/200. No prediction of T_inf is derived for momentum (its "
       "centre-manifold reduction to a normal form was not done)",
       source="derived here (docs/theory.md §7); measurement only", method=Method.NUMERIC)
def _momentum_final(ctx):
    import mpmath

    from ...numerics.eos.convergence import SLOPE_BAND, loglog_slope, state_problem
    from ...numerics.optimizer import OptimizerSpec, OptStatus, edge, run_optimizer
    from ..output import num

    eps_list = (Fraction(1, 50), Fraction(1, 100), Fraction(1, 200))
    rows, ok = [], True
    for key, beta in _MOMENTUM_NEAR_EDGE[:1] if ctx.quick else _MOMENTUM_NEAR_EDGE:
        spec = OptimizerSpec(key, beta)
        T_star = edge(spec).exact
        gaps, runs = [], []
        for eps in eps_list:
            res = run_optimizer(state_problem((1, -1), Fraction(1, 5), eps, T_star + eps), spec, dps=20,
                                max_steps=10 ** 5)
            with mpmath.workdps(20):
                gap = mpmath.mpf(T_star.numerator) / T_star.denominator - res.eta_ntk
                good = res.status is OptStatus.CONVERGED and gap > 0
                ok &= good
                gaps.append(gap)
                # |z~| and the velocity are below 1e-15 at the end, so 12 digits of eta*lambda are settled.
                runs.append({"eps": str(eps), "status": res.status.name, "steps": res.steps,
                             "eta_lambda_inf": num(res.eta_ntk, 12), "gap_over_eps": num(gap / float(eps), 6)})
        slope = loglog_slope(eps_list, gaps) if all(g > 0 for g in gaps) else float("nan")
        ok &= abs(slope - 1) <= SLOPE_BAND
        rows.append({"optimizer": str(spec), "edge": str(T_star), "fitted_slope": f"{slope:.3f}", "runs": runs})
    return Verdict.check(ok, instances=rows, band=f"1 +/- {SLOPE_BAND}", dps=20,
                         prediction="none derived for momentum")


@claim("optimizers.sweeps",
       "float64 sweeps of the generated moment maps over (eta, rho) for SAM and (eta, beta) for heavy ball and "
       "Nesterov (omega = (1, -1), z0 = 0.01, J^2 = (1.215, 0.795), 60 step sizes in [0.2, 4], 12 hyper-parameter "
       "values, 2000 steps): every run that starts at eta*lambda0 <= 0.9 T* converges, every converged run ends "
       "below its edge T*, and in each row the largest converged eta*lambda_inf lies within 20% below T*",
       source="derived here (docs/theory.md §7); a float64 sweep, not a proof", method=Method.NUMERIC)
def _sweeps(ctx):
    import numpy as np

    from ...numerics.optimizer_sweep import sweep_optimizer
    from ...numerics.problem import from_state
    from ..figures.optimizers import plot_optimizer_sweep

    problem = from_state((1, -1), Fraction(1, 100), (Fraction(243, 200), Fraction(159, 200)))
    grids = {"sam": np.linspace(0, 1, 12), "heavy-ball": np.linspace(0, 0.9, 12), "nesterov": np.linspace(0, 0.9, 12)}
    rows, figures, ok = [], [], True
    for key, hyper in grids.items():
        if ctx.quick and key != "heavy-ball":
            continue
        sw = sweep_optimizer(problem, key, np.geomspace(0.2, 4, 60), hyper, steps=2000)
        conv = sw.status == 1
        below = sw.eta_ntk0[None, :] <= 0.9 * sw.edge
        ratio = np.where(conv, sw.eta_ntk / sw.edge, np.nan)
        row_max = np.nanmax(ratio, axis=1)
        good = bool(np.all(sw.status[below] == 1) and np.all(sw.eta_ntk[conv] < sw.edge[conv])
                    and np.all(row_max >= 0.8))
        ok &= good
        path = ctx.figure(f"optimizer_sweep_{key}.png")
        plot_optimizer_sweep(sw, path)
        figures.append(path)
        rows.append({"optimizer": key, "counts": sw.counts(), "started_below_0.9_edge": int(below.sum()),
                     "max_converged_over_edge_per_row": [round(float(r), 4) for r in row_max], "ok": good})
    return Verdict.check(ok, figures=figures, instances=rows, precision="float64")
