"""Claims of the foundation (docs/theory.md §2–§4): the GD map, the invariant, gradient flow, P = 2.

Symbolic claims re-run the sympy derivations of ``theory/`` and report the difference
that must simplify to 0 (``residual="0"``). Numeric claims run the generated module
``numerics._derived`` in mpmath at a stated precision and again at doubled precision.
"""
from __future__ import annotations

from ..registry import Method, Verdict, claim

__all__: list[str] = []  # importing the module registers its claims (proofs_check.registry)


def _zero(expr) -> bool:
    import sympy as sp

    return sp.expand(sp.sympify(expr)) == 0


@claim("gd.map", "One GD step in theta-space, with a rotated Q = V diag(omega) V^T, equals the derived "
       "(z, J(omega_i)^2) map, at 40 digits and again at 80",
       source="derived here (paper §2.1 update rule)", method=Method.NUMERIC)
def _gd_map(ctx):
    import mpmath
    import numpy as np

    from ...numerics import _derived as d

    P = 4
    A = np.random.RandomState(ctx.seed).standard_normal((P, P))
    w_in = ["1", "-1/3", "2", "0"]
    th_in = ["1/2", "3/4", "-1/5", "1"]
    res = {}
    for dps in (40, 80):
        with mpmath.workdps(dps):
            V, _ = mpmath.qr(mpmath.matrix(A.tolist()))
            w = [mpmath.mpf(mpmath.fraction(*map(int, s.split("/"))) if "/" in s else s) for s in w_in]
            Q = V * mpmath.diag(w) * V.T
            th = V * mpmath.matrix([mpmath.mpf(mpmath.fraction(*map(int, s.split("/"))) if "/" in s else s)
                                    for s in th_in])
            E, eta = mpmath.mpf(1) / 10, mpmath.mpf(3) / 10

            def z_of(t):
                return (t.T * Q * t)[0] / 2 - E

            def modes(t):
                J = t.T * Q
                return [(J * V[:, k])[0] ** 2 for k in range(P)]

            z, J2 = z_of(th), modes(th)
            th1 = th - eta * z * (Q * th)
            zm = d.gd_z_next(eta, z, sum(J2), sum(wi * j for wi, j in zip(w, J2)))
            Jm = [d.gd_J2_next(eta, z, wi, j) for wi, j in zip(w, J2)]
            err = max([abs(zm - z_of(th1))] + [abs(a - b) for a, b in zip(Jm, modes(th1))])
            res[dps] = err
    tol = {40: mpmath.mpf(10) ** -35, 80: mpmath.mpf(10) ** -75}
    ok = all(res[k] < tol[k] for k in res)
    return Verdict.check(ok, residual=mpmath.nstr(res[40], 5), tolerance="1e-35", dps=40,
                         residual_doubled=mpmath.nstr(res[80], 5), tolerance_doubled="1e-75", dps_doubled=80,
                         P=P, omegas=w_in)


@claim("gd.symbolic", "The exact GD map for any P: z' = z - eta z lambda + eta^2 z^2 sum(omega_i J^2)/2, "
       "J(omega_i)^2' = (1 - eta z omega_i)^2 J(omega_i)^2, and its eta-rescaled form",
       source="derived here (paper §2.1 update rule; docs/theory.md §3)", method=Method.SYMBOLIC)
def _gd_map_symbolic(ctx):
    import sympy as sp

    from ...theory import gd_map
    from ...theory.symbols import J2, M0, M1, S, T, eta, i, omega, z, zt

    half = sp.Rational(1, 2)
    diffs = {
        "z_next": gd_map.z_next() - (z - eta * z * M0 + half * eta**2 * z**2 * M1),
        "J2_next": gd_map.J2_next() - (1 - eta * z * omega[i]) ** 2 * J2[i],
        "zt_next": gd_map.zt_next() - (zt * (1 - T) + half * zt**2 * S),
        "J2t_next": gd_map.J2t_next() - (1 - zt * omega[i]) ** 2 * J2[i],
    }
    ok = all(_zero(v) for v in diffs.values())
    return Verdict.check(ok, residual="0" if ok else str({k: str(v) for k, v in diffs.items()}),
                         compared_with="docs/theory.md §3 closed forms", P="symbolic")


