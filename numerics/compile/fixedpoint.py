"""Exact fixed-point integer code for a generated polynomial map, built by tracing it.

A real number v is held as the Python int V = ⌊v·2^p⌋ (p fraction bits). The
generated functions of ``numerics._derived`` use only ``+ - * / **`` with
integer constants, so calling one of them on :class:`Tracer` objects records
each operation once, as a line of straight-line integer code:

- ``x + y``, ``x − y``: exact;
- ``x·y`` of two state values: ``(X·Y) >> p`` (rounding error ≤ 2^−p);
- ``x·c`` with an integer c: ``X·c`` (exact); with c = 2^−k: ``X >> k``;
  otherwise ``(X·C) >> p`` with C = ⌊c·2^p⌋;
- ``x / c`` with a constant c: ``x·(1/c)`` as above; division by a state value is
  refused (the map must stay polynomial in the state);
- operations between constants are done exactly (as Fractions) at trace time.

Identical operations are emitted once (common subexpressions). No formula is
typed here: the code is the generated formula, evaluated in another number type.

:func:`compile_horner` goes one step further: it first evaluates the generated
function on exact sparse polynomials (:class:`Poly`, rational coefficients), so the
constants of the model fold into the coefficients, and then emits each output in
multivariate Horner form, P = P₀ + x·(P₁ + x·(…)), with the variable that occurs in
most terms taken first. For the 2-D map this needs about a third fewer integer
operations than the expression as sympy printed it; the rounding analysis is the same
(each emitted multiplication rounds once, by at most 2^−p times the constant's size).
This is the route of issue 3 point 6 for the high-precision GD fast path; see
:mod:`numerics.engines.gd_engines` for the bit budget and its error analysis.
"""
from __future__ import annotations

from fractions import Fraction

__all__ = ["Tracer", "FixedProgram", "Poly", "trace", "compile_horner", "inline_single_use", "power_by_squaring", "to_fixed",
           "from_fixed", "runner_source", "compile_runner"]


def to_fixed(value: Fraction, prec: int) -> int:
    """⌊value·2^prec⌋ for an exact rational value."""
    value = Fraction(value)
    return (value.numerator << prec) // value.denominator


def from_fixed(x: int, prec: int):
    """The mpmath number x·2^−prec (exact at mpmath's precision, then rounded)."""
    import mpmath

    return mpmath.mpf((x, -prec)) if x else mpmath.mpf(0)


class _Builder:
    def __init__(self, prec: int):
        self.prec = prec
        self.lines: list[str] = []
        self.memo: dict[tuple, "Tracer"] = {}
        self.count = 0
        self.consts: dict[str, int] = {}
        self._const_names: dict[int, str] = {}

    def emit(self, key: tuple, code: str) -> "Tracer":
        hit = self.memo.get(key)
        if hit is not None:
            return hit
        name = f"v{self.count}"
        self.count += 1
        self.lines.append(f"{name} = {code}")
        out = Tracer(self, name)
        self.memo[key] = out
        return out

    def const(self, c: Fraction) -> str:
        """The name of the fixed-point constant ⌊c·2^p⌋ (bound when the code is compiled)."""
        return self.int_const(to_fixed(c, self.prec))

    def int_const(self, v: int) -> str:
        if -(1 << 20) < v < (1 << 20):
            return str(v) if v >= 0 else f"({v})"
        name = self._const_names.get(v)
        if name is None:
            name = self._const_names[v] = f"K{len(self.consts)}"
            self.consts[name] = v
        return name


def _is_const(v) -> bool:
    return isinstance(v, (int, Fraction)) and not isinstance(v, bool)


class _Polynomial:
    """Division by a constant and whole powers; a state value in a denominator is refused.

    Shared by :class:`Tracer` and :class:`Poly`: the traced map must be polynomial in the state.
    """

    __slots__ = ()
    _kind = "trace"

    def __truediv__(self, other):
        if _is_const(other):
            if other == 0:
                raise ZeroDivisionError(f"{self._kind}: division by the constant 0")
            return self * (1 / Fraction(other))
        raise TypeError(f"{self._kind}: division by a state value; the map must be polynomial in the state")

    def __rtruediv__(self, other):
        raise TypeError(f"{self._kind}: division by a state value; the map must be polynomial in the state")

    def __pow__(self, n):
        if not isinstance(n, int) or n < 0:
            raise TypeError(f"{self._kind}: power {n!r}; only whole powers >= 0 are polynomial")
        return power_by_squaring(self, n)


