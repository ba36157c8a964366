"""Full-batch GD on a network or its second-order model, with the theory's measurements.

GD is θ' = θ − η∇L(θ) with L = ½‖z‖² (a network: z = z(θ); its second-order model around θ_c:
z = z_quad(δ), see :mod:`.ops`). The steps between checkpoints run as one jitted ``lax.scan``;
every ``every`` steps (checkpoint t) sorm measures, all by autodiff products:

- ηλ_t: η times the top eigenvalue of the NTK JJᵀ (Lanczos), with unit eigenvector v_t;
- ηλ^H_t: η times the top eigenvalue of the loss Hessian (Lanczos; every ``hessian_every`` steps);
- z̃_t = η v_tᵀz_t, the rescaled residual along the top NTK direction (docs/theory.md §3, §5);
- s_t = η v_tᵀD²z[j, j] with j = Jᵀv_t, the normal form's s for the one-output model along v_t
  (docs/theory.md §5; j Q_v jᵀ with Q_v = Σ_α v_α ∇²z_α), and ỹ_t = ηλ_t − 2 − s_t z̃_t;
- two-step changes (``pairs``): Δz̃ and Δy (y = ηλ − 2) from t to t + 2, both along v_t (at
  t + 2, ηλ is the Rayleigh quotient η v_tᵀK v_t, which differs from the top eigenvalue at second
  order in the eigenvector's turn over two steps), to hold against the normal form's leading
  order Δz̃ = 2 z̃ ỹ;
- the central flow (one unstable direction, Cohen, Damian et al., ICLR 2025) at the two-step
  average w̄ = (θ_t + θ_{t+1})/2, at checkpoints with ηλ_t ≥ 1.9 where the Hessian is measured:
  σ² = 2⟨−∇L(w̄), ∇S(w̄)⟩/‖∇S(w̄)‖² with S(w) = uᵀH(w)u (u: top Hessian eigenvector at w̄,
  held fixed), the predicted time-averaged loss L(w̄) + max(σ², 0)/η against GD's
  (L_t + L_{t+1})/2, and the measured oscillation ⟨(θ_t − θ_{t+1})/2, u⟩² against σ².

These central-flow numbers evaluate the flow's formulas at GD's own two-step average; they do
not integrate the flow.

Sharpened and at the edge are the shared rules of :mod:`numerics.status` (:func:`~numerics.status.sharpened`:
peak ηλ > 1.1 × initial; :func:`~numerics.status.at_edge`: ηλ ≥ 1.9).

**The plateau test** (:func:`plateau`, derived here). Progressive sharpening followed by the
edge of stability means that ηλ rises to 2 and then *stays* there: the sharpening stops, and
self-stabilization (docs/theory.md §5.1) holds ηλ near 2 while it oscillates. A run that is
still climbing through 2 when it ends shows neither, yet its mean after the first checkpoint at
the edge can be close to 2. So the plateau is tested on the second half of the run, after the
transient at the edge, and only if the run was at the edge before its midpoint:

- every checkpoint of the window is at the edge (ηλ ≥ 1.9);
- the mean of ηλ over the window is within :data:`PLATEAU_BAND` = 0.1 of 2 (the band of the
  shared rule, 2 − 1.9);
- no trend: the slope of ηλ over the window, fitted to :data:`PLATEAU_BLOCKS` block means (the
  checkpoints are correlated within a self-stabilization cycle of a few hundred steps; block
  means of a fifth of the window are not) with a 95% Student-t interval, moves ηλ across the
  window by less than the band: max(|lo|, |hi|) · (window length) ≤ 0.1.

A run rising at its own sharpening rate through 2 fails the last test by a wide margin (on the
digits MLP the sharpening rate is 0.3–0.8 per 1000 steps); the ratio of the window's slope to
that rate is reported beside it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..display import compact_repr
from ..status import EOS_LEVEL, LOSS_BLOWUP, Status, at_edge, loss_stop, sharpened
from ..validate import InputError, positive_int
from .ops import TOL, TOL_COLD, one_blas_thread, top_eigenpair

__all__ = ["RunStatus", "Run", "run_gd", "check_schedule", "Plateau", "plateau", "PLATEAU_BAND", "PLATEAU_BLOCKS"]

#: The plateau test (module docstring): the band about 2 for the mean and the drift, and the number of block means.
PLATEAU_BAND, PLATEAU_BLOCKS = 2.0 - EOS_LEVEL, 5


class RunStatus(Status):
    CONVERGED = "converged: the loss fell below the tolerance"
    DIVERGED = "diverged: the loss grew past the blow-up bound or stopped being finite"
    STEPS_DONE = "steps done: GD ran the requested steps without converging or diverging"


@dataclass(frozen=True, eq=False)
class Run:
    """One GD run: per-step losses and per-checkpoint measurements (module docstring).

    t: checkpoint steps. loss: L at every step 0..last. Arrays at checkpoints: eta_ntk,
    eta_hess (NaN where not measured), z_tilde, s, y_tilde; at checkpoints with a pair:
    dz, dy (two-step changes; NaN otherwise); central flow: sigma2, sigma2_measured,
    predicted_loss, gd_avg_loss (NaN outside the EOS phase). t_edge, theta_edge: the first
    checkpoint at the edge (:func:`numerics.status.at_edge`) and the parameters there (None if never).
    """

    model: str
    eta: float
    t: np.ndarray
    loss: np.ndarray
    eta_ntk: np.ndarray
    eta_hess: np.ndarray
    z_tilde: np.ndarray
    s: np.ndarray
    y_tilde: np.ndarray
    dz: np.ndarray
    dy: np.ndarray
    sigma2: np.ndarray
    sigma2_measured: np.ndarray
    predicted_loss: np.ndarray
    gd_avg_loss: np.ndarray
    status: RunStatus
    t_edge: int | None
    theta_edge: np.ndarray | None

    @property
    def initial(self) -> float:
        return float(self.eta_ntk[0])

    @property
    def peak(self) -> float:
        return float(np.nanmax(self.eta_ntk))

    @property
    def final(self) -> float:
        return float(self.eta_ntk[-1])

    @property
    def sharpened(self) -> bool:
        """Progressive sharpening by the shared rule (:func:`numerics.status.sharpened`: peak > 1.1 × initial)."""
        return sharpened(self.initial, self.peak)

    @property
    def reached_eos(self) -> bool:
        """ηλ was at the edge (:func:`numerics.status.at_edge`) at some checkpoint (whether or not the run then
        converged)."""
        return self.t_edge is not None

    @property
    def eos_phase(self) -> np.ndarray:
        """ηλ at the checkpoints from the first one at the edge to the end (empty if none)."""
        return self.eta_ntk[self.t >= self.t_edge] if self.t_edge is not None else self.eta_ntk[:0]

    @property
    def eos_mean(self) -> float:
        return float(np.mean(self.eos_phase)) if self.eos_phase.size else math.nan

    @property
    def eos_std(self) -> float:
        return float(np.std(self.eos_phase)) if self.eos_phase.size else math.nan

    __repr__ = compact_repr

    def _repr_items(self):
        return [("model", repr(self.model)), ("eta", f"{self.eta:.6g}"), ("status", self.status.name.lower()),
                ("steps", str(int(self.t[-1]))), ("initial", f"{self.initial:.4f}"), ("peak", f"{self.peak:.4f}"),
                ("final", f"{self.final:.4f}"), ("eos_mean", f"{self.eos_mean:.4f}")]


@dataclass(frozen=True)
class Plateau:
    """The plateau test of one run (module docstring).

    window: (first, last) checkpoint step of the run's second half, or None when the run diverged
    or was not at the edge before its midpoint (``reason`` says which). checkpoints: how many in the window.
    mean, std, low: ηλ over the window (mean, standard deviation, smallest). above_2: the fraction
    of its checkpoints with ηλ > 2. slope, slope_lo, slope_hi: the fitted slope of ηλ per step
    and its 95% interval (block means). drift: max(|slope_lo|, |slope_hi|) × the window's length,
    the largest change across the window the interval allows. sharpening_slope: the slope of ηλ
    per step from its lowest checkpoint before the edge to the first one at the edge (NaN with
    fewer than 3 such checkpoints); drift_ratio: max(|slope_lo|, |slope_hi|) / sharpening_slope.
    holds: the three conditions; reason: the first that fails, or "at the edge".
    """

    window: tuple[int, int] | None
    checkpoints: int
    mean: float
    std: float
    low: float
    above_2: float
    slope: float
    slope_lo: float
    slope_hi: float
    drift: float
    sharpening_slope: float
    drift_ratio: float
    reason: str

    @property
    def holds(self) -> bool:
        return self.reason == "at the edge"

    __repr__ = compact_repr

    def _repr_items(self):
        return [("window", str(self.window)), ("mean", f"{self.mean:.4f}"), ("drift", f"{self.drift:.3g}"),
                ("reason", repr(self.reason))]


def plateau(run: Run) -> Plateau:
    """The plateau test (module docstring) on a run's ηλ at its checkpoints."""
    from scipy import stats

    t, e = run.t, run.eta_ntk
    nan = math.nan
    sharp = nan
    if run.t_edge is not None:
        i_edge = int(np.flatnonzero(t == run.t_edge)[0])
        i_low = int(np.argmin(e[:i_edge + 1]))
        if i_edge - i_low >= 2:
            sharp = float(stats.linregress(t[i_low:i_edge + 1], e[i_low:i_edge + 1]).slope)
    mid = 0.5 * float(t[-1])
    w = t >= mid
    diverged = run.status is RunStatus.DIVERGED
    if diverged or run.t_edge is None or run.t_edge > mid or int(w.sum()) < 2 * PLATEAU_BLOCKS:
        why = ("diverged" if diverged else "never at the edge" if run.t_edge is None
               else "first at the edge after the run's midpoint" if run.t_edge > mid
               else f"fewer than {2 * PLATEAU_BLOCKS} checkpoints in the second half")
        return Plateau(None, int(w.sum()), nan, nan, nan, nan, nan, nan, nan, nan, sharp, nan, why)
    tw, ew = t[w], e[w]
    blocks = np.array_split(np.arange(tw.size), PLATEAU_BLOCKS)
    fit = stats.linregress([tw[b].mean() for b in blocks], [ew[b].mean() for b in blocks])
    half = float(stats.t.ppf(0.975, PLATEAU_BLOCKS - 2) * fit.stderr)
    lo, hi = fit.slope - half, fit.slope + half
    rate = max(abs(lo), abs(hi))
    drift = rate * float(tw[-1] - tw[0])
    mean = float(ew.mean())
    reason = ("left the edge in the window" if not all(at_edge(x) for x in ew)
              else f"mean further than {PLATEAU_BAND:.1f} from 2" if not abs(mean - 2.0) <= PLATEAU_BAND
              else f"drift across the window up to {drift:.3g} > {PLATEAU_BAND:.1f}" if not drift <= PLATEAU_BAND
              else "at the edge")
    return Plateau((int(tw[0]), int(tw[-1])), int(tw.size), mean, float(ew.std()), float(ew.min()),
                   float(np.mean(ew > 2.0)), float(fit.slope), float(lo), float(hi), float(drift), sharp,
                   rate / sharp if sharp > 0 else nan, reason)


