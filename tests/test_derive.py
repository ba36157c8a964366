"""`sorm derive`: the committed files equal a fresh derivation, and a tampered copy is detected."""
from __future__ import annotations

import re
import time
from pathlib import Path

import mpmath
import numpy as np
import pytest
import sympy as sp

from sorm.numerics import _derived as d
from sorm.proofs_check import cli
from sorm.proofs_check.commands import derive
from sorm.theory import codegen
from sorm.theory.formula import Formula, Section


CHECKOUT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def fresh():
    """One full derivation (every section), reused by the tests below; also times it.

    The time is this process's CPU time: sympy runs on one thread, so this is the work a user
    waits for on an idle core, and other tests running beside it (pytest -n) do not inflate it.
    """
    t0 = time.process_time()
    files = codegen.render()
    return files, time.process_time() - t0


def _fake_checkout(root: Path, files: dict[str, str]) -> Path:
    """A folder that looks like a sorm checkout, holding ``files`` (relative path → text)."""
    (root / "theory").mkdir(parents=True)
    (root / "theory" / "codegen.py").write_text("", encoding="utf-8")
    (root / "pyproject.toml").write_text("", encoding="utf-8")
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def test_committed_files_equal_a_fresh_derivation(fresh):
    files, seconds = fresh
    assert set(files) == {"numerics/_derived.py", "docs/derived.md"}
    for rel, text in files.items():
        assert (CHECKOUT / rel).read_text(encoding="utf-8") == text, f"{rel} is stale: run `sorm derive`"
    assert seconds < 60, f"deriving everything took {seconds:.1f} s of CPU (issue 2: under a minute)"


def test_cli_check_passes(fresh, monkeypatch, capsys):
    monkeypatch.setattr(codegen, "render", lambda: fresh[0])
    assert cli.main(["derive", "--check"]) == 0
    assert "fresh" in capsys.readouterr().out


@pytest.mark.parametrize("which", ["python", "markdown", "missing"])
def test_tampered_copy_is_detected(fresh, tmp_path, monkeypatch, capsys, which):
    files = dict(fresh[0])
    rel = codegen.MD_PATH if which == "markdown" else codegen.PY_PATH
    if which == "missing":
        files.pop(rel)
    else:
        old = "(-1 + omega*z*eta)**2" if which == "python" else r"\left(\eta \omega_i z - 1\right)^{2}"
        assert old in files[rel]
        files[rel] = files[rel].replace(old, old.replace("-", "+", 1))
    root = _fake_checkout(tmp_path, files)
    assert codegen.differences({r: (root / r).read_text(encoding="utf-8") for r in files}, fresh[0])
    monkeypatch.setattr(derive, "_find_checkout", lambda: root)
    monkeypatch.setattr(codegen, "render", lambda: fresh[0])
    assert cli.main(["derive", "--check"]) == 1
    out = capsys.readouterr().out
    assert "stale" in out and rel in out
    assert {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} == \
        {"theory/codegen.py", "pyproject.toml", *files}, "--check writes nothing"


def test_codegen_writes_no_files(fresh, tmp_path, monkeypatch):
    """theory returns texts; rendering in an empty folder leaves it empty."""
    monkeypatch.chdir(tmp_path)
    assert codegen.render() == fresh[0]
    assert list(tmp_path.iterdir()) == []


def test_generated_module_header_and_integer_constants():
    text = (CHECKOUT / codegen.PY_PATH).read_text(encoding="utf-8")
    assert text.startswith('"""DO NOT EDIT: regenerate with `sorm derive`')
    code = [ln for ln in text.splitlines() if ln.startswith("    return") or ln.startswith("        ")]
    code = [ln for ln in code if '"""' not in ln]
    assert len(code) > 50
    for ln in code:
        assert not re.search(r"\d\.\d|\de-?\d", ln), f"a float literal reached the generated module: {ln}"


