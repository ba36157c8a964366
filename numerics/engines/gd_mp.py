"""High-precision gradient descent on the second-order regression model.

Paper §2.1: θ_{t+1} = θ_t − η z_t Q θ_t with z(θ) = ½ θᵀQθ − E. In the
eigenbasis of Q (eigenvalues ω_i) the mode Jacobians J(ω_i) = ω_i θ_i and the
residual z follow an exact map (derived here, generated as ``gd_*`` in
``numerics._derived``); in the η-rescaled variables z̃ = ηz, J̃(ω_i)² = ηJ(ω_i)²,
T = Σ J̃(ω_i)² = ηλ, S = Σ ω_i J̃(ω_i)²:

    z̃' = z̃(1 − T) + ½ z̃² S,      J̃(ω_i)²' = (1 − z̃ ω_i)² J̃(ω_i)².

For P = 2 (ω₁ω₂ ≠ 0, ω₁ ≠ ω₂) the invariant Σ J(ω_i)²/ω_i − 2z = 2E reduces it to
the 2-D map of (z̃, T) (docs/theory.md §4, derived here; generated as ``planar_*``).

Three engines, one driver (:func:`run_gd`):

- ``"fixed-point"``: the generated map compiled into exact integer fixed-point code
  (:func:`numerics.compile.fixedpoint.compile_horner`: exact polynomial with the model's
  constants folded in, then Horner form), on the 2-D (z̃, T) map when P = 2 allows
  it (``planar_*``), else on the (z̃, J̃(ω_i)²) map for any P;
- ``"mpmath"``: the (z̃, J̃(ω_i)²) map in mpmath floating point, any P;
- ``"theta"``: the θ-space update itself (paper §2.1), from ``problem.theta0``.

Bit budget of the fixed-point path
----------------------------------
A value v is the int ⌊v·2^p⌋. Every traced operation rounds by at most one unit
2^−p times the size M of the constants it multiplies by, so one step of a map with
K operations adds an absolute error δ ≤ K·M·2^−p (this part is proved: it is
integer arithmetic with floors). The error after N steps is Σ_t ‖DF^{N−t}‖·δ.
On the attracting half of the fixed line z̃ = 0 (0 < T < 2) the map contracts z̃
by |1 − T| and is neutral in T, so the errors add: ≤ N·δ. Near the edge of
stability the two-step map is close to a neutral centre (docs/theory.md §5), where the
same linear growth holds over the oscillation; this is a heuristic, not a proof.
Hence

    p = ⌈max(digits·log₂10, −log₂ tol̃)⌉ + ⌈log₂(N + 1)⌉ + ⌈log₂(K·M)⌉ + 24 (+ bits for a
        small initial scale),

with N the step budget and tol̃ the stopping tolerance on z̃. Chaotic or expanding
orbits lose digits at their Lyapunov rate and no budget fixed in advance covers
that: the rerun at doubled precision (``check_digits=True``) reports the digits
that really agree, for every engine. The mpmath and θ engines work at
⌈digits·log₂10⌉ + ⌈log₂(N + 1)⌉ + 16 bits (the same step allowance, fewer guard bits).

Printed digits (docs/theory.md §8)
----------------------------------
Each engine states its error bound at the stopping step (``GDResult.error``): absolute for fixed
point, (N + 1)·2K·M²·2^−p; relative for mpmath and θ, (N + 1)·8(P + 1)·2^−prec (θ's z̃ is a
cancellation, so its bound is relative to the size of its terms). ``check_digits`` reruns the same
number of steps at 2·dps and raises each bound to |x − x_ref| + bound_ref where that is larger;
:meth:`GDResult.shown` prints each value (z, each J², λ, ηλ) only to the digits its bound and the
agreement both vouch for. ``limit_error`` separately estimates |ηλ_t − ηλ_∞| of a converged run.

Stopping: |z| < tol (default: |z̃| < 10^(5 − dps)·max(1, |z̃₀|)) and shrinking over one more step →
CONVERGED (the residual alone decides; a state exactly on the line z̃ = 0 is CONVERGED if it attracts,
0 < T < 2, else UNSTABLE_FIXED_POINT; a z̃ ≠ 0 below tol that grows is run on until it leaves the line,
and is an UNSTABLE_FIXED_POINT if the budget ends first);
|z̃| or T beyond numerics.status.divergence_bound (2^30·max(1, |z̃₀|, T₀, |Ẽ|)), or non-finite → DIVERGED;
z̃_{t+2} ≈ z̃_t and T_{t+2} ≈ T_t to 10^(−dps/2) with |z̃| not small, three checks
in a row → PERIOD2; the step budget → MAX_STEPS; ``steps=K`` → exactly K steps
(STEPS_DONE) unless the orbit diverges first. These are statuses, never exceptions.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from fractions import Fraction

import mpmath

from .. import _derived as D
from ..compile.fixedpoint import compile_horner, compile_runner, from_fixed, to_fixed
from ..display import compact_repr, format_value
from ..precision import bits_for_digits, digits_of_bits, format_digits, round_up, to_mpf
from ..problem import Problem
from ..validate import DEFAULT_DPS, InputError, dps as _check_dps, positive, positive_int
from ..status import Status, divergence_bound

from gmpy2 import mpz as _INT  # a dependency: its mpz multiplies and shifts ~20 % faster than int at a few hundred bits

__all__ = ["GDStatus", "GDResult", "run_gd", "METHODS", "fixed_point_bits", "agreed_digits"]

METHODS = ("auto", "fixed-point", "mpmath", "theta")
_CHUNK = 64  # steps between period-2 / T checks (even, so a period-2 orbit repeats)
_P2_HITS = 3
_MAX_STEPS_LIMIT = 10**9


class GDStatus(Status):
    """How a GD run ended; each value is a readable message."""

    CONVERGED = ("converged: |z| fell below the tolerance while shrinking (or sits exactly on the attracting "
                 "part of the fixed line z = 0)")
    UNSTABLE_FIXED_POINT = ("unstable fixed point: on the fixed line z = 0 (or within the tolerance of it and "
                            "moving away) with eta*lambda >= 2 or = 0, where the line does not attract; not converged")
    DIVERGED = "diverged: |z| or eta*lambda grew past the divergence bound (or became non-finite)"
    PERIOD2 = "period-2 orbit: z and eta*lambda repeat every two steps while z stays away from 0"
    MAX_STEPS = "stopped at max_steps without converging"
    STEPS_DONE = "ran exactly the requested number of steps"


QUANTITIES = ("z", "J2", "ntk", "eta_ntk")


@dataclass(frozen=True)
class GDResult:
    """The end of a GD run (unscaled quantities; ηλ is the rescaled NTK T).

    z: residual z_t. J2: J(ω_i)²_t. ntk: λ_t = Σ J(ω_i)²_t. eta_ntk: ηλ_t.
    steps: steps taken. status: :class:`GDStatus`. dps: requested decimal digits.
    agreed_digits: digits of ηλ that agree with a rerun at 2·dps (None unless requested).
    trajectory: (ηλ_t, z_t) for t = 0..steps when ``record=True``. method: the engine used.
    work_bits: working precision in bits (fixed-point fraction bits, or mpmath mantissa bits).
    tol: the stopping tolerance on |z| that was used.
    error: {"z", "J2", "ntk", "eta_ntk"} → bound on |value − exact value of the state at the
    stopping step| (an mpf, or a tuple for J2): the engine's own bound (module docstring), raised to
    the disagreement with the rerun at 2·dps when it was run. agreed: the same keys → digits that
    agree with that rerun (None unless requested). limit_error: estimated |ηλ_t − ηλ_∞| for a
    converged run (None otherwise; module docstring). :meth:`shown` prints each value to its
    correct digits only.
    """

    z: mpmath.mpf
    J2: tuple
    ntk: mpmath.mpf
    eta_ntk: mpmath.mpf
    steps: int
    status: GDStatus
    dps: int
    agreed_digits: int | None
    trajectory: tuple | None
    method: str
    work_bits: int = 0
    tol: mpmath.mpf | None = None
    error: dict | None = None
    agreed: dict | None = None
    limit_error: mpmath.mpf | None = None

    def shown(self) -> dict:
        """{"z", "J2", "ntk", "eta_ntk"} → (decimal text or None, digits): each value to the digits that
        both its error bound and (when run) the doubled-precision rerun vouch for; J2 a list of pairs.
        None with 0 digits: not even the first digit is guaranteed (see :meth:`bound_text`)."""
        out = {}
        for q in QUANTITIES:
            vals, errs = getattr(self, q), self.error[q]
            caps = (self.agreed or {}).get(q)
            if q == "J2":
                caps = caps or (None,) * len(vals)
                out[q] = [_shown(v, e, self.dps, c) for v, e, c in zip(vals, errs, caps)]
            else:
                out[q] = _shown(vals, errs, self.dps, caps)
        return out

    def bound_text(self, q: str, k: int | None = None) -> str:
        """"|q| < bound" for a quantity with no guaranteed digit (its value plus its error, rounded up)."""
        v, e = getattr(self, q), self.error[q]
        if k is not None:
            v, e = v[k], e[k]
        return "|{}| < {}".format(q if k is None else f"{q}[{k}]", round_up(abs(v) + e))

    def limit_shown(self):
        """(text, digits) of ηλ_∞ from ηλ_t, its error and the estimated distance to the limit; None when
        no distance was estimated (the run did not converge)."""
        if self.limit_error is None:
            return None
        cap = self.shown()["eta_ntk"][1]
        return _shown(self.eta_ntk, self.error["eta_ntk"] + self.limit_error, self.dps, cap)

    def _repr_items(self):
        s = self.shown()
        text = {q: (s[q][0] or self.bound_text(q)) for q in ("z", "ntk", "eta_ntk")}
        J2 = "(" + ", ".join(t or self.bound_text("J2", k) for k, (t, _) in enumerate(s["J2"])) + ")"
        items = [("z", text["z"]), ("J2", J2), ("ntk", text["ntk"]), ("eta_ntk", text["eta_ntk"])]
        for f in ("steps", "status", "dps", "agreed_digits", "method", "work_bits", "tol"):
            items.append((f, format_value(getattr(self, f))))
        traj = self.trajectory  # a summary: the recorded values carry no error bounds of their own
        items.insert(8, ("trajectory", "None" if traj is None else f"<(eta_ntk_t, z_t) for t = 0..{len(traj[0]) - 1}>"))
        items.append(("limit_error", "None" if self.limit_error is None else round_up(self.limit_error)))
        return items

    __repr__ = compact_repr


def _shown(value, err, dps: int, cap: int | None):
    return format_digits(value, abs_err=err, max_digits=dps if cap is None else min(dps, cap))


# ---------------------------------------------------------------------------------------------
# engines: each runs up to n steps with per-step checks and returns (state, k, flag)
# flag 0: n steps done; 1: |z| < TOL before step k; 2: |z| >= BIG before step k.


class _FixedEngine:
    """The generated map as fixed-point integer code (see the module docstring)."""

    name = "fixed-point"

    def __init__(self, problem: Problem, prec: int, planar: bool):
        self.prec, self.planar, self.problem = prec, planar, problem
        w = problem.omegas
        if planar:
            a, b = w[0] + w[1], w[0] * w[1]
            Et = problem.Et
            fn = lambda zt, T: (D.planar_zt_next(zt, T, a, b, Et), D.planar_T_next(zt, T, a, b, Et))  # noqa: E731
            names = ("zt", "T")
            self.state0 = (to_fixed(problem.zt0, prec), to_fixed(problem.T0, prec))
        else:
            def fn(zt, *J):
                T = sum(J)
                S = sum(wi * j for wi, j in zip(w, J))
                return (D.gd_zt_next(zt, T, S),) + tuple(D.gd_J2t_next(zt, wi, j) for wi, j in zip(w, J))
            names = ("zt",) + tuple(f"J{k}" for k in range(len(w)))
            self.state0 = (to_fixed(problem.zt0, prec),) + tuple(to_fixed(j, prec) for j in problem.J2t)
        self.program = compile_horner(fn, len(names), prec, names)
        self.state0 = tuple(_INT(v) for v in self.state0)
        self._run = {r: compile_runner(self.program, "zt", record=r, integer=_INT) for r in (False, True)}

    def run(self, state, n, TOL, BIG, rec):
        return self._run[rec is not None](*state, n, TOL, BIG, rec)

    def error(self, steps, zt, J2t, T):
        """Absolute bounds (on z̃, each J̃², T) after ``steps`` steps: (steps + 1)·δ, δ = 2·K·M²·2^−p.

        K: the program's operations, each rounding by at most 2^−p, amplified by at most M² per step,
        M = max(2, |ω_i|, |Ẽ|) (module docstring); one more δ for rounding the initial state. The
        planar path recovers J̃(ω_i)² from (z̃, T) by the generated affine map planar_J2t, whose
        coefficients scale the bound.
        """
        M = max([Fraction(2), abs(self.problem.Et), *(abs(w) for w in self.problem.omegas)])
        E = mpmath.ldexp(to_mpf((steps + 1) * 2 * self.program.n_ops * M * M), -self.prec)
        if not self.planar:
            return E, (E,) * len(J2t), len(J2t) * E
        w1, w2 = (to_mpf(w) for w in self.problem.omegas)
        Et = to_mpf(self.problem.Et)
        base, dz, dT = (D.planar_J2t(z, t, w1, w2, Et) for z, t in ((0, 0), (1, 0), (0, 1)))
        return E, tuple(E * (abs(a - c) + abs(b - c)) for c, a, b in zip(base, dz, dT)), E

    def units(self, x: Fraction):
        return _INT(to_fixed(x, self.prec))

    def zT(self, state):
        return state[0], (state[1] if self.planar else sum(state[1:]))

    def final(self, state):
        """(z̃, (J̃(ω_i)²), T) as mpf at the caller's working precision."""
        zt = from_fixed(state[0], self.prec)
        if self.planar:
            T = from_fixed(state[1], self.prec)
            w1, w2 = (to_mpf(w) for w in self.problem.omegas)
            Et = to_mpf(self.problem.Et)
            J2 = tuple(D.planar_J2t(zt, T, w1, w2, Et))
        else:
            J2 = tuple(from_fixed(j, self.prec) for j in state[1:])
            T = mpmath.fsum(J2)
        return zt, J2, T


