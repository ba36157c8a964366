"""Model options shared by simulate, predict, plot and certify.

Either ``--E E --theta0 t1,...`` (eigenbasis coordinates) or ``--z0 z --J2 a,b,...``
(E implied by the invariant). ``--eta`` defaults to 1, so every quantity is then
the η-rescaled one.
"""
from __future__ import annotations

from ...numerics.problem import Problem, from_state, from_theta
from ...numerics.validate import InputError

__all__ = ["add_model_arguments", "problem_from_args", "model_json", "add_optimizer_argument", "optimizer_from_args",
           "OPTIMIZER_HELP"]

OPTIMIZER_HELP = (
    "update rule: gd (theta+ = theta - eta grad L(theta), the default) | sam:rho=R (theta+ = theta - "
    "eta grad L(theta + rho grad L(theta)), unnormalized SAM) | heavy-ball:beta=B (theta+ = theta - eta grad L(theta) "
    "+ beta (theta - theta-)) | nesterov:beta=B (y = theta + beta (theta - theta-), theta+ = y - eta grad L(y)); "
    "theta- is the previous iterate and momentum starts with zero velocity (theta- = theta0); R and B are exact "
    "numbers (0.9, 9/10), 0 <= B < 1"
)


def add_optimizer_argument(p) -> None:
    p.add_argument("--optimizer", default="gd", help=OPTIMIZER_HELP)


def optimizer_from_args(args, command: str, supported=("gd", "sam", "heavy-ball", "nesterov"), hint: str = ""):
    """The parsed ``--optimizer``; a one-line InputError (exit 2) if ``command`` does not support it."""
    from ...numerics.optimizer import parse_optimizer

    spec = parse_optimizer(args.optimizer)
    if spec.key not in supported:
        raise InputError(f"optimizer={args.optimizer!r}: sorm {command} supports only --optimizer "
                         f"{' | '.join(supported)}{hint}")
    return spec


def add_model_arguments(p) -> None:
    g = p.add_argument_group("model")
    g.add_argument("--omegas", required=True, help="eigenvalues of Q, comma-separated, e.g. 1,-1")
    g.add_argument("--E", dest="E", help="target E (with --theta0)")
    g.add_argument("--theta0", help="initial eigenbasis coordinates theta_i, comma-separated (with --E)")
    g.add_argument("--z0", help="initial residual z (with --J2)")
    g.add_argument("--J2", dest="J2", help="initial J(omega_i)^2, comma-separated (with --z0)")
    g.add_argument("--eta", default="1", help="step size eta > 0 (default 1: eta-rescaled variables)")


def problem_from_args(args) -> Problem:
    theta_form = args.E is not None or args.theta0 is not None
    state_form = args.z0 is not None or args.J2 is not None
    if theta_form and state_form:
        raise InputError("E/theta0 and z0/J2 were both given: the state is over-determined; "
                         "give either --E with --theta0, or --z0 with --J2")
    if theta_form:
        if args.E is None or args.theta0 is None:
            raise InputError("--E and --theta0 go together; give both")
        return from_theta(args.omegas, args.E, args.theta0, args.eta)
    if args.z0 is None or args.J2 is None:
        raise InputError("no initial state: give --z0 with --J2, or --E with --theta0")
    return from_state(args.omegas, args.z0, args.J2, args.eta)


def model_json(problem) -> dict:
    """The exact parameters of ``problem`` for a JSON record (exact rationals as strings)."""
    return {"omegas": [str(w) for w in problem.omegas], "z0": str(problem.z0), "J2": [str(j) for j in problem.J2],
            "E": str(problem.E), "eta": str(problem.eta),
            "theta0": None if problem.theta0 is None else [str(t) for t in problem.theta0]}