@claim("invariant.gd", "sum_{omega_i != 0} J(omega_i)^2/omega_i - 2z = 2E is conserved exactly by the GD map "
       "(symbolic P via moments; direct substitution for P = 1..4 and a zero eigenvalue; at every theta via Q^+)",
       source="derived here (docs/theory.md §3)", method=Method.SYMBOLIC)
def _invariant_gd(ctx):
    import sympy as sp

    from ...theory import invariants

    moments = invariants.gd_change_moments()
    concrete = invariants.CONCRETE[:2] + invariants.CONCRETE[-1:] if ctx.quick else invariants.CONCRETE
    conc = {",".join(map(str, ws)): str(invariants.gd_change_concrete(ws)) for ws in concrete}
    w1, w2 = sp.Symbol("w1", nonzero=True), sp.Symbol("w2", nonzero=True)
    theta_id = {"diag(w1,w2)": str(invariants.theta_identity((w1, w2))),
                "diag(w1,0)": str(invariants.theta_identity((w1, sp.Integer(0))))}
    ok = moments == 0 and all(v == "0" for v in conc.values()) and all(v == "0" for v in theta_id.values())
    return Verdict.check(ok, residual=str(moments), concrete_P=conc, theta_identity=theta_id)


@claim("invariant.gf", "sum_{omega_i != 0} J(omega_i)^2/omega_i - 2z = 2E is conserved by gradient flow "
       "(its time derivative simplifies to 0)", source="derived here (docs/theory.md §2-3)", method=Method.SYMBOLIC)
def _invariant_gf(ctx):
    from ...theory import invariants

    r = invariants.gf_rate()
    return Verdict.check(r == 0, residual=str(r))


@claim("invariant.gd_numeric", "Along 2000 GD steps (P = 5, one zero eigenvalue, eta*lambda near 2) the "
       "invariant drifts by less than steps*10^-dps times its scale, at 40 and at 80 digits",
       source="derived here (docs/theory.md §3)", method=Method.NUMERIC)
def _invariant_numeric(ctx):
    import mpmath

    from ...numerics import _derived as d
    from ...numerics.precision import to_mpf
    from ...numerics.problem import from_theta

    steps = 300 if ctx.quick else 2000
    prob = from_theta(["3/2", "-1", "1/2", "0", "-1/4"], "1/5", ["1/2", "1/4", "-1", "2", "3/4"], "1")
    prob = from_theta(prob.omegas, prob.E, prob.theta0, 19 / (10 * prob.ntk0))  # eta*lambda0 = 1.9
    out = {}
    for dps in (40, 80):
        with mpmath.workdps(dps):
            w = [to_mpf(x) for x in prob.omegas]
            z, J2, eta = to_mpf(prob.z0), [to_mpf(x) for x in prob.J2], to_mpf(prob.eta)

            def inv(z, J2):
                return d.invariant_2E(z, sum(d.invariant_term(wi, j) for wi, j in zip(w, J2) if wi != 0))

            I0 = inv(z, J2)
            worst, scale = mpmath.mpf(0), abs(I0) + abs(z) + sum(J2)
            for _ in range(steps):
                z, J2 = (d.gd_z_next(eta, z, sum(J2), sum(wi * j for wi, j in zip(w, J2))),
                         [d.gd_J2_next(eta, z, wi, j) for wi, j in zip(w, J2)])
                worst = max(worst, abs(inv(z, J2) - I0))
                scale = max(scale, abs(z) + sum(j / abs(wi) for wi, j in zip(w, J2) if wi != 0))
            out[dps] = (worst, scale, eta * sum(J2), abs(I0 - 2 * to_mpf(prob.E)))
    tol = {k: steps * mpmath.mpf(10) ** -k * 10 * out[k][1] for k in out}
    ok = all(out[k][0] <= tol[k] and out[k][3] <= tol[k] for k in out)
    return Verdict.check(ok, residual=mpmath.nstr(out[40][0], 5), tolerance=mpmath.nstr(tol[40], 5), dps=40,
                         residual_doubled=mpmath.nstr(out[80][0], 5), tolerance_doubled=mpmath.nstr(tol[80], 5),
                         dps_doubled=80, steps=steps, final_eta_ntk=mpmath.nstr(out[40][2], 20))


