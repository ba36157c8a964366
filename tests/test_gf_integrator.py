"""The GF Taylor integrator (route 2, ``integrate_gf``) against closed forms, step by step.

One mode has a closed form in t (derived here, solved by hand): the invariant J(ω)²/ω − 2z = 2E gives
λ = J(ω)² = 2ω(z + E), so ż = −ηλz = −2ηω z(z + E), a Bernoulli equation whose solution is

    z(t) = 1 / ((1/z0 + 1/E)·e^{2ηωE·t} − 1/E),        λ(t) = 2ω(z(t) + E)        (E ≠ 0).

With sign z0·E > 0 and ω·z0 > 0 the flow converges to λ_GF = 2ωE; with sign z0·E < 0 (and ω·z0 > 0)
z tends to −E and λ → 0 (RUNS_AWAY). These tests check every recorded point of the integrated flow
against it (z to 10^(1−dps) relative or in its effect on λ, whichever is larger: the integrator's
tolerance is in units of λ), the two stopping rules of the docstring (ε = 10^(−dps−5)), and the result's fields.
"""
from __future__ import annotations

import math
from fractions import Fraction as F

import mpmath
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sorm.numerics import InputError
from sorm.numerics.engines.gd_mp import agreed_digits
from sorm.numerics.engines.gf import GFStatus, gf_limit, integrate_gf
from sorm.numerics.problem import from_state


def _mpf(q, dps=None):
    """An exact rational as an mpf at the current precision, or rounded to ``dps`` digits."""
    if dps is None:
        return mpmath.mpf(q.numerator) / q.denominator
    with mpmath.workdps(dps):
        return mpmath.mpf(q.numerator) / q.denominator


# (omega, z0, J(omega)^2): E = J²/(2ω) − z0
ONE_MODE = {
    "converged-lambda-80": (("1", "10", "100"), GFStatus.CONVERGED),  # E = 40, λ(0) = 100, λ_GF = 80
    "converged-lambda-0.04": (("2", "0.24", "1"), GFStatus.CONVERGED),  # E = 1/100, λ_GF = 1/25
    "converged-z<0": (("-1/2", "-0.3", "2"), GFStatus.CONVERGED),  # E = −1.7, λ_GF = 1.7
    "runs-away-lambda0-1000": (("1", "600", "1000"), GFStatus.RUNS_AWAY),  # E = −100: z → 100, λ → 0
    "runs-away-z<0": (("-3", "-1", "1/1000"), GFStatus.RUNS_AWAY),  # E = 1 − 1/6000 > 0, z0 < 0
}
DPS = 20


