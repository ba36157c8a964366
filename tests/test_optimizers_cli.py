"""`--optimizer` on the command line: thresholds, simulations against θ-space runs, refusals.

The reference run below implements each update rule directly in θ-space with mpmath (it
knows nothing of the moment maps) and runs the number of steps the CLI reports; every
digit the CLI prints must be a digit of that reference.
"""
from __future__ import annotations

import json
from fractions import Fraction

import mpmath
import pytest

from sorm.proofs_check import cli

MODEL = ["--omegas", "1,-1", "--z0", "0.01", "--J2", "1.215,0.795"]


def _run(capsys, argv):
    rc = cli.main(argv)
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


@pytest.mark.parametrize("opt,want", [
    ("heavy-ball:beta=0.9", "3.8"), ("nesterov:beta=0.9", "19/14"), ("gd", "2"),
])
def test_threshold_exact(capsys, opt, want):
    rc, out, _ = _run(capsys, ["predict", "--method", "threshold", "--optimizer", opt, *MODEL, "--json"])
    res = json.loads(out)
    assert rc == 0 and res["eta_lambda_edge"] == want and res["edge_method"] == "exact"
    assert Fraction(want) == {"3.8": Fraction(38, 10), "19/14": Fraction(38, 28), "2": 2}[want]


@pytest.mark.parametrize("rho,eta", [("1/10", "1"), ("2", "1/3"), ("3", "1/3")])
def test_threshold_sam_is_the_root_of_its_edge_equation(capsys, rho, eta):
    rc, out, _ = _run(capsys, ["predict", "--method", "threshold", "--optimizer", f"sam:rho={rho}", "--eta", eta,
                               *MODEL, "--json", "--dps", "30"])
    res = json.loads(out)
    if rho == "2":  # rho~ = 6: T* = 4/(1 + sqrt(49)) = 1/2 is rational
        assert rc == 0 and res["edge_method"] == "exact" and res["eta_lambda_edge"] == "0.5"
        return
    assert rc == 0 and res["edge_method"] == "interval"
    with mpmath.workdps(60):
        rt = mpmath.mpf(Fraction(rho).numerator) / Fraction(rho).denominator / (mpmath.mpf(Fraction(eta).numerator)
                                                                              / Fraction(eta).denominator)
        root = mpmath.findroot(lambda T: T * (1 + rt * T) - 2, 1)  # ηλ(1 + ρλ) = 2, ρ̃ = ρ/η
        text = res["eta_lambda_edge"]
        assert len(text.replace(".", "")) >= 30
        assert abs(mpmath.mpf(text) - root) <= mpmath.mpf(10) ** (-len(text.replace(".", "")) + 1)
        lo, hi = (mpmath.mpf(x) for x in res["eta_lambda_edge_bounds"])
        assert lo <= root <= hi


def theta_run(rule, h, omegas, theta0, E, eta, steps, dps):
    """ηλ after ``steps`` steps of the update rule itself, in θ-space, at ``dps`` digits."""
    with mpmath.workdps(dps):
        q = lambda x: mpmath.mpf(Fraction(x).numerator) / Fraction(x).denominator  # noqa: E731
        w = [q(x) for x in omegas]
        th = [q(x) for x in theta0]
        prev = list(th)
        E, eta, h = q(E), q(eta), q(h)

        def grad(v):
            zv = mpmath.fsum(wi * vi * vi for wi, vi in zip(w, v)) / 2 - E
            return [zv * wi * vi for wi, vi in zip(w, v)]

        for _ in range(steps):
            if rule == "sam":
                adv = [t + h * g for t, g in zip(th, grad(th))]
                new = [t - eta * g for t, g in zip(th, grad(adv))]
            else:  # heavy ball
                new = [t - eta * g + h * (t - p) for t, g, p in zip(th, grad(th), prev)]
            prev, th = th, new
        return eta * mpmath.fsum((wi * t) ** 2 for wi, t in zip(w, th))


