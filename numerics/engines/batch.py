"""float64 batch engine: many GD trajectories at once, vectorized with numpy.

Paper §2.1 and docs/theory.md §3: with the η-rescaled variables z̃ = ηz,
J̃(ω_i)² = ηJ(ω_i)², T = Σ_i J̃(ω_i)² = ηλ and S = Σ_i ω_i J̃(ω_i)², one GD step is

    z̃' = z̃(1 − T) + ½ z̃² S,        J̃(ω_i)²' = (1 − z̃ ω_i)² J̃(ω_i)²      (derived here)

and the edge of stability is T = 2 (λ = 2/η). For P = 2 (ω₁ω₂ ≠ 0, ω₁ ≠ ω₂) the
invariant Σ J(ω_i)²/ω_i − 2z = 2E removes one variable and the map acts on
(z̃, T) alone with parameters a = ω₁ + ω₂, b = ω₁ω₂, Ẽ = ηE (docs/theory.md §4,
derived here): :func:`run_planar` is that fast path.

Both engines evaluate only the generated formulas of ``numerics._derived``
(``gd_zt_next``, ``gd_J2t_next``; ``planar_zt_next``, ``planar_T_next``,
``planar_jacobian``), never hand-typed maps, traced into straight-line code
(:mod:`numerics.compile.float64`). Each runs on one of two back ends, which
give the same numbers (``engine``; the result's ``engine`` says which ran):

- "numba": a compiled kernel generated from the traced formulas
  (:mod:`numerics.engines.kernel`), the default when numba is installed;
- "numpy": a loop of numpy ufuncs over the arrays (the fallback).

They run a fixed number of steps, or stop each trajectory as soon as it has
settled (converged, diverged or on a period-2 orbit) and drop it, so a settled
trajectory costs nothing. The checks run every ``check_every`` steps (the last
chunk of a run is never a single step, so the period-2 test always sees two
steps), and there any state value below the smallest normal float64 in
magnitude is flushed to 0 (subnormal arithmetic is many times slower, and a
state that small has converged). Every trajectory is classified
(:class:`TrajectoryClass`):

- CONVERGED_BELOW: z̃ → 0 and T stayed below 2 all along;
- SELF_STABILIZED: z̃ → 0 after T reached 2;
- UNSTABLE_FIXED_POINT: on the fixed line z̃ = 0 (exactly, or within ``tol`` and
  not shrinking at the end of the run) where it does not attract: T ≥ 2 or T = 0;
- PERIOD2: the state repeats after two steps, z̃ ≠ 0;
- NO_GRADIENT: T = 0 exactly (every J̃(ω_i)² = 0) while z̃ ≠ 0: nothing moves,
  a fixed point off the line (neither converged nor period 2); or a period-2
  repeat with T ≤ ``ptol``: the modes died out (J̃(ω_i)² → 0) and z̃ stalls;
- CHAOTIC: bounded, and the largest Lyapunov exponent estimated from the
  tangent map over the last ``lyap_steps`` steps is > ``lyap_min`` (P = 2 only);
- BOUNDED: anything else that neither converged nor diverged;
- DIVERGED: |z̃| or T exceeded ``blowup`` or became non-finite.

Convergence is read from the residual alone, never from T: the run converged
when |z̃| shrinks over the last step, with one-step ratio ρ < 1, and
|z̃| ≤ tol·(1 − ρ) (the geometric tail Σ|z̃|ρⁿ is then below tol). That the
final T is below 2 (the fixed line attracts only for 0 < T < 2, docs/theory.md §4) is
therefore a checkable consequence, not part of the definition. Only a state
exactly on the line (z̃ = 0, which the map keeps fixed) is classed by T, through
its transverse multiplier 1 − T: converged if |1 − T| < 1, else an unstable fixed
point.

The engines never print; pass ``progress`` (a callable taking a number of
trajectory-steps done) to drive a progress bar.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import _derived as d
from ..compile.float64 import modes_step_program, planar_jacobian_program, planar_step_program
from ..display import compact_repr
from ..status import DIVERGENCE_FACTOR
from ..validate import InputError, positive_int
from .classes import TrajectoryClass
from .loop import Loop

__all__ = ["TrajectoryClass", "BatchResult", "run_batch", "run_planar", "run_planar_where_exact", "trajectory_float64",
           "classify_problem", "resolve_engine", "read_only", "ENGINES"]

#: The back ends of the batch engine ("auto" picks numba when it is available).
ENGINES = ("auto", "numba", "numpy")


def read_only(a) -> np.ndarray:
    """``a`` read-only: frozen in place when it owns its data (the engines' fresh arrays), else a frozen copy."""
    if not (isinstance(a, np.ndarray) and a.base is None and a.flags.owndata):
        a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class BatchResult:
    """Final state and class of N trajectories (read-only numpy arrays, length N).

    zt: final z̃ = ηz. T: final ηλ. J2t: final J̃(ω_i)², shape (N, P) (None for the
    planar engine). classes: :class:`TrajectoryClass` codes (int8). steps: steps
    each trajectory ran (to within ``check_every`` for those that settled early).
    max_T: largest ηλ seen, initial state included. lyapunov: estimated largest
    Lyapunov exponent per step for trajectories still running over the last
    ``lyap_steps`` steps (NaN elsewhere). step_budget: the ``steps`` asked for.
    engine: the back end that ran, "numba" or "numpy".
    """

    zt: np.ndarray
    T: np.ndarray
    J2t: np.ndarray | None
    classes: np.ndarray
    steps: np.ndarray
    max_T: np.ndarray
    lyapunov: np.ndarray
    step_budget: int
    engine: str = "numpy"

    def __post_init__(self):
        for name in ("zt", "T", "classes", "steps", "max_T", "lyapunov"):
            object.__setattr__(self, name, read_only(getattr(self, name)))
        if self.J2t is not None:
            object.__setattr__(self, "J2t", read_only(self.J2t))

    __repr__ = compact_repr

    @property
    def eta_ntk(self) -> np.ndarray:
        """Final ηλ (= T)."""
        return self.T

    def count(self) -> dict[str, int]:
        """Number of trajectories per class name (every class listed, zeros included)."""
        return {c.name: int(np.count_nonzero(self.classes == c)) for c in TrajectoryClass}

    def class_of(self, k: int) -> TrajectoryClass:
        return TrajectoryClass(int(self.classes[k]))


# ---------------------------------------------------------------------------
# shared machinery


def resolve_engine(engine: str) -> str:
    """"numba" or "numpy" for ``engine`` in :data:`ENGINES` ("auto": numba when available)."""
    from .kernel import numba_available

    if engine not in ENGINES:
        raise InputError(f"engine={engine!r}: expected one of {', '.join(ENGINES)}; pass engine='auto'")
    if engine == "auto":
        return "numba" if numba_available() else "numpy"
    if engine == "numba" and not numba_available():
        raise InputError("engine='numba': numba is not installed (or SORM_ENGINE=numpy is set); "
                         "pip install numba, or pass engine='numpy'")
    return engine


def _check_opts(steps, check_every, lyap_steps):
    steps = positive_int("steps", steps, maximum=10**9)
    check_every = positive_int("check_every", check_every)
    lyap_steps = 0 if lyap_steps in (0, None) else positive_int("lyap_steps", lyap_steps)
    return steps, check_every, min(lyap_steps, steps)


def _as_vector(name, value, n=None) -> np.ndarray:
    a = np.atleast_1d(np.asarray(value, dtype=float))
    if a.ndim != 1:
        raise InputError(f"{name} has shape {a.shape}: expected one value per trajectory; pass a 1-D array")
    if not np.all(np.isfinite(a)):
        raise InputError(f"{name} contains non-finite values: expected finite numbers; remove inf/nan")
    if n is not None and a.size not in (1, n):
        raise InputError(f"{name} has {a.size} values: expected {1 if n == 1 else f'1 or {n}'}; "
                         "pass one per trajectory")
    return a if n is None or a.size == n else np.full(n, a[0])


def _c(a) -> np.ndarray:
    """A C-contiguous, writeable float64 array (what the kernels' signatures take)."""
    return np.require(a, np.float64, ("C", "W"))


class _Outputs:
    """The result arrays a kernel fills, and the calls that fill them (in slices, to report progress)."""

    #: Trajectories per kernel call when a progress callable is given.
    SLICE = 16384

    def __init__(self, n: int, P: int = 0):
        self.zt, self.T, self.max_T = np.empty(n), np.empty(n), np.empty(n)
        self.lyapunov = np.full(n, np.nan)
        self.classes = np.full(n, -1, dtype=np.int8)
        self.steps = np.zeros(n, dtype=np.int64)
        self.J2t = np.empty((n, P)) if P else None

    def run(self, call, steps: int, progress) -> BatchResult:
        n = self.zt.size
        size = n if progress is None else self.SLICE
        for s0 in range(0, n, size):
            sl = slice(s0, s0 + size)
            call(sl)
            if progress is not None:
                progress(int(self.steps[sl].sum()))
        return BatchResult(zt=self.zt, T=self.T, J2t=self.J2t, classes=self.classes, steps=self.steps,
                           max_T=self.max_T, lyapunov=self.lyapunov, step_budget=steps, engine="numba")


def _validate_tols(tol, blowup, ptol, lyap_min):
    for name, v in (("tol", tol), ("blowup", blowup), ("ptol", ptol)):
        if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
            raise InputError(f"{name}={v!r}: expected a finite number > 0; pass e.g. {name}=1e-12")
    if not (isinstance(lyap_min, (int, float)) and math.isfinite(lyap_min)):
        raise InputError(f"lyap_min={lyap_min!r}: expected a finite number; pass e.g. lyap_min=1e-3")


# ---------------------------------------------------------------------------
# engines


def run_batch(omegas, zt0, J2t0, *, steps: int, tol: float = 1e-13, blowup: float = float(DIVERGENCE_FACTOR),
              check_every: int = 64, settle: bool = True, ptol: float = 1e-11,
              engine: str = "auto", progress=None) -> BatchResult:
    """Run N rescaled GD trajectories of the P-mode model in float64.

    omegas: the P eigenvalues ω_i (shared). zt0: N initial z̃ = ηz. J2t0: initial
    J̃(ω_i)² = ηJ(ω_i)², shape (N, P), all ≥ 0. steps: step budget. With
    ``settle`` a trajectory stops (to within ``check_every`` steps) once
    |z̃| shrinks by a ratio ρ < 1 per step and |z̃| ≤ tol·(1 − ρ) (converged), once
    it sits on the non-attracting part of the fixed line z̃ = 0 (unstable fixed
    point), once it blows up past ``blowup``, or once its state repeats after two
    steps to relative ``ptol`` (period 2); without it every trajectory runs exactly ``steps`` steps and is
    classified at the end. No Lyapunov estimate here (see :func:`run_planar`).
    """
    steps, check_every, _ = _check_opts(steps, check_every, 0)
    _validate_tols(tol, blowup, ptol, 0.0)
    w = np.asarray(omegas, dtype=float).reshape(-1)
    if w.size == 0 or not np.all(np.isfinite(w)):
        raise InputError(f"omegas={omegas!r}: expected at least one finite eigenvalue; pass e.g. [1, -1]")
    zt = _as_vector("zt0", zt0)
    J2 = np.asarray(J2t0, dtype=float)
    if J2.ndim == 1:
        J2 = J2.reshape(1, -1) if J2.size == w.size else J2.reshape(-1, 1)
    if J2.ndim != 2 or J2.shape[1] != w.size:
        raise InputError(f"J2t0 has shape {J2.shape}: expected (N, {w.size}), one row of J~(omega_i)^2 per "
                         "trajectory; pass an (N, P) array")
    n = max(zt.size, J2.shape[0])
    zt = _as_vector("zt0", zt, n)
    if J2.shape[0] not in (1, n):
        raise InputError(f"J2t0 has {J2.shape[0]} rows and zt0 {zt.size} values: expected equal; pass one each")
    J2 = np.broadcast_to(J2, (n, w.size))
    if not np.all(np.isfinite(J2)) or np.any(J2 < 0):
        raise InputError("J2t0 contains negative or non-finite values: a squared Jacobian is finite and >= 0; "
                         "pass values >= 0")
    T0 = np.sum(J2, axis=1)
    if resolve_engine(engine) == "numba":
        from .kernel import modes_kernel

        kern = modes_kernel()
        zt, J2, T0, w = (_c(x) for x in (zt, J2, T0, w))
        out = _Outputs(n, P=w.size)

        def call(sl):
            kern(zt[sl], J2[sl], T0[sl], w, steps, check_every, settle, tol, blowup, ptol, out.zt[sl], out.J2t[sl],
                 out.T[sl], out.classes[sl], out.steps[sl], out.max_T[sl], out.lyapunov[sl])

        return out.run(call, steps, progress)
    loop = Loop(n, steps, tol, blowup, check_every, settle, 0, 0.0, ptol, progress)
    fstep = modes_step_program(w, inplace=True)
    P = w.size

    def T_of(state):
        return state[-1]

    def step(state, params):
        return fstep(*state)

    Jc = [np.ascontiguousarray(J2[:, i]) for i in range(P)]
    final, max_T = loop.run([zt, *Jc, T0], [], T_of, step)
    return BatchResult(zt=final[0], T=final[-1], J2t=np.stack(final[1:-1], axis=1), classes=loop.classes,
                       steps=loop.steps_run, max_T=max_T, lyapunov=loop.lyap, step_budget=steps, engine="numpy")


def run_planar(zt0, T0, a: float, b: float, Et, *, steps: int, tol: float = 1e-13, blowup: float = float(DIVERGENCE_FACTOR),
               check_every: int = 64, settle: bool = True, ptol: float = 1e-11, lyap_steps: int = 0,
               lyap_min: float = 1e-2, engine: str = "auto", progress=None) -> BatchResult:
    """Run N trajectories of the 2-D (z̃, T) map in float64 (docs/theory.md §4, derived here).

    zt0, T0: initial z̃ = ηz and T = ηλ (arrays of length N, or scalars). a = ω₁ + ω₂,
    b = ω₁ω₂ (shared); Et: Ẽ = ηE (scalar or one per trajectory). The step is
    ``planar_zt_next`` / ``planar_T_next`` from ``numerics._derived``, traced once
    for the given a, b into straight-line numpy code (constants folded, common
    subexpressions shared: :func:`planar_step_program`). With
    ``lyap_steps`` > 0, the tangent map ``planar_jacobian`` is iterated over the
    last ``lyap_steps`` steps of the run for the trajectories still running, and
    the mean log growth of the tangent vector (kept in range by exact rescalings,
    one log at the end: :func:`numerics.engines.loop.lyapunov`) estimates the largest
    Lyapunov exponent; a bounded, non-periodic trajectory with exponent >
    ``lyap_min`` is CHAOTIC. Stopping rules as in :func:`run_batch`.
    """
    steps, check_every, lyap_steps = _check_opts(steps, check_every, lyap_steps)
    _validate_tols(tol, blowup, ptol, lyap_min)
    zt = _as_vector("zt0", zt0)
    T = _as_vector("T0", T0)
    Etv = _as_vector("Et", Et)
    n = max(zt.size, T.size, Etv.size)
    zt, T, Etv = _as_vector("zt0", zt, n), _as_vector("T0", T, n), _as_vector("Et", Etv, n)
    if np.any(T < 0):
        raise InputError("T0 contains negative values: T = eta*lambda is a sum of squares; pass T0 >= 0")
    for name, v in (("a", a), ("b", b)):
        if not math.isfinite(float(v)):
            raise InputError(f"{name}={v!r}: expected a finite number; pass the finite {name}")
    a, b = float(a), float(b)
    if resolve_engine(engine) == "numba":
        from .kernel import planar_kernel

        kern = planar_kernel(a, b)
        zt, T, Etv = _c(zt), _c(T), _c(Etv)
        out = _Outputs(n)

        def call(sl):
            kern(zt[sl], T[sl], Etv[sl], a, b, steps, check_every, settle, tol, blowup, ptol, lyap_steps, lyap_min,
                 out.zt[sl], out.T[sl], out.classes[sl], out.steps[sl], out.max_T[sl], out.lyapunov[sl])

        return out.run(call, steps, progress)
    loop = Loop(n, steps, tol, blowup, check_every, settle, lyap_steps, lyap_min, ptol, progress)

    def T_of(state):
        return state[1]

    fstep = planar_step_program(a, b, inplace=True)
    fjac = planar_jacobian_program(a, b) if lyap_steps else None

    def step(state, params):
        return fstep(state[0], state[1], params[0])

    def tangent(state, params, v):
        j11, j12, j21, j22 = fjac(state[0], state[1], params[0])
        return [j11 * v[0] + j12 * v[1], j21 * v[0] + j22 * v[1]]

    final, max_T = loop.run([zt, T], [Etv], T_of, step, tangent if lyap_steps else None)
    return BatchResult(zt=final[0], T=final[1], J2t=None, classes=loop.classes, steps=loop.steps_run,
                       max_T=max_T, lyapunov=loop.lyap, step_budget=steps, engine="numpy")


def run_planar_where_exact(omegas, zt0, J2t0, T0, Et, **opts) -> BatchResult:
    """The 2-D map (:func:`run_planar`) for the runs whose J̃(ω_i)² are all non-zero, the mode map
    (:func:`run_batch`) for the others; one result, in the order of the runs (J2t None).

    omegas: (ω₁, ω₂), with ω₁ω₂ ≠ 0 and ω₁ ≠ ω₂. zt0, J2t0 (shape (N, 2)): the initial states; T0, Et: their
    T = Σ J̃(ω_i)² and Ẽ as :func:`run_planar` takes them. opts: :func:`run_planar`'s options (the mode map
    takes all but ``lyap_steps`` and ``lyap_min``: its runs get no Lyapunov exponent, NaN, so they are never
    CHAOTIC). The 2-D map carries the modes only through the invariant, so a J̃(ω_i)² that is exactly 0,
    which the mode map keeps 0, is perturbed there by rounding and grows where (1 − z̃ω_i)² > 1: the route is
    chosen from the exact zero, as the fixed-point engine of :func:`numerics.engines.gd_mp.run_gd` does.
    """
    w = np.asarray(omegas, dtype=float).reshape(-1)
    if w.size != 2 or w[0] * w[1] == 0 or w[0] == w[1]:
        raise InputError(f"omegas={omegas!r}: the 2-D map needs two distinct nonzero eigenvalues; use run_batch")
    J2 = np.asarray(J2t0, dtype=float)
    if J2.ndim != 2 or J2.shape[1] != 2:
        raise InputError(f"J2t0 has shape {J2.shape}: expected (N, 2), one row per run; pass an (N, 2) array")
    n = J2.shape[0]
    zt0, T0, Et = (_as_vector(name, v, n) for name, v in (("zt0", zt0), ("T0", T0), ("Et", Et)))
    zero = ~np.all(J2 != 0, axis=1)
    a, b = w[0] + w[1], w[0] * w[1]
    if not zero.any():
        return run_planar(zt0, T0, a, b, Et, **opts)
    m = run_batch(w, zt0[zero], J2[zero], **{k: v for k, v in opts.items() if k not in ("lyap_steps", "lyap_min")})
    if zero.all():
        return BatchResult(**{**m.__dict__, "J2t": None})
    p = run_planar(zt0[~zero], T0[~zero], a, b, Et[~zero], **opts)
    out = {}
    for name in ("zt", "T", "classes", "steps", "max_T", "lyapunov"):
        arr = np.empty(n, dtype=getattr(p, name).dtype)
        arr[~zero], arr[zero] = getattr(p, name), getattr(m, name)
        out[name] = arr
    return BatchResult(**out, J2t=None, step_budget=p.step_budget, engine=p.engine)


def classify_problem(problem, *, steps: int, **kwargs) -> BatchResult:
    """One Problem through :func:`run_batch` (N = 1), in float64; InputError where rounding changes it (check_float64)."""
    from .gd_exact import check_float64

    check_float64(problem, steps)
    return run_batch([float(w) for w in problem.omegas], [float(problem.zt0)],
                     [[float(j) for j in problem.J2t]], steps=steps, **kwargs)


def trajectory_float64(problem, *, steps: int, tol: float = 0.0):
    """Record one float64 GD trajectory: ((ηλ_t ...), (z_t ...)) for t = 0..K, unscaled z.

    Runs the rescaled P-mode map (``gd_zt_next``, ``gd_J2t_next``) for ``steps``
    steps, stopping early once |z̃| ≤ tol (tol = 0: never) or on overflow.
    """
    steps = positive_int("steps", steps, maximum=10**7)
    eta = float(problem.eta)
    w = np.array([float(x) for x in problem.omegas])
    J = np.array([float(x) for x in problem.J2t])
    z = float(problem.zt0)
    lam, zs = [float(J.sum())], [z / eta]
    with np.errstate(all="ignore"):
        for _ in range(steps):
            T, S = float(J.sum()), float(w @ J)
            z, J = d.gd_zt_next(z, T, S), d.gd_J2t_next(z, w, J)
            lam.append(float(J.sum()))
            zs.append(z / eta)
            if not (math.isfinite(z) and math.isfinite(lam[-1])) or abs(z) <= tol:
                break
    return tuple(lam), tuple(zs)