@pytest.mark.parametrize("name", list(ONE_MODE))
def test_one_mode_flow_follows_the_closed_form_and_stops_by_the_rule(name):
    """Every recorded (t, λ, z) lies on the closed form (module docstring) to 10^(1−dps); the run stops at the
    first recorded point where the docstring's rule holds and at no earlier one: CONVERGED when the remaining
    change of λ, 2|z|·Σ|ω_i|J(ω_i)²/λ = 2|ω||z| for one mode, is below ε·λ; RUNS_AWAY when λ < ε·λ(0);
    ε = 10^(−dps−5). The result's fields are those of the last point."""
    args, status = ONE_MODE[name]
    prob = from_state(*args, eta="1/2")
    r = integrate_gf(prob, dps=DPS, record=True)
    assert r.status is status
    assert r.dps == DPS and r.order == math.ceil((DPS + 5) * math.log(10) / 2)  # N = ⌈ln(1/ε)/2⌉
    assert len(r.trajectory) == r.steps + 1 > 3
    with mpmath.workdps(2 * DPS + 10):
        eta, w, z0, J0, E = (_mpf(v) for v in (prob.eta, prob.omegas[0], prob.z0, prob.J2[0], prob.E))
        assert E != 0
        eps = mpmath.mpf(10) ** (-DPS - 5)
        tol = mpmath.mpf(10) ** (1 - DPS)

        def exact_z(t):
            return 1 / ((1 / z0 + 1 / E) * mpmath.exp(2 * eta * w * E * t) - 1 / E)

        ts = [row[0] for row in r.trajectory]
        assert ts[0] == 0 and all(a < b for a, b in zip(ts, ts[1:]))
        for i, (t, lam, z) in enumerate(r.trajectory):
            ze = exact_z(t)
            le = 2 * w * (ze + E)
            # z to 10^(1−dps) relative, or in its effect δz·|dλ/dz| = 2|ω|·δz on λ (the integrator's unit)
            assert abs(z - ze) <= tol * max(abs(ze), le / (2 * abs(w))), (i, t, z, ze)
            assert abs(lam - le) <= tol * le, (i, t, lam, le)
            last = i == r.steps
            if status is GFStatus.CONVERGED:
                assert (2 * abs(w) * abs(z) < eps * lam) is last, (i, t, z, lam)
            else:
                assert (lam < eps * J0) is last, (i, t, lam)
        t, lam, z = r.trajectory[-1]
        assert (r.t, r.ntk, r.z, r.J2) == (t, lam, z, (lam,))
        assert r.eta_ntk == +(eta * lam)
        if status is GFStatus.CONVERGED:
            assert abs(r.ntk - 2 * w * E) <= tol * abs(2 * w * E)  # λ_GF = 2ωE
        if status is GFStatus.CONVERGED:  # the estimate includes the remaining change at the stop
            assert 2 * abs(w) * abs(r.z) <= r.error_estimate < mpmath.mpf(10) ** -DPS * r.ntk
        else:
            assert 0 < r.error_estimate < mpmath.mpf(10) ** -DPS * J0
    plain = integrate_gf(prob, dps=DPS)
    assert plain.trajectory is None
    assert (plain.ntk, plain.z, plain.t, plain.steps, plain.error_estimate) == (r.ntk, r.z, r.t, r.steps,
                                                                                 r.error_estimate)


@pytest.mark.parametrize("kwargs,message,arg", [
    (dict(t_max=0), "t_max=0: expected a value > 0; pass e.g. t_max=0.5", "t_max"),
    (dict(t_max=float("inf")), "t_max=inf: expected a finite real number (like 0.5, -2 or 1e-3); pass a finite value",
     "t_max"),
    (dict(max_steps=0), "max_steps=0: expected a whole number >= 1; pass e.g. max_steps=1000", "max_steps"),
    (dict(max_steps="many"), "max_steps='many': expected a whole number >= 1; pass e.g. max_steps=1000", "max_steps"),
], ids=["t_max-zero", "t_max-inf", "max_steps-zero", "max_steps-text"])
def test_bad_integrator_arguments_name_the_argument(kwargs, message, arg):
    prob = from_state("1,-1", "0.5", "1,2")
    with pytest.raises(InputError) as exc:
        integrate_gf(prob, **kwargs)
    assert str(exc.value) == message and exc.value.arg == arg


