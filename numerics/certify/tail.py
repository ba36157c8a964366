"""The tail lemma: a proved bound on how far ηλ can still move once |z̃| contracts (derived here).

Tail bound (derived here)
-------------------------
Write the step as z̃' = z̃·f(z̃, J̃²) and J̃(ω_i)²' − J̃(ω_i)² = z̃·g_i(z̃, J̃²), which the
generated polynomials allow: their coefficients in z̃ are read off by evaluating them
on an ``arb_series`` in z̃ (``f = 1 − T + ½ z̃S``, ``g_i = ω_iJ̃(ω_i)²(ω_iz̃ − 2)``;
summed, Σ g_i = −2S + z̃R). Take a box

    B = {|z̃| ≤ r} × Π_i [J̃(ω_i)²_lo − m_i, J̃(ω_i)²_hi + m_i]

around the current balls (r = sup |z̃|; on the planar route the one coordinate is T, with
T' − T = z̃(−2S + z̃R) read off ``planar_T_next`` in the same way), and upper bounds over B, by ball arithmetic,

    q ≥ sup_B |f|,   C_i ≥ sup_B |g_i|,   C ≥ sup_B |Σ_i g_i|.

*Lemma.* If q < 1 and D_i := C_i r/(1 − q) ≤ m_i for all i, then from every state in the
current balls all later iterates stay in B, |z̃_{n+k}| ≤ qᵏ r, the sequence T_n converges,
and |T_∞ − T_n| ≤ C r/(1 − q).

*Proof.* Induction on k: if iterates n, …, n+k−1 lie in B then |z̃_{n+j}| ≤ q^j r, so
|J̃(ω_i)²_{n+k} − J̃(ω_i)²_n| ≤ Σ_{j<k} C_i q^j r < D_i ≤ m_i and |z̃_{n+k}| ≤ r: iterate n+k
is in B. Then Σ_k |T_{n+k+1} − T_{n+k}| ≤ Σ_k C qᵏ r = C r/(1 − q) converges. ∎

So T_∞ ∈ T_ball + [−C r/(1 − q), C r/(1 − q)]. Near the edge of stability z̃ flips sign
every step (f ≈ 1 − T ≈ −1); the bound uses |z̃| and so needs no two-step map, only
T ≤ 2 − δ (then q ≈ |1 − T| ≤ 1 − δ). The margins m_i are chosen as twice the estimate of
D_i at the point balls, then checked over B.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .. import _derived as D
from ..display import compact_repr, format_value
from ..precision import ball_endpoints
from ..validate import InputError
from .balls import decimal_bound, hull, load_flint, sci_up, sup_abs

__all__ = ["TailCertificate", "Route", "modes_route", "planar_route", "tail_certificate", "certify_tail",
           "certify_tail_planar"]


def _series_tail(fn, zt_box, cap):
    """sup over the box of |(F(z̃) − F(0))/z̃| where F(z̃) = fn(z̃) is a polynomial in z̃.

    Returns (F(0) ball, ball containing every (F(z̃) − F(0))/z̃), or None if the series has a
    term of degree cap − 1 (it may have been truncated, and then proves nothing). The series keeps
    only the degrees below cap, so this guard is sound for maps of z̃-degree below cap; the
    generated maps have degree at most 3 (tests/test_certify.py checks it), and cap is 8.
    """
    fl = load_flint()
    s = fn(fl.arb_series([0, 1], prec=cap))
    c = s.coeffs()
    if len(c) >= cap:
        return None
    c = c + [fl.arb(0)] * (2 - len(c)) if len(c) < 2 else c
    acc = fl.arb(0)
    for ck in reversed(c[1:]):  # Horner for c1 + c2 z + c3 z² + …
        acc = acc * zt_box + ck
    return c[0], acc


@dataclass(frozen=True)
class TailCertificate:
    """The proved tail bound at one state (see the module docstring).

    r: sup |z̃| at the state. q: the contraction bound of |z̃| over the box. C: the bound
    of |T' − T|/|z̃|. tail: C r/(1 − q), bounding |T_∞ − T_n|. margins: m_i of the box.
    All exact Fractions (upper bounds).
    """

    r: Fraction
    q: Fraction
    C: Fraction
    tail: Fraction
    margins: tuple[Fraction, ...]

    __repr__ = compact_repr

    def _repr_items(self):
        return [("r", sci_up(self.r)), ("q", decimal_bound(self.q, 10, "up")), ("C", sci_up(self.C, 6)),
                ("tail", sci_up(self.tail)), ("margins", format_value(self.margins))]


class Route:
    """One way to iterate the exact GD map in balls: coordinates X with T = Σ X_i.

    ``modes``: X = (J̃(ω_i)²), any P, generated ``gd_zt_next`` / ``gd_J2t_next``.
    ``planar``: X = (T,), P = 2 only, generated ``planar_zt_next`` / ``planar_T_next``
    (docs/theory.md §4, derived here); two coordinates instead of P + 1, so the balls lose
    fewer digits to the dependency (wrapping) effect.
    """

    def __init__(self, name: str, zt_next, x_next):
        self.name, self.zt_next, self.x_next = name, zt_next, x_next

    def step(self, z, X):
        return self.zt_next(z, X), self.x_next(z, X)


def modes_route(omegas) -> Route:
    def S(X):
        return sum((w * j for w, j in zip(omegas[1:], X[1:])), omegas[0] * X[0])

    return Route("modes",
                  lambda z, X: D.gd_zt_next(z, sum(X[1:], X[0]), S(X)),
                  lambda z, X: [D.gd_J2t_next(z, w, j) for w, j in zip(omegas, X)])


def planar_route(A, B, E) -> Route:
    return Route("planar",
                  lambda z, X: D.planar_zt_next(z, X[0], A, B, E),
                  lambda z, X: [D.planar_T_next(z, X[0], A, B, E)])


def tail_certificate(route: Route, zt, X, cap: int = 8) -> TailCertificate | None:
    """The tail lemma (module docstring) for the balls (z̃, X) along ``route``, or None.

    ``cap``: the series length of :func:`_series_tail`, 2 ≤ cap ≤ python-flint's ``ctx.cap`` (10 by
    default): flint cuts every series at ``ctx.cap`` terms whatever ``prec`` asks, and a longer ``cap``
    would let a cut series pass the truncation guard.
    """
    fl = load_flint()
    if isinstance(cap, bool) or not isinstance(cap, int) or not 2 <= cap <= fl.ctx.cap:
        raise InputError(f"cap={cap!r}: expected an integer from 2 to {fl.ctx.cap} (python-flint's series "
                         f"length, flint.ctx.cap); pass a cap in that range")
    r = sup_abs(zt)
    if r == 0:
        return TailCertificate(Fraction(0), Fraction(0), Fraction(0), Fraction(0), tuple(Fraction(0) for _ in X))
    zbox = hull(-r, r)

    def bounds(Xb):
        zr = _series_tail(lambda z: route.zt_next(z, Xb), zbox, cap)
        if zr is None or not zr[0].is_zero():  # z̃' = z̃·f needs z̃' = 0 exactly at z̃ = 0
            return None
        q = sup_abs(zr[1])
        gs, gsum = [], fl.arb(0)
        for i in range(len(Xb)):
            res = _series_tail(lambda z, i=i: route.x_next(z, Xb)[i], zbox, cap)
            if res is None:
                return None
            gs.append(sup_abs(res[1]))
            gsum = gsum + res[1]
        return q, tuple(gs), sup_abs(gsum)

    first = bounds(list(X))
    if first is None or first[0] >= 1:
        return None
    q0, g0, _ = first
    margins = tuple(2 * c * r / (1 - q0) + Fraction(1, 2**30) * r for c in g0)
    box = []
    for x, m in zip(X, margins):
        lo, hi = ball_endpoints(x)
        box.append(hull(lo - m, hi + m))
    res = bounds(box)
    if res is None:
        return None
    q, g, C = res
    if q >= 1:
        return None
    for c, m in zip(g, margins):
        if c * r / (1 - q) > m:
            return None
    return TailCertificate(r=r, q=q, C=C, tail=C * r / (1 - q), margins=margins)


def certify_tail(zt, J2t, omegas, *, cap: int = 8) -> TailCertificate | None:
    """Try to prove the tail lemma from the balls (z̃, J̃(ω_i)²) (arb, at the current precision).

    Returns the certificate, or None if q ≥ 1 or the box is not invariant. Derived here.
    """
    return tail_certificate(modes_route(list(omegas)), zt, list(J2t), cap)


def certify_tail_planar(zt, T, a, b, Et, *, cap: int = 8) -> TailCertificate | None:
    """The tail lemma for the 2-D map from the balls (z̃, T), with a = ω₁+ω₂, b = ω₁ω₂, Ẽ as balls.

    The coordinate is T itself, so C bounds |T' − T|/|z̃| = |−2S + z̃R| directly. Derived here.
    """
    return tail_certificate(planar_route(a, b, Et), zt, [T], cap)
