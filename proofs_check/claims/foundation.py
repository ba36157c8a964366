"""Claims of the foundation: the GD map, the invariants, gradient flow, P = 2."""
from __future__ import annotations

from ..registry import Method, Verdict, claim


@claim("gd.map", "One GD step in theta-space equals the derived (z, J(omega_i)^2) map",
       source="derived here (paper §2.1 update rule)", method=Method.NUMERIC)
def _gd_map(ctx):
    import mpmath

    from numerics import _derived as d

    with mpmath.workdps(40):
        w = [mpmath.mpf(1), mpmath.mpf(-1) / 3, mpmath.mpf(2)]
        th = [mpmath.mpf(1) / 2, mpmath.mpf(3) / 4, mpmath.mpf(-1) / 5]
        E, eta = mpmath.mpf(1) / 10, mpmath.mpf(3) / 10
        z = sum(wi * ti**2 for wi, ti in zip(w, th)) / 2 - E
        th1 = [ti - eta * z * wi * ti for wi, ti in zip(w, th)]
        z1 = sum(wi * ti**2 for wi, ti in zip(w, th1)) / 2 - E
        J2 = [(wi * ti) ** 2 for wi, ti in zip(w, th)]
        zm = d.gd_z_next(eta, z, sum(J2), sum(wi * j for wi, j in zip(w, J2)))
        err = abs(zm - z1)
        tol = mpmath.mpf(10) ** -35
        return Verdict.check(err < tol, residual=mpmath.nstr(err, 5), tolerance="1e-35", dps=40)
