"""`sorm certify`: a rigorous enclosure of the final ηλ and the certified threshold 2/η.

Ball arithmetic (python-flint ``arb``) from the exact initial state, closed by a proved
geometric tail bound (:func:`numerics.certify.enclose_final_ntk`, derived here); for the
2-D model also the threshold of the fixed line z̃ = 0, |1 − T| < 1 ⇔ T ∈ (0, 2), by interval
Newton (:func:`numerics.certify.certify_threshold`), and the certified stability of the
final point (0, T_∞) (:func:`numerics.certify.certify_stability`). Exit code 0 when the run has a
result (numerics.status.EXIT_CODES): certified; no_gradient (the exact point [0, 0]); period2 (the exact
orbit repeats with z ≠ 0, so there is no limit, as `sorm simulate` says). 1 when it has none (not
certified, diverged, unstable fixed point); 2 on bad input.
"""
from __future__ import annotations

__all__ = ["HELP", "add_arguments", "run"]

HELP = "certified ball-arithmetic enclosure of the final eta*lambda, and the certified threshold 2/eta"


def add_arguments(p):
    from ._model import add_model_arguments, add_optimizer_argument

    add_model_arguments(p)
    add_optimizer_argument(p)
    g = p.add_argument_group("precision")
    x = g.add_mutually_exclusive_group()
    x.add_argument("--prec-bits", dest="prec_bits", default=None,
                   help="working precision in bits, 53..33220 (default 256)")
    x.add_argument("--dps", default=None, help="working precision in decimal digits (converted to bits + 16 guard)")
    g.add_argument("--max-prec-bits", dest="max_prec_bits", default=None,
                   help="if the balls grow too wide, retry at doubled precision up to this many bits (default 4096, "
                        "or the working precision when that is higher)")
    g.add_argument("--route", default="auto", choices=("auto", "planar", "modes"),
                   help="map iterated in balls: planar (z~, T) for P = 2, modes (z~, J~(omega_i)^2) for any P; "
                        "auto = planar when it applies")
    g.add_argument("--max-steps", dest="max_steps", default="1000000",
                   help="ball-arithmetic GD steps allowed before giving up (default 1000000)")
    o = p.add_argument_group("output")
    o.add_argument("--digits", default="30", help="significant digits printed for the bounds (default 30; "
                                                  "rounded outward; --json prints the full precision)")
    o.add_argument("--check", action="store_true",
                   help="also run high-precision GD (numerics.engines.gd_mp) and report whether its value lies inside")
    o.add_argument("--json", action="store_true", help="machine-readable output (numbers as decimal strings)")


def _precision(args) -> int:
    """The working precision in bits from --prec-bits or --dps (converted: the engines take bits), read here
    because the default retry ceiling depends on it."""
    from ...numerics.certify import check_prec_bits
    from ...numerics.precision import bits_for_digits
    from ...numerics.validate import dps as check_dps

    if args.dps is not None:
        return check_prec_bits(bits_for_digits(check_dps(args.dps)), name="prec-bits (from --dps)")
    return check_prec_bits(args.prec_bits if args.prec_bits is not None else 256)


def run(args) -> int:
    import json

    from ...numerics.certify import certify_stability, certify_threshold, enclose_final_ntk
    from ...numerics.status import exit_code
    from ...numerics.validate import positive_int

    from ._model import model_json, problem_from_args

    problem = problem_from_args(args)
    from ._model import optimizer_from_args

    optimizer_from_args(args, "certify", ("gd",), " (its enclosure iterates the GD map); for the certified edge "
                                                  "of any optimizer use sorm predict --method threshold")
    prec = _precision(args)
    digits = positive_int("digits", args.digits, maximum=10_000)  # the printed digits (no engine reads them)
    planar = problem.planar
    planar_note = None if planar is not None else f"threshold certificate skipped: {problem.planar_why_not}"
    top = max(prec, 4096) if args.max_prec_bits is None else args.max_prec_bits
    enc = enclose_final_ntk(problem, prec_bits=prec, max_steps=args.max_steps, max_prec_bits=top, route=args.route)
    out = {"enclosure": enc.to_json(), "model": model_json(problem)}
    if planar is not None:
        a, b, Et = planar
        thr = certify_threshold(a, b, Et, eta=problem.eta, prec_bits=prec)
        out["threshold"] = thr.to_json(digits=max(digits, 30))
        out["final_stability"] = (certify_stability((enc.lo, enc.hi), a, b, Et, prec_bits=prec).to_json()
                                  if enc.certified else None)
    else:
        out["threshold"] = None
        out["final_stability"] = None
        out["note"] = planar_note
    if args.check:
        from ...numerics.engines.gd_mp import run_gd

        dps = max(30, min(enc.digits + 20, 10_000))
        ref = run_gd(problem, dps=dps, max_steps=max(int(args.max_steps), 100_000),  # accepted above
                     method="mpmath", check_digits=True)
        # ηλ_∞ only to the digits GD's estimated distance to the limit and its checked error leave
        limit = ref.limit_shown() or (None, 0)
        out["check"] = {"dps": dps, "status": ref.status.name.lower(), "status_message": ref.status.message,
                        "eta_ntk": limit[0], "inside": enc.contains(ref.eta_ntk)}
    if args.json:
        print(json.dumps(out, indent=2))
        return exit_code(enc.status)

    e = out["enclosure"]
    print(f"status: {e['status']} ({e['status_message']})")
    print(f"detail: {e['detail']}")
    print(f"precision: {enc.prec_bits} bits (about {enc.digits} digits)    steps: {enc.steps}    "
          f"route: {enc.route}")
    if enc.certified:
        lo, hi = enc.bounds(digits)
        print(f"eta*lambda_inf in [{lo}, {hi}]")
        print(f"width: {e['width']}    tail bound: {e['tail']['bound']} (|z~| <= {e['tail']['z_bound']}, "
              f"q = {e['tail']['q']}, C = {e['tail']['C']})")
        if problem.eta != 1:
            nlo, nhi = enc.bounds(digits, ntk=True)
            print(f"lambda_inf in [{nlo}, {nhi}]")
    elif enc.lo is not None:  # no gradient: the exact point [0, 0], with no tail
        print(f"eta*lambda_inf in [{e['eta_ntk_lo']}, {e['eta_ntk_hi']}] (exact)")
    t = out["threshold"]
    if t is not None and not t["certified"]:
        print(f"threshold: NOT certified (interval Newton or the monotonicity check failed; slope {t['slope']})")
    elif t is not None:
        ok = "certified"
        print(f"threshold ({ok}): |1 - T| < 1 <=> T in ({t['T_plus'][0]}, {t['T_minus'][0]}) "
              f"on [{t['search'][0]}, {t['search'][1]}]; "
              f"eta*lambda* in [{t['T_minus'][0]}, {t['T_minus'][1]}], "
              f"lambda* = 2/eta in [{t['ntk_threshold'][0]}, {t['ntk_threshold'][1]}]")
    else:
        print(out["note"])
    s = out["final_stability"]
    if s is not None:
        print(f"final point (0, T_inf): {s['status_message']}; transverse eigenvalue 1 - T = {s['transverse_eigenvalue']}, "
              f"neutral eigenvalue {s['neutral_eigenvalue']} (along the fixed line)")
    if "check" in out:
        c = out["check"]
        print(f"high-precision GD ({c['dps']} digits, {c['status']}): eta*lambda_inf = "
              f"{c['eta_ntk'] or '(no correct digit)'}  {'inside' if c['inside'] else 'OUTSIDE'} the enclosure")
    return exit_code(enc.status)