@claim("gf.z_sign", "Under gradient flow z(t) = z(0) exp(-eta int_0^t lambda) solves dz/dt = -eta lambda z, "
       "so z never changes sign; every J(omega_i)^2 = J(omega_i)^2(0) e^{-2 omega_i x} stays >= 0",
       source="paper §2; derived here", method=Method.SYMBOLIC)
def _gf_z_sign(ctx):
    from ...theory import flow

    checks = dict(flow.z_solution_checks(), J2_nonnegative=flow.J2_nonnegative())
    rates = {"dz/dt": str(flow.z_rate()), "dJ2/dt": str(flow.J2_rate()), "dlambda/dt": str(flow.ntk_rate())}
    return Verdict.check(all(checks.values()), residual="0", checks=checks, rates=rates)


@claim("gf.integrable", "Gradient flow is integrable: with x = eta int z, J(omega_i)^2 = J(omega_i)^2(0) "
       "e^{-2 omega_i x}, z(x) = sum J(omega_i)^2(0) e^{-2 omega_i x}/(2 omega_i) - E, and ln J_i^2/omega_i - "
       "ln J_j^2/omega_j is constant", source="derived here (docs/theory.md §2)", method=Method.SYMBOLIC)
def _gf_integrable(ctx):
    from ...theory import flow

    ok_j = flow.J2_of_x_checks()
    ok_z = flow.z_of_x_check()
    log_rate = flow.log_invariant_rate()
    return Verdict.check(ok_j and ok_z and log_rate == 0, residual=str(log_rate), J2_of_x=str(flow.J2_of_x()),
                         J2_of_x_solves_flow=ok_j, z_of_x_solves_flow=ok_z)


@claim("gf.sharpening", "In the paper's example omega = (-w, w), J(omega_1) = J(omega_2), gradient flow "
       "sharpens (d lambda/dt > 0) at every t > 0, for every sign of z and w",
       source="paper §2 (claim); proved here", method=Method.SYMBOLIC)
def _gf_sharpening(ctx):
    import mpmath
    import sympy as sp

    from ...numerics import _derived as d
    from ..figures import plot_curves
    from ...theory import sharpening

    cases = sharpening.sign_cases()
    proved = all(p is True for _, p in cases.values())
    degenerate = {k: str(v) for k, v in sharpening.degenerate_cases().items()}
    # Illustration (not part of the proof): λ(t) by integrating the GF rates at 30 digits, with the
    # final λ recomputed at 60 digits as the doubled-precision check.
    curves, monotone, final = {}, True, {}
    t_max = 15 if ctx.quick else 30
    for dps in (30, 60):
        with mpmath.workdps(dps):
            for label, z0 in (("z(0) = +1/2", mpmath.mpf(1) / 2), ("z(0) = -1/4", -mpmath.mpf(1) / 4)):
                w, J0, eta = [mpmath.mpf(-1), mpmath.mpf(1)], mpmath.mpf(1) / 2, mpmath.mpf(1)

                def rates(_t, y):
                    z, J2 = y[0], y[1:]
                    return [d.gf_z_rate(eta, z, sum(J2))] + [d.gf_J2_rate(eta, z, wi, j) for wi, j in zip(w, J2)]

                sol = mpmath.odefun(rates, 0, [z0, J0, J0])
                if dps == 30:
                    ts = [mpmath.mpf(k) / 10 for k in range(0, t_max + 1)]
                    lam = [sum(sol(t)[1:]) for t in ts]
                    monotone &= all(b > a for a, b in zip(lam, lam[1:]))
                    curves[label] = ([float(t) for t in ts], [float(v) for v in lam])
                final[(label, dps)] = sum(sol(mpmath.mpf(t_max) / 10)[1:])
    with mpmath.workdps(60):
        diff = max(abs(final[(lb, 30)] - final[(lb, 60)]) for lb in curves)
    agree = diff < mpmath.mpf(10) ** -25
    figs = [ctx.figure("gf_sharpening.png")]
    plot_curves({f"${lb}$": c for lb, c in curves.items()}, figs[0], xlabel="time $t$", ylabel=r"NTK $\lambda(t)$",
                title=r"gradient flow, $\omega = (-1, 1)$, $J(\omega_i)^2(0) = 1/2$, $\eta = 1$")
    return Verdict.check(proved and monotone and agree and all(v == "0" for v in degenerate.values()),
                         figures=figs,
                         residual="0", rate=str(sharpening.ntk_rate_sinh()),
                         sign_cases={f"sign z={s:+d}, sign w={t:+d}": f"{sp.sstr(e)} > 0: {p}"
                                     for (s, t), (e, p) in cases.items()},
                         excluded_cases=degenerate, numeric_illustration_monotone=monotone, dps=30,
                         final_ntk={lb: mpmath.nstr(final[(lb, 30)], 25) for lb in curves},
                         doubled_precision_difference=mpmath.nstr(diff, 5), tolerance_doubled="1e-25",
                         dps_doubled=60)


