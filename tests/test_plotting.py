"""Figures: Figure objects, PNGs written atomically only when asked, from float, mpf and Fraction data; `sorm plot`."""
from __future__ import annotations

import json
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from matplotlib.figure import Figure

from sorm.numerics.eos.phase import phase_diagram
from sorm.proofs_check.figures import plot_loglog, plot_phase, plot_sweep, plot_trajectory
from sorm.numerics.validate import InputError
from sorm.proofs_check.cli import main

PNG = b"\x89PNG\r\n\x1a\n"
MODEL = ["--omegas", "1,-1", "--z0", "0.01", "--J2", "1.215,0.795"]


def _png(path):
    data = path.read_bytes()
    assert data[:8] == PNG and len(data) > 5000
    assert not list(path.parent.glob(".*.tmp")), "a temporary file was left behind"
    return data


def _saved(fig, path):
    assert isinstance(fig, Figure)
    return _png(path)


def test_plot_trajectory_accepts_mpf_fraction_and_float(tmp_path):
    with mpmath.workdps(40):
        lam = [mpmath.mpf("2.01"), mpmath.mpf(2), mpmath.mpf("1.99")]
    fig = plot_trajectory(lam, [Fraction(1, 100), -0.005, 0.0], Fraction(1, 2), tmp_path / "a" / "t.png",
                          title="three points")
    _saved(fig, tmp_path / "a" / "t.png")
    assert "three points" in fig._suptitle.get_text() and r"\eta = 1/2" in fig._suptitle.get_text()


def test_figures_save_only_when_given_a_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fig = plot_trajectory([1.0, 1.5, 2.1], [0.1, -0.05, 0.01], 1.0)
    assert isinstance(fig, Figure) and not list(tmp_path.iterdir())


def test_plot_trajectory_rejects_mismatched_lengths(tmp_path):
    with pytest.raises(InputError, match="equal lengths"):
        plot_trajectory([1.0, 2.0], [0.1], 1.0, tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_loglog_and_sweep_plots(tmp_path):
    eps = np.geomspace(1e-3, 1e-1, 5)
    _saved(plot_loglog([eps, eps], [eps**2, eps**3], tmp_path / "ll.png", labels=["N=2", "N=3"], slopes=[2, 3]),
           tmp_path / "ll.png")
    _saved(plot_loglog(list(eps), list(eps**2), tmp_path / "ll1.png"), tmp_path / "ll1.png")
    cls = ["CONVERGED_BELOW", "SELF_STABILIZED", "DIVERGED", "PERIOD2"]
    _saved(plot_sweep([0.1, 1, 2, 3], [0.2, 1.98, np.nan, 2.3], cls, tmp_path / "sw.png"), tmp_path / "sw.png")


def test_plot_phase(tmp_path):
    res = phase_diagram([1, -1], z0="0.01", J2="1.215,0.795", state_from=-1, state_to=1, eta_min=0.5,
                        eta_max=2, n_eta=12, n_state=8, steps=500, lyap_steps=200)
    _saved(plot_phase(res, tmp_path / "phase.png"), tmp_path / "phase.png")


def test_plot_cli_high_precision_and_float64_agree(tmp_path, capsys):
    a, b = tmp_path / "mp.png", tmp_path / "f64.png"
    assert main(["plot", *MODEL, "--steps", "300", "--dps", "30", "--out", str(a), "--json"]) == 0
    mp = json.loads(capsys.readouterr().out)
    # exactly K steps: the state there is the result in every engine; float64 names its class in the message
    assert main(["plot", *MODEL, "--steps", "300", "--float64", "--out", str(b), "--json"]) == 0
    f64 = json.loads(capsys.readouterr().out)
    assert mp["steps"] == f64["steps"] == 300 and mp["status"] == f64["status"] == "steps_done"
    assert "float64 class there: bounded" in f64["status_message"]
    assert mp["dps"] == 30 and len(mp["final"]["eta_ntk"]) > 25
    assert abs(float(mp["final"]["eta_ntk"]) - float(f64["final"]["eta_ntk"])) < 1e-10
    _png(a), _png(b)


def test_plot_cli_text_output(tmp_path, capsys):
    out = tmp_path / "t.png"
    assert main(["plot", *MODEL, "--float64", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "status self_stabilized" in text and f"wrote {out}" in text
    _png(out)


@pytest.mark.parametrize(
    "extra, match",
    [
        (["--eta", "0"], "eta"),
        (["--eta", "-1"], "eta"),
        (["--dps", "5"], "dps"),
        (["--dps", "100000"], "dps"),
        (["--steps", "0"], "steps"),
        (["--max-steps", "-3"], "max-steps"),
        (["--tol", "0"], "tol"),
        (["--out", "x.txt"], "png"),
        (["--E", "1", "--theta0", "1,1"], "both given"),
    ],
    ids=["eta-zero", "eta-negative", "dps-too-low", "dps-absurd", "steps-zero", "max-steps-negative",
         "tol-zero", "out-not-png", "overdetermined-state"],
)
def test_plot_cli_bad_input(extra, match, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rc = main(["plot", *MODEL, *extra])
    err = capsys.readouterr().err
    assert rc == 2 and match in err and err.count("\n") == 1 and "Traceback" not in err
    assert not list(tmp_path.glob("*.png"))
