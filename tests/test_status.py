"""One status vocabulary: every engine's enum extends Status, and one table maps it to an exit code."""
from __future__ import annotations

import importlib
import pkgutil

import numpy as np
import pytest

import sorm.numerics
from sorm.numerics.status import EXIT_CODES, EXIT_NO_RESULT, EXIT_RESULT, Status, exit_code


def _all_status_enums():
    for mod in pkgutil.walk_packages(sorm.numerics.__path__, "sorm.numerics."):
        importlib.import_module(mod.name)
    todo, seen = [Status], []
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            seen.append(sub)
            todo.append(sub)
    return seen


ENUMS = _all_status_enums()


def test_every_engine_status_extends_the_base():
    names = {c.__name__ for c in ENUMS}
    # high-precision GD, GF, EOS prediction, certificates, high-D runs and phases, float64 classes
    assert {"GDStatus", "GFStatus", "EOSStatus", "CertStatus", "Stability", "RunStatus", "PhaseStatus",
            "TrajectoryClass"} <= names


@pytest.mark.parametrize("cls", ENUMS, ids=[c.__name__ for c in ENUMS])
def test_every_member_has_a_message_and_an_exit_code(cls):
    for member in cls:
        assert isinstance(member.message, str) and member.message and "\n" not in member.message
        assert member.name in EXIT_CODES, f"{cls.__name__}.{member.name}: add it to status.EXIT_CODES"
        assert member.has_result is (EXIT_CODES[member.name] == EXIT_RESULT)


NO_RESULT = ["DIVERGED", "MAX_STEPS", "STEP_LIMIT", "T_MAX", "RUNS_AWAY", "NO_ROOT", "NOT_CERTIFIED",
             "UNSTABLE_FIXED_POINT"]
RESULT = ["CONVERGED", "STEPS_DONE", "CERTIFIED", "OK", "AT_MINIMUM"]


@pytest.mark.parametrize("name", NO_RESULT + RESULT)
def test_exit_code_table(name):
    assert EXIT_CODES[name] == (EXIT_NO_RESULT if name in NO_RESULT else EXIT_RESULT)
    assert (EXIT_RESULT, EXIT_NO_RESULT) == (0, 1)


def test_exit_code_of_several_statuses():
    from sorm.numerics.engines.gf import GFStatus

    assert exit_code() == 0
    assert exit_code(GFStatus.CONVERGED) == 0
    assert exit_code(GFStatus.CONVERGED, GFStatus.STEP_LIMIT) == 1
    assert exit_code(GFStatus.RUNS_AWAY) == 1


def test_float64_classes_stay_int_codes():
    import numpy as np

    from sorm.numerics.engines.batch import TrajectoryClass

    codes = np.array([c for c in TrajectoryClass], dtype=np.int8)
    assert [TrajectoryClass(int(c)) for c in codes] == list(TrajectoryClass)
    assert str(TrajectoryClass.DIVERGED) == str(int(TrajectoryClass.DIVERGED))
    assert TrajectoryClass.DIVERGED.has_result is False and TrajectoryClass.SELF_STABILIZED.has_result


def test_one_divergence_rule():
    """Every engine diverges at the same named bound: DIVERGENCE_FACTOR times the initial scale."""
    import inspect
    from fractions import Fraction

    from sorm.numerics.engines import batch, gd_mp
    from sorm.numerics.problem import from_state
    from sorm.numerics.status import DIVERGENCE_FACTOR, divergence_bound

    assert divergence_bound() == DIVERGENCE_FACTOR == 2**30
    assert divergence_bound(Fraction(-3), 2) == 3 * DIVERGENCE_FACTOR
    for fn in (batch.run_batch, batch.run_planar):
        assert inspect.signature(fn).parameters["blowup"].default == float(DIVERGENCE_FACTOR)
    # the high-precision engine stops as DIVERGED once |z~| or eta*lambda passes the bound, not before
    p = from_state("1,-1", "1/100", "3,3")  # eta*lambda = 6: diverges
    r = gd_mp.run_gd(p, dps=20, max_steps=10_000)
    assert r.status is gd_mp.GDStatus.DIVERGED
    bound = float(divergence_bound(p.zt0, p.T0, p.Et))
    assert max(abs(r.z), r.eta_ntk) > bound
    prev = gd_mp.run_gd(p, dps=20, steps=r.steps - 1)
    assert max(abs(prev.z), prev.eta_ntk) <= bound


def test_loss_stop_rule():
    """The loss rule shared by the engines that track L = ½‖z‖²: bounds scale with max(1, L₀), inclusive at tol."""
    from sorm.numerics.status import LOSS_BLOWUP, loss_stop

    assert LOSS_BLOWUP == float(2**60)
    assert loss_stop(float("nan"), 1.0, 1e-10) == loss_stop(float("inf"), 1.0, 1e-10) == "DIVERGED"
    assert loss_stop(LOSS_BLOWUP * 4.0, 4.0, 1e-10) is None
    assert loss_stop(LOSS_BLOWUP * 4.0 * (1 + 2**-50), 4.0, 1e-10) == "DIVERGED"
    assert loss_stop(4e-10, 4.0, 1e-10) == "CONVERGED" and loss_stop(4.1e-10, 4.0, 1e-10) is None
    assert loss_stop(1e-10, 0.5, 1e-10) == "CONVERGED" and loss_stop(0.6e-10 * 2, 0.5, 1e-10) is None
@pytest.mark.parametrize("loss0,loss,conv,div", [
    (0.5, 1e-10, True, False),           # L0 < 1: the tolerance is absolute
    (0.5, 1.0001e-10, False, False),
    (4.0, 4e-10, True, False),           # L0 > 1: relative to L0
    (4.0, 4.0001e-10, False, False),
    (4.0, 4e6, False, False), (4.0, 4.0001e6, False, True),
    (1.0, float("inf"), False, True), (1.0, float("nan"), False, True),
])
def test_loss_rule(loss0, loss, conv, div):
    """One stop rule for loss-driven runs, on numbers and elementwise on arrays (a batch of runs)."""
    from sorm.numerics.status import LossRule

    rule = LossRule(loss0, 1e-10, 1e6)
    assert bool(rule.converged(loss)) is conv and bool(rule.diverged(loss)) is div
    arr = np.array([loss, 0.0])
    assert list(rule.diverged(arr)) == [div, False] and list(rule.converged(arr)) == [conv, True]


def test_sharpening_and_edge_thresholds():
    from sorm.numerics.status import at_edge, sharpened

    assert sharpened(1.0, 1.1000001) and not sharpened(1.0, 1.1)
    assert at_edge(1.9) and not at_edge(1.8999999)
