"""numerics.eos and numerics.eos.convergence: the order-N prediction of the final NTK near the edge."""
from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from hypothesis import assume, example, given
from hypothesis import strategies as st

from sorm.numerics.eos.convergence import (PARAMETER_SETS, SLOPE_BAND, convergence_orders, edge_problem, loglog_slope,
                                  mpf_fraction, state_problem)
from sorm.numerics.eos.predict import (EPS_MAX, N_MAX, EOSStatus, predict_eos, single_mode_period2, solve_edge_root)
from sorm.numerics.engines.gd_mp import GDStatus, run_gd
from sorm.numerics.problem import from_state
from sorm.numerics.validate import InputError

F = Fraction
# docs/theory.md §5.3 table: ω = (1, −1), Ẽ = 0.2, z̃₀ = ε, T₀ = 2 + ε.
TABLE = [("0.02", "1.96945657495453709", "1.96980066225891700"),
         ("0.01", "1.98481482691426748", "1.98490033112945850"),
         ("0.005", "1.99242885509698451", "1.99245016556472925")]


@pytest.mark.parametrize("eps, gd, lead", TABLE, ids=[r[0] for r in TABLE])
def test_model_table(eps, gd, lead):
    prob = state_problem((1, -1), F(1, 5), F(eps), 2 + F(eps))
    pred = predict_eos(prob, order=2, dps=40)
    run = run_gd(prob, dps=40, tol=F(1, 10 ** 34))
    with mpmath.workdps(40):
        assert abs(pred.eta_ntk - mpmath.mpf(lead)) < mpmath.mpf("1e-17")
        assert abs(run.eta_ntk - mpmath.mpf(gd)) < mpmath.mpf("1e-17")
        # Higher orders are much closer to GD than the leading order.
        p5 = predict_eos(prob, order=5, dps=40)
        assert abs(p5.eta_ntk - run.eta_ntk) < abs(pred.eta_ntk - run.eta_ntk) * mpmath.mpf("1e-3")


def test_doubled_precision_agrees():
    prob = edge_problem(PARAMETER_SETS[1], F(1, 100))
    for N in range(2, N_MAX + 1):
        p1, p2 = predict_eos(prob, order=N, dps=50), predict_eos(prob, order=N, dps=100)
        assert p1.dps == 50 and p2.dps == 100
        with mpmath.workdps(100):
            assert abs(p1.eta_ntk - p2.eta_ntk) < mpmath.mpf(10) ** -47


def test_fields_and_eta_scaling():
    prob = state_problem((1, -1), F(1, 5), F(1, 100), F(201, 100))
    pr = predict_eos(prob, order=3, dps=30)
    assert pr.epsilon_exact == F(1, 100) and pr.order == 3 and pr.status is EOSStatus.OK
    with mpmath.workdps(30):
        assert abs(pr.epsilon - mpmath.mpf(1) / 100) < mpmath.mpf(10) ** -29
    assert pr.k == F(96, 25)  # k = 4 − s² with s = 2/5
    # Same rescaled state with η = 1/2: ηλ is unchanged, λ doubles.
    p = from_state((1, -1), 2 * prob.z0, tuple(2 * j for j in prob.J2), F(1, 2))
    pr2 = predict_eos(p, order=3, dps=30)
    with mpmath.workdps(30):
        assert abs(pr2.eta_ntk - pr.eta_ntk) < mpmath.mpf(10) ** -27
        assert abs(pr2.ntk - 2 * pr.ntk) < mpmath.mpf(10) ** -27


def test_statuses():
    on_line = predict_eos(state_problem((1, -1), F(1, 5), 0, F(21, 10)), order=2)
    assert on_line.status is EOSStatus.ON_FIXED_LINE
    with mpmath.workdps(50):
        assert abs(on_line.eta_ntk - mpmath.mpf(21) / 10) < mpmath.mpf(10) ** -48
    far = predict_eos(state_problem((1, -1), F(1, 5), F(1, 10), F(27, 10)), order=2)
    assert far.epsilon_exact > EPS_MAX and far.status is EOSStatus.FAR_FROM_EDGE
    assert "too far" in far.message


