"""float64 for sorm's own JAX computations, without touching the user's global JAX config.

JAX computes in float32 unless ``jax_enable_x64`` is on. sorm does not flip that global
switch: every public entry point of :mod:`sorm.numerics.networks` runs inside
``jax.enable_x64(True)`` (a context manager), so its arrays and jitted functions are
float64 while the caller's own code keeps whatever setting it had. A user's model factory is
called inside the same context, so its params and data come out float64; anything float32
is cast up (:func:`as_float64`).
"""
from __future__ import annotations

import functools

__all__ = ["float64", "as_float64"]


def float64(fn):
    """Run ``fn`` with JAX's 64-bit mode on (restored on exit)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        import jax

        with jax.enable_x64(True):
            return fn(*args, **kwargs)

    return wrapper


def as_float64(tree):
    """Every floating leaf of a pytree as a float64 jax array (call inside :func:`float64`)."""
    import jax
    import jax.numpy as jnp

    return jax.tree_util.tree_map(lambda a: jnp.asarray(a, dtype=jnp.float64), tree)