@pytest.mark.parametrize("opt,rule,h", [("sam:rho=1/10", "sam", "0.1"), ("heavy-ball:beta=1/2", "hb", "0.5")])
def test_simulate_agrees_with_a_theta_space_run(capsys, opt, rule, h):
    omegas, theta0, E, eta = ["1", "-1/2"], ["11/10", "9/10"], "1/5", "1/2"
    rc, out, _ = _run(capsys, ["simulate", "--optimizer", opt, "--omegas", ",".join(omegas), "--E", E,
                               "--theta0", ",".join(theta0), "--eta", eta, "--dps", "40", "--json"])
    res = json.loads(out)
    assert rc == 0 and res["status"] == "converged" and res["digits"]["eta_ntk"] >= 30
    text = res["final"]["eta_ntk"]
    ref = theta_run(rule, h, [Fraction(x) for x in omegas], [Fraction(x) for x in theta0], Fraction(E),
                    Fraction(eta), res["steps"], 80)
    with mpmath.workdps(80):
        n = res["digits"]["eta_ntk"]
        assert mpmath.nstr(ref, n, min_fixed=-6, max_fixed=12) == text


def test_gd_through_the_generic_engine_matches_run_gd():
    from sorm.numerics.engines.gd_mp import run_gd
    from sorm.numerics.optimizer import run_optimizer
    from sorm.numerics.problem import from_state

    p = from_state(["3/2", "-1/2"], "-0.02", ["1.2", "0.7"])
    a = run_optimizer(p, "gd", dps=30, steps=300)
    b = run_gd(p, dps=30, steps=300, method="mpmath")
    with mpmath.workdps(30):
        assert abs(a.eta_ntk - b.eta_ntk) < mpmath.mpf(10) ** -27
    c = run_optimizer(p, "heavy-ball:beta=0", dps=30, steps=300)
    d = run_optimizer(p, "sam:rho=0", dps=30, steps=300)
    with mpmath.workdps(30):
        assert abs(c.eta_ntk - b.eta_ntk) < mpmath.mpf(10) ** -27 and abs(d.eta_ntk - b.eta_ntk) < mpmath.mpf(10) ** -27


def test_optimizer_result_repr_shows_each_value_to_its_own_agreeing_digits():
    """z and each J(ω_i)² carry their own agreeing digits, not those of ηλ ("None": no digit agrees); an
    unchecked run shows the working precision."""
    import dataclasses

    from sorm.numerics.optimizer import run_optimizer
    from sorm.numerics.problem import from_state

    res = run_optimizer(from_state([1, -1], "0.01", "1.215,0.795"), "sam:rho=0.01", dps=20, steps=3, check_digits=True)
    assert res.digits == {"eta_ntk": 20, "z": 20, "J2": (20, 20)}
    assert "z=-0.011466189464396772452," in repr(res) and "eta_ntk=2.0007945149999932077," in repr(res)
    text = repr(dataclasses.replace(res, digits={"eta_ntk": 20, "z": 3, "J2": (0, 7)}))
    assert "z=-0.0115," in text and "J2=(None, 0.8118634)," in text and "ntk=2.0007945149999932077," in text
    text = repr(dataclasses.replace(res, agreed_digits=5, digits={"eta_ntk": 5, "z": 20, "J2": (1, 7)}))
    assert "ntk=2.0008," in text and "eta_ntk=2.0008," in text and "J2=(1, 0.8118634)," in text
    text = repr(dataclasses.replace(res, agreed_digits=0, J2=res.J2[:1], digits={"eta_ntk": 0, "z": 20, "J2": (7,)}))
    assert "    ntk=None," in text and "eta_ntk=None," in text and "J2=(1.188931,)," in text  # one mode: a tuple
    unchecked = repr(dataclasses.replace(res, agreed_digits=None, digits=None))
    assert "z=-0.011466189464396772452," in unchecked and "J2=(1.1889310680355998314, 0.81186344696439337629)," in unchecked


