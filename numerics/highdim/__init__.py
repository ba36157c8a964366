"""Beyond two dimensions: the D-datapoint model, a tanh network and its Taylor model, self-stabilization.

``run_gd`` here runs the many-datapoint model; :func:`sorm.numerics.run_gd` runs the 2-D/P-mode one.
"""
from ... import _lazy

__all__, __getattr__, __dir__ = _lazy.lazy_exports(__name__, {
    ".model": ("Instance", "Trajectory", "RunStatus", "random_instance", "run_gd", "gd_step", "ntk",
               "top_eigenpair", "eta_for", "normal_form_coefficients"),
    ".network": ("Network", "make_data", "init_params", "quadratic_model", "run_network_gd"),
    ".selfstab": ("EOSPhase", "TwoStepSplit", "Reduction", "PhaseStatus", "eos_phase_stats", "two_step_split",
                  "reduction_check", "self_stabilization"),
})
