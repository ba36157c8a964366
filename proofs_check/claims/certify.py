"""Claims proved by interval (ball) arithmetic: the threshold 2/η and the final ηλ.

Both checks use :mod:`numerics.certify` (python-flint ``arb``): the results are rigorous
enclosures, not estimates; the high-precision GD value (:func:`numerics.engines.gd_mp.run_gd`) is
then checked to lie inside, and the enclosure is recomputed at doubled precision.
"""
from __future__ import annotations

from fractions import Fraction

from ..registry import Method, Verdict, claim

__all__: list[str] = []  # importing the module registers its claims (proofs_check.registry)

#: (label, a = ω₁+ω₂, b = ω₁ω₂, Ẽ, η) for the threshold claim.
_THRESHOLD_CASES = (
    ("omega=(1,-1), Et=0.2, eta=1", 0, -1, Fraction(1, 5), 1),
    ("omega=(2,-1/2), Et=-0.1, eta=1/2", Fraction(3, 2), -1, Fraction(-1, 10), Fraction(1, 2)),
    ("omega=(3/2,1/2), Et=0.3, eta=3", 2, Fraction(3, 4), Fraction(3, 10), 3),
)


def _eos_problem(eps, Et=Fraction(1, 5), w=(1, -1), sign=1, eta=1):
    """ω = w, Ẽ, z̃₀ = sign·ε, T₀ = 2 + ε (docs/theory.md §5.3 family), with J̃(ω_i)² from the invariant."""
    from ...numerics.problem import from_state

    w1, w2 = Fraction(w[0]), Fraction(w[1])
    z, T = sign * Fraction(eps), 2 + Fraction(eps)
    c = 2 * Fraction(Et) + 2 * z
    J1 = (c - T / w2) / (1 / w1 - 1 / w2)
    eta = Fraction(eta)
    return from_state([w1, w2], z / eta, [J1 / eta, (T - J1) / eta], eta)


@claim("certify.threshold",
       "Each point (0, T) of the fixed line z~ = 0 of the 2-D map has Jacobian eigenvalues 1 - T (transverse) "
       "and exactly 1 (along the line); it attracts iff |1 - T| < 1, i.e. 0 < T < 2: the certified "
       "threshold is lambda* = 2/eta, with T = 2 - 1e-20 attracting and T = 2 + 1e-20 repelling",
       source="paper abstract, §2 (threshold 2/eta); docs/theory.md §4 (derived here); certified here",
       method=Method.INTERVAL)
def _threshold(ctx):
    from ...numerics.certify import Stability, certify_stability, certify_threshold, decimal_bound, sci_up

    prec = 128
    cases = _THRESHOLD_CASES[:1] if ctx.quick else _THRESHOLD_CASES
    ok, rows = True, []
    for label, a, b, Et, eta in cases:
        thr = certify_threshold(a, b, Et, eta=eta, prec_bits=prec)
        lo, hi = thr.ntk_threshold if thr.certified else (None, None)
        below = certify_stability(2 - Fraction(1, 10**20), a, b, Et, radius=Fraction(1, 10**25), prec_bits=prec)
        above = certify_stability(2 + Fraction(1, 10**20), a, b, Et, radius=Fraction(1, 10**25), prec_bits=prec)
        good = (thr.certified and thr.contains_edge() and lo <= 2 / Fraction(eta) <= hi
                and below.stability is Stability.ATTRACTING and above.stability is Stability.REPELLING
                and below.neutral_is_one and below.triangular)
        ok = ok and good
        rows.append({
            "instance": label, "certified": good,
            "lambda_star_lo": decimal_bound(lo, 30, "down") if lo is not None else None,
            "lambda_star_hi": decimal_bound(hi, 30, "up") if hi is not None else None,
            "two_over_eta": decimal_bound(2 / Fraction(eta), 30, "down"),
            "width_of_T_minus": sci_up(thr.T_minus[1] - thr.T_minus[0]) if thr.T_minus else None,
            "T_plus": [decimal_bound(x, 30, d) for x, d in zip(thr.T_plus, ("down", "up"))] if thr.T_plus else None,
            "slope_d(1-T)/dT": thr.slope,
            "at_2-1e-20": below.stability.name.lower(), "at_2+1e-20": above.stability.name.lower(),
            "newton_steps": thr.newton_steps,
        })
    return Verdict.check(ok, instances=rows, tolerance="rigorous (ball arithmetic)", precision_bits=prec,
                         jacobian="DF(0, T) differentiated exactly from the iterated map (planar_zt_next, "
                                  "planar_T_next) as polynomials in T, not a hand-typed 1 - T")


