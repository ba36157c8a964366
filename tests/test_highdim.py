"""The many-datapoint model: exact GD map, invariant, linear limit, eigen-solvers, bad input, CLI."""
from __future__ import annotations


import mpmath
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sorm.numerics.highdim import model as hd
from sorm.numerics.highdim import selfstab as ss
from sorm.numerics.validate import InputError
from sorm.proofs_check import cli


def _instance(D, P, eps, seed):
    return hd.random_instance(D, P, eps, seed)


@example(D=1, P=1, eps=0.0, seed=0, eta=0.5)        # linear, scalar
@example(D=3, P=2, eps=1.0, seed=1, eta=1e-6)       # tiny step
@example(D=4, P=6, eps=2.0, seed=2, eta=1.5)        # strongly nonlinear, large step
@given(D=st.integers(1, 6), P=st.integers(1, 8), eps=st.floats(0, 2), seed=st.integers(0, 10**6),
       eta=st.floats(1e-6, 2.0))
def test_zJ_step_equals_theta_space_step(D, P, eps, seed, eta):
    """(z, J) update of docs/theory.md §6 vs z(θ − ηJᵀz), J(θ − ηJᵀz) evaluated from the definition."""
    inst = _instance(D, P, eps, seed)
    theta = np.random.default_rng(seed + 1).standard_normal(P)
    z, J = inst.residual(theta), inst.jacobian(theta)
    z1, J1 = hd.gd_step(inst, z, J, eta)
    theta1 = theta - eta * J.T @ z
    scale = 1 + np.abs(z).max() + np.abs(J).max()
    assert np.allclose(z1, inst.residual(theta1), rtol=1e-10, atol=1e-10 * scale**3)
    assert np.allclose(J1, inst.jacobian(theta1), rtol=1e-10, atol=1e-10 * scale**2)


def _invariant(inst, z, J):
    return np.array([J[a] @ np.linalg.solve(inst.Q[a], J[a]) - 2 * z[a] for a in range(inst.D)])


@example(D=1, P=1, seed=0, eta=0.3, steps=1)
@example(D=2, P=3, seed=5, eta=1e-8, steps=3)     # nearly no motion
@given(D=st.integers(1, 5), P=st.integers(1, 6), seed=st.integers(0, 10**6), eta=st.floats(1e-8, 0.5),
       steps=st.integers(1, 6))
def test_per_datapoint_invariant_along_gd(D, P, seed, eta, steps):
    """J_α Q_α⁻¹ J_αᵀ − 2z_α is constant along the exact (z, J) GD map (docs/theory.md §6)."""
    inst = _instance(D, P, 1.0, seed)
    if min(abs(np.linalg.eigvalsh(inst.Q[a])).min() for a in range(D)) < 1e-2:
        return  # Q_α nearly singular: the invariant is ill-conditioned, not wrong
    z, J = inst.initial_state()
    inv0 = _invariant(inst, z, J)
    expected = np.array([inst.G[a] @ np.linalg.solve(inst.Q[a], inst.G[a]) + 2 * inst.y[a] for a in range(D)])
    assert np.allclose(inv0, expected, rtol=1e-9, atol=1e-9)
    for _ in range(steps):
        z, J = hd.gd_step(inst, z, J, eta)
        if not np.isfinite(z).all() or np.abs(z).max() > 1e6:
            return
    cond = max(np.linalg.cond(inst.Q[a]) for a in range(D))
    scale = 1 + np.abs(inv0).max() + np.abs(z).max() + np.abs(J).max() ** 2
    assert np.allclose(_invariant(inst, z, J), inv0, rtol=0, atol=1e-10 * cond * scale)


def _mp_invariant_drift(dps):
    """Max drift of the invariant over 5 exact GD steps at `dps` digits (D = 2, P = 3)."""
    inst = _instance(2, 3, 1.0, 7)
    with mpmath.workdps(dps):
        Q = [mpmath.matrix(inst.Q[a].tolist()) for a in range(2)]
        z = [mpmath.mpf(-v) for v in inst.y]
        J = [mpmath.matrix(inst.G[a].tolist()).T for a in range(2)]   # rows 1×P
        eta = mpmath.mpf(1) / 4

        def inv():
            return [(J[a] * mpmath.inverse(Q[a]) * J[a].T)[0] - 2 * z[a] for a in range(2)]

        i0 = inv()
        for _ in range(5):
            g = sum((J[a].T * z[a] for a in range(2)), mpmath.zeros(3, 1))
            u = [(g.T * Q[a]) for a in range(2)]
            z = [z[a] - eta * (J[a] * g)[0] + eta**2 / 2 * (u[a] * g)[0] for a in range(2)]
            J = [J[a] - eta * u[a] for a in range(2)]
        return max(abs(x - y) for x, y in zip(inv(), i0))


