"""High-precision gradient descent on the second-order regression model.

Paper §2.1: θ_{t+1} = θ_t − η z_t Q θ_t with z(θ) = ½ θᵀQθ − E. In the
eigenbasis of Q (eigenvalues ω_i) the mode Jacobians J(ω_i) = ω_i θ_i and the
residual z follow an exact map (derived here, generated as ``gd_*`` in
``numerics._derived``); in the η-rescaled variables z̃ = ηz, J̃(ω_i)² = ηJ(ω_i)²,
T = Σ J̃(ω_i)² = ηλ, S = Σ ω_i J̃(ω_i)²:

    z̃' = z̃(1 − T) + ½ z̃² S,      J̃(ω_i)²' = (1 − z̃ ω_i)² J̃(ω_i)².

For P = 2 (ω₁ω₂ ≠ 0, ω₁ ≠ ω₂) the invariant Σ J(ω_i)²/ω_i − 2z = 2E reduces it to
the 2-D map of (z̃, T) (docs/theory.md §4, derived here; generated as ``planar_*``).

Three engines (``method``), one driver (:func:`run_gd`); the engines and the bit budget of the
fixed-point one are in :mod:`numerics.engines.gd_engines`, the result record in
:mod:`numerics.engines.gd_result`:

- ``"fixed-point"`` (``"auto"``): the generated map as exact integer fixed-point code;
- ``"mpmath"``: the (z̃, J̃(ω_i)²) map in mpmath floating point, any P;
- ``"theta"``: the θ-space update itself (paper §2.1), from ``problem.theta0``.

Printed digits (docs/theory.md §8)
----------------------------------
Each engine states its error bound at the stopping step (``GDResult.error``): absolute for fixed
point, (N + 1)·2K·M²·2^−p; for mpmath and θ at least (N + 1)·8(P + 1)·2^−prec relative (θ's z̃ is a
cancellation, so its bound is relative to the size of its terms), raised in every run to the bound carried
along the run's orbit, since a step whose result cancels breaks a relative bound. ``check_digits`` reruns the same
number of steps at 2·dps and raises each bound to |x − x_ref| + bound_ref where that is larger, bound_ref
the rerun's bound carried along its own orbit (:func:`numerics.engines.gd_engines.propagated_error`: the
rerun loses digits at the orbit's rate too, which its a-priori bound ignores; the orbit is kept as float64
rows, 8·(P + 1) bytes a step, unless ``record`` asks for the states);
:meth:`GDResult.shown` prints each value (z, each J², λ, ηλ) only to the digits its bound and the
agreement both vouch for. ``limit_error`` separately estimates |ηλ_t − ηλ_∞| of a converged run.
A run that comes within the tolerance of the repelling half of the line z̃ = 0 and leaves it multiplies its
errors by about |1 − T| a step, as z̃ grows, which the fixed-point engine's a-priori bound ignores: where z̃ is
known there to fewer than the b bits of the requested digits, the run is redone with the bits it lacks (below),
so that the relative error of z̃ stays near 2^−b, and the rerun carries its bound along its orbit in every engine.
Elsewhere the fixed-point bound is a-priori: an orbit that expands errors away from the line (chaos, or a pass
above the tolerance) breaks it, and only ``check_digits`` sees that.

Stopping, checked before every step t (the state after t steps; the step count is t):
|z̃| or T above numerics.status.divergence_bound (2^30·max(1, |z̃₀|, T₀, |Ẽ|)), or non-finite → DIVERGED
(first, as in every engine); |z| < tol (default: |z̃| < 10^(5 − dps)·max(1, |z̃₀|)): PERIOD2 if the exact orbit
repeats there (below), else CONVERGED if shrinking over one
more step by more than that step's rounding → CONVERGED (the residual alone decides; a state on the line
z̃ = 0, or whose next |z̃| is within the rounding of this one, is classed by 1 − T: CONVERGED if it attracts,
0 < T < 2, else UNSTABLE_FIXED_POINT; a z̃ ≠ 0 below tol that grows is run on until it leaves the line,
and is an UNSTABLE_FIXED_POINT if the budget ends first). Within rounding of the repelling line the exact
orbit decides, the same for every engine (each rounds differently: the fixed-point engine absolutely, with
bits from the step budget, mpmath relatively): where it is off the line by d ≥ 2^−2b·scale (b the bits of dps;
d = |z̃|·min(1, T − 2)), the run is redone with the bits that resolve d to b bits, so every engine follows the
orbit off the line with z̃ known to b bits (an engine leaves the line on its own with 8 bits, and is redone with
the b − 8 or fewer it lacks); exactly on it, closer, or beyond the exact rationals' reach (2¹⁶ bits, a few
steps): an UNSTABLE_FIXED_POINT in every engine (``_finer``). An orbit that comes near the repelling line
after more steps than that is classed by each engine's own rounding, where engines of different precision may differ;
T = 0 exactly (every J̃(ω_i)² = 0) with z̃ ≠ 0, before the first step and at every check (every 64 steps, or
where |z̃| falls below tol) → NO_GRADIENT (nothing moves: a fixed point off the line, neither converged nor
period 2);
at the end of every 64 steps (an even number), |z̃ − z̃₋₂|, |T − T₋₂| (the state two steps before) and
|z̃ − z̃₋₆₄|, |T − T₋₆₄| (the check before: no drift) below 10^−max(8, ⌊d/2⌋)·max(1, |z̃₀|, T₀, |Ẽ|)
(d the engine's working digits) with |z̃| > 1000·max(tol̃, 10⁻⁸), three checks in a row → PERIOD2 (a
period-4 orbit is not one). Below that floor (a slow approach to the line looks the same: z̃ = 6·10⁻⁶ at
ηλ = 2·10⁻³⁰) a check counts only where the exact orbit (rationals, :mod:`numerics.engines.gd_exact`)
repeats, its state of two steps later equal to this one with z̃ ≠ 0; likewise at |z̃| < tol where two
engine steps come back within |z̃|/2; such an orbit is periodic, so PERIOD2 whatever |z̃| is. Otherwise
NO_GRADIENT when T itself is below that tolerance (the modes die out,
J̃(ω_i)² → 0, and z̃ stalls at z̃_∞ ≠ 0: GD tends to θ = 0, where the gradient vanishes; the fixed-point
engine may reach T = 0 exactly there); the step budget → MAX_STEPS; ``steps=K`` → exactly K steps
(STEPS_DONE) unless the orbit diverges first, or comes within rounding of the repelling line where the
exact orbit does not resolve it (UNSTABLE_FIXED_POINT at that step, as without ``steps``: no bound holds
past it; where the exact state is on the line, a fixed point, its state is that of step K: STEPS_DONE); a
residual below the tolerance stops nothing else. These are statuses, never exceptions.
"""
from __future__ import annotations

