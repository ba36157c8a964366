"""float64 straight-line code for a generated formula, built by tracing it.

Calling a generated function of ``numerics._derived`` on :class:`Value` objects
records each arithmetic operation once (common subexpressions shared), in the
formula's own order, so the code computes the same IEEE results as the formula
evaluated on floats, except that x·0 → 0, x·1 → x, x ± 0 → x are folded (exact
for finite x), xⁿ becomes repeated multiplication (within one ulp of ``x**n``),
and division by a power of two becomes multiplication by its inverse (exact).
Numbers that are Python floats at trace time (for instance the model's a, b)
fold into constants.

The trace is emitted three ways, all from the same operations:

- :func:`compile_traced`: one numpy function (allocating);
- :class:`InplaceProgram`: numpy ufuncs writing into preallocated buffers;
- :func:`scalar_lines`: scalar Python statements, which the numba kernel of
  :mod:`numerics.engines.kernel` inlines into its loops.

No formula is typed here: the code is the generated formula, evaluated in
another number type (as in :mod:`numerics.compile.fixedpoint`).
"""
from __future__ import annotations

import math

import numpy as np

from .. import _derived as d
from .fixedpoint import power_by_squaring

__all__ = ["Value", "trace", "compile_traced", "InplaceProgram", "scalar_lines", "planar_step_program",
           "planar_jacobian_program", "modes_step_program"]


def _is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


#: The names a generated program sees: numpy, and inf/nan, which repr writes for a folded constant that
#: overflowed.
_GLOBALS = {"_np": np, "inf": math.inf, "nan": math.nan}


class _Builder:
    def __init__(self):
        self.ops: list[tuple[str, tuple]] = []
        self.memo: dict[tuple, "Value"] = {}

    def emit(self, key: tuple) -> "Value":
        hit = self.memo.get(key)
        if hit is None:
            hit = Value(self, f"v{len(self.ops)}")
            self.ops.append((hit.name, key))
            self.memo[key] = hit
        return hit


class Value:
    """A float64 value in a traced program: each operation on it records one operation."""

    __slots__ = ("b", "name")

    def __init__(self, b, name):
        self.b, self.name = b, name

    def __add__(self, o):
        if _is_num(o):
            return self if o == 0 else self.b.emit(("+c", self.name, o))
        x, y = sorted((self.name, o.name))
        return self.b.emit(("+", x, y))

    __radd__ = __add__

    def __neg__(self):
        return self.b.emit(("neg", self.name))

    def __sub__(self, o):
        if _is_num(o):
            return self if o == 0 else self.b.emit(("-c", self.name, o))
        return self.b.emit(("-", self.name, o.name))

    def __rsub__(self, o):
        return -self if o == 0 else self.b.emit(("c-", o, self.name))

    def __mul__(self, o):
        if _is_num(o):
            if o == 0:
                return 0
            if o == 1:
                return self
            return self.b.emit(("*c", self.name, o))
        x, y = sorted((self.name, o.name))
        return self.b.emit(("*", x, y))

    __rmul__ = __mul__

    def __truediv__(self, o):
        if not _is_num(o):
            raise TypeError("float64 trace: division by a traced value is not supported")
        m, _ = math.frexp(float(o))
        if abs(m) == 0.5:  # a power of two: multiplying by its inverse is exact
            return self * (1.0 / o)
        return self.b.emit(("/c", self.name, o))

    def __pow__(self, n):
        if not isinstance(n, int) or n < 0:
            raise TypeError(f"float64 trace: power {n!r}; only whole powers >= 0")
        return power_by_squaring(self, n)


def trace(fn, names):
    """Trace ``fn(*names) -> tuple``: (operations [(name, key)], outputs (value names or floats)).

    Operations no output depends on are dropped.
    """
    b = _Builder()
    outs = fn(*[Value(b, n) for n in names])
    ret = [v.name if isinstance(v, Value) else float(v) for v in outs]
    need = {r for r in ret if isinstance(r, str) and r.startswith("v")}
    ops = []
    for name, key in reversed(b.ops):
        if name in need:
            ops.append((name, key))
            need.update(x for x in key[1:] if isinstance(x, str))
    ops.reverse()
    return ops, ret


#: numpy ufunc, operand order (x, y: value names; c: a constant) and infix operator of each operation.
_OPS = {"+": ("add", "xy", "+"), "+c": ("add", "xc", "+"), "neg": ("negative", "x", "-"),
        "-": ("subtract", "xy", "-"), "-c": ("subtract", "xc", "-"), "c-": ("subtract", "cx", "-"),
        "*": ("multiply", "xy", "*"), "*c": ("multiply", "xc", "*"), "/c": ("true_divide", "xc", "/")}


def _operands(key) -> list[str]:
    return [repr(r) if not isinstance(r, str) else r for r in key[1:]]


def compile_traced(fn, names: tuple[str, ...]):
    """Trace ``fn(*names) -> tuple`` into one numpy function with shared subexpressions (allocating)."""
    ops, ret = trace(fn, names)
    lines = [f"{name} = _np.{_OPS[key[0]][0]}({', '.join(_operands(key))})" for name, key in ops]
    outs = [r if isinstance(r, str) else f"_np.full({names[0]}.shape, {r!r})" for r in ret]
    src = f"def _f({', '.join(names)}):\n" + "".join(f"    {ln}\n" for ln in lines) + \
        f"    return ({', '.join(outs)},)\n"
    env = dict(_GLOBALS)
    exec(compile(src, "<float64 trace>", "exec"), env)
    f = env["_f"]
    f.source, f.n_ops = src, len(lines)
    return f