class Tracer(_Polynomial):
    """A state value in the traced program; arithmetic with it emits fixed-point code."""

    __slots__ = ("b", "name")
    _kind = "fixed-point trace"

    def __init__(self, builder: _Builder, name: str):
        self.b, self.name = builder, name

    # -- addition ---------------------------------------------------------------
    def __add__(self, other):
        if _is_const(other):
            if other == 0:
                return self
            return self.b.emit(("+c", self.name, Fraction(other)), f"{self.name} + {self.b.const(other)}")
        if isinstance(other, Tracer):
            x, y = sorted((self.name, other.name))
            return self.b.emit(("+", x, y), f"{x} + {y}")
        return NotImplemented

    __radd__ = __add__

    def __neg__(self):
        return self.b.emit(("neg", self.name), f"-{self.name}")

    def __sub__(self, other):
        if _is_const(other):
            return self + (-Fraction(other))
        if isinstance(other, Tracer):
            return self.b.emit(("-", self.name, other.name), f"{self.name} - {other.name}")
        return NotImplemented

    def __rsub__(self, other):
        if _is_const(other):
            if other == 0:
                return -self
            return self.b.emit(("c-", Fraction(other), self.name), f"{self.b.const(other)} - {self.name}")
        return NotImplemented

    # -- multiplication ---------------------------------------------------------
    def __mul__(self, other):
        b = self.b
        if _is_const(other):
            c = Fraction(other)
            if c == 0:
                return 0
            if c == 1:
                return self
            if c == -1:
                return -self
            if c.denominator == 1:
                return b.emit(("*i", self.name, c), f"{self.name} * {b.int_const(c.numerator)}")
            if c.numerator in (1, -1) and c.denominator & (c.denominator - 1) == 0:
                k = c.denominator.bit_length() - 1
                sign = "-" if c.numerator < 0 else ""
                return b.emit(("*2", self.name, c), f"{sign}({self.name} >> {k})")
            if c.denominator & (c.denominator - 1) == 0 and abs(c.numerator) < (1 << 30):
                # a dyadic constant n/2^k: a small multiply and a shift beat a p-bit constant
                k = c.denominator.bit_length() - 1
                return b.emit(("*d", self.name, c), f"({self.name} * {b.int_const(c.numerator)}) >> {k}")
            return b.emit(("*c", self.name, c), f"({self.name} * {b.const(c)}) >> {b.prec}")
        if isinstance(other, Tracer):
            x, y = sorted((self.name, other.name))
            if x == y:
                return b.emit(("sq", x), f"({x} * {x}) >> {b.prec}")
            return b.emit(("*", x, y), f"({x} * {y}) >> {b.prec}")
        return NotImplemented

    __rmul__ = __mul__


def power_by_squaring(x, n: int):
    """x**n for a whole n >= 0 with about 2·log2(n) products (1 for n = 0).

    Used by the tracers here and in ``numerics.engines.batch``, which record each product.
    """
    if n == 0:
        return 1
    out, base = None, x
    while n:
        if n & 1:
            out = base if out is None else out * base
        n >>= 1
        if n:
            base = base * base
    return out


def inline_single_use(lines: list[str], outputs: tuple[str, ...]) -> tuple[list[str], tuple[str, ...]]:
    """Substitute temporaries used exactly once into their single use (fewer loads and stores)."""
    import re

    defs = [ln.split(" = ", 1) for ln in lines]
    word = re.compile(r"\bv\d+\b")
    uses: dict[str, int] = {}
    for _, expr in defs:
        for nm in word.findall(expr):
            uses[nm] = uses.get(nm, 0) + 1
    for nm in outputs:
        uses[nm] = uses.get(nm, 0) + 1
    exprs: dict[str, str] = {}
    kept = []
    for name, expr in defs:
        expr = word.sub(lambda m: f"({exprs[m.group(0)]})" if m.group(0) in exprs else m.group(0), expr)
        if uses.get(name, 0) == 1 and name not in outputs:
            exprs[name] = expr
        else:
            kept.append(f"{name} = {expr}")
    return kept, outputs


class FixedProgram:
    """Straight-line fixed-point code: ``lines`` compute ``outputs`` from ``inputs``.

    ``consts`` maps the names of the big integer constants used by ``lines`` to their
    values; bind them (as int or gmpy2 mpz) in the namespace the code runs in.
    """

    def __init__(self, prec: int, inputs: tuple[str, ...], lines: list[str], outputs: tuple[str, ...],
                 consts: dict[str, int] | None = None):
        self.prec, self.inputs, self.lines, self.outputs = prec, inputs, lines, outputs
        self.consts = dict(consts or {})

    @property
    def n_ops(self) -> int:
        return len(self.lines)


def _out_name(builder: _Builder, v) -> str:
    if isinstance(v, Tracer):
        return v.name
    if _is_const(v):  # an output that is constant in the state
        return builder.const(Fraction(v))
    raise TypeError(f"fixed-point trace: output {v!r} is neither a state value nor a constant")


def trace(fn, n_inputs: int, prec: int, input_names=None) -> FixedProgram:
    """Trace ``fn(*state) -> tuple`` (state values only; constants closed over) into fixed point."""
    b = _Builder(prec)
    names = tuple(input_names or (f"s{k}" for k in range(n_inputs)))
    ins = [Tracer(b, n) for n in names]
    outs = fn(*ins)
    outputs = tuple(_out_name(b, v) for v in outs)
    return FixedProgram(prec, names, b.lines, outputs, b.consts)


