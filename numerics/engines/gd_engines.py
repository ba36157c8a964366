"""The three steppers of high-precision GD and the bit budget of the fixed-point one.

Each engine runs the map of :mod:`numerics.engines.gd_mp` up to n steps with per-step checks and
returns (state, k, flag) — flag 0: n steps done; 1: |z̃| < TOL before step k; 2: the divergence rule of
:mod:`numerics.status` (|z̃| > BIG or T > BIG, or a value not finite) before step k, checked first — and
states its own error bound (``error``; docs/theory.md §8):

- :class:`FixedPointEngine`: the generated map compiled into exact integer fixed-point code
  (:func:`numerics.compile.fixedpoint.compile_horner`), on the 2-D (z̃, T) map when P = 2 allows it
  (``planar_*``), else on the (z̃, J̃(ω_i)²) map for any P;
- :class:`MpEngine`: the (z̃, J̃(ω_i)²) map in mpmath floating point, any P;
- :class:`ThetaEngine`: the θ-space update itself (paper §2.1), from ``problem.theta0``.

Bit budget of the fixed-point path
----------------------------------
A value v is the int ⌊v·2^p⌋. Each of the K operations of the compiled step rounds by less than
2^−p, and a rounding is multiplied by at most M² on its way to the step's outputs, M = max(2, |ω_i|,
|Ẽ|) bounding the constants and the state values it meets, so one step adds an absolute error of at
most δ = 2K·M²·2^−p (docs/theory.md §8; ``FixedPointEngine._delta``). The error after N steps is
Σ_t ‖DF^{N−t}‖·δ. On the attracting half of the fixed line z̃ = 0 (0 < T < 2) the map contracts z̃
by |1 − T| and is neutral in T, so the errors add: ≤ (N + 1)·δ (one δ rounds the start). Near the
edge of stability the two-step map is close to a neutral centre (docs/theory.md §5), where the
same linear growth holds over the oscillation; this is a heuristic, not a proof. The budget puts
(N + 1)·δ 24 bits below the last digit (or the tolerance):

    p = ⌈max(digits·log₂10, −log₂ tol̃)⌉ + ⌈log₂(N + 1)⌉ + ⌈log₂(2K·M₁²)⌉ + 24
        (+ ⌈−log₂ x₀⌉ for T₀ and for |z̃₀| when in (0, 1): a small initial scale),

with N the step budget and tol̃ the stopping tolerance on z̃. The budget is fixed before the map is
compiled, so it takes K = 64 and M₁ = max(1, |ω_i|, |Ẽ|), the constants alone: where every constant
is below 2 (δ's M is then 2) up to 2 of the 24 bits go to M, and for P > 8 modes, whose step has
about 8P operations, log₂(8P/64) bits go to K. Chaotic or expanding orbits lose digits at their
Lyapunov rate and no budget fixed in advance covers that: the rerun at doubled precision
(``check_digits=True`` of ``run_gd``) reports the digits that really agree, for every engine. The
mpmath and θ engines work at ⌈digits·log₂10⌉ + ⌈log₂(N + 1)⌉ + 16 bits (the same step allowance,
fewer guard bits).
"""
from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np

from .. import _derived as D
from ..compile.fixedpoint import compile_horner, compile_runner, from_fixed, to_fixed
from ..precision import bits_for_digits, digits_of_bits, to_mpf
from ..problem import Problem
from ..validate import InputError

from gmpy2 import mpz as _INT  # a dependency: its mpz multiplies and shifts ~20 % faster than int at a few hundred bits

__all__ = ["FixedPointEngine", "MpEngine", "ThetaEngine", "make_engine", "engine_digits", "fixed_point_bits",
           "propagated_error"]