#: (label, builder) for the final-ηλ claim; the first is the example of docs/theory.md §5.3.
def _final_cases(quick):
    from ...numerics.problem import from_state

    cases = [("docs/theory.md §5.3: omega=(1,-1), Et=0.2, zt0=0.01, T0=2.01", lambda: _eos_problem("0.01"))]
    if not quick:
        cases += [
            ("omega=(2,-1/2), Et=-0.1, zt0=-0.01, T0=2.01", lambda: _eos_problem("0.01", Et=Fraction(-1, 10),
                                                                               w=(2, Fraction(-1, 2)), sign=-1)),
            ("omega=(1,-1), Et=0.2, zt0=0.005, T0=2.005, eta=1/4", lambda: _eos_problem("0.005", eta=Fraction(1, 4))),
            ("omega=(3/2,-1/2), z0=-0.02, J2=(1.2,0.7) (from below)",
             lambda: from_state(["1.5", "-0.5"], "-0.02", ["1.2", "0.7"])),
        ]
    return cases


@claim("certify.final_ntk",
       "In the 2-D model, ball arithmetic from the exact initial state plus a proved geometric tail bound "
       "encloses the final eta*lambda in [lo, hi] with hi < 2 (slightly below 2/eta, the final point certified "
       "attracting); the 60-digit GD value lies inside, and the enclosure at doubled precision overlaps it",
       source="paper abstract, §2 (sharpening to just below 2/eta); tail bound derived here",
       method=Method.INTERVAL)
def _final(ctx):
    import mpmath

    from ...numerics.certify import (
        Stability, certify_stability, decimal_bound, enclose_final_ntk, planar_parameters, sci_up,
    )
    from ...numerics.engines.gd_mp import run_gd
    from ..output import num

    figures = []
    prec, dps = 160, 60  # 160 bits ≈ 48 digits: the enclosure is much wider than the 60-digit value's error
    ok, rows = True, []
    for label, build in _final_cases(ctx.quick):
        p = build()
        first = not rows
        enc = enclose_final_ntk(p, prec_bits=prec, max_prec_bits=4 * prec, record=first)
        enc2 = enclose_final_ntk(p, prec_bits=2 * enc.prec_bits, max_prec_bits=8 * prec)
        ref = run_gd(p, dps=dps, method="mpmath")
        a, b, Et = planar_parameters(p)
        good = enc.certified and enc2.certified
        stab = certify_stability((enc.lo, enc.hi), a, b, Et, prec_bits=prec) if good else None
        good = (good and enc.contains(ref.eta_ntk) and enc.hi < 2 and stab.stability is Stability.ATTRACTING
                and max(enc.lo, enc2.lo) <= min(enc.hi, enc2.hi) and enc2.width < enc.width)
        ok = ok and good
        if first and enc.certified:
            from ..figures import plot_enclosure

            figures.append(ctx.figure("certify_final_ntk.png"))
            plot_enclosure(enc, figures[-1], title=f"{label}: {enc.prec_bits}-bit balls + tail bound")
        lo, hi = enc.bounds(50)
        with mpmath.workdps(dps):
            rows.append({
                "instance": label, "certified": good, "lo": lo, "hi": hi,
                "width": sci_up(enc.width) if enc.width is not None else None,
                "precision_bits": enc.prec_bits, "steps": enc.steps,
                "tail_bound": sci_up(enc.tail.tail) if enc.tail else None,
                "q": decimal_bound(enc.tail.q, 10, "up") if enc.tail else None,
                "gd_60_digits": num(ref.eta_ntk, dps), "gd_status": ref.status.name.lower(),
                "doubled_precision_bits": enc2.prec_bits,
                "doubled_width": sci_up(enc2.width) if enc2.width is not None else None,
                "final_point": stab.stability.name.lower() if stab else None,
            })
    return Verdict.check(ok, figures=figures, instances=rows,
                         tolerance="rigorous (ball arithmetic + proved tail bound)",
                         precision_bits=prec, dps=dps)