_BAD = [
    ("P=3", lambda: predict_eos(from_state((1, -1, 2), F(1, 10), (1, 1, 0))), "2-D reduction needs exactly 2"),
    ("P=1", lambda: predict_eos(from_state((1,), F(1, 10), (1,))), "needs exactly 2"),
    ("omega=0", lambda: predict_eos(from_state((1, 0), F(1, 10), (2, 0))), "nonzero omegas"),
    ("order=1", lambda: predict_eos(state_problem((1, -1), F(1, 5), F(1, 100), 2), order=1), "order=1"),
    ("order=6", lambda: predict_eos(state_problem((1, -1), F(1, 5), F(1, 100), 2), order=N_MAX + 1), "order="),
    ("order=True", lambda: predict_eos(state_problem((1, -1), F(1, 5), F(1, 100), 2), order=True), "order=True"),
    ("dps=5", lambda: predict_eos(state_problem((1, -1), F(1, 5), F(1, 100), 2), dps=5), "dps=5"),
    ("k=0", lambda: predict_eos(state_problem((1, -1), 1, F(-1, 100), 2)), "no self-stabilization"),
    ("k<0", lambda: predict_eos(state_problem((1, -1), 2, F(-1, 100), 4)), "no self-stabilization"),
    ("not a Problem", lambda: predict_eos((1, -1)), "expected a numerics.Problem"),
    ("p2 e<=1", lambda: single_mode_period2(1, F(1, 2)), "only for omega\\*Et > 1"),
    ("p2 e=1", lambda: single_mode_period2(2, F(1, 2)),
     "^omega\\*Et=1.0: the period-2 orbit exists only for omega\\*Et > 1 \\(the fixed point sits at "
     "eta\\*lambda = 2\\*omega\\*Et\\); pass a larger Et$"),
    ("p2 omega=0", lambda: single_mode_period2(0, 1),
     "^omega=0: a mode with omega = 0 has J = 0 and never moves; pass a nonzero omega$"),
    ("p2 omega=nan", lambda: single_mode_period2(float("nan"), 1), "^omega=nan: expected a finite real"),
    ("p2 Et='x'", lambda: single_mode_period2(2, "x"), "^Et='x': expected a finite real"),
    ("p2 u0=inf", lambda: single_mode_period2(2, F(11, 20), u0=float("inf")), "^u0=inf: expected a finite real"),
    ("p2 u0+e=0", lambda: single_mode_period2(2, F(11, 20), u0=F(-11, 10)),
     "^u0=-1.1: needs u0 \\+ omega\\*Et > 0 \\(eta\\*lambda = 2\\(u0 \\+ e\\) > 0\\); pass u0 > -1.1$"),
    ("state inadmissible", lambda: state_problem((1, -1), F(1, 5), F(3, 2), F(1, 10)), "cannot be negative"),
    ("omegas equal", lambda: state_problem((1, 1), F(1, 5), 0, 2), "distinct nonzero"),
]


@pytest.mark.parametrize("call, match", [(c, m) for _, c, m in _BAD], ids=[i for i, _, _ in _BAD])
def test_bad_arguments(call, match):
    with pytest.raises(InputError, match=match):
        call()


@given(st.fractions(-1, 1, max_denominator=1000), st.fractions(-1, 1, max_denominator=1000),
       st.sampled_from(PARAMETER_SETS), st.integers(2, N_MAX))
