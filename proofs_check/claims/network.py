"""Claims about networks: a JAX network on scikit-learn's digits and its second-order model.

Runs are float64 experiments over seeded instances (``precision="float64"`` in each verdict);
they are statistical evidence, not high-precision checks. The network: an MLP 64-W-10 (tanh,
LeCun-normal initialisation) on a seeded class-balanced subset of n digits with one-hot targets,
loss ½‖z‖², η = 0.9·2/λ₀; its second-order model around θ₀ (numerics/networks/ops.py).
"""
from __future__ import annotations

import math

from ..registry import Method, Verdict, claim

__all__: list[str] = []  # importing the module registers its claims (proofs_check.registry)

PREC = "float64"
#: The digits setting of the claims: examples, hidden width, η as a fraction of 2/λ₀, steps, checkpoint spacing.
#: 3000 steps: the network first reaches the edge after 700-1000 steps, and the plateau test needs the
#: run at the edge before its midpoint (numerics/networks/run.py).
N, WIDTH, ETA_FRAC, STEPS, EVERY = 200, 64, 0.9, 3000, 30

_CACHE: dict = {}


def _digits_runs(ctx):
    """One SeedResult per seed (2 quick, 3 full), cached for the claims of one verify run."""
    key = (ctx.quick, ctx.seed)
    if key not in _CACHE:
        from ...numerics.networks import builtin, run_seed

        _CACHE.clear()
        seeds = 2 if ctx.quick else 3
        _CACHE[key] = [run_seed(builtin("mlp", "digits", N, ctx.seed + k, widths=(WIDTH,)), eta_frac=ETA_FRAC,
                                steps=STEPS, every=EVERY, reexpand=False, ntk_only=True) for k in range(seeds)]
    return _CACHE[key]


def _setting() -> dict:
    return {"data": "digits", "n": N, "model": f"mlp 64-{WIDTH}-10 tanh", "loss": "sum", "eta_frac": ETA_FRAC,
            "steps": STEPS, "every": EVERY}


def _plateau_record(r) -> dict:
    """The plateau test of a run (numerics/networks/run.py) as evidence."""
    from ...numerics.networks import plateau

    p = plateau(r)
    num = lambda x: float(x) if math.isfinite(x) else None  # noqa: E731  (NaN: no value, null)
    return {"first_eos_step": r.t_edge, "window": None if p.window is None else list(p.window),
            "mean": num(p.mean), "low": num(p.low), "above_2_fraction": num(p.above_2),
            "slope_per_1000_steps": num(1e3 * p.slope),
            "slope_interval_per_1000_steps": [num(1e3 * p.slope_lo), num(1e3 * p.slope_hi)], "drift": num(p.drift),
            "sharpening_slope_per_1000_steps": num(1e3 * p.sharpening_slope), "drift_ratio": num(p.drift_ratio),
            "result": p.reason}


@claim("network.matrix_free_exact",
       "The matrix-free second-order model of a network (nested jax.jvp, no D x P x P tensor) follows the same "
       "GD trajectory as the exact (z, J) engine of the D-point model with the explicit Q_a = Hessian of z_a and "
       "G_a = gradient of z_a at theta0 and y = -z(theta0): losses and eta*lambda_max agree to 1e-10 over 60 steps",
       source="derived here (docs/theory.md §6: a network's second-order expansion is a model of this form)",
       method=Method.PROPERTY)
def _matrix_free(ctx):
    import jax
    import numpy as np

    from ...numerics.highdim import model as hd
    from ...numerics.networks import builtin, operators, run_gd

    net = builtin("mlp", "digits", 6, ctx.seed, widths=(2,))
    with jax.enable_x64(True):
        J = np.asarray(jax.jit(jax.jacfwd(net.residual))(net.theta0))   # jitted: one compilation, not one per op
        Q = np.ascontiguousarray(jax.jit(jax.hessian(net.residual))(net.theta0))
        z0 = np.asarray(net.residual(net.theta0))
        eta = 0.95 * 2.0 / np.linalg.eigvalsh(J @ J.T)[-1]
        ref = hd.run_gd(hd.Instance(J.copy(), Q, -z0), eta, 60, eig="eigh")
        _, qops = operators(net)
        got = run_gd(qops, jax.numpy.zeros(net.P), (net.theta0, net.X, net.Y), eta, 60, every=1,
                     hessian_every=0, pairs=False, central_flow=False, model="quadratic", tol_eig=1e-13)
    dl = float(np.max(np.abs(got.loss - ref.loss)) / ref.loss[0])
    de = float(np.max(np.abs(got.eta_ntk - ref.eta_ntk)))
    ok = got.loss.size == ref.loss.size == 61 and dl <= 1e-10 and de <= 1e-10
    return Verdict.check(ok, n=6, D=net.D, P=net.P, steps=60, loss_max_rel_difference=dl,
                         eta_ntk_max_abs_difference=de, eta_ntk_initial=ref.initial, eta_ntk_peak=ref.peak,
                         tolerance=1e-10, precision=PREC)