@pytest.mark.parametrize("ratio,at_once", [(F(9, 10), True), (F(11, 10), False)], ids=["0.9-eps", "1.1-eps"])
@pytest.mark.parametrize("dps", [15, 24])
def test_a_start_within_the_tolerance_is_converged_at_once(ratio, at_once, dps):
    """Two modes, ω = (3, −1/2), J(ω)² = (1/4, 2): λ = 9/4 and Σ|ω_i|J(ω_i)² = 7/4, so the docstring's remaining
    change 2|z|·Σ|ω_i|J(ω_i)²/λ is 14|z|/9 (by hand). A start z0 where it is 0.9·ε·λ (ε = 10^(−dps−5), exact
    rationals) is CONVERGED with no step and nothing moved; at 1.1·ε·λ the integrator steps.

    With no step, the estimate (module docstring) is that remaining change plus the start's rounding carried to
    the limit: ω̄ = Σω_iJ(ω_i)²/λ = −1/9, |1 − ω̄/ω_i| = 28/27 and 7/9 (by hand), and the allowances are the
    implementation's, pinned here: one unit 2^−prec on each J(ω_i)², (P + 2) = 4 on r's terms
    |z0| + Σ J(ω_i)²/(2|ω_i|) = z0 + 1/24 + 2, so 2|ω̄|·4·(z0 + 49/24) + 1/4·28/27 + 2·7/9 units."""
    from sorm.numerics.precision import bits_for_digits

    eps = F(1, 10 ** (dps + 5))
    z0 = ratio * eps * F(9, 4) * F(9, 14)
    prob = from_state("3,-1/2", z0, "1/4,2")
    r = integrate_gf(prob, dps=dps)
    assert r.status is GFStatus.CONVERGED
    if at_once:
        assert (r.steps, r.t, r.z, r.J2) == (0, 0, _mpf(z0, dps), (F(1, 4), 2))
        rounding = (F(2, 9) * 4 * (z0 + F(49, 24)) + F(1, 4) * F(28, 27) + 2 * F(7, 9)) / 2 ** bits_for_digits(
            dps, extra=24)
        with mpmath.workdps(2 * dps):
            assert rounding > 100 * F(10) ** (1 - dps) * ratio * eps * F(9, 4)  # visible at the tolerance below
            assert abs(r.error_estimate / _mpf(ratio * eps * F(9, 4) + rounding) - 1) < mpmath.mpf(10) ** (1 - dps)
    else:
        assert r.steps >= 1 and r.t > 0


@pytest.mark.parametrize("t_max", ["1/8", "5", "10000"])
def test_t_max_stops_on_the_closed_form(t_max):
    """One mode (ω = 2, z0 = 0.24, J(ω)² = 1, η = 1/2: E = 1/100): stopped at t_max, the state is the closed form's
    at t = t_max; a t_max after convergence (about t = 1300 here) does not bind."""
    prob = from_state("2", "0.24", "1", eta="1/2")
    r = integrate_gf(prob, dps=DPS, t_max=t_max)
    with mpmath.workdps(2 * DPS + 10):
        eta, w, z0, E, cap = (_mpf(v) for v in (prob.eta, prob.omegas[0], prob.z0, prob.E, F(t_max)))
        if cap < 1000:
            assert r.status is GFStatus.T_MAX and abs(r.t - cap) <= mpmath.mpf(10) ** -DPS * cap
        else:
            assert r.status is GFStatus.CONVERGED and r.t < cap
        ze = 1 / ((1 / z0 + 1 / E) * mpmath.exp(2 * eta * w * E * r.t) - 1 / E)
        assert abs(r.z - ze) <= mpmath.mpf(10) ** (1 - DPS) * max(abs(ze), w * (ze + E) / abs(w))
        assert abs(r.ntk - 2 * w * (ze + E)) <= mpmath.mpf(10) ** (1 - DPS) * 2 * w * (ze + E)


def test_only_decaying_modes_below_the_tolerance_are_dropped():
    """A mode with ω_i·z > 0 is set to 0 once below ε·λ (module docstring); every other mode follows route 1's
    J(ω_i)²(0)·e^{−2ω_i x_inf} (x_inf at 40 digits). ω = (1, −1, 1/100), J(ω)² = (1, 10⁻³⁰, 10⁻³⁰), z0 = 0.3: the
    tiny mode with ω·z < 0 grows and is kept (to 10^(1−dps) relative), the tiny one with 0 < ω·z < 1 is dropped.
    ω = (1, 100), J(ω)² = (1000, 1000), z0 = 241: λ_GF ≈ 528, and the fast mode ends near 1.8·10⁻²⁵, below
    ε·λ_GF ≈ 5·10⁻²³ (so it is dropped) though far above ε/λ_GF. A dropped mode's value goes into the estimate."""
    tiny = F(1, 10 ** 30)
    for args, dropped in [(("1,-1,1/100", "0.3", [1, tiny, tiny]), {2}), (("1,100", "241", "1000,1000"), {1})]:
        prob = from_state(*args, eta="1/2")
        r, lim = integrate_gf(prob, dps=DPS), gf_limit(prob, dps=40)
        assert r.status is lim.status is GFStatus.CONVERGED
        with mpmath.workdps(40):
            for i, (w, j) in enumerate(zip(prob.omegas, prob.J2)):
                if i in dropped:
                    assert r.J2[i] == 0
                else:
                    exact = _mpf(j) * mpmath.exp(-2 * _mpf(w) * lim.x_inf)
                    assert abs(r.J2[i] / exact - 1) < mpmath.mpf(10) ** (1 - DPS), (i, r.J2[i], exact)
    # the first step drops the tiny decaying mode (ω·z = 0.003) and adds its value to the estimate: against the
    # same first step without that mode, the estimate grows by its value, between 10⁻³⁰·e^{−2x_inf/100} and 10⁻³⁰
    one = integrate_gf(from_state("1,-1,1/100", "0.3", [1, tiny, tiny], eta="1/2"), dps=DPS, max_steps=1)
    base = integrate_gf(from_state("1,-1", "0.3", [1, tiny], eta="1/2"), dps=DPS, max_steps=1)
    assert one.J2[2] == 0 and one.steps == base.steps == 1
    with mpmath.workdps(40):
        assert mpmath.mpf("0.99e-30") < one.error_estimate - base.error_estimate <= mpmath.mpf("1.0001e-30")