class _MpEngine:
    """The (z̃, J̃(ω_i)²) map in mpmath floating point, any P."""

    name = "mpmath"

    def __init__(self, problem: Problem, prec: int):
        self.prec, self.problem = prec, problem
        with mpmath.workprec(prec):
            self.w = tuple(to_mpf(w) for w in problem.omegas)
            self.state0 = (to_mpf(problem.zt0),) + tuple(to_mpf(j) for j in problem.J2t)

    def run(self, state, n, TOL, BIG, rec):
        w, zt_next, J_next = self.w, D.gd_zt_next, D.gd_J2t_next
        zt, J = state[0], state[1:]
        with mpmath.workprec(self.prec):
            for k in range(n):
                if not mpmath.isfinite(zt) or not -BIG < zt < BIG:
                    return (zt,) + J, k, 2
                if -TOL < zt < TOL:
                    return (zt,) + J, k, 1
                if rec is not None:
                    rec((zt,) + J)
                T = mpmath.fsum(J)
                S = mpmath.fsum(wi * j for wi, j in zip(w, J))
                zt, J = zt_next(zt, T, S), tuple(J_next(zt, wi, j) for wi, j in zip(w, J))
        return (zt,) + J, n, 0

    def units(self, x: Fraction):
        with mpmath.workprec(self.prec):
            return to_mpf(x)

    def zT(self, state):
        with mpmath.workprec(self.prec):
            return state[0], mpmath.fsum(state[1:])

    def final(self, state):
        return state[0], tuple(+j for j in state[1:]), mpmath.fsum(state[1:])

    def error(self, steps, zt, J2t, T):
        """Relative bounds r = (steps + 1)·K·2^−prec, K = 8(P + 1) roundings per step (module docstring)."""
        r = mpmath.ldexp((steps + 1) * 8 * (len(J2t) + 1), -self.prec)
        return r * abs(zt), tuple(r * j for j in J2t), r * T


