"""The fixed line z̃ = 0 of the 2-D map and its certified threshold 2/η (docs/theory.md §4).

**Threshold of the fixed line** (:func:`certify_stability`, :func:`certify_threshold`).
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
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from fractions import Fraction

from .. import _derived as D
from ..display import compact_repr, format_value
from ..precision import ball_endpoints, to_arb, to_fraction
from ..status import Status
from ..validate import InputError, exact
from .balls import ball_str, certified_digits, check_prec_bits, decimal_bound, hull, interval_text, load_flint, sci_up

__all__ = ["Stability", "StabilityCertificate", "ThresholdCertificate", "fixed_line_polynomials",
           "fixed_line_jacobian", "certify_stability", "certify_threshold"]


class Stability(Status):
    """Certified stability of the points (0, T), T in a ball, of the fixed line z̃ = 0."""

    ATTRACTING = "attracting: |1 - T| < 1 for every T in the ball (normally hyperbolic, attracting)"
    REPELLING = "repelling: |1 - T| > 1 for every T in the ball"
    MARGINAL = "marginal: 1 - T = -1 or +1 exactly (T = 2, the edge of stability, or T = 0)"
    UNDECIDED = "undecided: the ball of T values straddles |1 - T| = 1; shrink the ball or raise the precision"


def fixed_line_polynomials(a, b, Et):
    """DF(0, T) of the 2-D map as four exact polynomials in T (flint ``fmpq_poly``): (J11, J12, J21, J22).

    Differentiated from the map the engines iterate: ``planar_zt_next`` and ``planar_T_next`` are
    evaluated on exact bivariate polynomials in (z̃, T) with the model's exact a, b, Ẽ, differentiated,
    and restricted to z̃ = 0. They do not come from the separately generated ``planar_jacobian`` (a
    test checks that the two agree), so a wrong map gives a wrong threshold. Derived here.
    """
    fl = load_flint()
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
    fl = load_flint()
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
    fl = load_flint()
    with fl.ctx.workprec(prec):
        Tb = hull(lo, hi) if lo != hi else to_arb(lo)
        polys = fixed_line_polynomials(a, b, Et)
        J11, J12, J21, J22 = (fl.arb_poly(p)(Tb) for p in polys)
        tri = polys[1] == 0  # J12 = 0 and J22 = 1 as polynomials: for every T, not just this ball
        one = polys[3] == 1
        elo, ehi = ball_endpoints(J11)
        sup_abs = max(abs(elo), abs(ehi))
        inf_abs = Fraction(0) if elo <= 0 <= ehi else min(abs(elo), abs(ehi))
        if not tri:
            verdict = Stability.UNDECIDED
        elif sup_abs < 1:
            verdict = Stability.ATTRACTING
        elif inf_abs > 1:
            verdict = Stability.REPELLING
        elif J11.is_exact() and abs(to_fraction(J11.mid())) == 1:
            verdict = Stability.MARGINAL
        else:
            verdict = Stability.UNDECIDED
        return StabilityCertificate(
            T=ball_str(Tb), jacobian=tuple(ball_str(x) for x in (J11, J12, J21, J22)),
            transverse=ball_str(J11), neutral=ball_str(J22), triangular=tri, neutral_is_one=one,
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
        digits = certified_digits(self.prec_bits)

        def pair(p):
            return "None" if p is None else interval_text(p[0], p[1], digits)

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
        X = hull(lo, hi)
        _, dX = g(X)
        dlo, dhi = ball_endpoints(dX)
        if dlo <= 0 <= dhi:
            return lo, hi, proved, it
        m = (lo + hi) / 2
        gm, _ = g(to_arb(m))
        N = to_arb(m) - gm / dX
        nlo, nhi = ball_endpoints(N)
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
    step = exact("eta", eta)
    if step <= 0:
        raise InputError(f"eta={eta!r}: expected a step size > 0; pass e.g. eta=1")
    eta = step
    s_lo, s_hi = exact("search[0]", search[0]), exact("search[1]", search[1])
    if not s_lo < s_hi:
        raise InputError(f"search={search!r}: expected (lo, hi) with lo < hi; pass e.g. search=(-1, 4)")
    fl = load_flint()
    with fl.ctx.workprec(prec):
        J11 = fl.arb_poly(fixed_line_polynomials(a, b, Et)[0])
        dJ11 = J11.derivative()

        def g_shift(shift):
            def g(X):
                return J11(X) - shift, dJ11(X)
            return g

        _, slope = g_shift(0)(hull(s_lo, s_hi))
        slo, shi = ball_endpoints(slope)
        monotone = not (slo <= 0 <= shi)
        # split the range at the fixed line's midpoint guess T = 1 for the two roots
        m_lo, m_hi, m_ok, it1 = _interval_newton(g_shift(-1), s_lo, s_hi)
        p_lo, p_hi, p_ok, it2 = _interval_newton(g_shift(1), s_lo, s_hi)
        ok = monotone and m_ok and p_ok
        return ThresholdCertificate(
            T_minus=(m_lo, m_hi) if m_ok else None, T_plus=(p_lo, p_hi) if p_ok else None,
            slope=ball_str(slope), search=(s_lo, s_hi), eta=eta, newton_steps=it1 + it2,
            prec_bits=prec, certified=ok)