def test_one_step_follows_the_step_rule_and_its_error_estimate():
    """One mode (ω = 1, z0 = 1/2, J(ω)² = 3, η = 1/2, so E = 1): z(t) = 1/(3eᵗ − 1) (module docstring's closed
    form), whose Taylor coefficients z_k are exact rationals from the reciprocal series of 3eᵗ − 1 (by hand; no
    ODE solved), and J(ω)²_k = 2ω·z_k for k ≥ 1 (λ = 2ω(z + E)). λ(0) = 3, so that the weights below differ from
    other combinations of λ and Σ|ω_i|J(ω_i)² (at λ = 2 they coincide: λ²/2 = λ).

    The docstring's rule, with weights |dλ/dz| = 2Σ|ω_i|J(ω_i)²/λ = 2|ω| for z and 1 for J(ω)²: the first step h
    is the largest for which every weighted last term (orders N − 1 and N) is at most ε·λ, so one of them equals
    ε·λ. A step cut by t_max to 0.7·h then adds to the estimate exactly these four terms at that h, plus the
    rounding allowance: 4N units of the working precision 2^−prec (prec = ``bits_for_digits(dps, extra=24)``) on
    λ + |z|·|dλ/dz|. The truncation terms are an independent value; the allowance's constants are the
    implementation's, pinned here (at 0.7·h it is about a tenth of the estimate)."""
    from sorm.numerics.precision import bits_for_digits

    dps = 20
    N = math.ceil((dps + 5) * math.log(10) / 2)
    prob = from_state("1", "1/2", "3", eta="1/2")
    A, B, a = F(3), F(1), F(1)  # z(t) = 1/(A·e^{a·t} − B)
    D = [A - B] + [A * a ** k / math.factorial(k) for k in range(1, N + 1)]
    z = [1 / D[0]]
    for n in range(1, N + 1):
        z.append(-sum(D[m] * z[n - m] for m in range(1, n + 1)) / D[0])
    assert z[:3] == [F(1, 2), F(-3, 4), F(3, 4)]  # z' = −z(z + 1) = −3/4, z'' = −(2z + 1)z' = 3/2
    J = [F(3)] + [2 * zk for zk in z[1:]]
    free = integrate_gf(prob, dps=dps, max_steps=1)
    assert free.status is GFStatus.STEP_LIMIT and free.steps == 1 and free.order == N
    with mpmath.workdps(60):
        eps, lam, h = mpmath.mpf(10) ** (-dps - 5), mpmath.mpf(3), free.t

        def terms(h):
            return [w * abs(_mpf(c[k])) * h ** k for c, w in ((z, 2), (J, 1)) for k in (N - 1, N)]

        assert max(terms(h)) <= eps * lam * (1 + mpmath.mpf(10) ** (1 - dps))
        assert max(terms(h)) >= eps * lam * (1 - mpmath.mpf(10) ** (1 - dps))
    cap = F(mpmath.nstr(free.t * mpmath.mpf("0.7"), 12))
    cut = integrate_gf(prob, dps=dps, t_max=cap)
    assert cut.status is GFStatus.T_MAX and cut.steps == 1
    with mpmath.workdps(60):
        rounding = 4 * N * mpmath.mpf(2) ** -bits_for_digits(dps, extra=24) * (lam + mpmath.mpf("0.5") * 2)
        want = mpmath.fsum(terms(_mpf(cap))) + rounding
        assert 0.01 < rounding / want < 0.5  # each part of the estimate is visible
        assert abs(cut.error_estimate / want - 1) < mpmath.mpf(10) ** (1 - dps), (cut.error_estimate, want)
    two = integrate_gf(prob, dps=dps, max_steps=2)  # a run stopped before converging adds up its steps' terms
    assert two.status is GFStatus.STEP_LIMIT and two.error_estimate > free.error_estimate


