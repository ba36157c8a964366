"""The record of a high-precision GD run: its status, its values and the digits they carry.

:class:`GDResult` holds the end of a run of :func:`numerics.engines.gd_mp.run_gd` (z, J(ω_i)², λ, ηλ)
with an error bound per value; :meth:`GDResult.shown` prints each value only to the digits its bound
(and, when run, the rerun at doubled precision) vouches for (docs/theory.md §8).
:func:`agreed_digits` (from :mod:`numerics.precision`) counts the digits on which two values agree.
"""
from __future__ import annotations

from dataclasses import dataclass

import mpmath

from ..display import compact_repr, format_value
from ..precision import agreed_digits, format_digits, round_up
from ..status import Status

__all__ = ["GDStatus", "GDResult", "QUANTITIES", "agreed_digits"]


class GDStatus(Status):
    """How a GD run ended; each value is a readable message."""

    CONVERGED = ("converged: |z| fell below the tolerance while shrinking (or sits exactly on the attracting "
                 "part of the fixed line z = 0)")
    UNSTABLE_FIXED_POINT = ("unstable fixed point: on the fixed line z = 0 (or within the tolerance of it and "
                            "not shrinking) with eta*lambda >= 2 or = 0, where the line does not attract; not converged")
    NO_GRADIENT = ("no gradient: eta*lambda = 0 (every J(omega_i) = 0) while z != 0, so GD does not move: a fixed "
                   "point with a non-zero residual, not converged and not period 2")
    DIVERGED = "diverged: |z| or eta*lambda grew past the divergence bound (or became non-finite)"
    PERIOD2 = "period-2 orbit: z and eta*lambda repeat every two steps while z stays away from 0"
    MAX_STEPS = "stopped at max_steps without converging"
    STEPS_DONE = "ran exactly the requested number of steps"


QUANTITIES = ("z", "J2", "ntk", "eta_ntk")


@dataclass(frozen=True)
class GDResult:
    """The end of a GD run (unscaled quantities; ηλ is the rescaled NTK T).

    z: residual z_t. J2: J(ω_i)²_t. ntk: λ_t = Σ J(ω_i)²_t. eta_ntk: ηλ_t.
    steps: steps taken. status: :class:`GDStatus`. dps: requested decimal digits.
    agreed_digits: digits of ηλ that agree with a rerun at 2·dps (None unless requested).
    trajectory: (ηλ_t, z_t) for t = 0..steps when ``record=True``. method: the engine used.
    work_bits: working precision in bits (fixed-point fraction bits, or mpmath mantissa bits).
    tol: the stopping tolerance on |z| that was used.
    error: {"z", "J2", "ntk", "eta_ntk"} → bound on |value − exact value of the state at the
    stopping step| (an mpf, or a tuple for J2): the engine's own bound (docs/theory.md §8), raised to
    the disagreement with the rerun at 2·dps when it was run. agreed: the same keys → digits that
    agree with that rerun (None unless requested). limit_error: estimated |ηλ_t − ηλ_∞| for a
    converged run (None otherwise; :func:`numerics.engines.gd_mp.run_gd`). :meth:`shown` prints each
    value to its correct digits only.
    """

    z: mpmath.mpf
    J2: tuple
    ntk: mpmath.mpf
    eta_ntk: mpmath.mpf
    steps: int
    status: GDStatus
    dps: int
    agreed_digits: int | None
    trajectory: tuple | None
    method: str
    work_bits: int = 0
    tol: mpmath.mpf | None = None
    error: dict | None = None
    agreed: dict | None = None
    limit_error: mpmath.mpf | None = None

    @property
    def digits_checked(self) -> bool:
        """Whether the rerun at doubled precision checked the digits (``run_gd(check_digits=True)``)."""
        return self.agreed is not None

    def shown(self, *, unchecked: bool = False) -> dict:
        """{"z", "J2", "ntk", "eta_ntk"} → (decimal text or None, digits): each value to the digits that
        both its error bound and the doubled-precision rerun vouch for; J2 a list of pairs. None with
        0 digits: not even the first digit is guaranteed (see :meth:`bound_text`).

        Without the rerun the engine's bound holds only on an orbit that does not expand errors, which
        nothing has checked (docs/theory.md §8; a chaotic orbit breaks it): then every value is
        (None, 0), unless ``unchecked=True`` accepts that assumption and takes the bound's digits."""
        if not self.digits_checked and not unchecked:
            return {q: ([(None, 0)] * len(self.J2) if q == "J2" else (None, 0)) for q in QUANTITIES}
        out = {}
        for q in QUANTITIES:
            vals, errs = getattr(self, q), self.error[q]
            caps = (self.agreed or {}).get(q)
            if q == "J2":
                caps = caps or (None,) * len(vals)
                out[q] = [_shown(v, e, self.dps, c) for v, e, c in zip(vals, errs, caps)]
            else:
                out[q] = _shown(vals, errs, self.dps, caps)
        return out

    def bound_text(self, q: str, k: int | None = None) -> str:
        """"|q| < bound" for a quantity with no guaranteed digit (its value plus its error, rounded up)."""
        v, e = getattr(self, q), self.error[q]
        if k is not None:
            v, e = v[k], e[k]
        return "|{}| < {}".format(q if k is None else f"{q}[{k}]", round_up(abs(v) + e))

    def limit_shown(self):
        """(text, digits) of ηλ_∞ from ηλ_t, its error and the estimated distance to the limit; None when
        no distance was estimated (the run did not converge)."""
        if self.limit_error is None:
            return None
        cap = self.shown()["eta_ntk"][1]  # none without the rerun
        return _shown(self.eta_ntk, self.error["eta_ntk"] + self.limit_error, self.dps, cap)

    def _repr_items(self):
        s = self.shown(unchecked=True)
        mark = "" if self.digits_checked else " (unchecked)"  # the bound alone: not checked by a rerun
        text = {q: (s[q][0] or self.bound_text(q)) + mark for q in ("z", "ntk", "eta_ntk")}
        J2 = "(" + ", ".join(t or self.bound_text("J2", k) for k, (t, _) in enumerate(s["J2"])) + ")" + mark
        items = [("z", text["z"]), ("J2", J2), ("ntk", text["ntk"]), ("eta_ntk", text["eta_ntk"])]
        for f in ("steps", "status", "dps", "agreed_digits", "method", "work_bits", "tol"):
            items.append((f, format_value(getattr(self, f))))
        traj = self.trajectory  # a summary: the recorded values carry no error bounds of their own
        items.insert(8, ("trajectory", "None" if traj is None else f"<(eta_ntk_t, z_t) for t = 0..{len(traj[0]) - 1}>"))
        items.append(("limit_error", "None" if self.limit_error is None else round_up(self.limit_error)))
        return items

    __repr__ = compact_repr


def _shown(value, err, dps: int, cap: int | None):
    return format_digits(value, abs_err=err, max_digits=dps if cap is None else min(dps, cap))
