"""Claims checked on the float64 batch engine: sweeps over η and the 2-D phase diagram.

float64 only finds the candidates; every number a claim rests on near the edge of
stability (the largest converged ηλ of each sweep) is rechecked with the
high-precision engine at 30 digits and again at 60.
"""
from __future__ import annotations

from ..registry import Method, Verdict, claim

__all__: list[str] = []  # importing the module registers its claims (proofs_check.registry)

#: Sweep models: (label, omegas, z0, J2), unscaled; E follows from the invariant.
_MODELS = (
    ("docs/theory.md §5.3 example", (1, -1), "0.01", "1.215,0.795"),
    ("asymmetric omegas", (2, "-0.5"), "-0.02", "0.6,0.5"),
    ("three modes", (1, 2, -1), "0.05", "0.3,0.4,0.2"),
)


def _mp_check(problem, T64: float):
    """run_gd at 30 digits, checked at 60: (eta_ntk_30, |30 - 60|, |float64 - 30|, status name)."""
    import mpmath

    from ...numerics.engines.gd_mp import run_gd

    a = run_gd(problem, dps=30, max_steps=200_000)
    b = run_gd(problem, dps=60, max_steps=200_000)
    with mpmath.workdps(60):
        return a.eta_ntk, abs(a.eta_ntk - b.eta_ntk), abs(a.eta_ntk - mpmath.mpf(T64)), a.status.name


def _recheck_sample(r, make_problem, rng, n_random: int, max_pairs: int) -> dict:
    """Rerun sweep points on the 30-digit engine: both sides of each change between converged and not, plus a random sample.

    ``make_problem(i)`` builds the problem of sweep point i. The 30-digit engine's "converged" is
    |z~| < 1e-25 (the residual alone), with 10x the float64 step budget. Returns the number of points,
    how many the 30-digit engine calls converged, how many of those end with eta*lambda >= 2 (must be 0),
    and the points where the engines disagree on convergence (a float64 run that used its whole budget
    while the 30-digit run converged after more steps than that budget is not a disagreement).
    """
    import numpy as np

    from ...numerics.engines.batch import TrajectoryClass
    from ...numerics.engines.gd_mp import GDStatus, run_gd

    c, conv64 = r.batch.classes, r.converged_mask()
    edges = np.flatnonzero(conv64[1:] != conv64[:-1])
    edges = edges[np.sort(rng.permutation(edges.size)[:max_pairs])]
    picks = sorted(set(edges.tolist()) | set((edges + 1).tolist())
                   | set(rng.choice(c.size, size=min(n_random, c.size), replace=False).tolist()))
    n_conv, above, late, mismatches = 0, 0, 0, []
    for i in picks:
        a = run_gd(make_problem(i), dps=30, max_steps=10 * r.steps)
        conv = a.status is GDStatus.CONVERGED
        n_conv += conv
        above += conv and not a.eta_ntk < 2
        if conv and not conv64[i] and r.batch.steps[i] == r.steps and a.steps > r.steps:
            late += 1  # consistent: it converges, later than the float64 budget
        elif conv != bool(conv64[i]):
            mismatches.append({"eta": repr(float(r.eta[i])), "float64": TrajectoryClass(int(c[i])).name,
                               "30_digits": a.status.name, "steps_30_digits": a.steps})
    return {"points": len(picks), "boundary_pairs": int(edges.size), "converged_30_digits": n_conv,
            "converged_30_digits_after_the_float64_budget": late,
            "converged_30_digits_with_eta_ntk_ge_2": above, "class_mismatches": mismatches}


@claim("sweep.converged_below_eos",
       "Every converged GD trajectory of an eta-sweep ends with eta*lambda < 2 (NTK below 2/eta), "
       "including those that passed the edge of stability and self-stabilized",
       source="paper §2 (stability threshold 2/eta); sweep check derived here", method=Method.PROPERTY)
