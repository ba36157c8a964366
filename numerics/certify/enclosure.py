"""A certified enclosure of the final ηλ of GD from an exact initial state (derived here).

**Enclosure of the final ηλ** (:func:`enclose_final_ntk`). From the exact initial
   state, the exact GD map in mode variables (docs/theory.md §3, generated ``gd_zt_next``,
   ``gd_J2t_next``; any P, identical to the 2-D map for P = 2)

       z̃' = z̃(1 − T) + ½ z̃² S,   J̃(ω_i)²' = (1 − z̃ω_i)² J̃(ω_i)²,
       T = Σ J̃(ω_i)²,   S = Σ ω_i J̃(ω_i)²,

   is iterated in ``arb`` until a proved tail bound closes the enclosure. For P = 2 the
   default route iterates instead the generated 2-D map (``planar_zt_next``,
   ``planar_T_next``) of the two balls (z̃, T): the same orbit (docs/theory.md §4), but with
   fewer coordinates the balls lose fewer digits near the edge (measured at 160 bits for
   ε = 0.005 in docs/theory.md §5.3's family: width 2e-35 against 8e-23; not at every state:
   for ω = (2, −1/2), Ẽ = −0.1, z̃₀ = −0.01, T₀ = 2.01 the mode route's ball is the narrower,
   7e-31 against 2e-29). Ball arithmetic cannot
   follow the rotation of the two-step map near (0, 2) (the wrapping effect), so the
   digits lost grow as the start approaches the edge of stability (measured, planar
   route at 256 bits: about 7, 9, 13, 24 and 34 digits for ε = 0.02, 0.01, 0.005,
   0.00125, 0.000625 in docs/theory.md §5.3's family); ``max_prec_bits`` doubles the precision
   when a ball grows too wide. The lemma below, with the single coordinate T, also proves
   the normal hyperbolicity used in 1.: orbits starting near an attracting segment of the
   line converge to a point of it.

The tail lemma that closes the enclosure is in :mod:`.tail`. Every engine returns a frozen
record with a status (:class:`CertStatus`); none prints. flint's global precision is never
changed: everything runs under ``ctx.workprec``.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass
from fractions import Fraction

from ..display import compact_repr, format_value
from ..precision import ball_endpoints, to_arb, to_fraction
from ..problem import Problem, reduced_2d
from ..status import Status, divergence_bound
from ..validate import InputError, exact, positive_int
from .balls import certified_digits, check_prec_bits, decimal_bound, interval_text, load_flint, sci_up
from .tail import TailCertificate, modes_route, planar_route, tail_certificate

__all__ = ["ROUTES", "CertStatus", "Enclosure", "enclose_final_ntk", "planar_parameters"]

_MAX_STEPS_LIMIT = 10**8
#: Ways to iterate the map in balls (see :func:`enclose_final_ntk`).
ROUTES = ("auto", "planar", "modes")


class CertStatus(Status):
    """How a certification ended; ``.value`` is a readable message."""

    CERTIFIED = "certified: ball arithmetic plus a proved tail bound enclose the exact limit"
    NOT_CERTIFIED = ("not certified: the orbit did not enter a region where the tail bound closes "
                     "(within max_steps), or the balls became too wide")
    DIVERGED = "diverged: |z| grew past the blow-up bound (numerics.status.divergence_bound of the initial state); no finite limit"
    UNSTABLE_FIXED_POINT = ("unstable fixed point: the orbit sits exactly on the fixed line z = 0 with eta*lambda >= 2 "
                            "or = 0, where the line does not attract; not a limit of GD (any perturbation leaves it)")
    NO_GRADIENT = ("no gradient: eta*lambda = 0 exactly (every J(omega_i) = 0) while z != 0, so GD does not move: "
                   "eta*lambda_inf = 0 exactly, at a fixed point with a non-zero residual (not converged)")
    PERIOD2 = ("period-2 orbit: the exact orbit repeats, z and eta*lambda every two steps (or every step), while "
               "z != 0: GD never converges, so there is no limit to enclose")


@dataclass(frozen=True)
class Enclosure:
    """A rigorous enclosure of T_∞ = ηλ_∞, the final ηλ of GD from an exact initial state.

    lo, hi: exact Fraction bounds, T_∞ ∈ [lo, hi] (when ``status`` is CERTIFIED, or NO_GRADIENT: [0, 0]).
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
        bounds = "None" if self.lo is None else interval_text(self.lo, self.hi, self.digits)
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
        """Decimal digits that the working precision carries (numerics.precision.digits_of_bits)."""
        return certified_digits(self.prec_bits)

    def contains(self, value, slack=0) -> bool:
        """Whether ``value`` (str, Fraction, mpf, float) lies in [lo − slack, hi + slack], exactly."""
        if self.lo is None:
            return False
        v, s = exact("value", value), exact("slack", slack)
        return self.lo - s <= v <= self.hi + s

    def bounds(self, digits: int | None = None, *, ntk: bool = False) -> tuple[str, str] | tuple[None, None]:
        """(lo, hi) as decimal strings rounded outward to ``digits`` significant digits
        (default: the working precision); ``ntk=True`` gives λ_∞ = T_∞/η instead. (None, None)
        when there is no enclosure (not certified)."""
        if self.lo is None:
            return (None, None)
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
    tail lemma (:func:`.tail.certify_tail`); on success T_∞ ∈ T_ball ± C r/(1 − q). Derived here.

    Status DIVERGED when |z̃| or T passes numerics.status.divergence_bound of (z̃₀, T₀, Ẽ); UNSTABLE_FIXED_POINT
    when z̃ is exactly 0 with T ≥ 2 or T = 0 (as in every GD engine); NO_GRADIENT, with [lo, hi] = [0, 0], when
    T is exactly 0 and z̃ is not (nothing moves); PERIOD2 when the state (z̃ ≠ 0 and each J̃(ω_i)², or z̃ and T
    on the planar route), all of it point balls, equals exactly the state of one or two steps before: the exact
    orbit is then periodic with z̃ ≠ 0 and never converges, and the GD engines say PERIOD2 for it (gd_mp whatever
    |z̃| is: below its period-2 floor it asks the exact orbit too; a longer exact period is NOT_CERTIFIED, with the
    period in the detail). Brent's cycle test finds the repeat: the
    exact state of step 0 and of each power of 2 is kept and compared with each later state, so a cycle of
    period p entered at step μ is seen by step 2·max(μ, p). NOT_CERTIFIED after ``max_steps``
    steps, or when the ball of T grows wider than ``max_width``. Ball arithmetic cannot see
    the rotation of the two-step map near the edge of stability (the wrapping effect), so the
    digits lost grow as the orbit starts closer to (0, 2); with ``max_prec_bits`` a run whose
    ball grew too wide is repeated at doubled precision, up to that many bits. ``record=True``
    keeps a float trace of the balls (for plots only). ``route``: "planar" iterates the
    generated 2-D map of (z̃, T) (P = 2, ω₁ω₂ ≠ 0, ω₁ ≠ ω₂; near the edge it loses far fewer digits
    than the mode map), "modes" the map of (z̃, J̃(ω_i)²) (any P), "auto" planar when it applies.
    """
    problem = _check_problem(problem)
    prec = check_prec_bits(prec_bits)
    max_steps = positive_int("max_steps", max_steps, maximum=_MAX_STEPS_LIMIT)
    width = exact("max_width", max_width)
    if width <= 0:
        raise InputError(f"max_width={max_width!r}: expected a width > 0; pass e.g. max_width=1e-6")
    max_width = width
    top = prec if max_prec_bits is None else check_prec_bits(max_prec_bits, name="max_prec_bits")
    if top < prec:
        raise InputError(f"max_prec_bits={max_prec_bits!r}: expected at least prec_bits={prec}; "
                         f"pass a larger max_prec_bits or leave it out")
    if route not in ROUTES:
        raise InputError(f"route={route!r}: expected one of {', '.join(ROUTES)}; pass e.g. route='auto'")
    if route == "auto":
        route = "planar" if problem.planar is not None else "modes"
    elif route == "planar" and problem.planar is None:
        raise InputError(f"route='planar': {problem.planar_why_not}; or pass route='modes'")
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


def _enclose_once(problem: Problem, prec: int, max_steps: int, max_width: Fraction, trace: list | None,
                  route: str):
    """One run of :func:`enclose_final_ntk` at ``prec`` bits: (enclosure, whether the ball grew too wide)."""
    fl = load_flint()
    blowup = Fraction(divergence_bound(problem.zt0, problem.T0, problem.Et))
    with fl.ctx.workprec(prec):
        if route == "planar":
            rt = planar_route(*(to_arb(v) for v in problem.planar))
            J = [to_arb(problem.T0)]
        else:
            rt = modes_route([to_arb(w) for w in problem.omegas])
            J = [to_arb(j) for j in problem.J2t]
        z = to_arb(problem.zt0)
        floor_tol = to_arb(Fraction(1, 2 ** (prec - 8)))
        one = fl.arb(1)
        blowup_b = to_arb(blowup)
        prev_T = None
        prev_absz = None
        kept = None  # (n, z~, J) of the exact state off the line of step n = 0 or a power of 2 (Brent's cycle test)
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
            if z.mid() == 0 and z.rad() == 0:  # exactly on the fixed line: the orbit stays at (0, T) for ever
                lo, hi = ball_endpoints(T)
                if not 0 < lo <= hi < 2:  # classed by the transverse multiplier 1 − T, as in every engine
                    fixed = not (0 < hi and lo < 2)
                    return Enclosure(CertStatus.UNSTABLE_FIXED_POINT if fixed else CertStatus.NOT_CERTIFIED, None,
                                     None, problem.eta, n, prec, None,
                                     f"exactly on the fixed line z~ = 0 at step {n} with T in "
                                     f"{interval_text(lo, hi, certified_digits(prec))}: "
                                     + ("1 - T is not in (-1, 1), the line does not attract there" if fixed else
                                        "the ball of T holds an end of the attracting segment 0 < T < 2; "
                                        "raise prec_bits")), False
            if T.mid() == 0 and T.rad() == 0:  # every J~^2 exactly 0 (a sum of squares), z~ != 0: nothing moves
                return Enclosure(CertStatus.NO_GRADIENT, Fraction(0), Fraction(0), problem.eta, n, prec, None,
                                 f"eta*lambda = 0 exactly at step {n} with z~ != 0: no gradient, GD stays at this "
                                 "state, so eta*lambda_inf = 0 exactly"), False
            if kept is not None and z == kept[1] and all(map(operator.eq, J, kept[2])):  # arb ==: both exact, equal
                return _repeat(problem, n, kept[0], z, J, prec), False
            if n & (n - 1) == 0:  # a point of the line (z~ = 0 exactly, 0 < T < 2 here) converges: never kept
                kept = (n, z, J) if absz != 0 and z.is_exact() and all(j.is_exact() for j in J) else None
            rad_T = to_fraction(T.rad())
            if trace is not None:
                trace.append((n, float(T.mid()), float(rad_T), float(absz)))
            if rad_T > max_width:
                return Enclosure(CertStatus.NOT_CERTIFIED, None, None, problem.eta, n, prec, None,
                                 f"the ball of T grew to radius {float(rad_T):.3g} > max_width at step {n}; "
                                 "raise prec_bits (an orbit that never settles, e.g. period-2 or chaotic, "
                                 "always ends here)"), True
            # cheap trigger from the observed midpoints (a heuristic, not part of the proof):
            # estimated tail |T_n − T_{n−1}|/(1 − q) with q = |z̃_n|/|z̃_{n−1}| (the increments from
            # step n on, if they shrink by q a step)
            if prev_T is not None and n >= next_try and (absz == 0 or absz < prev_absz):
                q_est = absz / prev_absz
                est = abs(T.mid() - prev_T) / (1 - q_est)
                target = max(T.rad(), floor_tol * max(one, abs(T.mid())))
                if absz == 0 or est.mid() <= target.mid():
                    tries += 1
                    cert = tail_certificate(rt, z, J)
                    if cert is not None:
                        lo, hi = ball_endpoints(T)
                        return Enclosure(CertStatus.CERTIFIED, lo - cert.tail, hi + cert.tail, problem.eta,
                                         n, prec, cert,
                                         f"tail bound closed at step {n} (attempt {tries}): "
                                         f"|z~| <= {float(cert.r):.3g}, q = {float(cert.q):.6f}"), False
                    next_try = n + 16
            prev_T, prev_absz = T.mid(), absz
            if n < max_steps:  # the state of step max_steps is the last one, named in the record below
                z, J = rt.step(z, J)
        return Enclosure(CertStatus.NOT_CERTIFIED, None, None, problem.eta, max_steps, prec, None,
                         f"no tail certificate within max_steps={max_steps} ({tries} attempts); at step "
                         f"{max_steps} T in {interval_text(*ball_endpoints(T), 6)} and "
                         f"z~ in {interval_text(*ball_endpoints(z), 6)}"), False


def _repeat(problem: Problem, n: int, m: int, z, J, prec: int) -> Enclosure:
    """The record of an exact repeat: the point balls (z̃, J) of step n equal those of step m < n, with z̃ ≠ 0 (a
    state on the line is never kept) and T ≠ 0 (checked at every step), so the exact orbit has period p = n − m.
    p ≤ 2 is PERIOD2, as the GD engines say; a fixed point (p = 1) off the line has z̃ω_i = 2 in every live
    mode (J̃(ω_i)²' = (1 − z̃ω_i)² J̃(ω_i)²), so θ_i' = (1 − z̃ω_i)θ_i = −θ_i: period 2 in θ."""
    p, zf, Tf = n - m, to_fraction(z), sum(map(to_fraction, J))
    text = (f"the orbit repeats exactly: the state at step {n} is the one of step {m} (z~ = {zf}, T = {Tf}, "
            f"every ball a point), a cycle of period {p} off the fixed line, so GD never converges")
    if p == 1:
        text += " (z~*omega_i = 2 in every mode with J~(omega_i) != 0: each theta_i changes sign every step)"
    return Enclosure(CertStatus.PERIOD2 if p <= 2 else CertStatus.NOT_CERTIFIED, None, None, problem.eta, n,
                     prec, None, text if p <= 2 else text + "; not period 2")


def planar_parameters(problem: Problem) -> tuple[Fraction, Fraction, Fraction]:
    """(a, b, Ẽ) of a P = 2 problem (validated by :func:`numerics.problem.reduced_2d`)."""
    return reduced_2d(problem)
