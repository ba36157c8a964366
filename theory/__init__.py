"""Symbolic layer: derives the model's dynamics from its definition with sympy.

One module per mathematical object, each with a ``section()`` for ``sorm derive``:

- ``gd_map``: the exact GD map of (z, J(ω_i)²) for any P (paper §2.1 update);
- ``flow``: gradient flow, z(t) = z(0) exp(−η∫λ), integrability (docs/theory.md §2);
- ``invariants``: Σ J(ω_i)²/ω_i − 2z = 2E under GD and GF (docs/theory.md §3);
- ``planar``: the P = 2 reduction, admissible region, fixed line and 2/η (docs/theory.md §4);
- ``sharpening``: the paper's example sharpens at every t > 0 (paper §2);
- ``linear``: the linear model has a constant NTK;
- ``normal_form``: the two-step EOS normal form and the formal invariant H (docs/theory.md §5);
- ``period2``: k = 0, the period-2 orbit of a single active mode;
- ``catapult``: k = 0, GD's NTK map and its catapult bounds (divergence above 4 + 2ωẼ);
- ``highdim``: the many-datapoint GD step and its per-datapoint invariant (docs/theory.md §6);
- ``optimizers``: SAM, heavy ball and Nesterov as data; their moment maps and edges (docs/theory.md §7);
- ``sam_normal_form``: SAM's formal invariant near its edge, per exact instance (docs/theory.md §7);
- ``errors``: :class:`DerivationError`, raised by every derivation check (also under ``python -O``);
- ``centralflow``: the many-datapoint loss Hessian, ∇S, the central flow and the projection on {S ≤ 2/η}.

``theory.codegen`` renders the results as the texts of ``numerics/_derived.py`` and
``docs/derived.md`` (``sorm derive`` writes them). This package derives and never iterates.
"""
from . import (catapult, centralflow, flow, gd_map, highdim, invariants, linear, normal_form, optimizers, period2,
               planar, sam_normal_form, sharpening)
from .errors import DerivationError
from .formula import Formula, Section

__all__ = ["DerivationError", "Formula", "Section", "catapult", "centralflow", "flow", "gd_map", "highdim",
           "invariants", "linear", "normal_form", "optimizers", "period2", "planar", "sam_normal_form", "sharpening"]
