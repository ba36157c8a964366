"""Central flow and projected GD against exact GD, in θ-space, for the many-datapoint model.

Derived here (theory/centralflow.py; Cohen, Damian et al., ICLR 2025; Damian, Nichani, Lee,
ICLR 2023). Notation: L = ½‖z‖², ∇L = Jᵀz, H = ∇²L = JᵀJ + Σ_α z_α Q_α, S = λ_max(H) (the
sharpness of the loss; at z = 0 it is the NTK's λ_max), u its unit eigenvector,
∇S = Σ_α [2(J_α u)Q_α u + (uᵀQ_α u)J_αᵀ]. Three trajectories from one θ₀:

- GD: θ_{t+1} = θ_t − η∇L(θ_t).
- The central flow, dθ/dt = −η[∇L + ½ Σ_i x_i ∇λ_i], flow time t matching GD step t.
  Off the edge x = 0 (gradient flow). While m ≥ 1 eigenvalues λ_1..λ_m of H sit at 2/η,
  x ≥ 0 solves the complementarity problem dλ_i/dt ≤ 0, x_i dλ_i/dt = 0, i.e. the
  non-negative least squares min ‖Nx + 2∇L‖², N = [∇λ_1 … ∇λ_m] (scipy.optimize.nnls);
  for m = 1, x = σ² = −2⟨∇L, ∇S⟩/‖∇S‖². Σ = Σ_i x_i u_i u_iᵀ is taken diagonal in the
  eigenvectors of the edge eigenvalues: a restriction of the flow's semidefinite Σ, exact for
  m = 1 (the record says how many directions were used). scipy's solve_ivp (DOP853, tight
  tolerances) integrates piecewise; events switch m when another eigenvalue reaches 2/η or
  a component of x reaches 0. A start above the edge is first projected (below).
  The flow predicts GD's time-averaged loss L(θ) + tr Σ/η (tr Σ = Σ x_i).
- Projected GD: θ_{t+1} = Π(θ_t − η∇L), Π repeating the linearized projection
  θ ← θ − μ∇S, μ = (S − 2/η)/‖∇S‖², until S ≤ 2/η (at most ``PROJ_ITERS`` times).

GD oscillates with period two at the edge, so its sharpness, loss and θ are compared as
two-step averages x̄_t = (x_t + x_{t+1})/2.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..display import compact_repr

from .. import _derived
from ..status import Status
from .model import Instance

__all__ = ["FlowStatus", "State", "state", "edge_eigs", "grad_eig", "central_velocity", "CentralFlow",
           "central_flow", "project", "gd_path", "pgd_path", "Comparison", "compare", "planar_instance",
           "PROJ_ITERS"]

#: Most linearized projection steps per projected-GD step.
PROJ_ITERS = 50


@dataclass(frozen=True, eq=False)
class State:
    """Everything at one θ: z, J, ∇L, L, and the top eigenpairs (ascending→descending) of H."""

    __repr__ = compact_repr

    theta: np.ndarray
    z: np.ndarray
    J: np.ndarray
    grad: np.ndarray
    loss: float
    lams: np.ndarray
    U: np.ndarray


def state(inst: Instance, theta: np.ndarray, k: int = 3) -> State:
    """z, J, ∇L = Jᵀz and the top k eigenpairs of H = JᵀJ + Σ z_α Q_α (largest first)."""
    import scipy.linalg

    QT = inst.qmul(theta)
    J = QT + inst.G
    z = 0.5 * (QT @ theta) + inst.G @ theta - inst.y
    zQ = (z @ inst.Q.reshape(inst.D, -1)).reshape(inst.P, inst.P).astype(np.float64, copy=False)
    H = _derived.cf_hessian(J.T @ J, zQ)
    P = inst.P
    k = min(k, P)
    w, V = scipy.linalg.eigh(H, subset_by_index=[P - k, P - 1], check_finite=False)
    return State(theta, z, J, J.T @ z, 0.5 * float(z @ z), w[::-1].copy(), V[:, ::-1].copy())


def grad_eig(inst: Instance, st: State, i: int = 0) -> np.ndarray:
    """∇λ_i = Σ_α [2(J_α u)Q_α u + (uᵀQ_α u)J_αᵀ] for the eigenvector u = U[:, i] (generated)."""
    u = st.U[:, i]
    Qu = inst.qmul(u)
    terms = _derived.cf_grad_sharpness_term((st.J @ u)[:, None], Qu, (Qu @ u)[:, None], st.J)
    return terms.sum(axis=0)


def edge_eigs(st: State, eta: float) -> np.ndarray:
    """ηλ_i − 2 for the recorded top eigenvalues."""
    return eta * st.lams - 2.0


def central_velocity(inst: Instance, st: State, eta: float, m: int):
    """(dθ/dt, x, x_eq) with m edge directions: x from NNLS, x_eq the unconstrained least-squares solution."""
    from scipy.optimize import nnls

    if m == 0:
        return -eta * st.grad, np.zeros(0), np.zeros(0)
    N = np.stack([grad_eig(inst, st, i) for i in range(m)], axis=1)
    if m == 1:
        g = N[:, 0]
        x_eq = np.array([_derived.cf_sigma2(float(st.grad @ g), float(g @ g))])
        x = np.maximum(x_eq, 0.0)
    else:
        x, _ = nnls(N, -2.0 * st.grad)
        x_eq = np.linalg.lstsq(N, -2.0 * st.grad, rcond=None)[0]
    return -eta * (st.grad + 0.5 * N @ x), x, x_eq


def project(inst: Instance, theta: np.ndarray, eta: float, *, tol: float = 1e-12) -> tuple[np.ndarray, int]:
    """Π(θ): repeat θ ← θ − μ∇S, μ = pgd_multiplier(S, ‖∇S‖², η), until ηS ≤ 2(1 + tol).

    Returns (θ, steps used); steps = PROJ_ITERS + 1 means the limit was hit.
    """
    for n in range(PROJ_ITERS + 1):
        st = state(inst, theta, 1)
        if eta * st.lams[0] <= 2.0 * (1 + tol):
            return theta, n
        g = grad_eig(inst, st)
        theta = theta - _derived.pgd_multiplier(float(st.lams[0]), float(g @ g), eta) * g
    return theta, PROJ_ITERS + 1


class FlowStatus(Status):
    """How a central-flow integration ended; ``.value`` is a readable message."""

    STEPS_DONE = "done: integrated to the requested time"
    CONVERGED = "converged: the loss fell below the tolerance"
    SOLVER_FAILED = "solver failed: solve_ivp did not reach the requested time"
    SWITCHES = "too many switches: the edge set changed more often than allowed"
    PROJECTION_FAILED = "projection failed: the start could not be brought onto S <= 2/eta"


@dataclass(frozen=True, eq=False)
class CentralFlow:
    """The central flow sampled at integer times t = 0..n−1.

    theta: n×P. loss: L(θ(t)). sharpness: ηS(θ(t)). trace: tr Σ(t) = Σ x_i. directions: m(t),
    the edge eigenvalues used. predicted_loss: L + tr Σ/η. switches: times the edge set changed.
    converged_at: the time the loss fell below the tolerance (None if it did not); the flow is at rest
    from then on, and its samples hold that state up to the requested time.
    """

    __repr__ = compact_repr

    eta: float
    theta: np.ndarray
    loss: np.ndarray
    sharpness: np.ndarray
    trace: np.ndarray
    directions: np.ndarray
    predicted_loss: np.ndarray
    switches: tuple[float, ...]
    status: FlowStatus
    projection_steps: int
    converged_at: float | None = None



def _active(inst: Instance, st: State, eta: float, k: int, m: int | None = None, slack: float = 1e-9) -> int:
    """Edge directions to hold: at most the eigenvalues at 2/η (within ``slack``), at most k − 1, and
    fewer while the unconstrained solution x_eq has a component ≤ 0 (that direction leaves the edge)."""
    m = min(int(np.sum(eta * st.lams >= 2.0 - slack)) if m is None else m, k - 1)
    while m > 0 and np.min(central_velocity(inst, st, eta, m)[2]) <= 0:
        m -= 1
    return m


def central_flow(inst: Instance, theta0: np.ndarray, eta: float, t_end: int, *, rtol: float = 1e-10,
                 atol: float = 1e-13, k: int = 3, max_switches: int = 200, tol: float = 1e-10) -> CentralFlow:
    """Integrate the central flow from θ₀ (projected on S ≤ 2/η first) to t_end, sampled at integers.

    Stops early (CONVERGED) when L ≤ tol·max(1, L(θ₀)), as :func:`.model.run_gd` does; k − 1 is
    the most edge directions used.
    """
    from scipy.integrate import solve_ivp

    theta, nproj = project(inst, np.asarray(theta0, dtype=float), eta)
    if nproj > PROJ_ITERS:
        status = FlowStatus.PROJECTION_FAILED
        return CentralFlow(eta, theta[None], np.array([math.nan]), np.array([math.nan]), np.zeros(1), np.zeros(1),
                           np.array([math.nan]), (), status, nproj)
    cache: dict = {}

    def st_of(y):
        key = y.tobytes()
        if key not in cache:
            if len(cache) > 64:
                cache.clear()
            cache[key] = state(inst, y, k)
        return cache[key]

    st = st_of(theta)
    loss_tol = tol * max(1.0, st.loss)
    m = _active(inst, st, eta, k)
    samples: dict[int, tuple] = {}
    switches: list[float] = []
    t0, status, converged_at = 0.0, FlowStatus.STEPS_DONE, None

    def sample(y, m_):
        s = st_of(y)
        _, x, _ = central_velocity(inst, s, eta, m_)
        tr = float(x.sum())
        return (y.copy(), s.loss, eta * s.lams[0], tr, m_, float(_derived.cf_predicted_loss(s.loss, tr, eta)))

    def record(t, y, m_):
        samples[int(round(t))] = sample(y, m_)

    record(0.0, theta, m)
    while t0 < t_end:
        mm = m

        def rhs(t, y):
            return central_velocity(inst, st_of(y), eta, mm)[0]

        def join(t, y):
            return eta * st_of(y).lams[mm] - 2.0

        join.terminal, join.direction = True, 1

        def leave(t, y):
            return float(np.min(central_velocity(inst, st_of(y), eta, mm)[2]))

        leave.terminal, leave.direction = True, -1

        def small(t, y):
            return st_of(y).loss - loss_tol

        small.terminal, small.direction = True, -1
        events = [join, small] + ([leave] if mm > 0 else [])
        t_eval = np.arange(math.ceil(t0 + 1e-12), t_end + 1)
        sol = solve_ivp(rhs, (t0, t_end), theta, method="DOP853", rtol=rtol, atol=atol, t_eval=t_eval,
                        events=events)
        for i_t, t in enumerate(sol.t):   # (sol.y is a list, not an array, when no t_eval lies ahead)
            record(t, sol.y[:, i_t], mm)
        if sol.status == -1:
            status = FlowStatus.SOLVER_FAILED
            break
        if sol.status == 0:
            break
        hit = [i for i, te in enumerate(sol.t_events) if te.size]
        i = hit[0]
        t0, theta = float(sol.t_events[i][0]), sol.y_events[i][0]
        if events[i] is small:
            status = FlowStatus.CONVERGED
            converged_at = t0
            last = sample(theta, m)
            for tt in range(int(max(samples)) + 1, t_end + 1):
                samples[tt] = last
            break
        m = _active(inst, st_of(theta), eta, k, min(m + 1, k - 1) if events[i] is join else m - 1)
        switches.append(t0)
        if len(switches) > max_switches:
            status = FlowStatus.SWITCHES
            break
    ts = sorted(samples)
    cols = list(zip(*(samples[t] for t in ts)))
    return CentralFlow(eta, np.array(cols[0]), np.array(cols[1]), np.array(cols[2]), np.array(cols[3]),
                       np.array(cols[4]), np.array(cols[5]), tuple(switches), status, nproj, converged_at)


#: A loss above this (or not finite) has blown up: GD diverged, and the path stops there.
BLOWUP = 1e12


def blew_up(loss: float) -> bool:
    """The loss is not finite or above :data:`BLOWUP`."""
    return not math.isfinite(loss) or loss > BLOWUP


def gd_path(inst: Instance, theta0: np.ndarray, eta: float, steps: int, *, project_steps: bool = False,
            tol: float = 0.0):
    """GD (or projected GD) in θ-space: arrays (θ_t, L_t, ηS_t) for t = 0..steps, and projection failures.

    Stops early after the first step with L ≤ tol·max(1, L₀) (tol = 0: never) or a loss that blew up
    (:func:`blew_up`).
    """
    theta = np.asarray(theta0, dtype=float).copy()
    if project_steps:
        theta, _ = project(inst, theta, eta)
    thetas, losses, sharp, fails = [], [], [], 0
    for t in range(steps + 1):
        st = state(inst, theta, 1)
        thetas.append(theta)
        losses.append(st.loss)
        sharp.append(eta * st.lams[0])
        if blew_up(st.loss) or st.loss <= tol * max(1.0, losses[0]):
            break
        theta = theta - eta * st.grad
        if project_steps:
            theta, n = project(inst, theta, eta)
            fails += n > PROJ_ITERS
    return np.array(thetas), np.array(losses), np.array(sharp), fails


def pgd_path(inst: Instance, theta0, eta: float, steps: int):
    """Projected GD (:func:`gd_path` with ``project_steps=True``)."""
    return gd_path(inst, theta0, eta, steps, project_steps=True)


def _avg2(a: np.ndarray) -> np.ndarray:
    return 0.5 * (a[:-1] + a[1:])


@dataclass(frozen=True, eq=False)
class Comparison:
    """GD (two-step averaged) against the central flow and projected GD, along t = 0..n−1.

    gd_raw_sharpness: ηS_t of GD at every step. gd_sharpness, gd_loss, gd_theta: two-step averages of
    ηS, L, θ of GD. flow: the
    :class:`CentralFlow`. pgd_sharpness, pgd_loss: along projected GD. dist_flow, dist_pgd:
    ‖θ̄_GD − θ_flow‖ and ‖θ̄_GD − θ_PGD‖. gd_diverged_at: the step at which GD's loss blew up
    (:func:`blew_up`; GD stops there), None if it ran every step. eos: boolean mask of the flow's edge phase (m ≥ 1).
    loss_rel_error: median over the edge phase of |L̄_GD − (L + trΣ/η)|/(L + trΣ/η).
    sharpness_band: 90% quantile over the edge phase of |ηS̄_GD − 2|.
    """

    __repr__ = compact_repr

    eta: float
    steps: int
    gd_raw_sharpness: np.ndarray
    gd_sharpness: np.ndarray
    gd_loss: np.ndarray
    gd_theta: np.ndarray
    flow: CentralFlow
    pgd_sharpness: np.ndarray
    pgd_loss: np.ndarray
    dist_flow: np.ndarray
    dist_pgd: np.ndarray
    pgd_projection_failures: int
    gd_diverged_at: int | None = None

    @property
    def n(self) -> int:
        return min(len(self.gd_loss), len(self.flow.loss), len(self.pgd_loss))

    @property
    def eos(self) -> np.ndarray:
        return self.flow.directions[: self.n] >= 1

    def _phase(self, a):
        return np.asarray(a)[: self.n][self.eos]

    @property
    def loss_rel_error(self) -> float:
        pred = self._phase(self.flow.predicted_loss)
        meas = self._phase(self.gd_loss)
        return float(np.median(np.abs(meas - pred) / pred)) if pred.size else math.nan

    @property
    def pgd_loss_rel_error(self) -> float:
        """Median over the edge phase of |L̄_GD − L(θ_PGD)|/L(θ_PGD) (no oscillation term)."""
        pgd = self._phase(self.pgd_loss)
        meas = self._phase(self.gd_loss)
        return float(np.median(np.abs(meas - pgd) / pgd)) if pgd.size else math.nan

    @property
    def sharpness_deviation(self) -> np.ndarray:
        return np.abs(self._phase(self.gd_sharpness) - 2.0)

    @property
    def sharpness_band(self) -> float:
        d = self.sharpness_deviation
        return float(np.quantile(d, 0.9)) if d.size else math.nan

    @property
    def eos_steps(self) -> int:
        return int(self.eos.sum())


def compare(inst: Instance, theta0, eta: float, steps: int, **flow_kw) -> Comparison:
    """Run GD, the central flow and projected GD from θ₀ for ``steps`` and compare them (module docstring)."""
    th, L, S, _ = gd_path(inst, theta0, eta, steps + 1)
    flow = central_flow(inst, theta0, eta, steps, **flow_kw)
    pth, pL, pS, fails = pgd_path(inst, theta0, eta, steps)
    gth, gL, gS = _avg2(th), _avg2(L), _avg2(S)
    n = min(len(gL), len(flow.loss), len(pL))
    return Comparison(eta, steps, S, gS, gL, gth, flow, pS, pL,
                      np.linalg.norm(gth[:n] - flow.theta[:n], axis=1), np.linalg.norm(gth[:n] - pth[:n], axis=1),
                      fails, len(L) - 1 if blew_up(L[-1]) else None)


def planar_instance(omegas, theta0, E) -> tuple[Instance, np.ndarray]:
    """The one-output model z = ½θᵀdiag(ω)θ − E (the paper's model, D = 1) as an Instance, with θ₀."""
    w = np.asarray(omegas, dtype=float)
    P = w.size
    inst = Instance(np.zeros((1, P)), np.ascontiguousarray(np.diag(w)[None]), np.array([float(E)]))
    return inst, np.asarray(theta0, dtype=float)