def _converged_below(ctx):
    """Convergence is classified from the residual alone (|z~| -> 0) by both engines; eta*lambda < 2 is tested.

    On float64: every run the batch engine calls converged. On 30 digits: the points on both sides of
    up to 10 changes between converged and not along the sweep, and a seeded random sample; each must
    end below 2 when it converged, and the two engines must agree on which points converged.
    """
    import mpmath
    import numpy as np

    from ...numerics.engines.batch import TrajectoryClass
    from ..output import num
    from ..figures import plot_sweep_panels
    from ...numerics.problem import from_state
    from ...numerics.engines.sweep import sweep

    n_eta, n_random = (120, 4) if ctx.quick else (600, 12)
    rng = np.random.default_rng(ctx.seed)
    rows, panels, ok = [], [], True
    for k, (label, omegas, z0, J2) in enumerate(_MODELS):
        p = from_state(list(omegas), z0, J2)
        r = sweep(p, eta_min="0.05", eta_max="4", n_eta=n_eta, steps=20_000)
        conv = r.converged_mask()
        ss = int(np.count_nonzero(r.batch.classes == TrajectoryClass.SELF_STABILIZED))
        Tc = r.final_eta_ntk[conv]
        worst = int(np.flatnonzero(conv)[np.argmax(Tc)])
        # the closest call, rechecked at high precision
        pw = from_state(list(omegas), z0, J2, eta=repr(float(r.eta[worst])))
        T30, d60, d64, status = _mp_check(pw, float(r.final_eta_ntk[worst]))
        sample = _recheck_sample(r, lambda i: from_state(list(omegas), z0, J2, eta=repr(float(r.eta[i]))), rng,
                                 n_random, 10)
        row_ok = (bool(np.all(Tc < 2)) and ss > 0 and status == "CONVERGED" and T30 < 2
                  and d60 < mpmath.mpf(10) ** -20 and d64 < mpmath.mpf(10) ** -10
                  and sample["converged_30_digits_with_eta_ntk_ge_2"] == 0 and not sample["class_mismatches"])
        ok &= row_ok
        panels.append({"eta": r.eta, "final_eta_ntk": r.final_eta_ntk,
                       "classes": [TrajectoryClass(int(c)).name for c in r.batch.classes],
                       "title": f"{label}: omegas=({', '.join(str(x) for x in omegas)}), z0={z0}, "
                                f"J2=({J2}); {r.steps} steps max"})
        rows.append({"model": label, "omegas": [str(w) for w in omegas], "z0": z0, "J2": J2,
                     "runs": int(r.eta.size), "counts": r.counts(),
                     "converged_float64": int(conv.sum()),
                     "max_converged_eta_ntk_float64": repr(float(Tc.max())),
                     "at_eta": repr(float(r.eta[worst])),
                     "max_converged_eta_ntk_30_digits": num(T30, 30),
                     "rerun_60_digits_difference": mpmath.nstr(d60, 3),
                     "float64_vs_30_digits": mpmath.nstr(d64, 3),
                     "recheck_30_digits": sample, "ok": row_ok})
    figures = [ctx.figure("sweep_final_ntk.png")]
    plot_sweep_panels(panels, figures[0])
    return Verdict.check(ok, figures=figures, sweeps=rows,
                         convergence="from the residual alone: float64 |z~| shrinking and <= 1e-13*(1 - ratio); "
                                     "30 digits |z~| < 1e-25",
                         tolerance="float64 vs 30 digits < 1e-10; 30 vs 60 digits < 1e-20 (stop rule |z~| < 1e-25)",
                         dps=30, precision="float64 sweep; closest call rechecked at 30 and 60 digits; "
                                           "class-change points and a random sample rechecked at 30 digits",
                         seed=ctx.seed)


@claim("phase.diagram",
       "The 2-D model's GD phase diagram (eta against initial z0) has five classes: converged below the edge "
       "of stability, converged after it (self-stabilized), period-2, chaotic (largest Lyapunov exponent > 0), "
       "diverged; and every converged point ends below 2/eta",
       source="derived here (issue: degenerate and global behaviour; EOS threshold paper §2)",
       method=Method.PROPERTY)
