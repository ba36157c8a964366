"""`sorm simulate`: run gradient descent on one model, at high precision or in float64.

GD (paper §2.1): θ_{t+1} = θ_t − η z_t Q θ_t, run on the exact (z, J(ω_i)²) map by
:func:`numerics.engines.gd_mp.run_gd` (``--dps N``, default 50) or, with ``--float64``, by the
float64 engine :mod:`numerics.engines.batch` (clearly labelled float64 in the output).
``--plot PATH`` draws the run exactly as `sorm plot` does.
"""
from __future__ import annotations

from ._run import memory_hint  # noqa: F401  (the CLI names the size in an out-of-memory error)

__all__ = ["HELP", "add_arguments", "run", "state_lines"]

HELP = "run gradient descent on one model (high precision, or --float64) and report the final NTK"


def add_arguments(p):
    from ._model import add_model_arguments
    from ._run import add_run_arguments

    add_model_arguments(p)
    add_run_arguments(p)
    o = p.add_argument_group("output")
    o.add_argument("--json", action="store_true", help="machine-readable output (see the README's JSON section)")
    o.add_argument("--plot", default=None, metavar="PATH", help="write a PNG of eta*lambda_t and z_t against t")


def _value(text, digits, bound, dps):
    """A value to its correct digits; with none, its error bound (the value may be up to 20 times larger), or, on
    an engine without a bound, that no digit agrees with the rerun."""
    if text is not None:
        return f"{text}  [{digits} digits]"
    if bound is not None:
        return f"no correct digit (error bound {bound})"
    return f"no correct digit (none agrees with the rerun at {2 * dps} digits)"


def state_lines(out: dict) -> list[str]:
    """The text of a high-precision run: each value to its correct digits, what they were checked
    against, and the limit where it was estimated."""
    f, d, e, a = out["final"], out["digits"], out["error_bound"], out["agreed_digits"]
    lines = [f"steps: {out['steps']}    precision: {out['dps']} digits ({out['engine']}"
             + (f", {out['work_bits']} bits)" if out.get("work_bits") else ")"),
             f"the state at step {out['steps']}, to its correct digits:",
             f"eta*lambda = {_value(f['eta_ntk'], d['eta_ntk'], e and e['eta_ntk'], out['dps'])}",
             f"lambda     = {_value(f['ntk'], d['ntk'], e and e['ntk'], out['dps'])}",
             f"z          = {_value(f['z'], d['z'], e and e['z'], out['dps'])}"]
    lines += [f"J2[{k}]      = {_value(t, n, e and e['J2'][k], out['dps'])}"
              for k, (t, n) in enumerate(zip(f["J2"], d["J2"]))]
    if a is not None:
        J2 = ", ".join(str(n) for n in a["J2"])
        lines.append(f"agreed digits with a rerun of the same {out['steps']} steps at {2 * out['dps']} digits "
                     f"(the state at step {out['steps']}, not the limit): eta*lambda {a['eta_ntk']}, "
                     f"lambda {a['ntk']}, z {a['z']}, J2 {J2}")
    lim = out.get("limit")
    if lim is not None:
        lines.append(f"limit: |eta*lambda - eta*lambda_inf| <~ {lim['distance']} (estimated from |z| and the "
                     f"contraction |1 - eta*lambda|), so eta*lambda_inf = "
                     + (f"{lim['eta_ntk']}  [{lim['digits']} digits]" if lim["eta_ntk"] else "(no correct digit)"))
    elif out["status"] == "converged":  # no estimate: an optimizer other than GD, or no contraction
        why = f"for {out['optimizer']}" if out.get("optimizer") else "where |1 - eta*lambda| is not below 1"
        lines.append(f"limit: not estimated (the run converged, but the distance to the limit is not estimated {why})")
    elif out["status"] != "diverged":
        lines.append("limit: not estimated (the run did not converge)")
    return lines


def run(args) -> int:
    import json

    from ._model import problem_from_args
    from ...numerics.status import exit_code
    from ._run import run_record

    problem = problem_from_args(args)
    if args.plot:
        from ..output import check_file

        check_file(args.plot, "--plot", create=False)  # before the run: a bad path costs nothing
    out, traj, status = run_record(problem, args, record=bool(args.plot))
    if args.plot:
        from ..figures import plot_run

        plot_run(problem, traj, args.plot, option="--plot")
        out["files"] = [str(args.plot)]
    rc = exit_code(status)  # 1 when the run has no result (diverged, step budget out, ...)
    if args.json:
        print(json.dumps(out, indent=2))
        return rc
    print(f"status: {out['status']} ({out['status_message']})")
    if out["dps"] is None:
        f = out["final"]
        shown = {k: "not finite (overflowed)" if v is None else v for k, v in f.items() if k != "J2"}
        print(f"steps: {out['steps']}    precision: float64")
        print(f"eta*lambda = {shown['eta_ntk']}")
        print(f"lambda     = {shown['ntk']}")
        print(f"z          = {shown['z']}")
        print(f"J2         = {', '.join('not finite' if j is None else str(j) for j in f['J2'])}")
    else:
        print("\n".join(state_lines(out)))
    for path in out.get("files", ()):
        print(f"wrote {path}")
    return rc