def test_zero_energy_with_two_modes_runs_away_within_the_default_budget():
    """ω = (1, 2), J(ω)² = (1, 1), z0 = Σ J(ω_i)²/(2ω_i) = 3/4, so E = 0: no mode grows and z·E = 0, so route 1
    says RUNS_AWAY; the flow is algebraic (λ ~ 1/t), the slowest phase the docstring budgets for. Route 2 gets
    there within the default budget 50·(dps + 5)·(P + 1) (it takes about 360 steps at 15 digits), with λ below
    ε·λ(0)."""
    prob = from_state("1,2", "3/4", "1,1", eta="1/2")
    assert prob.E == 0
    r = integrate_gf(prob, dps=15)
    assert r.status is gf_limit(prob, dps=15).status is GFStatus.RUNS_AWAY
    with mpmath.workdps(30):
        assert r.ntk < mpmath.mpf(10) ** -20 * 2


def test_a_start_exactly_at_the_tolerance_is_not_converged():
    """The stop needs the remaining change strictly below ε·λ. A tie is reachable: one mode with ω = 1, J(ω)² = 1
    (λ = 1, remaining change 2|z|) and z0 = ε/2, where ε is 10^(−dps−5) as the integrator holds it at its working
    precision (``bits_for_digits(dps, extra=24)`` bits, a dyadic rational): then 2|z0| = ε·λ exactly, and the
    integrator steps."""
    from sorm.numerics.precision import bits_for_digits, to_fraction

    dps = 15
    with mpmath.workprec(bits_for_digits(dps, extra=24)):
        eps = mpmath.mpf(10) ** (-dps - 5)
    z0 = to_fraction(eps) / 2
    r = integrate_gf(from_state("1", z0, "1"), dps=dps)
    assert r.status is GFStatus.CONVERGED and r.steps >= 1 and r.t > 0


# ----------------------------------------------------------------------------------------------
# A run-away, or a flow to a tiny λ_GF: the status from r = z − Σ J(ω_i)²/(2ω_i) (= −E), not from λ < ε·λ(0)


def _near_boundary(omegas, J2, E, eta="1/2"):
    """The problem with these ω_i, J(ω_i)² and E exactly: z0 = Σ J(ω_i)²/(2ω_i) − E (the invariant)."""
    omegas, J2 = [F(w) for w in omegas], [F(j) for j in J2]
    return from_state(omegas, sum(j / (2 * w) for w, j in zip(omegas, J2)) - F(E), J2, eta=eta)


TINY = F(1, 10**30)