class FixedPointEngine:
    """The generated map as fixed-point integer code (module docstring)."""

    name = "fixed-point"
    carried = False  # absolute: a cancelling step keeps it; an expanding orbit breaks it (the rerun checks)

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
                return mode_step(w, zt, J)
            names = ("zt",) + tuple(f"J{k}" for k in range(len(w)))
            self.state0 = (to_fixed(problem.zt0, prec),) + tuple(to_fixed(j, prec) for j in problem.J2t)
        self.program = compile_horner(fn, len(names), prec, names)
        self.state0 = tuple(_INT(v) for v in self.state0)
        T = names[1] if planar else "(" + " + ".join(names[1:]) + ")"
        self._run = {r: compile_runner(self.program, "zt", record=r, integer=_INT, t_expr=T) for r in (False, True)}

    def run(self, state, n, TOL, BIG, rec):
        return self._run[rec is not None](*state, n, TOL, BIG, rec)

    def _delta(self) -> Fraction:
        """δ·2^p = 2·K·M²: K operations, each rounding by at most 2^−p, amplified by at most M² per step,
        M = max(2, |ω_i|, |Ẽ|) (module docstring)."""
        M = max([Fraction(2), abs(self.problem.Et), *(abs(w) for w in self.problem.omegas)])
        return 2 * self.program.n_ops * M * M

    def error(self, steps, zt, J2t, T):
        """Absolute bounds (on z̃, each J̃², T) after ``steps`` steps: (steps + 1)·δ (``_delta``); one more δ
        for rounding the initial state. The planar path recovers J̃(ω_i)² from (z̃, T) by the generated
        affine map planar_J2t, whose coefficients scale the bound.
        """
        E = mpmath.ldexp(to_mpf((steps + 1) * self._delta()), -self.prec)
        if not self.planar:
            return E, (E,) * len(J2t), len(J2t) * E
        w1, w2 = (to_mpf(w) for w in self.problem.omegas)
        Et = to_mpf(self.problem.Et)
        base, dz, dT = (D.planar_J2t(z, t, w1, w2, Et) for z, t in ((0, 0), (1, 0), (0, 1)))
        return E, tuple(E * (abs(a - c) + abs(b - c)) for c, a, b in zip(base, dz, dT)), E

    def step_error(self, X):
        """One step's rounding, in units of 2^−p, at the states X (rows of coordinates): δ everywhere."""
        return np.full(X.shape, float(to_mpf(self._delta())))

    def units(self, x: Fraction):
        return _INT(to_fixed(x, self.prec))

    def zT(self, state):
        return state[0], sum(state[1:])  # planar: state[1:] is (T,)

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


class MpEngine:
    """The (z̃, J̃(ω_i)²) map in mpmath floating point, any P."""

    name = "mpmath"
    carried = True  # its bound is carried along the orbit in every run (``error``)

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
                T = mpmath.fsum(J)
                if not (mpmath.isfinite(zt) and mpmath.isfinite(T)) or abs(zt) > BIG or T > BIG:
                    return (zt,) + J, k, 2
                if -TOL < zt < TOL:
                    return (zt,) + J, k, 1
                if rec is not None:
                    rec((zt,) + J)
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
        """A-priori relative bounds r = (steps + 1)·K·2^−prec, K = 8(P + 1) roundings per step (docs/theory.md
        §8). They hold only while no step cancels: z̃ = 1, J̃² = 2 − 10⁻⁴⁰ (ω = 1) gives z̃' = 5·10⁻⁴¹ from
        terms of size 1, which this engine computes as 9.2·10⁻⁴¹ at 30 digits. So every run
        raises them to the bound carried along its orbit (:func:`propagated_error`, ``step_error``)."""
        r = mpmath.ldexp((steps + 1) * _K(len(J2t)), -self.prec)
        return r * abs(zt), tuple(r * j for j in J2t), r * T

    def step_error(self, X):
        """One step's rounding, in units of 2^−prec, at the states X (rows (z̃, J̃(ω_i)²), float64): K
        roundings (``error``), each at most 2^−prec of the absolute sum of the value's terms, not of the
        value, which may cancel. z̃' = z̃(2 − 2T + Sz̃)/2 has terms of size |z̃|(1 + T + ½|z̃|Σ|ω_i|J̃_i²)."""
        z, w = np.abs(X[:, 0]), _abs(self.problem.omegas)
        return _step_terms(X, w, z * (1 + X[:, 1:].sum(1) + z * (X[:, 1:] @ w) / 2))


class ThetaEngine:
    """The θ-space update θ_i' = θ_i − η z ω_i θ_i (paper §2.1), z = ½ Σ ω_i θ_i² − E."""

    name = "theta"
    carried = True  # as MpEngine's, its relative bound on the modes fails where 1 − z̃ω_i cancels

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
                zt, T = self.zT(th)  # the checks are on the rescaled z̃ = ηz and T = ηλ
                if not (mpmath.isfinite(zt) and mpmath.isfinite(T)) or abs(zt) > BIG or T > BIG:
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
        """A-priori relative bounds r = (steps + 1)·K·2^−prec on each J̃² and T (K = 8(P + 1)); z̃ = η(½Σω_iθ_i² − E)
        cancels, so its bound is r times the size of its terms, η(½Σ|ω_i|θ_i² + |E|). Raised in every run to
        the bound carried along the orbit, as MpEngine's."""
        r = mpmath.ldexp((steps + 1) * _K(len(J2t)), -self.prec)
        size = mpmath.fsum(j / abs(w) for w, j in zip(self.w, J2t) if w) / 2 + self.eta * abs(self.E)
        return r * size, tuple(r * j for j in J2t), r * T

    def step_error(self, X):
        """One step's rounding, in units of 2^−prec, at the states X (rows (z̃, J̃(ω_i)²)): z̃ computed from θ
        (``error``'s size of its terms) and θ_i' = θ_i − z̃ω_iθ_i, whose terms give J̃(ω_i)² the size of
        MpEngine's."""
        w = _abs(self.problem.omegas)
        inv = np.divide(1.0, w, out=np.zeros_like(w), where=w != 0)
        return _step_terms(X, w, X[:, 1:] @ inv / 2 + float(self.eta * abs(self.E)))


