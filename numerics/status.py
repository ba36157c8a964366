"""One status vocabulary: the base of every engine's status enum, and one table to exit codes.

Engines return a status in their immutable result instead of raising (after diffrax's
RESULTS): ``result.status.message`` says what happened in words. Every engine's enum
extends :class:`Status`; a member is ``NAME = "message"``, or ``NAME = code, "message"``
in an enum whose members are stored as integer codes in arrays (the float64 batch engine).

The same name means the same thing in every engine (CONVERGED, DIVERGED, STEP_LIMIT, ...),
and :data:`EXIT_CODES` gives each name its command-line exit code: 0 when the run has a
result to report, 1 when it has none (it diverged, ran out of steps, found no root, was not
certified, ...). Every command returns :func:`exit_code` of its statuses; exit 2 is bad
input, never a status. A new status name must be added to the table (a test checks that
every member of every engine's enum is in it).
"""
from __future__ import annotations

import enum

__all__ = ["Status", "EXIT_RESULT", "EXIT_NO_RESULT", "EXIT_CODES", "exit_code", "DIVERGENCE_FACTOR",
           "divergence_bound", "LOSS_BLOWUP", "loss_stop", "LossRule", "SHARPEN_FACTOR", "EOS_LEVEL", "sharpened",
           "at_edge"]

EXIT_RESULT, EXIT_NO_RESULT = 0, 1

#: The divergence rule of every engine: a run is DIVERGED once |z̃| or ηλ exceeds this factor
#: times its initial scale max(1, |z̃₀|, ηλ₀, |Ẽ|) (or a value stops being finite). The float64
#: batch engine (numerics.engines.batch) takes the factor itself as one absolute bound for a
#: whole batch; docs/theory.md §4 says why, and when that can differ.
DIVERGENCE_FACTOR = 2**30


def divergence_bound(*initial):
    """DIVERGENCE_FACTOR · max(1, |x| for x in initial): the bound on |z̃| and ηλ (exact if the inputs are)."""
    return DIVERGENCE_FACTOR * max([1, *(abs(x) for x in initial)])


#: The same rule for engines that track the loss L = ½‖z‖² (high-D model, networks): squared,
#: because the loss is quadratic in z.
LOSS_BLOWUP = float(DIVERGENCE_FACTOR) ** 2


class LossRule:
    """The stop rule of every loss-driven GD run (high-D model, networks): with L₀ the initial loss,

    converged when L ≤ tol·max(1, L₀); diverged when L > blowup·max(1, L₀) or L is not finite.
    Works on a number or elementwise on a numpy array of losses (a batch of runs).
    """

    __slots__ = ("conv", "big")

    def __init__(self, loss0: float, tol: float, blowup: float | None = None):
        scale = max(1.0, float(loss0))
        blowup = LOSS_BLOWUP if blowup is None else blowup
        self.conv, self.big = tol * scale, blowup * scale

    def converged(self, loss):
        return loss <= self.conv

    def diverged(self, loss):
        import numpy as np

        return ~np.isfinite(loss) | (loss > self.big)


def loss_stop(loss: float, loss0: float, tol: float, blowup: float = LOSS_BLOWUP) -> str | None:
    """:class:`LossRule` for one loss: "DIVERGED", "CONVERGED" or None (L₀: the initial loss; the
    caller maps the name to its own status enum)."""
    rule = LossRule(loss0, tol, blowup)
    if rule.diverged(loss):
        return "DIVERGED"
    return "CONVERGED" if rule.converged(loss) else None


#: A run sharpened (progressive sharpening) when its peak ηλ_max exceeded this factor times the initial one.
SHARPEN_FACTOR = 1.1
#: A run reached the edge of stability when its peak ηλ_max reached this level.
EOS_LEVEL = 1.9


def sharpened(initial: float, peak: float) -> bool:
    """Progressive sharpening: peak ηλ_max > SHARPEN_FACTOR × initial ηλ_max."""
    return peak > SHARPEN_FACTOR * initial


def at_edge(eta_lambda) -> bool:
    """ηλ_max at the edge of stability: ≥ EOS_LEVEL."""
    return eta_lambda >= EOS_LEVEL


class Status(enum.Enum):
    """Subclass with members whose values are one-line messages (or ``code, message`` pairs)."""

    @property
    def message(self) -> str:
        return self.__dict__.get("_message_", self.value)

    @property
    def has_result(self) -> bool:
        """True when the run ended with a value to report (exit code 0)."""
        return EXIT_CODES[self.name] == EXIT_RESULT


_RESULT = (
    "CONVERGED",  # every engine: the stop rule on the residual fired
    "STEPS_DONE",  # GD ran exactly the requested steps: the state there is the result
    "AT_MINIMUM",  # GF: z = 0 at the start, nothing moves, the limit is the initial state
    "NO_GRADIENT",  # GF, GD, batch, certifier: ηλ = 0 with z ≠ 0, nothing moves, the limit is that state
    "OK", "ON_FIXED_LINE",  # EOS prediction: a value, or the exact one on z = 0
    "CERTIFIED",
    "ATTRACTING", "REPELLING", "MARGINAL",  # a threshold certificate decided
    "FOUND",  # a high-D EOS phase was measured
    "CONVERGED_BELOW", "SELF_STABILIZED", "PERIOD2", "CHAOTIC",  # float64 classes: what the run did
)
_NO_RESULT = (
    "DIVERGED",  # |z| or ηλ past the divergence bound, or not finite
    "MAX_STEPS", "STEP_LIMIT", "T_MAX", "BOUNDED",  # the budget ran out first
    "RUNS_AWAY",  # GF: z never reaches 0, λ → 0 and x → ±∞: no finite limit
    "NO_ROOT", "FAR_FROM_EDGE",  # EOS prediction: no value
    "DEGENERATE",  # EOS prediction: near k = 0 the series does not converge, the value is unreliable
    "NOT_CERTIFIED", "UNDECIDED",
    "NO_EOS",  # high D: ηλ never reached 2
    "UNSTABLE_FIXED_POINT",  # on z = 0 where the fixed line does not attract
    "SOLVER_FAILED", "SWITCHES", "PROJECTION_FAILED",  # central flow: the integration did not finish
)

#: Status name → command-line exit code, one table for every engine and command.
EXIT_CODES = {**{n: EXIT_RESULT for n in _RESULT}, **{n: EXIT_NO_RESULT for n in _NO_RESULT}}


def exit_code(*statuses: Status) -> int:
    """The command's exit code for the statuses it reports: 1 if any has no result, else 0."""
    return max((EXIT_CODES[s.name] for s in statuses), default=EXIT_RESULT)