class _ThetaEngine:
    """The θ-space update θ_i' = θ_i − η z ω_i θ_i (paper §2.1), z = ½ Σ ω_i θ_i² − E."""

    name = "theta"

    def __init__(self, problem: Problem, prec: int):
        if problem.theta0 is None:
            raise InputError("method='theta' needs theta0: build the problem with from_theta (or --E/--theta0), "
                             "or use method='auto'")
        self.prec, self.problem = prec, problem
        with mpmath.workprec(prec):
            self.w = tuple(to_mpf(w) for w in problem.omegas)
            self.E, self.eta = to_mpf(problem.E), to_mpf(problem.eta)
            self.state0 = tuple(to_mpf(t) for t in problem.theta0)

    def _z(self, th):
        return mpmath.fsum(wi * t * t for wi, t in zip(self.w, th)) / 2 - self.E

    def run(self, state, n, TOL, BIG, rec):
        th, w, eta = state, self.w, self.eta
        with mpmath.workprec(self.prec):
            for k in range(n):
                zt = eta * self._z(th)  # the checks are on the rescaled z̃ = ηz
                if not mpmath.isfinite(zt) or not -BIG < zt < BIG:
                    return th, k, 2
                if -TOL < zt < TOL:
                    return th, k, 1
                if rec is not None:
                    rec(th)
                th = tuple(t - zt * wi * t for wi, t in zip(w, th))
        return th, n, 0

    def units(self, x: Fraction):
        with mpmath.workprec(self.prec):
            return to_mpf(x)

    def zT(self, th):
        with mpmath.workprec(self.prec):
            return self.eta * self._z(th), self.eta * mpmath.fsum((wi * t) ** 2 for wi, t in zip(self.w, th))

    def final(self, th):
        zt, T = self.zT(th)
        J2 = tuple(self.eta * (wi * t) ** 2 for wi, t in zip(self.w, th))
        return zt, J2, T

    def error(self, steps, zt, J2t, T):
        """Relative bounds r = (steps + 1)·K·2^−prec on each J̃² and T (K = 8(P + 1)); z̃ = η(½Σω_iθ_i² − E)
        cancels, so its bound is r times the size of its terms, η(½Σ|ω_i|θ_i² + |E|)."""
        r = mpmath.ldexp((steps + 1) * 8 * (len(J2t) + 1), -self.prec)
        size = mpmath.fsum(j / abs(w) for w, j in zip(self.w, J2t) if w) / 2 + self.eta * abs(self.E)
        return r * size, tuple(r * j for j in J2t), r * T