def test_invariant_mpmath_at_working_and_doubled_precision():
    """The drift is rounding only: below 10^-(dps-5) at 30 digits and again at 60."""
    d30, d60 = _mp_invariant_drift(30), _mp_invariant_drift(60)
    assert d30 < mpmath.mpf(10) ** -25, f"drift {d30} at dps=30"
    assert d60 < mpmath.mpf(10) ** -55, f"drift {d60} at dps=60"


def test_invariant_sympy_is_theta_independent():
    """J Q⁻¹ Jᵀ − 2z = GᵀQ⁻¹G + 2y identically in θ (P = 2, symbolic symmetric Q): sympy."""
    import sympy as sp

    q11, q12, q22, g1, g2, y, t1, t2 = sp.symbols("q11 q12 q22 g1 g2 y t1 t2", real=True)
    Q = sp.Matrix([[q11, q12], [q12, q22]])
    G = sp.Matrix([g1, g2])
    th = sp.Matrix([t1, t2])
    z = (th.T * Q * th)[0] / 2 + (G.T * th)[0] - y
    J = th.T * Q + G.T
    inv = (J * Q.inv() * J.T)[0] - 2 * z
    assert sp.simplify(inv - (G.T * Q.inv() * G)[0] - 2 * y) == 0


def test_linear_model_has_constant_ntk():
    """ε = 0: J never changes, so ηλ_max stays at its initial value (no sharpening, no EOS)."""
    inst = hd.random_instance(16, 64, 0, 3)
    tr = hd.run_gd(inst, hd.eta_for(inst, 0.9), 500)
    assert tr.converged
    assert np.max(np.abs(tr.eta_ntk - tr.eta_ntk[0])) <= 1e-12 * tr.eta_ntk[0]
    assert not tr.sharpened and not tr.reached_eos


def test_nonlinear_model_sharpens_to_eos():
    """ε = 0.15, η = 0.7·2/λ₀ (CLI default): sharpens past 1.1× and converges below 2 after EOS."""
    inst = hd.random_instance(32, 256, 0.15, 0)
    tr = hd.run_gd(inst, hd.eta_for(inst, 0.7), 3000)
    assert tr.sharpened and tr.reached_eos
    assert 1.8 < tr.final < 2.0


@pytest.mark.parametrize("D", [5, 40, 700])
def test_eigen_solvers_agree(D):
    """eigh, warm-started Lanczos and power iteration give the same λ_max and eigenvector."""
    rng = np.random.default_rng(D)
    J = rng.standard_normal((D, 2 * D)) / np.sqrt(2 * D)
    J[0] *= 3  # a clear spectral gap so power iteration converges
    lam, v = hd.top_eigenpair(J, "eigh")
    v0 = v + 0.1 * rng.standard_normal(D)
    for method in ("lanczos", "power"):
        lm, vm = hd.top_eigenpair(J, method, v0)
        assert abs(lm - lam) <= 1e-9 * lam, method
        assert abs(abs(vm @ v) - 1) <= 1e-6, method


def test_two_step_split_sums_and_z2_part_lowers_sharpness():
    """even + odd = Δ; at EOS-phase states the even (z²) part is negative (self-stabilization)."""
    inst = hd.random_instance(16, 128, 0.1, 1)
    tr, phase, red, splits = ss.self_stabilization(inst, hd.eta_for(inst, 0.9), 2000)
    assert phase.status is ss.PhaseStatus.FOUND and len(splits) >= 5
    for s in splits:
        assert s.even + s.odd == pytest.approx(s.delta, abs=1e-12)
    assert np.mean([s.even < 0 for s in splits]) >= 0.9
    assert red.top_rel_y < 0.2


BAD = [
    ("D-zero", dict(D=0, P=4, eps=0.1), "D=0"),
    ("P-negative", dict(D=4, P=-1, eps=0.1), "P=-1"),
    ("eps-negative", dict(D=4, P=4, eps=-0.5), "eps=-0.5"),
    ("memory", dict(D=4096, P=4096, eps=0.1), "GiB"),
]


