"""sorm: second-order regression models at the edge of stability.

The import root of three layers, each a subpackage:

- :mod:`sorm.theory` derives the model's dynamics with sympy;
- :mod:`sorm.numerics` computes with the derived formulas (float64, fixed point, mpmath, balls);
- :mod:`sorm.proofs_check` states the claims, holds them to evidence, and is the command line.

Subpackages are imported on first use, so ``import sorm`` is cheap.
"""
from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sorm")
except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
    __version__ = "0+unknown"

__all__ = ["__version__", "theory", "numerics", "proofs_check"]


def __getattr__(name):
    if name in ("theory", "numerics", "proofs_check"):
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'sorm' has no attribute {name!r}")