@claim("network.digits_eos",
       f"An MLP 64-{WIDTH}-10 (tanh) trained by full-batch GD on {N} digits at eta = {ETA_FRAC}*2/lambda0 sharpens "
       "progressively (eta*lambda_max of the NTK rises by > 10%), reaches the edge of stability "
       f"(eta*lambda_max >= 1.9) before step {STEPS // 2} of {STEPS} without diverging, and then stays at the edge: "
       "over the second half of the run eta*lambda_max is >= 1.9 at every checkpoint, its mean is within 0.1 of 2, "
       "and its fitted trend (95% interval from 5 block means) changes it by at most 0.1 across the window, in "
       "every seed",
       source="paper §1 (edge of stability in the wild); derived here (the plateau test, measurement)",
       method=Method.PROPERTY)
def _digits_eos(ctx):
    from ...numerics.networks import plateau

    res = _digits_runs(ctx)
    runs = [r.network for r in res]
    ok = all(r.sharpened and r.status.name != "DIVERGED" and plateau(r).holds for r in runs)
    return Verdict.check(ok, **_setting(), seeds=len(res),
                         runs=[{"seed": x.seed, "status": r.status.name.lower(), "initial_eta_ntk": r.initial,
                                "peak_eta_ntk": r.peak, "sharpened": r.sharpened, **_plateau_record(r)}
                               for x, r in zip(res, runs)],
                         threshold="sharpened, not diverged, at the edge before the midpoint, and in the second half: "
                                   "every checkpoint >= 1.9, |mean - 2| <= 0.1, drift <= 0.1, in every seed",
                         precision=PREC)


@claim("network.second_order_model",
       "On the same digits MLP, the second-order model at initialization, run by GD at the same eta, also sharpens "
       "to the edge of stability and stays there by the same plateau test (no divergence), and its mean "
       "eta*lambda_max over the second half of the run is within 0.1 of the network's, in every seed; but it is "
       "faithful only early: it reaches the edge before the network does, and its loss or eta*lambda_max departs "
       "from the network's by more than 10% before the network reaches the edge",
       source="paper abstract (EOS in networks correlates with quadratic models); derived here (measurement)",
       method=Method.PROPERTY)
def _second_order(ctx):
    from ...numerics.networks import plateau, summarize

    res = _digits_runs(ctx)
    s = summarize(res)
    ag = s["agreement"]["per_seed"]
    pq, pn = [plateau(r.quadratic) for r in res], [plateau(r.network) for r in res]
    both = all(r.quadratic.status.name != "DIVERGED" and q.holds and n.holds for r, q, n in zip(res, pq, pn))
    close = both and all(abs(q.mean - n.mean) <= 0.1 for q, n in zip(pq, pn))
    early = both and all(r.quadratic.t_edge < r.network.t_edge and a["faithful_until"] is not None
                         and a["faithful_until"] < r.network.t_edge for a, r in zip(ag, res))
    return Verdict.check(close and early, **_setting(), seeds=len(res),
                         quadratic=[{"seed": r.seed, "status": r.quadratic.status.name.lower(),
                                     **_plateau_record(r.quadratic)} for r in res],
                         plateau_mean_difference=[q.mean - n.mean for q, n in zip(pq, pn)],
                         agreement={k: v for k, v in s["agreement"].items()},
                         threshold="both pass the plateau test; |difference of their second-half means| <= 0.1; "
                                   "quadratic first at the edge and unfaithful (10%) before the network's edge, in "
                                   "every seed", precision=PREC)
