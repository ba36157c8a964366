"""What each claim's check costs, for sharing the claims among processes (``report.schedule``).

:data:`SECONDS`: CPU seconds of each check in one full ``sorm verify --workers 1`` run (2-core
machine, 2026-12-03), claims in registry order; a claim that reuses the runs another claim of
its group cached shows ~0. Only the ratios matter: ``schedule`` starts the longest groups first
by these, unless the report folder already holds a report of the same kind, whose recorded
seconds it uses instead. A claim missing here counts as the median one. To refresh after a
check changes much: run ``sorm verify --workers 1 --out R`` and copy each claim's
``evidence.seconds`` from ``R/report.json``.

:data:`WARM_UP`: set-up that claims of different modules share within a process (a cached
derivation, a library's import and first compilation), by name. Claims naming the same set-up
go to one process, which pays it once; split over two, each process paid it (measured in a
fresh process: the claim run first against run after the other).
"""
from __future__ import annotations

__all__ = ["SECONDS", "WARM_UP"]

SECONDS = {
    "gd.map": 0.2, "gd.symbolic": 0.5, "invariant.gd": 0.5, "invariant.gf": 0.0, "invariant.gd_numeric": 0.4,
    "gf.z_sign": 0.8, "gf.integrable": 0.3, "gf.sharpening": 3.6, "linear.constant_ntk": 0.0,
    "planar.reduction": 0.2, "planar.eos_threshold": 0.2, "gf.routes_agree": 1.0, "gd.to_gf": 0.7,
    "gd.precision_doubling": 0.0, "sweep.converged_below_eos": 2.3, "phase.diagram": 1.0, "batch.mp_agreement": 0.1,
    "eos.final_ntk": 0.5, "eos.normal_form_k": 0.4, "eos.invariant_orders": 3.5, "eos.convergence_orders": 3.4,
    "eos.model_table": 0.1, "eos.k0_period2": 0.2, "eos.progressive_sharpening": 3.2, "certify.threshold": 0.0,
    "certify.final_ntk": 2.7, "highdim.sharpening_eos": 2.6, "highdim.linear_constant_ntk": 1.0,
    "highdim.selfstab.near_2": 9.4, "highdim.selfstab.z2_term": 0.0, "highdim.reduction_2d": 3.2,
    "highdim.centralflow.sharpness": 2.5, "highdim.centralflow.loss": 0.0, "planar.centralflow_vs_normal_form": 10.6,
    "network.matrix_free_exact": 6.5, "network.digits_eos": 26.8, "network.second_order_model": 0.0,
    "optimizers.momentum_edges": 1.6, "optimizers.sam_edge": 0.4, "optimizers.invariant": 0.2,
    "optimizers.engine_vs_theta": 0.4, "optimizers.sam_slopes": 3.4, "catapult.bounds": 0.0,
    "optimizers.momentum_final_ntk": 1.2, "optimizers.sweeps": 3.2,
}

WARM_UP = {
    # theory.normal_form.formal_invariant(5): 2.5 s of sympy, cached for the process
    "eos.invariant_orders": "formal_invariant(5)", "optimizers.sam_slopes": "formal_invariant(5)",
    # jax and XLA start-up, scikit-learn's digits: 2.4 s
    "network.matrix_free_exact": "jax", "network.digits_eos": "jax",
    # numba and the compiled batch kernels loaded from numba's disk cache: 1 s
    "sweep.converged_below_eos": "numba", "phase.diagram": "numba", "batch.mp_agreement": "numba",
}
