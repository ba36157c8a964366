"""The model instance: eigenvalues ω_i of Q, target E, step η and the initial state.

Paper, Section 2.1: z(θ) = ½ θᵀQθ − E, J(ω_i) = J v_i = ω_i θ_i in the eigenbasis
of Q, NTK λ = JJᵀ = Σ_i J(ω_i)².

A :class:`Problem` holds every number exactly (as :class:`fractions.Fraction`), so
each engine converts it at its own working precision and a rerun at doubled
precision sees the same input. Build one with :func:`from_theta` (E and θ₀ in the
eigenbasis) or :func:`from_state` (z₀ and J(ω_i)²; E is then implied by the
invariant Σ_{ω_i≠0} J(ω_i)²/ω_i − 2z = 2E, derived here).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .display import compact_repr
from .validate import InputError, exact, exact_list, nonnegative_list, positive

__all__ = ["Problem", "from_theta", "from_state", "reduced_2d"]


@dataclass(frozen=True)
class Problem:
    """One second-order regression model and its initial state, exactly.

    omegas: eigenvalues ω_i of Q. E: target. eta: step size (or flow scale) η > 0.
    z0: initial residual z. J2: initial J(ω_i)² (unscaled), one per ω_i.
    theta0: initial eigenbasis coordinates θ_i, if the problem was built from them.
    """

    omegas: tuple[Fraction, ...]
    E: Fraction
    eta: Fraction
    z0: Fraction
    J2: tuple[Fraction, ...]
    theta0: tuple[Fraction, ...] | None = None

    __repr__ = compact_repr

    def __post_init__(self):
        if len(self.J2) != len(self.omegas):
            raise InputError(
                f"J2={[float(j) for j in self.J2]!r}: expected {len(self.omegas)} entries, one per omega; "
                f"give one per omega"
            )
        for i, (w, j) in enumerate(zip(self.omegas, self.J2)):
            if j < 0:
                raise InputError(f"J2[{i}]={float(j)!r}: a squared Jacobian cannot be negative; pass values >= 0")
            if w == 0 and j != 0:
                raise InputError(
                    f"J2[{i}]={float(j)!r}: the mode with omega=0 has J(0) = 0*theta = 0; pass J2[{i}]=0"
                )
        lhs = sum((j / w for w, j in zip(self.omegas, self.J2) if w != 0), Fraction(0)) - 2 * self.z0
        if lhs != 2 * self.E:
            raise InputError(
                f"E={float(self.E)!r}: inconsistent with z0 and J2 (the invariant gives "
                f"E={float(lhs / 2)!r}); give either (E, theta0) or (z0, J2), not both"
            )

    @property
    def P(self) -> int:
        return len(self.omegas)

    @property
    def planar_why_not(self) -> str | None:
        """None when the planar (2-D) reduction applies; else why not, as a one-line input error."""
        w = ",".join(str(float(x)) for x in self.omegas)
        if self.P != 2:
            return (f"omegas={w!r}: the 2-D reduction needs exactly 2 eigenvalues, got {self.P}; "
                    f"pass two omegas")
        w1, w2 = self.omegas
        if w1 * w2 == 0:
            return f"omegas={w!r}: the 2-D reduction divides by omega1*omega2; pass nonzero omegas"
        if w1 == w2:
            return f"omegas={w!r}: the 2-D reduction needs omega1 != omega2; pass distinct omegas"
        return None

    @property
    def planar(self) -> tuple[Fraction, Fraction, Fraction] | None:
        """(a, b, Ẽ) = (ω₁+ω₂, ω₁ω₂, ηE) of the planar reduction, or None where it does not apply.

        The reduction (docs/theory.md, derived here) eliminates one mode with the invariant, so it
        needs P = 2, ω₁ω₂ ≠ 0 and ω₁ ≠ ω₂ (:attr:`planar_why_not` says which fails).
        """
        if self.planar_why_not is not None:
            return None
        w1, w2 = self.omegas
        return w1 + w2, w1 * w2, self.Et

    # η-rescaled quantities (docs/theory.md §3): z̃ = ηz, J̃² = ηJ², T = ηλ, Ẽ = ηE.
    @property
    def zt0(self) -> Fraction:
        return self.eta * self.z0

    @property
    def J2t(self) -> tuple[Fraction, ...]:
        return tuple(self.eta * j for j in self.J2)

    @property
    def Et(self) -> Fraction:
        return self.eta * self.E

    @property
    def ntk0(self) -> Fraction:
        """λ at t = 0: Σ J(ω_i)²."""
        return sum(self.J2, Fraction(0))

    @property
    def T0(self) -> Fraction:
        """ηλ at t = 0."""
        return self.eta * self.ntk0


def _omegas(omegas) -> tuple[Fraction, ...]:
    return exact_list("omegas", omegas)


def from_theta(omegas, E, theta0, eta=1) -> Problem:
    """Problem from eigenvalues ω_i, target E and eigenbasis coordinates θ_i: J(ω_i) = ω_i θ_i."""
    w = _omegas(omegas)
    E = exact("E", E)
    th = exact_list("theta0", theta0, length=len(w))
    eta = positive("eta", eta)
    J2 = tuple((wi * ti) ** 2 for wi, ti in zip(w, th))
    z0 = sum((wi * ti * ti for wi, ti in zip(w, th)), Fraction(0)) / 2 - E
    return Problem(omegas=w, E=E, eta=eta, z0=z0, J2=J2, theta0=th)


def from_state(omegas, z0, J2, eta=1) -> Problem:
    """Problem from ω_i, the residual z₀ and J(ω_i)² ≥ 0; E follows from the invariant."""
    w = _omegas(omegas)
    z0 = exact("z0", z0)
    J2 = nonnegative_list("J2", J2, length=len(w))
    eta = positive("eta", eta)
    for i, (wi, ji) in enumerate(zip(w, J2)):
        if wi == 0 and ji != 0:
            raise InputError(f"J2[{i}]={float(ji)!r}: the mode with omega=0 has J(0) = 0; pass J2[{i}]=0")
    E = (sum((j / wi for wi, j in zip(w, J2) if wi != 0), Fraction(0)) - 2 * z0) / 2
    return Problem(omegas=w, E=E, eta=eta, z0=z0, J2=J2)


def reduced_2d(problem: Problem) -> tuple[Fraction, Fraction, Fraction]:
    """(a, b, Ẽ) of :attr:`Problem.planar`; InputError (saying why) where the reduction does not apply."""
    if problem.planar is None:
        raise InputError(problem.planar_why_not)
    return problem.planar
