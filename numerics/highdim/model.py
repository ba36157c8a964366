"""The many-datapoint second-order regression model and its exact gradient descent.

Model (docs/theory.md §6; derived here): residuals

    z_α(θ) = ½ θᵀQ_αθ + G_αᵀθ − y_α,   α = 1..D,   θ ∈ R^P,

loss L = ½‖z‖², Jacobian rows J_α = θᵀQ_α + G_αᵀ (J is D×P), NTK K = JJᵀ (D×D).
Gradient descent θ' = θ − ηJᵀz is, in the state (z, J) and exactly (the model is
quadratic, so the Taylor series stops), with g = Jᵀz:

    z_α' = z_α − η J_α g + ½ η² gᵀQ_α g,      J_α' = J_α − η gᵀQ_α .

No θ is needed. The edge of stability (EOS) is ηλ_max(K) = 2. For invertible Q_α the
per-datapoint quantity J_α Q_α⁻¹ J_αᵀ − 2z_α equals G_αᵀQ_α⁻¹G_α + 2y_α at every θ,
so GD and GF conserve it (docs/theory.md §6; checked in tests/test_highdim.py).

Random instances (:func:`random_instance`), seeded, with the scalings

    G_αi ~ N(0, 1/P),   Q_α = ε (A_α + A_αᵀ)/√2 with A_α,ij ~ N(0, 1/P),   y_α ~ N(0, 1),

all independent, and θ₀ = 0 (so z₀ = −y, J₀ = G). Off-diagonal entries of Q_α/ε are
then N(0, 1/P) and diagonal ones N(0, 2/P) (a GOE matrix with spectrum in about
[−2√2, 2√2]). With these scalings λ_max(K₀) = O(1) and the step η = f·2/λ_max(K₀)
(f = ``eta_frac``) puts ηλ_max at 2f initially. ε = 0 is the linear model with a
constant NTK. Q is stored once, as one C-contiguous D×P×P array, so the contraction
gᵀQ_α for all α is a single (D·P × P)·(P) matrix-vector product (BLAS GEMV, the cost of
a step). ``dtype="float32"`` stores Q in float32 (half the memory and memory traffic of
that GEMV); the state (z, J), the vector g and every other quantity stay float64.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import _derived
from ..validate import InputError, exact, positive, positive_int
from ..display import compact_repr
from ..status import DIVERGENCE_FACTOR, LossRule, Status, at_edge, sharpened

__all__ = ["MEMORY_LIMIT", "DTYPES", "check_dtype", "Instance", "RunStatus", "Trajectory", "memory_bytes", "check_size",
           "SizeError",
    "random_instance", "gd_step", "ntk", "top_eigenpair", "run_gd", "eta_for", "normal_form_coefficients",
]

#: Largest memory (bytes) a requested instance may need; checked before allocating.
MEMORY_LIMIT = 8 * 2**30


#: Q's storage types and their bytes per entry.
DTYPES = {"float64": 8, "float32": 4}


def memory_bytes(D: int, P: int, runs_in_parallel: int = 1, dtype: str = "float64") -> int:
    """Estimated peak memory of one run: Q (D·P² entries of ``dtype``) + a P×P float64 temporary
    for the draw's symmetrization (one α at a time, see :func:`random_instance`) + a few D×P and
    D×D float64 arrays."""
    per_run = DTYPES[dtype] * D * P * P + 8 * (P * P + 8 * D * P + 4 * D * D + 4 * P)
    return per_run * runs_in_parallel


def check_dtype(dtype) -> str:
    """Validate Q's storage type: "float64" or "float32"."""
    if dtype not in DTYPES:
        raise InputError(f"dtype={dtype!r}: expected 'float64' or 'float32' (Q's storage; the state stays "
                         "float64); pass e.g. --dtype float32")
    return dtype


class SizeError(InputError):
    """An instance over the memory limit, before anything is allocated: D, P, the bytes it needs (``need``)
    and the ``limit`` in bytes, so that a caller can name its own options for them."""

    def __init__(self, D: int, P: int, need: int, limit: int, dtype: str):
        super().__init__(f"D={D}, P={P}: the instance needs about {need / 2**30:.1f} GiB (Q alone is "
                         f"D*P*P*{DTYPES[dtype]} bytes), over the limit of {limit / 2**30:.1f} GiB; pass a smaller "
                         "D or P, or a larger limit")
        self.D, self.P, self.need, self.limit = D, P, need, limit


