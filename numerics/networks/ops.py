"""Matrix-free products of a residual function, jitted, and Lanczos on them.

For residuals z(θ) (length D, parameters θ ∈ R^P) and the loss L = ½‖z‖², with
J = ∂z/∂θ (D×P) and the loss Hessian H = JᵀJ + Σ_α z_α ∇²z_α (docs/theory.md §6):

- NTK products K v = J(Jᵀv): one ``jax.vjp`` then one ``jax.jvp``;
- Hessian products H u: ``jax.jvp`` of ``jax.grad(L)`` (forward over reverse);
- no D×P, P×P or D×P×P array is ever formed.

The second-order model of a network around θ_c, in δ = θ − θ_c (docs/theory.md §6: a network's
second-order Taylor expansion is a model of that form, with Q_α = ∇²z_α(θ_c), G_α = ∇z_α(θ_c)
and y_α = −z_α(θ_c)), is

    z_quad(δ) = z(θ_c) + J(θ_c) δ + ½ D²z(θ_c)[δ, δ],

computed by one nested ``jax.jvp`` (forward over forward along δ): the inner jvp gives
(z(θ), J(θ)δ), and the outer jvp at θ_c along δ gives (z(θ_c), J(θ_c)δ) and (J(θ_c)δ, D²z[δ, δ]).

Top eigenpairs come from scipy's ``eigsh`` (ARPACK Lanczos) on a ``LinearOperator`` over these
products, warm-started from the previous eigenvector. Each estimate linearizes once: the VJP of z
at θ (``jax.vjp``, its stored forward pass) and the JVP of ∇L (``jax.linearize``) are computed
once and passed to a jitted product, so a Lanczos step costs the linear passes only
(K v = J(Jᵀv) by the VJP and its transpose, ``jax.linear_transpose``), not a new forward pass.

Accuracy: ARPACK returns a unit vector v and its Rayleigh quotient θ with ‖Av − θv‖ ≤ tol·|θ|,
so an eigenvalue of A lies within tol·|θ| of θ (and the eigenvalue error is of order
‖Av − θv‖²/gap). The default :data:`TOL` = 1e-5 keeps ηλ (≈ 2) within 2e-5 of an eigenvalue,
below the 4 decimals reported; a test holds it against dense eigendecompositions along a run.

Cost: :data:`NCV` = 8 Lanczos vectors. Measured along a GD run of the digits MLP (checkpoints 20
to 100 steps apart, warm-started, against tol 1e-13 and 20 vectors): at n = 200, width 64 the
mean number of products per estimate is 21.0 with 6 vectors, 15.8 with 8, 16.0 with 10 (largest
61, 29, 26); at n = 500, width 128 it is 11.8 with 6 and 11.6 with 8; the relative error of the
eigenvalue stays ≤ 1e-9 in every case. ARPACK's small dense steps run on one BLAS thread
(:func:`one_blas_thread`): OpenBLAS's threads on vectors of this size made each estimate up to
20 ms slower on a loaded 2-core machine.
"""
from __future__ import annotations

import numpy as np

from .precision import float64

__all__ = ["Operators", "quadratic_residual", "top_eigenpair", "one_blas_thread", "TOL", "NCV", "TOL_COLD"]

#: Lanczos: relative residual tolerance and number of Lanczos vectors (module docstring); TOL_COLD
#: for a cold start (no previous eigenvector: λ₀, which sets η, and a run's first checkpoint).
TOL, NCV, TOL_COLD = 1e-5, 8, 1e-12


def one_blas_thread():
    """A context in which BLAS (numpy's and scipy's OpenBLAS, as ARPACK calls it) runs on one thread."""
    import scipy.sparse.linalg  # noqa: F401  (load scipy's BLAS first: only loaded libraries are limited)
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def quadratic_residual(residual):
    """z_quad(δ, θ_c) = z(θ_c) + J(θ_c)δ + ½D²z(θ_c)[δ, δ] for a residual z(θ) (module docstring)."""
    import jax

    def zq(delta, center):
        inner = lambda th: jax.jvp(residual, (th,), (delta,))  # noqa: E731  (z(θ), J(θ)δ)
        (z0, jd), (_, d2) = jax.jvp(inner, (center,), (delta,))
        return z0 + jd + 0.5 * d2

    return zq


