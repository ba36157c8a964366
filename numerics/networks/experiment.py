"""A network and its second-order model side by side, over seeds, with agreement numbers.

For each seed: GD on the network from θ₀, GD on its second-order model around θ₀ (same η), and
GD on the second-order model re-expanded around the network's first checkpoint at the edge
(ηλ ≥ 1.9), each with the measurements of :mod:`.run`. η is either ``eta_frac`` · 2/λ₀ (λ₀ the
top NTK eigenvalue at θ₀) or a fixed ``eta``.

Agreement per seed (network a, quadratic model b, on their common checkpoints):

- first_eos_step: the first checkpoint with ηλ ≥ 1.9, for each model;
- eos_mean: the mean of ηλ over each model's EOS phase (its first such checkpoint to the end);
- correlation: Pearson's correlation of the two ηλ curves;
- max_abs_difference: max_t |ηλ_a − ηλ_b|;
- faithful_until: the first step at which the losses differ by more than 10% of the network's
  (at any step) or the ηλ do (at a checkpoint); null if they never do within the run.

Over seeds each number comes with its mean and a 95% Student-t interval (null for one seed).
The re-expanded model is compared with the network over the steps after the edge checkpoint.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from ..display import compact_repr
from .flow import NetworkFlow, integrate_central_flow
from .models import Network
from .ops import TOL_COLD, Operators, quadratic_residual
from .precision import float64
from ..status import at_edge
from ..validate import positive, positive_list, whole_in_range
from .run import Run, check_schedule, plateau, run_gd

__all__ = ["SeedResult", "operators", "initial_lambda", "run_seed", "Study", "run_study", "agreement", "interval",
           "summarize", "flow_vs_gd", "FAITHFUL_TOL"]

#: Relative difference of losses or ηλ beyond which the quadratic model is no longer faithful.
FAITHFUL_TOL = 0.1

_OPS: dict = {}


def _key(net: Network):
    import jax

    a = net.apply
    ak = (a.func, tuple(sorted(a.keywords.items()))) if isinstance(a, functools.partial) else a
    leaves = jax.tree_util.tree_leaves(net.unravel(net.theta0))
    return (ak, jax.tree_util.tree_structure(net.unravel(net.theta0)), tuple(x.shape for x in leaves),
            net.X.shape, net.Y.shape, net.scale)


def operators(net: Network) -> tuple[Operators, Operators]:
    """(network, second-order model) operators, shared by networks of the same architecture and
    data shapes, so each compiles once. Their fixed argument is (X, Y), resp. (θ_c, X, Y)."""
    key = _key(net)
    if key not in _OPS:
        apply, unravel, scale = net.apply, net.unravel, net.scale

        def res(th, c):
            return scale * (apply(unravel(th), c[0]) - c[1]).reshape(-1)

        def res_q(delta, c):
            return quadratic_residual(lambda th: res(th, (c[1], c[2])))(delta, c[0])

        while len(_OPS) >= 4:  # keep the compiled code of the last few architectures
            _OPS.pop(next(iter(_OPS)))
        _OPS[key] = (Operators(res), Operators(res_q))
    return _OPS[key]


@float64
def initial_lambda(net: Network) -> float:
    """λ₀: the top eigenvalue of the NTK JJᵀ at θ₀, for the loss in use."""
    ops, _ = operators(net)
    return ops.top_ntk(net.theta0, (net.X, net.Y), tol=TOL_COLD)[0]


@dataclass(frozen=True, eq=False)
class SeedResult:
    """One seed: the network's run, its second-order model's, and the re-expanded model's (None
    if the network never reached the edge); lam0 = λ₀, eta = η; flow: the central flow integrated
    from the network's first checkpoint at the edge (None if not asked for or never at the edge)."""

    seed: int
    eta: float
    lam0: float
    network: Run
    quadratic: Run
    reexpanded: Run | None
    flow: NetworkFlow | None = None

    __repr__ = compact_repr

    def _repr_items(self):
        return [("seed", str(self.seed)), ("eta", f"{self.eta:.6g}"), ("network", repr(self.network)),
                ("quadratic", repr(self.quadratic))]


