"""Symbolic tests of theory.linear: constant NTK for z = Gᵀθ − y, not for the second-order model."""
from __future__ import annotations

import pytest
import sympy as sp

from sorm.theory import linear


@pytest.mark.parametrize("P", [1, 2, 3])
def test_linear_model_ntk_is_constant(P):
    assert linear.gf_ntk_rate(P) == 0
    assert linear.gd_ntk_change(P) == 0


def test_second_order_model_ntk_moves():
    grad = linear.quadratic_ntk_gradient(2)
    th1, th2 = sp.symbols("theta1 theta2", real=True)
    w1, w2 = sp.symbols("w1 w2", real=True)
    assert sp.expand(grad[0] - 2 * w1**2 * th1) == 0 and sp.expand(grad[1] - 2 * w2**2 * th2) == 0
