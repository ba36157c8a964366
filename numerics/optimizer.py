"""Optimizers beyond GD: their parsed specification, edge of stability, and a high-precision engine.

The specification and the edge are in :mod:`numerics.optimizer_spec` (re-exported here); this
module holds the engine.

Derived here (docs/theory.md §7; theory.optimizers). Each optimizer is an update rule
for θ, with θ⁻ the previous iterate and ∇L(v) = z(v)Qv:

    gd                  θ⁺ = θ − η∇L(θ)
    sam:rho=R           θ⁺ = θ − η∇L(θ + ρ∇L(θ))            (unnormalized SAM)
    heavy-ball:beta=B   θ⁺ = θ − η∇L(θ) + β(θ − θ⁻)
    nesterov:beta=B     y = θ + β(θ − θ⁻), θ⁺ = y − η∇L(y)

Momentum starts with zero velocity, θ⁻ = θ₀. The generated maps (``opt_*`` in
``numerics._derived``) act on the η-rescaled moments: z̃ = ηz and J̃(ω_i)² = ηJ(ω_i)²,
plus, with momentum, c̃ = η(½Σω_iθ_iθ⁻_i − E), z̃⁻ = ηz(θ⁻), K̃_i = ηω_i²θ_iθ⁻_i and
L̃_i = ηω_i²θ⁻_i². SAM's radius enters as ρ̃ = ρ/η (derived), β as is.

Edge of stability T* = ηλ*: GD 2; SAM the root of T(1 + ρ̃T) = 2; heavy ball 2(1 + β);
Nesterov 2(1 + β)/(1 + 2β) (momentum thresholds: Cohen et al. 2023). :func:`edge`
returns it exactly (a Fraction) when it is rational, else a certified interval: the
generated closed form evaluated in ball arithmetic, then the sign change of the
generated flip polynomial p(−1) checked exactly at the interval's rational ends.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from fractions import Fraction

import mpmath

from . import _derived as D
from .display import compact_repr, format_value
from .problem import Problem
from .status import Status
from .optimizer_spec import OPTIMIZER_KEYS, EdgeValue, OptimizerSpec, edge, exact_decimal, parse_optimizer
from .validate import InputError, dps as _check_dps, positive, positive_int

__all__ = ["OPTIMIZER_KEYS", "OptimizerSpec", "parse_optimizer", "EdgeValue", "edge", "OptStatus", "OptResult",
           "MomentMap", "run_optimizer", "run_theta", "exact_decimal"]


class OptStatus(Status):
    """How an optimizer run ended; each value is a readable message."""

    CONVERGED = "converged: |z| (and, with momentum, the velocity) fell below the tolerance"
    DIVERGED = "diverged: |z| or eta*lambda grew past the divergence bound (or became non-finite)"
    MAX_STEPS = "stopped at max_steps without converging"
    STEPS_DONE = "ran exactly the requested number of steps"


@dataclass(frozen=True)
class OptResult:
    """The end of a run of ``optimizer`` (unscaled z, J(ω_i)², λ; ηλ is T).

    steps: steps taken. status: :class:`OptStatus`. dps: decimal digits of the arithmetic.
    agreed_digits: digits of ηλ that agree with a rerun at 2·dps for the same number of
    steps (None unless requested). trajectory: (ηλ_t, z_t), t = 0..steps, if recorded.
    velocity: Σ_i ω_i²(θ_i − θ⁻_i)² = Σ (J² − 2K + L) (η-rescaled) at the end (0 without momentum).
    digits: with check_digits, the agreeing digits of each reported quantity: {"eta_ntk": n,
    "z": n, "J2": (n_1, …)} (η-rescaling is exact, so λ has the digits of ηλ).
    """

    optimizer: str
    z: mpmath.mpf
    J2: tuple
    ntk: mpmath.mpf
    eta_ntk: mpmath.mpf
    steps: int
    status: OptStatus
    dps: int
    agreed_digits: int | None
    trajectory: tuple | None
    work_bits: int
    tol: mpmath.mpf | None
    velocity: mpmath.mpf
    digits: dict | None = None

    __repr__ = compact_repr

    def _repr_items(self):
        """z, J(ω_i)², λ and ηλ each to its own agreeing digits when the rerun ran ("None": no digit agrees), the
        other fields (and every value of an unchecked run) to the digits of ηλ, else the working precision."""
        own = self.digits and {**self.digits, "ntk": self.agreed_digits}
        for f in fields(self):
            v = getattr(self, f.name)
            if not own or f.name not in own:
                yield f.name, format_value(v, self.agreed_digits or self.dps)
            elif f.name == "J2":
                yield f.name, "(" + ", ".join(_shown(j, n) for j, n in zip(v, own["J2"])) + ("," * (len(v) == 1)) + ")"
            else:
                yield f.name, _shown(v, own[f.name])


def _shown(value, digits: int) -> str:
    return format_value(value, digits) if digits else "None"


def _args(fn):
    code = fn.__code__
    return code.co_varnames[:code.co_argcount]


class MomentMap:
    """One step of the generated moment map of ``spec``, for any P, in any number type.

    omegas: the ω_i; hyper: {"rhot" or "beta": value} (scalars or arrays). total: how the moment
    sums M_k, N_k, L_k add the modes (mpmath.fsum for mpf, the built-in ``sum`` for numpy arrays).
    """

    def __init__(self, spec: OptimizerSpec, omegas, hyper: dict, total=mpmath.fsum):
        self.spec, self.w, self.total = spec, omegas, total
        py = spec.py
        self.zetas = []
        k = 1
        while hasattr(D, f"opt_{py}_zeta{k}"):
            fn = getattr(D, f"opt_{py}_zeta{k}")
            self.zetas.append((f"zeta{k}", fn, _args(fn)))
            k += 1
        self.mode = getattr(D, f"opt_{py}_mode")
        self.mode_args = _args(self.mode)
        self.scalars = getattr(D, f"opt_{py}_scalars")
        self.scalar_args = _args(self.scalars)
        self.hyper = hyper
        names = set(self.scalar_args) | {a for _, _, args in self.zetas for a in args}
        self.moments = sorted(n for n in names if n[0] in "MNL" and n[1:].isdigit())

    def step(self, scalars, modes):
        """(scalars, modes) → next; scalars (z̃[, c̃, z̃⁻]), modes tuple of (J̃²[, K̃, L̃]) per mode."""
        env = dict(self.hyper)
        env.update(zip(("zt", "ct", "zpt"), scalars))
        col = {"M": 0, "N": 1, "L": 2}
        for name in self.moments:
            j, k = col[name[0]], int(name[1:])
            env[name] = self.total(wi ** k * m[j] for wi, m in zip(self.w, modes))
        for name, fn, args in self.zetas:
            env[name] = fn(*(env[a] for a in args))
        new_modes = []
        for wi, m in zip(self.w, modes):
            env["omega"] = wi
            env.update(zip(("J2", "K", "L"), m))
            new_modes.append(tuple(self.mode(*(env[a] for a in self.mode_args))))
        new_scalars = tuple(self.scalars(*(env[a] for a in self.scalar_args)))
        return new_scalars, tuple(new_modes)


def _mpf(x: Fraction):
    return mpmath.mpf(x.numerator) / x.denominator


def _run_once(problem, spec, dps, tolt, max_steps, steps, record):
    budget = steps if steps is not None else max_steps
    prec = math.ceil(dps * math.log2(10)) + math.ceil(math.log2(budget + 1)) + 16
    scale = max(Fraction(1), abs(problem.zt0), problem.T0, abs(problem.Et))
    with mpmath.workprec(prec):
        w = tuple(_mpf(x) for x in problem.omegas)
        hyper = {k: _mpf(Fraction(v)) for k, v in spec.hyper_tilde(problem.eta).items()}
        step = MomentMap(spec, w, hyper)
        zt = _mpf(problem.zt0)
        J = tuple(_mpf(j) for j in problem.J2t)
        # Zero initial velocity: θ⁻ = θ₀, so c̃ = z̃⁻ = z̃ and K̃_i = L̃_i = J̃(ω_i)².
        scalars = (zt, zt, zt) if spec.memory else (zt,)
        modes = tuple((j, j, j) if spec.memory else (j,) for j in J)
        big, tol = _mpf(scale * 2 ** 30), _mpf(tolt)
        recs = [] if record else None
        status, done = None, 0
        while status is None:
            T = mpmath.fsum(m[0] for m in modes)
            zt = scalars[0]
            if recs is not None:
                recs.append((T, zt))
            if not (mpmath.isfinite(zt) and mpmath.isfinite(T)) or abs(zt) > big or T > big:
                status = OptStatus.DIVERGED
            elif steps is None and abs(zt) < tol and (not spec.memory or _velocity(modes, spec) < tol):
                status = OptStatus.CONVERGED
            elif done >= budget:
                status = OptStatus.STEPS_DONE if steps is not None else OptStatus.MAX_STEPS
            else:
                scalars, modes = step.step(scalars, modes)
                done += 1
        return scalars, modes, done, status, recs, prec


def _velocity(modes, spec):
    if not spec.memory:
        return mpmath.mpf(0)
    return mpmath.fsum(m[0] - 2 * m[1] + m[2] for m in modes)


def run_optimizer(problem: Problem, optimizer, *, dps=50, tol=None, max_steps=100_000, steps=None, record=False,
                  check_digits=False) -> OptResult:
    """Run ``optimizer`` (an :class:`OptimizerSpec` or its text) on ``problem`` at ``dps`` digits.

    The generated moment map in mpmath, any P. Stops when |z̃| < tol̃ (default
    10^(5−dps)·max(1, |z̃₀|)) and, with momentum, the velocity Σ ω_i²(θ_i − θ⁻_i)² (rescaled)
    < tol̃ too → CONVERGED; |z̃| or T beyond 2^30 times the initial scale → DIVERGED;
    ``steps=K`` runs exactly K steps. check_digits: rerun at 2·dps for the same number of
    steps and report the agreeing digits of ηλ. Momentum starts from θ⁻ = θ₀.
    """
    if not isinstance(problem, Problem):
        raise InputError(f"problem={problem!r}: expected a numerics.Problem; build one with from_theta or from_state")
    spec = parse_optimizer(optimizer)
    dps = _check_dps(dps)
    max_steps = positive_int("max_steps", max_steps, maximum=10**9)
    if steps is not None:
        steps = positive_int("steps", steps, maximum=10**9)
    tolt = (positive("tol", tol) * problem.eta if tol is not None
            else Fraction(1, 10 ** (dps - 5)) * max(Fraction(1), abs(problem.zt0)))
    scalars, modes, done, status, recs, prec = _run_once(problem, spec, dps, tolt, max_steps, steps, record)
    agreed, digits = None, None
    with mpmath.workprec(prec):
        T = mpmath.fsum(m[0] for m in modes)
        vel = _velocity(modes, spec)
    if check_digits:
        from .engines.gd_mp import agreed_digits

        ref = _run_once(problem, spec, 2 * dps, tolt, done or 1, done or None, False)
        with mpmath.workprec(ref[5]):
            T_ref = mpmath.fsum(m[0] for m in ref[1])
            agreed = agreed_digits(T, T_ref, dps) if done else dps
            digits = {"eta_ntk": agreed, "z": agreed_digits(scalars[0], ref[0][0], dps) if done else dps,
                      "J2": tuple(agreed_digits(m[0], r[0], dps) if done else dps for m, r in zip(modes, ref[1]))}
    with mpmath.workdps(dps):
        eta = _mpf(problem.eta)
        traj = None
        if recs is not None:
            traj = (tuple(+t for t, _ in recs), tuple(z / eta for _, z in recs))
        return OptResult(str(spec), scalars[0] / eta, tuple(m[0] / eta for m in modes), T / eta, +T, done, status,
                         dps, agreed, traj, prec, _mpf(tolt) / eta, +vel, digits)


def run_theta(problem: Problem, optimizer, *, steps: int, dps: int = 50):
    """ηλ after exactly ``steps`` steps of the update rule applied to θ itself (an independent check).

    The rules of the module docstring, typed directly on the eigenbasis coordinates θ_i
    (∇L(v)_i = z(v)ω_i v_i), in mpmath at ``dps`` digits; needs ``problem.theta0``.
    Returns (ηλ, z) as mpf.
    """
    spec = parse_optimizer(optimizer)
    if problem.theta0 is None:
        raise InputError("run_theta needs theta0: build the problem with from_theta")
    steps = positive_int("steps", steps, maximum=10**7)
    with mpmath.workdps(_check_dps(dps)):
        w = [_mpf(x) for x in problem.omegas]
        E, eta = _mpf(problem.E), _mpf(problem.eta)
        h = _mpf(spec.value) if spec.value is not None else None

        def z(v):
            return mpmath.fsum(wi * vi * vi for wi, vi in zip(w, v)) / 2 - E

        def grad(v):
            zv = z(v)
            return [zv * wi * vi for wi, vi in zip(w, v)]

        th = [_mpf(x) for x in problem.theta0]
        prev = list(th)
        for _ in range(steps):
            if spec.key == "gd":
                new = [t - eta * g for t, g in zip(th, grad(th))]
            elif spec.key == "sam":
                adv = [t + h * g for t, g in zip(th, grad(th))]
                new = [t - eta * g for t, g in zip(th, grad(adv))]
            elif spec.key == "heavy-ball":
                new = [t - eta * g + h * (t - p) for t, g, p in zip(th, grad(th), prev)]
            else:
                y = [t + h * (t - p) for t, p in zip(th, prev)]
                new = [yi - eta * g for yi, g in zip(y, grad(y))]
            prev, th = th, new
        return eta * mpmath.fsum((wi * t) ** 2 for wi, t in zip(w, th)), z(th)