@pytest.mark.parametrize("dps", [15, 30])
@pytest.mark.parametrize("omega,E,status", [
    ("1", TINY, GFStatus.CONVERGED),  # the example of the issue: z0 = 1/2 − 10⁻³⁰
    ("-1", -TINY, GFStatus.CONVERGED),  # its mirror: z0 < 0, ω < 0
    ("1", -TINY, GFStatus.RUNS_AWAY),  # z0 = 1/2 + 10⁻³⁰
    ("-1", TINY, GFStatus.RUNS_AWAY),
], ids=["z>0-E=1e-30", "z<0-E=-1e-30", "z>0-E=-1e-30", "z<0-E=1e-30"])
def test_a_flow_to_a_tiny_lambda_GF_converges(omega, E, status, dps):
    """One mode, J(ω)² = 1, |ω| = 1, |E| = 10⁻³⁰: z = J(ω)²/(2ω) − E at the start, so the flow falls at most to
    r = −E. With sign E = sign z it converges to λ_GF = 2|ω||E| = 2·10⁻³⁰ (module docstring of the closed form):
    λ falls 30 digits, first algebraically, below ε·λ(0) (where the old rule said RUNS_AWAY), so the run needs its
    precision (15 digits cannot hold z0 = 1/2 − 10⁻³⁰) and its budget from the problem. One mode has no other
    error: the Taylor steps keep r exactly, so λ_GF is 2|ω||r| to the rounding, and all dps digits agree with
    the closed form. With the other sign of E it runs away, and stops with λ < ε·λ(0). Both routes agree."""
    prob = _near_boundary([omega], [1], E)
    r, lim = integrate_gf(prob, dps=dps), gf_limit(prob, dps=dps)
    assert r.status is lim.status is status
    lost = 30 - 5  # ⌈log₁₀(λ(0)/λ_GF)⌉ = ⌈log₁₀(5·10²⁹)⌉ = 30 digits, 5 of them inside ε
    assert r.steps < 50 * (dps + 5 + lost) * 2
    with mpmath.workdps(2 * dps):
        if status is GFStatus.CONVERGED:
            want = 2 * _mpf(abs(E))
            assert abs(r.ntk - want) <= mpmath.mpf(10) ** (1 - dps) * want, r.ntk
            assert abs(lim.ntk - want) <= mpmath.mpf(10) ** (1 - dps) * want
            half_ulp = r.ntk * mpmath.mpf(2) ** -mpmath.libmp.dps_to_prec(dps)  # ntk is rounded to dps digits
            assert abs(r.ntk - want) <= r.error_estimate + half_ulp  # honest
        else:
            assert lim.ntk == 0 and 0 < r.ntk < mpmath.mpf(10) ** (-dps - 5)


@pytest.mark.parametrize("omega,E,status", [("1/4", TINY, GFStatus.CONVERGED), ("4", -TINY, GFStatus.RUNS_AWAY)],
                         ids=["w=1/4-converges", "w=4-runs-away"])
def test_a_tiny_lambda_GF_with_omega_not_1(omega, E, status):
    """As the issue's example with |ω| ≠ 1, where r = z − J(ω)²/(2ω) differs from z − J(ω)²·ω/2 (at ω = ±1 they
    coincide): ω = 1/4 converges to λ_GF = 2ωE = 5·10⁻³¹ (closed form), ω = 4 with E = −10⁻³⁰ runs away."""
    prob = _near_boundary([omega], [1], E)
    r, lim = integrate_gf(prob, dps=15), gf_limit(prob, dps=15)
    assert r.status is lim.status is status
    if status is GFStatus.CONVERGED:
        with mpmath.workdps(30):
            want = 2 * _mpf(F(omega) * E)
            assert abs(r.ntk - want) <= mpmath.mpf(10) ** -14 * want


def test_a_flow_with_a_growing_mode_is_not_a_run_away():
    """ω = (1, −1), J(ω)² = (1, 10⁻⁶⁰), E = 0, z0 > 0: the second mode grows. z(x) = ½e^{−2x} − ½·10⁻⁶⁰e^{2x} is 0 at
    e^{2x} = 10³⁰, so λ_GF = e^{−2x} + 10⁻⁶⁰e^{2x} = 2·10⁻³⁰ (by hand). λ falls below ε·λ(0) on the way, and r is
    about 0 as in a run-away with E = 0, but a growing mode's term reaches any size, so the run goes on and
    converges."""
    prob = _near_boundary(["1", "-1"], [1, F(1, 10**60)], 0)
    r, lim = integrate_gf(prob, dps=15), gf_limit(prob, dps=15)
    assert r.status is lim.status is GFStatus.CONVERGED
    with mpmath.workdps(30):
        assert abs(r.ntk - mpmath.mpf("2e-30")) <= mpmath.mpf("2e-44")


