"""Every command's --json against the one schema (proofs_check/schema.py), and the README section."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from sorm.proofs_check import cli, schema

MODEL = ["--omegas", "1,-1", "--z0", "0.01", "--J2", "1.215,0.795"]

#: One or more invocations per command; together they reach every optional key.
RUNS = {
    "simulate-mp": ["simulate", *MODEL, "--dps", "30"],
    "simulate-float64-plot": ["simulate", *MODEL, "--float64", "--plot", "{tmp}/s.png"],
    "simulate-diverged": ["simulate", *MODEL, "--float64", "--eta", "3", "--steps", "200"],
    "simulate-sam": ["simulate", *MODEL, "--optimizer", "sam:rho=1/10", "--dps", "20", "--steps", "200"],
    "simulate-heavy-ball": ["simulate", *MODEL, "--optimizer", "heavy-ball:beta=1/2", "--dps", "20"],
    "predict-threshold": ["predict", *MODEL, "--method", "threshold", "--optimizer", "nesterov:beta=9/10"],
    "plot": ["plot", *MODEL, "--steps", "50", "--out", "{tmp}/p.png"],
    "predict-gf": ["predict", *MODEL, "--integrate"],
    "predict-eos": ["predict", *MODEL, "--method", "eos", "--order", "3"],
    "certify": ["certify", *MODEL, "--check"],
    "certify-3d": ["certify", "--omegas", "1,2,-1", "--z0", "0.05", "--J2", "0.3,0.4,0.2"],
    "certify-diverged": ["certify", "--omegas", "1,-1", "--z0", "1", "--J2", "3,3"],  # no enclosure: null bounds
    "sweep": ["sweep", *MODEL, "--eta-min", "0.5", "--eta-max", "2", "--eta-n", "5", "--quiet", "--out", "{tmp}/sw"],
    "sweep-optimizer": ["sweep", *MODEL, "--optimizer", "sam:rho=1/10", "--eta-min", "0.5", "--eta-max", "2",
                        "--eta-n", "4", "--vary", "rho", "--from", "0", "--to", "1", "--n", "3", "--out", "{tmp}/so"],
    "sweep-vary": ["sweep", *MODEL, "--eta-min", "0.5", "--eta-max", "2", "--eta-n", "4", "--vary", "z0", "--from",
                   "-1", "--to", "1", "--n", "3", "--quiet", "--out", "{tmp}/sv"],
    "verify": ["verify", "--quick", "--only", "gd.map", "--quiet", "--out", "{tmp}/r"],
    "derive-check": ["derive", "--check"],
    "experiment-highdim": ["experiment", "highdim", "--eps", "0,0.3", "--eta-frac", "0.9", "--D", "4", "--seeds", "2",
                           "--steps", "60", "--workers", "1", "--quiet", "--out", "{tmp}/h"],
    "experiment-highdim-scaling": ["experiment", "highdim", "--scaling", "--D", "4,6", "--seeds", "2", "--steps", "60",
                                   "--workers", "1", "--quiet", "--out", "{tmp}/hs"],
    "experiment-centralflow": ["experiment", "centralflow", "--D", "4", "--p-ratio", "4", "--steps", "40", "--quiet",
                               "--out", "{tmp}/c"],
    "experiment-centralflow-planar": ["experiment", "centralflow", "--model", "planar", "--amplitudes", "0.04,0.02",
                                      "--quiet", "--out", "{tmp}/cp"],
    "experiment-network": ["experiment", "network", "--n", "10", "--widths", "2", "--steps", "10", "--every", "5",
                           "--seeds", "2", "--quiet", "--out", "{tmp}/n"],
}


def schema_of(argv) -> str:
    """The schema an invocation's output follows: the command, and for experiments which one and its mode."""
    if argv[0] == "simulate" and "--optimizer" in argv:
        return "simulate --optimizer"
    if argv[0] == "sweep" and "--optimizer" in argv:
        return "sweep --optimizer"
    if argv[0] == "predict" and "threshold" in argv:
        return "predict --method threshold"
    if argv[0] != "experiment":
        return argv[0]
    mode = " --scaling" if "--scaling" in argv else " --model planar" if "planar" in argv else ""
    return f"experiment {argv[1]}{mode}"


