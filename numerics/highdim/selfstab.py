"""Self-stabilization at the edge of stability in the many-datapoint model.

Damian, Nichani and Lee (ICLR 2023) explain the edge of stability by the cubic term of
the loss: once the iterates oscillate along the top eigenvector, that term lowers the
sharpness. In the model of docs/theory.md §6 this is the z² term of the two-step map. Three
measurements:

1. :func:`eos_phase_stats`: in the phase where ηλ_max(K) first reaches 2 until it last
   exceeds 2, the largest overshoot max ηλ_max − 2, the time average of ηλ_max, and the
   loss: lower at the end than at the start, yet rising on some steps.
2. :func:`two_step_split`: Δ(ηλ_max) over two GD steps from (z, J), split exactly into its
   even part in z, [f(z) + f(−z)]/2 − f(0), which holds the z² term, and its odd part
   [f(z) − f(−z)]/2, which holds the linear term (f(z) = ηλ_max after two steps from (z, J);
   J is held fixed). Near EOS the normal form of docs/theory.md §5 predicts even ≈ −(s² + 2r)z̃² < 0
   and odd ≈ 2s z̃ y, small because y = ηλ_max − 2 is small (derived here).
3. :func:`reduction_check`: the measured two-step changes of z̃ = η vᵀz and y = ηλ_max − 2
   (v the top NTK eigenvector) against the 2-D normal form (docs/theory.md §5)
   Δz̃ ≈ 2z̃(y − s z̃), Δy ≈ −(s² + 2r)z̃² + 2s z̃ y, with s, r taken from the instance by
   :func:`numerics.highdim.normal_form_coefficients` (k = 2r − s²).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _derived
from .model import Instance, Trajectory, gd_step, normal_form_coefficients, run_gd, top_eigenpair
from ..status import Status
from ..display import compact_repr

__all__ = ["PhaseStatus", "EOSPhase", "eos_phase_stats", "TwoStepSplit", "two_step_split",
           "Reduction", "reduction_check", "self_stabilization", "ReductionScaling", "reduction_scaling",
           "AMPLITUDES"]


class PhaseStatus(Status):
    """Whether a trajectory has an edge-of-stability phase; ``.value`` is a readable message."""

    FOUND = "found: eta*lambda_max reached 2 and the phase was measured"
    NO_EOS = "no EOS phase: eta*lambda_max never reached 2"


@dataclass(frozen=True)
class EOSPhase:
    """The EOS phase [start, end] of a run (steps with the first and last ηλ_max ≥ 2).

    overshoot: max ηλ_max − 2 in the phase. mean: time average of ηλ_max over the phase.
    loss_start, loss_end: ½‖z‖² at its ends. loss_rises: steps in the phase where the loss
    went up. after: ηλ_max at the end of the run.
    """

    status: PhaseStatus
    start: int = -1
    end: int = -1
    overshoot: float = float("nan")
    mean: float = float("nan")
    loss_start: float = float("nan")
    loss_end: float = float("nan")
    loss_rises: int = 0
    after: float = float("nan")

    __repr__ = compact_repr

    @property
    def length(self) -> int:
        return self.end - self.start + 1 if self.status is PhaseStatus.FOUND else 0

    @property
    def loss_decreased(self) -> bool:
        return self.loss_end < self.loss_start

    @property
    def loss_non_monotone(self) -> bool:
        return self.loss_rises > 0


def eos_phase_stats(tr: Trajectory) -> EOSPhase:
    """Measure the EOS phase of a trajectory (see :class:`EOSPhase`)."""
    above = np.flatnonzero(tr.eta_ntk >= 2.0)
    if above.size == 0:
        return EOSPhase(PhaseStatus.NO_EOS, after=tr.final)
    a, b = int(above[0]), int(above[-1])
    # The phase ends one step after the last excursion above 2 (its partner low step).
    b = min(b + 1, len(tr.eta_ntk) - 1)
    seg = tr.eta_ntk[a:b + 1]
    loss = tr.loss[a:b + 1]
    return EOSPhase(PhaseStatus.FOUND, a, b, float(seg.max() - 2.0), float(seg.mean()),
                    float(loss[0]), float(loss[-1]), int(np.sum(np.diff(loss) > 0)), tr.final)


@dataclass(frozen=True)
class TwoStepSplit:
    """Δ(ηλ_max) over two GD steps from (z, J) and its even (z²) and odd (linear) parts in z."""

    delta: float
    even: float
    odd: float

    __repr__ = compact_repr


def _two_step_eta_ntk(inst: Instance, z, J, eta, v0):
    for _ in range(2):
        z, J = gd_step(inst, z, J, eta)
    return eta * top_eigenpair(J, "eigh", v0)[0]


def two_step_split(inst: Instance, z: np.ndarray, J: np.ndarray, eta: float) -> TwoStepSplit:
    """Split Δ(ηλ_max) over two steps into even and odd parts in z (exact, derived here).

    With f(c) = ηλ_max after two steps from (c·z, J): delta = f(1) − f(0) = even + odd,
    even = [f(1) + f(−1)]/2 − f(0) (z², z⁴, … terms), odd = [f(1) − f(−1)]/2 (z, z³, … terms).
    """
    lam0, v = top_eigenpair(J, "eigh")
    f0 = eta * lam0
    fp = _two_step_eta_ntk(inst, z, J, eta, v)
    fm = _two_step_eta_ntk(inst, -z, J, eta, v)
    return TwoStepSplit(fp - f0, 0.5 * (fp + fm) - f0, 0.5 * (fp - fm))


@dataclass(frozen=True)
class Reduction:
    """Measured vs normal-form two-step changes of (z̃, y) near EOS.

    n: number of steps used (EOS-phase steps with |y| ≤ y_max).
    top_rel_z, top_rel_y: ‖predicted − measured‖/‖measured‖ for Δz̃ and Δy when the two
    exact GD steps start from the state with z replaced by its top-eigenvector part
    (vᵀz)v: the high-D two-step map restricted to the top mode (Δz̃ measured along the
    same v, Δy from the top eigenvalue).
    full_rel_z, full_rel_y: the same for the recorded trajectory itself, whose z also has
    components off the top eigenvector (the normal form ignores them).
    full_corr_y: correlation of predicted and measured Δy along the trajectory.
    k: median of k = 2r − s² over the steps (docs/theory.md §5).
    gap: median relative gap (λ₁ − λ₂)/λ₁ of the NTK spectrum over the steps.
    top_measured, top_predicted: n×2 arrays of the top-mode (Δz̃, Δy), for pooling over runs;
    top_state: the n×2 starting points (z̃, y).
    """

    n: int
    top_rel_z: float
    top_rel_y: float
    full_rel_z: float
    full_rel_y: float
    full_corr_y: float
    k: float
    gap: float = float("nan")
    top_measured: np.ndarray | None = None
    top_predicted: np.ndarray | None = None
    top_state: np.ndarray | None = None

    __repr__ = compact_repr


def _predicted(zt, y, s, r):
    """Δz̃ = 2z̃(y − s z̃), Δy = −(s² + 2r)z̃² + 2s z̃ y (generated from theory/highdim.py)."""
    return _derived.hd_top_dzt(zt, y, s), _derived.hd_top_dy(zt, y, s, r)


def _rel(p, m) -> float:
    p, m = np.asarray(p), np.asarray(m)
    return float(np.linalg.norm(p - m) / np.linalg.norm(m))


def reduction_check(inst: Instance, tr: Trajectory, states, phase: EOSPhase, y_max: float = 0.1) -> Reduction:
    """Compare measured two-step changes with the 2-D normal form (docs/theory.md §5, s and r from the instance).

    tr must come from ``run_gd(..., normal_form=True)`` and states[t] = (z_t, J_t) from its callback.
    """
    nan = float("nan")
    if phase.status is not PhaseStatus.FOUND:
        return Reduction(0, nan, nan, nan, nan, nan, nan)
    zt_rec, y_rec, eta = tr.eta * tr.z_top, tr.eta_ntk - 2.0, tr.eta
    ts = [t for t in range(phase.start, min(phase.end + 1, len(y_rec) - 2)) if abs(y_rec[t]) <= y_max]
    if len(ts) < 3:
        return Reduction(len(ts), nan, nan, nan, nan, nan, nan)
    top_meas, top_pred, full_meas, full_pred, ks, gaps, starts = [], [], [], [], [], [], []
    for t in ts:
        z, J = states[t]
        lam, v = top_eigenpair(J, "eigh")
        s, r = normal_form_coefficients(inst, J, v, eta)
        zt, y = eta * float(v @ z), eta * lam - 2.0
        z2, J2 = gd_step(inst, *gd_step(inst, (v @ z) * v, J, eta), eta)
        lam2, _ = top_eigenpair(J2, "eigh", v)
        # z̃ stays the residual along the fixed direction v: the top two NTK eigenvalues crowd
        # together at EOS (relative gap ~1%), so the top eigenvector after two steps can rotate
        # far from v although the dynamics along v follow the normal form.
        top_meas.append((eta * float(v @ z2) - zt, eta * lam2 - eta * lam))
        w = np.linalg.eigvalsh(J @ J.T)
        gaps.append((w[-1] - w[-2]) / w[-1])
        top_pred.append(_predicted(zt, y, s, r))
        starts.append((zt, y))
        full_meas.append((zt_rec[t + 2] - zt_rec[t], y_rec[t + 2] - y_rec[t]))
        full_pred.append(_predicted(zt_rec[t], y_rec[t], tr.s[t], tr.r[t]))
        ks.append(2 * r - s * s)
    tm, tp, fm, fp = (np.asarray(a) for a in (top_meas, top_pred, full_meas, full_pred))
    return Reduction(len(ts), _rel(tp[:, 0], tm[:, 0]), _rel(tp[:, 1], tm[:, 1]), _rel(fp[:, 0], fm[:, 0]),
                     _rel(fp[:, 1], fm[:, 1]), float(np.corrcoef(fp[:, 1], fm[:, 1])[0, 1]), float(np.median(ks)),
                     float(np.median(gaps)), tm, tp, np.asarray(starts))


def self_stabilization(inst: Instance, eta: float, steps: int, *, y_max: float = 0.1, tol: float = 1e-10,
                       max_splits: int = 10**9):
    """Run GD once and return (trajectory, EOS phase, reduction check, two-step splits).

    The splits (a list of :class:`TwoStepSplit`) are taken at the EOS-phase steps with
    |ηλ_max − 2| ≤ y_max (at most max_splits of them, evenly spaced). tol: the convergence
    tolerance of :func:`numerics.highdim.run_gd`.
    """
    states: list[tuple[np.ndarray, np.ndarray]] = []
    tr = run_gd(inst, eta, steps, tol=tol, normal_form=True, nf_window=y_max,
                callback=lambda t, z, J, v: states.append((z.copy(), J.copy())))
    phase = eos_phase_stats(tr)
    red = reduction_check(inst, tr, states, phase, y_max)
    splits = []
    if phase.status is PhaseStatus.FOUND:
        ts = [t for t in range(phase.start, phase.end + 1) if abs(tr.eta_ntk[t] - 2.0) <= y_max]
        if len(ts) > max_splits:
            ts = [ts[i] for i in np.linspace(0, len(ts) - 1, max_splits).round().astype(int)]
        splits = [two_step_split(inst, *states[t], tr.eta) for t in ts]
    return tr, phase, red, splits


#: Amplitude factors c of :func:`reduction_scaling`.
AMPLITUDES = (1.0, 0.5, 0.25, 0.125, 0.0625, 0.03125)


@dataclass(frozen=True)
class ReductionScaling:
    """Relative error of the top-mode normal form against the exact two-step map, per amplitude factor c.

    t: the EOS-phase step the base state was taken from; zt0, y0: its (z̃, y); gap: (λ₁ − λ₂)/λ₁ of
    the NTK there. err_dz, err_dy_fixed, err_dy_top: |predicted − measured|/|measured| per c for Δz̃,
    for Δy read on the fixed eigenvector v (Rayleigh quotient) and for Δy read from λ_max.
    slope_*: least-squares slope of log error against log c over the three smallest amplitudes (1: the
    error falls like the amplitude, as for a leading-order reduction; 0: it does not fall).
    """

    __repr__ = compact_repr

    t: int
    zt0: float
    y0: float
    gap: float
    amplitudes: tuple
    err_dz: tuple
    err_dy_fixed: tuple
    err_dy_top: tuple

    def _slope(self, err) -> float:
        return float(np.polyfit(np.log(self.amplitudes[-3:]), np.log(err[-3:]), 1)[0])

    @property
    def slope_dz(self) -> float:
        return self._slope(self.err_dz)

    @property
    def slope_dy_fixed(self) -> float:
        return self._slope(self.err_dy_fixed)

    @property
    def slope_dy_top(self) -> float:
        return self._slope(self.err_dy_top)


def reduction_scaling(inst: Instance, eta: float, steps: int = 3000, *, y_max: float = 0.1,
                      amplitudes=AMPLITUDES) -> ReductionScaling | None:
    """Scale an EOS state toward the edge and watch the normal form's error (derived here).

    Runs GD, takes the first EOS-phase state (z, J) with |y| ≤ y_max, its top NTK pair (λ, v) and
    (z̃₀, y₀) = (η vᵀz, ηλ − 2). For each factor c it starts the exact two-step map from z = (c z̃₀/η_c) v
    with η_c = (2 + c y₀)/λ (so (z̃, y) = c (z̃₀, y₀) with J unchanged) and compares with
    Δz̃ = 2z̃(y − s z̃), Δy = −(s² + 2r)z̃² + 2s z̃ y, s and r taken at (J, v, η_c). None if no such state.
    """
    tr = run_gd(inst, eta, steps)
    phase = eos_phase_stats(tr)
    ts = [t for t in range(phase.start, phase.end + 1) if abs(tr.eta_ntk[t] - 2.0) <= y_max]
    if phase.status is not PhaseStatus.FOUND or not ts:
        return None
    t = ts[0]
    states: list = []
    run_gd(inst, eta, max(t, 1), callback=lambda k, z, J, v: states.append((z.copy(), J.copy())) if k == t else None)
    z, J = states[0]
    lam, v = top_eigenpair(J, "eigh")
    w = np.linalg.eigvalsh(J @ J.T)
    zt0, y0 = eta * float(v @ z), eta * lam - 2.0
    ez, ef, et = [], [], []
    for c in amplitudes:
        eta_c = (2.0 + c * y0) / lam
        zt = c * zt0
        z2, J2 = gd_step(inst, *gd_step(inst, (zt / eta_c) * v, J, eta_c), eta_c)
        s, r = normal_form_coefficients(inst, J, v, eta_c)
        pz, py = _predicted(zt, c * y0, s, r)
        mz = eta_c * float(v @ z2) - zt
        jv = v @ J2
        mf = eta_c * float(jv @ jv) - eta_c * lam
        mt = eta_c * top_eigenpair(J2, "eigh", v)[0] - eta_c * lam
        ez.append(abs(pz - mz) / abs(mz))
        ef.append(abs(py - mf) / abs(mf))
        et.append(abs(py - mt) / abs(mt))
    return ReductionScaling(t, zt0, y0, float((w[-1] - w[-2]) / w[-1]), tuple(amplitudes), tuple(ez), tuple(ef),
                            tuple(et))
