"""Certified enclosures in ball arithmetic: the EOS threshold and the final ηλ.

Two rigorous results for the second-order regression model (paper §2.1, docs/theory.md §3–§5),
computed with python-flint's ``arb`` balls (a midpoint and a radius; every operation
returns a ball that contains every exact result for every input in the input balls):

1. **Threshold of the fixed line** (:func:`certify_stability`, :func:`certify_threshold`).
   In the η-rescaled 2-D map of (z̃, T) (docs/theory.md §4, derived here; z̃ = ηz, T = ηλ, with
   a = ω₁ + ω₂, b = ω₁ω₂, Ẽ = ηE), every point (0, T) is fixed. The generated Jacobian
   ``planar_jacobian`` evaluated in ``arb`` at z̃ = 0 is lower triangular,

       DF(0, T) = [[1 − T, 0], [∂T'/∂z̃, 1]],

   so its eigenvalues are 1 − T (transverse) and 1 (neutral). The neutral eigenvalue
   belongs to the eigenvector (0, 1), the tangent of the line of fixed points: moving
   along the line moves from one fixed point to another, so it neither attracts nor
   repels. Stability of a point *as a member of the line* (normal hyperbolicity: the
   line attracts a neighbourhood, and each orbit in it converges to some point of the
   line) is decided by the transverse eigenvalue alone: |1 − T| < 1 attracts,
   |1 − T| > 1 repels. :func:`certify_stability` certifies this for a whole ball of T
   values, including the exact zero in the upper-right entry and the exact neutral 1.
   :func:`certify_threshold` encloses, by interval Newton, the roots T₊ and T₋ of
   1 − T = +1 and 1 − T = −1 and certifies that 1 − T is strictly monotone between
   them, so that |1 − T| < 1 ⇔ T ∈ (T₊, T₋) with T₊ ∋ 0 and T₋ ∋ 2: the edge of
   stability λ* = T₋/η ∋ 2/η (the paper's threshold 2/η, abstract and §2; certified here).

2. **Enclosure of the final ηλ** (:func:`enclose_final_ntk`). From the exact initial
   state, the exact GD map in mode variables (docs/theory.md §3, generated ``gd_zt_next``,
   ``gd_J2t_next``; any P, identical to the 2-D map for P = 2)

       z̃' = z̃(1 − T) + ½ z̃² S,   J̃(ω_i)²' = (1 − z̃ω_i)² J̃(ω_i)²,
       T = Σ J̃(ω_i)²,   S = Σ ω_i J̃(ω_i)²,

   is iterated in ``arb`` until a proved tail bound closes the enclosure. For P = 2 the
   default route iterates instead the generated 2-D map (``planar_zt_next``,
   ``planar_T_next``) of the two balls (z̃, T): the same orbit (docs/theory.md §4), but with
   fewer coordinates the balls lose about half as many digits. Ball arithmetic cannot
   follow the rotation of the two-step map near (0, 2) (the wrapping effect), so the
   digits lost grow as the start approaches the edge of stability (measured, planar
   route at 256 bits: about 7, 9, 13, 24 and 34 digits for ε = 0.02, 0.01, 0.005,
   0.00125, 0.000625 in docs/theory.md §5.3's family); ``max_prec_bits`` doubles the precision
   when a ball grows too wide. The lemma below, with the single coordinate T, also proves
   the normal hyperbolicity used in 1.: orbits starting near an attracting segment of the
   line converge to a point of it.

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

Every engine returns a frozen record with a status (:class:`CertStatus`); none prints.
flint's global precision is never changed: everything runs under ``ctx.workprec``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from decimal import Decimal
from fractions import Fraction

from .. import _derived as D
from ..display import compact_repr, format_value
from ..problem import Problem, reduced_2d
from ..validate import InputError, exact, positive_int, whole_in_range
from ..status import Status, divergence_bound

__all__ = [
    "PREC_MIN", "PREC_MAX", "ROUTES", "CertStatus", "Stability", "Enclosure", "TailCertificate",
    "StabilityCertificate", "ThresholdCertificate", "check_prec_bits",
    "enclose_final_ntk", "certify_tail", "certify_tail_planar", "fixed_line_polynomials", "fixed_line_jacobian",
    "certify_stability",
    "certify_threshold", "decimal_bound", "sci_up", "planar_parameters",
]

#: Working precision accepted, in bits (about 16 to 10000 decimal digits).
PREC_MIN, PREC_MAX = 53, 33_220
_MAX_STEPS_LIMIT = 10**8
#: Ways to iterate the map in balls (see :func:`enclose_final_ntk`).
ROUTES = ("auto", "planar", "modes")
#: |z̃| above this times the initial scale counts as divergence.


def _flint():
    import flint

    return flint


class CertStatus(Status):
    """How a certification ended; ``.value`` is a readable message."""

    CERTIFIED = "certified: ball arithmetic plus a proved tail bound enclose the exact limit"
    NOT_CERTIFIED = ("not certified: the orbit did not enter a region where the tail bound closes "
                     "(within max_steps), or the balls became too wide")
    DIVERGED = "diverged: |z| grew past the blow-up bound (numerics.status.divergence_bound of the initial state); no finite limit"


class Stability(Status):
    """Certified stability of the points (0, T), T in a ball, of the fixed line z̃ = 0."""

    ATTRACTING = "attracting: |1 - T| < 1 for every T in the ball (normally hyperbolic, attracting)"
    REPELLING = "repelling: |1 - T| > 1 for every T in the ball"
    MARGINAL = "marginal: 1 - T = -1 or +1 exactly (T = 2, the edge of stability, or T = 0)"
    UNDECIDED = "undecided: the ball of T values straddles |1 - T| = 1; shrink the ball or raise the precision"


# ------------------------------------------------------------------------------------------
# validation and exact conversions


def check_prec_bits(value, name: str = "prec_bits") -> int:
    """A working precision in bits, between PREC_MIN and PREC_MAX."""
    return whole_in_range(name, value, PREC_MIN, PREC_MAX, "bits", 256)


def _frac(x) -> Fraction:
    """An exact arb/arf value (a midpoint or a radius) as a Fraction."""
    man, exp = x.man_exp()
    man, exp = int(man), int(exp)
    return Fraction(man * 2**exp) if exp >= 0 else Fraction(man, 2 ** (-exp))


def _endpoints(x) -> tuple[Fraction, Fraction]:
    """Exact [lo, hi] of a finite ball."""
    m, r = _frac(x.mid()), _frac(x.rad())
    return m - r, m + r


def _arb(value: Fraction):
    """A ball containing the exact rational ``value`` (at the current flint precision)."""
    fl = _flint()
    return fl.arb(fl.fmpq(value.numerator, value.denominator))


def _hull(lo: Fraction, hi: Fraction):
    """A ball containing [lo, hi]."""
    return _arb(lo).union(_arb(hi))


def _sup_abs(x) -> Fraction:
    """An exact upper bound of |x| over a finite ball."""
    lo, hi = _endpoints(x)
    return max(abs(lo), abs(hi))


def decimal_bound(value: Fraction, digits: int, direction: str) -> str:
    """``value`` as a decimal string of ``digits`` significant digits, rounded down
    (``direction="down"``) or up (``"up"``), so that outward rounding keeps an enclosure."""
    if value == 0:
        return "0"
    e = 0
    a = abs(value)
    while a >= 10:
        a /= 10
        e += 1
    while a < 1:
        a *= 10
        e -= 1
    shift = digits - 1 - e
    scaled = value * Fraction(10) ** shift
    n = math.floor(scaled) if direction == "down" else math.ceil(scaled)
    d = Decimal((0 if n >= 0 else 1, tuple(int(c) for c in str(abs(n))), -shift))  # exact, no context rounding
    text = format(d, "f") if -30 < e < 30 else str(d).lower()
    if "." in text and "e" not in text:  # the same value without trailing zeros
        text = text.rstrip("0").rstrip(".")
    return text


def sci_up(value: Fraction, digits: int = 3) -> str:
    """A nonnegative bound in scientific notation, rounded up: e.g. ``8.04e-21``."""
    if value == 0:
        return "0"
    d = Decimal(decimal_bound(value, digits, "up"))
    return format(d, f".{digits - 1}e")


def _interval_text(lo: Fraction, hi: Fraction, max_digits: int) -> str:
    """``[lo, hi]`` rounded outward, to as many digits as the width resolves (at most max_digits)."""
    top = max(abs(lo), abs(hi))
    digits = max_digits
    if hi > lo and top > 0:
        digits = min(max_digits, max(2, math.ceil(math.log10(top / (hi - lo))) + 1))
    return f"[{decimal_bound(lo, digits, 'down')}, {decimal_bound(hi, digits, 'up')}]"


def _exact_number(name: str, value) -> Fraction:
    """Like :func:`numerics.validate.exact`, but also exact for mpmath mpf."""
    import mpmath

    if isinstance(value, mpmath.mpf) and mpmath.isfinite(value):
        man, exp = value.man_exp
        return Fraction(int(man)) * Fraction(2) ** int(exp)
    return exact(name, value)


def _ball_str(x, digits: int = 30) -> str:
    return x.str(digits, radius=True)


# ------------------------------------------------------------------------------------------
# the tail bound


def _series_tail(fn, zt_box, cap, *args):
    """sup over the box of |(F(z̃) − F(0))/z̃| where F(z̃) = fn(z̃, *args) is a polynomial in z̃.

    Returns (F(0) ball, ball containing every (F(z̃) − F(0))/z̃) or None if F is not a
    polynomial of degree < cap in z̃ (then the series was truncated and proves nothing).
    """
    fl = _flint()
    s = fn(fl.arb_series([0, 1], prec=cap), *args)
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


class _Route:
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


def _modes_route(omegas) -> _Route:
    def S(X):
        return sum((w * j for w, j in zip(omegas[1:], X[1:])), omegas[0] * X[0])

    return _Route("modes",
                  lambda z, X: D.gd_zt_next(z, sum(X[1:], X[0]), S(X)),
                  lambda z, X: [D.gd_J2t_next(z, w, j) for w, j in zip(omegas, X)])


def _planar_route(A, B, E) -> _Route:
    return _Route("planar",
                  lambda z, X: D.planar_zt_next(z, X[0], A, B, E),
                  lambda z, X: [D.planar_T_next(z, X[0], A, B, E)])


def _tail(route: _Route, zt, X, cap: int = 8) -> TailCertificate | None:
    """The tail lemma (module docstring) for the balls (z̃, X) along ``route``, or None."""
    fl = _flint()
    r = _sup_abs(zt)
    if r == 0:
        return TailCertificate(Fraction(0), Fraction(0), Fraction(0), Fraction(0), tuple(Fraction(0) for _ in X))
    zbox = _hull(-r, r)

    def bounds(Xb):
        zr = _series_tail(lambda z: route.zt_next(z, Xb), zbox, cap)
        if zr is None or not zr[0].is_zero():  # z̃' = z̃·f needs z̃' = 0 exactly at z̃ = 0
            return None
        q = _sup_abs(zr[1])
        gs, gsum = [], fl.arb(0)
        for i in range(len(Xb)):
            res = _series_tail(lambda z, i=i: route.x_next(z, Xb)[i], zbox, cap)
            if res is None:
                return None
            gs.append(_sup_abs(res[1]))
            gsum = gsum + res[1]
        return q, tuple(gs), _sup_abs(gsum)

    first = bounds(list(X))
    if first is None or first[0] >= 1:
        return None
    q0, g0, _ = first
    margins = tuple(2 * c * r / (1 - q0) + Fraction(1, 2**30) * r for c in g0)
    box = []
    for x, m in zip(X, margins):
        lo, hi = _endpoints(x)
        box.append(_hull(lo - m, hi + m))
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
    return _tail(_modes_route(list(omegas)), zt, list(J2t), cap)


def certify_tail_planar(zt, T, a, b, Et, *, cap: int = 8) -> TailCertificate | None:
    """The tail lemma for the 2-D map from the balls (z̃, T), with a = ω₁+ω₂, b = ω₁ω₂, Ẽ as balls.

    The coordinate is T itself, so C bounds |T' − T|/|z̃| = |−2S + z̃R| directly. Derived here.
    """
    return _tail(_planar_route(a, b, Et), zt, [T], cap)


# ------------------------------------------------------------------------------------------
# enclosure of the final eta*lambda


@dataclass(frozen=True)
class Enclosure:
    """A rigorous enclosure of T_∞ = ηλ_∞, the final ηλ of GD from an exact initial state.

    lo, hi: exact Fraction bounds, T_∞ ∈ [lo, hi] (when ``status`` is CERTIFIED).
    width: hi − lo. eta: the step η, so that λ_∞ ∈ [lo/η, hi/η]. steps: ball-arithmetic
    GD steps before the tail bound closed. prec_bits: working precision. tail: the
    certificate that closed it (None otherwise). detail: what happened, in words. trace: with
    ``record=True``, one (n, T_n midpoint, radius of T_n, |z̃_n| midpoint) float row per step.
    route: "planar" (the 2-D map of (z̃, T)) or "modes" (the map of (z̃, J̃(ω_i)²)).
    """

    status: CertStatus
    lo: Fraction | None
    hi: Fraction | None
    eta: Fraction
    steps: int
    prec_bits: int
    tail: TailCertificate | None
    detail: str
    trace: tuple | None = None
    route: str = "modes"

    __repr__ = compact_repr

    def _repr_items(self):
        bounds = "None" if self.lo is None else _interval_text(self.lo, self.hi, self.digits)
        return [("status", format_value(self.status)), ("eta_ntk", bounds),
                ("width", "None" if self.lo is None else sci_up(self.width)), ("eta", format_value(self.eta)),
                ("steps", str(self.steps)), ("prec_bits", str(self.prec_bits)), ("route", repr(self.route)),
                ("tail", repr(self.tail)), ("detail", repr(self.detail)),
                ("trace", format_value(self.trace))]

    @property
    def certified(self) -> bool:
        return self.status is CertStatus.CERTIFIED

    @property
    def width(self) -> Fraction | None:
        return None if self.lo is None else self.hi - self.lo

    @property
    def digits(self) -> int:
        """Decimal digits that the working precision carries."""
        return int(self.prec_bits * math.log10(2))

    def contains(self, value, slack=0) -> bool:
        """Whether ``value`` (str, Fraction, mpf, float) lies in [lo − slack, hi + slack], exactly."""
        if self.lo is None:
            return False
        v, s = _exact_number("value", value), _exact_number("slack", slack)
        return self.lo - s <= v <= self.hi + s

    def bounds(self, digits: int | None = None, *, ntk: bool = False) -> tuple[str, str]:
        """(lo, hi) as decimal strings rounded outward to ``digits`` significant digits
        (default: the working precision); ``ntk=True`` gives λ_∞ = T_∞/η instead."""
        if self.lo is None:
            return ("nan", "nan")
        digits = digits or self.digits
        lo, hi = (self.lo / self.eta, self.hi / self.eta) if ntk else (self.lo, self.hi)
        return decimal_bound(lo, digits, "down"), decimal_bound(hi, digits, "up")

    def to_json(self, digits: int | None = None) -> dict:
        lo, hi = self.bounds(digits)
        nlo, nhi = self.bounds(digits, ntk=True)
        t = self.tail
        return {
            "status": self.status.name.lower(), "status_message": self.status.message, "detail": self.detail,
            "eta_ntk_lo": lo, "eta_ntk_hi": hi,
            "width": None if self.width is None else sci_up(self.width),
            "ntk_lo": nlo, "ntk_hi": nhi,
            "steps": self.steps, "prec_bits": self.prec_bits, "route": self.route,
            "tail": None if t is None else {
                "z_bound": sci_up(t.r), "q": decimal_bound(t.q, 10, "up"),
                "C": sci_up(t.C, 6), "bound": sci_up(t.tail)},
        }


def _check_problem(problem) -> Problem:
    if not isinstance(problem, Problem):
        raise InputError(f"problem={problem!r}: expected a numerics.Problem; build one with from_theta or from_state")
    return problem


def enclose_final_ntk(problem: Problem, *, prec_bits=256, max_steps=1_000_000,
                      max_width=Fraction(1, 10**6), max_prec_bits=None, record=False,
                      route="auto") -> Enclosure:
    """Certified enclosure [lo, hi] ∋ T_∞ = lim ηλ_t of GD from ``problem``'s exact initial state.

    Iterates the exact mode map (module docstring) in ``arb`` at ``prec_bits`` and, once the
    observed contraction and increments suggest the tail is below the ball radius, tries the
    tail lemma (:func:`certify_tail`); on success T_∞ ∈ T_ball ± C r/(1 − q). Derived here.

    Status DIVERGED when |z̃| exceeds 2^40·max(1, |z̃₀|, T₀); NOT_CERTIFIED after ``max_steps``
    steps, or when the ball of T grows wider than ``max_width``. Ball arithmetic cannot see
    the rotation of the two-step map near the edge of stability (the wrapping effect), so the
    digits lost grow as the orbit starts closer to (0, 2); with ``max_prec_bits`` a run whose
    ball grew too wide is repeated at doubled precision, up to that many bits. ``record=True``
    keeps a float trace of the balls (for plots only). ``route``: "planar" iterates the
    generated 2-D map of (z̃, T) (P = 2, ω₁ω₂ ≠ 0, ω₁ ≠ ω₂; it loses about half as many digits
    as the mode map), "modes" the map of (z̃, J̃(ω_i)²) (any P), "auto" planar when it applies.
    """
    problem = _check_problem(problem)
    prec = check_prec_bits(prec_bits)
    max_steps = positive_int("max_steps", max_steps, maximum=_MAX_STEPS_LIMIT)
    max_width = exact("max_width", max_width)
    if max_width <= 0:
        raise InputError(f"max_width={max_width!r}: expected a width > 0; pass e.g. max_width=1e-6")
    top = prec if max_prec_bits is None else check_prec_bits(max_prec_bits, name="max_prec_bits")
    if top < prec:
        raise InputError(f"max_prec_bits={max_prec_bits!r}: expected at least prec_bits={prec}; "
                         f"pass a larger max_prec_bits or leave it out")
    if route not in ROUTES:
        raise InputError(f"route={route!r}: expected one of {', '.join(ROUTES)}; pass e.g. route='auto'")
    if route == "auto":
        route = "planar" if _planar_applies(problem) else "modes"
    elif route == "planar":
        try:
            reduced_2d(problem)
        except InputError as exc:
            raise InputError(f"route='planar': {exc}; or pass route='modes'") from None
    tried = []
    while True:
        trace = [] if record else None
        enc, too_wide = _enclose_once(problem, prec, max_steps, max_width, trace, route)
        tried.append(prec)
        if not too_wide or 2 * prec > top:
            break
        prec *= 2
    if len(tried) > 1:
        enc = Enclosure(**{**enc.__dict__, "detail": enc.detail + f" (precision raised: {tried} bits)"})
    enc = Enclosure(**{**enc.__dict__, "route": route, "trace": tuple(trace) if record else None})
    return enc


def _planar_applies(problem: Problem) -> bool:
    try:
        reduced_2d(problem)
    except InputError:
        return False
    return True


def _enclose_once(problem: Problem, prec: int, max_steps: int, max_width: Fraction, trace=None,
                  route: str = "modes"):
    """One run of :func:`enclose_final_ntk` at ``prec`` bits: (enclosure, whether the ball grew too wide)."""
    fl = _flint()
    blowup = Fraction(divergence_bound(problem.zt0, problem.T0, problem.Et))
    with fl.ctx.workprec(prec):
        if route == "planar":
            rt = _planar_route(*(_arb(v) for v in reduced_2d(problem)))
            J = [_arb(problem.T0)]
        else:
            rt = _modes_route([_arb(w) for w in problem.omegas])
            J = [_arb(j) for j in problem.J2t]
        z = _arb(problem.zt0)
        floor_tol = _arb(Fraction(1, 2 ** (prec - 8)))
        one = fl.arb(1)
        blowup_b = _arb(blowup)
        prev_T = None
        prev_absz = None
        next_try = 0
        tries = 0
        for n in range(max_steps + 1):
            T = sum(J[1:], J[0])
            if not (z.is_finite() and T.is_finite()):
                return Enclosure(CertStatus.DIVERGED, None, None, problem.eta, n, prec, None,
                                 f"the balls stopped being finite at step {n}"), False
            absz = abs(z.mid())
            if absz > blowup_b or T.mid() > blowup_b:
                return Enclosure(CertStatus.DIVERGED, None, None, problem.eta, n, prec, None,
                                 f"|z~| or T passed {float(blowup):.3g} at step {n}"), False
            rad_T = _frac(T.rad())
            if trace is not None:
                trace.append((n, float(T.mid()), float(rad_T), float(absz)))
            if rad_T > max_width:
                return Enclosure(CertStatus.NOT_CERTIFIED, None, None, problem.eta, n, prec, None,
                                 f"the ball of T grew to radius {float(rad_T):.3g} > max_width at step {n}; "
                                 "raise prec_bits (an orbit that never settles, e.g. period-2 or chaotic, "
                                 "always ends here)"), True
            # cheap trigger from the observed midpoints (a heuristic, not part of the proof):
            # estimated tail |T_n − T_{n−1}|·q/(1 − q) with q = |z̃_n|/|z̃_{n−1}|
            if prev_T is not None and n >= next_try and (absz == 0 or absz < prev_absz):
                q_est = absz / prev_absz
                est = abs(T.mid() - prev_T) / (1 - q_est)
                target = max(T.rad(), floor_tol * max(one, abs(T.mid())))
                if absz == 0 or est.mid() <= target.mid():
                    tries += 1
                    cert = _tail(rt, z, J)
                    if cert is not None:
                        lo, hi = _endpoints(T)
                        return Enclosure(CertStatus.CERTIFIED, lo - cert.tail, hi + cert.tail, problem.eta,
                                         n, prec, cert,
                                         f"tail bound closed at step {n} (attempt {tries}): "
                                         f"|z~| <= {float(cert.r):.3g}, q = {float(cert.q):.6f}"), False
                    next_try = n + 16
            prev_T, prev_absz = T.mid(), absz
            z, J = rt.step(z, J)
        return Enclosure(CertStatus.NOT_CERTIFIED, None, None, problem.eta, max_steps, prec, None,
                         f"no tail certificate within max_steps={max_steps} "
                         f"({tries} attempts); the orbit has not settled below T = 2"), False


# ------------------------------------------------------------------------------------------
# the fixed line and its threshold


def fixed_line_polynomials(a, b, Et):
    """DF(0, T) of the 2-D map as four exact polynomials in T (flint ``fmpq_poly``): (J11, J12, J21, J22).

    Differentiated from the map the engines iterate: ``planar_zt_next`` and ``planar_T_next`` are
    evaluated on exact bivariate polynomials in (z̃, T) with the model's exact a, b, Ẽ, differentiated,
    and restricted to z̃ = 0. They do not come from the separately generated ``planar_jacobian`` (a
    test checks that the two agree), so a wrong map gives a wrong threshold. Derived here.
    """
    fl = _flint()
    a, b, Et = _abc(a, b, Et)
    ctx = fl.fmpq_mpoly_ctx.get(("z", "T"), "lex")
    z, T = ctx.gens()
    q = [fl.fmpq(x.numerator, x.denominator) for x in (a, b, Et)]
    F = (D.planar_zt_next(z, T, *q), D.planar_T_next(z, T, *q))
    out = []
    for f in F:
        for var in (0, 1):
            d = f.derivative(var)
            coeffs = {}
            for (ez, eT), c in zip(d.monoms(), d.coeffs()):
                if ez == 0:  # z̃ = 0: only the z̃-free terms remain
                    coeffs[eT] = c
            top = max(coeffs, default=0)
            out.append(fl.fmpq_poly([coeffs.get(k, 0) for k in range(top + 1)]))
    return tuple(out)


def fixed_line_jacobian(T, a, b, Et):
    """DF(0, T) of the 2-D map as four arb balls (J11, J12, J21, J22) at the ball T, for exact a, b, Ẽ:
    the polynomials of :func:`fixed_line_polynomials` evaluated in ``arb`` (call inside
    ``flint.ctx.workprec``). Derived here."""
    fl = _flint()
    return tuple(fl.arb_poly(p)(T) for p in fixed_line_polynomials(a, b, Et))


@dataclass(frozen=True)
class StabilityCertificate:
    """Certified stability of the fixed points (0, T) for every T in a ball (docs/theory.md §4).

    T: the ball of T values. jacobian: (J11, J12, J21, J22) of DF(0, T) as balls.
    transverse: the eigenvalue 1 − T (= J11, since J12 = 0 exactly). neutral: the eigenvalue
    J22 (exactly 1: the direction along the line of fixed points). sup_abs / inf_abs: bounds of
    |transverse| over the ball. stability: the verdict. All balls as strings at ``prec_bits``.
    """

    T: str
    jacobian: tuple[str, str, str, str]
    transverse: str
    neutral: str
    triangular: bool
    neutral_is_one: bool
    sup_abs: Fraction
    inf_abs: Fraction
    stability: Stability
    prec_bits: int

    __repr__ = compact_repr

    def _repr_items(self):
        items = [(f.name, format_value(getattr(self, f.name))) for f in fields(self)]
        bounds = {"sup_abs": decimal_bound(self.sup_abs, 10, "up"), "inf_abs": decimal_bound(self.inf_abs, 10, "down")}
        return [(name, bounds.get(name, text)) for name, text in items]

    def to_json(self) -> dict:
        return {"T": self.T, "jacobian": list(self.jacobian), "transverse_eigenvalue": self.transverse,
                "neutral_eigenvalue": self.neutral, "J12_exactly_zero": self.triangular,
                "neutral_exactly_one": self.neutral_is_one,
                "sup_abs_transverse": decimal_bound(self.sup_abs, 30, "up"),
                "inf_abs_transverse": decimal_bound(self.inf_abs, 30, "down"),
                "status": self.stability.name.lower(), "status_message": self.stability.message,
                "prec_bits": self.prec_bits}


def _abc(a, b, Et):
    return exact("a", a), exact("b", b), exact("Et", Et)


def certify_stability(T, a, b, Et, *, radius=0, prec_bits=128) -> StabilityCertificate:
    """Certify attracting/repelling for every fixed point (0, T'), |T' − T| ≤ radius.

    T may also be a pair (lo, hi). The verdict uses the transverse eigenvalue 1 − T only,
    after checking J12 = 0 exactly (so the eigenvalues are the diagonal entries) and
    J22 = 1 exactly (the neutral direction along the line). See the module docstring.
    """
    prec = check_prec_bits(prec_bits)
    a, b, Et = _abc(a, b, Et)
    if isinstance(T, (tuple, list)) and len(T) == 2:
        lo, hi = exact("T[0]", T[0]), exact("T[1]", T[1])
        if lo > hi:
            raise InputError(f"T={T!r}: expected (lo, hi) with lo <= hi; swap them")
    else:
        t, r = exact("T", T), exact("radius", radius)
        if r < 0:
            raise InputError(f"radius={radius!r}: expected a radius >= 0; pass e.g. radius=1e-20")
        lo, hi = t - r, t + r
    fl = _flint()
    with fl.ctx.workprec(prec):
        Tb = _hull(lo, hi) if lo != hi else _arb(lo)
        polys = fixed_line_polynomials(a, b, Et)
        J11, J12, J21, J22 = (fl.arb_poly(p)(Tb) for p in polys)
        tri = polys[1] == 0  # J12 = 0 and J22 = 1 as polynomials: for every T, not just this ball
        one = polys[3] == 1
        elo, ehi = _endpoints(J11)
        sup_abs = max(abs(elo), abs(ehi))
        inf_abs = Fraction(0) if elo <= 0 <= ehi else min(abs(elo), abs(ehi))
        if not tri:
            verdict = Stability.UNDECIDED
        elif sup_abs < 1:
            verdict = Stability.ATTRACTING
        elif inf_abs > 1:
            verdict = Stability.REPELLING
        elif J11.is_exact() and abs(_frac(J11.mid())) == 1:
            verdict = Stability.MARGINAL
        else:
            verdict = Stability.UNDECIDED
        return StabilityCertificate(
            T=_ball_str(Tb), jacobian=tuple(_ball_str(x) for x in (J11, J12, J21, J22)),
            transverse=_ball_str(J11), neutral=_ball_str(J22), triangular=tri, neutral_is_one=one,
            sup_abs=sup_abs, inf_abs=inf_abs, stability=verdict, prec_bits=prec)


@dataclass(frozen=True)
class ThresholdCertificate:
    """Certified thresholds of the fixed line: |1 − T| < 1 ⇔ T ∈ (T₊, T₋) on ``search``.

    T_minus: enclosure [lo, hi] of the root of 1 − T = −1 (the edge of stability, ∋ 2).
    T_plus: enclosure of the root of 1 − T = +1 (∋ 0). slope: enclosure of d(1 − T)/dT over
    the whole search range (excludes 0: strictly monotone, so the roots are unique there).
    eta: the step, λ* = T₋/η. newton_steps: interval Newton iterations used. certified: all
    of existence, uniqueness and monotonicity proved.
    """

    T_minus: tuple[Fraction, Fraction] | None
    T_plus: tuple[Fraction, Fraction] | None
    slope: str
    search: tuple[Fraction, Fraction]
    eta: Fraction
    newton_steps: int
    prec_bits: int
    certified: bool

    __repr__ = compact_repr

    def _repr_items(self):
        digits = int(self.prec_bits * math.log10(2))

        def pair(p):
            return "None" if p is None else _interval_text(p[0], p[1], digits)

        return [("T_minus", pair(self.T_minus)), ("T_plus", pair(self.T_plus)), ("slope", repr(self.slope)),
                ("search", format_value(self.search)), ("eta", format_value(self.eta)),
                ("newton_steps", str(self.newton_steps)), ("prec_bits", str(self.prec_bits)),
                ("certified", str(self.certified))]

    @property
    def ntk_threshold(self) -> tuple[Fraction, Fraction] | None:
        """Enclosure of λ* = T₋/η (the paper's 2/η)."""
        return None if self.T_minus is None else (self.T_minus[0] / self.eta, self.T_minus[1] / self.eta)

    def contains_edge(self) -> bool:
        """Whether T₋ ∋ 2 and T₊ ∋ 0 (the paper's threshold 2/η and the lower end T = 0)."""
        return (self.certified and self.T_minus[0] <= 2 <= self.T_minus[1]
                and self.T_plus[0] <= 0 <= self.T_plus[1])

    def to_json(self, digits: int = 30) -> dict:
        def pair(p):
            return None if p is None else [decimal_bound(p[0], digits, "down"), decimal_bound(p[1], digits, "up")]

        return {"certified": self.certified, "T_minus": pair(self.T_minus), "T_plus": pair(self.T_plus),
                "ntk_threshold": pair(self.ntk_threshold),
                "width": None if self.T_minus is None else sci_up(self.T_minus[1] - self.T_minus[0]),
                "slope": self.slope, "search": [str(self.search[0]), str(self.search[1])],
                "newton_steps": self.newton_steps, "prec_bits": self.prec_bits}


def _interval_newton(g, lo: Fraction, hi: Fraction, max_iter: int = 60):
    """Interval Newton for a root of g on [lo, hi]: N(X) = m − g(m)/g'(X).

    ``g(x)`` returns (value ball, derivative ball) for a ball x. If N(X) ⊂ X the root exists
    and is unique in X; then X ← N(X) ∩ X until the width stops shrinking. Returns
    (lo, hi, proved, iterations).
    """
    proved = False
    it = 0
    for it in range(1, max_iter + 1):
        X = _hull(lo, hi)
        _, dX = g(X)
        dlo, dhi = _endpoints(dX)
        if dlo <= 0 <= dhi:
            return lo, hi, proved, it
        m = (lo + hi) / 2
        gm, _ = g(_arb(m))
        N = _arb(m) - gm / dX
        nlo, nhi = _endpoints(N)
        if lo <= nlo and nhi <= hi:
            proved = True
        nlo, nhi = max(lo, nlo), min(hi, nhi)
        if nlo > nhi:  # no root in X
            return lo, hi, False, it
        if (nhi - nlo) >= (hi - lo) and proved:
            return nlo, nhi, proved, it
        lo, hi = nlo, nhi
    return lo, hi, proved, it


def certify_threshold(a, b, Et, *, eta=1, prec_bits=128, search=(-1, 4)) -> ThresholdCertificate:
    """Certify the edge of stability of the fixed line for the 2-D model (a, b, Ẽ).

    On the range ``search`` = [T_lo, T_hi]: enclose d(1 − T)/dT over the whole range (from
    the generated Jacobian evaluated on an ``arb_series`` in T) and show it excludes 0, then
    enclose the roots of J11(0, T) = −1 and = +1 by interval Newton. Then, on the range,
    |1 − T| < 1 exactly for T strictly between the roots. The paper's threshold 2/η (abstract, §2); the
    neutral eigenvalue along the line is handled as in :func:`certify_stability`.
    """
    prec = check_prec_bits(prec_bits)
    a, b, Et = _abc(a, b, Et)
    eta = exact("eta", eta)
    if eta <= 0:
        raise InputError(f"eta={eta!r}: expected a step size > 0; pass e.g. eta=1")
    s_lo, s_hi = exact("search[0]", search[0]), exact("search[1]", search[1])
    if not s_lo < s_hi:
        raise InputError(f"search={search!r}: expected (lo, hi) with lo < hi; pass e.g. search=(-1, 4)")
    fl = _flint()
    with fl.ctx.workprec(prec):
        J11 = fl.arb_poly(fixed_line_polynomials(a, b, Et)[0])
        dJ11 = J11.derivative()

        def g_shift(shift):
            def g(X):
                return J11(X) - shift, dJ11(X)
            return g

        _, slope = g_shift(0)(_hull(s_lo, s_hi))
        slo, shi = _endpoints(slope)
        monotone = not (slo <= 0 <= shi)
        # split the range at the fixed line's midpoint guess T = 1 for the two roots
        m_lo, m_hi, m_ok, it1 = _interval_newton(g_shift(-1), s_lo, s_hi)
        p_lo, p_hi, p_ok, it2 = _interval_newton(g_shift(1), s_lo, s_hi)
        ok = monotone and m_ok and p_ok
        return ThresholdCertificate(
            T_minus=(m_lo, m_hi) if m_ok else None, T_plus=(p_lo, p_hi) if p_ok else None,
            slope=_ball_str(slope), search=(s_lo, s_hi), eta=eta, newton_steps=it1 + it2,
            prec_bits=prec, certified=ok)


def planar_parameters(problem: Problem) -> tuple[Fraction, Fraction, Fraction]:
    """(a, b, Ẽ) of a P = 2 problem (validated by :func:`numerics.problem.reduced_2d`)."""
    return reduced_2d(problem)
