"""The project's text stands alone: it cites docs/theory.md, and every citation resolves.

The theory document of the project is docs/theory.md; nothing tracked may point at notes
outside the repository, and every "docs/theory.md §n" (or §n.m) names a heading that exists.
"""
from __future__ import annotations

import re
import shlex
import subprocess
import sys
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


#: Printed text that varies from run to run, masked on both sides before the comparison: wall times
#: ("... trajectory-steps in 1.97 s", "derived files fresh (4.2 s)").
VARYING = (re.compile(r"(?<= in )\d+(\.\d+)? s\b"), re.compile(r"(?<=\()\d+(\.\d+)? s(?=\))"))
#: Console examples with printed output that the test does not run, and why.
NOT_RUN = {"experiment network": "the example's run takes about 16 minutes (5 seeds x 3 models)"}
#: Examples that take more than a few seconds (the sweep: 1.2e5 runs; derive: every derivation).
SLOW = ("sweep", "derive")


def _console_examples():
    """Each `$ sorm ...` command of the README's console blocks with the output printed below it.

    A command continues over lines ending in a backslash; a `#` starts a comment; a last output line
    `...` means the block shows the start of the output only.
    """
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for block in re.findall(r"```console\n(.*?)```", text, re.DOTALL):
        lines = block.splitlines()
        i = 0
        while i < len(lines):
            command = lines[i].removeprefix("$ ")
            while command.endswith("\\"):
                i += 1
                command = command[:-1] + " " + lines[i].strip()
            i += 1
            start = i
            while i < len(lines) and not lines[i].startswith("$ "):
                i += 1
            printed = lines[start:i]
            while printed and not printed[-1].strip():
                printed.pop()
            yield command, printed


def _mask(lines):
    for pattern in VARYING:
        lines = [pattern.sub("<time>", line) for line in lines]
    return lines


def _example_params():
    params = []
    for command, printed in _console_examples():
        argv = shlex.split(command, comments=True)
        assert argv[0] == "sorm", command
        if not printed or " ".join(argv[1:3]) in NOT_RUN:
            continue
        marks = [pytest.mark.slow] if argv[1] in SLOW else []
        params.append(pytest.param(argv[1:], printed, marks=marks, id=" ".join(argv[1:4])))
    return params


def test_readme_console_examples_are_found():
    """The parser sees every example: the ones run here, the ones named in NOT_RUN, and commands shown
    without output."""
    examples = list(_console_examples())
    assert len(examples) >= 15 and len(_example_params()) >= 10
    run_or_skipped = {" ".join(shlex.split(c, comments=True)[1:3]) for c, printed in examples if printed}
    assert set(NOT_RUN) <= run_or_skipped, "an entry of NOT_RUN no longer names a README example"


@pytest.mark.parametrize("argv, printed", _example_params())
def test_readme_console_example_prints_what_the_readme_shows(argv, printed, tmp_path):
    """Each README console example, run in an empty folder, prints the README's text line for line
    (times masked; an example ending in `...` shows the start of the output), with exit code 2 for
    bad input and 0 otherwise."""
    code = "import sys; from sorm.proofs_check.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.run([sys.executable, "-c", code, *argv], cwd=tmp_path, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=300)
    shown = printed[:-1] if printed[-1] == "..." else printed
    got = proc.stdout.splitlines()
    if len(shown) < len(printed):
        got = got[:len(shown)]
    assert _mask(got) == _mask(shown), "README.md shows another output for: sorm " + " ".join(argv)
    assert proc.returncode == (2 if any(": error: " in line for line in printed) else 0), proc.stdout