@float64
def run_seed(net: Network, *, eta_frac: float | None = 0.9, eta: float | None = None, steps: int = 3000,
             every: int = 10, hessian_every: int | None = None, reexpand: bool = True, flow_steps: int = 0,
             flow_h: float = 0.5, ntk_only: bool = False, bar=None) -> SeedResult:
    """Run the network, its second-order model at θ₀ and (``reexpand``) at the edge, same η; with
    ``flow_steps`` > 0, integrate the network's central flow (:mod:`.flow`, Heun step ``flow_h``) from
    its first checkpoint at the edge for that many steps (at most to the end of the run).

    ``ntk_only``: measure ηλ, z̃, s and ỹ at the checkpoints but no two-step pairs, central flow or
    loss Hessian."""
    import jax.numpy as jnp

    steps, every, hessian_every = check_schedule(steps, every, hessian_every)
    flow_steps = _flow_steps(flow_steps)
    fixed = float(positive("eta", eta)) if eta is not None else None
    frac = None if eta is not None else float(positive("eta_frac", eta_frac))
    ops, qops = operators(net)
    data = (net.X, net.Y)
    lam0 = ops.top_ntk(net.theta0, data, tol=TOL_COLD)[0]
    eta = fixed if fixed is not None else frac * 2.0 / lam0
    kw = dict(every=every, hessian_every=hessian_every, bar=bar)
    if ntk_only:
        kw.update(hessian_every=0, pairs=False, central_flow=False)
    a = run_gd(ops, net.theta0, data, eta, steps, model="network", **kw)
    zero = jnp.zeros_like(net.theta0)
    b = run_gd(qops, zero, (net.theta0, *data), eta, steps, model="quadratic", **kw)
    c = None
    if reexpand and a.t_edge is not None and a.t_edge < steps:
        c = run_gd(qops, zero, (jnp.asarray(a.theta_edge), *data), eta, steps - a.t_edge, model="reexpanded", **kw)
        c = _shift(c, a.t_edge)
    f = None
    if flow_steps and a.t_edge is not None and a.t_edge < int(a.t[-1]):
        f = integrate_central_flow(ops, jnp.asarray(a.theta_edge), data, eta, min(flow_steps, int(a.t[-1]) - a.t_edge),
                                   t0=a.t_edge, h=flow_h)
    return SeedResult(net.seed, eta, lam0, a, b, c, f)


def _flow_steps(value) -> int:
    return whole_in_range("flow_steps", value, 0, 10**9, "GD steps", 500, " (0: no central flow)")


@dataclass(frozen=True, eq=False)
class Study:
    """:func:`run_seed` over networks and step sizes: ``results[k]`` holds every network's result at
    ``values[k]``, which is η when ``fixed``, else η_frac (η = η_frac · 2/λ₀ per network); with the
    checked schedule (hessian_every resolved as in :func:`.run.run_gd`)."""

    values: tuple[float, ...]
    fixed: bool
    steps: int
    every: int
    hessian_every: int
    results: tuple[tuple[SeedResult, ...], ...]

    __repr__ = compact_repr


def run_study(nets, *, eta_frac=0.9, eta=None, steps=3000, every=10, hessian_every=None, flow_steps=0,
              progress: bool = True) -> Study:
    """:func:`run_seed` for every network at every η (the values of ``eta`` if given, else of ``eta_frac``:
    a number, a list or a comma-separated string); the central flow (``flow_steps`` > 0) for the first
    network only. Every argument is checked before the first run; one progress bar counts GD steps."""
    from ..parallel import progress_bar

    fixed = eta is not None
    values = tuple(map(float, positive_list("eta", eta) if fixed else positive_list("eta_frac", eta_frac)))
    steps, every, hessian_every = check_schedule(steps, every, hessian_every)
    flow_steps = _flow_steps(flow_steps)
    nets = list(nets)
    bar = progress_bar(len(values) * len(nets) * steps * 3, progress, "network runs")
    with bar:
        results = tuple(tuple(run_seed(n, **({"eta": v} if fixed else {"eta_frac": v}), steps=steps, every=every,
                                       hessian_every=hessian_every, bar=bar, flow_steps=flow_steps if k == 0 else 0)
                              for k, n in enumerate(nets)) for v in values)
    return Study(values, fixed, steps, every, hessian_every, results)


def _shift(r: Run, dt: int) -> Run:
    import dataclasses

    return dataclasses.replace(r, t=r.t + dt, t_edge=None if r.t_edge is None else r.t_edge + dt)


def agreement(a: Run, b: Run) -> dict:
    """The per-seed agreement numbers of the module docstring (b compared with a)."""
    common, ia, ib = np.intersect1d(a.t, b.t, return_indices=True)
    x, y = a.eta_ntk[ia], b.eta_ntk[ib]
    corr = float(np.corrcoef(x, y)[0, 1]) if x.size > 2 and np.std(x) > 0 and np.std(y) > 0 else math.nan
    start = int(max(a.t[0], b.t[0]))
    la, lb = a.loss[start - int(a.t[0]):], b.loss[start - int(b.t[0]):]
    n = min(la.size, lb.size)
    la, lb = la[:n], lb[:n]
    bad_loss = np.flatnonzero(~(np.abs(lb - la) <= FAITHFUL_TOL * np.abs(la)))
    bad_eta = np.flatnonzero(~(np.abs(y - x) <= FAITHFUL_TOL * np.abs(x)))
    cands = ([start + int(bad_loss[0])] if bad_loss.size else []) + ([int(common[bad_eta[0]])] if bad_eta.size else [])
    edge = lambda r, lo: next((int(t) for t, e in zip(r.t, r.eta_ntk) if t >= lo and at_edge(e)), None)  # noqa: E731
    return {
        "first_eos_step": [edge(a, start), edge(b, start)],
        "eos_mean": [_eos_mean(a, start), _eos_mean(b, start)],
        "correlation": corr,
        "max_abs_difference": float(np.max(np.abs(x - y))) if x.size else math.nan,
        "faithful_until": min(cands) if cands else None,
        "checkpoints": int(common.size),
    }