class Poly(_Polynomial):
    """An exact sparse polynomial in n state variables: {exponent tuple: Fraction}."""

    __slots__ = ("n", "terms")
    _kind = "polynomial trace"

    def __init__(self, n: int, terms: dict):
        self.n, self.terms = n, {m: c for m, c in terms.items() if c != 0}

    @classmethod
    def var(cls, n: int, k: int) -> "Poly":
        return cls(n, {tuple(int(i == k) for i in range(n)): Fraction(1)})

    def _lift(self, other) -> "Poly":
        if isinstance(other, Poly):
            return other
        if _is_const(other):
            return Poly(self.n, {(0,) * self.n: Fraction(other)})
        return NotImplemented

    def __add__(self, other):
        other = self._lift(other)
        if other is NotImplemented:
            return other
        out = dict(self.terms)
        for m, c in other.terms.items():
            out[m] = out.get(m, 0) + c
        return Poly(self.n, out)

    __radd__ = __add__

    def __neg__(self):
        return Poly(self.n, {m: -c for m, c in self.terms.items()})

    def __sub__(self, other):
        other = self._lift(other)
        return other if other is NotImplemented else self + (-other)

    def __rsub__(self, other):
        other = self._lift(other)
        return other if other is NotImplemented else other + (-self)

    def __mul__(self, other):
        other = self._lift(other)
        if other is NotImplemented:
            return other
        out: dict = {}
        for m1, c1 in self.terms.items():
            for m2, c2 in other.terms.items():
                m = tuple(i + j for i, j in zip(m1, m2))
                out[m] = out.get(m, 0) + c1 * c2
        return Poly(self.n, out)

    __rmul__ = __mul__


def _horner(b: _Builder, terms: dict, ins: list):
    """Emit ``terms`` (exponent tuple -> Fraction) in Horner form; returns a Tracer or a constant."""
    if not terms:
        return 0
    n = len(ins)
    counts = [sum(1 for m in terms if m[v] > 0) for v in range(n)]
    v = max(range(n), key=lambda k: counts[k])
    if counts[v] == 0:
        return terms.get((0,) * n, Fraction(0))
    q0 = {m: c for m, c in terms.items() if m[v] == 0}
    q1 = {tuple(e - (i == v) for i, e in enumerate(m)): c for m, c in terms.items() if m[v] > 0}
    r1 = _horner(b, q1, ins)
    r0 = _horner(b, q0, ins)
    if _is_const(r1) and r1 == -1:  # c − x in one operation
        return r0 - ins[v]
    return r0 + ins[v] * r1


def compile_horner(fn, n_inputs: int, prec: int, input_names=None) -> FixedProgram:
    """Fixed-point code for ``fn(*state) -> tuple``: exact polynomials first, then Horner form."""
    names = tuple(input_names or (f"s{k}" for k in range(n_inputs)))
    polys = fn(*(Poly.var(n_inputs, k) for k in range(n_inputs)))
    b = _Builder(prec)
    ins = [Tracer(b, nm) for nm in names]
    outs = []
    for p in polys:
        p = p if isinstance(p, Poly) else Poly(n_inputs, {(0,) * n_inputs: Fraction(p)})
        outs.append(_horner(b, p.terms, ins))
    return FixedProgram(prec, names, b.lines, tuple(_out_name(b, v) for v in outs), b.consts)


def runner_source(program: FixedProgram, z_name: str, *, record: bool, t_expr: str | None = None) -> str:
    """Source of ``_run(*state, _n, _TOL, _BIG, _rec)``: up to n steps of ``program`` with the stop checks.

    Before each step, the divergence rule of numerics.status (|z| > BIG, or T > BIG where ``t_expr``, an
    expression in the state's names, gives T) returns ``(state, k, 2)``, and then |z| < TOL returns
    ``(state, k, 1)`` (k steps done); after n steps, ``(state, n, 0)``. With ``record`` each state is
    passed to ``_rec`` before its step. Single-use temporaries are inlined (:func:`inline_single_use`).
    """
    body, outs = inline_single_use(program.lines, program.outputs)
    st = ", ".join(program.inputs)
    tup = f"({st},)"
    t_big = "" if t_expr is None else f" or {t_expr} > _BIG"
    lines = [f"def _run({st}, _n, _TOL, _BIG, _rec):",
             "    for _k in range(_n):",
             f"        if not _TOL <= abs({z_name}) <= _BIG{t_big}:",
             f"            return {tup}, _k, (2 if abs({z_name}) > _BIG{t_big} else 1)"]
    if record:
        lines.append(f"        _rec({tup})")
    lines += [f"        {line}" for line in body]
    lines.append(f"        {st}, = {', '.join(outs)},")
    lines.append(f"    return {tup}, _n, 0")
    return "\n".join(lines) + "\n"


def compile_runner(program: FixedProgram, z_name: str, *, record: bool, integer=int, t_expr: str | None = None):
    """The compiled :func:`runner_source`, with the program's big constants bound as ``integer`` (int or mpz)."""
    ns = {k: integer(v) for k, v in program.consts.items()}
    src = runner_source(program, z_name, record=record, t_expr=t_expr)
    exec(compile(src, "<sorm fixed-point map>", "exec"), ns)  # our own generated source, no user text
    return ns["_run"]
