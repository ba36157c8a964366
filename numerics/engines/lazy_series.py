"""Taylor series whose coefficients are computed on demand, for the Taylor integrator of the GF (``gf``).

A :class:`LazySeries` is a node of an expression: a state variable (its coefficients from its rate), a constant,
or a sum, difference, negation or product of series, or a product with a number. Evaluating a polynomial
right-hand side on these nodes gives its Taylor coefficients one order at a time: asking for coefficient k of
every node, in the order k = 0, 1, 2, ..., costs O(k) per product node (a Cauchy product of cached coefficients).
The automatic differentiation of the Taylor method of the GF integrator (``gf`` module docstring).
"""
from __future__ import annotations

import mpmath

__all__ = ["LazySeries"]


class LazySeries:
    """A Taylor series around the current point whose k-th coefficient is computed on demand.

    Arithmetic on these objects builds the right-hand side of the ODE from the generated
    rate functions (``gf_z_rate``, ``gf_J2_rate``); asking coefficients in the order
    k = 0, 1, 2, ... costs O(k) per product node (Cauchy products of cached coefficients).
    """

    __slots__ = ("op", "args", "c")

    def __init__(self, op, args, c=None):
        self.op, self.args, self.c = op, args, c if c is not None else []

    def coef(self, k):
        c = self.c
        while len(c) <= k:
            c.append(self._next(len(c)))
        return c[k]

    def _next(self, k):
        op, a = self.op, self.args
        if op == "state":  # y_k = rate_{k-1}/k
            return a[0].coef(k - 1) / k
        if op == "const":
            return a[0] if k == 0 else 0
        if op == "+":
            return a[0].coef(k) + a[1].coef(k)
        if op == "-":
            return a[0].coef(k) - a[1].coef(k)
        if op == "neg":
            return -a[0].coef(k)
        if op == "*":
            x, y = a
            return mpmath.fdot([x.coef(m) for m in range(k + 1)], [y.coef(k - m) for m in range(k + 1)])
        if op == "*c":
            return a[0].coef(k) * a[1]
        raise AssertionError(op)

    @staticmethod
    def _wrap(v):
        return v if isinstance(v, LazySeries) else LazySeries("const", (v,))

    def __add__(self, o):
        return LazySeries("+", (self, self._wrap(o)))

    __radd__ = __add__

    def __sub__(self, o):
        return LazySeries("-", (self, self._wrap(o)))

    def __rsub__(self, o):
        return LazySeries("-", (self._wrap(o), self))

    def __neg__(self):
        return LazySeries("neg", (self,))

    def __mul__(self, o):
        if isinstance(o, LazySeries):
            return LazySeries("*", (self, o))
        return LazySeries("*c", (self, o))

    __rmul__ = __mul__

    def __truediv__(self, o):
        if isinstance(o, LazySeries):
            raise TypeError("series division is not needed: the GF rates are polynomial")
        return LazySeries("*c", (self, 1 / mpmath.mpf(o)))

    def __pow__(self, n):
        out = self
        for _ in range(n - 1):
            out = out * self
        return out