@example(F(0), F(0), PARAMETER_SETS[0], 2)          # exactly the edge point: T stays 2
@example(F(1, 10 ** 9), F(0), PARAMETER_SETS[1], 5)  # T exactly 2, tiny z
@example(F(0), F(1), PARAMETER_SETS[2], 3)           # on the fixed line, repelling side
@example(F(-1), F(1), PARAMETER_SETS[3], 5)          # the corner of the box, largest |s|
def test_prediction_is_below_the_edge_and_close_to_leading(u, v, pset, N):
    """Inside a box of size 1/(100(1 + |s|)) around (0, 2) every order predicts T_∞ ≤ 2 near leading order.

    The box shrinks with |s| because the series' size is the normal-form radius
    sqrt(ỹ² + (k/2)z̃²) with ỹ = y − s z̃, not ε.
    """
    from sorm.numerics import _derived as dd

    w1, w2 = pset.omegas
    s_edge = abs(F(dd.eos_s(w1 + w2, w1 * w2, pset.Et)))
    r = F(1, 100) / (1 + s_edge)
    zt0, y0 = r * u, r * v
    try:
        prob = state_problem(pset.omegas, pset.Et, zt0, 2 + y0)
    except InputError:
        assume(False)
    pr = predict_eos(prob, order=N, dps=30)
    if zt0 == 0:
        assert pr.status is EOSStatus.ON_FIXED_LINE
        with mpmath.workdps(30):
            T0 = 2 + y0
            assert abs(pr.eta_ntk - mpmath.mpf(T0.numerator) / T0.denominator) < mpmath.mpf(10) ** -28
        return
    assert pr.status is EOSStatus.OK
    with mpmath.workdps(30):
        gap, lead_gap = 2 - pr.eta_ntk, 2 - pr.leading
        assert gap >= 0 and lead_gap >= 0
        # Higher orders correct the leading value by a relative O(radius).
        assert abs(gap - lead_gap) <= lead_gap * (10 * (1 + s_edge) * pr.radius) + mpmath.mpf(10) ** -25


def test_normalisation_changes_prediction_only_at_the_truncation_order():
    """pure_y and pure_z invariants (differing by c·H₂² at degree 4) predict the same T_∞ to O(ε^{N−1})."""
    from sorm.theory import normal_form as nf
    from sorm.theory.symbols import Et, a, b

    pset = PARAMETER_SETS[0]
    (w1, w2), E = pset.omegas, pset.Et
    sub = {a: sp.Rational(w1 + w2), b: sp.Rational(w1 * w2), Et: sp.Rational(E)}

    def coeffs(norm, N):
        inv = nf.formal_invariant(nf.N_MAX, norm)
        return {n: tuple(F(int(c.xreplace(sub).p), int(c.xreplace(sub).q)) for c in inv.coeffs[n])
                for n in range(2, N + 1)}

    epss = [F(1, 50) / 2 ** m for m in range(4)]
    for N in (4, 5):
        cy, cz = coeffs("pure_y", N), coeffs("pure_z", N)
        diffs = []
        with mpmath.workdps(50):
            for eps in epss:
                prob = edge_problem(pset, eps)
                lead = predict_eos(prob, order=2, dps=50).eta_ntk - 2
                yy = solve_edge_root(cy, prob.zt0, prob.T0 - 2, y_lead=lead)
                yz = solve_edge_root(cz, prob.zt0, prob.T0 - 2, y_lead=lead)
                assert abs(yy - (predict_eos(prob, order=N, dps=50).eta_ntk - 2)) < mpmath.mpf(10) ** -45
                diffs.append(abs(yy - yz) / abs(yy))
        assert all(x > 0 for x in diffs)  # the normalisations do differ ...
        assert loglog_slope(epss, diffs) > N - 1 - SLOPE_BAND  # ... but only at the truncation order


def test_mpf_fraction_keeps_sign_and_digits():
    with mpmath.workdps(50):
        x = -mpmath.mpf(1) / 3
        f = mpf_fraction(x)
        assert f < 0 and abs(mpmath.mpf(f.numerator) / f.denominator - x) == 0


def test_convergence_quick_slopes():
    res = convergence_orders(orders=(2, 3, 4, 5), epsilons=[F(1, 50) / 2 ** m for m in range(3)], dps=40,
                             tol=F(1, 10 ** 24), sets=PARAMETER_SETS[:2])
    for name in res.sets:
        for N in res.orders:
            assert abs(res.slopes[name][N] - (N - 1)) <= SLOPE_BAND, (name, N, res.slopes[name][N])
    assert res.ok and res.sim_error < res.min_error / 1000


