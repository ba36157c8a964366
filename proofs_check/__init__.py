"""Claims, the verification report and the command line of sorm.

Each claim states one result of the paper or of the derivations here, names its source and holds it
to evidence from :mod:`sorm.theory` and :mod:`sorm.numerics`. ``sorm verify`` runs them all;
:func:`run_report` does the same from Python.
"""
from .. import _lazy

__all__, __getattr__, __dir__ = _lazy.lazy_exports(__name__, {
    ".registry": ("claim", "all_claims", "run_claim", "Claim", "Verdict", "Context", "Method", "Status"),
    ".report": ("run_report", "summary_table"),
    ".cli": ("main",),
}, ("figures",))