def test_every_issue_result_is_generated():
    names = set(d.__all__)
    for name in ["gd_z_next", "gd_J2_next", "gd_zt_next", "gd_J2t_next", "invariant_term", "invariant_2E",
                 "gf_z_rate", "gf_J2_rate", "gf_ntk_rate", "gf_J2_of_x", "gf_z_of_x_term", "gf_log_term",
                 "planar_S", "planar_R", "planar_zt_next", "planar_T_next", "planar_J2t", "planar_jacobian",
                 "sharpening_ntk_rate"]:
        assert name in names
    doc = (CHECKOUT / codegen.MD_PATH).read_text(encoding="utf-8")
    for title in ["Gradient descent", "invariant", "Gradient flow", "Two dimensions", "sharpening", "linear model"]:
        assert title in doc
    assert r"J(\omega_i)^2" in doc and "J_{2}" not in doc, "flat symbols must print in the paper's notation"


@pytest.mark.parametrize("kind", ["float", "numpy", "mpmath", "arb"])
def test_elementary_helpers_dispatch_on_type(kind):
    import flint

    make = {"float": float, "numpy": lambda v: np.array([v, 2 * v]), "mpmath": mpmath.mpf,
            "arb": lambda v: flint.arb(v)}[kind]
    with mpmath.workdps(40):
        x = make(0.5)
        got = d.gf_J2_of_x(make(2.0), 1, x)
        if kind == "mpmath":
            assert isinstance(got, mpmath.mpf) and abs(got - 2 * mpmath.exp(-1)) < mpmath.mpf(10) ** -38
        elif kind == "arb":
            assert isinstance(got, flint.arb) and got.contains(flint.arb(2) * flint.arb(-1).exp())
            assert got.rad() < 1e-14
        elif kind == "numpy":
            assert isinstance(got, np.ndarray) and np.allclose(got, 2 * np.exp(-np.array([1.0, 2.0])) * [1, 2])
        else:
            assert isinstance(got, float) and abs(got - 2 * np.exp(-1)) < 1e-15
        assert abs(float(d.gf_log_term(2, make(3.0)) if kind != "numpy" else d.gf_log_term(2, 3.0))
                   - np.log(3) / 2) < 1e-15


def test_codegen_rejects_what_it_cannot_print_exactly():
    x = sp.Symbol("x")
    bad_fn = Section("t", "t", "", (Formula("f", (x,), sp.sin(x), "s", "derived here"),))
    with pytest.raises(ValueError, match="sin"):
        codegen.render_python([bad_fn])
    with pytest.raises(ValueError, match="float"):
        codegen._pycode(x + sp.Rational(1, 3) * x**2 + sp.Float(0.5))
    with pytest.raises(ValueError, match="shadow"):
        codegen.render_python([Section("t", "t", "", (Formula("exp", (x,), x, "s", "derived here"),))])
    with pytest.raises(ValueError, match="not in args"):
        Formula("g", (), x, "s", "derived here")


def test_cli_derive_writes_both_files(fresh, tmp_path, monkeypatch, capsys):
    """`sorm derive` (no --check) writes exactly the fresh derivation, atomically, under the checkout's root."""
    files = fresh[0]
    root = _fake_checkout(tmp_path, {})  # tmp_path stands in for a checkout
    monkeypatch.setattr(derive, "_find_checkout", lambda: root)
    monkeypatch.setattr(codegen, "render", lambda: files)
    assert cli.main(["derive"]) == 0
    for rel, text in files.items():
        assert (root / rel).read_text(encoding="utf-8") == text
    out = capsys.readouterr().out
    assert "wrote numerics/_derived.py" in out and "wrote docs/derived.md" in out


def test_derive_from_an_installed_copy_uses_the_checkout(monkeypatch, tmp_path, capsys):
    """An installed (non-editable) copy derives into the checkout found from the cwd, or says it needs one."""
    fake = tmp_path / "site-packages" / "sorm" / "proofs_check" / "commands" / "derive.py"
    monkeypatch.setattr(derive, "_INSTALLED_AT", fake)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["derive", "--check"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "checkout" in err
    monkeypatch.chdir(CHECKOUT / "tests")
    assert derive._find_checkout() == CHECKOUT
