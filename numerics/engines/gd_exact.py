"""The exact orbit of GD from a :class:`~numerics.problem.Problem`: where an engine's rounding cannot decide.

The start is exact (rationals), so is every state of the exact orbit, the generated map on rationals
(paper §2.1; docs/theory.md §3, derived here):

    z̃' = z̃(1 − T) + ½ z̃² S,      J̃(ω_i)²' = (1 − z̃ ω_i)² J̃(ω_i)²,      T = Σ J̃(ω_i)²,  S = Σ ω_i J̃(ω_i)².

Its numbers about triple in size a step unless the orbit repeats, so it is followed only a few steps, or as long
as it repeats. :mod:`numerics.engines.gd_mp` asks it where the engines' roundings could disagree: near the
repelling line (:func:`exact_zT`) and on an exact cycle at a residual too small to tell from a slow approach
(:func:`exact_period2`). The float64 engine cannot hold most exact states: :func:`check_float64` refuses one
whose float64 orbit reaches, within the same few steps, an exact zero that decides its class and the exact orbit
does not.
"""
from __future__ import annotations

from itertools import islice

import mpmath

from ..precision import to_mpf
from ..problem import Problem
from ..validate import InputError
from .gd_engines import mode_step

__all__ = ["EXACT_BITS", "CYCLE_BITS", "exact_states", "exact_zT", "exact_period2", "check_float64"]

#: :func:`exact_zT` follows the orbit while its numerators and denominators stay below this many bits; the cubic
#: map about triples them a step, so from inputs of a few hundred bits that is 5 to 8 steps.
EXACT_BITS = 1 << 16
#: :func:`exact_period2` follows it while they stay within this many bits more than the start's: an orbit that
#: repeats keeps its size, one that does not passes this in 2 to 6 steps (0.2 to 1.3 ms; 35 to 95 ms to EXACT_BITS).
CYCLE_BITS = 1024


def _bits(state) -> int:
    return max(max(x.numerator.bit_length(), x.denominator.bit_length()) for x in state)


def _orbit(omegas, s, bits: int):
    while _bits(s) <= bits:
        yield s
        s = mode_step(omegas, s[0], s[1:])


def exact_states(problem: Problem, bits: int = EXACT_BITS):
    """The states (z̃_t, J̃(ω_1)²_t, …) of the exact orbit for t = 0, 1, …, until one of its numbers needs more than
    ``bits`` bits."""
    return _orbit(problem.omegas, (problem.zt0, *problem.J2t), bits)


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


def check_float64(problem: Problem, steps: int) -> None:
    """InputError where the float64 engine would classify another state than ``problem``'s (derived here).

    The float64 engine (:func:`numerics.engines.batch.run_batch`) runs the float64 rounding of ω_i, z̃₀ and
    J̃(ω_i)², in float64, and its classes rest on exact zeros: z̃ = 0 is the line (classed there by 0 < T < 2),
    J̃(ω_i)² = 0 a dead mode (all of them: T = 0, no gradient). Where its orbit reaches such a zero at a step
    t ≤ ``steps`` (the run's budget) where the exact orbit does not (the line: unless both T are in (0, 2), where
    a state on it and one near it both converge), or on the line the other side of 0 < T < 2, it classifies
    another state (ω = 1, z̃₀ = −2, J̃² = ½ + 68·2⁻¹⁵² rounds to J̃² = ½ and lands on z̃₁ = 0 at
    T₁ = 9/2: UNSTABLE_FIXED_POINT, while the exact z̃₁ = 272·2⁻¹⁵² leaves the line and diverges at step 86). The
    steps compared are those of the exact orbit below EXACT_BITS bits (a few), or until it repeats (period 1 or
    2); after them the float64 engine's rounding is its own, as in every float64 run."""
    from .batch import run_batch  # the float64 engine itself: its zeros, not those of a model of it

    w = [float(x) for x in problem.omegas]
    z0, J0 = float(problem.zt0), [float(j) for j in problem.J2t]
    seen = []
    for t, s in enumerate(islice(exact_states(problem), steps + 1)):
        if s in seen[-2:]:
            return
        seen.append(s)
        if t == 0:
            f, T = (z0, *J0), sum(J0)
        else:
            r = run_batch(w, [z0], [J0], steps=t, settle=False)
            f, T = (r.zt[0], *r.J2t[0]), r.T[0]
        i = next((i for i in range(1, len(s)) if f[i] == 0 != s[i]), None)
        attracts = (0 < T < 2, 0 < sum(s[1:]) < 2)  # on the line, T decides; where both attract, both converge
        if i is not None:
            what, name, x = f"J~(omega_{i - 1})^2 = 0", f"J~(omega_{i - 1})^2", s[i]
        elif f[0] == 0 != s[0] and not all(attracts):
            what, name, x = "the line z~ = 0 where it does not attract", "z~", s[0]
        elif f[0] == 0 == s[0] and attracts[0] != attracts[1]:
            what, name, x = "the line z~ = 0 on the other side of eta*lambda = 0 or 2", "eta*lambda", sum(s[1:])
        else:
            continue
        raise InputError(f"problem: the float64 engine's orbit (from its rounding of omegas, z0, J2) reaches {what} "
                         f"at step {t} and the exact orbit does not (its {name} there: {mpmath.nstr(to_mpf(x), 3)}): "
                         "it would classify another state; use the high-precision engine (run_gd; on the command "
                         "line drop --float64)")
