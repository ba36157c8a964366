"""`sorm predict`: the final NTK predicted by theory for one model.

``--method gf`` (default): the exact gradient-flow limit λ_GF from the invariants
(docs/theory.md §2, :func:`numerics.engines.gf.gf_limit`), optionally cross-checked by integrating
the flow (``--integrate``). ``--method eos``: the edge-of-stability normal form
(docs/theory.md §5, :func:`numerics.eos.predict_eos`) at ``--order N``. ``--method threshold``:
the edge of stability ηλ* of ``--optimizer`` (docs/theory.md §7, :func:`numerics.optimizer.edge`),
exact when rational, else a certified interval; the other methods are GD's.
"""
from __future__ import annotations

__all__ = ["HELP", "add_arguments", "run"]

HELP = ("predict the final NTK: exact gradient-flow limit (--method gf), EOS normal form (--method eos), "
        "or the edge of stability of an optimizer (--method threshold)")


def add_arguments(p):
    from ._model import add_model_arguments, add_optimizer_argument

    add_model_arguments(p)
    add_optimizer_argument(p)
    p.add_argument("--method", default="gf", choices=("gf", "eos", "threshold"),
                   help="gf: exact gradient-flow limit (default); eos: edge-of-stability normal form; threshold: "
                        "the edge of stability eta*lambda* of --optimizer (exact, or a certified interval)")
    p.add_argument("--dps", default=None, help="working precision in decimal digits, 15..10000 (default 50, "
                   "as in every command)")
    p.add_argument("--order", default="2", help="order of the EOS normal form (--method eos; default 2)")
    p.add_argument("--integrate", action="store_true",
                   help="with --method gf: also integrate the flow and report the agreeing digits")
    p.add_argument("--json", action="store_true", help="machine-readable output (numbers as decimal strings)")


def _gf(problem, dps, integrate):
    import mpmath

    from ...numerics.engines.gf import gf_limit, integrate_gf
    from ..output import num

    lim = gf_limit(problem, dps=dps)
    dps = lim.dps
    with mpmath.workdps(dps):
        # each value only to the digits that agree with the solve at 2·dps (null when none; the count 0); a flow
        # without a finite limit (it runs away: λ → 0, x → ∞) has no value to print
        lam_digits, x_digits = (lim.agreed_digits or 0, lim.x_agreed_digits or 0) if lim.status.has_result else (0, 0)
        out = {"engine": "gf", "ntk": num(lim.ntk, lam_digits) if lam_digits else None,
               "eta_ntk": num(lim.eta_ntk, lam_digits) if lam_digits else None, "dps": dps,
               "status": lim.status.name.lower(), "status_message": lim.status.message,
               "x_inf": num(lim.x_inf, x_digits) if x_digits else None, "agreed_digits": lam_digits if lim.status.has_result else None,
               "x_agreed_digits": x_digits if lim.status.has_result else None}
        if integrate:
            from ...numerics.engines.gd_mp import agreed_digits

            from ...numerics.precision import format_digits, round_up

            ode = integrate_gf(problem, dps=dps)
            # λ at the end only to the digits its error estimate leaves (none when λ is below it); no
            # significant digit agrees with a closed-form limit of exactly 0
            ntk, _ = format_digits(ode.ntk, abs_err=ode.error_estimate, max_digits=dps)
            out["integrated"] = {"ntk": ntk, "t": num(ode.t, 10), "status": ode.status.name.lower(),
                                 "status_message": ode.status.message, "error_estimate": round_up(ode.error_estimate),
                                 "steps": ode.steps, "order": ode.order,
                                 "agreed_digits": agreed_digits(ode.ntk, lim.ntk, dps)}
            return out, (lim.status, ode.status)
    return out, (lim.status,)


def _eos(problem, dps, order):
    from ...numerics.eos.predict import predict_eos
    from ...numerics.precision import round_up

    res = predict_eos(problem, order=order, dps=dps)
    dps = res.dps
    # only the digits the estimate of |prediction − limit| leaves (null when the status gives no value)
    shown = res.shown()
    err = res.error_estimate
    return {"engine": "eos", "eta_ntk": shown["eta_ntk"][0], "ntk": shown["ntk"][0],
            "digits": shown["eta_ntk"][1], "error_estimate": None if err is None else round_up(err),
            "order": res.order, "epsilon": _exact(res.epsilon_exact, dps),
            "dps": dps, "status": res.status.name.lower(), "status_message": res.message}, (res.status,)


