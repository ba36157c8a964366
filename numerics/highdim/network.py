"""A two-layer tanh network, its exact Jacobian and Hessians, and its quadratic model.

Network (NTK parametrization), parameters θ = (W, a) with W ∈ R^{m×d}, a ∈ R^m,
P = m(d + 1), flattened as θ = [W row by row, a]:

    f(x; θ) = aᵀ tanh(W x/√d) / √m .

Data (:func:`make_data`, seeded): x_α ~ N(0, I_d), targets y_α = sin(2 uᵀx_α) + 0.1 ξ_α with
u a random unit vector and ξ_α ~ N(0, 1), α = 1..n. Initialization W_jk, a_j ~ N(0, 1).
Residuals z_α(θ) = f(x_α; θ) − y_α, loss ½‖z‖².

Hand-derived derivatives (derived here), with h = Wx/√d, t = tanh h, t' = 1 − t²,
t'' = −2 t t':

    ∂f/∂a_j = t_j/√m,  ∂f/∂W_jk = a_j t'_j x_k/√(md),
    ∂²f/∂a_j∂W_jk = t'_j x_k/√(md),  ∂²f/∂W_jk∂W_jl = a_j t''_j x_k x_l/(√m d),

all other second derivatives zero. The second-order Taylor model at θ₀ in φ = θ − θ₀,

    z_α(φ) ≈ ½ φᵀH_αφ + J_α(θ₀)φ − (y_α − f(x_α; θ₀)),

is the model of docs/theory.md §6 with Q_α = H_α, G_α = J_α(θ₀)ᵀ and target y_α − f(x_α; θ₀)
(paper: this is how the model relates to networks).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .model import Instance, RunStatus, Trajectory, check_size, top_eigenpair
from ..validate import InputError, positive_int
from ..display import compact_repr

__all__ = ["Network", "make_data", "init_params", "quadratic_model", "run_network_gd"]


@dataclass(frozen=True, eq=False)
class Network:
    """A 2-layer tanh network f(x; θ) = aᵀtanh(Wx/√d)/√m on fixed data X (n×d), targets y."""

    X: np.ndarray
    y: np.ndarray
    m: int

    __repr__ = compact_repr

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def d(self) -> int:
        return self.X.shape[1]

    @property
    def P(self) -> int:
        return self.m * (self.d + 1)

    def split(self, theta: np.ndarray):
        """θ → (W, a)."""
        md = self.m * self.d
        return theta[:md].reshape(self.m, self.d), theta[md:]

    def outputs(self, theta: np.ndarray) -> np.ndarray:
        """f(x_α; θ) for all α (complex θ allowed, for complex-step checks)."""
        W, a = self.split(theta)
        return np.tanh(self.X @ W.T / math.sqrt(self.d)) @ a / math.sqrt(self.m)

    def residual(self, theta: np.ndarray) -> np.ndarray:
        return self.outputs(theta) - self.y

    def jacobian(self, theta: np.ndarray) -> np.ndarray:
        """J_α = ∂f(x_α)/∂θ (n×P), from the hand-derived formulas of the module docstring."""
        W, a = self.split(theta)
        t = np.tanh(self.X @ W.T / math.sqrt(self.d))            # n×m
        dt = 1.0 - t * t
        JW = (a * dt)[:, :, None] * self.X[:, None, :] / math.sqrt(self.m * self.d)   # n×m×d
        Ja = t / math.sqrt(self.m)
        return np.concatenate([JW.reshape(self.n, -1), Ja], axis=1)

    def hessians(self, theta: np.ndarray) -> np.ndarray:
        """H_α = ∂²f(x_α)/∂θ² for all α, as a C-contiguous n×P×P float64 array."""
        W, a = self.split(theta)
        m, d, n = self.m, self.d, self.n
        md = m * d
        t = np.tanh(self.X @ W.T / math.sqrt(d))
        dt = 1.0 - t * t
        ddt = -2.0 * t * dt
        H = np.zeros((n, self.P, self.P))
        for al in range(n):
            x = self.X[al]
            xx = np.outer(x, x)
            for j in range(m):
                blk = slice(j * d, (j + 1) * d)
                H[al, blk, blk] = a[j] * ddt[al, j] * xx / (math.sqrt(m) * d)
                col = dt[al, j] * x / math.sqrt(m * d)
                H[al, blk, md + j] = col
                H[al, md + j, blk] = col
        return H


def make_data(n, d, m, seed: int = 0) -> tuple[Network, np.ndarray]:
    """A seeded regression set and network (see the module docstring); returns (net, θ₀)."""
    n, d, m = positive_int("n", n), positive_int("d", d), positive_int("m", m)
    check_size(n, m * (d + 1))
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    u = rng.standard_normal(d)
    u /= np.linalg.norm(u)
    y = np.sin(2.0 * X @ u) + 0.1 * rng.standard_normal(n)
    return Network(X, y, m), init_params(m, d, rng)


def init_params(m: int, d: int, rng) -> np.ndarray:
    """θ₀ with W_jk, a_j ~ N(0, 1) (NTK parametrization)."""
    return rng.standard_normal(m * (d + 1))


def quadratic_model(net: Network, theta0: np.ndarray) -> Instance:
    """The second-order Taylor model at θ₀ as a docs/theory.md §6 instance (in φ = θ − θ₀)."""
    G = net.jacobian(theta0)
    Q = net.hessians(theta0)
    y = net.y - net.outputs(theta0)
    return Instance(G, Q, y, eps=1.0, seed=None)


def run_network_gd(net: Network, theta0: np.ndarray, eta: float, steps: int, *, tol: float = 1e-10,
                   blowup: float = 1e6) -> Trajectory:
    """GD θ' = θ − ηJᵀz on the network; records ηλ_max(K), the loss and the top-mode residual.

    Same stopping rules as :func:`numerics.highdim.run_gd`.
    """
    if not eta > 0:
        raise InputError(f"eta={eta!r}: expected a value > 0; pass a positive eta")
    steps = positive_int("steps", steps)
    theta = theta0.copy()
    z = net.residual(theta)
    loss0 = 0.5 * float(z @ z)
    conv, big = tol * max(1.0, loss0), blowup * max(1.0, loss0)
    rec = {k: [] for k in ("eta_ntk", "loss", "z_top")}
    v = None
    status = RunStatus.MAX_STEPS
    for t in range(steps + 1):
        z = net.residual(theta)
        loss = 0.5 * float(z @ z)
        if not math.isfinite(loss) or loss > big:
            status = RunStatus.DIVERGED
            break
        J = net.jacobian(theta)
        lam, v = top_eigenpair(J, "eigh", v)
        rec["eta_ntk"].append(eta * lam)
        rec["loss"].append(loss)
        rec["z_top"].append(float(v @ z))
        if loss <= conv:
            status = RunStatus.CONVERGED
            break
        if t < steps:
            theta = theta - eta * (J.T @ z)
    arr = {k: np.asarray(x, dtype=float) for k, x in rec.items()}
    nan = np.full_like(arr["loss"], np.nan)
    return Trajectory(eta, arr["eta_ntk"], arr["loss"], arr["z_top"], nan, nan.copy(), status)
