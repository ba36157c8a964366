"""The CLI shell: one-line errors with exit code 2, and the derived files are fresh."""
from __future__ import annotations

import pytest

from sorm.proofs_check import cli

MODEL = ["--omegas", "1,-1", "--z0", "0.01", "--J2", "1.215,0.795"]


def test_every_command_has_help(capsys):
    for name in cli.COMMANDS:
        with pytest.raises(SystemExit) as exc:
            cli.main([name, "--help"])
        assert exc.value.code == 0
        assert "usage" in capsys.readouterr().out


def test_unknown_option_is_one_line(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["verify", "--no-such-option"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--no-such-option" in err


def test_python_dash_m_runs_verify_subset(tmp_path):
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "sorm", "--only", "gd.map", "--out", str(tmp_path), "--quiet"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "1 verified" in r.stdout
    assert (tmp_path / "report.json").exists()


@pytest.mark.parametrize("module", ["sorm", "sorm.proofs_check"])
def test_python_dash_m_version(module):
    """`python -m sorm --version` prints what `sorm --version` prints (not verify's "unrecognized argument")."""
    import subprocess
    import sys

    from sorm import __version__

    r = subprocess.run([sys.executable, "-m", module, "--version"], capture_output=True, text=True, timeout=60)
    assert (r.returncode, r.stdout, r.stderr) == (0, f"sorm {__version__}\n", "")


def test_verify_only_matching_nothing_is_an_input_error(tmp_path, capsys):
    assert cli.main(["verify", "--only", "no.such.claim", "--out", str(tmp_path), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "only='no.such.claim'" in err
    assert not (tmp_path / "report.json").exists()


def test_huge_number_is_a_status_not_a_traceback(capsys):
    # 1e400 overflows a float; the engine must still answer (it diverges) without a traceback
    rc = cli.main(["simulate", "--omegas", "1,-1", "--z0", "1e400", "--J2", "1,1", "--dps", "20", "--json"])
    assert rc in (1, 2)  # diverged: a status without a result (exit 1), or a one-line error
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    if rc == 1:
        import json

        assert json.loads(out.out)["status"] == "diverged"


EXTREME = [
    ("simulate-float64-huge-z0", ["simulate", "--omegas", "1,-1", "--z0", "1e400", "--J2", "1,1", "--float64"]),
    ("certify-huge-z0", ["certify", "--omegas", "1,-1", "--z0", "1e400", "--J2", "1,1"]),
    ("predict-eos-huge-z0", ["predict", "--method", "eos", "--omegas", "1,-1", "--z0", "1e400", "--J2", "1,1"]),
    ("sweep-tiny-eta", ["sweep", "--omegas", "1,-1", "--z0", "0.1", "--J2", "1,1", "--eta-min", "1e-400",
                        "--eta-max", "1", "--eta-n", "3", "--quiet"]),
    ("sweep-huge-eta", ["sweep", "--omegas", "1,-1", "--z0", "0.1", "--J2", "1,1", "--eta-min", "0.1",
                        "--eta-max", "1e400", "--eta-n", "3", "--quiet"]),
]


@pytest.mark.parametrize("argv", [a for _, a in EXTREME], ids=[i for i, _ in EXTREME])
def test_extreme_magnitudes_get_one_line_errors(argv, tmp_path, capsys):
    """Values beyond float64 either work (high precision) or get one line and exit 2, never a traceback."""
    if argv[0] == "sweep":
        argv = argv + ["--out", str(tmp_path / "sw")]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "error" in err
    assert not (tmp_path / "sw").exists()


def test_predict_integrate_shows_a_step_limit_and_exits_1(monkeypatch, capsys):
    """The integrator's status is printed; a step limit is no result (exit 1)."""
    from sorm.numerics.engines import gf

    real = gf.integrate_gf
    monkeypatch.setattr(gf, "integrate_gf", lambda problem, **kw: real(problem, max_steps=2, **kw))
    args = ["predict", "--omegas", "1", "--z0", "5/34", "--J2", "20/57", "--integrate", "--dps", "20"]
    assert cli.main(args) == 1
    out = capsys.readouterr().out
    assert "integrated flow: stopped at the integrator's step limit" in out
    monkeypatch.setattr(gf, "integrate_gf", real)
    assert cli.main(args) == 0
    assert "integrated flow: converged" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["--omegas", "3/2,-2", "--z0", "-47/1000", "--J2", "1,1"],
        ["--omegas", "-1,2", "--z0", "-1e-2", "--J2", "0.5,0.5"],
        ["--omegas", "-1.5,-2", "--z0", "-.01", "--J2", "1,1"],
        ["--omegas", "1,-1", "--E", "-1/5", "--theta0", "-1,-1/2"],
    ],
    ids=["fraction", "list-and-scientific", "negative-list-and-leading-dot", "theta-form"],
)
def test_negative_values_without_equals(argv, capsys):
    """Every number option takes a negative value in every accepted form, with or without '='."""
    spaced = cli.build_parser().parse_args(["simulate", *argv])
    joined = cli.build_parser().parse_args(["simulate", *(f"{a}={b}" for a, b in zip(argv[::2], argv[1::2]))])
    assert vars(spaced) == vars(joined)
    assert cli.main(["simulate", *argv, "--float64", "--steps", "3"]) in (0, 1)  # parsed and ran (2: refused)


def _value_options():
    """(command words, option, dest, other required options) for every option of every command and experiment that takes one value."""
    import argparse

    def walk(parser, words):
        for act in parser._actions:
            if isinstance(act, argparse._SubParsersAction):
                for name, sub in act.choices.items():
                    yield from walk(sub, [*words, name])
            elif act.option_strings and act.nargs is None and act.choices is None and act.option_strings[0] != "-h":
                required = [a.option_strings[-1] for a in parser._actions if a.required and a is not act]
                yield words, act.option_strings[-1], act.dest, [x for r in required for x in (r, "1")]

    return list(walk(cli.build_parser(), []))


NEGATIVE_FORMS = ["-2", "-47/1000", "-1e-3", "-.5", "-1,2", "-3/2,-2", "-1E+2"]


@pytest.mark.parametrize("form", NEGATIVE_FORMS)
def test_every_value_option_takes_every_negative_form(form):
    """Each command's and experiment's value options take a negative number without '=' (a range error, if
    any, comes later from validation, with the option's name, never argparse's "expected one argument")."""
    options = _value_options()
    assert len(options) > 60 and any(w == ["experiment", "network"] for w, _, _, _ in options)
    for words, opt, dest, required in options:
        ns, rest = cli.build_parser().parse_known_args([*words, *required, opt, form])
        assert getattr(ns, dest) == form and rest == [], (words, opt)


@pytest.mark.parametrize("argv", [
    ["simulate", *MODEL, "--eta", "-1e-3"], ["plot", *MODEL, "--eta", "-1e-3"], ["predict", *MODEL, "--eta", "-1e-3"],
    ["certify", *MODEL, "--eta", "-1e-3"], ["sweep", *MODEL, "--eta-max", "2", "--eta-min", "-1e-3", "--quiet"],
    ["experiment", "network", "--eta", "-1e-3", "--quiet"], ["experiment", "highdim", "--eta-frac", "-1/2", "--quiet"],
    ["experiment", "centralflow", "--eta-frac", "-.5", "--quiet"], ["experiment", "highdim", "--D", "-4", "--quiet"],
    ["experiment", "highdim", "--seed", "-1", "--quiet"], ["verify", "--seed", "-2", "--quiet"],
    ["simulate", *MODEL, "--steps", "-5"],
    ["simulate", *MODEL, "--dps", "-30"], ["sweep", *MODEL, "--eta-min", "1", "--eta-max", "2", "--eta-n", "-3", "--quiet"],
], ids=["simulate-eta", "plot-eta", "predict-eta", "certify-eta", "sweep-eta-min", "network-eta", "highdim-eta-frac",
        "centralflow-eta-frac", "highdim-D", "highdim-seed", "verify-seed", "simulate-steps", "simulate-dps", "sweep-eta-n"])
def test_a_negative_out_of_range_value_is_a_one_line_range_error(argv, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rc = cli.main(argv)
    err = capsys.readouterr().err.strip()
    name = next(a for a in argv[::-1] if a.startswith("--") and a != "--quiet").lstrip("-").replace("-", "_")
    assert rc == 2 and len(err.splitlines()) == 1 and "expected one argument" not in err, err
    assert any(f"{n}{i}=" in err for n in (name, name.replace("_", "-")) for i in ("", "[0]")), err
    assert list(tmp_path.iterdir()) == [], "an output was written before the input was refused"


def test_an_unknown_option_is_still_an_option(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.build_parser().parse_args(["simulate", "--omegas", "1,-1", "-x"])
    assert exc.value.code == 2 and "unrecognized arguments: -x" in capsys.readouterr().err
