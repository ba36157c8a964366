"""The project's text stands alone: it cites docs/theory.md, and every citation resolves.

The theory document of the project is docs/theory.md; nothing tracked may point at notes
outside the repository, and every "docs/theory.md §n" (or §n.m) names a heading that exists.
"""
from __future__ import annotations

import re
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Spelled in pieces so this file does not match itself.
FORBIDDEN = ("../" + "shared", "MODEL" + ".md", "STYLE" + ".md")
CITE = re.compile(r"docs/theory\.md\)? §(\d+(?:\.\d+)?)")


def _tracked_texts():
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    for name in out.decode().split("\0"):
        path = ROOT / name
        if name and path.is_file():
            try:
                yield name, path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue


def test_no_reference_outside_the_repository():
    hits = [f"{name}:{n}: {line.strip()}" for name, text in _tracked_texts()
            for n, line in enumerate(text.splitlines(), 1) if any(f in line for f in FORBIDDEN)]
    assert not hits, "references to notes outside the repository:\n" + "\n".join(hits)


def _sections():
    heads = re.findall(r"^#{2,3} §(\d+(?:\.\d+)?) ", (ROOT / "docs" / "theory.md").read_text(encoding="utf-8"),
                       re.MULTILINE)
    return set(heads)


def test_theory_citations_resolve():
    sections = _sections()
    assert {"1", "2", "3", "4", "5", "6", "5.1", "5.2", "5.3", "5.4"} <= sections
    cites = [(name, m.group(1)) for name, text in _tracked_texts() for m in CITE.finditer(text)]
    assert len(cites) > 50, "claims, docstrings and the README cite docs/theory.md"
    bad = sorted({f"{name}: §{sec}" for name, sec in cites if sec not in sections})
    assert not bad, "citations of missing sections of docs/theory.md:\n" + "\n".join(bad)


def test_claim_sources_name_their_document():
    """Each part of a claim's source that names a section says whose: the paper's or docs/theory.md's."""
    from sorm.proofs_check.registry import all_claims

    bad = [(c.id, part) for c in all_claims() for part in re.split(r"[;(]", c.source)
           if "§" in part and "paper" not in part and "docs/theory.md" not in part]
    assert not bad, bad


def test_readme_python_example_runs():
    """The README's notebook example runs as printed and its comments hold."""
    import matplotlib

    matplotlib.use("Agg")
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## From Python (notebooks)", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    scope: dict = {}
    exec(compile(block, "README.md", "exec"), scope)
    run, prob = scope["run"], scope["prob"]
    assert prob.z0 == Fraction(1, 100) and run.agreed_digits == 40 and run.shown()["z"][1] == 15
    assert type(scope["plot_run"](prob, run.trajectory)).__name__ == "Figure"
    shown = repr(scope["predict_eos"](prob, order=5))
    assert "eta_ntk=1.9848148," in shown and "digits=8" in shown and "EOSPrediction(" in block.split("predict_eos(prob")[1]
    printed = "GDResult(" + text.split("```text\nGDResult(", 1)[1].split("```", 1)[0]
    assert printed.strip() == repr(run), "the README shows the repr of this very run"


def test_readme_lists_every_claim():
    from sorm.proofs_check.registry import all_claims

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [c.id for c in all_claims() if f"`{c.id}`" not in text]
    assert not missing, f"claims missing from the README's table: {missing}"
