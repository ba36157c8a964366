"""Networks as residual functions: a model ``apply(params, x)``, its data, and the loss in use.

A model is a pure function ``apply(params, x) -> outputs`` with initial ``params`` (any JAX
pytree) and data ``(X, Y)`` with ``apply(params, X).shape == Y.shape``. sorm works in flat
coordinates θ ∈ R^P (``jax.flatten_util.ravel_pytree``) and with the residuals

    z(θ) = c · (apply(θ, X) − Y),  flattened to length D = Y.size,

where c = 1 for the loss ``"sum"`` (L = ½‖apply − Y‖², the paper's L = z²/2) and c = 1/√n for
``"mean"`` (L = ½‖apply − Y‖²/n, n = number of examples). In both cases L = ½‖z‖², the NTK is
K = JJᵀ with J = ∂z/∂θ (D×P), λ = λ_max(K), and the edge of stability is ηλ = 2.

Built-in models (seeded, LeCun-normal weights W ~ N(0, 1/fan_in), zero biases):

- :func:`mlp_apply`: a fully connected network with tanh, ReLU or GELU between layers;
- :func:`cnn_apply`: 3×3 convolution (C channels, same padding) → activation → 2×2 average
  pooling → dense, for 8×8 images.

Data: :func:`digits` (scikit-learn's bundled 8×8 digits, offline: a seeded class-balanced
subset, pixels/16, one-hot or ±1 targets) and :func:`teacher` (x ~ N(0, I_d), targets from a
seeded random tanh teacher network with one output).
"""
from __future__ import annotations

import importlib
import math
import re
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..display import compact_repr
from ..validate import InputError, positive_int
from .precision import as_float64, float64

__all__ = ["Network", "LOSSES", "ACTIVATIONS", "make_network", "digits", "teacher", "init_mlp", "mlp_apply",
           "init_cnn", "cnn_apply", "builtin", "from_factory"]

LOSSES = ("sum", "mean")
ACTIVATIONS = ("tanh", "relu", "gelu")
_SPEC = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


@dataclass(frozen=True, eq=False)
class Network:
    """A model with its data in flat coordinates (see the module docstring).

    apply: ``apply(params, x)``. theta0: the initial params, flattened (float64, length P).
    unravel: flat θ → params pytree. X, Y: the data. loss: "sum" or "mean". name, seed: what
    made it.
    """

    apply: Callable
    theta0: Any
    unravel: Callable
    X: Any
    Y: Any
    loss: str
    name: str
    seed: int

    @property
    def P(self) -> int:
        return int(self.theta0.shape[0])

    @property
    def n(self) -> int:
        return int(self.Y.shape[0])

    @property
    def D(self) -> int:
        return int(self.Y.size)

    @property
    def scale(self) -> float:
        """c of the module docstring: 1 for "sum", 1/√n for "mean"."""
        return 1.0 if self.loss == "sum" else 1.0 / math.sqrt(self.n)

    def residual(self, theta):
        """z(θ) = c·(apply(θ, X) − Y), flattened (a pure JAX function of θ)."""
        return self.scale * (self.apply(self.unravel(theta), self.X) - self.Y).reshape(-1)

    __repr__ = compact_repr

    def _repr_items(self):
        return [("name", repr(self.name)), ("seed", str(self.seed)), ("n", str(self.n)), ("D", str(self.D)),
                ("P", str(self.P)), ("loss", repr(self.loss))]