@claim("linear.constant_ntk", "The linear model z = G^T theta - y has a constant NTK under GF and GD: no "
       "progressive sharpening (proved for P = 1, 2, 3, 4, each P separately; P = 1, 2 with --quick)", source="paper §1-2 (contrast); derived here", method=Method.SYMBOLIC)
def _linear(ctx):
    from ...theory import linear

    Ps = (1, 2) if ctx.quick else (1, 2, 3, 4)
    gf = {P: str(linear.gf_ntk_rate(P)) for P in Ps}
    gd = {P: str(linear.gd_ntk_change(P)) for P in Ps}
    ok = all(v == "0" for v in gf.values()) and all(v == "0" for v in gd.values())
    return Verdict.check(ok, residual="0" if ok else str((gf, gd)), gf_dlambda_dt=gf, gd_lambda_change=gd,
                         P=list(Ps))


@claim("planar.reduction", "For P = 2 (omega_1 omega_2 != 0, omega_1 != omega_2) the invariant reduces GD to "
       "a map of (z~, T): S = aT - 2b(z~ + E~), R = (a^2 - b)T - 2ab(z~ + E~), z~' = z~(1 - T) + z~^2 S/2, "
       "T' = T - 2 z~ S + z~^2 R", source="derived here (docs/theory.md §4)", method=Method.SYMBOLIC)
def _planar(ctx):
    import sympy as sp

    from ...theory import planar
    from ...theory.symbols import Et, T, a, b, zt

    S_ref = a * T - 2 * b * (zt + Et)
    R_ref = (a**2 - b) * T - 2 * a * b * (zt + Et)
    diffs = {"S": planar.S_expr() - S_ref, "R": planar.R_expr() - R_ref,
             "zt_next": planar.zt_next() - (zt * (1 - T) + sp.Rational(1, 2) * zt**2 * S_ref),
             "T_next": planar.T_next() - (T - 2 * zt * S_ref + zt**2 * R_ref)}
    ok = all(_zero(v) for v in diffs.values())
    adm = [str(e) for e in planar.admissible()]
    return Verdict.check(ok, residual="0" if ok else str({k: str(v) for k, v in diffs.items()}),
                         compared_with="docs/theory.md §4 closed forms", admissible_region=[f"{e} >= 0" for e in adm])


@claim("planar.eos_threshold", "The fixed line z~ = 0 of the 2-D map has Jacobian eigenvalues 1 - T and 1, so "
       "it attracts iff 0 < T < 2: the edge of stability is eta*lambda = 2, lambda = 2/eta",
       source="derived here (docs/theory.md §4; paper §2 threshold)", method=Method.SYMBOLIC)
def _threshold(ctx):
    import sympy as sp

    from ...theory import planar
    from ...theory.symbols import T

    ev = planar.fixed_line_eigenvalues()
    interval = planar.stable_T_interval()
    ok = set(ev) == {1 - T, sp.Integer(1)} and interval == sp.Interval.open(0, 2)
    return Verdict.check(ok, residual="0", eigenvalues=[str(e) for e in ev], stable_T=str(interval),
                         jacobian=str(planar.fixed_line_jacobian().tolist()))
