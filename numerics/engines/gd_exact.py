"""The exact orbit of GD from a :class:`~numerics.problem.Problem`: where an engine's rounding cannot decide.

The start is exact (rationals), so is every state of the exact orbit, the generated map on rationals
(paper §2.1; docs/theory.md §3, derived here):

    z̃' = z̃(1 − T) + ½ z̃² S,      J̃(ω_i)²' = (1 − z̃ ω_i)² J̃(ω_i)²,      T = Σ J̃(ω_i)²,  S = Σ ω_i J̃(ω_i)².

Its numbers about triple in size a step unless the orbit repeats, so it is followed only a few steps, or as long
as it repeats. :mod:`numerics.engines.gd_mp` asks it where the engines' roundings could disagree: near the
repelling line (:func:`exact_zT`) and on an exact cycle at a residual too small to tell from a slow approach
(:func:`exact_period2`).
"""
from __future__ import annotations

from itertools import islice

from ..problem import Problem
from .gd_engines import mode_step

__all__ = ["EXACT_BITS", "CYCLE_BITS", "exact_states", "exact_zT", "exact_period2"]

#: :func:`exact_zT` follows the orbit while its numerators and denominators stay below this many bits; the cubic
#: map about triples them a step, so from inputs of a few hundred bits that is 5 to 8 steps.
EXACT_BITS = 1 << 16
#: :func:`exact_period2` follows it while they stay within this many bits more than the start's: an orbit that
#: repeats keeps its size, one that does not passes this in 2 to 6 steps (0.2 to 1.3 ms; 35 to 95 ms to EXACT_BITS).
CYCLE_BITS = 1024


def _bits(state) -> int:
    return max(max(x.numerator.bit_length(), x.denominator.bit_length()) for x in state)


def exact_states(problem: Problem, bits: int = EXACT_BITS):
    """The states (z̃_t, J̃(ω_1)²_t, …) of the exact orbit for t = 0, 1, …, until one of its numbers needs more than
    ``bits`` bits."""
    s = (problem.zt0, *problem.J2t)
    while _bits(s) <= bits:
        yield s
        s = mode_step(problem.omegas, s[0], s[1:])


def exact_zT(problem: Problem, steps: int):
    """(z̃_t, T_t) at t = ``steps`` of the exact orbit, or None once one of its numbers needs more than EXACT_BITS."""
    s = next(islice(exact_states(problem), steps, None), None)
    return None if s is None else (s[0], sum(s[1:]))


def exact_period2(problem: Problem, t: int):
    """Whether the exact orbit has period 1 or 2 from step t on, off the line z̃ = 0 (derived here).

    True when its state at t + 2 (z̃ and every J̃(ω_i)²) is the one of step t and z̃_t ≠ 0: the map is a function
    of the state, so the orbit then repeats for ever and never reaches the line (z̃ = 0 stays 0), whatever |z̃| is.
    A fixed point off the line has z̃ω_i = 2 in every live mode, so each θ_i changes sign every step: period 2 in θ,
    as the certifier says. False when it does not repeat there; None where a number passes CYCLE_BITS bits more
    than the start's largest before step t + 2 (no repeat is looked for)."""
    s = list(islice(exact_states(problem, CYCLE_BITS + _bits((problem.zt0, *problem.J2t))), t, t + 3))
    return None if len(s) < 3 else s[0][0] != 0 and s[0] == s[2]