def run_gd(ops, start, center, eta, steps, *, every: int = 10, hessian_every: int | None = None,
           pairs: bool = True, central_flow: bool = True, tol: float = 1e-10, blowup: float = LOSS_BLOWUP,
           model: str = "network", bar=None, tol_eig: float = TOL) -> Run:
    """GD from ``start`` for at most ``steps`` steps with the measurements of the module docstring.

    ops: :class:`.ops.Operators` of the residual; center: its fixed second argument. Stops by the
    shared loss rule (:func:`numerics.status.loss_stop`), checked at every checkpoint: CONVERGED
    when L ≤ tol·max(1, L₀), DIVERGED when L is not finite or exceeds blowup·max(1, L₀), else
    STEPS_DONE (a measurement run: the requested steps are the result). hessian_every (a multiple
    of every; default 10·every; 0: never): how often the Hessian and the central flow are measured. tol_eig: the Lanczos relative residual (:data:`.ops.TOL`;
    the first checkpoint, a cold start, uses :data:`.ops.TOL_COLD`).
    ``bar``: a progress bar advanced by the steps taken. Call inside ``jax.enable_x64(True)``.
    """
    if not (isinstance(eta, (int, float)) and math.isfinite(eta) and eta > 0):
        raise InputError(f"eta={eta!r}: expected a finite value > 0; pass e.g. eta=0.5", "eta")
    steps, every, hessian_every = check_schedule(steps, every, hessian_every)
    with one_blas_thread():
        return _run(ops, start, center, eta, steps, every, hessian_every, pairs, central_flow, tol, blowup, model,
                    bar, tol_eig)


