"""sorm: second-order regression models at the edge of stability.

The import root of three layers, each a subpackage:

- :mod:`sorm.theory` derives the model's dynamics with sympy;
- :mod:`sorm.numerics` computes with the derived formulas (float64, fixed point, mpmath, balls);
- :mod:`sorm.proofs_check` states the claims, holds them to evidence, and is the command line.

Subpackages are imported on first use, so ``import sorm`` is cheap.
"""
from __future__ import annotations

from . import _lazy

_names, _submodule, __dir__ = _lazy.lazy_exports(__name__, {}, ("theory", "numerics", "proofs_check"))
__all__ = ["__version__", *_names]


def __getattr__(name: str):
    if name == "__version__":  # from the package metadata, read on first use (importlib.metadata is slow)
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("sorm")
        except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
            value = "0+unknown"
        globals()["__version__"] = value
        return value
    return _submodule(name)