import dataclasses
from array import array
from fractions import Fraction

import mpmath
import numpy as np

from ..compile.fixedpoint import from_fixed
from ..precision import bits_for_digits, to_mpf
from ..problem import Problem
from ..validate import DEFAULT_DPS, InputError, dps as _check_dps, positive, positive_int
from ..status import divergence_bound
from .gd_engines import engine_digits, fixed_point_bits, make_engine, propagated_error, row
from .gd_exact import exact_period2, exact_zT
from .gd_result import QUANTITIES, GDResult, GDStatus, agreed_digits

__all__ = ["GDStatus", "GDResult", "run_gd", "METHODS", "QUANTITIES", "fixed_point_bits", "agreed_digits"]

METHODS = ("auto", "fixed-point", "mpmath", "theta")
_CHUNK = 64  # steps between period-2 checks
_P2_HITS = 3
_MAX_STEPS_LIMIT = 10**9


def _scale(problem: Problem) -> Fraction:
    return max(Fraction(1), abs(problem.zt0), problem.T0, abs(problem.Et))


class Orbit:
    """A run's states, one per step, for :func:`~numerics.engines.gd_engines.propagated_error`. With ``keep`` every state is kept (the
    trajectory was asked for); otherwise only the float64 rows that function reads: 8·(P + 1) bytes a step,
    where the engines' states (mpf, or integers of a few hundred bits) take hundreds."""

    def __init__(self, engine, keep: bool = False):
        self.engine, self.states, self.data = engine, [] if keep else None, array("d")
        self.dim = len(row(engine, engine.state0))

    def append(self, state) -> None:
        if self.states is None:
            self.data.extend(row(self.engine, state))
        else:
            self.states.append(state)

    def plus(self, state) -> "Orbit":
        """A copy with ``state`` appended."""
        new = Orbit(self.engine, self.states is not None)
        new.data = array("d", self.data)
        if self.states is not None:
            new.states = [*self.states]
        new.append(state)
        return new

    def rows(self) -> np.ndarray:
        """The states as one (steps, dim) float64 array."""
        if self.states is not None:
            return np.array([row(self.engine, s) for s in self.states], dtype=np.float64).reshape(-1, self.dim)
        return np.frombuffer(self.data, dtype=np.float64).reshape(-1, self.dim)