def _phase(ctx):
    import numpy as np

    from ...numerics.engines.batch import TrajectoryClass, run_planar
    from ...numerics.eos.phase import PHASE_CLASSES, phase_diagram
    from ..figures import plot_phase
    from ...numerics.problem import from_state

    n_eta, n_state = (120, 80) if ctx.quick else (400, 300)
    res = phase_diagram([1, -1], z0="0.01", J2="1.215,0.795", vary="z0", state_from=-2, state_to=1,
                        eta_min="0.1", eta_max="3", n_eta=n_eta, n_state=n_state, steps=10_000,
                        lyap_steps=2000)
    path = ctx.figure("phase_diagram.png")
    plot_phase(res, path)
    cls = res.classes
    conv = (cls == TrajectoryClass.CONVERGED_BELOW) | (cls == TrajectoryClass.SELF_STABILIZED)
    chaotic = np.argwhere(cls == TrajectoryClass.CHAOTIC)
    present = all(res.counts[c.name] > 0 for c in PHASE_CLASSES)
    # the most chaotic point: its exponent must persist with a twice longer run and tail
    stable_lyap, lyap1, lyap2 = False, float("nan"), float("nan")
    if chaotic.size:
        j, k = max(chaotic, key=lambda jk: res.lyapunov[jk[0], jk[1]])
        s = res.sweep
        i = j * res.eta_grid.size + k
        eta = s.eta[i]
        again = run_planar(eta * s.z0[i], eta * s.J2[i].sum(), 0.0, -1.0, eta * s.E[i], steps=20_000,
                           lyap_steps=8000)
        lyap1, lyap2 = float(res.lyapunov[j, k]), float(again.lyapunov[0])
        stable_lyap = again.class_of(0) is TrajectoryClass.CHAOTIC and abs(lyap1 - lyap2) < 0.05 and lyap2 > 0.05
    small_eta_below = bool(np.all(cls[:, 0] == TrajectoryClass.CONVERGED_BELOW))
    s = res.sweep
    sample = _recheck_sample(
        s, lambda i: from_state([1, -1], repr(float(s.z0[i])), ",".join(repr(float(j)) for j in s.J2[i]),
                                eta=repr(float(s.eta[i]))),
        np.random.default_rng(ctx.seed), 6 if ctx.quick else 16, 6 if ctx.quick else 16)
    sample_ok = sample["converged_30_digits_with_eta_ntk_ge_2"] == 0 and not sample["class_mismatches"]
    ok = present and stable_lyap and bool(np.all(res.final_eta_ntk[conv] < 2)) and small_eta_below and sample_ok
    return Verdict.check(ok, figures=[path], counts=res.counts, grid=f"{n_state} z0 x {n_eta} eta",
                         convergence="from the residual alone (|z~| -> 0); eta*lambda < 2 is then tested",
                         recheck_30_digits=sample, seed=ctx.seed,
                         omegas="1,-1", J2="1.215,0.795", steps="10000 (Lyapunov over the last 2000)",
                         max_converged_eta_ntk=repr(float(res.final_eta_ntk[conv].max())),
                         chaotic_example_lyapunov=repr(lyap1), chaotic_example_lyapunov_doubled_run=repr(lyap2),
                         smallest_eta_column_all_converged_below=small_eta_below, precision="float64")


@claim("batch.mp_agreement",
       "The float64 batch engine (P-mode map and 2-D map) agrees with 30-digit GD to 1e-10 on non-chaotic runs",
       source="derived here (engine check)", method=Method.NUMERIC)
def _agreement(ctx):
    import mpmath

    from ...numerics.engines.batch import classify_problem, run_planar
    from ...numerics.engines.gd_mp import run_gd
    from ...numerics.problem import from_state

    cases = [((1, -1), "0.01", "1.215,0.795", 400), ((2, "-0.5"), "-0.02", "0.9,0.5", 400),
             ((3, 1), "0.03", "0.5,0.2", 400), ((1, 2, -1), "0.05", "0.6,0.8,0.5", 300)]
    worst, ok, rows = mpmath.mpf(0), True, []
    for omegas, z0, J2, K in cases:
        p = from_state(list(omegas), z0, J2)
        a = run_gd(p, dps=30, steps=K, method="mpmath")
        b = run_gd(p, dps=60, steps=K, method="mpmath")
        f = classify_problem(p, steps=K, settle=False)
        errs = [abs(a.eta_ntk - mpmath.mpf(f.T[0])), abs(a.z - mpmath.mpf(f.zt[0]))]
        if p.planar is not None:
            a2, b2, Et2 = (float(v) for v in p.planar)
            q = run_planar(float(p.zt0), float(p.T0), a2, b2, Et2, steps=K, settle=False)
            errs += [abs(a.eta_ntk - mpmath.mpf(q.T[0])), abs(a.z - mpmath.mpf(q.zt[0]))]
        with mpmath.workdps(60):
            d60 = abs(a.eta_ntk - b.eta_ntk)
        e = max(errs)
        worst = max(worst, e)
        ok &= e < mpmath.mpf("1e-10") and d60 < mpmath.mpf("1e-25")
        rows.append({"omegas": [str(w) for w in omegas], "steps": K, "float64_error": mpmath.nstr(e, 3),
                     "rerun_60_digits_difference": mpmath.nstr(d60, 3)})
    return Verdict.check(ok, cases=rows, residual=mpmath.nstr(worst, 3), tolerance="1e-10", dps=30)
