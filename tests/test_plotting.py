"""Figures: PNGs written atomically, from float, mpf and Fraction data; `sorm plot` CLI."""
from __future__ import annotations

import json
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from sorm.numerics.eos.phase import phase_diagram, plot_phase
from sorm.numerics.plotting import plot_loglog, plot_sweep, plot_trajectory
from sorm.numerics.validate import InputError
from sorm.proofs_check.cli import main

PNG = b"\x89PNG\r\n\x1a\n"
MODEL = ["--omegas", "1,-1", "--z0", "0.01", "--J2", "1.215,0.795"]


def _png(path):
    data = path.read_bytes()
    assert data[:8] == PNG and len(data) > 5000
    assert not list(path.parent.glob(".*.tmp")), "a temporary file was left behind"
    return data


def test_plot_trajectory_accepts_mpf_fraction_and_float(tmp_path):
    with mpmath.workdps(40):
        lam = [mpmath.mpf("2.01"), mpmath.mpf(2), mpmath.mpf("1.99")]
    out = plot_trajectory(lam, [Fraction(1, 100), -0.005, 0.0], Fraction(1, 2), tmp_path / "a" / "t.png",
                          title="three points")
    assert out == tmp_path / "a" / "t.png"
    _png(out)


def test_plot_trajectory_rejects_mismatched_lengths(tmp_path):
    with pytest.raises(InputError, match="equal lengths"):
        plot_trajectory([1.0, 2.0], [0.1], 1.0, tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_loglog_and_sweep_plots(tmp_path):
    eps = np.geomspace(1e-3, 1e-1, 5)
    _png(plot_loglog([eps, eps], [eps**2, eps**3], tmp_path / "ll.png", labels=["N=2", "N=3"], slopes=[2, 3]))
    _png(plot_loglog(list(eps), list(eps**2), tmp_path / "ll1.png"))
    cls = ["CONVERGED_BELOW", "SELF_STABILIZED", "DIVERGED", "PERIOD2"]
    _png(plot_sweep([0.1, 1, 2, 3], [0.2, 1.98, np.nan, 2.3], cls, tmp_path / "sw.png"))


def test_plot_phase(tmp_path):
    res = phase_diagram([1, -1], z0="0.01", J2="1.215,0.795", state_from=-1, state_to=1, eta_min=0.5,
                        eta_max=2, n_eta=12, n_state=8, steps=500, lyap_steps=200)
    _png(plot_phase(res, tmp_path / "phase.png"))


def test_plot_cli_high_precision_and_float64_agree(tmp_path, capsys):
    a, b = tmp_path / "mp.png", tmp_path / "f64.png"
    assert main(["plot", *MODEL, "--steps", "300", "--dps", "30", "--out", str(a), "--json"]) == 0
    mp = json.loads(capsys.readouterr().out)
    assert main(["plot", *MODEL, "--steps", "300", "--float64", "--out", str(b), "--json"]) == 0
    f64 = json.loads(capsys.readouterr().out)
    assert mp["steps"] == f64["steps"] == 300 and mp["status"] == f64["status"] == "steps_done"
    assert mp["dps"] == 30 and len(mp["final"]["eta_ntk"]) > 25
    assert abs(float(mp["final"]["eta_ntk"]) - float(f64["final"]["eta_ntk"])) < 1e-10
    _png(a), _png(b)


def test_plot_cli_text_output(tmp_path, capsys):
    out = tmp_path / "t.png"
    assert main(["plot", *MODEL, "--float64", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "status converged" in text and f"wrote {out}" in text
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