@pytest.mark.parametrize("name", sorted(RUNS))
def test_json_output_follows_the_schema(name, tmp_path, capsys):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in RUNS[name]] + ["--json"]
    rc = cli.main(argv)
    out = capsys.readouterr().out
    assert rc in (0, 1), out
    data = json.loads(out)
    assert "NaN" not in out and "Infinity" not in out
    errors = schema.check(schema_of(argv), data)
    assert not errors, "\n".join(errors)
    for f in data.get("files", []):
        assert Path(f).is_file(), f


def test_every_command_is_covered():
    """Every command and experiment (and every mode with its own schema) runs in the table above."""
    from sorm.proofs_check.commands.experiment import EXPERIMENTS

    assert {argv[0] for argv in RUNS.values()} == set(cli.COMMANDS)
    assert {argv[1] for argv in RUNS.values() if argv[0] == "experiment"} == set(EXPERIMENTS)
    assert {schema_of(argv) for argv in RUNS.values()} == set(schema.SCHEMAS)


@pytest.mark.parametrize(
    "command, mutate, expected",
    [
        ("simulate", lambda d: d["final"].update(eta_ntk="0.425"), "expected number"),
        ("sweep", lambda d: d.update(seconds="0.1"), "expected number"),
        ("sweep", lambda d: d["grid"].update(eta_n="128"), "expected integer"),
        ("predict", lambda d: d.update(method=d.pop("engine")), "missing"),
        ("predict", lambda d: d.update(x_inf="nan"), "use null"),
        ("sweep", lambda d: d.update(figures=d.pop("files")), "use the key 'files'"),
        ("certify", lambda d: d["enclosure"].pop("status_message"), "status without status_message"),
        ("experiment highdim", lambda d: d["runs"][0].update(final_eta_ntk="nan"), "use null"),
        ("experiment highdim", lambda d: d.update(wall_seconds=d.pop("seconds")), "seconds: missing"),
        ("experiment highdim", lambda d: d.update(figures=d.pop("files")), "use the key 'files'"),
        ("experiment highdim", lambda d: d["runs"][1].pop("seed"), "seed: missing"),
        ("experiment centralflow", lambda d: d.pop("flow_status_message"), "flow_status without"),
        ("simulate", lambda d: d["model"].update(z0=0.01), "expected exact"),
    ],
    ids=["float-as-string", "seconds-as-string", "count-as-string", "method-not-engine", "nan-string",
         "figures-not-files", "status-alone", "highdim-nan", "highdim-wall-seconds", "highdim-figures",
         "highdim-run-without-seed", "flow-status-alone", "model-float"],
)
def test_the_schema_check_catches(command, mutate, expected, tmp_path, capsys):
    """Each convention fires on a planted violation of a real output (the check can fail)."""
    name = {"simulate": "simulate-float64-plot", "sweep": "sweep", "predict": "predict-gf",
            "certify": "certify", "experiment highdim": "experiment-highdim",
            "experiment centralflow": "experiment-centralflow"}[command]
    argv = [a.replace("{tmp}", str(tmp_path)) for a in RUNS[name]] + ["--json"]
    cli.main(argv)
    data = json.loads(capsys.readouterr().out)
    assert schema.check(command, data) == []
    mutate(data)
    errors = schema.check(command, data)
    assert any(expected in e for e in errors), errors


def test_readme_section_is_the_rendered_schema():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.index("## JSON output\n") + len("## JSON output\n\n")
    end = readme.index("\n## ", start)
    assert readme[start:end].strip() == schema.markdown().strip(), "README is stale: paste schema.markdown()"
