"""SAM near its edge of stability: the 2-D map in fixed point, the order-N prediction and its error slopes.

Derived here (docs/theory.md §7; theory.sam_normal_form). For P = 2 SAM is the
generated map ``opt_sam_planar`` of (z̃, T) (η = 1 here, so z̃ = z, T = λ and
ρ̃ = ρ), whose fixed line z̃ = 0 flips at T* with T*(1 + ρ̃T*) = 2. Given the
formal invariant H = H₂ + … + H_N of the two-step map around (0, T*) (its
coefficients come from theory.sam_normal_form, as exact rationals), the order-N
prediction of the final NTK from (z̃₀, T₀) is T_∞ = T* + y_∞ with

    H(0, y_∞) = H(z̃₀, T₀ − T*),   y_∞ < 0 near −sqrt(H₂(z̃₀, y₀)/2)

(H₂(0, y) = 2y²). Its relative error e_N = |T_∞^(N) − T_∞^SAM| / (T* − T_∞^SAM)
should fall like ε^(N−1) for (z̃₀, T₀) = (0, T*) + ε·(d_z, d_y), as for GD
(numerics.eos.convergence, whose result record and slope fit are reused).

The simulation runs ``opt_sam_planar`` compiled to exact fixed-point integer code
(numerics.compile.fixedpoint.compile_horner) at p fraction bits,

    p = ⌈dps·log₂10⌉ + ⌈log₂(steps + 1)⌉ + ⌈log₂(ops·M)⌉ + 24,

with M the largest constant of the compiled map, until |z̃| < tol; the smallest ε
of each case is rerun at doubled digits and tol² and the difference must be 1000
times below the smallest prediction error (as for GD).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import mpmath

from . import _derived as D
from .compile.fixedpoint import compile_horner, from_fixed, inline_single_use, to_fixed
from .display import compact_repr
from .eos.convergence import ConvergenceResult, loglog_slope, state_problem
from .eos.predict import invariant_value, solve_edge_root
from .precision import to_mpf
from .validate import InputError

__all__ = ["SamCase", "SAM_CASES", "run_sam_planar", "predict_sam", "sam_convergence_orders"]


@dataclass(frozen=True)
class SamCase:
    """ω = (ω₁, ω₂), Ẽ, ρ̃ (with a rational edge T*) and the direction (d_z, d_y) of the offset from (0, T*)."""

    name: str
    omegas: tuple[Fraction, Fraction]
    Et: Fraction
    rhot: Fraction
    direction: tuple[Fraction, Fraction]

    __repr__ = compact_repr

    @property
    def T_star(self) -> Fraction:
        """The edge T* (exact; numerics.optimizer.edge at η = 1). Raises InputError if it is not rational."""
        from .optimizer import OptimizerSpec, edge

        e = edge(OptimizerSpec("sam", self.rhot))
        if e.exact is None:
            raise InputError(f"rhot={self.rhot}: the edge T* = {e.text} is not rational; pick rhot = (2 - T*)/T*^2 "
                             f"for a rational T*")
        return e.exact

    def problem(self, eps: Fraction):
        """The η = 1 problem at (z̃₀, T₀) = (0, T*) + ε·direction (exact)."""
        return state_problem(self.omegas, self.Et, eps * self.direction[0], self.T_star + eps * self.direction[1])


_F = Fraction
#: Edges T* = 1, 4/3, 1/2 (ρ̃ = 1, 3/8, 6); both signs of ω₂ and Ẽ, starts above and below T*.
SAM_CASES = (
    SamCase("A: w=(1,-1), E=1/5, rho=1 (T*=1), z>0, T>T*", (_F(1), _F(-1)), _F(1, 5), _F(1), (_F(1), _F(1))),
    SamCase("B: w=(3/2,-1/2), E=-1/4, rho=3/8 (T*=4/3), z<0, T<T*", (_F(3, 2), _F(-1, 2)), _F(-1, 4), _F(3, 8),
            (_F(-1), _F(-1, 2))),
    SamCase("C: w=(2,1/2), E=3/4, rho=2/9 (T*=3/2), z>0, T<T*", (_F(2), _F(1, 2)), _F(3, 4), _F(2, 9),
            (_F(1, 2), _F(-1))),
)


class _Program:
    """``opt_sam_planar`` at fixed (a, b, Ẽ, ρ̃) as fixed-point code with p fraction bits."""

    def __init__(self, case: SamCase, prec: int):
        w1, w2 = case.omegas
        a, b = w1 + w2, w1 * w2
        fn = lambda zt, T: D.opt_sam_planar(zt, T, a, b, case.Et, case.rhot)  # noqa: E731
        self.prog = compile_horner(fn, 2, prec, ("zt", "T"))
        body, outs = inline_single_use(self.prog.lines, self.prog.outputs)
        src = ["def _run(zt, T, _n, _TOL, _BIG):", "    for _k in range(_n):",
               "        if not _TOL <= abs(zt) < _BIG:", "            return zt, T, _k"]
        src += [f"        {line}" for line in body]
        src += [f"        zt, T = {', '.join(outs)}", "    return zt, T, _n"]
        ns = dict(self.prog.consts)
        exec(compile("\n".join(src) + "\n", "<sorm sam fixed-point map>", "exec"), ns)  # our generated code
        self.run = ns["_run"]
        self.prec = prec

    def log2_const(self) -> float:
        """log₂ of the largest constant of the compiled map (≥ 0)."""
        big = max((abs(v) for v in self.prog.consts.values()), default=0)
        return max(0.0, math.log2(big) - self.prec) if big else 0.0


def run_sam_planar(case: SamCase, zt0: Fraction, T0: Fraction, *, dps: int, tol: Fraction,
                   max_steps: int = 10 ** 7, steps: int | None = None):
    """Run SAM's 2-D map from (z̃₀, T₀) until |z̃| < tol; returns (T as mpf at dps, steps, fraction bits).

    ``steps``: run exactly that many steps instead (no tolerance). Raises RuntimeError if |z̃|
    grows beyond 2^30 or the step budget ends first (the cases here start near the attracting
    side of the edge, where neither happens).
    """
    if steps is not None:
        max_steps, tol = steps, Fraction(0)
    trial = _Program(case, 64)
    p = (math.ceil(dps * math.log2(10)) + math.ceil(math.log2(max_steps + 1))
         + math.ceil(math.log2(trial.prog.n_ops) + trial.log2_const()) + 24)
    prog = _Program(case, p)
    zt, T = to_fixed(Fraction(zt0), p), to_fixed(Fraction(T0), p)
    TOL, BIG = to_fixed(Fraction(tol), p), to_fixed(Fraction(2 ** 30), p)
    zt, T, k = prog.run(zt, T, max_steps, TOL, BIG)
    if abs(zt) >= BIG or (steps is None and abs(zt) >= TOL):
        raise RuntimeError(f"{case.name}: SAM's 2-D map did not converge from ({zt0}, {T0}) in {k} steps "
                           f"(|z~| = {float(from_fixed(abs(zt), p)):.3g})")
    with mpmath.workdps(dps):
        return +from_fixed(T, p), k, p


def predict_sam(coeffs: dict, T_star: Fraction, zt0: Fraction, T0: Fraction, *, dps: int):
    """The order-N prediction T_∞ = T* + y_∞ (module docstring) from exact coefficients {n: (c_0..c_n)}.

    Returns an mpf at ``dps`` digits, or None if no root y_∞ < 0 lies near the leading-order
    value. Raises InputError if H₂ is not 2y² + … with a positive-definite form (then the
    line does not self-stabilize).
    """
    c2 = tuple(Fraction(c) for c in coeffs[2])
    if c2[0] != 2 or not c2[2] - c2[1] ** 2 / 8 > 0:
        raise InputError(f"coeffs[2]={c2!r}: expected H2 = 2y^2 + c1*z*y + c2*z^2 with c2 - c1^2/8 > 0 "
                         f"(a positive-definite H2); pass the invariant of a self-stabilizing instance")
    y0 = Fraction(T0) - Fraction(T_star)
    with mpmath.workdps(dps):
        h2 = Fraction(invariant_value({2: c2}, Fraction(zt0), y0))
        lead = -mpmath.sqrt(to_mpf(h2 / 2))
        y_inf = solve_edge_root({n: tuple(Fraction(c) for c in cs) for n, cs in coeffs.items()}, Fraction(zt0), y0,
                                y_lead=lead)
        return None if y_inf is None else to_mpf(Fraction(T_star)) + y_inf


def sam_convergence_orders(coeffs: dict, *, cases=SAM_CASES, orders=(2, 3, 4, 5), epsilons=None, dps: int = 40,
                           tol=Fraction(1, 10 ** 26)) -> ConvergenceResult:
    """e_N(ε) of SAM's order-N prediction for each case, ε and N, and the fitted log-log slopes.

    coeffs[case.name]: {n: (c_0, …, c_n)} of H_n for n up to max(orders) (exact rationals,
    theory.sam_normal_form.sam_invariant). epsilons default to 0.02·2^(−m), m = 0..3.
    """
    epsilons = tuple(Fraction(e) for e in (epsilons or [Fraction(1, 50) / 2 ** m for m in range(4)]))
    if len(epsilons) < 2:
        raise InputError(f"epsilons={epsilons!r}: expected at least 2 values to fit a slope; pass more")
    tol = Fraction(tol)
    errors, simulated, slopes = {}, {}, {}
    sim_error, min_error = mpmath.mpf(0), mpmath.inf
    for case in cases:
        errors[case.name] = {N: [] for N in orders}
        simulated[case.name] = []
        for eps in epsilons:
            prob = case.problem(eps)
            T_sim, _, _ = run_sam_planar(case, prob.zt0, prob.T0, dps=dps, tol=tol)
            simulated[case.name].append(T_sim)
            with mpmath.workdps(dps):
                for N in orders:
                    pred = predict_sam({n: coeffs[case.name][n] for n in range(2, N + 1)}, case.T_star, prob.zt0,
                                       prob.T0, dps=dps)
                    if pred is None:
                        raise RuntimeError(f"{case.name}, eps={eps}, N={N}: no root y < 0 of H(0, y) = H(z0, y0)")
                    err = abs(pred - T_sim) / (to_mpf(case.T_star) - T_sim)
                    errors[case.name][N].append(err)
                    min_error = min(min_error, err * (to_mpf(case.T_star) - T_sim))
        prob = case.problem(epsilons[-1])
        ref, _, _ = run_sam_planar(case, prob.zt0, prob.T0, dps=2 * dps, tol=tol * tol)
        with mpmath.workdps(2 * dps):
            sim_error = max(sim_error, abs(ref - simulated[case.name][-1]))
        slopes[case.name] = {N: loglog_slope(epsilons, errors[case.name][N]) for N in orders}
    return ConvergenceResult(tuple(c.name for c in cases), epsilons, tuple(orders), errors, simulated, slopes,
                             sim_error, min_error, dps, tol)
