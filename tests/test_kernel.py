"""The numba kernels against the numpy loop: same classes, same numbers; the fallback; the cache."""
from __future__ import annotations

import numpy as np
import pytest

from sorm.numerics.engines import kernel
from sorm.numerics.engines.batch import TrajectoryClass, resolve_engine, run_batch, run_planar
from sorm.numerics.engines.sweep import blocks, sweep
from sorm.numerics.problem import from_state
from sorm.numerics.validate import InputError

pytest.importorskip("numba")

EX = dict(omegas=[1, -1], z0="0.01", J2="1.215,0.795")


def _same(a, b, rel=1e-12):
    """Same class and steps everywhere; final state equal to ``rel`` where finite, non-finite together.

    Diverged runs too: the kernel folds the model's constants where the numpy trace folds them, so past
    overflow both have dropped the same terms a·(...) (for a = 0), which would be 0·inf = nan.
    """
    assert np.array_equal(a.classes, b.classes)
    assert np.array_equal(a.steps, b.steps)
    for x, y in ((a.T, b.T), (a.zt, b.zt), (a.max_T, b.max_T), (a.lyapunov, b.lyapunov)):
        fin = np.isfinite(y)
        assert np.array_equal(np.isfinite(x), fin)
        assert np.all(np.abs(x[fin] - y[fin]) <= rel * np.abs(y[fin]) + 1e-300)


def test_sweep_is_the_same_with_numba_and_the_numpy_fallback():
    """Done-when of the speed issue: same class for every point, final eta*lambda equal to 1e-12 relative."""
    p = from_state(**EX)
    kw = dict(eta_min="0.1", eta_max="3", n_eta=60, vary="z0", vary_from=-2, vary_to=1, n_vary=50, steps=4000,
              lyapunov=True, lyap_steps=500)
    a, b = sweep(p, engine="numba", **kw), sweep(p, engine="numpy", **kw)
    assert a.engine == "numba" and b.engine == "numpy"
    five = {TrajectoryClass.CONVERGED_BELOW, TrajectoryClass.SELF_STABILIZED, TrajectoryClass.PERIOD2,
            TrajectoryClass.CHAOTIC, TrajectoryClass.DIVERGED}
    assert set(np.unique(b.batch.classes)) >= five
    _same(a.batch, b.batch)
    conv = b.converged_mask()
    assert np.array_equal(a.batch.T[conv], b.batch.T[conv])  # bitwise, in fact: the same operations


@pytest.mark.parametrize("settle", [True, False])
@pytest.mark.parametrize("steps", [1, 2, 63, 65, 129, 700, 701])
def test_planar_kernel_matches_numpy_loop(settle, steps):
    """Chunks of every parity (701: a last chunk of 61 steps, whose two last steps save the state), with and
    without the Lyapunov tail (outside it the kernel runs steps in pairs, max eta*lambda updated on the
    second of each pair over both; inside it, one step at a time)."""
    rng = np.random.default_rng(steps)
    n = 3000
    zt, T, Et = rng.uniform(-1.5, 0.5, n), rng.uniform(0, 2.6, n), rng.uniform(-0.5, 1.5, n)
    for lyap in {min(steps, 50), 0}:
        kw = dict(steps=steps, settle=settle, lyap_steps=lyap)
        a = run_planar(zt, T, 1.5, -1.0, Et, engine="numba", **kw)
        _same(a, run_planar(zt, T, 1.5, -1.0, Et, engine="numpy", **kw))
        if steps > 500:
            assert np.count_nonzero(a.classes == TrajectoryClass.PERIOD2) > 10


@pytest.mark.parametrize("a, b", [(0.0, -1.0), (1.0, -2.0), (2.5, 1.0), (0.0, 1.0)])
def test_planar_kernel_folds_what_the_trace_folds_and_gives_the_same_bits(a, b):
    """a, b of 0 or 1 are constants of the kernel, as in the numpy trace: the same operations, the same bits,
    diverged runs (nan past overflow) included."""
    assert kernel.folded(a, b) == tuple(v if v in (0.0, 1.0) else None for v in (a, b))
    src = kernel.planar_kernel(a, b).source
    assert ("Tj * a" in src) == (a not in (0.0, 1.0)) and ("Tj * b" in src) == (b not in (0.0, 1.0))
    rng = np.random.default_rng(7)
    n = 4000
    zt, T, Et = rng.uniform(-1.5, 0.5, n), rng.uniform(0, 2.6, n), rng.uniform(-0.5, 1.5, n)
    for settle in (True, False):
        kw = dict(steps=301, settle=settle, lyap_steps=40)
        x, y = run_planar(zt, T, a, b, Et, engine="numba", **kw), run_planar(zt, T, a, b, Et, engine="numpy", **kw)
        assert np.array_equal(x.classes, y.classes) and len(set(x.classes)) >= 3
        for u, v in ((x.zt, y.zt), (x.T, y.T), (x.max_T, y.max_T)):
            assert np.array_equal(u, v, equal_nan=True)
        _same(x, y)  # the Lyapunov sums: math.log and np.log may differ in the last bit


@pytest.mark.parametrize("omegas", [(1.0, -1.0), (2.0, -0.5, 1.0), (0.0, 1.0, -3.0, 0.5)])
def test_modes_kernel_matches_numpy_loop(omegas):
    rng = np.random.default_rng(len(omegas))
    n = 2000
    zt = rng.uniform(-0.6, 0.6, n)
    J2 = rng.uniform(0, 1.2, (n, len(omegas)))
    a = run_batch(omegas, zt, J2, steps=900, engine="numba")
    b = run_batch(omegas, zt, J2, steps=900, engine="numpy")
    _same(a, b)
    keep = b.classes != TrajectoryClass.DIVERGED
    assert keep.sum() > n // 3
    assert np.array_equal(a.J2t[keep], b.J2t[keep])