def check_size(D, P, *, limit: int = MEMORY_LIMIT, dtype: str = "float64") -> tuple[int, int]:
    """Validate D, P as whole numbers >= 1 whose run fits in ``limit`` bytes (before allocating);
    :class:`SizeError` if it does not."""
    D = positive_int("D", D)
    P = positive_int("P", P)
    need = memory_bytes(D, P, dtype=check_dtype(dtype))
    if need > limit:
        raise SizeError(D, P, need, limit, dtype)
    return D, P


def _nonneg_float(name: str, value) -> float:
    v = exact(name, value)
    if v < 0:
        raise InputError(f"{name}={value!r}: expected a value >= 0; pass e.g. {name}=0.05", name)
    return float(v)


@dataclass(frozen=True, eq=False)
class Instance:
    """One model z_α(θ) = ½θᵀQ_αθ + G_αᵀθ − y_α (docs/theory.md §6).

    G: D×P array (rows G_α). Q: C-contiguous D×P×P array (float64 or float32), symmetric in
    its last two axes, already multiplied by ε. y: targets, length D. eps: the nonlinearity scale ε.
    seed: the seed it was drawn from (None if built by hand).
    """

    G: np.ndarray
    Q: np.ndarray
    y: np.ndarray
    eps: float = 1.0
    seed: int | None = None

    __repr__ = compact_repr

    def __post_init__(self):
        D, P = self.G.shape
        if self.Q.shape != (D, P, P) or self.y.shape != (D,):
            raise ValueError(f"shapes G {self.G.shape}, Q {self.Q.shape}, y {self.y.shape} do not fit")
        if not self.Q.flags.c_contiguous or self.Q.dtype not in (np.float64, np.float32):
            raise ValueError("Q must be a C-contiguous float64 or float32 array")
        for a in (self.G, self.Q, self.y):
            a.flags.writeable = False

    @property
    def D(self) -> int:
        return self.G.shape[0]

    @property
    def P(self) -> int:
        return self.G.shape[1]

    @property
    def dtype(self) -> str:
        """Q's storage type, "float64" or "float32"."""
        return self.Q.dtype.name

    def qmul(self, x: np.ndarray) -> np.ndarray:
        """The D×P float64 array with rows Q_α x: one GEMV over Q, in Q's storage type."""
        Q2 = self.Q.reshape(-1, self.P)
        return (Q2 @ x.astype(Q2.dtype, copy=False)).reshape(self.D, self.P).astype(np.float64, copy=False)

    def residual(self, theta: np.ndarray) -> np.ndarray:
        """z_α(θ) = ½θᵀQ_αθ + G_αᵀθ − y_α for all α."""
        return 0.5 * (self.qmul(theta) @ theta) + self.G @ theta - self.y

    def jacobian(self, theta: np.ndarray) -> np.ndarray:
        """J_α = θᵀQ_α + G_αᵀ (D×P)."""
        return self.qmul(theta) + self.G

    def initial_state(self) -> tuple[np.ndarray, np.ndarray]:
        """(z₀, J₀) at θ₀ = 0: z₀ = −y, J₀ = G (copies, writeable)."""
        return -self.y.copy(), self.G.copy()


def random_instance(D, P, eps, seed: int = 0, *, limit: int = MEMORY_LIMIT, dtype: str = "float64") -> Instance:
    """A seeded random instance with the scalings of the module docstring.

    The memory estimate is checked before anything is allocated. Q_α is drawn and
    symmetrized in float64 one α at a time, then stored in ``dtype``, so no second D×P×P
    array exists and a float32 instance is the float64 one rounded.
    """
    D, P = check_size(D, P, limit=limit, dtype=dtype)
    eps = _nonneg_float("eps", eps)
    rng = np.random.default_rng(seed)
    G = rng.standard_normal((D, P)) / math.sqrt(P)
    y = rng.standard_normal(D)
    Q = np.empty((D, P, P), dtype=dtype)
    scale = eps / math.sqrt(2 * P)
    for a in range(D):
        A = rng.standard_normal((P, P))
        S = A + A.T
        S *= scale
        Q[a] = S
    return Instance(G, Q, y, eps, seed)