def _eos_mean(r: Run, lo: int) -> float:
    t0 = next((t for t, e in zip(r.t, r.eta_ntk) if t >= lo and at_edge(e)), None)
    return float(np.mean(r.eta_ntk[r.t >= t0])) if t0 is not None else math.nan


def interval(values, correlation: bool = False) -> dict:
    """Mean and 95% Student-t interval of the finite values; null where undefined.

    ``correlation``: the interval is taken on Fisher's atanh(r) and mapped back, so it stays in [−1, 1].
    """
    from scipy import stats

    v = np.asarray([x for x in values if x is not None and math.isfinite(x)], dtype=float)
    out = {"n": int(v.size), "mean": float(v.mean()) if v.size else None, "lo": None, "hi": None}
    if v.size >= 2:
        w = np.arctanh(np.clip(v, -1 + 1e-15, 1 - 1e-15)) if correlation else v
        half = float(stats.t.ppf(0.975, v.size - 1) * w.std(ddof=1) / math.sqrt(v.size))
        lo, hi = float(w.mean()) - half, float(w.mean()) + half
        out.update(lo=math.tanh(lo) if correlation else lo, hi=math.tanh(hi) if correlation else hi)
    return out


def _num(x):
    """A float64 as a JSON number; NaN/None as None."""
    return None if x is None or not math.isfinite(float(x)) else float(x)


def _model_summary(runs: list[Run]) -> dict:
    def mean(vals):
        v = [x for x in vals if math.isfinite(x)]
        return float(np.mean(v)) if v else None

    statuses = sorted({r.status.name.lower() for r in runs})
    plateaus = [plateau(r) for r in runs]
    pooled = lambda f: np.concatenate([f(r) for r in runs]) if runs else np.zeros(0)  # noqa: E731
    eos = lambda r: at_edge(r.eta_ntk) & np.isfinite(r.dz)  # noqa: E731
    dz = pooled(lambda r: r.dz[eos(r)])
    pred = pooled(lambda r: 2 * r.z_tilde[eos(r)] * r.y_tilde[eos(r)])
    cf = lambda r: np.isfinite(r.predicted_loss)  # noqa: E731
    lp, lg = pooled(lambda r: r.predicted_loss[cf(r)]), pooled(lambda r: r.gd_avg_loss[cf(r)])
    s2, s2m = pooled(lambda r: r.sigma2[cf(r)]), pooled(lambda r: r.sigma2_measured[cf(r)])
    return {
        "status": statuses[0] if len(statuses) == 1 else "mixed",
        "status_message": runs[0].status.message if len(statuses) == 1 else "the seeds ended differently (see runs)",
        "initial_eta_ntk": mean([r.initial for r in runs]),
        "peak_eta_ntk": mean([r.peak for r in runs]),
        "final_eta_ntk": mean([r.final for r in runs]),
        "eos_mean_eta_ntk": mean([r.eos_mean for r in runs]),
        "eos_std_eta_ntk": mean([r.eos_std for r in runs]),
        "reached_eos": all(r.reached_eos for r in runs),
        "reached_eos_count": sum(r.reached_eos for r in runs),
        "sharpened": all(r.sharpened for r in runs),
        "sharpened_count": sum(r.sharpened for r in runs),
        "plateau_mean_eta_ntk": mean([p.mean for p in plateaus]),
        "plateau_count": sum(p.holds for p in plateaus),
        "two_step_pairs": int(dz.size),
        "two_step_rel_error": _num(np.linalg.norm(dz - pred) / np.linalg.norm(dz)) if dz.size else None,
        "central_flow_points": int(lp.size),
        "central_flow_loss_rel_error_median": _num(np.median(np.abs(lp - lg) / lg)) if lp.size else None,
        "sigma2_median": _num(np.median(s2)) if s2.size else None,
        "sigma2_measured_median": _num(np.median(s2m)) if s2m.size else None,
        "runs": [{"seed": None, "eta": None, "lambda0": None, "status": r.status.name.lower(),
                  "status_message": r.status.message, "initial_eta_ntk": _num(r.initial),
                  "peak_eta_ntk": _num(r.peak), "final_eta_ntk": _num(r.final), "eos_mean_eta_ntk": _num(r.eos_mean),
                  "eos_std_eta_ntk": _num(r.eos_std), "reached_eos": r.reached_eos, "sharpened": r.sharpened,
                  "first_eos_step": r.t_edge, "steps": int(r.t[-1]), "initial_loss": _num(r.loss[0]),
                  "final_loss": _num(r.loss[-1]), "plateau": _plateau_json(p)} for r, p in zip(runs, plateaus)],
    }