@pytest.mark.parametrize("argv,needle", [
    (["certify", "--optimizer", "sam:rho=1", *MODEL], "supports only --optimizer gd"),
    (["sweep", "--optimizer", "nesterov:beta=1/2", *MODEL, "--eta-min", "0.1", "--eta-max", "1", "--vary", "z0",
      "--from", "0", "--to", "1", "--n", "2"], "--vary takes beta"),
    (["sweep", "--optimizer", "sam:rho=1/2", *MODEL, "--eta-min", "0.1", "--eta-max", "1", "--workers", "2"],
     "drop --workers"),
    (["sweep", "--optimizer", "sam:rho=1/2", *MODEL, "--eta-min", "0.1", "--eta-max", "1", "--vary", "rho"],
     "needs --from, --to and --n"),
    (["predict", "--optimizer", "heavy-ball:beta=1/2", *MODEL], "--method threshold takes any optimizer"),
    (["simulate", "--optimizer", "adam", *MODEL], "unknown optimizer"),
    (["simulate", "--optimizer", "heavy-ball:beta=1", *MODEL], "0 <= beta < 1"),
    (["simulate", "--optimizer", "sam:rho=-1", *MODEL], "rho >= 0"),
    (["simulate", "--optimizer", "sam:beta=1", *MODEL], "sam:rho=VALUE"),
    (["simulate", "--optimizer", "gd:rho=1", *MODEL], "gd takes no parameter"),
    (["simulate", "--optimizer", "sam:rho=1/10", "--float64", *MODEL], "--float64 runs GD only"),
    (["simulate", "--optimizer", "sam:rho=1/10", "--method", "theta", *MODEL], "mpmath engine"),
], ids=["certify", "sweep-vary-z0", "sweep-workers", "sweep-vary-incomplete", "predict-gf", "unknown", "beta-1", "rho-negative", "wrong-name", "gd-param",
        "float64", "method"])
def test_unsupported_or_bad_optimizer_is_one_line_exit_2(capsys, argv, needle):
    rc, out, err = _run(capsys, argv)
    assert rc == 2 and needle in err and err.count("\n") == 1 and not out


def test_optimizer_sweep_command_writes_the_library_sweep(capsys, tmp_path):
    """`sorm sweep --optimizer heavy-ball --vary beta` writes, row by row, what sweep_optimizer computes."""
    import numpy as np

    from sorm.numerics.optimizer_sweep import sweep_optimizer
    from sorm.numerics.problem import from_state

    rc, out, _ = _run(capsys, ["sweep", "--optimizer", "heavy-ball:beta=1/2", *MODEL, "--eta-min", "0.2",
                               "--eta-max", "4", "--eta-n", "7", "--vary", "beta", "--from", "0", "--to", "0.8",
                               "--n", "3", "--max-steps", "500", "--out", str(tmp_path), "--json"])
    summary = json.loads(out)
    table = np.load(tmp_path / "sweep.npz")
    ref = sweep_optimizer(from_state((1, -1), Fraction(1, 100), (Fraction(243, 200), Fraction(159, 200))),
                          "heavy-ball", np.geomspace(0.2, 4, 7), np.linspace(0, 0.8, 3), steps=500)
    assert rc == 0 and summary["runs"] == 21 and sum(summary["counts"].values()) == 21
    assert np.array_equal(table["hyper"], np.repeat([0, 0.4, 0.8], 7))
    assert np.array_equal(table["status"], ref.status.reshape(-1))
    np.testing.assert_array_equal(table["final_eta_ntk"], ref.eta_ntk.reshape(-1))
    conv = ref.status == 1
    assert summary["converged_all_below_edge"] == bool(np.all(ref.eta_ntk[conv] < ref.edge[conv]))