# ---------------------------------------------------------------------------------------------




def _log2(x: Fraction) -> float:
    x = abs(Fraction(x))
    return math.log2(x.numerator) - math.log2(x.denominator) if x else float("-inf")


def fixed_point_bits(problem: Problem, digits: int, n_steps: int, tolt: Fraction, n_ops: int = 64) -> int:
    """Fraction bits p of the fixed-point path (module docstring): digits, steps, tolerance, scale."""
    p = math.ceil(max(digits * math.log2(10), -_log2(tolt) if tolt > 0 else 0))
    p += math.ceil(math.log2(n_steps + 1))
    consts = [abs(w) for w in problem.omegas] + [abs(problem.Et), Fraction(1)]
    p += math.ceil(math.log2(n_ops) + 2 * _log2(max(consts))) + 1  # exact log2: constants may exceed float
    for x0 in (problem.T0, abs(problem.zt0)):  # absolute precision: keep `digits` relative digits of a
        if 0 < x0 < 1:                         # small initial NTK or residual (z~0 = 1e-60 is not 0)
            p += math.ceil(-_log2(x0))
    return p + 24


def _scale(problem: Problem) -> Fraction:
    return max(Fraction(1), abs(problem.zt0), problem.T0, abs(problem.Et))


def _drive(engine, problem: Problem, tolt: Fraction, max_steps: int, steps: int | None, record: bool):
    """Common loop: chunks of steps with the stop rules; returns (state, steps, status, records)."""
    big = engine.units(divergence_bound(problem.zt0, problem.T0, problem.Et))
    TOL = engine.units(tolt) if steps is None else -1
    p2tol = engine.units(_scale(problem) * Fraction(1, 10 ** max(8, engine_digits(engine) // 2)))
    p2min = engine.units(max(tolt, Fraction(1, 10**8)) * 1000)
    budget = steps if steps is not None else max_steps
    recs = [] if record else None
    state, done, hits = engine.state0, 0, 0
    prev = None
    leaving = False  # |z~| < tol but growing: run on (without the tol check) until it has left the line
    while True:
        n = min(_CHUNK, budget - done)
        state, k, flag = engine.run(state, n, -1 if leaving else TOL, big, None if recs is None else recs.append)
        done += k
        if flag == 2:
            return state, done, GDStatus.DIVERGED, recs
        if flag == 1:
            status = _at_tolerance(engine, state, big, done)
            if status is not None:
                return state, done, status, recs
            leaving = True
            continue
        z, T = engine.zT(state)
        if leaving and abs(z) >= TOL:
            leaving = False
        if not -big < T < big:
            return state, done, GDStatus.DIVERGED, recs
        if done >= budget:
            if leaving:
                return state, done, GDStatus.UNSTABLE_FIXED_POINT, recs
            return state, done, (GDStatus.STEPS_DONE if steps is not None else GDStatus.MAX_STEPS), recs
        if steps is None and prev is not None and abs(z) > p2min and \
                abs(z - prev[0]) < p2tol and abs(T - prev[1]) < p2tol:
            hits += 1
            if hits >= _P2_HITS:
                return state, done, GDStatus.PERIOD2, recs
        else:
            hits = 0
        prev = (z, T)


def _at_tolerance(engine, state, big, done):
    """|z̃| fell below tol: CONVERGED if one more step shrinks it (the residual alone decides). A state
    on the line z̃ = 0, exactly or within the engine's error bound of z̃ (the θ engine computes z̃ with
    cancellation), is classed by its transverse multiplier 1 − T instead: CONVERGED if it attracts
    (0 < T < 2), else an UNSTABLE_FIXED_POINT. None if z̃ ≠ 0 is growing (leaving the line)."""
    with mpmath.workprec(engine.prec):
        zt, J2t, T = engine.final(state)
        noise = engine.error(done, zt, J2t, T)[0]
        if abs(zt) <= noise:
            return GDStatus.CONVERGED if 0 < T < 2 else GDStatus.UNSTABLE_FIXED_POINT
    z, _ = engine.zT(state)
    nxt, _, _ = engine.run(state, 1, -1, big, None)
    z1, _ = engine.zT(nxt)
    return GDStatus.CONVERGED if abs(z1) < abs(z) else None


def engine_digits(engine) -> int:
    return digits_of_bits(engine.prec)


def _make_engine(problem: Problem, method: str, digits: int, budget: int, tolt: Fraction):
    if method in ("auto", "fixed-point"):
        planar = problem.planar is not None
        prec = fixed_point_bits(problem, digits, budget, tolt)
        return _FixedEngine(problem, prec, planar)
    # the same rounding-growth allowance as the fixed path: log₂ of the step budget
    prec = bits_for_digits(digits, extra=math.ceil(math.log2(budget + 1)))
    if method == "mpmath":
        return _MpEngine(problem, prec)
    return _ThetaEngine(problem, prec)


def _run_once(problem, dps, tolt, max_steps, steps, record, method) -> GDResult:
    budget = steps if steps is not None else max_steps
    engine = _make_engine(problem, method, dps, budget, tolt)
    state, done, status, recs = _drive(engine, problem, tolt, max_steps, steps, record)
    with mpmath.workprec(max(engine.prec, bits_for_digits(dps))):
        eta = to_mpf(problem.eta)
        zt, J2t, T = engine.final(state)
        ez, eJ, eT = engine.error(done, zt, J2t, T)
        limit = _limit_error(problem, status, zt, J2t, T)
    with mpmath.workdps(dps):
        # the values are rounded to dps digits: half an ulp more in each bound
        ulp = mpmath.ldexp(1, 1 - mpmath.mp.prec)
        J2 = tuple(+(j / eta) for j in J2t)
        vals = {"z": +(zt / eta), "J2": J2, "ntk": +(T / eta), "eta_ntk": +T}
        errs = {"z": ez / eta, "J2": tuple(e / eta for e in eJ), "ntk": eT / eta, "eta_ntk": eT}
        error = {q: (tuple(e + abs(v) * ulp for v, e in zip(vals[q], errs[q])) if q == "J2"
                     else errs[q] + abs(vals[q]) * ulp) for q in QUANTITIES}
        traj = None
        if recs is not None:
            recs.append(state)
            ets, zs = [], []
            with mpmath.workprec(max(engine.prec, mpmath.mp.prec)):
                for s in recs:
                    z_s, T_s = engine.zT(s)
                    if not isinstance(z_s, mpmath.mpf):  # fixed-point ints (int or mpz)
                        z_s, T_s = from_fixed(z_s, engine.prec), from_fixed(T_s, engine.prec)
                    ets.append(T_s)
                    zs.append(z_s)
            traj = (tuple(+t for t in ets), tuple(z / eta for z in zs))
        return GDResult(**vals, steps=done, status=status, dps=dps, agreed_digits=None, trajectory=traj,
                        method=engine.name, work_bits=engine.prec, tol=to_mpf(tolt) / eta, error=error,
                        limit_error=limit)


def _limit_error(problem, status, zt, J2t, T):
    """Estimated |ηλ_t − ηλ_∞| of a converged run (derived here; an estimate, not a bound).

    Near the fixed line T' − T = −2z̃S̃ + z̃²Σω_i²J̃(ω_i)² and z̃ shrinks by q = |1 − T| per step,
    so the remaining change of T is about (2|z̃||S̃| + z̃²Σω_i²J̃²)/(1 − q); twice that is returned
    (a margin for the higher-order terms). None unless the run converged with q < 1.
    """
    if status is not GDStatus.CONVERGED:
        return None
    q = abs(1 - T)
    if not q < 1:
        return None
    w = [to_mpf(x) for x in problem.omegas]
    S = mpmath.fsum(wi * j for wi, j in zip(w, J2t))
    W2 = mpmath.fsum(wi * wi * j for wi, j in zip(w, J2t))
    return 2 * (2 * abs(zt * S) + zt * zt * W2) / (1 - q)


def agreed_digits(x, y, dps: int) -> int:
    """Decimal digits on which x and y agree, relative to |y| (0..dps)."""
    with mpmath.workdps(2 * dps + 10):
        d = abs(mpmath.mpf(x) - mpmath.mpf(y))
        if d == 0:
            return dps
        scale = max(abs(mpmath.mpf(y)), mpmath.mpf(10) ** (-dps))
        return int(max(0, min(dps, math.floor(-mpmath.log10(d / scale)))))


def _checked(res: GDResult, ref: GDResult) -> GDResult:
    """``res`` with the agreement with the rerun ``ref`` at 2·dps: per quantity, the agreeing digits,
    and the error bound raised to |res − ref| + ref's own bound where that is larger."""
    dps = res.dps
    with mpmath.workdps(2 * dps + 10):
        def pair(x, y, ex, ey):
            return agreed_digits(x, y, dps), max(ex, abs(mpmath.mpf(x) - mpmath.mpf(y)) + ey)

        agreed, error = {}, {}
        for q in QUANTITIES:
            if q == "J2":
                out = [pair(x, y, ex, ey) for x, y, ex, ey in zip(res.J2, ref.J2, res.error[q], ref.error[q])]
                agreed[q], error[q] = tuple(a for a, _ in out), tuple(e for _, e in out)
            else:
                agreed[q], error[q] = pair(getattr(res, q), getattr(ref, q), res.error[q], ref.error[q])
    if ref.steps != res.steps:  # the rerun diverged earlier: it vouches for nothing
        agreed = {q: ((0,) * len(res.J2) if q == "J2" else 0) for q in QUANTITIES}
    return dataclasses.replace(res, agreed_digits=agreed["eta_ntk"], agreed=agreed, error=error)


def run_gd(problem: Problem, *, dps=DEFAULT_DPS, tol=None, max_steps=100_000, steps=None, record=False,
           check_digits=False, method="auto") -> GDResult:
    """Run GD on ``problem`` at ``dps`` decimal digits until a stop rule fires (module docstring).

    tol: tolerance on |z| (unscaled; default 10^(5−dps)·max(1, |z₀|) on z̃ = ηz, divided
    by η). steps: run exactly this many steps instead (no tolerance, no period-2 stop).
    record: keep (ηλ_t, z_t). check_digits: rerun the same number of steps at 2·dps and report
    the agreeing digits of every value (``agreed``; ``agreed_digits`` is that of ηλ), the error bounds
    raised to the disagreement (module docstring). method: "auto" (fixed-point),
    "fixed-point", "mpmath" or "theta". mpmath's global precision is never changed.
    """
    if not isinstance(problem, Problem):
        raise InputError(f"problem={problem!r}: expected a numerics.Problem; build one with from_theta or from_state")
    dps = _check_dps(dps)
    max_steps = positive_int("max_steps", max_steps, maximum=_MAX_STEPS_LIMIT)
    if steps is not None:
        steps = positive_int("steps", steps, maximum=_MAX_STEPS_LIMIT)
    if method not in METHODS:
        raise InputError(f"method={method!r}: expected one of {', '.join(METHODS)}; pass e.g. method='auto'")

    def tolt_for(d):
        if tol is not None:
            return positive("tol", tol) * problem.eta
        return Fraction(1, 10 ** (d - 5)) * max(Fraction(1), abs(problem.zt0))

    res = _run_once(problem, dps, tolt_for(dps), max_steps, steps, record, method)
    if check_digits:  # the same number of steps at 2·dps: the agreement is about the state at the stopping step
        res = _checked(res, _run_once(problem, 2 * dps, tolt_for(dps), max_steps, res.steps, False, method))
    return res
