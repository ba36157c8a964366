"""Tracers and compilers: one generated formula, compiled for fixed-point integers or float64."""
from ... import _lazy

__all__, __getattr__, __dir__ = _lazy.lazy_exports(__name__, {
    ".fixedpoint": ("Tracer", "FixedProgram", "Poly", "trace", "compile_horner", "inline_single_use",
                    "power_by_squaring", "to_fixed", "from_fixed", "runner_source", "compile_runner"),
    ".float64": ("compile_traced", "InplaceProgram", "scalar_lines", "planar_step_program",
                 "planar_jacobian_program", "modes_step_program"),
})
