import os

import mpmath
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=25, deadline=None)
# ci: the same 60 examples in every run (derandomized), so that a CI verdict can be reproduced; dev draws new ones
settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
# mutation runs (TESTING.md): the same draws for every mutant, and no example database carried between
# mutants, so that a verdict can be reproduced
settings.register_profile("mutation", max_examples=25, deadline=None, derandomize=True, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(autouse=True)
def _reset_mpmath_precision():
    """No test may leak a change of mpmath's global precision into another."""
    mpmath.mp.dps = 15
    yield
    assert mpmath.mp.dps == 15, "a test changed mpmath's global precision; use mp.workdps"
    mpmath.mp.dps = 15
