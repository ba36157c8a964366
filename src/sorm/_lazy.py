"""Lazy re-exports for the ``__init__`` of each sorm package.

A package lists its public names and the module that defines each one. Nothing is imported
until a name is first used, so ``import sorm`` and ``sorm --help`` stay cheap (no numpy
engines, scipy, matplotlib or JAX), while ``from sorm.numerics import run_gd`` and tab
completion in a notebook work as if everything had been imported. A subpackage or module of
the package (``sorm.numerics.highdim``) is also imported on first attribute access.
"""
from __future__ import annotations

import importlib
import importlib.util
import sys

__all__ = ["lazy_exports"]


def lazy_exports(package: str, table: dict[str, tuple[str, ...]], submodules: tuple[str, ...] = ()):
    """``(__all__, __getattr__, __dir__)`` for ``package``, which re-exports ``table``.

    table: ``{relative module: names it defines}``, e.g. ``{".engines.gd_mp": ("run_gd",)}``.
    submodules: subpackages or modules listed in ``__all__`` as themselves (``"highdim"``).
    A re-exported name must not also be a submodule of the package: importing that submodule
    would rebind the package attribute to the module.
    """
    where = {name: module for module, names in table.items() for name in names}

    def __getattr__(name: str):
        if name in where:
            value = getattr(importlib.import_module(where[name], package), name)
        elif not name.startswith("__") and importlib.util.find_spec(f"{package}.{name}") is not None:
            value = importlib.import_module(f"{package}.{name}")
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        setattr(sys.modules[package], name, value)  # later look-ups skip __getattr__
        return value

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | set(where) | set(submodules))

    return [*where, *submodules], __getattr__, __dir__