@pytest.mark.parametrize("kwargs,needle", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_instance_arguments(kwargs, needle):
    with pytest.raises(InputError, match=needle):
        hd.random_instance(**kwargs)


CLI_BAD = [
    ("seeds-zero", ["--seeds", "0"], "seeds="),
    ("D-zero", ["--D", "0"], "D[0]="),
    ("p-ratio-zero", ["--p-ratio", "0"], "--p-ratio="),
    ("workers-zero", ["--workers", "0"], "workers="),
    ("scheduler-bad", ["--scheduler", "127.0.0.1"], "scheduler="),
    ("eps-negative", ["--eps", "0.1,-0.2"], "--eps='0.1,-0.2': expected values >= 0, got -0.2"),
    ("eta-zero", ["--eta-frac", "0"], "--eta-frac='0': expected values > 0"),
    ("eta-negative", ["--eta-frac=-1"], "--eta-frac='-1': expected values > 0"),
    ("memory", ["--D", "128", "--p-ratio", "32", "--max-memory", "1"], "GiB"),
    ("seed-negative", ["--seed=-3"], "seed="),
    ("steps-zero", ["--steps", "0"], "steps="),
]


@pytest.mark.parametrize("argv,needle", [b[1:] for b in CLI_BAD], ids=[b[0] for b in CLI_BAD])
def test_cli_bad_input_is_one_line(argv, needle, capsys, tmp_path):
    rc = cli.main(["experiment", "highdim", "--out", str(tmp_path), "--quiet", *argv])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and needle in err, err
    assert not any(tmp_path.iterdir())  # nothing written before the check


def test_memory_check_runs_before_allocation(monkeypatch):
    """A too-large request fails before numpy allocates anything."""
    def boom(*a, **k):
        raise AssertionError("allocated before the memory check")

    monkeypatch.setattr(hd.np, "empty", boom)
    with pytest.raises(InputError, match="GiB"):
        hd.random_instance(100_000, 100_000, 0.1)


def test_gd_update_sympy():
    """sympy: z_α(θ − ηJᵀz) = z_α − ηJ_α g + ½η² gᵀQ_α g and J_α(θ') = J_α − η gᵀQ_α (D = 2, P = 2)."""
    import sympy as sp

    eta = sp.Symbol("eta", positive=True)
    th = sp.Matrix(sp.symbols("t1 t2", real=True))
    Qs, Gs, ys = [], [], []
    for a in range(2):
        q = sp.symbols(f"q{a}_11 q{a}_12 q{a}_22", real=True)
        Qs.append(sp.Matrix([[q[0], q[1]], [q[1], q[2]]]))
        Gs.append(sp.Matrix(sp.symbols(f"g{a}_1 g{a}_2", real=True)))
        ys.append(sp.Symbol(f"y{a}", real=True))

    def zJ(t):
        z = [(t.T * Qs[a] * t)[0] / 2 + (Gs[a].T * t)[0] - ys[a] for a in range(2)]
        J = sp.Matrix.vstack(*[t.T * Qs[a] + Gs[a].T for a in range(2)])
        return sp.Matrix(z), J

    z, J = zJ(th)
    g = J.T * z
    z1, J1 = zJ(th - eta * g)
    for a in range(2):
        pred_z = z[a] - eta * (J[a, :] * g)[0] + eta**2 / 2 * (g.T * Qs[a] * g)[0]
        assert sp.expand(z1[a] - pred_z) == 0
        assert sp.expand(J1[a, :] - (J[a, :] - eta * g.T * Qs[a])) == sp.zeros(1, 2)


def test_run_gd_lanczos_tracks_eigh():
    """Along a whole EOS trajectory, warm-started Lanczos and dense eigh record the same ηλ_max."""
    inst = hd.random_instance(40, 160, 0.15, 2)
    eta = hd.eta_for(inst, 0.7)
    a = hd.run_gd(inst, eta, 300, eig="eigh")
    b = hd.run_gd(inst, eta, 300, eig="lanczos")
    assert a.peak > 2.0
    assert len(a.eta_ntk) == len(b.eta_ntk)
    assert np.max(np.abs(a.eta_ntk - b.eta_ntk)) <= 1e-9


def test_eos_phase_stats_on_a_hand_made_record():
    """Phase = first step ≥ 2 through the step after the last ≥ 2; loss rises counted."""
    eta_ntk = np.array([1.5, 2.1, 1.95, 2.05, 1.9, 1.96, 1.96])
    loss = np.array([5.0, 3.0, 3.5, 2.0, 2.2, 1.0, 0.5])
    nan = np.full(7, np.nan)
    tr = hd.Trajectory(0.1, eta_ntk, loss, nan, nan, nan, hd.RunStatus.CONVERGED)
    ph = ss.eos_phase_stats(tr)
    assert (ph.start, ph.end) == (1, 4)
    assert ph.overshoot == pytest.approx(0.1) and ph.mean == pytest.approx(np.mean([2.1, 1.95, 2.05, 1.9]))
    assert ph.loss_rises == 2 and ph.loss_decreased and ph.loss_non_monotone
    none = ss.eos_phase_stats(hd.Trajectory(0.1, eta_ntk * 0.5, loss, nan, nan, nan, hd.RunStatus.CONVERGED))
    assert none.status is ss.PhaseStatus.NO_EOS and none.length == 0


@example(D=1, P=1, seed=0)
@example(D=3, P=4, seed=11)
@given(D=st.integers(1, 4), P=st.integers(1, 5), seed=st.integers(0, 10**6))
def test_per_datapoint_invariant_along_gf(D, P, seed):
    """GF in (z, J): ż_α = −η J_α g, J̇_α = −η gᵀQ_α (g = Jᵀz), integrated by solve_ivp, conserves
    J_α Q_α⁻¹ J_αᵀ − 2z_α (docs/theory.md §6) to the integrator's tolerance."""
    from scipy.integrate import solve_ivp

    inst = _instance(D, P, 1.0, seed)
    if min(abs(np.linalg.eigvalsh(inst.Q[a])).min() for a in range(D)) < 1e-2:
        return
    eta = 0.5

    def rhs(_, x):
        z, J = x[:D], x[D:].reshape(D, P)
        g = J.T @ z
        return np.concatenate([-eta * (J @ g), (-eta * (inst.Q.reshape(-1, P) @ g)).ravel()])

    z0, J0 = inst.initial_state()
    sol = solve_ivp(rhs, (0, 2.0), np.concatenate([z0, J0.ravel()]), rtol=1e-11, atol=1e-12, method="DOP853")
    z1, J1 = sol.y[:D, -1], sol.y[D:, -1].reshape(D, P)
    inv0, inv1 = _invariant(inst, z0, J0), _invariant(inst, z1, J1)
    cond = max(np.linalg.cond(inst.Q[a]) for a in range(D))
    assert np.allclose(inv1, inv0, rtol=0, atol=1e-8 * cond * (1 + np.abs(inv0).max()))
    assert 0.5 * z1 @ z1 <= 0.5 * z0 @ z0 + 1e-12  # GF never raises the loss


def test_generated_invariant_matches_the_numpy_one():
    """numerics._derived.hd_invariant (from theory/highdim.py) on the contractions equals _invariant."""
    from sorm.numerics import _derived

    inst = _instance(3, 4, 1.0, 9)
    z, J = inst.initial_state()
    for _ in range(3):
        z, J = hd.gd_step(inst, z, J, 0.2)
    jqj = np.array([J[a] @ np.linalg.solve(inst.Q[a], J[a]) for a in range(3)])
    assert np.allclose(_derived.hd_invariant(jqj, z), _invariant(inst, z, J), rtol=1e-14, atol=1e-14)


def test_theory_section_derives_the_normal_form():
    """The generated top-mode normal form is docs/theory.md §5's with generic s, r (checked in section())."""
    from sorm.theory import highdim as th

    dz, dy = th.top_mode_two_step()
    assert str(dz) and dy.coeff(th.zt**2) == -th.s_top**2 - 2 * th.r_top


def test_run_gd_takes_exactly_the_requested_steps():
    """steps=K records the states t = 0..K, and the last one is K applications of gd_step."""
    inst = hd.random_instance(4, 8, 0.1, 5)
    K = 7
    tr = hd.run_gd(inst, hd.eta_for(inst, 0.5), K, tol=0.0)
    assert tr.status is hd.RunStatus.MAX_STEPS and tr.steps == K and len(tr.eta_ntk) == K + 1
    z, J = inst.initial_state()
    eta = tr.eta
    for _ in range(K):
        z, J = hd.gd_step(inst, z, J, eta)
    assert tr.loss[-1] == pytest.approx(0.5 * float(z @ z), rel=1e-12, abs=0)
    assert tr.eta_ntk[-1] == pytest.approx(eta * np.linalg.eigvalsh(J.T @ J)[-1], rel=1e-10)
