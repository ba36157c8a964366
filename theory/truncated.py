"""Truncated power series in (z̃, y): the polynomial ring Q(params)[z̃, y] and composition in it.

The normal form (:mod:`theory.normal_form`) composes maps of the plane through total degree N + 1;
truncating every product at that degree keeps the work polynomial in N (derived here).
"""
from __future__ import annotations

import functools

import sympy as sp
from sympy.polys.domains import QQ
from sympy.polys.rings import ring

from .symbols import zt

__all__ = ["series_ring", "trunc", "homog", "to_ring", "compose", "y"]

#: y = T − 2 (T − edge in general), the distance from the edge of stability.
y = sp.Symbol("y", real=True)


@functools.lru_cache(maxsize=None)
def series_ring(params: tuple):
    """(K, R, z̃, y): the coefficient field K = Q(params) (Q without params) and the ring R = K[z̃, y]."""
    K = QQ.frac_field(*params) if params else QQ
    R, Z, Y = ring((zt, y), K)
    return K, R, Z, Y


def trunc(p, d: int):
    """p without its terms of total degree above d."""
    return p.ring({m: c for m, c in p.items() if sum(m) <= d})


def homog(p, n: int):
    """The terms of p of total degree n."""
    return p.ring({m: c for m, c in p.items() if sum(m) == n})


def to_ring(expr: sp.Expr, R):
    """A polynomial in z̃, y with coefficients in Q[a, b, Ẽ] as a ring element."""
    return R.from_expr(sp.expand(expr)) if expr != 0 else R(0)


def compose(p, args, d: int, cache: dict):
    """p(args) truncated at total degree d.

    cache holds the powers args[var]**e truncated at cache["dmax"] >= d (args start at
    degree >= 1, so truncating a factor above d never changes the product below d).
    """
    R = p.ring
    dmax = cache.setdefault("dmax", d)
    if d > dmax:
        raise ValueError(f"cache truncated at degree {dmax} < {d}")

    def power(var, e):
        if e == 0:
            return R(1)
        key = (var, e)
        if key not in cache:
            cache[key] = trunc(power(var, e - 1) * args[var], dmax)
        return cache[key]

    out = R(0)
    for mon, c in p.items():
        term = R(1)
        for var, e in enumerate(mon):
            if e:
                term = trunc(term * power(var, e), d)
        out += c * term
    return trunc(out, d)
