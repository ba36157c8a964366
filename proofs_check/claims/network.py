"""Claims about networks: a network and its second-order Taylor model at the edge of stability.

Runs are float64 experiments over seeded instances (``precision="float64"`` in each verdict);
they are statistical evidence, not high-precision checks.
"""
from __future__ import annotations

from ..registry import Method, Verdict, claim

__all__: list[str] = []  # importing the module registers its claims (proofs_check.registry)

PREC = "float64"


def _fmt(x) -> str:
    from ..output import num

    return num(float(x))


@claim("highdim.network_vs_quadratic",
       "A 2-layer tanh network and its second-order Taylor model at initialization, run by GD at the same "
       "eta, agree qualitatively: both sharpen to the edge of stability (peak eta*lambda_max >= 1.9) without "
       "diverging",
       source="paper §1, §3 (relation to networks); derived here (measurement)", method=Method.PROPERTY)
def _network(ctx):
    import numpy as np

    from ...numerics.highdim.network import make_data
    from ..commands.experiment_network import network_summary

    seeds = 3 if ctx.quick else 8
    rows, agree, diffs = [], [], []
    for k in range(seeds):
        net, th0 = make_data(16, 4, 32, ctx.seed + k)
        s, _ = network_summary(net, th0, 0.9, 300 if ctx.quick else 1000)
        agree.append(s["agree_qualitatively"])
        diffs.append(float(s["mean_abs_difference_eta_ntk"]))
        rows.append({"seed": ctx.seed + k, "network_peak": s["network"]["peak_eta_ntk"],
                     "network_final": s["network"]["final_eta_ntk"],
                     "quadratic_peak": s["quadratic_model"]["peak_eta_ntk"],
                     "quadratic_final": s["quadratic_model"]["final_eta_ntk"],
                     "mean_abs_difference": s["mean_abs_difference_eta_ntk"]})
    frac = float(np.mean(agree))
    return Verdict.check(frac >= 0.6, seeds=seeds, agree_fraction=_fmt(frac), threshold="agree_fraction >= 0.6",
                         median_mean_abs_difference=_fmt(np.median(diffs)), runs=rows, n=16, d=4, m=32,
                         eta_frac="0.9", precision=PREC)
