"""Symbolic tests of theory.flow against docs/theory.md §2 (closed forms typed here as the reference)."""
from __future__ import annotations

import sympy as sp

from sorm.theory import flow
from sorm.theory.symbols import J2, J20, M0, M1, eta, i, omega, omega_i, x, z


def test_rates_match_model():
    assert sp.expand(flow.z_rate() - (-eta * M0 * z)) == 0
    assert sp.expand(flow.J2_rate() - (-2 * eta * z * omega[i] * J2[i])) == 0
    assert sp.expand(flow.ntk_rate() - (-2 * eta * z * M1)) == 0


def test_z_solution_solves_the_flow_and_keeps_its_sign():
    checks = flow.z_solution_checks()
    assert checks == {"ode": True, "initial": True, "dsolve": True, "factor_positive": True}


def test_a_wrong_z_solution_fails_the_ode_check():
    zs = flow.z_solution()
    wrong = zs.subs(eta, -eta)  # exp(+η∫λ): solves ż = +ηλz instead
    assert sp.simplify(sp.diff(wrong, flow.t) + eta * flow.lam(flow.t) * wrong) != 0


def test_integrable_form_matches_model():
    assert sp.simplify(flow.J2_of_x() - J20 * sp.exp(-2 * omega_i * x)) == 0
    assert flow.J2_of_x_checks() and flow.z_of_x_check() and flow.J2_nonnegative()
    assert sp.simplify(flow.z_of_x_term() - J20 * sp.exp(-2 * omega_i * x) / (2 * omega_i)) == 0


def test_pairwise_log_invariant():
    assert flow.log_invariant_rate() == 0
    # Not every combination is invariant: ln J_i² alone changes at rate −2ηzω_i.
    Ji = sp.Symbol("Ji", positive=True)
    assert sp.simplify(sp.diff(sp.log(Ji), Ji) * flow.J2_rate().subs(J2[i], Ji)) != 0


def test_nonnegativity_is_not_vacuous():
    """With a J(ω_i)²(0) of unknown sign, sympy cannot conclude nonnegativity."""
    free = sp.Symbol("J0_any", real=True)
    assert (flow.J2_of_x().subs(J20, free)).is_nonnegative is None
