"""Beyond two dimensions: the D-datapoint model and self-stabilization (networks: ``sorm.numerics.networks``).

``run_gd`` here runs the many-datapoint model; :func:`sorm.numerics.run_gd` runs the 2-D/P-mode one.
"""
from ... import _lazy

__all__, __getattr__, __dir__ = _lazy.lazy_exports(__name__, {
    ".model": ("Instance", "Trajectory", "RunStatus", "random_instance", "run_gd", "gd_step", "ntk",
               "top_eigenpair", "eta_for", "normal_form_coefficients"),
    ".grid": ("RunSpec", "RunRecord", "Cell", "Grid", "phase_grid"),
    ".scaling": ("divergence_thresholds", "finite_size_scaling", "Threshold", "Scaling"),
    ".centralflow": ("CentralFlow", "Comparison", "FlowStatus", "central_flow", "compare", "project",
                     "planar_instance"),
    ".selfstab": ("EOSPhase", "TwoStepSplit", "Reduction", "PhaseStatus", "eos_phase_stats", "two_step_split",
                  "reduction_check", "self_stabilization"),
})