class Operators:
    """Jitted GD steps and products for residuals ``res(θ, c)`` (c: a fixed second argument,
    the expansion centre of a quadratic model; ignored by a network).

    Build once per residual function; every method takes plain arrays, so the compiled code is
    reused across η, centres and checkpoints. Call inside ``jax.enable_x64(True)``.
    """

    def __init__(self, res):
        import jax
        import jax.numpy as jnp

        def loss(th, c):
            z = res(th, c)
            return 0.5 * (z @ z)

        vg = jax.value_and_grad(loss)

        def advance(th, c, eta, k):
            def body(t, _):
                v, g = vg(t, c)
                return t - eta * g, v
            return jax.lax.scan(body, th, None, length=k)

        def step(th, c, eta):
            return th - eta * jax.grad(loss)(th, c)

        def ntk_mv(th, c, v):
            _, pull = jax.vjp(lambda t: res(t, c), th)
            return jax.jvp(lambda t: res(t, c), (th,), pull(v))[1]

        def hvp(th, c, u):
            return jax.jvp(lambda t: jax.grad(loss)(t, c), (th,), (u,))[1]

        def ntk_lin(th, c):
            """(z(θ), Jᵀ at θ as a stored VJP: a pytree, it passes through ``jax.jit``)."""
            return jax.vjp(lambda t: res(t, c), th)

        def ntk_apply(pull, v):
            """K v = J(Jᵀv): the stored VJP, then its transpose."""
            j = pull(v)
            return jax.linear_transpose(pull, v)(j)[0]

        def hess_lin(th, c):
            """u ↦ H u at θ as a stored linearization of ∇L."""
            return jax.linearize(lambda t: jax.grad(loss)(t, c), th)[1]

        def s_raw(th, c, pull, v):
            """vᵀ D²z[j, j] with j = Jᵀv (η times this is the normal form's s); pull: Jᵀ at θ."""
            j = pull(v)[0]
            d2 = jax.jvp(lambda t: jax.jvp(lambda q: res(q, c), (t,), (j,))[1], (th,), (j,))[1]
            return v @ d2

        def pair(th, c, eta, v):
            """Two GD steps from θ: (θ₂, the two losses, vᵀK(θ₂)v, vᵀz(θ₂))."""
            th2, ls = advance(th, c, eta, 2)
            return th2, ls, v @ ntk_mv(th2, c, v), v @ res(th2, c)

        def flow(th, c, u):
            """∇L, ∇S for S(θ) = uᵀH(θ)u with u held fixed, and S itself."""
            S = lambda t: u @ hvp(t, c, u)  # noqa: E731
            s, gS = jax.value_and_grad(S)(th)
            return jax.grad(loss)(th, c), gS, s

        self.residual = jax.jit(res)
        self.loss = jax.jit(loss)
        self.advance = jax.jit(advance, static_argnums=3)
        self.step = jax.jit(step)
        self.ntk_mv = jax.jit(ntk_mv)
        self.hvp = jax.jit(hvp)
        self.ntk_lin = jax.jit(ntk_lin)
        self.ntk_apply = jax.jit(ntk_apply)
        self.hess_lin = jax.jit(hess_lin)
        self.hess_apply = jax.jit(lambda lin, u: lin(u))
        self.s_raw = jax.jit(s_raw)
        self.pair = jax.jit(pair)
        self.flow = jax.jit(flow)
        self._jnp = jnp

    def top_ntk(self, th, c, v0=None, tol: float = TOL):
        """(λ_max(JJᵀ), unit eigenvector in R^D) by Lanczos on the linearized product."""
        z, pull = self.ntk_lin(th, c)
        return top_eigenpair(lambda v: self.ntk_apply(pull, v), int(z.shape[0]), v0, tol)

    def top_hessian(self, th, c, u0=None, tol: float = TOL):
        """(λ_max(H), unit eigenvector in R^P) by Lanczos on the linearized product (the largest
        algebraic eigenvalue)."""
        lin = self.hess_lin(th, c)
        return top_eigenpair(lambda u: self.hess_apply(lin, u), int(th.shape[0]), u0, tol)


@float64
def top_eigenpair(matvec, dim: int, v0=None, tol: float = TOL, ncv: int = NCV) -> tuple[float, np.ndarray]:
    """Largest (algebraic) eigenvalue and unit eigenvector of a symmetric operator given by
    ``matvec`` on R^dim: ARPACK Lanczos (``eigsh``, ``ncv`` Lanczos vectors, relative residual
    ``tol``), warm-started from v0; dense for dim ≤ 3.

    The eigenvector's sign is chosen so that vᵀv0 ≥ 0 (or its largest entry is positive), so a
    tracked eigenvector does not flip between checkpoints.
    """
    import jax.numpy as jnp
    from scipy.sparse.linalg import LinearOperator, eigsh

    mv = lambda x: np.asarray(matvec(jnp.asarray(np.ravel(x), dtype=jnp.float64)))  # noqa: E731
    if dim <= 3:
        M = np.stack([mv(e) for e in np.eye(dim)], axis=1)
        w, V = np.linalg.eigh(0.5 * (M + M.T))
        lam, v = float(w[-1]), V[:, -1]
    else:
        op = LinearOperator((dim, dim), matvec=mv, dtype=np.float64)
        w, V = eigsh(op, k=1, which="LA", v0=None if v0 is None else np.asarray(v0), tol=tol,
                     ncv=min(dim, max(ncv, 3)))
        lam, v = float(w[0]), V[:, 0]
    ref = np.asarray(v0) if v0 is not None else np.sign(v[np.argmax(np.abs(v))]) * np.abs(v)
    if float(v @ ref) < 0:
        v = -v
    return lam, v
