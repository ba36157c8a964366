"""Central flow, ∇S and projection of the many-datapoint model against independent computations."""
from __future__ import annotations

import numpy as np
import pytest

from sorm.numerics.highdim import centralflow as cf
from sorm.numerics.highdim import model as hd


@pytest.fixture(scope="module")
def inst():
    return hd.random_instance(4, 12, 0.4, 3)


def _loss(inst, th):
    z = inst.residual(th)
    return 0.5 * float(z @ z)


def test_hessian_matches_finite_differences(inst):
    rng = np.random.default_rng(0)
    th = rng.standard_normal(inst.P) * 0.5
    st = cf.state(inst, th, inst.P)
    H = (st.U * st.lams) @ st.U.T
    h = 1e-5
    E = np.eye(inst.P)
    fd = np.array([[(_loss(inst, th + h * E[i] + h * E[j]) - _loss(inst, th + h * E[i] - h * E[j])
                     - _loss(inst, th - h * E[i] + h * E[j]) + _loss(inst, th - h * E[i] - h * E[j])) / (4 * h * h)
                    for j in range(inst.P)] for i in range(inst.P)])
    assert np.max(np.abs(H - fd)) < 1e-5 * np.max(np.abs(H))


def test_grad_sharpness_matches_finite_differences(inst):
    """∇λ_max against central differences of the top eigenvalue of an independently built Hessian."""
    rng = np.random.default_rng(1)
    th = rng.standard_normal(inst.P) * 0.5

    def lam(t):
        J = inst.jacobian(t)
        z = inst.residual(t)
        H = J.T @ J + np.einsum("a,aij->ij", z, inst.Q)
        return np.linalg.eigvalsh(H)[-1]

    g = cf.grad_eig(inst, cf.state(inst, th))
    h = 1e-6
    fd = np.array([(lam(th + h * e) - lam(th - h * e)) / (2 * h) for e in np.eye(inst.P)])
    assert np.max(np.abs(g - fd)) < 1e-6 * np.max(np.abs(g))


def test_sigma2_keeps_sharpness(inst):
    """Along the one-direction central velocity, dS/dt = 0 (finite difference along it)."""
    rng = np.random.default_rng(2)
    th = rng.standard_normal(inst.P) * 0.5
    st = cf.state(inst, th)
    v, x, _ = cf.central_velocity(inst, st, 0.3, 1)
    v0 = cf.central_velocity(inst, st, 0.3, 0)[0]
    h = 1e-6
    dS = (cf.state(inst, th + h * v).lams[0] - cf.state(inst, th - h * v).lams[0]) / (2 * h)
    dS0 = (cf.state(inst, th + h * v0).lams[0] - cf.state(inst, th - h * v0).lams[0]) / (2 * h)
    if x[0] > 0:
        assert abs(dS) < 1e-6 * abs(dS0)
    else:   # the flow is not pushing S up: no correction
        assert dS0 <= 0 and np.array_equal(v, v0)


def test_projection_lands_on_edge(inst):
    rng = np.random.default_rng(4)
    th = rng.standard_normal(inst.P)
    lam = cf.state(inst, th).lams[0]
    eta = 2.2 / lam       # S above 2/η by 10%
    p, n = cf.project(inst, th, eta)
    assert 1 <= n <= cf.PROJ_ITERS
    assert abs(eta * cf.state(inst, p).lams[0] - 2) < 1e-10


def test_planar_flow_never_above_edge():
    """D = 1, ω = (1, −1), start above the edge: projected onto ηS = 2, then never above it."""
    th0 = np.array([1.215 ** 0.5, 0.795 ** 0.5])
    inst, th0 = cf.planar_instance([1.0, -1.0], th0, 0.5 * (1.215 - 0.795) - 0.01)
    flow = cf.central_flow(inst, th0, 1.0, 60)
    assert flow.status is cf.FlowStatus.CONVERGED and flow.projection_steps >= 1
    assert abs(flow.sharpness[0] - 2) < 1e-11 and np.all(flow.sharpness <= 2 + 1e-11)


def test_cli_centralflow_highdim_json(capsys, tmp_path):
    import json

    from sorm.proofs_check import cli

    rc = cli.main(["experiment", "centralflow", "--D", "4", "--eps", "0.3", "--steps", "30", "--out", str(tmp_path),
                   "--json", "--quiet"])
    assert rc == 0
    s = json.loads(capsys.readouterr().out)
    for key in ("loss_rel_error", "sharpness_band", "eos_steps", "flow_status", "pgd_loss_rel_error"):
        assert key in s
    assert s["loss_rel_error"] is None or isinstance(s["loss_rel_error"], float)
    assert (tmp_path / "centralflow.png").exists()


def test_cli_centralflow_planar_json(capsys, tmp_path):
    import json

    from sorm.proofs_check import cli

    rc = cli.main(["experiment", "centralflow", "--model", "planar", "--amplitudes", "0.04,0.02", "--out",
                   str(tmp_path), "--json", "--quiet"])
    assert rc == 0
    s = json.loads(capsys.readouterr().out)
    assert len(s["rows"]) == 2 and set(s["residual_slopes"]) == {"2", "3"}
    r = s["rows"][1]
    # The normal form at order 3 is far closer to GD than the central flow is.
    assert abs(r["gd_minus_normal_form"]["3"]) < 0.01 * abs(r["flow_minus_gd"])


def test_reduction_scaling_dz_falls_like_amplitude():
    from sorm.numerics.highdim.selfstab import reduction_scaling

    inst = hd.random_instance(16, 128, 0.1, 1)
    r = reduction_scaling(inst, hd.eta_for(inst, 0.9))
    assert r is not None and abs(r.slope_dz - 1) < 0.2
    assert all(a > b for a, b in zip(r.err_dz, r.err_dz[1:]))


@pytest.mark.parametrize("frac, diverges", [(5.0, True), (0.9, False)])
def test_cli_centralflow_reports_gd_divergence(capsys, tmp_path, frac, diverges):
    """Above the edge at the start (eta_frac = 5), GD's loss blows up: the summary names the step, the text says
    so, and the command exits 1; at eta_frac = 0.9, GD runs every step and the command exits 0."""
    import json

    from sorm.numerics.highdim import centralflow as cf
    from sorm.numerics.highdim.model import eta_for, random_instance
    from sorm.proofs_check import cli

    args = ["experiment", "centralflow", "--D", "4", "--eps", "0.3", "--steps", "30", "--eta-frac", str(frac),
            "--out", str(tmp_path), "--quiet"]
    assert cli.main(args) == (1 if diverges else 0)
    text = capsys.readouterr().out
    assert ("GD diverged: its loss blew up at step" in text) == diverges
    assert cli.main([*args, "--json"]) == (1 if diverges else 0)
    at = json.loads(capsys.readouterr().out)["gd_diverged_at"]
    # GD by hand: the first step whose loss is not finite or above 1e12
    inst = random_instance(4, 32, 0.3, 1)
    eta, theta, first = eta_for(inst, frac), np.zeros(inst.P), None
    for t in range(31):
        st = cf.state(inst, theta, 1)
        if not np.isfinite(st.loss) or st.loss > 1e12:
            first = t
            break
        theta = theta - eta * st.grad
    assert at == first and (first is not None) == diverges
