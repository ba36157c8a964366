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


@claim("sweep.converged_below_eos",
       "Every converged GD trajectory of an eta-sweep ends with eta*lambda < 2 (NTK below 2/eta), "
       "including those that passed the edge of stability and self-stabilized",
       source="paper §2 (stability threshold 2/eta); sweep check derived here", method=Method.PROPERTY)
def _converged_below(ctx):
    import mpmath
    import numpy as np

    from ...numerics.engines.batch import TrajectoryClass
    from ..output import num
    from ..figures import plot_sweep_panels
    from ...numerics.problem import from_state
    from ...numerics.engines.sweep import sweep

    n_eta = 120 if ctx.quick else 600
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
        row_ok = (bool(np.all(Tc < 2)) and ss > 0 and status == "CONVERGED" and T30 < 2
                  and d60 < mpmath.mpf(10) ** -20 and d64 < mpmath.mpf(10) ** -10)
        ok &= row_ok
        panels.append({"eta": r.eta, "final_eta_ntk": r.final_eta_ntk,
                       "classes": [TrajectoryClass(int(c)).name for c in r.batch.classes],
                       "title": f"{label}: omegas=({', '.join(str(x) for x in omegas)}), z0={z0}, "
                                f"J2=({J2}); {r.steps} steps max"})
        rows.append({"model": label, "omegas": [str(w) for w in omegas], "z0": z0, "J2": J2,
                     "runs": int(r.eta.size), "counts": r.counts(),
                     "max_converged_eta_ntk_float64": repr(float(Tc.max())),
                     "at_eta": repr(float(r.eta[worst])),
                     "max_converged_eta_ntk_30_digits": num(T30, 30),
                     "rerun_60_digits_difference": mpmath.nstr(d60, 3),
                     "float64_vs_30_digits": mpmath.nstr(d64, 3), "ok": row_ok})
    figures = [ctx.figure("sweep_final_ntk.png")]
    plot_sweep_panels(panels, figures[0])
    return Verdict.check(ok, figures=figures, sweeps=rows,
                         tolerance="float64 vs 30 digits < 1e-10; 30 vs 60 digits < 1e-20 (stop rule |z~| < 1e-25)",
                         dps=30, precision="float64 sweep; closest call rechecked at 30 and 60 digits")


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
    ok = present and stable_lyap and bool(np.all(res.final_eta_ntk[conv] < 2)) and small_eta_below
    return Verdict.check(ok, figures=[path], counts=res.counts, grid=f"{n_state} z0 x {n_eta} eta",
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
        if p.P == 2:
            w1, w2 = (float(w) for w in p.omegas)
            q = run_planar(float(p.zt0), float(p.T0), w1 + w2, w1 * w2, float(p.Et), steps=K, settle=False)
            errs += [abs(a.eta_ntk - mpmath.mpf(q.T[0])), abs(a.z - mpmath.mpf(q.zt[0]))]
        with mpmath.workdps(60):
            d60 = abs(a.eta_ntk - b.eta_ntk)
        e = max(errs)
        worst = max(worst, e)
        ok &= e < mpmath.mpf("1e-10") and d60 < mpmath.mpf("1e-25")
        rows.append({"omegas": [str(w) for w in omegas], "steps": K, "float64_error": mpmath.nstr(e, 3),
                     "rerun_60_digits_difference": mpmath.nstr(d60, 3)})
    return Verdict.check(ok, cases=rows, residual=mpmath.nstr(worst, 3), tolerance="1e-10", dps=30)
