"""The notebook-facing API: lazy imports, re-exports with __all__, and every module's __all__."""
from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys

import pytest

PACKAGES = ["sorm", "sorm.theory", "sorm.numerics", "sorm.numerics.compile", "sorm.numerics.engines",
            "sorm.numerics.certify", "sorm.numerics.eos", "sorm.numerics.highdim", "sorm.proofs_check"]
#: Never imported by `import sorm` or `sorm --help`: heavy third-party packages and the float64 engines.
HEAVY = ("matplotlib", "scipy", "jax", "numpy", "sympy", "mpmath", "flint", "sorm.numerics.engines.batch",
         "sorm.numerics.engines.sweep", "sorm.numerics.engines.gd_mp", "sorm.numerics.highdim.model")


def _modules_after(code: str) -> set[str]:
    probe = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)), file=sys.stderr)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    return set(json.loads(out.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize("code", [
    "import sorm",
    "import sorm.numerics, sorm.proofs_check, sorm.numerics.engines, sorm.numerics.highdim",
    "from sorm.proofs_check.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass",
    "from sorm.proofs_check.cli import main\ntry:\n    main(['simulate', '--help'])\nexcept SystemExit:\n    pass",
], ids=["import-sorm", "import-subpackages", "sorm--help", "sorm-simulate--help"])
def test_startup_imports_nothing_heavy(code):
    loaded = _modules_after(code)
    heavy = sorted(m for m in loaded for h in HEAVY if m == h or m.startswith(h + "."))
    assert not heavy, heavy


def test_first_use_imports_only_what_it_needs():
    loaded = _modules_after("from sorm.numerics import from_state, run_gd")
    assert "sorm.numerics.engines.gd_mp" in loaded and "mpmath" in loaded
    assert not {"matplotlib", "scipy", "jax", "sorm.numerics.engines.batch"} & loaded


def _modules(package):
    pkg = importlib.import_module(package)
    return [f"{package}.{m.name}" for m in pkgutil.iter_modules(pkg.__path__)]


@pytest.mark.parametrize("package", PACKAGES)
def test_package_reexports_resolve(package):
    """Every name of a package's __all__ resolves, to the object its module defines, and dir() shows it."""
    pkg = importlib.import_module(package)
    assert pkg.__all__ and len(set(pkg.__all__)) == len(pkg.__all__)
    submodules = {m.rsplit(".", 1)[1] for m in _modules(package)}
    for name in pkg.__all__:
        value = getattr(pkg, name)
        assert name in dir(pkg)
        if name in submodules:  # a subpackage listed as itself
            assert value is importlib.import_module(f"{package}.{name}")
        elif hasattr(value, "__module__") and not isinstance(value, type(sys)):
            assert getattr(sys.modules[value.__module__], name, value) is value, (package, name)
    with pytest.raises(AttributeError):
        pkg.no_such_name  # noqa: B018


@pytest.mark.parametrize("package", PACKAGES[2:])
def test_reexported_names_do_not_shadow_submodules(package):
    """A function named like a submodule would be replaced by the module once that is imported."""
    pkg = importlib.import_module(package)
    functions = set(pkg.__all__) - {m.rsplit(".", 1)[1] for m in _modules(package) if importlib.util.find_spec(m)
                                    .submodule_search_locations}
    clash = functions & {m.rsplit(".", 1)[1] for m in _modules(package)}
    assert not clash, clash


def _all_modules():
    for package in [*PACKAGES[1:], "sorm.proofs_check.claims", "sorm.proofs_check.commands"]:
        for m in _modules(package):
            if m.endswith(("__main__", "._derived")) or importlib.util.find_spec(m).submodule_search_locations:
                continue
            yield m


@pytest.mark.parametrize("module", sorted(set(_all_modules())))
def test_every_module_declares_all(module):
    mod = importlib.import_module(module)
    assert isinstance(getattr(mod, "__all__", None), list), f"{module} has no __all__"
    missing = [n for n in mod.__all__ if not hasattr(mod, n)]
    assert not missing, missing
