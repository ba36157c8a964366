"""float64 sweeps of the optimizers (numerics.optimizer_sweep) against the mpmath moment engine."""
from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest

from sorm.numerics.optimizer import run_optimizer
from sorm.numerics.optimizer_sweep import sweep_optimizer
from sorm.numerics.problem import from_state
from sorm.numerics.validate import InputError

PROBLEM = from_state((1, -1), F(1, 100), (F(243, 200), F(159, 200)))


@pytest.mark.parametrize("key, h", [("sam", F(1, 5)), ("heavy-ball", F(1, 2)), ("nesterov", F(9, 10)), ("gd", None)])
def test_sweep_point_equals_the_mpmath_engine(key, h):
    """One grid point after 200 steps equals run_optimizer at the same (η, h) to float64 accuracy."""
    eta = F(3, 4)
    sw = sweep_optimizer(PROBLEM, key, [float(eta)], [float(h)] if h is not None else [], steps=200, tol=1e-300)
    prob = from_state((1, -1), F(1, 100), (F(243, 200), F(159, 200)), eta)
    spec = key if h is None else f"{key}:{'rho' if key == 'sam' else 'beta'}={h}"
    ref = run_optimizer(prob, spec, dps=30, steps=200)
    assert sw.eta_ntk[0, 0] == pytest.approx(float(ref.eta_ntk), rel=1e-10)


def test_sweep_shapes_edges_and_statuses():
    sw = sweep_optimizer(PROBLEM, "heavy-ball", [0.5, 1.0, 3.0], [0.0, 0.5], steps=500)
    assert sw.eta_ntk.shape == sw.status.shape == sw.edge.shape == (2, 3)
    assert np.allclose(sw.edge[:, 0], [2.0, 3.0])
    assert sw.status[0, 0] == 1 and sw.status[0, 2] == 2  # eta*lambda0 = 1.005 converges; 6.03 > 2 diverges
    assert sum(sw.counts().values()) == 6


@pytest.mark.parametrize("kwargs, match", [
    (dict(optimizer="adam", eta_values=[1], hyper_values=[0]), "optimizer='adam'"),
    (dict(optimizer="sam", eta_values=[0], hyper_values=[0]), "eta_values"),
    (dict(optimizer="sam", eta_values=[1], hyper_values=[-1]), "hyper_values"),
    (dict(optimizer="nesterov", eta_values=[1], hyper_values=[1]), "beta < 1"),
], ids=["unknown", "eta0", "negative-h", "beta1"])
def test_bad_arguments(kwargs, match):
    with pytest.raises(InputError, match=match):
        sweep_optimizer(PROBLEM, **kwargs)


def test_figure(tmp_path):
    from sorm.proofs_check.figures import plot_optimizer_sweep

    sw = sweep_optimizer(PROBLEM, "sam", np.geomspace(0.3, 3, 8), [0.0, 0.5, 1.0], steps=300)
    fig = plot_optimizer_sweep(sw, tmp_path / "s.png")
    assert (tmp_path / "s.png").stat().st_size > 0 and len(fig.axes) == 2