def test_a_flow_that_falls_120_digits_converges_within_its_budget():
    """E = 10⁻¹²⁰ (one mode, ω = 1, J(ω)² = 1, η = 1/2): λ falls from 1 to 2·10⁻¹²⁰, algebraically (about 18
    steps a digit) and then as the flow to its limit, about 2200 steps at 15 digits, more than the 50·(dps + 5)·(P
    + 1) = 2000 of a flow that does not fall; the budget's d = ⌈log₁₀(5·10¹¹⁹)⌉ − 5 = 115 more digits cover it."""
    prob = _near_boundary(["1"], [1], F(1, 10**120))
    r = integrate_gf(prob, dps=15)
    assert r.status is GFStatus.CONVERGED and 2000 < r.steps < 50 * (15 + 5 + 115) * 2
    with mpmath.workdps(30):
        assert abs(r.ntk / (2 * _mpf(prob.E)) - 1) < mpmath.mpf(10) ** -14


@pytest.mark.parametrize("omegas,J2", [(["1", "10"], [1, 1]), (["1", "100"], [1, 1000])], ids=["w=10", "w=100"])
def test_a_decayed_fast_mode_is_dropped_only_where_it_cannot_move_r(omegas, J2):
    """E = 10⁻³⁰ and a fast decaying mode: dropping it moves r by J(ω)²/(2ω). At ε·λ (the old tolerance) that is
    about 10⁻²³ ≫ |E| and the run said RUNS_AWAY (measured); below 10^(−dps)·L, L = 2·min|ω_i|·|E| the lower bound
    of λ_GF, it is not. The run converges to route 1's λ_GF ≈ 2·10⁻³⁰ (the fast mode is gone there), and the fast
    mode ends dropped."""
    prob = _near_boundary(omegas, J2, TINY)
    r, lim = integrate_gf(prob, dps=15), gf_limit(prob, dps=15)
    assert r.status is lim.status is GFStatus.CONVERGED
    assert r.J2[1] == 0 and agreed_digits(r.ntk, lim.ntk, 15) >= 14


@pytest.mark.parametrize("omega,J2", [("37/3", "4/5"), ("-16/7", "12/25"), ("-5", "36/25"), ("30/7", "20"),
                                      ("31", "11/25")])
def test_zero_energy_runs_away_whatever_the_rounding_of_r(omega, J2):
    """E = 0 exactly (z0 = J(ω)²/(2ω)): route 1 says RUNS_AWAY. The integrator's r = z − J(ω)²/(2ω) is then its
    rounding alone, and for these five (found by a search over 40 E = 0 problems) it has the sign opposite to z:
    without the rounding bound the run took r for a converging flow (and ended CONVERGED at a λ of rounding size).
    Within the bound it is RUNS_AWAY, as route 1 says."""
    prob = _near_boundary([omega], [J2], 0)
    assert prob.E == 0
    r = integrate_gf(prob, dps=15)
    assert r.status is gf_limit(prob, dps=15).status is GFStatus.RUNS_AWAY
    with mpmath.workdps(30):
        assert 0 < r.ntk < mpmath.mpf(10) ** -20 * _mpf(F(J2))