@float64
def make_network(apply, params, X, Y, *, name: str = "model", seed: int = 0, loss: str = "sum") -> Network:
    """Validate a model and its data and return it in flat coordinates.

    One-line :class:`InputError` when the loss is unknown, the data are not finite, the outputs
    have the wrong shape, or the outputs are not finite at the initial params.
    """
    import jax.numpy as jnp
    from jax.flatten_util import ravel_pytree

    if loss not in LOSSES:
        raise InputError(f"loss={loss!r}: expected one of {', '.join(LOSSES)}; pass e.g. --loss sum")
    if not callable(apply):
        raise InputError(f"model {name}: apply={apply!r} is not callable; return apply(params, x) from the factory")
    try:
        params = as_float64(params)
        X, Y = jnp.asarray(X, dtype=jnp.float64), jnp.asarray(Y, dtype=jnp.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"model {name}: params, X and Y must be arrays or pytrees of arrays ({exc})") from None
    if Y.ndim == 0 or Y.shape[0] == 0:
        raise InputError(f"model {name}: Y has shape {Y.shape}; expected one row per example")
    for what, a in (("X", X), ("Y", Y)):
        if not bool(jnp.all(jnp.isfinite(a))):
            raise InputError(f"model {name}: {what} has non-finite entries; pass finite data")
    theta0, unravel = ravel_pytree(params)
    if theta0.size == 0:
        raise InputError(f"model {name}: params have no entries; return the initial params from the factory")
    try:
        out = apply(params, X)
    except Exception as exc:  # the user's apply failed on the user's data: say so in one line
        raise InputError(f"model {name}: apply(params, X) raised {type(exc).__name__}: "
                         f"{str(exc).splitlines()[0] if str(exc) else ''}") from None
    shape = getattr(out, "shape", None)
    if shape != Y.shape:
        raise InputError(f"model {name}: apply(params, X) has shape {shape} but Y has shape {Y.shape}; "
                         "return outputs with the shape of Y")
    if not bool(jnp.all(jnp.isfinite(out))):
        raise InputError(f"model {name}: apply(params, X) has non-finite outputs at the initial params; "
                         "check the initialisation and the data scale")
    return Network(apply, theta0, unravel, X, Y, loss, name, int(seed))


# --- data ------------------------------------------------------------------------------------

def digits(n, seed: int = 0, targets: str = "onehot") -> tuple[np.ndarray, np.ndarray]:
    """A seeded class-balanced subset of n of scikit-learn's 1797 8×8 digits (offline).

    Class k gets ⌊n/10⌋ images, plus one more for the first n mod 10 classes of a seeded
    permutation; images are drawn without replacement by a seeded generator. X: n×64 pixels/16
    in [0, 1]. Y: n×10 one-hot (``targets="onehot"``) or ±1 (``"pm1"``: 2·one-hot − 1).
    """
    from sklearn.datasets import load_digits

    n = positive_int("n", n, maximum=1797)
    if targets not in ("onehot", "pm1"):
        raise InputError(f"targets={targets!r}: expected 'onehot' or 'pm1'; pass e.g. --targets onehot")
    data = load_digits()
    rng = np.random.default_rng(seed)
    extra = set(rng.permutation(10)[: n % 10].tolist())
    idx = []
    for k in range(10):
        pool = np.flatnonzero(data.target == k)
        take = n // 10 + (k in extra)
        if take > pool.size:
            raise InputError(f"n={n}: class {k} has only {pool.size} images; pass n <= {10 * 174}")
        idx.extend(rng.choice(pool, size=take, replace=False).tolist())
    idx = np.sort(np.asarray(idx))
    X = data.data[idx] / 16.0
    Y = np.eye(10)[data.target[idx]]
    return X, (2.0 * Y - 1.0 if targets == "pm1" else Y)


