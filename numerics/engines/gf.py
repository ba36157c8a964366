"""Gradient flow (GF) of the second-order regression model, two independent routes.

Paper §2: θ̇ = −η z Q θ, so (with λ = Σ_i J(ω_i)² the NTK)

    ż = −η λ z,        d J(ω_i)²/dt = −2 η z ω_i J(ω_i)².

Route 1, :func:`gf_limit` (docs/theory.md §2, derived here): with
x(t) = η ∫₀ᵗ z, each mode solves dJ(ω_i)²/dx = −2 ω_i J(ω_i)², so
J(ω_i)²(x) = J(ω_i)²(0) e^{−2 ω_i x}, and the invariant Σ_{ω_i≠0} J(ω_i)²/ω_i − 2z = 2E
gives z(x) = ½ Σ_{ω_i≠0} J(ω_i)²(0) e^{−2 ω_i x}/ω_i − E. Since dz/dx = −λ(x) < 0,
z is strictly decreasing in x, and x moves in the direction of sign z(0); the flow
stops at the unique root x_∞ of z in that direction, if there is one, and the final
NTK is λ_GF = Σ J(ω_i)²(0) e^{−2 ω_i x_∞}. A one-dimensional root problem for any P,
solved by safeguarded Newton at the working precision and checked at doubled precision.
The mode terms are the generated ``gf_J2_of_x`` and ``gf_z_of_x_term`` (derived here).
When no mode grows in that direction and sign z(0)·E ≤ 0, z never reaches 0: the flow
runs to x → ±∞ and λ → 0 (status RUNS_AWAY).

Route 2, :func:`integrate_gf`: the ODE itself in t, integrated by a Taylor series
method of order N ≈ ln(1/ε)/2. The coefficients come from evaluating the generated
rates ``gf_z_rate``, ``gf_J2_rate`` on lazy power series (the right-hand side is
polynomial, so each coefficient is a Cauchy product of known ones):

    (k+1) z_{k+1} = [rate_z(z, λ)]_k = −η Σ_m z_m λ_{k−m},
    (k+1) J_{i,k+1} = [rate_J(z, J_i)]_k = −2 η ω_i Σ_m z_m J_{i,k−m},

with the step h chosen so that the last two terms are below ε·λ in their effect on λ (Jorba &
Zou's rule with absolute tolerances: a J(ω_i)² counts once, z counts with |dλ/dz| ≤ 2Σ|ω_i|J(ω_i)²/λ
from the invariants). A mode that only decays (ω_i z > 0) is set to 0 once it is below ε·λ (and below
10^(−dps) of a lower bound of λ_GF, when λ_GF may be far below λ(0)), so that its rounding noise does not
limit the step of a stiff problem. A run-away is decided from the integrated state, not from route 1:
when every mode decays, z can fall at most to r = z − Σ_i J(ω_i)²/(2ω_i), and r with the sign of z
(or within its rounding of 0) means z never reaches 0 (``integrate_gf``).

The error estimate of a converged run follows an error of the state to the limit (derived here). From
any state on, each mode is J(ω_i)²e^{−2ω_i(x−x_k)} in x, so a relative error ρ_i of J(ω_i)² stays ρ_i,
and r = z − Σ_i J(ω_i)²/(2ω_i) (= −E) stays too. Differentiating the root condition z(x_∞) = 0 gives

    δλ_GF = Σ_i ρ_i J(ω_i)²(x_∞)(1 − ω̄/ω_i) − 2ω̄·δr,        ω̄ = Σ_i ω_i J(ω_i)²/λ at x_∞

(to first order). A Taylor step keeps r exactly, so its truncation (the last two terms of J(ω_i)²'s
series) enters through ρ_i alone, divided by the new J(ω_i)²; rounding enters ρ_i (4N units of the
series' absolute sum) and δr (``r_err``). A dropped mode d_i moves r by d_i/(2ω_i) (in ``r_err``) and its
own term by at most d_i (it would only have decayed further). So the estimate is the remaining change at
the stop plus Σ_i (ρ_i J(ω_i)² + d_i)|1 − ω̄/ω_i| + 2|ω̄|·``r_err`` at the last state: it scales with
λ_GF however far λ falls from λ(0) (for one mode ω̄ = ω, and only the rounding of r is left). A run that
stops before converging (T_MAX, STEP_LIMIT, RUNS_AWAY) adds up the local truncation bounds ε·λ, the
dropped modes and the rounding of every step instead, which does not follow the errors along the flow.
Both are estimates, not bounds; the agreement with route 1 is what the tests and claims check.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import mpmath

from .. import _derived as D
from ..precision import agreed_digits, bits_for_digits, to_mpf
from ..problem import Problem
from ..validate import DEFAULT_DPS, InputError, dps as _check_dps, positive, positive_int
from ..status import Status
from ..display import compact_repr, format_value
from .lazy_series import LazySeries

__all__ = ["GFStatus", "GFLimit", "GFResult", "gf_limit", "integrate_gf"]


class GFStatus(Status):
    """How the gradient flow ends; each value is a readable message."""

    CONVERGED = "converged: z reaches 0 at a finite x_inf; lambda_GF is the NTK there"
    AT_MINIMUM = "already at a minimum: z(0) = 0, nothing moves"
    NO_GRADIENT = "no gradient: every J(omega_i) is 0 while z != 0, so the flow does not move"
    RUNS_AWAY = "z never reaches 0: the flow runs to x -> infinity and lambda -> 0"
    T_MAX = "stopped at t_max before z reached the tolerance"
    STEP_LIMIT = "stopped at the integrator's step limit before z reached the tolerance"


@dataclass(frozen=True)
class GFLimit:
    """Route 1: λ_GF from the invariants. ntk = λ_GF, eta_ntk = ηλ_GF, x_inf = η∫z (±inf if none).

    dps: decimal digits; agreed_digits: digits of λ_GF agreeing with the solve at 2·dps;
    x_agreed_digits: the same for x_inf (dps when both solves give the same infinite x_inf). The repr
    shows each value to its own agreeing digits.
    """

    ntk: mpmath.mpf
    eta_ntk: mpmath.mpf
    x_inf: mpmath.mpf
    dps: int
    status: GFStatus
    agreed_digits: int | None
    x_agreed_digits: int | None = None

    __repr__ = compact_repr

    def _repr_items(self):
        digits = {"ntk": self.agreed_digits, "eta_ntk": self.agreed_digits, "x_inf": self.x_agreed_digits}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in digits:
                n = digits[f.name]
                yield f.name, format_value(value, n) if n else "None"
            else:
                yield f.name, format_value(value)


@dataclass(frozen=True)
class GFResult:
    """Route 2: the integrated flow at its final time t (unscaled z, J(ω_i)², λ).

    error_estimate: estimated absolute error of ntk at the working precision, before ntk is rounded to
    dps digits; when converged, of ntk as λ_GF (module docstring). steps: Taylor
    steps. order: Taylor order N. trajectory: (t, λ, z) tuples at the step points
    when ``record=True``.
    """

    ntk: mpmath.mpf
    eta_ntk: mpmath.mpf
    z: mpmath.mpf
    J2: tuple
    t: mpmath.mpf
    status: GFStatus
    dps: int
    error_estimate: mpmath.mpf
    steps: int
    order: int
    trajectory: tuple | None = None

    __repr__ = compact_repr


def _check_problem(problem):
    if not isinstance(problem, Problem):
        raise InputError(f"problem={problem!r}: expected a numerics.Problem; build one with from_theta or from_state")


# ----------------------------------------------------------------------------------------------
# route 1: the root problem


def _solve_root(problem: Problem, dps: int):
    """x_∞ and λ_GF at ``dps`` digits (+ guard bits inside)."""
    active = [(w, j) for w, j in zip(problem.omegas, problem.J2) if j != 0]
    z0 = problem.z0
    with mpmath.workdps(dps):
        if z0 == 0:
            return GFStatus.AT_MINIMUM, mpmath.mpf(0), to_mpf(problem.ntk0)
        if not active:
            return GFStatus.NO_GRADIENT, mpmath.mpf(0), mpmath.mpf(0)
        s = 1 if z0 > 0 else -1
        grows = any(w * s < 0 for w, _ in active)
        if not grows and s * problem.E <= 0:
            return GFStatus.RUNS_AWAY, s * mpmath.inf, mpmath.mpf(0)
    with mpmath.workprec(bits_for_digits(dps, extra=16)):  # extra: the Newton iteration's rounding
        ws = [to_mpf(w) for w, _ in active]
        js = [to_mpf(j) for _, j in active]
        E = to_mpf(problem.E)

        def g_and_slope(u):  # g(u) = s·z(s·u) decreases from |z(0)|; g'(u) = −λ(s·u)
            x = s * u
            z = mpmath.fsum(D.gf_z_of_x_term(j, w, x) for w, j in zip(ws, js)) - E
            return s * z, -mpmath.fsum(D.gf_J2_of_x(j, w, x) for w, j in zip(ws, js))

        lo, hi = mpmath.mpf(0), mpmath.mpf(1)
        while g_and_slope(hi)[0] > 0:  # bracket: a root exists (checked above)
            lo, hi = hi, 2 * hi
        u = (lo + hi) / 2
        eps = mpmath.mpf(2) ** (-mpmath.mp.prec + 8)
        for _ in range(10_000):
            g, dg = g_and_slope(u)
            if g > 0:
                lo = u
            elif g < 0:
                hi = u
            else:
                break
            nu = u - g / dg if dg != 0 else (lo + hi) / 2
            if not lo < nu < hi:
                nu = (lo + hi) / 2
            if abs(nu - u) <= eps * max(1, abs(u)) or hi - lo <= eps * max(1, abs(u)):
                u = nu
                break
            u = nu
        x = s * u
        lam = mpmath.fsum(D.gf_J2_of_x(j, w, x) for w, j in zip(ws, js))
    with mpmath.workdps(dps):
        return GFStatus.CONVERGED, +x, +lam


def gf_limit(problem: Problem, *, dps=DEFAULT_DPS) -> GFLimit:
    """The exact GF final NTK λ_GF from the invariants (route 1, module docstring), checked at 2·dps."""
    _check_problem(problem)
    dps = _check_dps(dps)
    status, x, lam = _solve_root(problem, dps)
    _, x2, lam2 = _solve_root(problem, 2 * dps)
    with mpmath.workdps(dps):
        eta = to_mpf(problem.eta)
        agreed = agreed_digits(lam, lam2, dps) if mpmath.isfinite(lam2) else None
        x_agreed = agreed_digits(x, x2, dps) if mpmath.isfinite(x2) else dps if x == x2 else None
        return GFLimit(ntk=+lam, eta_ntk=eta * lam, x_inf=x, dps=dps, status=status, agreed_digits=agreed,
                       x_agreed_digits=x_agreed)


# ----------------------------------------------------------------------------------------------
# route 2: Taylor-series integration of the ODE


def _taylor_coeffs(z, J, ws, eta, N):
    """Taylor coefficients (in t) of z and J(ω_i)² up to order N, from the generated GF rates."""
    zs = LazySeries("state", (None,), [z])
    Js = [LazySeries("state", (None,), [j]) for j in J]
    M0 = Js[0]
    for j in Js[1:]:
        M0 = M0 + j
    zs.args = (D.gf_z_rate(eta, zs, M0),)
    for js, w in zip(Js, ws):
        js.args = (D.gf_J2_rate(eta, zs, w, js),)
    for k in range(N + 1):
        zs.coef(k)
        for js in Js:
            js.coef(k)
    return zs.c[:N + 1], [js.c[:N + 1] for js in Js]


def _lambda_floor(problem: Problem):
    """An exact lower bound L of λ_GF, from the start alone; None when there is no λ_GF (derived here).

    s = sign z(0); a mode with J(ω_i)² ≠ 0 decays if s·ω_i > 0 and grows if s·ω_i < 0. A growing mode's J(ω_i)²
    only grows, so λ_GF ≥ J(ω_g)²(0) for each growing mode g. At the root z = 0 the invariant gives
    Σ_dec J(ω_i)²/(2|ω_i|) − Σ_grow J(ω_g)²/(2|ω_g|) = s·E, so λ_GF ≥ 2·min_dec|ω_i|·s·E when s·E > 0 and
    λ_GF ≥ 2·min_grow|ω_g|·|E| when s·E < 0. L is the largest that applies. With no growing mode and s·E ≤ 0
    there is no root (route 1's RUNS_AWAY), nor for z(0) = 0 or no J(ω_i) ≠ 0: None. L only sizes the
    integrator's precision, budget and mode dropping (``integrate_gf``), never its status.
    """
    active = [(w, j) for w, j in zip(problem.omegas, problem.J2) if j != 0]
    if problem.z0 == 0 or not active:
        return None
    s = 1 if problem.z0 > 0 else -1
    grow = [(w, j) for w, j in active if s * w < 0]
    decay = [(w, j) for w, j in active if s * w > 0]
    sE = s * problem.E
    bounds = [j for _, j in grow]
    if sE > 0:  # then a decaying mode exists: with none, s·z(0) = −Σ J(ω_g)²/(2|ω_g|) − s·E > 0 forces s·E < 0
        bounds.append(2 * min(abs(w) for w, _ in decay) * sE)
    elif sE < 0 and grow:
        bounds.append(2 * min(abs(w) for w, _ in grow) * -sE)
    return max(bounds) if bounds else None


def integrate_gf(problem: Problem, *, dps=DEFAULT_DPS, t_max=None, record=False, max_steps=None) -> GFResult:
    """Integrate the GF ODE (route 2, module docstring) until z is negligible for λ, or t_max.

    Stops when the remaining change of λ, at most about 2|z|·Σ|ω_i|J(ω_i)²/λ, falls below ε·λ with
    ε = 10^(−dps−5); then status CONVERGED.

    A flow that runs away never ends; the run stops once λ < ε·λ(0), and the status there comes from the
    state, not from that threshold (derived here): with x = η∫z dt each J(ω_i)² ∝ e^{−2ω_i x}, and the invariant
    gives z = Σ_i J(ω_i)²/(2ω_i) − E over the modes with J(ω_i) ≠ 0. If every such mode decays (ω_i z > 0), each
    term has the sign of z and shrinks to 0 as x → ±∞, so z falls at most to r = z − Σ_i J(ω_i)²/(2ω_i) (= −E).
    If r has the sign of z, z never reaches 0: RUNS_AWAY. If r has the other sign, z reaches 0 at a finite x
    with λ_GF ≥ 2·min|ω_i|·|r| > 0, and the run goes on; so does one with a growing mode (its term reaches any
    size). r is computed from the current state, and the Taylor steps keep it exactly (the invariant is linear,
    and each Taylor coefficient of it is 0): it moves only by rounding, at most about 4N·2^−prec·(|z| +
    Σ J(ω_i)²/(2|ω_i|)) a step, and by the dropped modes. When |r| is within that bound of 0 the state cannot tell
    E = 0 from a tiny E; the run then says RUNS_AWAY, as route 1 does for E = 0 (z = Σ_i J(ω_i)²e^{−2ω_i x}/(2ω_i)
    keeps the sign of z at every finite x). The precision below makes the bound far smaller than |E| for every
    E ≠ 0, so only E = 0 lands there (argued from the rounding allowance, not proved).

    A flow can fall from λ(0) to a far smaller λ_GF (E tiny): the working precision has d more digits and the
    budget d more digits to gain, d = max(0, ⌈log₁₀(λ(0)/L)⌉ − 5), with L the lower bound of λ_GF of
    ``_lambda_floor`` (ε already leaves 5 digits for λ to fall), and a decaying mode is dropped only below
    min(ε·λ, 10^(−dps)·L): with no growing mode L = 2·min|ω_i|·|E|, so a drop moves r by less than 10^(−dps)·|E|.

    t_max (in units of t, optional) and max_steps bound the run (statuses T_MAX, STEP_LIMIT). The default
    step budget comes from the problem: each phase of the flow (the decay of z, the decay of each shrinking
    mode below the drop tolerance, an algebraic decay of λ while z ≫ |E|) costs a number of steps proportional
    to the digits to gain, measured at most about 20 per digit, so the budget is 50·(dps + 5 + d)·(P + 1).
    mpmath's global precision is never changed.
    """
    _check_problem(problem)
    dps = _check_dps(dps)
    s_max = None if t_max is None else positive("t_max", t_max)
    floor = _lambda_floor(problem)
    lost = 0  # the digits d of the docstring
    if floor is not None:
        q = sum(problem.J2) / floor
        lost = max(0, math.ceil(math.log10(q.numerator) - math.log10(q.denominator)) - 5)
    max_steps = 50 * (dps + 5 + lost) * (problem.P + 1) if max_steps is None else positive_int("max_steps", max_steps)
    prec = bits_for_digits(dps + lost, extra=24)  # extra: rounding accumulated over the Taylor steps
    out_traj = [] if record else None
    with mpmath.workprec(prec):
        ws = [to_mpf(w) for w in problem.omegas]
        eta = to_mpf(problem.eta)
        z = to_mpf(problem.z0)
        J = [to_mpf(j) for j in problem.J2]
        eps = mpmath.mpf(10) ** (-dps - 5)
        N = max(8, math.ceil(-mpmath.log(eps) / 2))
        s = mpmath.mpf(0)
        s_cap = None if s_max is None else to_mpf(s_max)
        err = mpmath.mpf(0)
        steps, status = 0, None
        unit = mpmath.mpf(2) ** (-prec)
        lam0 = mpmath.fsum(J)
        drop_cap = None if floor is None else mpmath.mpf(10) ** (-dps) * to_mpf(floor)
        # the bound on |r − (−E)|: the rounding of the start and of forming r, then grown by each step and drop
        r_err = (problem.P + 2) * unit * (abs(z) + mpmath.fsum(j / (2 * abs(w)) for w, j in zip(ws, J) if j))
        rel = [unit] * len(J)  # each mode's relative error, which the flow keeps (docstring); the start's rounding
        gone = [mpmath.mpf(0)] * len(J)  # each dropped mode's value
        while True:
            lam = mpmath.fsum(J)
            if record:
                out_traj.append((s, lam, z))
            if z == 0:
                status = GFStatus.CONVERGED if steps else GFStatus.AT_MINIMUM
                break
            if lam == 0:
                status = GFStatus.NO_GRADIENT
                break
            if lam < eps * lam0 and all(w * z > 0 for w, j in zip(ws, J) if j != 0):
                # λ has collapsed and every mode decays: z falls at most to r (docstring)
                r = z - mpmath.fsum(j / (2 * w) for w, j in zip(ws, J) if j != 0)
                if (r if z > 0 else -r) >= -r_err:  # r has the sign of z, or is within its rounding of 0 (E = 0)
                    status = GFStatus.RUNS_AWAY
                    break
            tail = 2 * abs(z) * mpmath.fsum(abs(w) * j for w, j in zip(ws, J)) / lam
            if tail < eps * lam:
                status = GFStatus.CONVERGED
                break
            if s_cap is not None and s >= s_cap:
                status = GFStatus.T_MAX
                break
            if steps >= max_steps:
                status = GFStatus.STEP_LIMIT
                break
            zc, Jc = _taylor_coeffs(z, J, ws, eta, N)
            # Tolerances in units of λ: an error δz moves the final λ by δz·dλ/dz = δz·λ/z_unit.
            z_unit = lam ** 2 / (2 * mpmath.fsum(abs(w) * j for w, j in zip(ws, J)))
            series = [(zc, lam / z_unit)] + [(jc, 1) for jc in Jc]
            h = None
            for k in (N - 1, N):
                for c, weight in series:
                    if c[k] != 0:
                        hk = (eps * lam / (weight * abs(c[k]))) ** (mpmath.mpf(1) / k)
                        h = hk if h is None else min(h, hk)
            if h is None:  # the series terminates: the solution is a polynomial
                h = mpmath.mpf(1)
            if s_cap is not None and s + h > s_cap:
                h = s_cap - s
            err += mpmath.fsum(weight * (abs(c[N]) * h ** N + abs(c[N - 1]) * h ** (N - 1)) for c, weight in series)
            err += 4 * N * unit * (lam + abs(z) * lam / z_unit)
            r_err += 4 * N * unit * (abs(z) + mpmath.fsum(j / (2 * abs(w)) for w, j in zip(ws, J) if j))
            z = mpmath.polyval(zc[::-1], h)
            J = [mpmath.polyval(jc[::-1], h) for jc in Jc]
            # A mode with ω_i z > 0 only decays (z keeps its sign along the flow); once it is below
            # the tolerance it is dropped, its value added to the error: this keeps a fast decayed
            # mode from limiting the step (stiffness) through its rounding noise.
            drop_below = eps * lam if drop_cap is None else min(eps * lam, drop_cap)
            for i, w in enumerate(ws):
                if w * z > 0 and 0 != abs(J[i]) < drop_below:
                    err += abs(J[i])
                    r_err += abs(J[i]) / (2 * abs(w))
                    gone[i] += abs(J[i])
                    J[i] = mpmath.mpf(0)
            for i, jc in enumerate(Jc):  # truncation and rounding of this step, relative to the new J(ω_i)²
                if J[i] != 0:
                    rel[i] += (abs(jc[N]) * h ** N + abs(jc[N - 1]) * h ** (N - 1)
                               + 4 * N * unit * mpmath.polyval([abs(c) for c in jc[::-1]], h)) / abs(J[i])
            s += h
            steps += 1
        lam = mpmath.fsum(J)
        if status is GFStatus.CONVERGED and lam != 0:  # the error of the limit, not the sum of local errors
            wbar = mpmath.fsum(w * j for w, j in zip(ws, J)) / lam
            tail = 2 * abs(z) * mpmath.fsum(abs(w) * j for w, j in zip(ws, J)) / lam  # 0 if z stepped to 0
            err = tail + 2 * abs(wbar) * r_err + mpmath.fsum(
                (r * abs(j) + g) * abs(1 - wbar / w) for w, j, r, g in zip(ws, J, rel, gone) if j or g)
        res = dict(ntk=lam, eta_ntk=eta * lam, z=z, J2=tuple(J), t=s, err=err)
        traj = None
        if record:
            traj = tuple(out_traj)
    with mpmath.workdps(dps):
        return GFResult(ntk=+res["ntk"], eta_ntk=+res["eta_ntk"], z=+res["z"], J2=tuple(+j for j in res["J2"]),
                        t=+res["t"], status=status, dps=dps, error_estimate=+res["err"], steps=steps, order=N,
                        trajectory=None if traj is None else tuple(tuple(+v for v in row) for row in traj))
