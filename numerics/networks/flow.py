"""The central flow of a network (one unstable direction), integrated by autodiff products.

Derived here, after Cohen, Damian et al. (ICLR 2025), with the generated formulas of the high-D
central flow (numerics/highdim/centralflow.py, from theory/centralflow.py). L = ½‖z‖², H = ∇²L,
S = λ_max(H) with unit eigenvector u (Lanczos on Hessian products), ∇S = ∇_θ(uᵀH(θ)u) with u
held fixed (one more autodiff order). In GD-step time t,

    dθ/dt = −η[∇L + ½σ²∇S],   σ² = max(0, cf_sigma2(⟨∇L, ∇S⟩, ‖∇S‖²)) = max(0, −2⟨∇L, ∇S⟩/‖∇S‖²)

on the edge (ηS = 2), and σ² = 0 (gradient flow) off it. The flow predicts GD's time-averaged
loss cf_predicted_loss(L, σ², η) = L + σ²/η.

Integration (not the high-D flow's adaptive DOP853 with events, which at P = 10⁴ would need a
tight Lanczos estimate at every stage): Heun's method (explicit trapezoid, order 2) with a fixed
step h in GD-step units. The flow joins the edge when a step ends with ηS > 2; on the edge, every
step ends with one linearized projection θ ← θ − μ∇S, μ = pgd_multiplier(S, ‖∇S‖², η), back onto
ηS = 2, and the flow leaves the edge when σ² from the formula is ≤ 0. A test runs this on the
explicit second-order model of a tiny network against the high-D flow and checks the order in h:
order 1, not Heun's 2, because the field jumps where the flow joins the edge and the fixed step
joins it only at a step's end (docs/theory.md §6).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import _derived
from ..display import compact_repr
from ..highdim.centralflow import FlowStatus
from ..validate import InputError, positive_int
from .ops import TOL, TOL_COLD, one_blas_thread

__all__ = ["NetworkFlow", "integrate_central_flow"]


@dataclass(frozen=True, eq=False)
class NetworkFlow:
    """The central flow sampled at integer GD-step times t (from the start ``t[0]``).

    loss: L(θ(t)); sigma2: σ²(t) (0 off the edge); predicted_loss: L + σ²/η; eta_hess: ηS(θ(t));
    on_edge: whether the flow held ηS = 2 there; h: the Heun step.
    """

    eta: float
    h: float
    t: np.ndarray
    loss: np.ndarray
    sigma2: np.ndarray
    predicted_loss: np.ndarray
    eta_hess: np.ndarray
    on_edge: np.ndarray
    status: FlowStatus

    __repr__ = compact_repr

    def _repr_items(self):
        return [("eta", f"{self.eta:.6g}"), ("h", f"{self.h:g}"), ("t", f"{int(self.t[0])}..{int(self.t[-1])}"),
                ("edge_steps", str(int(self.on_edge.sum()))), ("status", self.status.name.lower())]


def integrate_central_flow(ops, start, center, eta: float, steps, *, t0: int = 0, h: float = 0.5,
                           tol_eig: float = TOL, bar=None) -> NetworkFlow:
    """Integrate the central flow (module docstring) from ``start`` for ``steps`` GD-step units.

    ops: :class:`.ops.Operators` of the residual; center: its fixed argument; t0: the GD step the
    start belongs to (the samples are labelled t0..t0+steps). h: the Heun step, 1/h a whole number.
    Status: STEPS_DONE, or SOLVER_FAILED when the loss stops being finite. Call inside
    ``jax.enable_x64(True)``.
    """
    steps = positive_int("steps", steps)
    if not (isinstance(h, (int, float)) and 0 < h <= 1 and abs(1 / h - round(1 / h)) < 1e-12):
        raise InputError(f"h={h!r}: expected 1/k for a whole number k >= 1; pass e.g. h=0.5")
    with one_blas_thread():
        return _integrate(ops, start, center, eta, steps, t0, h, tol_eig, bar)


def _integrate(ops, start, center, eta, steps, t0, h, tol_eig, bar) -> NetworkFlow:
    import jax.numpy as jnp

    sub = round(1 / h)
    u = None

    def evaluate(th, on_edge):
        nonlocal u
        lam, u = ops.top_hessian(th, center, u, tol_eig if u is not None else TOL_COLD)
        gL, gS, _ = ops.flow(th, center, jnp.asarray(u))
        gLgS, gSgS = float(gL @ gS), float(gS @ gS)
        sig2 = max(float(_derived.cf_sigma2(gLgS, gSgS)), 0.0) if on_edge else 0.0
        return {"v": -eta * (gL + 0.5 * sig2 * gS), "lam": lam, "gS": gS, "gSgS": gSgS, "sig2": sig2,
                "loss": float(ops.loss(th, center))}

    def sample(ev, on_edge):
        return (ev["loss"], ev["sig2"], float(_derived.cf_predicted_loss(ev["loss"], ev["sig2"], eta)),
                eta * ev["lam"], on_edge)

    th = jnp.asarray(start)
    edge = False
    ev = evaluate(th, edge)
    if eta * ev["lam"] >= 2.0:      # a start above the edge is projected first, as the high-D flow does
        edge = True
        th = th - _derived.pgd_multiplier(ev["lam"], ev["gSgS"], eta) * ev["gS"]
        ev = evaluate(th, edge)
    rows = [sample(ev, edge)]
    status = FlowStatus.STEPS_DONE
    for _ in range(steps):
        for _ in range(sub):
            if edge and ev["sig2"] <= 0.0:
                edge = False            # the gradient flow lowers S: the flow leaves the edge
                ev = evaluate(th, edge)
            mid = evaluate(th + h * ev["v"], edge)
            th = th + 0.5 * h * (ev["v"] + mid["v"])
            ev = evaluate(th, edge)
            if not math.isfinite(ev["loss"]):
                status = FlowStatus.SOLVER_FAILED
                break
            if edge or eta * ev["lam"] > 2.0:
                edge = True
                th = th - _derived.pgd_multiplier(ev["lam"], ev["gSgS"], eta) * ev["gS"]
                ev = evaluate(th, edge)
        if status is not FlowStatus.STEPS_DONE:
            break
        rows.append(sample(ev, edge))
        if bar is not None:
            bar.update(1)
    cols = [np.asarray(c) for c in zip(*rows)]
    return NetworkFlow(float(eta), float(h), np.arange(t0, t0 + len(rows)), cols[0], cols[1], cols[2], cols[3],
                       cols[4].astype(bool), status)
