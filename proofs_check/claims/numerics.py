"""Claims of the high-precision engines: gradient flow two ways, GD → GF, precision doubling."""
from __future__ import annotations

from fractions import Fraction

from ..registry import Method, Verdict, claim

__all__: list[str] = []  # importing the module registers its claims (proofs_check.registry)

#: Models for the GF checks (ω_i, z0, J(ω_i)², η): the paper's example, P = 2 with z < 0, P = 3.
_GF_MODELS = (
    ("-1,1", "-1/10", "1/4,1/4", "1"),
    ("1,-1", "-3/10", "1,2", "1/2"),
    ("1,-2,3", "1/2", "1,1/2,1/5", "1/2"),
)


@claim("gf.routes_agree",
       "The gradient-flow final NTK from the invariants (a 1-D root problem, docs/theory.md §2) equals the "
       "Taylor-integrated flow to >= 25 digits at 40 working digits",
       source="derived here (docs/theory.md §2; issue 3 point 2)", method=Method.NUMERIC)
def _gf_routes(ctx):
    import mpmath

    from ...numerics.engines.gd_mp import agreed_digits
    from ...numerics.engines.gf import GFStatus, gf_limit, integrate_gf
    from ..output import num
    from ...numerics.problem import from_state

    dps = 40
    models = _GF_MODELS[:2] if ctx.quick else _GF_MODELS
    digits, rows, ok = [], [], True
    for w, z0, j2, eta in models:
        prob = from_state(w, z0, j2, eta=eta)
        lim, ode = gf_limit(prob, dps=dps), integrate_gf(prob, dps=dps)
        d = agreed_digits(ode.ntk, lim.ntk, dps)
        ok &= lim.status is ode.status is GFStatus.CONVERGED and d >= 25 and lim.agreed_digits >= 38
        digits.append(d)
        with mpmath.workdps(dps):
            rows.append({"omegas": w, "lambda_GF": num(lim.ntk, dps), "integrated": num(ode.ntk, dps),
                         "digits": d, "error_estimate": num(ode.error_estimate, 3),
                         "root_digits_at_2dps": lim.agreed_digits})
    return Verdict.check(ok, min_digits=str(min(digits)), tolerance="25 digits", dps=dps, models=rows)


@claim("gd.to_gf",
       "GD's final NTK tends to the gradient-flow limit as eta -> 0 with error O(eta): the fitted "
       "log-log slope of |lambda_GD - lambda_GF| against eta lies in [0.85, 1.15]",
       source="derived here (GF is the eta -> 0 limit of GD, paper §2)", method=Method.NUMERIC)
def _gd_to_gf(ctx):
    import mpmath
    import numpy as np

    from ...numerics.engines.gd_mp import GDStatus, run_gd
    from ...numerics.engines.gf import gf_limit
    from ...numerics.problem import from_theta

    dps = 30
    etas = [Fraction(1, 40 * 2**k) for k in range(3 if ctx.quick else 5)]
    errs, ok = [], True
    for eta in etas:
        prob = from_theta("1,-1/2", "1/10", "7/10,6/10", eta=eta)
        gd = run_gd(prob, dps=dps, tol="1e-22", max_steps=10**6)
        gf = gf_limit(prob, dps=dps)
        ok &= gd.status is GDStatus.CONVERGED
        with mpmath.workdps(dps):
            errs.append(float(abs(gd.ntk - gf.ntk)))
    slope = float(np.polyfit(np.log([float(e) for e in etas]), np.log(errs), 1)[0])
    ok &= 0.85 <= slope <= 1.15
    from ..figures import plot_loglog

    figures = [ctx.figure("gd_to_gf.png")]
    plot_loglog([float(e) for e in etas], errs, figures[0], labels=[r"$|\lambda_{GD} - \lambda_{GF}|$"],
                slopes=[slope], xlabel=r"step size $\eta$", ylabel="error",
                title=r"GD $\to$ GF as $\eta \to 0$ ($\omega = (1, -1/2)$)")
    return Verdict.check(ok, figures=figures, fitted_order=f"{slope:.4f}", band="[0.85, 1.15]",
                         etas=[str(e) for e in etas], errors=[repr(e) for e in errs], dps=dps)


@claim("gd.precision_doubling",
       "High-precision GD certifies its digits: the digits of eta*lambda that agree between dps and 2*dps "
       "are the digits that agree with 4*dps (within 1), on a smooth run and on a chaotic one that loses "
       "digits, and the fixed-point and mpmath engines agree to the digits both certify",
       source="derived here (method check: doubled precision)", method=Method.NUMERIC)
def _precision(ctx):
    from ...numerics.engines.gd_mp import agreed_digits, run_gd
    from ...numerics.problem import from_state

    dps = 30
    runs = {  # name: (problem, run options)
        "smooth, P=2, converges": (from_state("3/2,-1/2", "1/50", "9/10,7/10"), dict(tol="1e-28")),
        # one mode ω = 1, E = 3/2: the map T' = (1 − z)²T, z = T/2 − E is chaotic; 150 steps lose digits
        "chaotic, P=1, 150 steps": (from_state("1", Fraction(1, 4) - Fraction(3, 2), ["1/2"]), dict(steps=150)),
    }
    ok, rows = True, {}
    for name, (prob, kw) in runs.items():
        fx = run_gd(prob, dps=dps, check_digits=True, **kw)
        ref = run_gd(prob, dps=4 * dps, **kw)
        mp_ = run_gd(prob, dps=dps, method="mpmath", check_digits=True, **kw)
        vs4 = agreed_digits(fx.eta_ntk, ref.eta_ntk, dps)
        vs_mp = agreed_digits(fx.eta_ntk, mp_.eta_ntk, dps)
        ok &= abs(vs4 - fx.agreed_digits) <= 1 and vs_mp >= min(fx.agreed_digits, mp_.agreed_digits) - 1
        rows[name] = {"agreed_digits_2dps": fx.agreed_digits, "agreed_digits_4dps": vs4,
                      "mpmath_engine_agreed_digits_2dps": mp_.agreed_digits, "fixed_point_vs_mpmath": vs_mp,
                      "steps": fx.steps, "work_bits": fx.work_bits}
    ok &= rows["chaotic, P=1, 150 steps"]["agreed_digits_2dps"] < dps  # the check is not vacuous
    return Verdict.check(ok, runs=rows, dps=dps, tolerance="|digits(2dps) - digits(4dps)| <= 1")