def _K(P: int) -> int:
    """Roundings allowed per step of the floating-point engines: 8(P + 1), more than the 5 on any path
    of the step's operations (S = Σω_iJ̃_i²: a product and the sum; then S·z̃, the sum, the product)."""
    return 8 * (P + 1)


def _abs(w) -> np.ndarray:
    """|ω_i| as float64 (inf beyond its range)."""
    return np.array([float(to_mpf(abs(x))) for x in w])


def _step_terms(X, w, z_size):
    """K times the size of the terms of each value of one step at the states X (rows (z̃, J̃(ω_i)²)), w the
    |ω_i| (``_abs``): ``z_size`` for z̃, and for J̃_i²' = J̃_i²(ω_i z̃ − 1)² the size J̃_i²(1 + |ω_i z̃|)²."""
    J = X[:, 1:] * (1 + np.outer(np.abs(X[:, 0]), w)) ** 2
    return _K(len(w)) * np.column_stack([z_size, J])


def _log2(x: Fraction) -> float:
    """log₂|x| of a non-zero rational, from its numerator and denominator (each may exceed float64)."""
    x = abs(Fraction(x))
    return math.log2(x.numerator) - math.log2(x.denominator)


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


def row(engine, state) -> list[float]:
    """The coordinates of ``state`` that :func:`propagated_error` differentiates, as float64 (±inf beyond
    float64): the fixed-point engine's integers v·2^−p (int division rounds correctly at any size), else
    z̃ and the J̃(ω_i)²."""
    if isinstance(engine, FixedPointEngine):
        one = 1 << engine.prec
        try:
            return [int(v) / one for v in state]
        except OverflowError:
            return [math.inf] * len(state)
    with mpmath.workprec(64):
        zt, J2t, _ = engine.final(state)
        return [float(v) for v in (zt, *J2t)]