@pytest.mark.slow
def test_convergence_full_and_figure(tmp_path):
    from sorm.proofs_check.figures import plot_convergence

    res = convergence_orders()
    assert res.ok, res.slopes
    plot_convergence(res, tmp_path / "conv.png")
    assert (tmp_path / "conv.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_convergence_detects_a_wrong_order():
    """The slope check can fail: errors of a deliberately mislabelled order miss the band."""
    res = convergence_orders(orders=(3,), epsilons=[F(1, 50) / 2 ** m for m in range(3)], dps=30,
                             tol=F(1, 10 ** 22), sets=PARAMETER_SETS[:1])
    slope = res.slopes[res.sets[0]][3]
    assert abs(slope - 2) <= SLOPE_BAND and abs(slope - 3) > SLOPE_BAND


def test_single_mode_period2_three_ways():
    r = single_mode_period2(2, F(11, 20), dps=40)
    assert r.gd_status is GDStatus.PERIOD2 and r.e == F(11, 10)
    with mpmath.workdps(40):
        assert r.residual < mpmath.mpf(10) ** -35 and r.gd_residual < mpmath.mpf(10) ** -35
        assert abs(r.multiplier - mpmath.mpf("0.18")) < mpmath.mpf(10) ** -35
        # ηλ on the orbit is T = 2(u + e), not below the edge: no self-stabilization.
        assert min(abs(r.gd_eta_ntk - 2 * (u + mpmath.mpf("1.1"))) for u in r.closed) < mpmath.mpf(10) ** -35
    r2 = single_mode_period2(2, F(11, 20), dps=80)
    with mpmath.workdps(80):
        assert abs(r2.closed[0] - r.closed[0]) < mpmath.mpf(10) ** -38
        assert r2.gd_residual < mpmath.mpf(10) ** -75  # GD itself ran at 80 digits (5e-82 measured)


def _theta_period2(omega, Et, u0, dps):
    """The period-2 points (u_hi, u_lo) of one-mode GD, by iterating θ' = θ(1 − ωz), z = ½ωθ² − E
    (η = 1, u = ωz, e = ωE) at ``dps`` digits until u repeats every two steps: independent of the
    generated map, the closed form and run_gd."""
    with mpmath.workdps(dps):
        w, E = mpmath.mpf(omega.numerator) / omega.denominator, mpmath.mpf(Et.numerator) / Et.denominator
        e, u = w * E, mpmath.mpf(u0.numerator) / u0.denominator
        th = mpmath.sqrt(2 * (u + e)) / abs(w)
        us = []
        for _ in range(100_000):
            z = w * th * th / 2 - E
            us.append(w * z)
            if len(us) > 3 and abs(us[-1] - us[-3]) < mpmath.mpf(10) ** (5 - dps):
                return max(us[-2:]), min(us[-2:])
            th = th * (1 - w * z)
    raise AssertionError("the theta iteration did not settle on a period-2 orbit")


@pytest.mark.parametrize("omega, Et, u0", [(F(2), F(11, 20), F(1, 10)), (F(-1), F(-6, 5), F(1, 10)),
                                           (F(1), F(21, 20), F(-1, 50)), (F(3, 2), F(4, 5), F(1, 3)),
                                           (F(2), F(11, 20), F(-1, 5))],
                         ids=["e=1.1", "omega<0", "e=1.05,u0<0", "e=1.2", "u0+e<1"])
def test_single_mode_period2_against_an_independent_theta_iteration(omega, Et, u0):
    """Every field of the k = 0 period-2 result against one-mode GD iterated in θ-space at 60 digits: the
    orbit (u₊ > u₋, in that order, closed form and findroot), the GD end point and its ηλ = 2(u + e), both
    residuals as defined, and the multiplier h'(u₊)h'(u₋) of the independent map h(u) = (u + e)(1 − u)² − e."""
    hi, lo = _theta_period2(omega, Et, u0, 60)
    r = single_mode_period2(omega, Et, u0=u0, dps=40)
    assert r.gd_status is GDStatus.PERIOD2 and r.e == omega * Et and r.dps == 40 and r.gd_steps > 0
    with mpmath.workdps(60):
        tol = mpmath.mpf(10) ** -35
        e = mpmath.mpf(r.e.numerator) / r.e.denominator
        assert abs(r.closed[0] - hi) < tol and abs(r.closed[1] - lo) < tol
        assert abs(r.root[0] - hi) < tol and abs(r.root[1] - lo) < tol
        near = hi if abs(r.gd_u - hi) < abs(r.gd_u - lo) else lo
        assert abs(r.gd_u - near) < tol and abs(r.gd_eta_ntk - 2 * (near + e)) < tol
        gaps = [abs(r.root[i] - r.closed[i]) for i in range(2)]
        assert r.residual < tol and all(r.residual >= g for g in gaps)
        assert r.gd_residual <= min(abs(r.gd_u - c) for c in r.closed) < tol
        dh = lambda u: (1 - u) ** 2 - 2 * (u + e) * (1 - u)  # noqa: E731
        assert abs(r.multiplier - dh(hi) * dh(lo)) < tol


def test_single_mode_below_the_edge_keeps_its_eta_ntk():
    """k = 0 with e < 1: GD converges but ηλ_∞ = 2ω(0 + Ẽ) = 2e is fixed by the invariant."""
    w, e, u0 = F(1), F(9, 10), F(1, 20)
    prob = from_state((w,), u0 / w, (2 * (u0 + e),), 1)
    run = run_gd(prob, dps=30)
    assert run.status is GDStatus.CONVERGED
    with mpmath.workdps(30):
        assert abs(run.eta_ntk - 2 * mpmath.mpf(e.numerator) / e.denominator) < mpmath.mpf(10) ** -20


@pytest.mark.parametrize("J2", ["2.01,0", "2.009999999999,1e-12", "2.009999,1e-6", "2.009,1e-3"],
                         ids=["k0", "delta1e-12", "delta1e-6", "delta1e-3"])
def test_near_degenerate_k_is_a_status_not_ok(J2):
    """One mode (nearly) inactive: the prediction's error does not fall with the order, and it says so."""
    from sorm.numerics.eos.predict import EOSStatus, predict_eos
    from sorm.numerics.problem import from_state

    p = from_state([1, -1], "0.01", J2)
    for N in (2, 3, 5):
        assert predict_eos(p, order=N, dps=30).status is EOSStatus.DEGENERATE
    good = from_state([1, -1], "0.01", "1.215,0.795")
    assert all(predict_eos(good, order=N, dps=30).status is EOSStatus.OK for N in (2, 3, 5))


@pytest.mark.parametrize("pset", PARAMETER_SETS, ids=[p.name[0] for p in PARAMETER_SETS])
def test_printed_digits_of_the_prediction_are_digits_of_the_gd_limit(pset):
    """The prediction shows only the digits its error estimate leaves, and those are digits of GD's own limit.

    At every order and ε ∈ {1/50, 1/100, 1/400} the estimate (twice the spread of the orders
    min(N, N_MAX − 1)..N_MAX) covers twice the distance from the 40-digit GD limit, the shown value is within
    one unit of its last digit of that limit, and the estimate is not vacuous: at ε = 1/400 order N_MAX shows at
    least three digits more than order 2 (three to five here; at ε = 1/50 one or two)."""
    for eps in (F(1, 50), F(1, 100), F(1, 400)):
        prob = edge_problem(pset, eps)
        run = run_gd(prob, dps=40, tol=F(1, 10 ** 34), max_steps=10 ** 6)
        assert run.status is GDStatus.CONVERGED
        limit = mpf_fraction(run.eta_ntk)
        shown = {}
        for N in range(2, N_MAX + 1):
            p = predict_eos(prob, order=N, dps=40)
            assert p.status is EOSStatus.OK
            # below half the estimate: the factor-2 margin of docs/theory.md §5.3 (up to 0.49999 here)
            assert abs(mpf_fraction(p.eta_ntk) - limit) <= mpf_fraction(p.error_estimate) / 2, (float(eps), N)
            text, n = p.shown()["eta_ntk"]
            assert n == p.digits and abs(F(text) - limit) < F(10) ** (1 - n), (float(eps), N, text)
            shown[N] = n
    assert shown[N_MAX] >= shown[2] + 3, shown  # at ε = 1/400


@pytest.mark.parametrize("prob", [from_state([1, -1], "0.01", "2.01,0"), from_state([1, -1], "0.01", "2.009,1e-3"),
                                  state_problem((1, -1), F(1, 5), F(1, 10), F(27, 10))], ids=["k0", "delta1e-3", "far"])
def test_a_prediction_without_a_usable_value_shows_no_digit(prob):
    """Degenerate and far-from-edge predictions keep the series value for study but show none of it."""
    p = predict_eos(prob, order=5, dps=30)
    assert p.status in (EOSStatus.DEGENERATE, EOSStatus.FAR_FROM_EDGE) and p.eta_ntk is not None
    assert p.error_estimate is None and p.digits == 0
    assert p.shown() == {"eta_ntk": (None, 0), "ntk": (None, 0)}
    assert "eta_ntk=None" in repr(p)


@pytest.mark.parametrize("eps", [F(1, 10 ** 12), F(1, 10 ** 28)], ids=["1e-12", "1e-28"])
@pytest.mark.parametrize("pset", PARAMETER_SETS, ids=[p.name[0] for p in PARAMETER_SETS])
def test_near_the_edge_point_the_digits_stop_at_the_working_precision(pset, eps):
    """At ε = 10⁻¹² every order agrees far beyond 30 digits; the shown digits are then limited by the working
    precision (30 digits, the root solve and the rounding of T_∞), and each is a digit of the same
    prediction at 80 digits. At ε = 10⁻²⁸ the changes from order to order are root-solve noise (about
    10⁻³⁹), which is no sign of a degenerate series."""
    prob = edge_problem(pset, eps)
    for N in (2, N_MAX):
        p, ref = predict_eos(prob, order=N, dps=30), predict_eos(prob, order=N, dps=80)
        text, n = p.shown()["eta_ntk"]
        assert p.status is EOSStatus.OK and 20 <= n <= 30 and n == p.digits
        assert abs(F(text) - mpf_fraction(ref.eta_ntk)) < F(10) ** (1 - n), (N, text)


def _at_half_eta(prob):
    """The same state (z̃₀, T₀, Ẽ) with η = 1/2: ηλ unchanged, λ = 2ηλ."""
    return from_state(prob.omegas, 2 * prob.z0, tuple(2 * j for j in prob.J2), F(1, 2))


_RECORDS = [  # (id, η = 1 problem, status)
    ("ok", state_problem((1, -1), F(1, 5), F(1, 100), F(201, 100)), EOSStatus.OK),
    ("fixed-line", state_problem((1, -1), F(1, 5), 0, F(21, 10)), EOSStatus.ON_FIXED_LINE),
    ("far", state_problem((1, -1), F(1, 5), F(2, 5), 2), EOSStatus.FAR_FROM_EDGE),
    ("degenerate", from_state([1, -1], "0.01", "2.01,0"), EOSStatus.DEGENERATE),
    ("no-root", from_state([1, -3], "0.05", "17/40,63/40"), EOSStatus.NO_ROOT),
]


@pytest.mark.parametrize("prob, status", [(p, s) for _, p, s in _RECORDS], ids=[i for i, _, _ in _RECORDS])
def test_every_status_keeps_the_state_in_its_record(prob, status):
    """Whatever the status, the record carries the state's ε, k, leading-order value, order and dps, and
    λ = ηλ/η; only OK and ON_FIXED_LINE carry an error estimate and digits (η = 1/2, so λ ≠ ηλ)."""
    from sorm.numerics import _derived as dd
    from sorm.numerics.precision import to_mpf
    from sorm.numerics.problem import reduced_2d

    prob = _at_half_eta(prob)
    a, b, Et = reduced_2d(prob)
    k, s = F(dd.eos_k(a, b, Et)), F(dd.eos_s(a, b, Et))
    zt0, y0 = prob.zt0, prob.T0 - 2
    p = predict_eos(prob, order=3, dps=30)
    assert p.status is status and p.order == 3 and p.dps == 30 and p.k == k
    assert p.epsilon_exact == max(abs(zt0), abs(y0))
    with mpmath.workdps(30):
        tol = mpmath.mpf(10) ** -28
        assert abs(p.epsilon - to_mpf(p.epsilon_exact)) < tol
        radius = mpmath.sqrt(to_mpf((y0 - s * zt0) ** 2 + k / 2 * zt0 ** 2))
        assert abs(p.leading - (2 - radius)) < tol
        if status is EOSStatus.NO_ROOT:
            assert p.eta_ntk is None and p.ntk is None
        else:
            assert abs(p.ntk - 2 * p.eta_ntk) < tol
        if status is EOSStatus.ON_FIXED_LINE:  # T₀ = 21/10 exactly; the only error is its rounding
            assert p.eta_ntk == mpmath.mpf(21) / 10
            exact = abs(mpf_fraction(p.eta_ntk) - prob.T0)
            assert 0 < exact < F(1, 10 ** 30) and abs(mpf_fraction(p.error_estimate) - exact) < exact / 10 ** 25
            assert p.digits == 30
        elif status is EOSStatus.OK:
            assert 0 < p.error_estimate < mpmath.mpf(10) ** -4 and p.digits > 4
        else:
            assert p.error_estimate is None and p.digits == 0


def test_the_shown_ntk_has_the_digits_of_the_shown_eta_ntk():
    """λ = ηλ/η carries the relative error of ηλ: about as many digits, each of them true, and the repr shows
    the shown texts, the rounded-up estimate and the plain fields."""
    prob = _at_half_eta(state_problem((1, -1), F(1, 5), F(1, 100), F(201, 100)))
    p, ref = predict_eos(prob, order=3, dps=30), predict_eos(prob, order=5, dps=60)
    (t, n), (t_ntk, n_ntk) = p.shown()["eta_ntk"], p.shown()["ntk"]
    assert 4 < n and n - 1 <= n_ntk <= n + 1
    assert abs(F(t_ntk) - mpf_fraction(ref.ntk)) < F(10) ** (1 - n_ntk) * 4
    assert abs(F(t_ntk) - 2 * F(t)) < F(10) ** (2 - n) * 4
    r = repr(p)
    assert f"eta_ntk={t}," in r and f"ntk={t_ntk}," in r and "order=3," in r and "dps=30," in r and "k=96/25," in r
    assert f"leading={mpmath.nstr(p.leading, 30, strip_zeros=False)}," in r  # to dps digits, not 17
    est = F(r.split("error_estimate=")[1].split(",")[0])
    assert mpf_fraction(p.error_estimate) <= est <= 2 * mpf_fraction(p.error_estimate)


def test_the_epsilon_and_radius_limits_are_inclusive():
    """ε = 1/2 and a normal-form radius of exactly 1/2 are still near the edge; ε ≤ 1/2 with a radius
    above 1/2 is not (ω = (1, −1), Ẽ = 1/5: s = 2/5, k = 96/25)."""
    on_eps = predict_eos(state_problem((1, -1), F(1, 5), F(1, 10), F(5, 2)), order=3, dps=30)
    assert on_eps.epsilon_exact == EPS_MAX and on_eps.status is EOSStatus.OK
    on_radius = predict_eos(state_problem((1, -1), F(1, 5), F(5, 16), F(15, 8)), order=3, dps=30)
    assert on_radius.radius == mpmath.mpf(1) / 2 and on_radius.status is EOSStatus.OK
    beyond = predict_eos(state_problem((1, -1), F(1, 5), F(2, 5), 2), order=3, dps=30)
    assert beyond.epsilon_exact < EPS_MAX and beyond.radius > 0.5 and beyond.status is EOSStatus.FAR_FROM_EDGE


def test_invariant_value_and_the_root_solve_on_a_hand_made_table():
    """H = Σ c_j z̃^j y^{n−j} on a table written out by hand (coefficients 1 and 0 included), and the root
    solve's window: a root is accepted only within |y_lead|/2 of y_lead."""
    from sorm.numerics.eos.predict import invariant_value

    table = {2: (F(1), F(2), F(0)), 3: (F(0), F(1), F(-3), F(1))}
    z, y = F(1, 3), F(-2, 5)
    assert invariant_value(table, z, y) == y ** 2 + 2 * z * y + z * y ** 2 - 3 * z ** 2 * y + z ** 3
    square = {2: (F(2), F(0), F(0))}  # H(0, y) = 2y², H(z̃, y) = 2y²: roots y = ±y₀
    assert solve_edge_root(square, F(0), F(0), y_lead=0) == 0
    with mpmath.workdps(30):
        assert abs(solve_edge_root(square, F(1, 7), F(-1, 10), y_lead=mpmath.mpf("-0.09")) + mpmath.mpf(1) / 10) \
            < mpmath.mpf(10) ** -28
        assert solve_edge_root(square, F(1, 7), F(-1, 10), y_lead=mpmath.mpf("-0.06")) is None  # 0.04 > 0.03
        assert solve_edge_root(square, F(1, 7), F(-1, 10), y_lead=mpmath.mpf("-0.001")) is None


def test_order_defaults_to_two_and_a_bad_order_names_its_argument():
    prob = state_problem((1, -1), F(1, 5), F(1, 100), F(201, 100))
    assert predict_eos(prob, dps=30).order == 2
    for bad in ("three", 3.0, True, 1, N_MAX + 1):
        with pytest.raises(InputError, match="order=") as info:
            predict_eos(prob, order=bad)
        assert info.value.arg == "order"


def test_the_degeneracy_rule_compares_the_last_change_with_the_first():
    """Set B at (z̃₀, y₀) = (−3/20, −7/20): the changes from order to order are 1.7e-3, 1.9e-3, 1.0e-3, so the
    middle one grows but the last is below the first: OK. Set D at (−1/20, −3/20): order N_MAX has no root,
    so even an order-2 prediction is DEGENERATE (the series is not usable there)."""
    b, dset = PARAMETER_SETS[1], PARAMETER_SETS[3]
    ok = predict_eos(state_problem(b.omegas, b.Et, F(-3, 20), 2 - F(7, 20)), order=3, dps=30)
    assert ok.status is EOSStatus.OK
    no_top = predict_eos(state_problem(dset.omegas, dset.Et, F(-1, 20), 2 - F(3, 20)), order=2, dps=30)
    assert no_top.status is EOSStatus.DEGENERATE and no_top.eta_ntk is not None


@pytest.mark.parametrize("J2, T0", [((0, 0), "0"), ((1, 1), "2.00000000000000000000000000000"),
                                    ((F(11, 10), 1), "2.10000000000000000000000000000")], ids=["zero", "two", "2.1"])
def test_a_fixed_line_state_shows_t0_to_the_working_precision(J2, T0):
    """On the fixed line ηλ stays T₀ exactly: both ηλ and λ (η = 1) show T₀ to dps digits and no more, an
    exact zero NTK included."""
    p = predict_eos(from_state([1, -1], 0, J2), order=2, dps=30)
    assert p.status is EOSStatus.ON_FIXED_LINE
    assert p.shown() == {"eta_ntk": (T0, 30), "ntk": (T0, 30)}