def _plateau_json(p) -> dict:
    return {"holds": p.holds, "result": p.reason, "window": None if p.window is None else list(p.window),
            "mean_eta_ntk": _num(p.mean), "std_eta_ntk": _num(p.std), "low_eta_ntk": _num(p.low),
            "above_2_fraction": _num(p.above_2), "slope": _num(p.slope), "slope_lo": _num(p.slope_lo),
            "slope_hi": _num(p.slope_hi), "drift": _num(p.drift), "sharpening_slope": _num(p.sharpening_slope),
            "drift_ratio": _num(p.drift_ratio)}


def _agreement_summary(pairs: list[tuple[int, Run, Run]]) -> dict:
    rows = []
    for seed, a, b in pairs:
        g = agreement(a, b)
        (ea, eb), (ma, mb) = g["first_eos_step"], g["eos_mean"]
        rows.append({"seed": seed, "first_eos_step": [ea, eb],
                     "first_eos_step_difference": None if ea is None or eb is None else eb - ea,
                     "eos_mean_eta_ntk": [_num(ma), _num(mb)], "eos_mean_difference": _num(mb - ma),
                     "correlation": _num(g["correlation"]), "max_abs_difference": _num(g["max_abs_difference"]),
                     "faithful_until": g["faithful_until"], "checkpoints": g["checkpoints"]})
    col = lambda k, i=None: [r[k] if i is None else r[k][i] for r in rows]  # noqa: E731
    return {
        "first_eos_step_network": interval(col("first_eos_step", 0)),
        "first_eos_step_quadratic": interval(col("first_eos_step", 1)),
        "first_eos_step_difference": interval(col("first_eos_step_difference")),
        "eos_mean_difference": interval(col("eos_mean_difference")),
        "correlation": interval(col("correlation"), correlation=True),
        "max_abs_difference": interval(col("max_abs_difference")),
        "faithful_until": interval(col("faithful_until")),
        "faithful_whole_run": sum(r["faithful_until"] is None for r in rows),
        "per_seed": rows,
    }


def summarize(results: list[SeedResult]) -> dict:
    """The JSON summary of several seeds: per model, the agreement of the second-order model at θ₀
    with the network, and of the one re-expanded at the edge (floats as JSON numbers, missing = null)."""
    out = {"seeds": len(results)}
    for key in ("network", "quadratic", "reexpanded"):
        runs = [getattr(r, key) for r in results if getattr(r, key) is not None]
        s = _model_summary(runs) if runs else None
        if s is not None:
            seeds = [r for r in results if getattr(r, key) is not None]
            for rec, r in zip(s["runs"], seeds):
                rec.update(seed=r.seed, eta=r.eta, lambda0=r.lam0)
        out[key] = s
    out["agreement"] = _agreement_summary([(r.seed, r.network, r.quadratic) for r in results])
    re = [(r.seed, r.network, r.reexpanded) for r in results if r.reexpanded is not None]
    out["reexpanded_agreement"] = _agreement_summary(re) if re else None
    flows = [_flow_summary(r) for r in results if r.flow is not None]
    if flows:
        out["central_flow"] = flows
    return out


def flow_vs_gd(res: SeedResult) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(t, the integrated flow's predicted loss, GD's two-step average (L_t + L_{t+1})/2) on the flow's
    steps where GD has both losses."""
    f, loss = res.flow, res.network.loss
    k = f.t + 1 < loss.size
    t = f.t[k]
    return t, f.predicted_loss[k], 0.5 * (loss[t] + loss[t + 1])


def _flow_summary(res: SeedResult) -> dict:
    t, pred, gd = flow_vs_gd(res)
    rel = np.abs(pred - gd) / gd
    return {"seed": res.seed, "t_start": int(res.flow.t[0]), "steps": int(res.flow.t[-1] - res.flow.t[0]),
            "h": res.flow.h, "status": res.flow.status.name.lower(), "status_message": res.flow.status.message,
            "edge_steps": int(res.flow.on_edge.sum()),
            "loss_rel_error_median": _num(np.median(rel)) if rel.size else None,
            "loss_rel_error_max": _num(np.max(rel)) if rel.size else None}