@given(
    P=st.integers(1, 3),
    sign=st.sampled_from([1, -1]),
    w=st.lists(st.fractions(min_value=F(1, 8), max_value=5, max_denominator=8), min_size=3, max_size=3),
    js=st.lists(st.fractions(min_value=F(1, 10), max_value=2, max_denominator=100), min_size=3, max_size=3),
    k=st.integers(6, 40),
    m=st.integers(-99, 99),
)
@example(P=1, sign=1, w=[F(1)] * 3, js=[F(1)] * 3, k=30, m=10)  # the example (E = 10⁻³⁰)
@example(P=2, sign=1, w=[F(1), F(2), F(1)], js=[F(1)] * 3, k=30, m=0)  # E = 0: runs away
@example(P=3, sign=-1, w=[F(1), F(5), F(1, 8)], js=[F(1, 10), F(2), F(1)], k=40, m=-1)
@settings(max_examples=8, deadline=None)
def test_routes_agree_near_the_run_away_boundary(P, sign, w, js, k, m):
    """Every mode decays (ω_i of the sign of z0) and E = m·10⁻ᵏ, both signs and 0: the flow converges to a λ_GF
    of order |E| (between 2·min|ω_i|·|E| and 2·max|ω_i|·|E|) or runs away. Both routes give the same status; a
    converged λ agrees to dps − 1 digits (the Taylor steps keep r, the precision resolves it, and a local error
    ε·λ of a decaying mode decays with it: argued), within the integrator's estimate plus the rounding of both
    values to dps digits; a run-away ends with λ < ε·λ(0)."""
    dps = 15
    omegas = [sign * v for v in w[:P]]
    prob = _near_boundary(omegas, js[:P], sign * F(m, 10**k))
    r, lim = integrate_gf(prob, dps=dps), gf_limit(prob, dps=dps)
    assert r.status is lim.status
    with mpmath.workdps(2 * dps):
        if m > 0:
            assert r.status is GFStatus.CONVERGED
            assert agreed_digits(r.ntk, lim.ntk, dps) >= dps - 1
            ulps = (abs(r.ntk) + abs(lim.ntk)) * mpmath.mpf(2) ** -mpmath.libmp.dps_to_prec(dps)  # both rounded
            assert abs(r.ntk - lim.ntk) <= r.error_estimate + ulps
        else:
            assert r.status is GFStatus.RUNS_AWAY
            assert lim.ntk == 0 and 0 < r.ntk < mpmath.mpf(10) ** (-dps - 5) * _mpf(sum(js[:P]))


def test_lambda_floor_bounds_the_limit():
    """``_lambda_floor`` (its docstring; each value by hand), and each bound at most route 1's λ_GF."""
    from sorm.numerics.engines.gf import _lambda_floor

    for omegas, J2, E, want in [
        (["2", "1/2"], [1, 1], F(1, 10), F(1, 10)),  # no growing mode, s·E > 0: 2·min|ω|·s·E
        (["-2", "-1/2"], [1, 1], F(-1, 10), F(1, 10)),  # z0 < 0
        (["1", "-1"], [1, F(1, 10**10)], F(1, 4), F(1, 2)),  # s·E > 0 with a growing mode: 2·1·1/4 > 10⁻¹⁰
        (["1", "-1"], [1, F(1, 10**10)], 0, F(1, 10**10)),  # s·E = 0: the growing mode alone
        (["1", "-3"], [1, F(1, 10**10)], F(-1, 10), F(3, 5)),  # s·E < 0: 2·3·1/10 > 10⁻¹⁰
        (["1", "-1"], [1, F(1, 2)], F(-1, 20), F(1, 2)),  # s·E < 0: the growing J = 1/2 > 2·1·1/20
        (["-1", "1"], [1, F(1, 2)], F(1, 20), F(1, 2)),  # its mirror (z0 < 0)
        (["1", "2"], [1, 1], 0, None),  # runs away: no growing mode, s·E ≤ 0
        (["1", "2"], [1, 1], F(-1, 10), None),
    ]:
        prob = _near_boundary(omegas, J2, E)
        assert _lambda_floor(prob) == want, (omegas, J2, E)
        lim = gf_limit(prob, dps=30)
        if want is None:
            assert lim.status is GFStatus.RUNS_AWAY
        else:
            assert lim.status is GFStatus.CONVERGED and lim.ntk >= _mpf(want, 30)
    assert _lambda_floor(from_state("1,-1", "0", "1,1")) is None  # z0 = 0
    assert _lambda_floor(from_state("1,0", "0.5", "0,0")) is None  # no J(ω_i) ≠ 0