def test_fixed_line_points_are_classified_alike():
    # on the line z~ = 0: attracting for 0 < T < 2 (converged), else an unstable fixed point
    zt = np.array([0.0, 0.0, 0.0, 0.0, 1e-14, -1e-14])
    T = np.array([1.0, 2.0, 2.5, 0.0, 2.5, 1.0])
    for steps, settle in ((200, True), (200, False), (3, True)):
        a = run_planar(zt, T, 1.5, -1.0, 0.2, steps=steps, settle=settle, engine="numba")
        b = run_planar(zt, T, 1.5, -1.0, 0.2, steps=steps, settle=settle, engine="numpy")
        _same(a, b, rel=0)
        assert TrajectoryClass.UNSTABLE_FIXED_POINT in set(a.classes[:4])


def test_subnormal_states_are_flushed_to_zero_at_the_checks():
    # T = 1.9: z~ shrinks by about 0.9 per step and passes below the smallest normal number
    for engine in ("numba", "numpy"):
        r = run_planar([1e-300], [1.9], 0.0, -1.0, [0.2], steps=20_000, settle=False, engine=engine)
        assert r.zt[0] == 0.0 and r.classes[0] == TrajectoryClass.CONVERGED_BELOW
        r = run_planar([1e-300], [1.9], 0.0, -1.0, [0.2], steps=64, settle=False, engine=engine)
        assert 0 < abs(r.zt[0]) < 1e-300  # no check inside the run: nothing flushed
        # subnormal on both last steps: the residual before the last step is flushed too, so the run is on the
        # fixed line z~ = 0, which T = 2.5 makes unstable (no ratio 0/subnormal = 0 to call it converged)
        r = run_planar([1e-310, 1e-310], [2.5, 2.5], 0.0, -1.0, [0.2, 0.2], steps=2, engine=engine)
        assert r.zt[0] == 0.0 and list(r.classes) == [TrajectoryClass.UNSTABLE_FIXED_POINT] * 2


def test_fixed_steps_run_every_trajectory_through_the_budget():
    rng = np.random.default_rng(3)
    n = 500
    r = run_planar(rng.uniform(-1, 1, n), rng.uniform(0, 2.5, n), 0.0, -1.0, 0.2, steps=1000, settle=False)
    assert np.all(r.steps == 1000)


def test_numpy_fallback_is_chosen_without_numba(monkeypatch):
    monkeypatch.setenv("SORM_ENGINE", "numpy")
    assert resolve_engine("auto") == "numpy"
    assert run_planar([0.01], [2.01], 0.0, -1.0, [0.2], steps=100).engine == "numpy"
    with pytest.raises(InputError, match="engine='numba'"):
        resolve_engine("numba")
    monkeypatch.setattr(kernel, "numba_available", lambda: False)
    monkeypatch.delenv("SORM_ENGINE")
    assert resolve_engine("auto") == "numpy"
    with pytest.raises(InputError, match="engine="):
        resolve_engine("gpu")


def test_kernel_compiles_without_a_writable_cache(monkeypatch):
    """No cache folder anywhere: numba raises at decoration; the kernel is then compiled for this process."""
    import numba

    real = numba.njit

    def njit(*args, **kw):
        if kw.get("cache"):
            raise RuntimeError("cannot cache function: no locator available")
        return real(*args, **kw)

    monkeypatch.setattr(numba, "njit", njit)
    monkeypatch.setattr(kernel, "_CACHE", {})
    k = kernel.planar_kernel()
    assert k._cache.__class__.__name__ == "NullCache"
    zt, T, E = (np.array([x]) for x in (0.01, 2.01, 0.2))
    out = [np.empty(1), np.empty(1), np.empty(1, np.int8), np.empty(1, np.int64), np.empty(1), np.empty(1)]
    k(zt, T, E, 0.0, -1.0, 10, 64, True, 1e-13, 1e8, 1e-11, 0, 0.01, *out)
    assert out[3][0] == 10


def test_kernel_source_is_generated_from_the_traced_formulas():
    src = kernel.planar_kernel().source
    assert "_s0 = " in src and "_g0 = " in src  # traced step and Jacobian statements
    assert kernel._planar_source(True) == src  # deterministic: the cache key is its hash


@pytest.mark.parametrize("n, workers", [(1, 1), (5, 2), (1000, 2), (300_000, 2), (300_000, 1), (7, 8)])
def test_blocks_cover_the_grid_in_about_n_over_workers(n, workers):
    bl = blocks(n, workers)
    idx = np.concatenate([np.arange(n)[s] for s in bl])
    assert np.array_equal(idx, np.arange(n))
    assert max(s.stop - s.start for s in bl) <= max(-(-n // workers), 1)
    assert len(bl) >= min(n, workers)


def test_sweep_workers_do_not_change_the_result():
    p = from_state(**EX)
    kw = dict(eta_min="0.1", eta_max="3", n_eta=40, vary="z0", vary_from=-2, vary_to=1, n_vary=30, steps=2000,
              lyapunov=True, lyap_steps=300)
    for engine in ("numba", "numpy"):
        a, b = sweep(p, workers=1, engine=engine, **kw), sweep(p, workers=2, engine=engine, **kw)
        _same(a.batch, b.batch, rel=0)