def _drive(engine, problem: Problem, tolt: Fraction, max_steps: int, steps: int | None, record, bits=None):
    """Common loop: chunks of steps with the stop rules; returns (state, steps, status, records).

    ``record``: True keeps every state, "orbit" only the float64 rows of the carried bound (in an
    :class:`Orbit`, both), False nothing. ``bits``: see :func:`_finer`; the status is then an int, the
    extra bits of the rerun, where the state is within the engine's rounding of the repelling line and the
    exact orbit is not, or z̃ is known to fewer than b bits there. With ``steps`` the tolerance stops nothing:
    a residual below it is run on, unless it is within rounding of the repelling line, where the run stops as a
    max-steps run would, or, where the exact state is on the line (a fixed point), returns that state as the
    state of step K (STEPS_DONE)."""
    big = engine.units(divergence_bound(problem.zt0, problem.T0, problem.Et))
    TOL = engine.units(tolt)
    p2tol = engine.units(_scale(problem) * Fraction(1, 10 ** max(8, engine_digits(engine) // 2)))
    p2min = engine.units(max(tolt, Fraction(1, 10**8)) * 1000)
    budget = steps if steps is not None else max_steps
    recs = Orbit(engine, keep=record is True) if record else None
    state, done, hits = engine.state0, 0, 0
    prev = None
    exact = False  # the exact orbit repeats (gd_exact.exact_period2); None: beyond its reach, not asked again
    leaving = False  # |z~| < tol but growing: run on (without the tol check) until it has left the line
    if steps is None and _no_gradient(*engine.zT(state)):
        return state, done, GDStatus.NO_GRADIENT, recs
    while True:
        n = min(_CHUNK, budget - done)
        tol_now, rec = -1 if leaving else TOL, None if recs is None else recs.append
        mid = None  # (z̃, T) two steps before the end of the chunk, for the period-2 test
        state, k, flag = engine.run(state, n - 2 if n > 2 else n, tol_now, big, rec)
        done += k
        if flag == 0 and n > 2:
            mid = engine.zT(state)
            state, k, flag = engine.run(state, 2, tol_now, big, rec)
            done += k
        if flag == 2:
            return state, done, GDStatus.DIVERGED, recs
        if flag == 1:
            status = _at_tolerance(engine, state, big, done, recs, bits, steps is not None)
            if status is not None:
                return state, budget if status is GDStatus.STEPS_DONE else done, status, recs
            leaving = True
            continue
        z, T = engine.zT(state)
        if steps is None and _no_gradient(z, T):
            return state, done, GDStatus.NO_GRADIENT, recs
        if leaving and abs(z) >= TOL:
            leaving = False
        if done >= budget:
            if leaving and steps is None:
                return state, done, GDStatus.UNSTABLE_FIXED_POINT, recs
            return state, done, (GDStatus.STEPS_DONE if steps is not None else GDStatus.MAX_STEPS), recs
        near = steps is None and prev is not None and mid is not None and \
            max(abs(z - mid[0]), abs(T - mid[1]), abs(z - prev[0]), abs(T - prev[1])) < p2tol
        if near and exact is not None and (abs(z) <= p2min or T < p2tol):  # too small to tell from a slow approach
            exact = exact_period2(problem, done)
        if near and (abs(z) > p2min or exact):
            hits += 1
            if hits >= _P2_HITS:  # with ηλ itself below the repeat tolerance: a stall at ηλ → 0, not a 2-cycle
                return state, done, (GDStatus.NO_GRADIENT if T < p2tol and not exact else GDStatus.PERIOD2), recs
        else:
            hits = 0
        prev = (z, T)


def _no_gradient(z, T) -> bool:
    """ηλ = 0 (every J̃(ω_i)² = 0; T is a sum of squares) with z̃ ≠ 0: the map keeps z̃ and every mode fixed."""
    return T == 0 and z != 0


def _at_tolerance(engine, state, big, done, recs=None, bits=None, fixed=False):
    """|z̃| fell below tol: PERIOD2 where the exact orbit repeats (two engine steps back within |z̃|/2, then
    :func:`~numerics.engines.gd_exact.exact_period2`), else CONVERGED if one more step shrinks it (the residual alone decides). A state
    on the line z̃ = 0, exactly or within the engine's error bound of z̃ (the θ engine computes z̃ with
    cancellation; a floating-point engine's bound is the one carried along its orbit ``recs``, since the
    step that lands near the line cancels), is classed by its transverse multiplier 1 − T instead: CONVERGED if it attracts
    (0 < T < 2), else an UNSTABLE_FIXED_POINT. So is a step whose change of |z̃| is within the engine's
    one-step rounding (its error bound for 0 steps, at z̃ and at the next z̃): the engine cannot tell
    shrinking from growing there (ηλ = 0 leaves z̃ fixed, and the fixed-point engine's rounding moves it
    by a unit; |1 − T| within that rounding of 1 near ηλ = 2). Where the line attracts (0 < T < 2), None if
    z̃ grows by more than that rounding (it is run on: T may pass 2). Elsewhere None if z̃ ≠ 0 is growing (leaving the line)
    and known to 8 bits (|z̃| above 2⁸ times its bound), so that engines of other precisions leave it alike;
    otherwise, where the exact orbit is off the repelling line, the extra bits of :func:`_finer`.

    A run that leaves the repelling line multiplies its errors as z̃ grows, by about |1 − T| a step: where z̃ is
    known to fewer than ``bits`` bits, b, the bits it lacks (a rerun with them keeps the requested digits). ``fixed``
    (a run of exactly K steps): None wherever the run goes on (the line attracts, or ηλ = 0); a state within
    rounding of the repelling line stops it, as STEPS_DONE where the exact state is on the line (a fixed point:
    the state of step K is this one), else as an UNSTABLE_FIXED_POINT."""
    nxt, _, _ = engine.run(state, 1, -1, big, None)
    with mpmath.workprec(2 * engine.prec):
        zt, J2t, T = engine.final(state)
        if _no_gradient(zt, T):
            return None if fixed else GDStatus.NO_GRADIENT
        if fixed and 0 < T < 2:
            return None
        z2 = engine.final(engine.run(nxt, 1, -1, big, None)[0])[0]  # back within |z̃|/2 after two steps: a repeat?
        if zt != 0 and 2 * abs(z2 - zt) <= abs(zt) and exact_period2(engine.problem, done):
            return None if fixed else GDStatus.PERIOD2
        ez = engine.error(done, zt, J2t, T)[0]
        carried = propagated_error(engine, recs.plus(state).rows()) if engine.carried and recs is not None else None
        bound = ez if carried is None else max(ez, carried[0])
        z1 = engine.final(nxt)[0]
        noise = engine.error(0, zt, J2t, T)[0] + engine.error(0, z1, J2t, T)[0]
        if abs(zt) > bound and abs(z1) + noise < abs(zt):
            return None if fixed else GDStatus.CONVERGED
        growing = abs(zt) > bound and abs(z1) - noise > abs(zt)
        if 0 < T < 2:  # the line attracts here: a z̃ that still grows is run on (it may cross T = 2)
            return None if growing else GDStatus.CONVERGED
        if growing and abs(zt) > 256 * bound:  # leaving the line, z̃ known to 8 bits at least
            short = bits and int(mpmath.ceil(mpmath.log(bound / abs(zt), 2))) + bits  # the bits z̃ lacks of b
            return short if short and short > 0 else None
        extra = _finer(engine.problem, done, max(bound, noise), bits)
        if not extra and fixed and (exact_zT(engine.problem, done) or (1,))[0] == 0:
            return GDStatus.STEPS_DONE  # the exact orbit sits on the line: every later state is this one
        return extra or GDStatus.UNSTABLE_FIXED_POINT


def _finer(problem: Problem, done: int, err, bits):
    """Extra bits for a rerun that sees the exact orbit leave the repelling line, or None (the state stays an
    UNSTABLE_FIXED_POINT within the rounding of the line; derived here).

    At step ``done`` the engine is within its rounding ``err`` of z̃ = 0 where the line does not attract. The
    start is exact, so the exact state there decides, the same for every engine: where it has T > 2 and
    d = |z̃|·min(1, T − 2) ≥ 2^−2b·scale (b = ``bits``, those of the requested digits; d is z̃'s distance from
    the line, or its one-step growth (T − 2)|z̃| when that is smaller), a rerun with ⌈log₂(err/d)⌉ + b more
    bits (bounds scale as 2^−prec) puts its rounding 2^−b below d: the orbit leaves the line with z̃ known to
    b bits, and an error there grows as z̃ does, so the state at the end keeps about the requested digits. Where
    z̃ = 0 exactly, d < 2^−2b·scale, T ≤ 2 or the exact orbit is too long to follow (:func:`~numerics.engines.gd_exact.exact_zT`), None."""
    exact = None if bits is None or not err else exact_zT(problem, done)
    if exact is None or exact[1] <= 2:
        return None
    d = abs(exact[0]) * min(1, exact[1] - 2)
    if d < _scale(problem) / 2 ** (2 * bits):
        return None
    return max(1, int(mpmath.ceil(mpmath.log(err / to_mpf(d), 2)))) + bits


def _run_once(problem, dps, tolt, max_steps, steps, record, method, along=False, extra=0):
    """One run and its ``extra`` bits; ``along``: each bound is at least the one carried along the run's own orbit
    (:func:`numerics.engines.gd_engines.propagated_error`), as the rerun of ``check_digits`` needs, and as
    every run of an engine whose a-priori bound is relative needs (``carried``: a cancelling step breaks
    it); the a-priori bound alone where the orbit leaves the float64 range. Rerun with more bits where the
    state is within rounding of the repelling line and the exact orbit is not (:func:`_finer`), or z̃ is known
    to fewer than the bits of ``dps`` there (:func:`_at_tolerance`), twice at most; a rerun carries its bound."""
    budget = steps if steps is not None else max_steps
    for rerun in range(3):
        engine = make_engine(problem, method, dps, budget, tolt, extra)
        along = along or engine.carried
        state, done, status, recs = _drive(engine, problem, tolt, max_steps, steps, True if record else
                                           along and "orbit", bits_for_digits(dps) if rerun < 2 else None)
        if isinstance(status, GDStatus):
            break
        along, extra = True, extra + status  # a run that left the line: its bound is carried
    if recs is not None:
        recs.append(state)
    with mpmath.workprec(max(engine.prec, bits_for_digits(dps))):
        eta = to_mpf(problem.eta)
        zt, J2t, T = engine.final(state)
        ez, eJ, eT = engine.error(done, zt, J2t, T)
        carried = propagated_error(engine, recs.rows()) if along else None
        if carried is not None:
            pz, pJ, pT = carried
            ez, eJ, eT = max(ez, pz), tuple(map(max, eJ, pJ)), max(eT, pT)
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
        if record:
            ets, zs = [], []
            with mpmath.workprec(max(engine.prec, mpmath.mp.prec)):
                for s in recs.states + [state] * (done + 1 - len(recs.states)):  # a fixed point ends it early
                    z_s, T_s = engine.zT(s)
                    if not isinstance(z_s, mpmath.mpf):  # fixed-point ints (int or mpz)
                        z_s, T_s = from_fixed(z_s, engine.prec), from_fixed(T_s, engine.prec)
                    ets.append(T_s)
                    zs.append(z_s)
            traj = (tuple(+t for t in ets), tuple(z / eta for z in zs))
        return GDResult(**vals, steps=done, status=status, dps=dps, agreed_digits=None, trajectory=traj,
                        method=engine.name, work_bits=engine.prec, tol=to_mpf(tolt) / eta, error=error,
                        limit_error=limit), extra


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
        raise InputError(f"method={method!r}: expected one of {', '.join(METHODS)}; pass e.g. method='auto'",
                         arg="method")

    def tolt_for(d):
        if tol is not None:
            return positive("tol", tol) * problem.eta
        return Fraction(1, 10 ** (d - 5)) * max(Fraction(1), abs(problem.zt0))

    res, extra = _run_once(problem, dps, tolt_for(dps), max_steps, steps, record, method)
    if check_digits:  # the same number of steps at 2·dps (and twice the extra bits): the state at the stopping step
        ref, _ = _run_once(problem, 2 * dps, tolt_for(dps), max_steps, res.steps, False, method, True, 2 * extra)
        res = _checked(res, ref)
    return res
