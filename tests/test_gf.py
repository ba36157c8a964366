"""Gradient flow (numerics.engines.gf): the exact limit from the invariants vs the Taylor integrator."""
from __future__ import annotations

import dataclasses
from fractions import Fraction as F

import mpmath
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sorm.numerics import InputError
from sorm.numerics.engines.gd_mp import agreed_digits
from sorm.numerics.engines.gf import GFStatus, gf_limit, integrate_gf
from sorm.numerics.problem import from_state, from_theta

CASES = {
    "paper-example(-1,1)": from_theta("-1,1", "1/10", "1/2,1/2"),  # J(ω1) = J(ω2): sharpens
    "P2-z<0": from_state("1,-1", "-0.3", "1,2", eta="1/2"),
    "P3": from_state("1,-2,3", "0.5", "1,0.5,0.2", eta="1/2"),
    "all-positive-root": from_state("1,2", "0.3", "1,1"),
    "zero-mode": from_state("1,0,-1", "0.4", "1,0,2"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_integrator_agrees_with_exact_root_to_25_digits(name):
    """Issue 3 point 5: the GF integrator agrees with the exact root to >= 25 digits at 40 digits."""
    prob = CASES[name]
    lim = gf_limit(prob, dps=40)
    ode = integrate_gf(prob, dps=40)
    assert lim.status is ode.status is GFStatus.CONVERGED
    assert agreed_digits(ode.ntk, lim.ntk, 40) >= 25
    with mpmath.workdps(40):
        # the error estimate is honest: the true difference is within it (up to rounding)
        assert abs(ode.ntk - lim.ntk) <= 100 * ode.error_estimate + mpmath.mpf(10) ** -38 * lim.ntk
        assert abs(ode.z) < mpmath.mpf(10) ** -30


@given(
    w=st.lists(st.fractions(min_value=-2, max_value=2, max_denominator=4).filter(lambda v: v != 0),
               min_size=1, max_size=3, unique=True),
    js=st.lists(st.fractions(min_value=F(1, 10), max_value=2, max_denominator=100), min_size=3, max_size=3),
    z0=st.fractions(min_value=-1, max_value=1, max_denominator=100),
)
@example(w=[F(1), F(-1)], js=[F(1), F(1), F(1)], z0=F(0))  # z = 0: already at a minimum
@example(w=[F(1), F(2)], js=[F(1, 10), F(1, 10), F(1)], z0=F(3, 10))  # no root: runs away
@example(w=[F(-1), F(1)], js=[F(1), F(1), F(1)], z0=F(1, 2))  # the paper's example
@example(w=[F(1)], js=[F(20, 57), F(1), F(1)], z0=F(5, 34))  # λ_GF < 1: hit the old 5000-step limit
@settings(max_examples=8, deadline=None)
def test_routes_agree_property(w, js, z0):
    prob = from_state(w, z0, js[: len(w)])
    lim = gf_limit(prob, dps=30)
    ode = integrate_gf(prob, dps=30)
    assert lim.status is ode.status
    if lim.status is GFStatus.CONVERGED:
        assert agreed_digits(ode.ntk, lim.ntk, 30) >= 20
        assert lim.agreed_digits >= 28
    elif lim.status is GFStatus.RUNS_AWAY:
        with mpmath.workdps(30):
            assert lim.ntk == 0 and ode.ntk < mpmath.mpf(10) ** -30 * float(prob.ntk0)


STIFF = {
    "fast-mode-decays": from_state([10**6, F(-1, 10**6)], "1/2", [1, 1]),  # ω spread 1e12
    "small-lambda-GF": from_state([1], F(5, 34), [F(20, 57)]),  # λ_GF ≈ 0.057 < 1
}


@pytest.mark.parametrize("name", list(STIFF))
def test_integrator_converges_within_a_small_budget(name):
    """A decayed fast mode or a final λ below 1 converges in well under 100 steps, to every digit."""
    prob = STIFF[name]
    lim, ode = gf_limit(prob, dps=30), integrate_gf(prob, dps=30, max_steps=100)
    assert ode.status is lim.status is GFStatus.CONVERGED
    assert agreed_digits(ode.ntk, lim.ntk, 30) >= 28


def test_step_limit_is_a_status():
    prob = STIFF["small-lambda-GF"]
    r = integrate_gf(prob, dps=30, max_steps=3)
    assert r.status is GFStatus.STEP_LIMIT and r.steps == 3


def test_limit_satisfies_the_invariants():
    """At x_inf: z = 0 and the invariant Σ J²/ω − 2z = 2E, and the pairwise log invariants hold."""
    prob = CASES["P3"]
    lim = gf_limit(prob, dps=50)
    with mpmath.workdps(50):
        J = [mpmath.mpf(j.numerator) / j.denominator * mpmath.exp(-2 * mpmath.mpf(w.numerator) / w.denominator
                                                                   * lim.x_inf)
             for w, j in zip(prob.omegas, prob.J2)]
        assert abs(mpmath.fsum(J) - lim.ntk) < mpmath.mpf(10) ** -48
        inv = mpmath.fsum(j / (mpmath.mpf(w.numerator) / w.denominator) for w, j in zip(prob.omegas, J))
        assert abs(inv - 2 * mpmath.mpf(prob.E.numerator) / prob.E.denominator) < mpmath.mpf(10) ** -47
    assert lim.agreed_digits == 50


def test_paper_example_sharpens():
    """Paper §2: ω = (−ω, ω) with J(ω₁) = J(ω₂) sharpens: λ_GF > λ(0)."""
    prob = CASES["paper-example(-1,1)"]
    lim = gf_limit(prob, dps=30)
    assert lim.ntk > mpmath.mpf(prob.ntk0.numerator) / prob.ntk0.denominator


def test_eta_scales_only_eta_ntk():
    a = gf_limit(from_state("1,-1", "0.2", "1,0.5", eta="1"), dps=30)
    b = gf_limit(from_state("1,-1", "0.2", "1,0.5", eta="1/4"), dps=30)
    with mpmath.workdps(30):
        assert a.ntk == b.ntk and abs(b.eta_ntk - a.ntk / 4) < mpmath.mpf(10) ** -29


@pytest.mark.parametrize("args,status", [
    (("1,-1", "0", "1,1"), GFStatus.AT_MINIMUM),
    (("1,-1", "0.5", "0,0"), GFStatus.NO_GRADIENT),
    (("1,2", "0.3", "0.1,0.1"), GFStatus.RUNS_AWAY),
    (("-1,-2", "-0.3", "0.1,0.1"), GFStatus.RUNS_AWAY),
], ids=["z0=0", "J=0", "runaway-z>0", "runaway-z<0"])
def test_statuses_both_routes(args, status):
    prob = from_state(*args)
    assert gf_limit(prob, dps=20).status is status
    assert integrate_gf(prob, dps=20).status is status
    assert isinstance(status.message, str) and status.message


def test_t_max_and_record():
    prob = CASES["P2-z<0"]
    r = integrate_gf(prob, dps=20, t_max="0.5", record=True)
    assert r.status is GFStatus.T_MAX
    with mpmath.workdps(20):
        assert abs(r.t - mpmath.mpf("0.5")) < mpmath.mpf(10) ** -18
    ts = [row[0] for row in r.trajectory]
    assert ts == sorted(ts) and len(ts) == r.steps + 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.t = 0  # type: ignore[misc]


BAD = [
    ("limit-dps-low", gf_limit, dict(dps=3)),
    ("limit-dps-absurd", gf_limit, dict(dps=10**7)),
    ("integrate-dps-low", integrate_gf, dict(dps=14)),
    ("integrate-tmax-zero", integrate_gf, dict(t_max=0)),
    ("integrate-tmax-inf", integrate_gf, dict(t_max=float("inf"))),
    ("integrate-max-steps-zero", integrate_gf, dict(max_steps=0)),
]


@pytest.mark.parametrize("fn,kwargs", [(f, k) for _, f, k in BAD], ids=[i for i, _, _ in BAD])
def test_bad_arguments(fn, kwargs):
    with pytest.raises(InputError) as exc:
        fn(CASES["P3"], **kwargs)
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize("fn", [gf_limit, integrate_gf])
def test_bad_problem(fn):
    with pytest.raises(InputError, match=r"^problem=None: expected a numerics.Problem; build one with from_theta or "
                                         r"from_state$"):
        fn(None)


@pytest.mark.parametrize("args", [("1", "1/2", "1"), ("-2", "-1/4", "1")], ids=["z>0", "z<0"])
def test_zero_energy_runs_away_along_the_closed_form(args):
    """One mode with E = 0: z = J(ω)²/(2ω) for all t, so ż = −2ηωz² and z(t) = z0/(1 + 2ηωz0·t), λ = 2ωz
    (derived here, solved by hand). Both routes say RUNS_AWAY (x_inf = ±∞, λ → 0), and every recorded point of
    the integrated flow lies on the closed form to 1e-19 relative at 20 digits."""
    prob = from_state(*args, eta="1/2")
    assert prob.E == 0
    lim = gf_limit(prob, dps=20)
    assert lim.status is GFStatus.RUNS_AWAY and lim.ntk == 0 and lim.x_inf == (mpmath.inf if prob.z0 > 0 else -mpmath.inf)
    ode = integrate_gf(prob, dps=20, record=True)
    assert ode.status is GFStatus.RUNS_AWAY and len(ode.trajectory) == ode.steps + 1 > 10
    with mpmath.workdps(40):
        eta, w, z0 = (mpmath.mpf(v.numerator) / v.denominator for v in (prob.eta, prob.omegas[0], prob.z0))
        for t, lam, z in ode.trajectory:
            exact = z0 / (1 + 2 * eta * w * z0 * t)
            assert abs(z / exact - 1) < mpmath.mpf(10) ** -19 and abs(lam / (2 * w * exact) - 1) < mpmath.mpf(10) ** -19
        assert ode.ntk < mpmath.mpf(10) ** -25 and abs(ode.z / (z0 / (1 + 2 * eta * w * z0 * ode.t)) - 1) < mpmath.mpf(10) ** -19


@pytest.mark.parametrize("args,status,x_inf,ntk", [
    (("1,-1", "0", "1,1"), GFStatus.AT_MINIMUM, 0, 2),
    (("1,-1", "0.5", "0,0"), GFStatus.NO_GRADIENT, 0, 0),
    (("1,2", "0.3", "0.1,0.1"), GFStatus.RUNS_AWAY, mpmath.inf, 0),
    (("-1,-2", "-0.3", "0.1,0.1"), GFStatus.RUNS_AWAY, -mpmath.inf, 0),
], ids=["z0=0", "J=0", "runaway-z>0", "runaway-z<0"])
def test_statuses_without_a_root_give_their_values(args, status, x_inf, ntk):
    """Route 1 without a root: x_inf and λ_GF as the status says, each checked at 2·dps; route 2 does not move
    where nothing can."""
    prob = from_state(*args, eta="1/2")
    lim = gf_limit(prob, dps=20)
    assert (lim.status, lim.x_inf, lim.ntk, lim.eta_ntk) == (status, x_inf, ntk, ntk / 2)
    assert lim.agreed_digits == lim.x_agreed_digits == 20
    if status is not GFStatus.RUNS_AWAY:
        ode = integrate_gf(prob, dps=20)
        assert (ode.status, ode.steps, ode.t, ode.ntk, ode.z) == (status, 0, 0, ntk, prob.z0)


@pytest.mark.parametrize("x,y,digits", [
    ("1", "1.00000000003", 10),  # |x − y| = 3e-11 relative to y
    ("1e-35", "0", 0),  # y = 0 ≠ x: no digit (an absolute floor 10^-dps counted 5)
    ("5", "1", 0),  # no digit agrees
    ("2", "2", 30),  # equal: every digit
    ("2", "2.0000000000000000000000000000000000001", 30),  # closer than 10^-dps: capped at dps
])
def test_agreed_digits_of_two_solves(x, y, digits):
    from sorm.numerics.precision import agreed_digits as _digits

    with mpmath.workdps(80):
        assert _digits(mpmath.mpf(x), mpmath.mpf(y), 30) == digits


def _floor_minus_log10(q: F) -> int:
    """⌊−log₁₀ q⌋ of an exact positive rational, by integer comparisons only: the k with 10^−(k+1) < q ≤ 10^−k."""
    k = 0
    while q <= F(1, 10 ** (k + 1)):
        k += 1
    while q > F(1, 10 ** k):
        k -= 1
    return k


@pytest.mark.parametrize("x,y,dps", [
    ("0.99999", "1.000000000000000000000000000001", 15),  # relative difference 10^-5·(1 + 10^-25 − …)
    ("0.99999", "1." + "0" * 54 + "1", 30),  # relative difference 10^-5·(1 + 10^-50 − …)
], ids=["dps=15", "dps=30"])
def test_agreed_digits_just_above_a_power_of_ten(x, y, dps):
    """|x − y|/|y| a hair above 10^-5 (y with up to 2·dps + 5 digits, as the solve at 2·dps gives): 4 digits
    agree, not 5. The count is checked against ⌊−log₁₀⌋ of the exact rationals of the two mpf values (integer
    comparisons, no logarithm); telling 4 from 5 needs the difference to about 2·dps digits, the precision
    ``_digits`` works at."""
    from sorm.numerics.precision import agreed_digits as _digits
    from sorm.numerics.precision import to_fraction

    with mpmath.workdps(80):
        a, b = mpmath.mpf(x), mpmath.mpf(y)
        exact = _floor_minus_log10(abs(to_fraction(a) - to_fraction(b)) / abs(to_fraction(b)))
        assert exact == 4
        assert _digits(a, b, dps) == exact


@pytest.mark.parametrize("n", [7 * 10**29 + 123456789 * i for i in range(1, 7)])
def test_limit_next_to_a_rounding_tie_is_rounded_the_right_way(n):
    """λ_GF printed to 30 digits when the exact value sits next to a rounding tie. One mode with J(ω)²(0) = 1,
    ω = 1 has λ_GF = 2ωE exactly (``test_single_mode_limit_is_the_closed_form``). d = (2n + 1)/(2·10^30) is a
    tie of 30-digit decimals; the two 103-bit numbers r < d < r + 2^-103 around it (the mpf precision of 30
    digits) print as different 30-digit values, and λ is put 2^-120 from their own tie b = r + 2^-104, on the
    side where λ and its 103-bit rounding print alike (derived here, exact rationals). The root solve stops
    at a tolerance of 2^-124 in x (eps at 132 bits, with x_inf ≈ 0.2 < 1), so its λ is within 2ω·2^-124 =
    2^-123 relative of the exact value, 8 times closer than the tie: the returned mpf is the exact λ rounded
    to 103 bits, and its 30 printed digits are the exact λ's. With 16 fewer working bits (eps 2^-108) some
    of these six print the wrong neighbour."""
    from sorm.numerics.precision import to_fraction

    prec = mpmath.libmp.dps_to_prec(30)
    assert prec == 103
    d = F(2 * n + 1, 2 * 10**30)
    r = F(int(d * 2**prec), 2**prec)
    b = r + F(1, 2 ** (prec + 1))
    lam = b - F(1, 2**120) if d >= b else b + F(1, 2**120)  # same side of d as of b
    want_bits = r if lam < b else r + F(1, 2**prec)
    want_text = "0." + str(n if lam < d else n + 1).rstrip("0")
    assert (want_bits < d) == (lam < d)
    lim = gf_limit(from_state("1", (1 - lam) / 2, "1"), dps=30)
    assert lim.status is GFStatus.CONVERGED and lim.agreed_digits == 30
    assert to_fraction(lim.ntk) == want_bits
    assert f"\n    ntk={want_text},\n" in repr(lim)


def test_series_arithmetic_gives_known_taylor_coefficients():
    """The lazy power series behind the integrator, through every operation a generated rate may use (today's
    rates use only unary minus, ``+`` and ``*``), on ODEs y' = f(y), y(0) = 1, with known solutions:
    y' = y: eᵗ; y' = 0 − y²: 1/(1 + t); y' = (y − 0)/2: e^(t/2); y' = 2y − 3y − 0 + (−y): e^(−2t);
    y' = 1 + y: 2eᵗ − 1; y' = y³·1: (1 − 2t)^(−1/2)."""
    from sorm.numerics.engines.lazy_series import LazySeries as _Series

    def solve(rate, y0=1, n=8):
        y = _Series("state", (None,), [mpmath.mpf(y0)])
        y.args = (rate(y),)
        return [y.coef(k) for k in range(n)]

    f = mpmath.factorial
    with mpmath.workdps(30):
        cases = [
            (lambda y: y, [1 / f(k) for k in range(8)]),
            (lambda y: 0 - y ** 2, [(-1) ** k for k in range(8)]),
            (lambda y: (y - 0) / 2, [mpmath.mpf(2) ** -k / f(k) for k in range(8)]),
            (lambda y: 2 * y - y * 3 - 0 + -y, [(-2) ** k / f(k) for k in range(8)]),
            (lambda y: 1 + y, [1] + [2 / f(k) for k in range(1, 8)]),
            (lambda y: y ** 3 * 1, [mpmath.binomial(-mpmath.mpf(1) / 2, k) * (-2) ** k for k in range(8)]),  # (1 − 2t)^(−1/2)
        ]
        for rate, want in cases:
            got = solve(rate)
            assert all(abs(g - w) < mpmath.mpf(10) ** -28 for g, w in zip(got, want)), (got, want)
    with pytest.raises(TypeError, match="^series division is not needed: the GF rates are polynomial$"):
        _Series("state", (None,), [1]) / _Series("state", (None,), [1])


def test_limit_repr_shows_each_value_to_its_own_agreed_digits():
    res = gf_limit(from_state([1, -1], "0.02", "1.1,0.9"), dps=30)  # η = 1: ntk = eta_ntk
    text = repr(dataclasses.replace(res, agreed_digits=12, x_agreed_digits=7))
    assert "\n    ntk=1.99639675415,\n    eta_ntk=1.99639675415,\n    x_inf=0.01000935,\n    dps=30,\n" in text
    text = repr(dataclasses.replace(res, agreed_digits=None, x_agreed_digits=0))  # no digit agrees: no value
    assert "\n    ntk=None,\n    eta_ntk=None,\n    x_inf=None,\n    dps=30,\n    status=GFStatus.CONVERGED," in text


@pytest.mark.parametrize("omega, z0, J2", [
    ("1", "0.45", "1"),  # x_inf = ln(10)/2 > 1: the bracket has to grow
    ("1", "0.4999995", "1"),  # E = 5e-7: x_inf ≈ 7.3, several doublings
    ("-1/2", "-0.3", "2"),  # z0 < 0: x runs negative
    ("3", "0.02", "0.3"),
    ("1000", "0.0002", "1"),  # λ_GF = 0.6, x_inf ≈ 2.6e-4: a stiff mode, the root close to 0
    ("1000000", "0.0000002", "1"),  # λ_GF = 0.6, x_inf ≈ 2.6e-7
], ids=["x>1", "x~7", "z<0", "omega=3", "omega=1e3", "omega=1e6"])
def test_single_mode_limit_is_the_closed_form(omega, z0, J2):
    """One mode: z(x) = J(ω)²(0)e^(−2ωx)/(2ω) − E vanishes at e^(−2ωx) = 2ωE/J(ω)²(0), so λ_GF = 2ωE and
    x_inf = ln(J(ω)²(0)/(2ωE))/(2ω) (derived here, by hand)."""
    prob = from_state(omega, z0, J2)
    lim = gf_limit(prob, dps=30)
    with mpmath.workdps(60):
        w, E, J = (mpmath.mpf(v.numerator) / v.denominator for v in (prob.omegas[0], prob.E, prob.J2[0]))
        assert lim.status is GFStatus.CONVERGED and lim.agreed_digits == lim.x_agreed_digits == 30
        assert abs(lim.ntk - 2 * w * E) <= mpmath.mpf(10) ** -29 * abs(2 * w * E)
        x = mpmath.log(J / (2 * w * E)) / (2 * w)
        assert abs(lim.x_inf - x) <= mpmath.mpf(10) ** -29 * abs(x)


def test_a_slowly_shrinking_mode_runs_away():
    """No mode grows in the direction of z (ω_i·sign z in (0, 1) included) and sign z·E < 0: RUNS_AWAY."""
    prob = from_state("1/2,2", "0.3", "0.1,0.1")
    assert prob.E < 0
    lim = gf_limit(prob, dps=20)
    assert lim.status is GFStatus.RUNS_AWAY and lim.x_inf == mpmath.inf


@pytest.mark.parametrize("name", list(CASES) + list(STIFF))
def test_integrator_meets_its_tolerance(name):
    """The integrator aims at ε = 10^(−dps−5) relative per phase, so at 30 digits its estimate stays below
    10^−30·λ and the flow's λ agrees with the exact root to within that estimate plus the rounding of the two
    30-digit results (10^−30·λ)."""
    prob = {**CASES, **STIFF}[name]
    lim, ode = gf_limit(prob, dps=30), integrate_gf(prob, dps=30)
    with mpmath.workdps(60):
        assert ode.error_estimate < mpmath.mpf(10) ** -30 * lim.ntk
        assert abs(ode.ntk - lim.ntk) <= ode.error_estimate + mpmath.mpf(10) ** -30 * lim.ntk
