"""The classes of a float64 GD trajectory (batch engine, both back ends)."""
from __future__ import annotations

from ..status import Status

__all__ = ["TrajectoryClass"]


class TrajectoryClass(int, Status):
    """What a GD trajectory did, stored as an int8 code in arrays; ``.message`` says it in words."""

    def __new__(cls, value: int, message: str):
        obj = int.__new__(cls, value)
        obj._value_ = value
        obj._message_ = message
        return obj

    __str__, __format__ = int.__repr__, int.__format__  # print as the int code, as an IntEnum does

    CONVERGED_BELOW = 0, "converged (z -> 0) without reaching the edge of stability: max eta*lambda < 2"
    SELF_STABILIZED = 1, "converged (z -> 0) after eta*lambda reached 2"
    PERIOD2 = 2, "settled on a period-2 orbit (z alternates, does not converge)"
    CHAOTIC = 3, "bounded, not converged, largest Lyapunov exponent > 0 (chaotic)"
    BOUNDED = 4, "bounded but neither converged nor periodic within the step budget"
    DIVERGED = 5, "diverged (|z| or eta*lambda blew up)"
    UNSTABLE_FIXED_POINT = 6, ("unstable fixed point: on the fixed line z = 0 (or within tol of it, not shrinking) "
                               "with eta*lambda >= 2 or = 0, where the line does not attract; not converged")
    NO_GRADIENT = 7, ("no gradient: eta*lambda = 0 (every J(omega_i) = 0) while z != 0, so GD does not move: a fixed "
                      "point with a non-zero residual, not converged and not period 2")
