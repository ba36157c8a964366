"""The float64 engine classifies the float64 rounding of a state: where that decides another class, it refuses.

ω = 1, z̃₀ = −2, J̃² = ½ + 68·2⁻¹⁵²: the exact z̃₁ = z̃₀(2 − 2T₀ + S₀z̃₀)/2 = 272·2⁻¹⁵² is off the line z̃ = 0 at
T₁ ≈ 9/2, where it repels, and the orbit diverges at step 86 (every high-precision engine says so,
tests/test_status_near_the_line.py). float64 rounds J̃² to ½, lands on z̃₁ = 0 exactly and said UNSTABLE_FIXED_POINT
(`classify_problem`; `sorm simulate --float64`: exit 1, "unstable_fixed_point" at step 64). The float64 engine's
classes rest on exact zeros (z̃ = 0: the line, classed by 0 < T < 2 there; J̃(ω_i)² = 0: a dead mode, T = 0), so
every path that hands it an exact Problem (`classify_problem`, `sorm simulate --float64` and `sorm plot --float64`)
first compares the zeros of its orbit with those of the exact orbit over the steps the exact orbit can be followed
(numerics.engines.gd_exact.check_float64), and refuses the state with a one-line error where they differ. The
arrays that `run_batch`, `run_planar` and `sorm sweep` take are float64 states themselves: their classes are those
states' own.
"""
from __future__ import annotations

from fractions import Fraction as F

import pytest
from hypothesis import assume, event, example, given, settings

from sorm.numerics.engines.batch import TrajectoryClass, classify_problem, run_batch
from sorm.numerics.engines.gd_mp import GDStatus, run_gd
from sorm.numerics.problem import from_state, from_theta
from sorm.numerics.validate import InputError
from sorm.proofs_check.cli import main

from test_engines_agree import exact_orbit
from test_status_near_the_line import near_the_preimage, theta_near_the_preimage

REPORTED = from_state("1", "-2", [F(1, 2) + F(68, 2**152)])
ONE_THIRD = F(float(F(1, 3)))  # the float64 rounding of 1/3


def test_what_the_float64_engine_does_with_the_rounded_state():
    """The rounded state (J̃² = ½) lands on the line exactly and the float64 engine, given it as floats, calls it an
    UNSTABLE_FIXED_POINT at step 1: true of that state, not of the exact one."""
    assert float(REPORTED.J2t[0]) == 0.5 and exact_orbit(REPORTED, 1)[1][0] == F(272, 2**152)
    r = run_batch([1.0], [-2.0], [[0.5]], steps=300, check_every=1)
    assert (r.class_of(0), int(r.steps[0]), r.zt[0]) == (TrajectoryClass.UNSTABLE_FIXED_POINT, 1, 0.0)
    assert run_gd(from_state("1", "-2", ["1/2"]), dps=30).status is GDStatus.UNSTABLE_FIXED_POINT


def test_classify_problem_refuses_the_reported_state_naming_the_step():
    with pytest.raises(InputError) as e:
        classify_problem(REPORTED, steps=300)
    msg = str(e.value)
    assert msg.startswith("problem: ") and "\n" not in msg
    assert "reaches the line z~ = 0 where it does not attract at step 1" in msg and "4.76e-44" in msg and "run_gd" in msg