def _exact(q, digits: int) -> str:
    """An exact rational correctly rounded to at most ``digits`` significant digits, trailing zeros dropped."""
    from ...numerics.precision import format_digits

    mantissa, e, exponent = format_digits(q, abs_err=0, max_digits=digits)[0].partition("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return mantissa + e + exponent


def _threshold(problem, spec, dps):
    from ...numerics.optimizer import edge

    e = edge(spec, problem.eta, dps=dps)
    dps, (lo, hi) = e.dps, e.ntk_bounds
    return {"engine": "threshold", "optimizer": str(spec), "eta_lambda_edge": e.text, "edge_method": e.method,
            "eta_lambda_edge_bounds": [_bound(e.lo, dps, "down"), _bound(e.hi, dps, "up")],
            "lambda_edge_bounds": [_bound(lo, dps, "down"), _bound(hi, dps, "up")], "dps": dps,
            "status": "ok", "status_message": f"edge of stability of {spec} ({e.method})"}


def _bound(q, digits, direction):
    from ...numerics.certify import decimal_bound

    return decimal_bound(q, digits, direction)


def run(args) -> int:
    import json

    from ...numerics.status import exit_code
    from ...numerics.validate import DEFAULT_DPS, InputError

    from ._model import model_json, optimizer_from_args, problem_from_args

    problem = problem_from_args(args)
    dps = DEFAULT_DPS if args.dps is None else args.dps  # each engine reads it
    if args.method == "threshold":
        spec = optimizer_from_args(args, "predict")
        out = _threshold(problem, spec, dps)
        out["model"] = model_json(problem)
        if args.json:
            print(json.dumps(out, indent=2))
        else:
            print(f"edge of stability of {out['optimizer']} ({out['edge_method']}): "
                  f"eta*lambda* = {out['eta_lambda_edge']}")
            print(f"bounds: eta*lambda* in [{out['eta_lambda_edge_bounds'][0]}, {out['eta_lambda_edge_bounds'][1]}], "
                  f"lambda* in [{out['lambda_edge_bounds'][0]}, {out['lambda_edge_bounds'][1]}]")
        return 0
    optimizer_from_args(args, f"predict --method {args.method}", ("gd",),
                        "; --method threshold takes any optimizer")
    if args.method == "gf":
        out, statuses = _gf(problem, dps, args.integrate)
    else:
        if args.integrate:
            raise InputError("--integrate goes with --method gf (it integrates the gradient flow); drop it")
        out, statuses = _eos(problem, dps, args.order)
    out["model"] = model_json(problem)
    # A status without a result (no root, runs away, an integration at its step limit) exits 1.
    rc = exit_code(*statuses)
    if args.json:
        print(json.dumps(out, indent=2))
        return rc
    if out["engine"] == "gf":
        print(f"gradient-flow limit: {out['status']} ({out['status_message']})")
        if out["ntk"] is None:
            print("no value: the status leaves no finite limit to print")
        else:
            print(f"lambda_GF     = {out['ntk']}")
            print(f"eta*lambda_GF = {out['eta_ntk']}")
            x_inf = out["x_inf"] or f"no digit agrees with the solve at {2 * out['dps']} digits"
            print(f"x_inf         = {x_inf}")
            print(f"digits: {out['dps']} working; agreeing at doubled precision (printed): lambda "
                  f"{out['agreed_digits']}, x_inf {out['x_agreed_digits'] or 0}")
        if "integrated" in out:
            i = out["integrated"]
            print(f"integrated flow: {i['status_message']}")
            lam = i["ntk"] if i["ntk"] is not None else "no correct digit"
            print(f"  lambda = {lam} at t = {i['t']} ({i['steps']} Taylor steps of "
                  f"order {i['order']}, error estimate {i['error_estimate']}); {i['agreed_digits']} digits agree")
    else:
        print(f"edge-of-stability normal form, order {out['order']} (epsilon = {out['epsilon']})")
        print(f"status: {out['status']} ({out['status_message']})")
        if out["eta_ntk"] is None:
            if out["error_estimate"] is None:
                print("no value: the status leaves no digit of eta*lambda_inf to print")
            else:
                print(f"no value: the estimated error {out['error_estimate']} leaves no correct digit")
            return rc
        print(f"eta*lambda_inf = {out['eta_ntk']}  [{out['digits']} digits]")
        print(f"lambda_inf     = {out['ntk']}")
        if out["status"] == "on_fixed_line":
            print(f"digits: {out['digits']} (exact: the state stays on the fixed line)")
        else:
            from ...numerics.eos.predict import N_MAX

            print(f"digits: {out['digits']}, those left by the estimated error {out['error_estimate']} (twice the "
                  f"spread of the orders {min(out['order'], N_MAX - 1)}..{N_MAX}; an estimate, not a bound)")
    return rc