def gd_step(inst: Instance, z: np.ndarray, J: np.ndarray, eta: float) -> tuple[np.ndarray, np.ndarray]:
    """One exact GD step of (z, J) (docs/theory.md §6).

    g = Jᵀz;  u_α = gᵀQ_α (one GEMV over the D·P×P array);
    z_α' = z_α − η J_α g + ½ η² u_α g;  J_α' = J_α − η u_α
    (the z-update is the generated ``hd_z_next``, derived in theory/highdim.py).
    """
    g = J.T @ z
    u = inst.qmul(g)
    z_new = _derived.hd_z_next(eta, z, J @ g, u @ g)
    J_new = J - eta * u
    return z_new, J_new


def ntk(J: np.ndarray) -> np.ndarray:
    """K = JJᵀ (D×D)."""
    return J @ J.T


def top_eigenpair(J: np.ndarray, method: str = "eigh", v0: np.ndarray | None = None,
                  tol: float = 1e-12) -> tuple[float, np.ndarray]:
    """Largest eigenvalue λ_max of K = JJᵀ and a unit eigenvector.

    method: "eigh" (dense LAPACK on K, exact to rounding; for small D), "lanczos"
    (scipy ARPACK on the operator v ↦ J(Jᵀv), warm-started from v0), or "power"
    (power iteration on the same operator from v0, until the Rayleigh quotient changes by
    less than tol relatively). The sign of the eigenvector is chosen so that vᵀv0 ≥ 0
    (or its largest entry is positive without v0), so tracked eigenvectors do not flip.
    """
    D = J.shape[0]
    if method == "eigh" or D <= 2:
        import scipy.linalg

        K = J @ J.T
        # driver "evr" (MRRR) computes one eigenpair ~10x faster than the default for a subset.
        w, V = scipy.linalg.eigh(K, subset_by_index=[D - 1, D - 1], check_finite=False, driver="evr")
        lam, v = float(w[0]), V[:, 0]
    elif method == "lanczos":
        from scipy.sparse.linalg import LinearOperator, eigsh

        op = LinearOperator((D, D), matvec=lambda x: J @ (J.T @ x), dtype=J.dtype)
        w, V = eigsh(op, k=1, which="LA", v0=v0, tol=tol)
        lam, v = float(w[0]), V[:, 0]
    elif method == "power":
        v = np.ones(D) / math.sqrt(D) if v0 is None else v0 / np.linalg.norm(v0)
        lam = 0.0
        for _ in range(10_000):
            w = J @ (J.T @ v)
            new = float(v @ w)
            v = w / np.linalg.norm(w)
            if abs(new - lam) <= tol * abs(new):
                lam = new
                break
            lam = new
    else:
        raise ValueError(f"method={method!r}: expected 'eigh', 'lanczos' or 'power'")
    ref = v0 if v0 is not None else np.sign(v[np.argmax(np.abs(v))]) * np.abs(v)
    if v @ ref < 0:
        v = -v
    return lam, v


def eta_for(inst: Instance, eta_frac) -> float:
    """η = f · 2/λ_max(K₀) at θ₀ = 0, so the run starts at ηλ_max = 2f."""
    f = float(positive("eta_frac", eta_frac))
    lam, _ = top_eigenpair(inst.G)
    return f * 2.0 / lam


def normal_form_coefficients(inst: Instance, J: np.ndarray, v: np.ndarray, eta: float) -> tuple[float, float]:
    """s and r of the 2-D normal form (docs/theory.md §5) for the top NTK direction v (derived here).

    Projecting on v gives a one-output model with Jacobian j = vᵀJ (so η jjᵀ = ηλ_max = T)
    and Hessian Q_v = Σ_α v_α Q_α; its S and R (docs/theory.md §3) are
    s = η j Q_v jᵀ and r = η ‖Q_v jᵀ‖². Both come from one GEMV over Q.
    """
    j = v @ J
    u = inst.qmul(j)   # row α: Q_α jᵀ
    Qv_j = v @ u
    return float(eta * (j @ Qv_j)), float(eta * (Qv_j @ Qv_j))


class RunStatus(Status):
    """How a GD run ended; ``.value`` is a readable message."""

    CONVERGED = "converged: the loss fell below the tolerance"
    DIVERGED = "diverged: the loss grew past the blow-up bound or stopped being finite"
    MAX_STEPS = "unfinished: the step budget ran out before convergence"