@pytest.mark.parametrize("command", ["simulate", "plot"])
def test_the_cli_float64_path_refuses_it_in_one_line_with_exit_2(command, capsys, tmp_path):
    argv = [command, "--omegas", "1", "--z0", "-2", "--J2", str(REPORTED.J2[0]), "--float64"]
    if command == "plot":
        argv += ["--out", str(tmp_path / "run.png")]
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = [ln for ln in captured.err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "the line z~ = 0 where it does not attract at step 1" in lines[0] and "drop --float64" in lines[0]
    assert "unstable" not in captured.out


REFUSED = {
    # (problem, the step, what the float64 orbit reaches)
    "z0-underflows": (from_state("1,-1", "1e-400", "1.2,0.8"), 0, "the line z~ = 0 where it does not attract"),
    "J2-underflows": (from_state("1,-1", "0.01", "1e-400,1"), 0, "J~(omega_0)^2 = 0"),
    # on the line: T = 2 − 2⁻⁶⁰ attracts (CONVERGED in run_gd), its rounding T = 2 does not
    "T-rounds-to-2": (from_state("1,-1", "0", [2 - F(1, 2**60), 0]), 0, "other side of eta*lambda = 0 or 2"),
    # ω = 1/3 rounds to ONE_THIRD and z̃₀ = 1/ONE_THIRD kills the mode in float64: (1 − z̃₀ω)² = 0
    "omega-rounds": (from_state(["1/3"], 1 / ONE_THIRD, ["1"]), 1, "J~(omega_0)^2 = 0"),
    "reported": (REPORTED, 1, "the line z~ = 0 where it does not attract"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_rounding_that_makes_a_class_deciding_zero_is_refused(case):
    p, step, what = REFUSED[case]
    with pytest.raises(InputError) as e:
        classify_problem(p, steps=300)
    assert f"at step {step} " in str(e.value) and what in str(e.value), str(e.value)


KEPT = {
    # (problem, the float64 class with 6000 steps, the high-precision status)
    "the-model-example": (from_state("1,-1", "0.01", "1.215,0.795"), "SELF_STABILIZED", "CONVERGED"),
    "a-dead-mode-kept-dead": (from_state("1,-1", "0.01", "1.215,0"), "CONVERGED_BELOW", "CONVERGED"),
    # on the line at T = 2 + 2⁻⁶⁰, rounded to 2: unstable either way
    "T-above-2-rounds-to-2": (from_state("1,-1", "0", [2 + F(1, 2**60), 0]), "UNSTABLE_FIXED_POINT",
                              "UNSTABLE_FIXED_POINT"),
    # z̃₀ = 10⁻⁴⁰⁰ rounds to 0 where the line attracts (T = 1.515): on it or near it, the run converges
    "z0-underflows-where-the-line-attracts": (from_state("1,-1", "1e-400", "1.215,0.3"), "CONVERGED_BELOW",
                                              "CONVERGED"),
    # the exact orbit lands on the line (z̃₁ = 0 at T₁ = 8/3), the float64 one a few ulps off it: no zero of its own
    "exact-landing": (from_state("1", "-1", "2/3"), None, "UNSTABLE_FIXED_POINT"),
    "exact-fixed-point-one-third": (from_state(str(2**20), F(1, 2**19), ["1/3"]), "PERIOD2", "PERIOD2"),
}


@pytest.mark.parametrize("case", list(KEPT))
def test_a_rounding_that_keeps_the_zeros_is_classified(case):
    """Not refused, and where the float64 engine decides, the class of the high-precision run."""
    p, cls, status = KEPT[case]
    r = classify_problem(p, steps=6000)
    if cls is not None:
        assert r.class_of(0).name == cls
    assert run_gd(p, dps=30).status.name == status


@settings(max_examples=25, deadline=None)
@given(near_the_preimage() | theta_near_the_preimage())
@example(REPORTED)
def test_a_float64_landing_on_the_line_that_the_exact_orbit_misses_is_refused(problem):
    """States a few ulps off the preimage of the line (tests/test_status_near_the_line.py), where the exact z̃₁ ≠ 0
    at T₁ > 2:
    wherever the float64 engine itself (its own step, both back ends alike) lands on z̃₁ = 0, classify_problem
    refuses at step 1 or earlier; where it does not, the first step is no reason to refuse."""
    z1, T1 = exact_orbit(problem, 1)[1]
    assume(z1 != 0 and T1 > 2)  # landing at T₁ > 2, where the line repels
    r = run_batch([float(w) for w in problem.omegas], [float(problem.zt0)], [[float(j) for j in problem.J2t]],
                  steps=1, settle=False)
    try:
        classify_problem(problem, steps=300)
        refused = None
    except InputError as e:
        refused = str(e)
    event(f"float64 lands on the line: {r.zt[0] == 0}; refused: {refused is not None}")
    if r.zt[0] == 0:
        assert refused is not None and ("at step 1 " in refused or "at step 0 " in refused), refused
    elif refused is not None:
        assert "at step 0 " not in refused and "at step 1 " not in refused, refused