def check_schedule(steps, every, hessian_every) -> tuple[int, int, int]:
    """(steps, every, hessian_every) of :func:`run_gd`, checked; hessian_every None means 10·every, 0 never."""
    steps, every = positive_int("steps", steps), positive_int("every", every)
    hessian_every = (10 * every if hessian_every is None else 0 if str(hessian_every).strip() == "0"
                     else positive_int("hessian_every", hessian_every))
    return steps, every, hessian_every


def _run(ops, start, center, eta, steps, every, hessian_every, pairs, central_flow, tol, blowup, model, bar,
         tol_eig) -> Run:
    import jax.numpy as jnp

    th = jnp.asarray(start)
    L0 = float(ops.loss(th, center))
    keys = ("t", "eta_ntk", "eta_hess", "z_tilde", "s", "y_tilde", "dz", "dy", "sigma2", "sigma2_measured",
            "predicted_loss", "gd_avg_loss")
    rec = {k: [] for k in keys}
    losses: list[float] = []
    v = u = None
    t_edge = theta_edge = None
    status = RunStatus.STEPS_DONE
    t = 0
    nan = math.nan

    while True:
        zj, pull = ops.ntk_lin(th, center)  # z and the stored Jᵀ at θ_t: one forward pass
        z = np.asarray(zj)
        L = 0.5 * float(z @ z)
        stop = loss_stop(L, L0, tol, blowup)
        if stop == "DIVERGED":
            status = RunStatus.DIVERGED
            break
        lam, v = top_eigenpair(lambda x: ops.ntk_apply(pull, x), z.size, v, tol_eig if v is not None else TOL_COLD)
        vj = jnp.asarray(v)
        T, zt, s = eta * lam, eta * float(v @ z), eta * float(ops.s_raw(th, center, pull, vj))
        row = dict(t=t, eta_ntk=T, eta_hess=nan, z_tilde=zt, s=s, y_tilde=T - 2.0 - s * zt, dz=nan, dy=nan,
                   sigma2=nan, sigma2_measured=nan, predicted_loss=nan, gd_avg_loss=nan)
        if at_edge(T) and t_edge is None:
            t_edge, theta_edge = t, np.asarray(th)
        if hessian_every and t % hessian_every == 0:
            lam_h, u = ops.top_hessian(th, center, u, tol_eig)
            row["eta_hess"] = eta * lam_h
            if central_flow and at_edge(T):
                th1 = ops.step(th, center, eta)
                w = 0.5 * (th + th1)
                _, ub = ops.top_hessian(w, center, u, tol_eig)
                ubj = jnp.asarray(ub)
                gL, gS, _ = ops.flow(w, center, ubj)
                sig2 = float(2.0 * (-gL @ gS) / (gS @ gS))
                row.update(sigma2=sig2, sigma2_measured=float((0.5 * (th - th1)) @ ubj) ** 2,
                           predicted_loss=float(ops.loss(w, center)) + max(sig2, 0.0) / eta,
                           gd_avg_loss=0.5 * (L + float(ops.loss(th1, center))))
        if stop == "CONVERGED":
            status = RunStatus.CONVERGED
        k = min(every, steps - t)
        if status is RunStatus.CONVERGED or k == 0:
            losses.append(L)
            for key in keys:
                rec[key].append(row[key])
            break
        if pairs and k >= 3:
            th2, ls, kv, vz = ops.pair(th, center, eta, vj)   # ηλ at t + 2: the Rayleigh quotient along v_t
            row.update(dz=eta * float(vz) - zt, dy=eta * float(kv) - T)
            th, ls2 = ops.advance(th2, center, eta, k - 2)
            ls = np.concatenate([np.asarray(ls), np.asarray(ls2)])
        else:
            th, ls = ops.advance(th, center, eta, k)
        for key in keys:
            rec[key].append(row[key])
        losses.extend(np.asarray(ls).tolist())
        t += k
        if bar is not None:
            bar.update(k)
    arr = {k: np.asarray(x, dtype=float) for k, x in rec.items()}
    arr["t"] = arr["t"].astype(int)
    return Run(model, float(eta), loss=np.asarray(losses, dtype=float), status=status, t_edge=t_edge,
               theta_edge=theta_edge, **arr)