class RunVerdicts:
    """What one run did, from its ``status`` and its ``initial`` and ``peak`` ηλ_max: the one set of
    verdicts shared by :class:`Trajectory` and the grid's run records."""

    @property
    def converged(self) -> bool:
        return self.status is RunStatus.CONVERGED

    @property
    def diverged(self) -> bool:
        return self.status is RunStatus.DIVERGED

    @property
    def sharpened(self) -> bool:
        """Progressive sharpening (:func:`..status.sharpened`: peak ηλ_max > 1.1 × initial) and the run converged."""
        return self.converged and sharpened(self.initial, self.peak)

    @property
    def reached_eos(self) -> bool:
        """Edge of stability (:func:`..status.at_edge`: max ηλ_max ≥ 1.9) and the run still converged."""
        return self.converged and at_edge(self.peak)


@dataclass(frozen=True, eq=False)
class Trajectory(RunVerdicts):
    """The record of one GD run, one entry per step t = 0..steps (the state before step t+1).

    eta: the step η. eta_ntk: ηλ_max(K_t). loss: ½‖z_t‖². z_top: v_tᵀz_t, the residual
    projected on the (sign-tracked) top NTK eigenvector. s, r: normal-form coefficients
    of :func:`normal_form_coefficients` (NaN unless requested). status: a :class:`RunStatus`.
    """

    eta: float
    eta_ntk: np.ndarray
    loss: np.ndarray
    z_top: np.ndarray
    s: np.ndarray
    r: np.ndarray
    status: RunStatus

    __repr__ = compact_repr

    @property
    def steps(self) -> int:
        return len(self.loss) - 1

    @property
    def initial(self) -> float:
        return float(self.eta_ntk[0])

    @property
    def peak(self) -> float:
        return float(np.max(self.eta_ntk))

    @property
    def final(self) -> float:
        return float(self.eta_ntk[-1])



def run_gd(inst: Instance, eta, steps, *, tol: float = 1e-10, blowup: float = float(DIVERGENCE_FACTOR) ** 2,
           eig: str = "auto",
           normal_form: bool = False, nf_window: float = math.inf,
           state: tuple[np.ndarray, np.ndarray] | None = None, callback=None) -> Trajectory:
    """Run exact GD from θ₀ = 0 (or from ``state`` = (z, J)) for at most ``steps`` steps.

    Stops by :class:`..status.LossRule`: CONVERGED when ½‖z‖² ≤ tol·max(1, ½‖z₀‖²), DIVERGED when
    the loss exceeds blowup·max(1, ½‖z₀‖²) or is not finite (default blowup: the divergence rule
    of numerics.status, squared because the loss is quadratic in z). eig: "auto" (eigh for D ≤ 512, else Lanczos
    warm-started from the previous eigenvector), or a method of :func:`top_eigenpair`.
    normal_form: also record s, r of :func:`normal_form_coefficients` (one more GEMV per step),
    only at steps with |ηλ_max − 2| ≤ nf_window (NaN elsewhere).
    callback(t, z, J, v), if given, sees every recorded state (for the self-stabilization
    measurements); it must not modify its arguments.
    """
    eta = float(positive("eta", eta))
    steps = positive_int("steps", steps)
    method = ("eigh" if inst.D <= 512 else "lanczos") if eig == "auto" else eig
    z, J = inst.initial_state() if state is None else (state[0].copy(), state[1].copy())
    rule = LossRule(0.5 * float(z @ z), tol, blowup)
    rec = {k: [] for k in ("eta_ntk", "loss", "z_top", "s", "r")}
    v = None
    status = RunStatus.MAX_STEPS
    for t in range(steps + 1):
        loss = 0.5 * float(z @ z)
        if rule.diverged(loss):
            status = RunStatus.DIVERGED
            break
        lam, v = top_eigenpair(J, method, v)
        rec["eta_ntk"].append(eta * lam)
        rec["loss"].append(loss)
        rec["z_top"].append(float(v @ z))
        want = normal_form and abs(eta * lam - 2.0) <= nf_window
        s, r = normal_form_coefficients(inst, J, v, eta) if want else (math.nan, math.nan)
        rec["s"].append(s)
        rec["r"].append(r)
        if callback is not None:
            callback(t, z, J, v)
        if rule.converged(loss):
            status = RunStatus.CONVERGED
            break
        if t < steps:
            z, J = gd_step(inst, z, J, eta)
    arr = {k: np.asarray(x, dtype=float) for k, x in rec.items()}
    return Trajectory(eta, arr["eta_ntk"], arr["loss"], arr["z_top"], arr["s"], arr["r"], status)
