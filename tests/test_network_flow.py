"""The network's central flow (Heun + projection, autodiff products) against the high-D engine's central flow
(DOP853 with events, explicit Q) on the second-order model of a tiny network: the same formulas."""
from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")

from sorm.numerics.highdim import centralflow as hcf  # noqa: E402
from sorm.numerics.highdim import model as hd  # noqa: E402
from sorm.numerics.networks import operators  # noqa: E402
from sorm.numerics.networks.flow import integrate_central_flow  # noqa: E402
from sorm.numerics.validate import InputError  # noqa: E402

from test_networks import dense, tiny  # noqa: E402


@pytest.mark.slow
def test_network_flow_matches_the_high_d_central_flow():
    net = tiny(2)
    J, Q, z0 = dense(net)
    inst = hd.Instance(J.copy(), np.ascontiguousarray(Q), -z0)
    eta = 0.95 * 2.0 / np.linalg.eigvalsh(J @ J.T)[-1]
    ref = hcf.central_flow(inst, np.zeros(net.P), eta, 30, k=2)
    assert ref.status is hcf.FlowStatus.STEPS_DONE and ref.directions[1:].min() == 1  # on the edge from t = 1
    _, qops = operators(net)
    err = {}
    with jax.enable_x64(True):
        for h in (0.5, 0.25):
            f = integrate_central_flow(qops, jax.numpy.zeros(net.P), (net.theta0, net.X, net.Y), eta, 30, h=h)
            assert f.status.name == "STEPS_DONE" and f.on_edge[1:].all() and f.t.tolist() == list(range(31))
            assert np.max(np.abs(f.eta_hess[1:] - 2.0)) <= 1e-4
            err[h] = np.abs(f.predicted_loss - ref.predicted_loss) / ref.predicted_loss
    # the edge is joined at the end of a step, an O(h) error in the join time: the difference falls like h
    # (measured ratios 0.38 for the largest and 0.51 for the mean difference when h halves)
    assert err[0.5].max() <= 1e-2
    assert err[0.25].max() < 0.7 * err[0.5].max() and err[0.25].mean() < 0.7 * err[0.5].mean()


def test_network_flow_bad_step():
    net = tiny(2)
    ops, _ = operators(net)
    with pytest.raises(InputError, match="h=0.3"):
        integrate_central_flow(ops, net.theta0, (net.X, net.Y), 0.1, 3, h=0.3)


def test_flow_steps_through_the_cli(capsys, tmp_path):
    """--flow-steps: the first seed's network flow from its first checkpoint at the edge (here step 0: ηλ₀ = 2.4),
    reported against GD's loss in the JSON."""
    import json

    from sorm.proofs_check import cli

    rc = cli.main(["experiment", "network", "--widths", "4", "--n", "20", "--steps", "20", "--every", "5",
                   "--seeds", "2", "--eta-frac", "1.2", "--flow-steps", "3", "--out", str(tmp_path), "--json", "--quiet"])
    s = json.loads(capsys.readouterr().out)
    (f,) = s["central_flow"]
    assert rc in (0, 1) and f["seed"] == 0 and f["t_start"] == 0 and f["steps"] == 3 and f["h"] == 0.5
    assert isinstance(f["loss_rel_error_median"], float) and f["status"] == "steps_done"
