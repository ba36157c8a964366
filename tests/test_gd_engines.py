"""numerics.engines.gd_engines and the driver's stop rules: each engine step by step, its stated error bound,
the fixed line at its edges, and a rerun that vouches for nothing."""
from __future__ import annotations

import warnings
from fractions import Fraction as F

import mpmath
import pytest

from sorm.numerics import InputError
from sorm.numerics.engines.gd_engines import FixedPointEngine, fixed_point_bits, make_engine, propagated_error
from sorm.numerics.engines import gd_mp
from sorm.numerics.engines.gd_mp import GDStatus, Orbit, run_gd
from sorm.numerics.precision import digits_of_bits
from sorm.numerics.problem import from_state, from_theta
from sorm.numerics.status import divergence_bound

THETA = from_theta("1,-1/2,2", "0.1", "0.7,0.6,-0.2", eta="0.3")


def _close(x, y, tol):
    return abs(mpmath.mpf(x) - mpmath.mpf(y)) <= tol


def test_theta_engine_follows_the_map_step_by_step():
    """θ-space GD (paper §2.1) against the (z̃, J̃²) map, 12 steps recorded: every value and every recorded
    (ηλ_t, z_t) agree to 30 digits (two different computations of the same orbit)."""
    th = run_gd(THETA, dps=40, steps=12, record=True, method="theta")
    mp_ = run_gd(THETA, dps=40, steps=12, record=True, method="mpmath")
    assert th.status is mp_.status is GDStatus.STEPS_DONE and th.steps == 12
    with mpmath.workdps(40):
        tol = mpmath.mpf(10) ** -30
        assert _close(th.z, mp_.z, tol) and _close(th.ntk, mp_.ntk, tol) and _close(th.eta_ntk, mp_.eta_ntk, tol)
        assert all(_close(a, b, tol) for a, b in zip(th.J2, mp_.J2, strict=True))
        for a, b in zip(th.trajectory, mp_.trajectory, strict=True):
            assert len(a) == 13 and all(_close(x, y, tol) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("method", ["fixed-point", "mpmath", "theta"])
def test_divergence_of_z_alone_is_caught_at_the_same_step(method):
    """Small eigenvalues: z̃ passes the divergence bound while ηλ ≈ |z̃|/5 is still below it, so only the
    engine's own z̃ check can stop the run; every engine stops at the same step."""
    prob = from_theta("1/10,-1/10", "1529/100", "4,11")  # the bound is 2^30·20.5
    ref = run_gd(prob, dps=30, method="mpmath")
    r = run_gd(prob, dps=30, method=method)
    assert r.status is ref.status is GDStatus.DIVERGED and r.steps == ref.steps
    with mpmath.workdps(30):
        assert abs(r.z) > 2 ** 30 * 20.5 > 2 ** 30 * 6.5 > abs(r.eta_ntk)


def test_theta_without_theta0_says_how_to_fix_it():
    with pytest.raises(InputError) as exc:
        run_gd(from_state("1", "0.1", "1.5"), method="theta")
    assert str(exc.value) == ("method='theta' needs theta0: build the problem with from_theta (or --E/--theta0), "
                              "or use method='auto'")


@pytest.mark.parametrize("method", ["mpmath", "theta"])
def test_floating_engines_state_the_documented_bound(method):
    """mpmath and θ: relative bound r = (N + 1)·8(P + 1)·2^−prec on each J̃² and T; z̃'s is r|z̃| (mpmath) or
    r·η(½Σ|ω_i|θ_i² + |E|) = r(½Σ J̃_i²/|ω_i| + η|E|) for θ, whose z̃ is a cancellation."""
    eng = make_engine(THETA, method, 30, 1000, F(1, 10 ** 25))
    with mpmath.workprec(eng.prec):
        zt, J2, T = mpmath.mpf("-0.0625"), (mpmath.mpf("0.5"), mpmath.mpf("0.25"), mpmath.mpf(4)), mpmath.mpf("4.75")
        ez, eJ, eT = eng.error(99, zt, J2, T)
        r = mpmath.ldexp(100 * 8 * 4, -eng.prec)
        size = (mpmath.mpf("0.5") + mpmath.mpf("0.5") + 2) / 2 + mpmath.mpf("0.3") * mpmath.mpf("0.1")
        want = (r * size if method == "theta" else r / 16,) + tuple(r * j for j in J2) + (r * T,)
        assert all(_close(g, w, w * mpmath.mpf(10) ** -20) for g, w in zip((ez, *eJ, eT), want, strict=True))


@pytest.mark.parametrize("method", ["fixed-point", "mpmath"])
@pytest.mark.parametrize("J2", ["0,0", "1.2,0.8"], ids=["T=0", "T=2"])
def test_the_ends_of_the_fixed_line_do_not_attract(method, J2):
    """z = 0 exactly with ηλ = 0 (multiplier 1 − T = 1) or ηλ = 2 (multiplier −1): a fixed point that does
    not attract, so not converged; just inside (ηλ = 1.96) it is."""
    assert run_gd(from_state("1,-1", "0", J2), dps=30, method=method).status is GDStatus.UNSTABLE_FIXED_POINT
    assert run_gd(from_state("1,-1", "0", "1.2,0.76"), dps=30, method=method).status is GDStatus.CONVERGED


@pytest.mark.parametrize("method", ["fixed-point", "mpmath"])
def test_a_residual_below_tol_that_does_not_shrink_is_not_converged(method):
    """ηλ = 0 (no mode moves): z̃ = 10⁻⁴⁰ is below the tolerance 10⁻²⁵ but stays exactly where it is. Every
    engine says so at once: no gradient, not converged (tests/test_engines_agree.py; before, the fixed-point
    engine's rounding of the planar S moved z̃ by a unit and it was called converged)."""
    r = run_gd(from_state("1,-1", "1e-40", "0,0"), dps=30, max_steps=200, method=method)
    assert r.status is GDStatus.NO_GRADIENT and r.steps == 0


def test_a_rerun_that_diverges_earlier_vouches_for_nothing():
    """An escaping chaotic orbit (one mode, E = 252/125): at 16 digits it diverges later than at 32, so the
    doubled-precision rerun ends at another step and no digit counts as agreed."""
    prob = from_state("1", F(7, 20) - F(252, 125), ["0.7"])
    r = run_gd(prob, dps=16, steps=80, check_digits=True)
    assert r.status is GDStatus.DIVERGED and run_gd(prob, dps=32, steps=r.steps).steps < r.steps
    assert r.agreed == {"z": 0, "J2": (0,), "ntk": 0, "eta_ntk": 0} and r.agreed_digits == 0
    assert r.shown() == {"z": (None, 0), "J2": [(None, 0)], "ntk": (None, 0), "eta_ntk": (None, 0)}


@pytest.mark.parametrize("method", ["fixed-point", "mpmath", "theta"])
def test_checked_bounds_hold_on_a_chaotic_orbit(method):
    """One mode at E = 3/2 is chaotic: 150 steps lose 19 to 25 of 30 digits, far more than any engine's own
    a-priori bound allows. After the rerun at 60 digits every bound in ``error`` covers the distance to a
    120-digit run, with no slack: the raised bound |x − x₆₀| + bound₆₀ needs the 60-digit run's bound carried
    along its orbit, because the run loses digits at the same rate (its a-priori bound missed by about 10⁻³⁰
    of the disagreement: the fixed-point z̃ fell short by a relative 9·10⁻³¹)."""
    prob = from_theta("1", "3/2", "7/10")
    r = run_gd(prob, dps=30, steps=150, check_digits=True, method=method)
    ref = run_gd(prob, dps=120, steps=150, method=method)
    assert 5 <= r.agreed_digits <= 11
    with mpmath.workdps(130):
        for q in ("z", "ntk", "eta_ntk"):
            assert abs(getattr(r, q) - getattr(ref, q)) <= r.error[q], q
        assert all(abs(a - b) <= e for a, b, e in zip(r.J2, ref.J2, r.error["J2"], strict=True))
    # the rerun is the same run at 2·dps = 60 digits, so each bound is at least the distance to it (a rerun at other
    # digits, e.g. 90, is off from the 60-digit values by more than its own bound on this orbit)
    r60 = run_gd(prob, dps=60, steps=150, method=method)
    with mpmath.workdps(130):
        for q in ("z", "ntk", "eta_ntk"):
            assert abs(getattr(r, q) - getattr(r60, q)) <= r.error[q], q
        assert all(abs(a - b) <= e for a, b, e in zip(r.J2, r60.J2, r.error["J2"], strict=True))


@pytest.mark.parametrize("method", ["fixed-point", "mpmath", "theta"])
def test_the_bound_carried_along_a_chaotic_orbit_holds_where_the_a_priori_one_fails(method):
    """The same chaotic orbit at 30 digits, 150 steps, against a 120-digit run: the a-priori bound (N + 1)·δ is
    below the true error of z̃, T and J̃² by 27 orders of magnitude or more, while the bound carried along the
    orbit (each step's rounding times the product of the Jacobians to the end) covers it, and is within 10⁴ of
    it (measured: 85 to 330 times the error), so a bound without the products, or scaled wrongly, fails."""
    prob = from_theta("1", "3/2", "7/10")
    eng = make_engine(prob, method, 30, 150, F(1, 10 ** 25))
    states = []
    state, k, flag = eng.run(eng.state0, 150, -1, eng.units(F(2 ** 40)), states.append)
    states.append(state)
    assert (k, flag, len(states)) == (150, 0, 151)
    ref = run_gd(prob, dps=120, steps=150, method="mpmath")
    with mpmath.workdps(130):
        zt, J2t, T = eng.final(state)
        true = [abs(zt - ref.z), *(abs(a - b) for a, b in zip(J2t, ref.J2, strict=True)), abs(T - ref.eta_ntk)]
        ez, eJ, eT = propagated_error(eng, states)
        az, aJ, aT = eng.error(150, zt, J2t, T)
        for t, e, a in zip(true, [ez, *eJ, eT], [az, *aJ, aT], strict=True):
            assert a < t * mpmath.mpf(10) ** -27 and t <= e <= 10 ** 4 * t


@pytest.mark.parametrize("method", ["fixed-point", "mpmath", "theta"])
def test_an_orbit_kept_as_float_rows_gives_the_bound_of_the_kept_states(method):
    """A run that only carries its bound keeps its orbit as float64 rows (an ``Orbit`` without states), the
    coordinates ``propagated_error`` reads: the same rows, and the same bound, as from the states themselves
    (each coordinate converted independently here: the fixed-point integer over 2^p, else z̃ and J̃² as float);
    on the planar and the mode map, and at a state beyond float64, where both give no bound."""
    for prob in (from_theta("1", "3/2", "7/10"), from_theta("1,-1", "1/10", "11/10,9/10")):
        eng = make_engine(prob, method, 30, 60, F(1, 10 ** 25))
        kept, rows = Orbit(eng, keep=True), Orbit(eng)
        assert rows.states is None and len(rows.data) == 0
        state = eng.state0
        for _ in range(60):
            kept.append(state)
            rows.append(state)
            state, _, _ = eng.run(state, 1, -1, eng.units(F(2 ** 40)), None)
        if isinstance(eng, FixedPointEngine):
            own = [[float(F(int(v), 2 ** eng.prec)) for v in st] for st in kept.states]
        else:
            with mpmath.workprec(64):
                own = [[float(v) for v in (eng.final(st)[0], *eng.final(st)[1])] for st in kept.states]
        assert rows.rows().tolist() == own == kept.rows().tolist() and len(rows.data) == 60 * rows.dim
        assert propagated_error(eng, rows.plus(state).rows()) == propagated_error(eng, kept.plus(state).rows()) \
            == propagated_error(eng, [*kept.states, state]) is not None
    if method == "fixed-point":
        huge = Orbit(eng)
        huge.append(tuple(v << 1100 for v in eng.state0))
        assert huge.rows()[0].tolist() == [float("inf")] * huge.dim and propagated_error(eng, huge.rows()) is None


@pytest.mark.parametrize("record", [False, True])
def test_a_carried_run_keeps_its_orbit_as_float_rows_unless_the_trajectory_is_asked_for(record, monkeypatch):
    """The mpmath engine carries its bound in every run, and the digit check reruns at twice the precision: both
    runs keep their orbit (200 steps and the last state) as float64 rows alone, 8·(P + 1) bytes a step, unless
    ``record`` asks for the trajectory, which needs the states."""
    made = []

    class Spy(Orbit):
        def __init__(self, *args, **kw):
            super().__init__(*args, **kw)
            made.append(self)

    monkeypatch.setattr(gd_mp, "Orbit", Spy)
    r = run_gd(from_state("1,-1", "0.01", "1.215,0.795"), dps=30, steps=200, method="mpmath", record=record,
               check_digits=True)
    assert r.status is GDStatus.STEPS_DONE and r.agreed_digits is not None and len(made) == 2
    for o in made:
        if record and o is made[0]:
            assert len(o.states) == 201 and len(o.data) == 0
        else:
            assert o.states is None and len(o.data) == 201 * o.dim


def test_fixed_point_engine_states_the_documented_bound():
    """Fixed point: δ = (N + 1)·2K·M²·2^−p, M = max(2, |Ẽ|, |ω_i|), on z̃ and each J̃²; T = ΣJ̃² gets P·δ. On
    the planar path J̃_i² is affine in (z̃, T): J̃₁² = ω₁ω₂(2(Ẽ + z̃) − T/ω₂)/(ω₂ − ω₁), J̃₂² = T − J̃₁², so
    its bound is δ(|∂J̃_i²/∂z̃| + |∂J̃_i²/∂T|) and T's is δ."""
    P3 = from_state("1,-1/2,3/2", "0.01", "0.3,0.2,0.1")
    eng = make_engine(P3, "fixed-point", 30, 1000, F(1, 10 ** 25))
    assert not eng.planar and abs(P3.Et) < 2
    with mpmath.workprec(eng.prec):
        d = mpmath.ldexp(100 * 2 * eng.program.n_ops * 4, -eng.prec)  # M = 2, the floor
        assert eng.error(99, mpmath.mpf(0), (mpmath.mpf(1),) * 3, mpmath.mpf(3)) == (d, (d, d, d), 3 * d)
    w1, w2 = F(5, 2), F(-3, 4)
    eng = make_engine(from_state([w1, w2], "0.01", "9,0.2", eta=4), "fixed-point", 30, 1000, F(1, 10 ** 25))
    assert eng.planar and abs(eng.problem.Et) > 3  # M = |Ẽ|
    with mpmath.workprec(eng.prec):
        M = abs(mpmath.mpf(eng.problem.Et.numerator) / eng.problem.Et.denominator)
        d = mpmath.ldexp(100 * 2 * eng.program.n_ops, -eng.prec) * M * M
        dJ1 = (abs(2 * w1 * w2 / (w2 - w1)) + abs(w1 / (w2 - w1)))
        dJ2 = (abs(2 * w1 * w2 / (w2 - w1)) + abs(w2 / (w2 - w1)))
        ez, eJ, eT = eng.error(99, mpmath.mpf(0), (mpmath.mpf(1),) * 2, mpmath.mpf(2))
        assert _close(ez, d, d * 1e-12) and _close(eT, d, d * 1e-12)
        assert all(_close(e, d * float(c), d * 1e-12) for e, c in zip(eJ, (dJ1, dJ2), strict=True))


def test_fixed_point_engine_without_the_planar_reduction_records_the_ntk():
    """P = 3 on the (z̃, J̃²) map: the recorded ηλ_t is the sum of all modes, as in mpmath."""
    P3 = from_state("3,-1/2,5/2", "0.01", "0.3,0.2,0.1")
    fx = run_gd(P3, dps=30, steps=10, record=True, method="fixed-point")
    mp_ = run_gd(P3, dps=30, steps=10, record=True, method="mpmath")
    with mpmath.workdps(30):
        assert all(_close(a, b, mpmath.mpf(10) ** -25) for a, b in zip(fx.trajectory[0], mp_.trajectory[0], strict=True))


# ------------------------------------------------------------------ the driver's stop rules, written out


def _mp(x):
    x = F(x)
    return mpmath.mpf(x.numerator) / x.denominator


def _orbit(prob, n):
    """(z̃_t, T_t) for t = 0..n of the (z̃, J̃(ω_i)²) map written out by hand (docs/theory.md §2), at the
    caller's precision: z̃' = z̃(1 − T) + ½z̃²S, J̃(ω_i)²' = (1 − z̃ω_i)²J̃(ω_i)²."""
    w, zt, J = [_mp(x) for x in prob.omegas], _mp(prob.zt0), [_mp(j) for j in prob.J2t]
    out = [(zt, mpmath.fsum(J))]
    for _ in range(n):
        T, S = mpmath.fsum(J), mpmath.fsum(a * j for a, j in zip(w, J))
        zt, J = zt * (1 - T) + zt * zt * S / 2, [(1 - zt * a) ** 2 * j for a, j in zip(w, J)]
        out.append((zt, mpmath.fsum(J)))
    return out


def _scales(prob):
    return {"zt0": abs(prob.zt0), "T0": prob.T0, "Et": abs(prob.Et)}


@pytest.mark.parametrize("method", ["fixed-point", "mpmath"])
@pytest.mark.parametrize("dominant", ["zt0", "T0", "Et"])
def test_divergence_bound_takes_each_initial_scale(dominant, method):
    """DIVERGED at the first step where |z̃_t| ≥ 2^30·max(1, |z̃₀|, T₀, |Ẽ|) (numerics.status). With
    ω = ±2⁻⁴⁰ the modes barely move while z̃ doubles each step (T ≈ 3), so the step depends on every term
    of the max: each state makes one term the largest, and the bound without it ends the run earlier."""
    eps = F(1, 2**40)
    zt0, Et = {"zt0": (F(8), F(0)), "T0": (F(1, 1000), F(0)), "Et": (F(1, 1000), F(8))}[dominant]
    d = eps * (zt0 + Et)  # Ẽ = (J̃₁² − J̃₂²)/(2ε) − z̃₀
    prob = from_state([eps, -eps], zt0, [F(3, 2) + d, F(3, 2) - d])
    assert prob.Et == Et
    with mpmath.workdps(60):
        orbit = _orbit(prob, 60)

        def first_over(scales):
            bound = _mp(2**30 * max([1, *scales]))
            return next(t for t, (zt, _) in enumerate(orbit) if abs(zt) >= bound)

        want = first_over(_scales(prob).values())
        assert first_over(v for k, v in _scales(prob).items() if k != dominant) < want
    r = run_gd(prob, dps=30, method=method)
    assert r.status is GDStatus.DIVERGED and r.steps == want


def test_limit_error_is_the_documented_estimate():
    """``limit_error`` of a converged run is 2(2|z̃S̃| + z̃²Σω_i²J̃(ω_i)²)/(1 − |1 − T|), written out here from
    the printed values; it covers the distance to the limit (a run to the default tolerance: 5.7e-8 against
    an estimate of 1.2e-7); and it is None for a run that did not converge. ηλ ends above 1, where |1 − T|
    differs from 1 − T."""
    prob = from_state(["2", "-1/2"], "-0.1", "1.2,0.6", eta="1/2")
    r = run_gd(prob, dps=30, tol="1e-6")
    limit = run_gd(prob, dps=30)
    assert r.status is limit.status is GDStatus.CONVERGED
    with mpmath.workdps(30):
        eta = mpmath.mpf(1) / 2
        zt, (j1, j2), T = r.z * eta, (j * eta for j in r.J2), r.eta_ntk
        assert 1 < T < 2
        S, W2 = 2 * j1 - j2 / 2, 4 * j1 + j2 / 4
        want = 2 * (2 * abs(zt * S) + zt * zt * W2) / (1 - abs(1 - T))
        assert zt * zt * W2 > mpmath.mpf(10) ** -8 * abs(zt * S)  # the second term shows
        assert _close(r.limit_error, want, want * mpmath.mpf(10) ** -25)
        assert abs(r.eta_ntk - limit.eta_ntk) <= r.limit_error
    assert run_gd(prob, dps=30, max_steps=2).limit_error is None
    assert run_gd(prob, dps=30, steps=2).limit_error is None


@pytest.mark.parametrize("method", ["fixed-point", "mpmath"])
@pytest.mark.parametrize("eps", [F(0), F(1, 10**31)], ids=["T=2", "T=2+1e-31"])
def test_no_limit_estimate_where_the_contraction_is_not_below_1(eps, method):
    """The estimate divides by 1 − q, q = |1 − T|, and is None unless q < 1 (the docstring of ``_limit_error``).
    ω = (1, −1), J̃² = (3/2 + ε/2, 1/2 + ε/2) (T = 2 + ε, S = 1), z̃₀ = 1e-30 below the tolerance: z̃₁ = −z̃₀(1 + ε)
    + ½z̃₀² shrinks by ½z̃₀² − εz̃₀ ≥ 4e-61, which both engines see, so the run is CONVERGED at step 0 (from there T
    falls below 2) with q = 1 exactly (ε = 0) or just above 1 (the engine's T, before the rounding to 30 digits):
    no estimate."""
    res = run_gd(from_state(["1", "-1"], F(1, 10**30), [F(3, 2) + eps / 2, F(1, 2) + eps / 2]), dps=30, method=method)
    assert res.status is GDStatus.CONVERGED and res.steps == 0
    with mpmath.workdps(60):
        assert abs(res.eta_ntk - 2 - mpmath.mpf(eps.numerator) / eps.denominator) <= res.error["eta_ntk"]
    estimate = res.limit_error  # not through ``res`` in the message (a negative one makes precision.round_up raise)
    assert estimate is None and res.limit_shown() is None


def test_the_fixed_point_bit_budget_is_the_documented_sum():
    """gd_engines' module docstring: p = ⌈max(digits·log₂10, −log₂ tol̃)⌉ + ⌈log₂(N + 1)⌉ + ⌈log₂(2K·M²)⌉ + 24, plus
    ⌈−log₂ x₀⌉ for T₀ and for |z̃₀| when in (0, 1) (K = 64 operations, M the largest of 1, |ω_i|, |Ẽ|; δ = 2K·M²·2^−p in
    ``FixedPointEngine.error``). Here M = 1 and N + 1 = 2¹⁰, so every term is exact and one bit more or less shows:
    ⌈40·log₂10⌉ = 133, 10, 7 (and ⌈30·log₂10⌉ = 100 where tol̃ = 0 adds nothing); T₀ = 1/8 and z̃₀ = 2⁻¹⁰ add 3 and
    10; T₀ = 3/2 and z̃₀ = 0 add nothing. The fixed-point run reports the same budget as its ``work_bits``."""
    big = from_state(["1", "-1"], "0", ["1", "1/2"])  # T₀ = 3/2, z̃₀ = 0, Ẽ = 1/4
    small = from_state(["1", "-1"], "1/1024", ["1/16", "1/16"])  # T₀ = 1/8, Ẽ = −1/1024
    assert fixed_point_bits(big, 30, 1023, F(1, 10**40)) == 133 + 10 + 7 + 24
    assert fixed_point_bits(small, 30, 1023, F(1, 10**40)) == 133 + 10 + 7 + 24 + 3 + 10
    assert fixed_point_bits(big, 30, 1023, F(0)) == 100 + 10 + 7 + 24
    res = run_gd(big, dps=30, max_steps=1023, method="fixed-point")  # tol̃ = 1e-25: the digits' 100 bits decide
    assert res.work_bits == 100 + 10 + 7 + 24


@pytest.mark.parametrize("method", ["mpmath", "theta"])
def test_the_floating_engines_work_at_the_documented_bits(method):
    """⌈digits·log₂10⌉ + ⌈log₂(N + 1)⌉ + 16 bits (gd_engines' module docstring): with N + 1 = 2¹⁰ the step term is
    exactly 10, so one bit more or less shows."""
    assert run_gd(THETA, dps=30, max_steps=1023, method=method).work_bits == 100 + 10 + 16


def _period2_step(orbit, p2tol, p2min, hits_needed=3):
    """The first step at which the documented period-2 rule fires (module docstring of gd_mp): at the end
    of every 64 steps, |z̃ − z̃₋₆₄| and |T − T₋₆₄| below p2tol with |z̃| > p2min, ``hits_needed`` chunk ends
    in a row (None if it never does within the orbit)."""
    hits = 0
    for t in range(128, len(orbit), 64):
        (z, T), (z0, T0) = orbit[t], orbit[t - 64]
        hits = hits + 1 if abs(z) > p2min and abs(z - z0) < p2tol and abs(T - T0) < p2tol else 0
        if hits == hits_needed:
            return t


@pytest.mark.parametrize("omega, u0, dominant", [("8", "-9/10", None), ("8", "1/2", "T0"), ("1/8", "1/10", "Et"),
                                                   ("1/8", "19/10", "zt0")], ids=["scale-1", "T0", "Et", "zt0"])
def test_period2_stops_where_the_documented_rule_says(omega, u0, dominant):
    """One mode (ω, u = ωz̃, T − 2u = 2ωẼ = 2e) at e = 501/500, just past the birth of the period-2 orbit at
    e = 1, approaches the orbit slowly (a factor of about 0.7 per 64 steps), so the step at which the rule
    fires moves with each of its constants: p2tol = 10^−max(8, ⌊d/2⌋)·max(1, |z̃₀|, T₀, |Ẽ|) (d the digits of
    the engine's work_bits; all three terms below 1/2, T₀ = 3.004 the largest, |Ẽ| = 8.016, or |z̃₀| = 15.2:
    |z̃₀|/|Ẽ| = u₀/e, so a start u₀ = 19/10 > e that still reaches the orbit, at ω = 1/8 < u₀/(2(e + u₀))) and
    p2min = 1000·max(tol̃, 10⁻⁸), three checks in a row, on the hand-written map at 80 digits. The engine
    stops at the rule's step, and the rule with the scale's largest term dropped, a floor of 2, a doubled
    p2tol, or two or four checks does not."""
    w, u0, e = F(omega), F(u0), F(501, 500)
    prob = from_state([w], u0 / w, [2 * (e + u0)])
    r = run_gd(prob, dps=30)
    assert r.status is GDStatus.PERIOD2
    unit = F(1, 10 ** max(8, digits_of_bits(r.work_bits) // 2))
    sc = _scales(prob)
    with mpmath.workdps(80):
        orbit = _orbit(prob, r.steps + 4 * 64)
        p2min = _mp(1000 * max(F(1, 10**25) * max(1, abs(prob.zt0)), F(1, 10**8)))

        def fires(scale, hits=3):
            return _period2_step(orbit, _mp(scale * unit), p2min, hits)

        want = fires(max(1, *sc.values()))
        assert r.steps == want
        if dominant is None:
            assert max(sc.values()) < F(1, 2) and fires(2) != want and fires(max(sc.values())) != want
        else:
            assert fires(max(1, *(v for k, v in sc.items() if k != dominant))) != want
        assert want not in (fires(2 * max(1, *sc.values())), fires(max(1, *sc.values()), 2),
                            fires(max(1, *sc.values()), 4))


@pytest.mark.parametrize("method", ["fixed-point", "mpmath"])
def test_a_residual_converging_too_slowly_to_see_is_not_period2(method):
    """ηλ = 2·10⁻³⁰: z̃ = 6·10⁻⁶ shrinks by a factor 1 − 2·10⁻³⁰ a step, far less than the period-2 tolerance
    over 64 steps, but it is converging, not a period-2 orbit: below the rule's floor 1000·max(tol̃, 10⁻⁸)
    = 10⁻⁵ the run ends at max_steps. Without a record, no trajectory."""
    r = run_gd(from_state("1,-1", "6e-6", "1e-30,1e-30"), dps=30, max_steps=1000, method=method)
    assert r.status is GDStatus.MAX_STEPS and r.steps == 1000 and r.trajectory is None


def test_reported_bounds_are_the_larger_engine_bound_unscaled_plus_the_rounding_to_dps():
    """``error`` of an unchecked mpmath run at η = 1/2: the larger of the engine's relative bound
    r = (N + 1)·8(P + 1)·2^−p (p = work_bits) and the bound carried along the run's orbit (``propagated_error``),
    on z̃ = ηz, J̃² = ηJ² and T = ηλ, divided by η for the unscaled values, plus one unit 2^(1 − p_dps) of each
    value rounded to dps digits (p_dps: mpmath's precision at dps), which is the largest term here. The
    recorded trajectory starts at (ηλ₀, z₀), unscaled z."""
    prob = from_state("2,-1/2", "0.05", "0.9,0.5", eta="1/2")
    r = run_gd(prob, dps=30, steps=10, method="mpmath", record=True)
    assert r.method == "mpmath" and len(r.trajectory[1]) == 11
    eng = make_engine(prob, "mpmath", 30, 10, F(1, 10 ** 25))
    states = []
    state, _, _ = eng.run(eng.state0, 10, -1, eng.units(F(2 ** 40)), states.append)
    with mpmath.workprec(eng.prec):  # the run's working precision, as in the run
        cz, cJ, cT = propagated_error(eng, states + [state])
    with mpmath.workdps(30):
        ulp = mpmath.ldexp(1, 1 - mpmath.mp.prec)
        assert r.trajectory[0][0] == mpmath.mpf("0.7") and r.trajectory[1][0] == mpmath.mpf("0.05")  # ηλ₀, z₀
    with mpmath.workdps(60):
        rel = mpmath.ldexp(11 * 8 * 3, -r.work_bits)
        assert rel < ulp / 100 and eng.prec == r.work_bits
        eta = mpmath.mpf(1) / 2
        want = {"z": max(rel * abs(r.z) * eta, cz) / eta + abs(r.z) * ulp,
                "J2": tuple(max(rel * j * eta, c) / eta + j * ulp for j, c in zip(r.J2, cJ)),
                "ntk": max(rel * r.ntk * eta, cT) / eta + r.ntk * ulp, "eta_ntk": max(rel * r.eta_ntk, cT) + r.eta_ntk * ulp}
        for q in ("z", "ntk", "eta_ntk"):
            assert _close(r.error[q], want[q], want[q] * mpmath.mpf(10) ** -20), q
        assert all(_close(e, w, w * mpmath.mpf(10) ** -20) for e, w in zip(r.error["J2"], want["J2"], strict=True))


@pytest.mark.parametrize("method", ["fixed-point", "mpmath", "theta"])
@pytest.mark.parametrize("eps", [F(1, 10**40), F(1, 10**20), F(3, 10**12)])
def test_every_bound_holds_where_a_step_cancels(method, eps):
    """A step whose result cancels to ε of its terms, checked against exact rationals after 1 and 3 steps
    at 30 digits: ω = 1, z̃₀ = 1 − ε, J̃² = 4 (θ₀ = 2, E = 1 + ε), where J̃²' = J̃²(1 − z̃)² = 4ε² and z̃' =
    z̃(1 − T) + ½z̃²S (docs/theory.md §2). A relative bound at the stopping step is too small here, by far for
    ε = 10⁻⁴⁰ (the start's rounding alone is 10⁻³⁵ of z̃ and moves 1 − z̃ by more than ε), so every run carries
    its bound along the orbit; each value (z, J², λ, ηλ) must lie within its error of the exact one."""
    prob = from_theta("1", 1 + eps, "2")
    assert prob.zt0 == 1 - eps and prob.J2t == (4,)
    for steps in (1, 3):
        z, J = prob.zt0, prob.J2t[0]
        for _ in range(steps):
            z, J = z * (1 - J) + z * z * J / 2, J * (1 - z) ** 2
        r = run_gd(prob, dps=30, steps=steps, method=method)
        with mpmath.workdps(200):
            for got, exact, err in ((r.z, z, r.error["z"]), (r.J2[0], J, r.error["J2"][0]),
                                    (r.ntk, J, r.error["ntk"]), (r.eta_ntk, J, r.error["eta_ntk"])):
                assert abs(mpmath.mpf(got) - _mp(exact)) <= err, (steps, got, exact, err)


def test_the_period2_tolerance_has_a_floor_of_1e_8():
    """At 15 digits and a budget of 500 steps the mpmath engine carries 17 digits, so the period-2 tolerance is
    its floor 10⁻⁸ (not 10^−⌊17/2⌋); at e = 21/20 (ω = 8, u₀ = −9/10) the rule then fires at 256 steps,
    and with a floor of 10⁻⁹ it would fire 64 steps later."""
    w, u0, e = F(8), F(-9, 10), F(21, 20)
    prob = from_state([w], u0 / w, [2 * (e + u0)])
    r = run_gd(prob, dps=15, max_steps=500, method="mpmath")
    assert digits_of_bits(r.work_bits) == 17 and max(_scales(prob).values()) < 1
    with mpmath.workdps(60):
        orbit = _orbit(prob, 600)
        p2min = _mp(1000 * F(1, 10**8))
        want, later = (_period2_step(orbit, mpmath.mpf(10) ** -k, p2min) for k in (8, 9))
    assert r.status is GDStatus.PERIOD2 and r.steps == want == 256 and later == 320


@pytest.mark.parametrize("method", ["fixed-point", "mpmath"])
def test_steps_k_takes_exactly_k_steps_whatever_k_is_modulo_the_chunk(method):
    """``steps=K`` ends after exactly K steps at the map's K-th state, for every K mod 64 that the driver's
    chunking treats apart (the last chunk of 1, 2 or 3 steps, split two steps before its end or not)."""
    prob = from_state("1,-1", "0.01", "1.215,0.795")
    with mpmath.workdps(60):
        orbit = _orbit(prob, 67)
    for k in (1, 2, 3, 4, 65, 66, 67):
        r = run_gd(prob, dps=30, steps=k, method=method)
        assert r.status is GDStatus.STEPS_DONE and r.steps == k, k
        with mpmath.workdps(30):
            assert _close(r.z, orbit[k][0], mpmath.mpf(10) ** -28) and _close(r.eta_ntk, orbit[k][1], 1e-28), k


def test_the_mode_map_checks_the_ntk_of_every_mode():
    """A J̃² that is 0 puts the fixed-point engine on the mode map (make_engine); its divergence check on
    T = ηλ must sum every mode. ω = (−1, 1), z̃₀ = −32768, J̃² = (0, 65536): T₁ = 65536·32769² passes the
    bound 2^46 at step 1 while z̃₁ is below it, in the second mode (with the modes the other way round,
    tests/test_engines_agree.py's "T alone")."""
    prob = from_state("-1,1", "-32768", "0,65536")
    eng = make_engine(prob, "fixed-point", 30, 100, F(1, 10 ** 25))
    assert not eng.planar
    r = run_gd(prob, dps=30, method="fixed-point")
    assert r.status is GDStatus.DIVERGED and r.steps == 1
    with mpmath.workdps(30):
        assert abs(r.z) < 2 ** 46 < r.eta_ntk


def _mode_map(w):
    def F(z, *J):
        T, S = mpmath.fsum(J), mpmath.fsum(a * j for a, j in zip(w, J))
        return [z * (1 - T) + z * z * S / 2] + [(1 - z * a) ** 2 * j for a, j in zip(w, J)]
    return F


@pytest.mark.parametrize("method, prob", [
    ("fixed-point", from_state("1,-1/2", "0.3", "1.2,0.7")),  # planar: the state is (z̃, T)
    ("fixed-point", from_state("1,-1/2,3/2", "0.3", "0.5,0.4,0.3")),  # the mode map
    ("mpmath", from_state("1,-1/2", "0.3", "1.2,0.7", eta="1/2")),
    ("theta", from_theta("1,-1/2", "0.4", "0.7,-0.9")),
    ("theta", from_theta("1,0,-1/2", "0.4", "0.7,0.3,-0.9")),  # ω = 0: its θ never moves, its J̃² is 0
], ids=["fixed-planar", "fixed-modes", "mpmath", "theta", "theta-zero-mode"])
def test_the_carried_bound_is_the_documented_sum(method, prob):
    """``propagated_error`` is Σ_{t=−1}^{N−1} |C·DF(x_{N−1})⋯DF(x_{t+1})|·δ_t (its docstring), recomputed here
    at 40 digits over 6 steps: DF by mpmath's numerical Jacobian of the map written out by hand (on the
    planar path the modes from (z̃, T) by the invariant, J̃₁² = ω₁ω₂(2(Ẽ + z̃) − T/ω₂)/(ω₂ − ω₁), J̃₂² = T − J̃₁²),
    δ_t the rounding of step t → t + 1, δ₋₁ = δ₀ at the start, and C the rows of z̃, each J̃², and T = ΣJ̃².
    δ_t: fixed point, its a-priori one-step bound ``error(0, ·)``; mpmath and θ, K = 8(P + 1) units 2^−p of the
    size of each value's terms at x_t, written out here: J̃_i²(1 + |ω_i z̃|)², and for z̃ (mpmath)
    |z̃|(1 + T + ½|z̃|Σ|ω_i|J̃_i²) or (θ, z̃ from θ) ΣJ̃_i²/(2|ω_i|) + η|E| (the sum over ω_i ≠ 0: a zero eigenvalue
    adds nothing to z, and its J̃² is 0). It agrees to a relative 10⁻¹⁰ (float64 products)."""
    n = 6
    eng = make_engine(prob, method, 30, n, F(1, 10 ** 25))
    states = []
    state, k, _ = eng.run(eng.state0, n, -1, eng.units(F(2 ** 40)), states.append)
    states.append(state)
    assert k == n and len(states) == n + 1
    got = propagated_error(eng, states)
    planar = getattr(eng, "planar", False)
    with mpmath.workdps(40):
        w = [_mp(x) for x in prob.omegas]
        modes = _mode_map(w)
        if planar:
            w1, w2, Et = w[0], w[1], _mp(prob.Et)

            def J_of(z, T):
                j1 = w1 * w2 * (2 * (Et + z) - T / w2) / (w2 - w1)
                return [j1, T - j1]

            def F_(z, T):
                out = modes(z, *J_of(z, T))
                return [out[0], mpmath.fsum(out[1:])]

            d1z, d1T = 2 * w1 * w2 / (w2 - w1), -w1 / (w2 - w1)
            C = mpmath.matrix([[1, 0], [d1z, d1T], [-d1z, 1 - d1T], [0, 1]])
        else:
            F_ = modes
            P = len(w)
            C = mpmath.matrix(P + 2, P + 1)
            for i in range(P + 1):
                C[i, i] = 1
            for i in range(1, P + 1):
                C[P + 1, i] = 1
        xs, ds = [], []
        u = mpmath.ldexp(8 * (len(w) + 1), -eng.prec)
        for s in states:
            zt, J2t, T = eng.final(s)
            xs.append([zt, T] if planar else [zt, *J2t])
            if method.startswith("fixed"):
                ez, eJ, eT = eng.error(0, zt, J2t, T)
                ds.append(mpmath.matrix([ez, eT] if planar else [ez, *eJ]))
                continue
            d = _mp_step_rounding(eng, w, zt, J2t)
            if method == "theta":  # z̃ computed from θ: the size of its terms
                d[0] = u * (mpmath.fsum(j / abs(a) for a, j in zip(w, J2t) if a) / 2 + _mp(prob.eta) * abs(_mp(prob.E)))
            ds.append(mpmath.matrix(d))
        acc = mpmath.matrix(C.rows, 1)
        Q = C
        for t in range(n, -1, -1):
            acc += Q.apply(abs) * ds[max(t - 1, 0)]
            if t:
                Q = Q * mpmath.jacobian(lambda *x: F_(*x), xs[t - 1])
        want = [acc[i] for i in range(acc.rows)]
        for g, e in zip([got[0], *got[1], got[2]], want, strict=True):
            assert _close(g, e, e * mpmath.mpf(10) ** -10), (g, e)


@pytest.mark.parametrize("z0, tol, want", [
    ("0.1", None, F(1, 10**25) * 2),  # |z̃₀| = 1/20 < 1: 10^(5 − dps)/η
    ("3", None, F(1, 10**25) * F(3, 2) * 2),  # |z̃₀| = 3/2, between the floor 1 and 2: 10^(5 − dps)·|z̃₀|/η
    ("0.1", "1e-6", F(1, 10**6)),  # a given tol is on |z| itself, whatever η
], ids=["default", "default-scaled", "given"])
def test_the_tolerance_is_the_given_one_or_the_documented_default(z0, tol, want):
    """The tolerance on |z| (unscaled) that the result reports, at η = 1/2 and 30 digits: ``tol`` as given (the
    run compares z̃ = ηz with η·tol), else 10^(5 − dps)·max(1, |z̃₀|) on z̃, divided by η. The run converges to
    it: |z| < tol at the end, and it was not below the tolerance one step before."""
    prob = from_state("1,-1/2", z0, "0.6,0.4", eta="1/2")
    r = run_gd(prob, dps=30, tol=tol)
    assert r.status is GDStatus.CONVERGED
    with mpmath.workdps(30):
        assert _close(r.tol, _mp(want), _mp(want) * mpmath.mpf(10) ** -28)
        assert abs(r.z) < r.tol <= abs(run_gd(prob, dps=30, steps=r.steps - 1).z)


def test_the_default_step_budget_is_100000():
    """Without ``max_steps`` a run that neither converges nor repeats (z̃ = 6·10⁻⁶ shrinking by a factor
    1 − 2·10⁻³⁰ a step) ends at the budget of 100 000 steps (about a second on the fixed-point path)."""
    r = run_gd(from_state("1,-1", "6e-6", "1e-30,1e-30"), dps=30)
    assert r.status is GDStatus.MAX_STEPS and r.steps == 100_000


def _mode_jacobian(w, x):
    """DF of the (z̃, J̃(ω_i)²) map at x = (z̃, J̃²...), written out: ∂z̃'/∂z̃ = 1 − T + z̃S, ∂z̃'/∂J̃_i² = −z̃ + ½z̃²ω_i,
    ∂J̃_i²'/∂z̃ = −2ω_i(1 − z̃ω_i)J̃_i², ∂J̃_i²'/∂J̃_i² = (1 − z̃ω_i)²."""
    z, J = x[0], x[1:]
    P = len(w)
    T, S = mpmath.fsum(J), mpmath.fsum(a * j for a, j in zip(w, J))
    D = mpmath.matrix(P + 1, P + 1)
    D[0, 0] = 1 - T + z * S
    for i in range(P):
        D[0, i + 1] = -z + z * z * w[i] / 2
        D[i + 1, 0] = -2 * w[i] * (1 - z * w[i]) * J[i]
        D[i + 1, i + 1] = (1 - z * w[i]) ** 2
    return D


def _mp_step_rounding(eng, w, zt, J2t):
    """The mpmath engine's rounding of one step from (z̃, J̃(ω_i)²), written out: 8(P + 1)·2^−p times the size of
    each value's terms, |z̃|(1 + T + ½|z̃|Σ|ω_i|J̃_i²) for z̃ and J̃_i²(1 + |ω_i z̃|)² for each mode."""
    u = mpmath.ldexp(8 * (len(w) + 1), -eng.prec)
    T, A = mpmath.fsum(J2t), mpmath.fsum(abs(a) * j for a, j in zip(w, J2t))
    return [u * abs(zt) * (1 + T + abs(zt) * A / 2)] + [u * j * (1 + abs(a * zt)) ** 2 for a, j in zip(w, J2t)]


def _carried_sum(eng, w, states):
    """Σ_{t=−1}^{N−1} |C·DF(x_{N−1})⋯DF(x_{t+1})|·δ_t of the mode map, in mpmath at the caller's precision (rows z̃,
    each J̃², T)."""
    P, n = len(w), len(states) - 1
    C = mpmath.matrix(P + 2, P + 1)
    for i in range(P + 1):
        C[i, i] = 1
    for i in range(1, P + 1):
        C[P + 1, i] = 1
    ds = [mpmath.matrix(_mp_step_rounding(eng, w, s[0], s[1:])) for s in states]
    acc, Q = mpmath.matrix(P + 2, 1), C
    for t in range(n, -1, -1):
        acc += Q.apply(abs) * ds[max(t - 1, 0)]
        if t:
            Q = Q * _mode_jacobian(w, states[t - 1])
    return [acc[i] for i in range(acc.rows)]


def _dyadic_states(rows):
    return [tuple(_mp(v) for v in row) for row in rows]


def test_the_carried_bound_has_exactly_its_documented_margin():
    """Where float64 is exact (states of a few bits, ω = (1, −1/2)), the carried bound is the documented sum times
    exactly 1 + (N + 1)·dim·2⁻⁵² (the margin for the rounding of the float64 products): N = 3 steps, dim = 3,
    so 12·2⁻⁵² ≈ 2.7·10⁻¹⁵ above the sum, which a tolerance of 2⁻⁸⁰ sees."""
    prob = from_state("1,-1/2", "1/4", "1/2,1/4")
    eng = make_engine(prob, "mpmath", 30, 8, F(1, 10 ** 25))
    with mpmath.workprec(300):
        states = _dyadic_states([("1/4", "1/2", "1/4"), ("1/8", "1/4", "1/2"), ("1/2", "1/4", "1/4"),
                                 ("1/4", "1/8", "1/2")])
        ez, eJ, eT = propagated_error(eng, states)
        want = _carried_sum(eng, [_mp(1), _mp("-1/2")], states)
        margin = 1 + mpmath.ldexp(4 * 3, -52)
        for g, e in zip([ez, *eJ, eT], want, strict=True):
            assert abs(g - e * margin) <= e * mpmath.ldexp(1, -80), (g, e)


def test_the_carried_bound_is_rescaled_beyond_the_float64_range_and_none_past_its_end():
    """States far from any orbit run here (held by hand at z̃ = J̃² = 2²⁰⁰; the Jacobian's entries are about 2⁴⁰⁰):
    the products of Jacobians pass 2⁵¹² and are rescaled row by row by 2⁻⁵¹² (twice over 3 steps), and the bound
    is still the documented sum (to the float64 rounding of the products); so it is where the rescale comes last
    and the sum before it still counts (z̃ = 4, J̃² = (1, 1) held over 162 steps), and where one row stays small
    while the others are rescaled twice (z̃ = 1, J̃² = (1, 16), 400 steps). A state of 2³⁰⁰ or more gives None (beyond
    what float64 carries), one of 2³⁰⁰·(1 − 2⁻⁵⁰) does not; a product that overflows float64 (2²⁹⁰, 10 steps) gives
    None, without a warning, and so does a state whose one-step rounding overflows (z̃ = 2⁶⁰⁰: inf, and 0·inf)."""
    prob = from_state("1,-1/2", "1/4", "1/2,1/4")
    eng = make_engine(prob, "mpmath", 30, 8, F(1, 10 ** 25))
    with mpmath.workprec(300):
        big = mpmath.ldexp(1, 200)
        states = [(big, big, big)] * 4
        ez, eJ, eT = propagated_error(eng, states)
        want = _carried_sum(eng, [_mp(1), _mp("-1/2")], states)
        for g, e in zip([ez, *eJ, eT], want, strict=True):
            assert abs(g - e) <= e * mpmath.mpf(10) ** -12, (g, e)
        # z̃ = 4, J̃² = (1, 1) held: the products grow by about 9.2 a step and pass 2⁵¹² at steps 160 to 162 (by row),
        # so over 162 steps the sum before the rescale still weighs in each row's bound
        states = _dyadic_states([("4", "1", "1")]) * 163
        ez, eJ, eT = propagated_error(eng, states)
        want = _carried_sum(eng, [_mp(1), _mp("-1/2")], states)
        for g, e in zip([ez, *eJ, eT], want, strict=True):
            assert abs(g - e) <= e * mpmath.mpf(10) ** -10, (g, e)
        # z̃ = 1, J̃² = (1, 16) held over 400 steps: z̃ω₁ = 1 zeroes the first mode's Jacobian row, so its row of the
        # product is 0 after one step and its bound is the last step's rounding alone (8·3·2^−p·J̃₁²(1 + |ω₁z̃|)²),
        # while the other rows pass 2⁵¹² twice (to about 10⁵⁰¹): only the rows that are big are rescaled (the small
        # one rescaled by 2⁻¹⁰²⁴ with them would underflow to a bound of 0)
        states = _dyadic_states([("1", "1", "16")]) * 401
        ez, eJ, eT = propagated_error(eng, states)
        want = _carried_sum(eng, [_mp(1), _mp("-1/2")], states)
        assert want[1] == mpmath.ldexp(8 * 3 * 4, -eng.prec) and want[0] > mpmath.mpf(10) ** 500
        for g, e in zip([ez, *eJ, eT], want, strict=True):
            assert abs(g - e) <= e * mpmath.mpf(10) ** -10, (g, e)
        edge = mpmath.ldexp(1, 300)
        for z in (edge, edge * 3 / 2):
            assert propagated_error(eng, [(z, _mp(1), _mp(1))]) is None
        assert propagated_error(eng, [(edge * (1 - mpmath.ldexp(1, -50)), _mp(1), _mp(1))]) is not None
        huge = mpmath.ldexp(1, 290)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert propagated_error(eng, [(huge, huge, huge)] * 11) is None
            # one step's rounding itself leaves float64: |z̃|² = 2¹²⁰⁰ overflows, and J̃₁²(1 + |ω₁z̃|)² = 0·inf is nan
            assert propagated_error(eng, [(mpmath.ldexp(1, 600), _mp(0), _mp(1))]) is None


def test_a_checked_run_that_stops_at_step_0_keeps_its_bounds():
    """A fixed-point run that stops before its first step (z = 0 at ηλ = 2.01, an unstable fixed point), checked at
    60 digits: the rerun's orbit is its start alone, every digit agrees, and each bound is the run's own."""
    prob = from_state("1,-1", "0", "1.215,0.795")
    r = run_gd(prob, dps=30, check_digits=True)
    assert r.status is GDStatus.UNSTABLE_FIXED_POINT and r.steps == 0
    assert r.agreed == {"z": 30, "J2": (30, 30), "ntk": 30, "eta_ntk": 30}
    assert r.error == run_gd(prob, dps=30).error


@pytest.mark.parametrize("method", ["fixed-point", "mpmath"])
def test_modes_that_die_in_one_step_below_the_tolerance_give_no_gradient(method):
    """One mode, ω = 1, z̃₀ = 1, J̃² = 2 − 10⁻⁴⁰: the step kills the mode exactly ((1 − z̃ω)² = 0) and leaves
    z̃₁ = 1 − J̃²/2 = 5·10⁻⁴¹, below the tolerance: the check where |z̃| falls below tol sees ηλ = 0 with z̃ ≠ 0,
    NO_GRADIENT at step 1 (not an unstable fixed point: nothing moves at all)."""
    r = run_gd(from_state("1", "1", [F(2) - F(1, 10 ** 40)]), dps=30, method=method)
    assert r.status is GDStatus.NO_GRADIENT and r.steps == 1 and r.J2 == (0,) and r.z != 0


@pytest.mark.parametrize("k, status, steps", [(F(3, 2), GDStatus.UNSTABLE_FIXED_POINT, 0),
                                              (F(5, 2), GDStatus.UNSTABLE_FIXED_POINT, 200)], ids=["within", "beyond"])
def test_the_rounding_zone_of_the_shrinking_test_is_the_one_step_bound_at_both_ends(k, status, steps):
    """Below the tolerance, one mode (ω = 1) at ηλ = 2 + k·r, r = 16·2^−prec the mpmath engine's relative one-step
    bound: z̃ = 10⁻⁵⁰ grows to |z̃₁| = (1 + k·r)|z̃| (to 2^−prec), and the shrinking test calls a change of |z̃| within
    error(0, z̃) + error(0, z̃₁) ≈ 2r|z̃| rounding. k = 3/2 is within it: classed by 1 − T at once (T > 2: an unstable
    fixed point at step 0); k = 5/2 is beyond it: z̃ is growing, so the run goes on without the tolerance check and
    ends with the budget of 200 steps, still an unstable fixed point, not yet off the line."""
    eng = make_engine(from_state("1", "1", "1"), "mpmath", 30, 200, F(1, 10 ** 25))
    r = eng.error(0, mpmath.mpf(1), (mpmath.mpf(1),), mpmath.mpf(1))[0]
    man, exp = r.man_exp
    assert (man, exp) == (1, 4 - eng.prec)  # 16·2^−prec
    prob = from_state("1", "1e-50", [2 + k * F(man) * F(2) ** exp])
    r = run_gd(prob, dps=30, max_steps=200, method="mpmath")
    assert r.work_bits == eng.prec and r.status is status and r.steps == steps


@pytest.mark.parametrize("method", ["fixed-point", "mpmath"])
def test_steps_k_runs_past_the_tolerance(method):
    """``steps=K`` has no tolerance: a run that converges at step N (default tolerance) goes on to exactly N + 10
    steps when asked, with a smaller residual, within its stated bound of the map's (N + 10)-th state."""
    prob = from_state("1,-1", "0.01", "0.6,0.4")
    conv = run_gd(prob, dps=30, method=method)
    assert conv.status is GDStatus.CONVERGED
    r = run_gd(prob, dps=30, steps=conv.steps + 10, method=method)
    assert r.status is GDStatus.STEPS_DONE and r.steps == conv.steps + 10
    with mpmath.workdps(80):
        orbit = _orbit(prob, r.steps)
        assert abs(r.z) < abs(conv.z) and abs(r.z - orbit[-1][0]) <= r.error["z"]


@pytest.mark.parametrize("method, steps", [("fixed-point", 128), ("mpmath", 256)])
def test_a_mode_that_dies_out_is_no_gradient_not_period2(method, steps):
    """One mode, ω = 1, z̃₀ = 1/2, J̃² = 1/1000: J̃² shrinks by (1 − z̃)² ≈ 1/4 a step and z̃ stalls at 0.4995, so
    GD tends to θ = 0, where the gradient vanishes. The fixed-point engine reaches ηλ = 0 exactly (NO_GRADIENT at
    the check of step 128); mpmath never does, and its state repeats within the period-2 tolerance at three checks
    in a row (step 256), where ηλ (10⁻¹⁵⁷) is itself below that tolerance: NO_GRADIENT, not PERIOD2."""
    r = run_gd(from_state("1", "1/2", "1/1000"), dps=30, method=method)
    assert r.status is GDStatus.NO_GRADIENT and r.steps == steps
    with mpmath.workdps(30):
        assert abs(r.z - mpmath.mpf("0.4995")) < mpmath.mpf(10) ** -4 and r.eta_ntk < mpmath.mpf(10) ** -150


@pytest.mark.parametrize("method", ["fixed-point", "mpmath"])
def test_no_gradient_at_the_start_stops_at_step_0_unless_steps_are_asked_for(method):
    """ηλ = 0 with z = 1/10, above the tolerance: nothing moves, and the check before the first step says so
    (NO_GRADIENT after 0 steps, not after the first 64); with ``steps=5`` there is no such check, and the run
    takes its 5 steps, z unchanged."""
    prob = from_state("1,-1", "0.1", "0,0")
    r = run_gd(prob, dps=30, method=method)
    assert r.status is GDStatus.NO_GRADIENT and r.steps == 0
    r = run_gd(prob, dps=30, steps=5, method=method)
    assert r.status is GDStatus.STEPS_DONE and r.steps == 5
    with mpmath.workdps(30):
        assert _close(r.z, mpmath.mpf("0.1"), mpmath.mpf(10) ** -29)


def test_no_gradient_is_seen_at_the_checks_every_64_steps_and_at_the_budget():
    """One mode, ω = 1, z̃₀ = 0.556, J̃² = 1/16: the mode shrinks by about (1 − z̃)² ≈ 0.2 a step, and the fixed-point
    engine (max_steps = 67) holds J̃² = 0 exactly from step 65 on. The checks are at the end of each 64 steps and at
    the budget: ηλ > 0 at step 64, so NO_GRADIENT at step 67 (a last chunk of 3 steps is one run, not 1 + 2)."""
    prob = from_state("1", "0.556", "1/16")
    eng = make_engine(prob, "fixed-point", 30, 67, F(1, 10 ** 25))
    state, _, _ = eng.run(eng.state0, 64, -1, eng.units(F(2 ** 40)), None)
    assert state[1] > 0
    state, _, _ = eng.run(state, 1, -1, eng.units(F(2 ** 40)), None)
    assert state[1] == 0
    r = run_gd(prob, dps=30, max_steps=67, method="fixed-point")
    assert r.status is GDStatus.NO_GRADIENT and r.steps == 67


@pytest.mark.parametrize("method", ["fixed-point", "mpmath"])
def test_a_budget_that_ends_on_the_point_z_0_eta_lambda_0_is_max_steps(method):
    """ω = 1, z̃₀ = 1, J̃² = 2: one exact step to z̃ = 0, ηλ = 0 (the mode dies, and z̃(1 − T) + ½z̃²S = −1 + 1). With a
    budget of 1 step that state is not checked before the budget ends: MAX_STEPS (it is not NO_GRADIENT, which
    needs z ≠ 0); with 2 steps the check before step 2 finds it on the line at ηλ = 0, which does not attract."""
    prob = from_state("1", "1", "2")
    r = run_gd(prob, dps=30, max_steps=1, method=method)
    assert r.status is GDStatus.MAX_STEPS and r.steps == 1 and r.z == 0 and r.eta_ntk == 0
    r = run_gd(prob, dps=30, max_steps=2, method=method)
    assert r.status is GDStatus.UNSTABLE_FIXED_POINT and r.steps == 1


@pytest.mark.parametrize("record", [False, True])
def test_a_residual_just_beyond_the_fixed_point_bound_on_a_repelling_line_is_run_out_record_or_not(record):
    """One mode, ω = 1, z̃₀ = −2, J̃² = 1/2 + ε/4: the first step lands exactly on z̃₁ = −2 + 4J̃² = ε, below the
    tolerance, at T₁ = 9J̃² ≈ 9/2, where the line repels (z̃ grows by |1 − T| = 7/2 a step). With ε = 272·2^−p, about 3δ
    (δ = 2K·M²·2^−p = 729/8·2^−p, the fixed-point engine's one-step bound, p = 152), z̃₁ lies beyond the engine's bound
    2δ after one step, though within 2⁸ times it, so the run is redone with more bits (gd_mp._finer: the exact z̃₁ is
    off the line) and diverges where the exact orbit does (the divergence rule on a 100-digit orbit: step 86, |z̃|
    from 2·10⁹ to 4·10¹⁰). Recording the orbit changes nothing: the fixed-point engine keeps its absolute a-priori
    bound (``carried = False``), although the bound carried along this orbit (5.5δ: the first step multiplies an
    error of J̃² by 4) would put z̃₁ on the line."""
    base = from_state("1", "-2", ["1/2"])
    tolt = F(2, 10**25)  # the default: 10^(5 − dps)·|z̃₀|
    eng = make_engine(base, "fixed-point", 30, 100_000, tolt)
    assert eng.prec == 152 and eng._delta() == F(729, 8)
    eps = F(272, 2**152)
    prob = from_state("1", "-2", [F(1, 2) + eps / 4])
    eng = make_engine(prob, "fixed-point", 30, 100_000, tolt)
    states = []
    state, k, flag = eng.run(eng.state0, 1, -1, eng.units(F(2**40)), states.append)
    with mpmath.workprec(400):
        zt, J2t, T = eng.final(state)
        assert (k, flag) == (1, 0) and eng.error(1, zt, J2t, T)[0] < _mp(eps) < propagated_error(eng, [*states, state])[0]
        assert abs(zt - _mp(eps)) < mpmath.ldexp(16, -152)  # the engine's z̃₁ is ε to a few units
    bound = _mp(divergence_bound(prob.zt0, prob.T0, prob.Et))
    with mpmath.workdps(100):
        want = next(t for t, (z, T) in enumerate(_orbit(prob, 120)) if abs(z) > bound or T > bound)
    assert want == 86
    r = run_gd(prob, dps=30, method="fixed-point", record=record)
    assert r.status is GDStatus.DIVERGED and r.steps == want


@pytest.mark.parametrize("method", ["fixed-point", "mpmath"])
@pytest.mark.parametrize("u0, status, steps", [(F(10005, 10**9), GDStatus.PERIOD2, 256), (F(-10005, 10**9), GDStatus.PERIOD2, 256),
                                              (F(9995, 10**9), GDStatus.MAX_STEPS, 1000)], ids=["above", "above-neg", "below"])
def test_the_period2_floor_on_z_is_1000_times_the_larger_of_tol_and_1e_8(u0, status, steps, method):
    """The period-2 rule needs |z̃| > 1000·max(tol̃, 10⁻⁸) at the checks (gd_mp's docstring); tol̃ = 10⁻²⁵ here, so
    the floor is 10⁻⁵. One mode (ω = 1, u = z̃, T = 2u + 2e, so u' = u(1 − 2e) + (e − 2)u² + u³, written out from
    docs/theory.md §2) has a period-2 orbit through every small u₀ for one e just above 1 (the flip at e = 1), found
    here at 80 digits; the run starts on it, so the state repeats from the start. Through u₀ = ±1.0005·10⁻⁵ (the
    other point: ∓1.00051·10⁻⁵) the rule fires at its third check in a row (step 256); through 0.9995·10⁻⁵ (other
    point −0.99951·10⁻⁵) never, and the run ends at its budget. A floor 0.1 % higher (1001·) or twice as high misses
    the first orbit."""
    def f(u, e):
        return u * (1 - 2 * e) + (e - 2) * u ** 2 + u ** 3

    with mpmath.workdps(80):
        u = _mp(u0)
        e = F(mpmath.nstr(mpmath.findroot(lambda e: f(f(u, e), e) - u, 1 + u * u), 70))
        prob = from_state("1", u0, [2 * u0 + 2 * e])
        assert prob.Et == e and 0 < e - 1 < F(2, 10**10)
        (z0, _), (z1, _), (z2, _) = _orbit(prob, 2)
        assert abs(z2 - z0) < mpmath.mpf(10) ** -60 and abs(z1 + z0) < mpmath.mpf(10) ** -8
        assert (min(abs(z0), abs(z1)) > mpmath.mpf(10) ** -5) is (status is GDStatus.PERIOD2)
        assert max(abs(z0), abs(z1)) < mpmath.mpf("1.001e-5")
    r = run_gd(prob, dps=30, max_steps=1000, method=method)
    assert r.status is status and r.steps == steps


def test_the_carried_bound_at_a_residual_below_2_to_the_minus_958_is_the_documented_sum():
    """z̃ = 2⁻¹⁰¹⁵, 2⁻¹⁰¹⁶, 3·2⁻¹⁰¹⁷ (normal float64 numbers), ω = (1, −1/2): ∂z̃'/∂J̃_k² = z̃(−1 + ½ω_kz̃) ≈ −z̃. A
    complex step of h = 2⁻⁶⁴ put h·∂z̃'/∂J̃_k² ≈ 2⁻¹⁰⁷⁸ in an imaginary part, below half of float64's smallest
    subnormal 2⁻¹⁰⁷⁴: it came out 0, and the bound on z̃ lost the modes' rounding (about a fifth of it), falling
    below the documented sum. Every output of the mode map is at most quadratic in each coordinate
    (z̃' = z̃(2 − 2T + Sz̃)/2, J̃_i²' = J̃_i²(1 − ω_iz̃)²), so Im F(x + ih·e_k) = h·∂F/∂x_k exactly for any h, and
    the step h = 1 gives the sum to its margin 1 + (N + 1)·dim·2⁻⁵²."""
    prob = from_state("1,-1/2", "1/4", "1/2,1/4")
    eng = make_engine(prob, "mpmath", 30, 8, F(1, 10 ** 25))
    with mpmath.workprec(300):
        tiny = mpmath.ldexp(1, -1015)
        states = [(tiny, _mp("1/2"), _mp("1/4")), (tiny / 2, _mp("1/4"), _mp("1/2")),
                  (tiny * 3 / 8, _mp("1/2"), _mp("1/2"))]
        got = propagated_error(eng, states)
        want = _carried_sum(eng, [_mp(1), _mp("-1/2")], states)
        margin = 1 + mpmath.ldexp(3 * 3, -52)
        for g, e in zip([got[0], *got[1], got[2]], want, strict=True):
            assert e <= g <= e * margin * (1 + mpmath.ldexp(1, -40)), (g, e)
