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
``planar_jacobian``), never hand-typed maps. They run a fixed number of steps,
or stop each trajectory as soon as it has settled (converged, diverged or on a
period-2 orbit) and drop it from the arrays, so a settled trajectory costs
nothing. Every trajectory is classified (:class:`TrajectoryClass`):

- CONVERGED_BELOW: z̃ → 0 and T stayed below 2 all along;
- SELF_STABILIZED: z̃ → 0 after T reached 2;
- UNSTABLE_FIXED_POINT: on the fixed line z̃ = 0 (exactly, or within ``tol`` and
  not shrinking at the end of the run) where it does not attract: T ≥ 2 or T = 0;
- PERIOD2: the state repeats after two steps, z̃ ≠ 0;
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

import enum
import math
import re
from dataclasses import dataclass

import numpy as np

from .. import _derived as d
from ..validate import InputError, positive_int
from ..compile.fixedpoint import power_by_squaring
from ..display import compact_repr

__all__ = ["TrajectoryClass", "BatchResult", "run_batch", "run_planar", "trajectory_float64",
           "classify_problem", "planar_step_program", "planar_jacobian_program", "modes_step_program"]


class TrajectoryClass(enum.IntEnum):
    """What a GD trajectory did; ``.message`` says it in words."""

    def __new__(cls, value: int, message: str):
        obj = int.__new__(cls, value)
        obj._value_ = value
        obj.message = message
        return obj

    CONVERGED_BELOW = 0, "converged (z -> 0) without reaching the edge of stability: max eta*lambda < 2"
    SELF_STABILIZED = 1, "converged (z -> 0) after eta*lambda reached 2"
    PERIOD2 = 2, "settled on a period-2 orbit (z alternates, does not converge)"
    CHAOTIC = 3, "bounded, not converged, largest Lyapunov exponent > 0 (chaotic)"
    BOUNDED = 4, "bounded but neither converged nor periodic within the step budget"
    DIVERGED = 5, "diverged (|z| or eta*lambda blew up)"
    UNSTABLE_FIXED_POINT = 6, ("unstable fixed point: on the fixed line z = 0 (or within tol of it, not shrinking) "
                               "with eta*lambda >= 2 or = 0, where the line does not attract; not converged")