def teacher(n, d: int = 16, seed: int = 0, width: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """A synthetic task: x_α ~ N(0, I_d), y_α = vᵀtanh(W x_α) with W ~ N(0, 1/d), v ~ N(0, 1/width).

    Returns X (n×d) and Y (n×1), both from one seeded generator (a different stream from the
    student's initialisation).
    """
    n, d, width = positive_int("n", n), positive_int("d", d), positive_int("width", width)
    rng = np.random.default_rng([seed, 1])
    X = rng.standard_normal((n, d))
    W = rng.standard_normal((width, d)) / math.sqrt(d)
    v = rng.standard_normal(width) / math.sqrt(width)
    return X, (np.tanh(X @ W.T) @ v)[:, None]


# --- built-in models -------------------------------------------------------------------------

def _activation(name: str):
    import jax

    if name not in ACTIVATIONS:
        raise InputError(f"activation={name!r}: expected one of {', '.join(ACTIVATIONS)}; pass e.g. --activation tanh")
    return {"tanh": jax.numpy.tanh, "relu": jax.nn.relu, "gelu": jax.nn.gelu}[name]


def init_mlp(sizes, seed: int = 0) -> list:
    """[(W, b), ...] for layer sizes [d_in, h_1, ..., d_out]: W ~ N(0, 1/fan_in) (LeCun), b = 0."""
    rng = np.random.default_rng([seed, 0])
    return [(rng.standard_normal((a, b)) / math.sqrt(a), np.zeros(b)) for a, b in zip(sizes[:-1], sizes[1:])]


def mlp_apply(params, x, activation: str = "tanh"):
    """h ← σ(hW + b) between layers, linear last layer (σ: ``activation``)."""
    act = _activation(activation)
    h = x
    for W, b in params[:-1]:
        h = act(h @ W + b)
    W, b = params[-1]
    return h @ W + b


def init_cnn(channels: int, outputs: int, seed: int = 0) -> dict:
    """Params of :func:`cnn_apply`: conv kernel 3×3×1×C, bias C, dense (16C)×outputs, bias."""
    rng = np.random.default_rng([seed, 0])
    return {"conv": (rng.standard_normal((3, 3, 1, channels)) / 3.0, np.zeros(channels)),
            "dense": (rng.standard_normal((16 * channels, outputs)) / math.sqrt(16 * channels), np.zeros(outputs))}


def cnn_apply(params, x, activation: str = "tanh"):
    """8×8 images (rows of 64 pixels) → conv 3×3 (same) → σ → 2×2 average pool → dense."""
    import jax

    act = _activation(activation)
    K, c = params["conv"]
    img = x.reshape(-1, 8, 8, 1)
    h = jax.lax.conv_general_dilated(img, K, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")) + c
    h = act(h)
    h = h.reshape(h.shape[0], 4, 2, 4, 2, h.shape[-1]).mean(axis=(2, 4))
    W, b = params["dense"]
    return h.reshape(h.shape[0], -1) @ W + b


def builtin(model: str = "mlp", data: str = "digits", n=500, seed: int = 0, *, widths=(128,),
            activation: str = "tanh", channels: int = 8, targets: str = "onehot", loss: str = "sum",
            teacher_d: int = 16) -> Network:
    """A built-in model ("mlp" or "cnn") on built-in data ("digits" or "teacher"), seeded."""
    import functools

    if data == "digits":
        X, Y = digits(n, seed, targets)
    elif data == "teacher":
        X, Y = teacher(n, teacher_d, seed)
    else:
        raise InputError(f"data={data!r}: expected 'digits' or 'teacher'; pass e.g. --data digits")
    _activation(activation)
    if model == "mlp":
        widths = tuple(positive_int("widths", w) for w in widths)
        params = init_mlp((X.shape[1], *widths, Y.shape[1]), seed)
        apply = functools.partial(mlp_apply, activation=activation)
        name = f"mlp {'-'.join(map(str, (X.shape[1], *widths, Y.shape[1])))} {activation} on {data}"
    elif model == "cnn":
        if data != "digits":
            raise InputError(f"model='cnn' with data={data!r}: the CNN takes 8x8 images; pass --data digits")
        channels = positive_int("channels", channels)
        params = init_cnn(channels, Y.shape[1], seed)
        apply = functools.partial(cnn_apply, activation=activation)
        name = f"cnn {channels} channels {activation} on digits"
    else:
        raise InputError(f"model={model!r}: expected 'mlp', 'cnn' or package.module:factory; pass e.g. --model mlp")
    return make_network(apply, params, X, Y, name=f"{name} (n={X.shape[0]})", seed=seed, loss=loss)


@float64
def from_factory(spec: str, seed: int = 0, loss: str = "sum") -> Network:
    """A user's model from ``"package.module:factory"``, where ``factory(seed)`` returns
    ``(apply, params, X, Y)``; the module must be importable (on ``sys.path``)."""
    if not isinstance(spec, str) or not _SPEC.match(spec):
        raise InputError(f"model={spec!r}: expected mlp, cnn or package.module:factory; "
                         "pass e.g. --model mymodels:make")
    mod_name, attr = spec.split(":")
    try:
        mod = importlib.import_module(mod_name)
    except Exception as exc:  # ModuleNotFoundError, or the user's module failing at import
        raise InputError(f"model={spec!r}: cannot import {mod_name!r} ({type(exc).__name__}: "
                         f"{str(exc).splitlines()[0] if str(exc) else ''}); put the module on sys.path") from None
    factory = getattr(mod, attr, None)
    if not callable(factory):
        raise InputError(f"model={spec!r}: module {mod_name!r} has no callable {attr!r}; "
                         "define factory(seed) -> (apply, params, X, Y)")
    try:
        got = factory(seed)
    except Exception as exc:
        raise InputError(f"model={spec!r}: {attr}({seed}) raised {type(exc).__name__}: "
                         f"{str(exc).splitlines()[0] if str(exc) else ''}") from None
    if not isinstance(got, tuple) or len(got) != 4:
        raise InputError(f"model={spec!r}: {attr}(seed) returned {type(got).__name__}, not a 4-tuple; "
                         "return (apply, params, X, Y)")
    apply, params, X, Y = got
    return make_network(apply, params, X, Y, name=spec, seed=seed, loss=loss)
