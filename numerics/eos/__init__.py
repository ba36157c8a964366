"""The edge of stability: the normal-form prediction, its convergence orders, the phase diagram."""
from ... import _lazy

__all__, __getattr__, __dir__ = _lazy.lazy_exports(__name__, {
    ".predict": ("predict_eos", "EOSPrediction", "EOSStatus", "single_mode_period2", "Period2Result", "N_MAX"),
    ".convergence": ("convergence_orders", "ConvergenceResult", "ParameterSet", "PARAMETER_SETS",
                     "loglog_slope"),
    ".phase": ("phase_diagram", "PhaseResult", "PHASE_CLASSES"),
    ".sharpening": ("sharpening_search", "SharpeningSearch"),
})