def propagated_error(engine, states):
    """Bounds (on z̃, each J̃(ω_i)², T) at the last of ``states``, the engine's orbit from its start (one state
    per step; or their float64 rows, :func:`row`), carried along that orbit (docs/theory.md §8; derived here), to first order in the errors:

        e_N ≤ Σ_{t=−1}^{N−1} |C·DF(x_{N−1})⋯DF(x_{t+1})|·δ_t,

    δ_t the rounding of step t → t + 1 (the engine's ``step_error`` at x_t; δ₋₁ = δ₀ rounds the start), DF
    the Jacobian of the map and C the derivatives of the outputs (z̃, J̃(ω_i)², T) by the state. Unlike the
    a-priori (N + 1)·δ, which takes every ‖DF‖ ≤ 1, it holds on an expanding orbit, and δ_t from the size
    of a step's terms holds where the step cancels. DF is the generated ``planar_jacobian`` on the planar
    path (state (z̃, T)), else the generated (z̃, J̃(ω_i)²) step evaluated at complex arguments (complex-step
    derivatives; the θ engine's orbit is the same one in these coordinates). Each output is at most quadratic in
    each coordinate (z̃' = z̃(2 − 2T + Sz̃)/2, J̃_i²' = J̃_i²(1 − ω_iz̃)²), so Im F(x + ih·e_k) = h·∂F/∂x_k exactly
    for any h, and the step is h = 1: h = 2⁻⁶⁴ underflowed the imaginary parts where |z̃| < 2⁻⁹⁵⁸. The products are float64,
    rescaled by powers of two per row (the factor 1 + (N + 1)·dim·2⁻⁵² covers their rounding). None where
    the orbit leaves the float64 range (a state beyond 2³⁰⁰, or a one-step bound beyond float64): there
    only the a-priori bound is left."""
    planar = getattr(engine, "planar", False)
    w = np.array([float(to_mpf(x)) for x in engine.problem.omegas])
    X = states if isinstance(states, np.ndarray) else np.array([row(engine, s) for s in states])
    with mpmath.workprec(64):
        if planar:
            w1, w2 = (to_mpf(x) for x in engine.problem.omegas)
            Et = to_mpf(engine.problem.Et)
            base, dz, dT = (D.planar_J2t(z, t, w1, w2, Et) for z, t in ((0, 0), (1, 0), (0, 1)))
            a, b, Et = (float(x) for x in (w1 + w2, w1 * w2, Et))
            C = np.array([[1.0, 0.0], *([float(p - c), float(q - c)] for c, p, q in zip(base, dz, dT)), [0.0, 1.0]])
        else:
            C = np.vstack([np.eye(len(w) + 1), [0.0] + [1.0] * len(w)])
    with np.errstate(over="ignore", invalid="ignore"):
        ds = engine.step_error(X)
    if not (np.isfinite(ds).all() and np.isfinite(X).all() and np.abs(X).max() < 2.0 ** 300):
        return None  # beyond float64 (only on the way to divergence, or |Ẽ|, |ω_i| beyond 10¹⁵⁰)
    dim, n = C.shape[1], len(X) - 1
    if planar:  # DF at every state: (N + 1, 2, 2)
        jac = np.stack(D.planar_jacobian(X[:, 0], X[:, 1], a, b, Et), axis=-1).reshape(-1, 2, 2)
    else:  # column k: the step at x + i·e_k, whose imaginary part is ∂F/∂x_k exactly (docstring)
        Z = X[:, :, None] + 1j * np.eye(dim)
        z, J = Z[:, 0], Z[:, 1:]
        jac = np.stack(mode_step(w, z, [J[:, i] for i in range(len(w))]), axis=1).imag
    Q, acc, ex = C.copy(), np.zeros(len(C)), np.zeros(len(C), dtype=int)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(n, 0, -1):  # Q = C·DF(x_{N−1})⋯DF(x_t), row i times 2^−ex_i
            acc += np.abs(Q) @ ds[t - 1]
            Q = Q @ jac[t - 1]
            if np.abs(Q).max() > 2.0 ** 512:
                big = np.abs(Q).max(axis=1) > 2.0 ** 512
                Q[big], acc[big], ex[big] = Q[big] * 2.0 ** -512, acc[big] * 2.0 ** -512, ex[big] + 512
        acc += np.abs(Q) @ ds[0]
    if not np.isfinite(acc).all():
        return None
    margin = 1 + mpmath.ldexp((n + 1) * dim, -52)
    e = [mpmath.ldexp(mpmath.mpf(float(v)), int(k) - engine.prec) * margin for v, k in zip(acc, ex)]
    return e[0], tuple(e[1:-1]), e[-1]


def mode_step(w, zt, J) -> tuple:
    """One step of the generated (z̃, J̃(ω_i)²) map: (z̃', J̃(ω_1)²', …) for eigenvalues ``w`` and the J̃(ω_i)² ``J``
    (rationals, fixed-point traces, arrays or complex arrays alike)."""
    T, S = sum(J), sum(wi * j for wi, j in zip(w, J))
    return (D.gd_zt_next(zt, T, S),) + tuple(D.gd_J2t_next(zt, wi, j) for wi, j in zip(w, J))


def engine_digits(engine) -> int:
    """Decimal digits of the engine's working precision."""
    return digits_of_bits(engine.prec)


def make_engine(problem: Problem, method: str, digits: int, budget: int, tolt: Fraction, extra: int = 0):
    """The engine for ``method`` ("auto" is fixed point) at the precision for ``digits`` over ``budget`` steps,
    plus ``extra`` bits (a rerun that must resolve a state near the repelling line, :mod:`numerics.engines.gd_mp`)."""
    if method in ("auto", "fixed-point"):
        # the planar map carries the J̃(ω_i)² only through the invariant: a mode that is exactly 0 would be
        # perturbed by rounding, and grow where (1 − z̃ω_i)² > 1; the mode map keeps it 0
        planar = problem.planar is not None and all(problem.J2t)
        prec = fixed_point_bits(problem, digits, budget, tolt) + extra
        return FixedPointEngine(problem, prec, planar)
    # the same rounding-growth allowance as the fixed path: log₂ of the step budget
    prec = bits_for_digits(digits, extra=math.ceil(math.log2(budget + 1)) + extra)
    if method == "mpmath":
        return MpEngine(problem, prec)
    return ThetaEngine(problem, prec)
