"""The 2-layer tanh network: hand-derived derivatives and its quadratic (second-order Taylor) model."""
from __future__ import annotations

import json

import numpy as np
import pytest

from sorm.numerics.highdim import model as hd
from sorm.numerics.highdim.network import make_data, quadratic_model, run_network_gd
from sorm.proofs_check import cli


@pytest.fixture(scope="module")
def small():
    return make_data(6, 3, 5, seed=4)


def test_jacobian_matches_complex_step(small):
    net, th = small
    h = 1e-30
    cs = np.stack([net.outputs(th + 1j * h * np.eye(net.P)[i]).imag / h for i in range(net.P)], axis=1)
    assert np.max(np.abs(cs - net.jacobian(th))) <= 1e-14 * np.max(np.abs(cs))


def test_hessians_match_complex_step_of_jacobian(small):
    """∂J/∂θ_i by complex step through the hand-derived Jacobian (it accepts complex θ) vs H."""
    net, th = small
    h = 1e-30
    H = net.hessians(th)
    for i in range(net.P):
        col = net.jacobian(th + 1j * h * np.eye(net.P)[i]).imag / h      # n×P: ∂J_α/∂θ_i
        assert np.allclose(H[:, :, i], col, rtol=0, atol=1e-13), i
    assert np.allclose(H, np.transpose(H, (0, 2, 1)))


def test_quadratic_model_error_is_third_order(small):
    """|z_net(θ₀+hφ) − z_quad(hφ)| = O(h³): log-log slope in [2.7, 3.3]."""
    net, th = small
    inst = quadratic_model(net, th)
    phi = np.random.default_rng(0).standard_normal(net.P)
    hs = np.logspace(-3, -1, 7)
    err = [np.max(np.abs(net.residual(th + h * phi) - inst.residual(h * phi))) for h in hs]
    slope = np.polyfit(np.log(hs), np.log(err), 1)[0]
    assert 2.7 <= slope <= 3.3, slope
    assert np.allclose(inst.residual(np.zeros(net.P)), net.residual(th), atol=1e-14)


def test_network_and_quadratic_model_reach_eos():
    """Default CLI instance: both sharpen from 1.8 past 2 and neither diverges."""
    net, th = make_data(16, 4, 32, seed=0)
    lam, _ = hd.top_eigenpair(net.jacobian(th))
    eta = 0.9 * 2 / lam
    a = run_network_gd(net, th, eta, 600)
    b = hd.run_gd(quadratic_model(net, th), eta, 600)
    for tr in (a, b):
        assert not tr.diverged and tr.peak >= 2.0 and tr.loss[-1] < 1e-2 * tr.loss[0]


def test_cli_network_json(capsys, tmp_path):
    rc = cli.main(["experiment", "network", "--steps", "200", "--out", str(tmp_path), "--json", "--quiet"])
    assert rc == 0
    s = json.loads(capsys.readouterr().out)
    assert float(s["jacobian_complex_step_relative_error"]) < 1e-13
    assert s["network"]["initial_eta_ntk"].startswith("1.8") or s["network"]["initial_eta_ntk"].startswith("1.79")
    assert (tmp_path / "network_vs_quadratic.png").exists()


@pytest.mark.parametrize("argv,needle", [
    (["--n", "0"], "n="), (["--m", "-2"], "m="), (["--eta-frac", "0"], "eta_frac="),
    (["--d", "64", "--m", "4096", "--n", "64", "--max-memory", "1"], "GiB"),
], ids=["n-zero", "m-negative", "eta-zero", "memory"])
def test_cli_network_bad_input(argv, needle, capsys, tmp_path):
    rc = cli.main(["experiment", "network", "--out", str(tmp_path), "--quiet", *argv])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and needle in err, err