def scalar_lines(fn, inputs: dict[str, str], prefix: str) -> tuple[list[str], list[str]]:
    """Scalar Python statements of a traced formula: (lines, output expressions).

    ``inputs`` maps each argument name of ``fn`` to the expression it reads (a
    local variable of the caller's code); temporaries are named ``prefix`` + k.
    """
    names = tuple(inputs)
    ops, ret = trace(fn, names)
    ren = {n: inputs[n] for n in names}
    lines = []
    for name, key in ops:
        ren[name] = f"{prefix}{name[1:]}"
        a = [ren.get(x, x) if isinstance(x, str) else repr(float(x)) for x in key[1:]]
        op = _OPS[key[0]][2]
        lines.append(f"{ren[name]} = -{a[0]}" if key[0] == "neg" else f"{ren[name]} = {a[0]} {op} {a[1]}")
    outs = [ren[r] if isinstance(r, str) else repr(float(r)) for r in ret]
    return lines, outs


class InplaceProgram:
    """A traced map evaluated into preallocated buffers: no allocation per step.

    Temporaries share a few buffer slots (a slot is reused once its value is dead);
    two buffer sets alternate between calls, so the outputs of one call, which
    are the inputs of the next, are never overwritten while being read. An
    output therefore stays valid until the next-but-one call: copy it to keep it.
    """

    def __init__(self, fn, names: tuple[str, ...]):
        ops, ret = trace(fn, names)
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
            lines.append(f"_np.{_OPS[key[0]][0]}({', '.join(args)}, out=_B[{slot[name]}])")
        outs = []
        for r in ret:  # every output in its own slot, never an input array
            if isinstance(r, str) and r in slot and r not in outs:
                outs.append(f"_B[{slot[r]}]")
            else:
                k, nslots = nslots, nslots + 1
                src = f"_B[{slot[r]}]" if isinstance(r, str) and r in slot else (r if isinstance(r, str) else repr(r))
                lines.append(f"_B[{k}][...] = {src}")
                outs.append(f"_B[{k}]")
        src = f"def _f({', '.join(names)}, _B):\n" + "".join(f"    {ln}\n" for ln in lines) + \
            f"    return ({', '.join(outs)},)\n"
        env = dict(_GLOBALS)
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


class _Const(float):
    """A model constant (a, b) folded into a trace: its powers are repeated products, as in the compiled
    kernel, so a huge constant overflows to inf (then a DIVERGED run) instead of raising OverflowError."""

    def __pow__(self, n):
        return power_by_squaring(float(self), n) if isinstance(n, int) and n >= 0 else float(self) ** n


def planar_step_program(a: float, b: float, *, inplace: bool = False):
    """(z̃, T, Ẽ) ↦ (z̃', T') compiled from ``planar_zt_next``/``planar_T_next`` for fixed a, b.

    ``inplace``: evaluate into preallocated buffers (:class:`InplaceProgram`); the
    returned arrays are then overwritten by the next-but-one call.
    """
    a, b = _Const(a), _Const(b)
    fn = lambda z, t, e: (d.planar_zt_next(z, t, a, b, e), d.planar_T_next(z, t, a, b, e))  # noqa: E731
    return InplaceProgram(fn, ("zt", "T", "Et")) if inplace else compile_traced(fn, ("zt", "T", "Et"))


def modes_step(omegas):
    """The P-mode step as a function of (z̃, J̃(ω_1)², …, J̃(ω_P)², T) for :func:`trace`.

    T = Σ_i J̃(ω_i)² and S = Σ_i ω_i J̃(ω_i)² are the definitions (paper §2.1); the
    new T is the last output, summed in mode order, so the next step need not sum again.
    """

    def fn(z, *rest):
        J, T = rest[:-1], rest[-1]
        S = sum((wi * Ji for wi, Ji in zip(omegas, J)), 0)
        Jn = [d.gd_J2t_next(z, wi, Ji) for wi, Ji in zip(omegas, J)]
        return (d.gd_zt_next(z, T, S), *Jn, sum(Jn, 0))

    return fn


def modes_step_program(omegas, *, inplace: bool = False):
    """(z̃, J̃(ω_1)², …, J̃(ω_P)², T) ↦ the same after one step, from ``gd_zt_next``/``gd_J2t_next``."""
    w = [float(x) for x in omegas]
    names = ("zt", *(f"J{i}" for i in range(len(w))), "T")
    fn = modes_step(w)
    return InplaceProgram(fn, names) if inplace else compile_traced(fn, names)


def planar_jacobian_program(a: float, b: float):
    """(z̃, T, Ẽ) ↦ the four entries of ``planar_jacobian``, compiled for fixed a, b."""
    a, b = _Const(a), _Const(b)
    return compile_traced(lambda z, t, e: d.planar_jacobian(z, t, a, b, e), ("zt", "T", "Et"))