def _frozen(a) -> np.ndarray:
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
    """

    zt: np.ndarray
    T: np.ndarray
    J2t: np.ndarray | None
    classes: np.ndarray
    steps: np.ndarray
    max_T: np.ndarray
    lyapunov: np.ndarray
    step_budget: int

    __repr__ = compact_repr

    def __post_init__(self):
        for name in ("zt", "T", "classes", "steps", "max_T", "lyapunov"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        if self.J2t is not None:
            object.__setattr__(self, "J2t", _frozen(self.J2t))

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
        raise InputError(f"{name} has {a.size} values: expected 1 or {n}; pass one per trajectory")
    return a if n is None or a.size == n else np.full(n, a[0])


class _Loop:
    """The settle-and-compact loop shared by both engines.

    A concrete engine supplies ``state`` (a list of arrays over the active
    trajectories; index 0 is z̃), ``T_of(state)``, ``step(state, T)`` returning the
    new state, and optionally ``tangent(state, v)`` for the Lyapunov tail.
    """

    def __init__(self, n, steps, tol, blowup, check_every, settle, lyap_steps, lyap_min, ptol, progress):
        self.n, self.steps, self.tol, self.blowup = n, steps, tol, blowup
        self.check_every = check_every if settle else steps
        self.lyap_steps, self.lyap_min, self.ptol, self.progress = lyap_steps, lyap_min, ptol, progress
        self.classes = np.full(n, -1, dtype=np.int8)
        self.steps_run = np.zeros(n, dtype=np.int64)
        self.lyap = np.full(n, np.nan)

    def run(self, state, params, T_of, step, tangent=None):
        """Iterate; returns (final state arrays over all n trajectories, max_T)."""
        n = self.n
        idx = np.arange(n)
        final = [np.array(s, dtype=float, copy=True) for s in state]
        state = [np.array(s, dtype=float, copy=True) for s in state]
        T = T_of(state)
        maxT = T.copy()
        max_all = np.empty(n)
        tail_from = self.steps - self.lyap_steps if tangent is not None else self.steps + 1
        v = logsum = None
        done = 0
        with np.errstate(all="ignore"):
            while done < self.steps and idx.size:
                k = min(self.check_every, self.steps - done)
                prev2 = prev1 = None
                for i in range(k):
                    if i == k - 2:
                        prev2 = [s.copy() for s in state]
                    if i == k - 1:
                        prev1 = state[0].copy()
                    if done + i >= tail_from:
                        if v is None:
                            v = [np.full(idx.size, math.sqrt(0.5)), np.full(idx.size, math.sqrt(0.5))]
                            logsum = np.zeros(idx.size)
                        v, logsum = self._tangent_step(tangent, state, params, v, logsum)
                    state = step(state, params, T)
                    T = T_of(state)
                    np.fmax(maxT, T, out=maxT)
                done += k
                if self.progress is not None:
                    self.progress(k * idx.size)
                keep = self._settle(idx, state, T, maxT, prev1, prev2, done, final, max_all, logsum,
                                    last=done >= self.steps)
                if not keep.all():
                    idx = idx[keep]
                    state = tuple(s[..., keep] for s in state)
                    params = [p[keep] for p in params]
                    T, maxT = T[keep], maxT[keep]
                    if v is not None:
                        v = [x[keep] for x in v]
                        logsum = logsum[keep]
        return final, max_all

    def _tangent_step(self, tangent, state, params, v, logsum):
        v = tangent(state, params, v)
        norm = np.hypot(v[0], v[1])
        ok = np.isfinite(norm) & (norm > 0)
        safe = np.where(ok, norm, 1.0)
        logsum = logsum + np.where(ok, np.log(safe), np.nan)
        return [v[0] / safe, v[1] / safe], logsum

    def _settle(self, idx, state, T, maxT, prev1, prev2, done, final, max_all, logsum, last):
        """Classify the active trajectories that have settled; return the mask of those still running."""
        zt = state[0]
        absz = np.abs(zt)
        diverged = ~np.isfinite(zt) | ~np.isfinite(T) | (absz > self.blowup) | (T > self.blowup)
        # convergence from the residual alone (module docstring): T is not consulted
        rho = absz / np.abs(prev1)  # nan on the line (0/0), inf leaving it
        converged = ~diverged & (rho < 1) & (absz <= self.tol * (1.0 - rho))
        on_line = ~diverged & (zt == 0) & (np.abs(1.0 - T) < 1)  # exactly fixed and attracting
        converged |= on_line
        unstable = ~diverged & ~converged & ((zt == 0) | (last & (absz <= self.tol) & ~(rho < 1)))
        period2 = np.zeros_like(converged)
        if prev2 is not None:
            scale_z = np.maximum(absz, self.tol)
            same = np.abs(zt - prev2[0]) <= self.ptol * scale_z
            for s, p in zip(state[1:], prev2[1:]):
                same &= np.all(np.abs(s - p) <= self.ptol * np.maximum(np.abs(s), 1e-300), axis=0) \
                    if s.ndim == 2 else np.abs(s - p) <= self.ptol * np.maximum(np.abs(s), 1e-300)
            period2 = ~diverged & ~converged & same & (absz > self.tol)
        settled = diverged | converged | unstable | period2
        if last:
            settled = np.ones_like(settled)
        if not settled.any():
            return np.ones(idx.size, dtype=bool)
        cls = np.full(idx.size, TrajectoryClass.BOUNDED, dtype=np.int8)
        if logsum is not None and self.lyap_steps:
            lyap = logsum / self.lyap_steps
            tail_ran = settled & ~diverged & ~converged & ~unstable & ~period2
            chaotic = tail_ran & np.isfinite(lyap) & (lyap > self.lyap_min)
            cls[chaotic] = TrajectoryClass.CHAOTIC
            self.lyap[idx[tail_ran]] = lyap[tail_ran]
        cls[period2] = TrajectoryClass.PERIOD2
        cls[unstable] = TrajectoryClass.UNSTABLE_FIXED_POINT
        cls[converged] = np.where(maxT[converged] >= 2.0, TrajectoryClass.SELF_STABILIZED,
                                  TrajectoryClass.CONVERGED_BELOW)
        cls[diverged] = TrajectoryClass.DIVERGED
        gone = idx[settled]
        self.classes[gone] = cls[settled]
        self.steps_run[gone] = done
        max_all[gone] = maxT[settled]
        for f, s in zip(final, state):
            if s.ndim == 2:
                f[:, gone] = s[:, settled]
            else:
                f[gone] = s[settled]
        return ~settled


def _validate_tols(tol, blowup, ptol, lyap_min):
    for name, v in (("tol", tol), ("blowup", blowup), ("ptol", ptol)):
        if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
            raise InputError(f"{name}={v!r}: expected a finite number > 0; pass e.g. {name}=1e-12")
    if not (isinstance(lyap_min, (int, float)) and math.isfinite(lyap_min)):
        raise InputError(f"lyap_min={lyap_min!r}: expected a finite number; pass e.g. lyap_min=1e-3")


# ---------------------------------------------------------------------------
# straight-line numpy code from a generated formula (constant folding + CSE)


def _is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


class _Builder:
    def __init__(self):
        self.lines: list[str] = []
        self.ops: list[tuple[str, tuple]] = []
        self.memo: dict[tuple, "_Val"] = {}

    def emit(self, key: tuple, code: str) -> "_Val":
        hit = self.memo.get(key)
        if hit is None:
            hit = _Val(self, f"v{len(self.lines)}")
            self.lines.append(f"{hit.name} = {code}")
            self.ops.append((hit.name, key))
            self.memo[key] = hit
        return hit


class _Val:
    """An array value in a traced float64 program: each operation on it emits one numpy line.

    The operations are those the generated formula performs, in its order, so the
    program computes the same IEEE results, except that x·0 → 0, x·1 → x, x ± 0 → x
    are folded (exact for finite x) and xⁿ becomes repeated multiplication
    (within one ulp of ``x**n``, and much cheaper in numpy for n ≥ 3).
    """

    __slots__ = ("b", "name")

    def __init__(self, b, name):
        self.b, self.name = b, name

    def __add__(self, o):
        if _is_num(o):
            return self if o == 0 else self.b.emit(("+c", self.name, o), f"{self.name} + {o!r}")
        x, y = sorted((self.name, o.name))
        return self.b.emit(("+", x, y), f"{x} + {y}")

    __radd__ = __add__

    def __neg__(self):
        return self.b.emit(("neg", self.name), f"-{self.name}")

    def __sub__(self, o):
        if _is_num(o):
            return self if o == 0 else self.b.emit(("-c", self.name, o), f"{self.name} - {o!r}")
        return self.b.emit(("-", self.name, o.name), f"{self.name} - {o.name}")

    def __rsub__(self, o):
        return -self if o == 0 else self.b.emit(("c-", o, self.name), f"{o!r} - {self.name}")

    def __mul__(self, o):
        if _is_num(o):
            if o == 0:
                return 0
            if o == 1:
                return self
            return self.b.emit(("*c", self.name, o), f"{self.name} * {o!r}")
        x, y = sorted((self.name, o.name))
        return self.b.emit(("*", x, y), f"{x} * {y}")

    __rmul__ = __mul__

    def __truediv__(self, o):
        if not _is_num(o):
            raise TypeError("float64 trace: division by a state value is not supported")
        m, e = math.frexp(float(o))
        if abs(m) == 0.5:  # a power of two: multiplying by its inverse is exact
            return self * (1.0 / o)
        return self.b.emit(("/c", self.name, o), f"{self.name} / {o!r}")

    def __pow__(self, n):
        if not isinstance(n, int) or n < 0:
            raise TypeError(f"float64 trace: power {n!r}; only whole powers >= 0")
        return power_by_squaring(self, n)


def _trace(fn, names):
    b = _Builder()
    outs = fn(*[_Val(b, n) for n in names])
    ret = [v.name if isinstance(v, _Val) else float(v) for v in outs]
    need = {r for r in ret if isinstance(r, str) and r.startswith("v")}
    ops = []
    for name, key in reversed(b.ops):  # drop operations no output depends on
        if name in need:
            ops.append((name, key))
            need.update(x for x in key[1:] if isinstance(x, str))
    ops.reverse()
    return ops, ret


#: numpy ufunc and operand order for each traced operation (x, y: value names; c: a constant).
_UFUNC = {"+": ("add", "xy"), "+c": ("add", "xc"), "neg": ("negative", "x"), "-": ("subtract", "xy"),
          "-c": ("subtract", "xc"), "c-": ("subtract", "cx"), "*": ("multiply", "xy"),
          "*c": ("multiply", "xc"), "/c": ("true_divide", "xc")}


def _operands(key) -> list[str]:
    kind, rest = key[0], key[1:]
    order = _UFUNC[kind][1]
    if order == "cx":
        return [repr(rest[0]), rest[1]]
    return [repr(r) if not isinstance(r, str) else r for r in rest]


def _compile_traced(fn, names: tuple[str, ...]):
    """Trace ``fn(*names) -> tuple`` into one numpy function with shared subexpressions (allocating)."""
    ops, ret = _trace(fn, names)
    lines = [f"{name} = _np.{_UFUNC[key[0]][0]}({', '.join(_operands(key))})" for name, key in ops]
    outs = [r if isinstance(r, str) else f"_np.full({names[0]}.shape, {r!r})" for r in ret]
    src = f"def _f({', '.join(names)}):\n" + "".join(f"    {ln}\n" for ln in lines) + \
        f"    return ({', '.join(outs)},)\n"
    env = {"_np": np}
    exec(compile(src, "<float64 trace>", "exec"), env)
    f = env["_f"]
    f.source, f.n_ops = src, len(lines)
    return f


class _InplaceProgram:
    """A traced map evaluated into preallocated buffers: no allocation per step.

    Temporaries share a few buffer slots (a slot is reused once its value is dead);
    two buffer sets alternate between calls, so the outputs of one call, which
    are the inputs of the next, are never overwritten while being read. An
    output therefore stays valid until the next-but-one call: copy it to keep it.
    """

    def __init__(self, fn, names: tuple[str, ...]):
        ops, ret = _trace(fn, names)
        last = {}
        for i, (_, key) in enumerate(ops):
            for x in key[1:]:
                if isinstance(x, str):
                    last[x] = i
        outputs = {r for r in ret if isinstance(r, str)}
        slot, free, nslots, lines = {}, [], 0, []
        for i, (name, key) in enumerate(ops):
            for x in set(k for k in key[1:] if isinstance(k, str)):
                if x in slot and last.get(x) == i and x not in outputs:
                    free.append(slot[x])
            if free:
                slot[name] = free.pop()
            else:
                slot[name], nslots = nslots, nslots + 1
            args = [f"_B[{slot[a]}]" if a in slot else a for a in _operands(key)]
            lines.append(f"_np.{_UFUNC[key[0]][0]}({', '.join(args)}, out=_B[{slot[name]}])")
        outs = []
        for r in ret:  # every output in its own slot, never an input array
            if isinstance(r, str) and r in slot and r not in {o for o in outs}:
                outs.append(f"_B[{slot[r]}]")
            else:
                k, nslots = nslots, nslots + 1
                src = f"_B[{slot[r]}]" if isinstance(r, str) and r in slot else (r if isinstance(r, str) else repr(r))
                lines.append(f"_B[{k}][...] = {src}")
                outs.append(f"_B[{k}]")
        src = f"def _f({', '.join(names)}, _B):\n" + "".join(f"    {ln}\n" for ln in lines) + \
            f"    return ({', '.join(outs)},)\n"
        env = {"_np": np}
        exec(compile(src, "<float64 inplace trace>", "exec"), env)
        self._f, self.source, self.nslots, self.n_ops = env["_f"], src, max(nslots, 1), len(ops)
        self._sets, self._views, self._flip = None, {}, 0

    def __call__(self, *inputs):
        n = inputs[0].shape[0]
        if self._sets is None or self._sets[0].shape[1] < n:
            self._sets = (np.empty((self.nslots, n)), np.empty((self.nslots, n)))
            self._views = {}
        views = self._views.get(n)
        if views is None:
            views = self._views[n] = tuple([s[k, :n] for k in range(self.nslots)] for s in self._sets)
        self._flip ^= 1
        return self._f(*inputs, views[self._flip])


def planar_step_program(a: float, b: float, *, inplace: bool = False):
    """(z̃, T, Ẽ) ↦ (z̃', T') compiled from ``planar_zt_next``/``planar_T_next`` for fixed a, b.

    ``inplace``: evaluate into preallocated buffers (:class:`_InplaceProgram`); the
    returned arrays are then overwritten by the next-but-one call.
    """
    fn = lambda z, t, e: (d.planar_zt_next(z, t, a, b, e), d.planar_T_next(z, t, a, b, e))  # noqa: E731
    return _InplaceProgram(fn, ("zt", "T", "Et")) if inplace else _compile_traced(fn, ("zt", "T", "Et"))


def modes_step_program(omegas, *, inplace: bool = False):
    """(z̃, J̃(ω_1)², …, J̃(ω_P)², T) ↦ the same after one step, from ``gd_zt_next``/``gd_J2t_next``.

    T = Σ_i J̃(ω_i)² and S = Σ_i ω_i J̃(ω_i)² are the definitions (docs/theory.md §3); the
    new T is returned as the last output so the next step need not sum again.
    """
    w = [float(x) for x in omegas]
    names = ("zt", *(f"J{i}" for i in range(len(w))), "T")

    def fn(z, *rest):
        J, T = rest[:-1], rest[-1]
        S = sum((wi * Ji for wi, Ji in zip(w, J)), 0)
        Jn = [d.gd_J2t_next(z, wi, Ji) for wi, Ji in zip(w, J)]
        return (d.gd_zt_next(z, T, S), *Jn, sum(Jn, 0))

    return _InplaceProgram(fn, names) if inplace else _compile_traced(fn, names)


def planar_jacobian_program(a: float, b: float):
    """(z̃, T, Ẽ) ↦ the four entries of ``planar_jacobian``, compiled for fixed a, b."""
    return _compile_traced(lambda z, t, e: d.planar_jacobian(z, t, a, b, e), ("zt", "T", "Et"))


# ---------------------------------------------------------------------------
# engines


def run_batch(omegas, zt0, J2t0, *, steps: int, tol: float = 1e-13, blowup: float = 1e8,
              check_every: int = 64, settle: bool = True, ptol: float = 1e-11,
              progress=None) -> BatchResult:
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
    loop = _Loop(n, steps, tol, blowup, check_every, settle, 0, 0.0, ptol, progress)
    fstep = modes_step_program(w, inplace=True)
    P = w.size

    def T_of(state):
        return state[-1]

    def step(state, params, T):
        return fstep(*state)

    Jc = [np.ascontiguousarray(J2[:, i]) for i in range(P)]
    final, max_T = loop.run([zt, *Jc, np.sum(J2, axis=1)], [], T_of, step)
    return BatchResult(zt=final[0], T=final[-1], J2t=np.stack(final[1:-1], axis=1), classes=loop.classes,
                       steps=loop.steps_run, max_T=max_T, lyapunov=loop.lyap, step_budget=steps)


def run_planar(zt0, T0, a: float, b: float, Et, *, steps: int, tol: float = 1e-13, blowup: float = 1e8,
               check_every: int = 64, settle: bool = True, ptol: float = 1e-11, lyap_steps: int = 0,
               lyap_min: float = 1e-2, progress=None) -> BatchResult:
    """Run N trajectories of the 2-D (z̃, T) map in float64 (docs/theory.md §4, derived here).

    zt0, T0: initial z̃ = ηz and T = ηλ (arrays of length N, or scalars). a = ω₁ + ω₂,
    b = ω₁ω₂ (shared); Et: Ẽ = ηE (scalar or one per trajectory). The step is
    ``planar_zt_next`` / ``planar_T_next`` from ``numerics._derived``, traced once
    for the given a, b into straight-line numpy code (constants folded, common
    subexpressions shared: :func:`planar_step_program`). With
    ``lyap_steps`` > 0, the tangent map ``planar_jacobian`` is iterated over the
    last ``lyap_steps`` steps of the run for the trajectories still running, and
    the mean log growth of a renormalised tangent vector estimates the largest
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
    loop = _Loop(n, steps, tol, blowup, check_every, settle, lyap_steps, lyap_min, ptol, progress)

    def T_of(state):
        return state[1]

    fstep = planar_step_program(a, b, inplace=True)
    fjac = planar_jacobian_program(a, b) if lyap_steps else None

    def step(state, params, T_):
        return fstep(state[0], state[1], params[0])

    def tangent(state, params, v):
        j11, j12, j21, j22 = fjac(state[0], state[1], params[0])
        return [j11 * v[0] + j12 * v[1], j21 * v[0] + j22 * v[1]]

    final, max_T = loop.run([zt, T], [Etv], T_of, step, tangent if lyap_steps else None)
    return BatchResult(zt=final[0], T=final[1], J2t=None, classes=loop.classes, steps=loop.steps_run,
                       max_T=max_T, lyapunov=loop.lyap, step_budget=steps)


def classify_problem(problem, *, steps: int, **kwargs) -> BatchResult:
    """One :class:`numerics.problem.Problem` through :func:`run_batch` (N = 1), in float64."""
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
