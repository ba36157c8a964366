"""The GD and GF engines: high precision (``gd_mp``), gradient flow (``gf``), float64 (``batch``, ``sweep``;
back ends: the numba ``kernel`` and the numpy ``loop``).

The function ``sweep`` is re-exported by :mod:`sorm.numerics`; here ``engines.sweep`` is its module.
"""
from ... import _lazy

__all__, __getattr__, __dir__ = _lazy.lazy_exports(__name__, {
    ".gd_mp": ("run_gd", "GDResult", "GDStatus", "METHODS", "agreed_digits"),
    ".gf": ("gf_limit", "integrate_gf", "GFLimit", "GFResult", "GFStatus"),
    ".batch": ("run_batch", "run_planar", "BatchResult", "TrajectoryClass", "trajectory_float64",
               "classify_problem", "resolve_engine", "ENGINES"),
    ".kernel": ("numba_available", "planar_kernel", "modes_kernel"),
    ".sweep": ("SweepResult", "parse_vary", "blocks", "MAX_POINTS", "MAX_BLOCK"),
})
