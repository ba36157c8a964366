"""`sorm simulate` and `sorm predict --method gf`: JSON output, plots, and one-line errors."""
from __future__ import annotations

import decimal
import json
import re
from decimal import Decimal

import mpmath
import pytest

from sorm.proofs_check.cli import main

MODEL = ["--omegas", "1,-1", "--z0", "0.02", "--J2", "1.1,0.9"]


def run_json(capsys, argv, rc=0):
    assert main(argv + ["--json"]) == rc
    return json.loads(capsys.readouterr().out)


def test_simulate_json_fields_full_precision(capsys):
    d = run_json(capsys, ["simulate", *MODEL, "--dps", "40"])
    assert d["status"] == "converged" and d["dps"] == 40 and d["steps"] > 100
    f = d["final"]
    assert set(f) == {"z", "J2", "ntk", "eta_ntk"} and len(f["J2"]) == 2
    eta_ntk = Decimal(f["eta_ntk"])
    assert Decimal("1.9") < eta_ntk < 2  # self-stabilized just below the edge
    assert len(f["eta_ntk"].replace(".", "").lstrip("0")) >= 35  # printed at full precision
    with decimal.localcontext() as ctx:
        ctx.prec = 80
        assert abs(Decimal(f["J2"][0]) + Decimal(f["J2"][1]) - Decimal(f["ntk"])) < Decimal("1e-38")
    assert d["agreed_digits"]["eta_ntk"] >= 30 and d["engine"] == "fixed-point"
    # each printed value carries exactly the digits its record counts, z fewer than ηλ (absolute error)
    for q in ("z", "ntk", "eta_ntk"):
        mantissa = f[q].split("e")[0].replace(".", "").replace("-", "").lstrip("0")
        assert len(mantissa) == d["digits"][q] <= d["agreed_digits"][q]
    assert d["digits"]["z"] < d["digits"]["eta_ntk"] == 40
    lim = d["limit"]  # converged: the distance to the limit, and only the digits of ηλ_∞ it leaves
    assert Decimal(lim["distance"]) > abs(Decimal(f["z"])) and lim["digits"] < 40
    unit = Decimal(10) ** (1 - lim["digits"])
    assert abs(Decimal(lim["eta_ntk"]) - Decimal(f["eta_ntk"])) <= Decimal(lim["distance"]) + unit


def test_simulate_steps_and_theta_form(capsys):
    d = run_json(capsys, ["simulate", "--omegas", "1,-1", "--E", "0.2", "--theta0", "0.9,0.8", "--eta", "0.5",
                          "--steps", "5", "--method", "theta"])
    assert d["status"] == "steps_done" and d["steps"] == 5 and d["engine"] == "theta"
    e = run_json(capsys, ["simulate", "--omegas", "1,-1", "--E", "0.2", "--theta0", "0.9,0.8", "--eta", "0.5",
                          "--steps", "5"])
    with decimal.localcontext() as ctx:
        ctx.prec = 80
        assert abs(Decimal(d["final"]["eta_ntk"]) - Decimal(e["final"]["eta_ntk"])) < Decimal("1e-45")


def test_simulate_float64_is_labelled(capsys):
    d = run_json(capsys, ["simulate", *MODEL, "--float64"])
    hp = run_json(capsys, ["simulate", *MODEL])
    assert d["engine"] == "float64" and d["dps"] is None and d["status"] == "self_stabilized"
    assert abs(float(d["final"]["eta_ntk"]) - float(hp["final"]["eta_ntk"])) < 1e-10


def test_simulate_statuses_from_cli(capsys):
    """Statuses without a result exit 1 (numerics.status.EXIT_CODES), in both engines."""
    div = run_json(capsys, ["simulate", "--omegas", "1,-1", "--E", "0", "--theta0", "3,2", "--dps", "20"], rc=1)
    assert div["status"] == "diverged"
    div = run_json(capsys, ["simulate", "--omegas", "1,-1", "--E", "0", "--theta0", "3,2", "--float64"], rc=1)
    assert div["status"] == "diverged"
    assert main(["simulate", "--omegas", "1,-1", "--E", "0", "--theta0", "3,2", "--float64"]) == 1
    text = capsys.readouterr().out  # an overflowed float64 state says so, never "None"
    assert "None" not in text and "eta*lambda = not finite (overflowed)" in text
    mx = run_json(capsys, ["simulate", *MODEL, "--max-steps", "10", "--dps", "20"], rc=1)
    assert mx["status"] == "max_steps" and mx["steps"] == 10


def test_simulate_plot_and_text(tmp_path, capsys):
    png = tmp_path / "traj.png"
    rc = main(["simulate", *MODEL, "--dps", "20", "--plot", str(png)])
    out = capsys.readouterr().out
    assert rc == 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "eta*lambda = 1.97" in out and "status: converged" in out
    assert not list(tmp_path.glob(".*tmp"))  # atomic write left no temporary file


def test_predict_gf(capsys):
    d = run_json(capsys, ["predict", *MODEL, "--method", "gf", "--integrate"])
    assert d["engine"] == "gf" and d["dps"] == 50 and d["status"] == "converged"
    assert Decimal(d["ntk"]) == Decimal(d["eta_ntk"])  # eta = 1
    assert d["integrated"]["agreed_digits"] >= 25 and d["agreed_digits"] == 50
    rc = main(["predict", *MODEL])
    out = capsys.readouterr().out
    assert rc == 0 and "lambda_GF     = 1.99639675415484484302" in out


def test_predict_gf_prints_each_value_to_its_own_agreeing_digits(capsys, monkeypatch):
    """λ_GF and x_inf are each checked against the solve at 2·dps and printed only to the digits that agree."""
    import dataclasses

    from sorm.numerics import from_state
    from sorm.numerics.engines import gf

    lim = gf.gf_limit(from_state([1, -1], "0.02", "1.1,0.9"), dps=30)
    assert lim.agreed_digits == lim.x_agreed_digits == 30
    with mpmath.workdps(60):
        assert abs(lim.x_inf - gf.gf_limit(from_state([1, -1], "0.02", "1.1,0.9"), dps=60).x_inf) < mpmath.mpf(10) ** -30
    solve = gf.gf_limit
    monkeypatch.setattr(gf, "gf_limit", lambda p, dps: dataclasses.replace(solve(p, dps=dps), agreed_digits=12,
                                                                            x_agreed_digits=7))
    d = run_json(capsys, ["predict", *MODEL])
    assert d["ntk"] == d["eta_ntk"] == "1.99639675415" and d["x_inf"] == "0.01000935"
    assert "x_inf 7" in (main(["predict", *MODEL]), capsys.readouterr().out)[1]



def test_predict_gf_prints_no_digit_of_a_tiny_x_inf_that_the_solve_at_2dps_does_not_reproduce(capsys):
    """z₀ = 1e-40: x_inf ≈ 4.975e-41 comes from a root of z(x), a sum of O(1) terms, so the solve at 30 digits
    finds it only to about 10^-40 absolute, 7.7e-41: not one digit. The count measured against 10^-dps claimed
    10 digits and printed "x_inf = 7.734710754e-41"; now no value, and the text says why. At 60 digits the
    printed digits are those of the solve at 120."""
    from sorm.numerics import from_state
    from sorm.numerics.engines.gf import gf_limit

    model = ["--omegas", "1,-1", "--z0", "1e-40", "--J2", "1.215,0.795"]
    prob = from_state([1, -1], "1e-40", "1.215,0.795")
    ref = gf_limit(prob, dps=120).x_inf
    with mpmath.workdps(120):
        assert abs(gf_limit(prob, dps=30).x_inf - ref) > ref / 10  # the solve at 30 digits has no correct digit
    d = run_json(capsys, ["predict", *model, "--dps", "30"])
    assert d["status"] == "converged" and d["x_inf"] is None and d["agreed_digits"] == 30
    assert d["x_agreed_digits"] == 0  # a count, not null: null is for a flow without a limit
    assert main(["predict", *model, "--dps", "30"]) == 0
    out = capsys.readouterr().out
    assert "x_inf         = no digit agrees with the solve at 60 digits" in out and "x_inf 0" in out
    d = run_json(capsys, ["predict", *model, "--dps", "60"])
    n = d["x_agreed_digits"]
    assert 25 <= n < 60 and len(d["x_inf"].partition("e")[0].replace(".", "").lstrip("0")) == n
    with mpmath.workdps(120):
        assert abs(mpmath.mpf(d["x_inf"]) - ref) <= mpmath.mpf(10) ** (1 - n) * ref


def test_simulate_says_no_correct_digit_without_claiming_a_size_it_cannot_vouch_for(capsys):
    """θ-space GD computes z = ½Σω_iθ_i² − E by cancellation: at step 65 (20 digits) z ≈ 4.57e-24 with an error
    bound of 1.8e-24, so no digit is guaranteed. The text said "|z| < 1.8e-24", the error bound, which the exact
    z (100-digit fixed-point run) exceeds; it now prints the bound as what it is. An engine without a bound (the
    optimizers) says no digit agrees with the rerun."""
    from sorm.numerics import from_theta, run_gd
    from sorm.proofs_check.commands.simulate import state_lines

    argv = ["simulate", "--omegas", "1,-1", "--theta0", "1.5,0.9", "--E", "0.7", "--method", "theta", "--dps", "20",
            "--steps", "65"]
    d = run_json(capsys, argv)
    exact = run_gd(from_theta([1, -1], "0.7", "1.5,0.9"), dps=100, steps=65).z
    assert d["final"]["z"] is None and d["digits"]["z"] == 0 and abs(exact) > mpmath.mpf(d["error_bound"]["z"])
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert f"z          = no correct digit (error bound {d['error_bound']['z']})" in out and "|z| <" not in out
    d["error_bound"] = None
    assert "z          = no correct digit (none agrees with the rerun at 40 digits)" in state_lines(d)


@pytest.mark.parametrize("argv,why", [
    (["--omegas", "1,-1", "--z0", "1e-30", "--J2", "1.5,0.5"], "where |1 - eta*lambda| is not below 1"),
    (["--omegas", "1,-1", "--z0", "0.01", "--J2", "1.215,0.795", "--optimizer", "sam:rho=0.01"], "for sam:rho=1/100"),
], ids=["gd-at-T=2", "sam"])
def test_a_converged_run_without_a_limit_estimate_is_not_called_unconverged(capsys, argv, why):
    """A converged run whose distance to the limit is not estimated (GD at T = 2: q = 1; an optimizer other than
    GD) said "the run did not converge" under "status: converged"; it now says why there is no estimate."""
    assert main(["simulate", *argv, "--dps", "30"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("status: converged") and "did not converge" not in out
    assert f"limit: not estimated (the run converged, but the distance to the limit is not estimated {why})" in out


def test_state_lines_print_every_field_of_a_hand_made_record():
    """The text of `sorm simulate` from a record made by hand: each value with its digits, the error bound or the
    rerun where no digit is correct, the engine and its bits, the agreed digits at 2·dps, and the limit line of
    each status."""
    from sorm.proofs_check.commands.simulate import state_lines

    rec = {"steps": 7, "dps": 20, "engine": "mpmath", "work_bits": 80, "status": "converged",
           "final": {"eta_ntk": "1.5", "ntk": None, "z": "3e-9", "J2": [None, "0.25"]},
           "digits": {"eta_ntk": 2, "ntk": 0, "z": 1, "J2": [0, 2]},
           "error_bound": {"eta_ntk": "1e-3", "ntk": "2e-3", "z": "3e-10", "J2": ["4e-3", "5e-3"]},
           "agreed_digits": {"eta_ntk": 20, "ntk": 19, "z": 18, "J2": [17, 16]},
           "limit": {"distance": "6e-4", "eta_ntk": "1.50", "digits": 3}}
    assert state_lines(rec) == [
        "steps: 7    precision: 20 digits (mpmath, 80 bits)",
        "the state at step 7, to its correct digits:",
        "eta*lambda = 1.5  [2 digits]",
        "lambda     = no correct digit (error bound 2e-3)",
        "z          = 3e-9  [1 digits]",
        "J2[0]      = no correct digit (error bound 4e-3)",
        "J2[1]      = 0.25  [2 digits]",
        "agreed digits with a rerun of the same 7 steps at 40 digits (the state at step 7, not the limit): "
        "eta*lambda 20, lambda 19, z 18, J2 17, 16",
        "limit: |eta*lambda - eta*lambda_inf| <~ 6e-4 (estimated from |z| and the contraction |1 - eta*lambda|), "
        "so eta*lambda_inf = 1.50  [3 digits]"]
    lines = state_lines({**rec, "work_bits": None, "agreed_digits": None, "limit": {**rec["limit"], "eta_ntk": None}})
    assert lines[0] == "steps: 7    precision: 20 digits (mpmath)" and not any("agreed" in t for t in lines)
    assert lines[-1].endswith("so eta*lambda_inf = (no correct digit)")
    swapped = {**rec, "final": {"eta_ntk": None, "ntk": "1.5", "z": None, "J2": ["0.5", None]},
               "digits": {"eta_ntk": 0, "ntk": 2, "z": 0, "J2": [1, 0]}}
    assert state_lines(swapped)[2:7] == ["eta*lambda = no correct digit (error bound 1e-3)", "lambda     = 1.5  [2 digits]",
                                         "z          = no correct digit (error bound 3e-10)", "J2[0]      = 0.5  [1 digits]",
                                         "J2[1]      = no correct digit (error bound 5e-3)"]
    none = "no correct digit (none agrees with the rerun at 40 digits)"
    assert state_lines({**swapped, "error_bound": None})[2:7] == [
        f"eta*lambda = {none}", "lambda     = 1.5  [2 digits]", f"z          = {none}", "J2[0]      = 0.5  [1 digits]",
        f"J2[1]      = {none}"]
    assert state_lines({**rec, "error_bound": None})[3] == f"lambda     = {none}"
    for status, last in [("max_steps", "limit: not estimated (the run did not converge)"), ("diverged", None)]:
        lines = state_lines({**rec, "status": status, "limit": None})
        assert lines[-1] == last or (last is None and lines[-1].startswith("agreed digits"))


def test_predict_gf_without_a_finite_limit_prints_no_value(capsys):
    """A flow that runs away (λ → 0, x → ∞) has no result: JSON nulls (never "+inf"), no value in the
    text, exit 1, with or without --integrate."""
    from sorm.proofs_check.schema import check

    argv = ["predict", "--omegas", "1,2,3", "--z0", "0.5", "--J2", "1/400,0.5,1"]
    d = run_json(capsys, argv, rc=1)
    assert d["status"] == "runs_away" and d["ntk"] is d["eta_ntk"] is d["x_inf"] is d["agreed_digits"] is None
    assert check("predict", d) == []
    assert main(argv + ["--integrate"]) == 1
    text = capsys.readouterr().out
    assert "no value: the status leaves no finite limit to print" in text and "x_inf" not in text

def test_predict_eos_dispatch(capsys):
    """--method eos goes to numerics.eos.predict_eos; JSON carries its fields."""
    pytest.importorskip("sorm.numerics.eos")
    argv = ["predict", "--omegas", "1,-1", "--z0", "1/100", "--J2", "1.21,0.79", "--method", "eos"]
    d = run_json(capsys, argv + ["--order", "3"])
    assert set(d) == {"engine", "eta_ntk", "ntk", "digits", "error_estimate", "order", "epsilon", "dps", "status",
                      "status_message", "model"}
    assert len(d["eta_ntk"].replace(".", "")) == d["digits"] < 10  # only the digits the estimate leaves
    assert d["engine"] == "eos" and d["order"] == 3 and d["status"] == "ok"
    gd = run_json(capsys, ["simulate", "--omegas", "1,-1", "--z0", "1/100", "--J2", "1.21,0.79", "--dps", "30"])
    # the normal form predicts GD's final eta*lambda to O(eps^2) relative error in 2 - T (eps = 1/100)
    two = Decimal(2)
    assert abs((two - Decimal(d["eta_ntk"])) / (two - Decimal(gd["final"]["eta_ntk"])) - 1) < Decimal("0.01")


@pytest.mark.parametrize("J2", ["2.01,0", "2.009999999999,1e-12", "2.009999,1e-6", "2.009,1e-3"])
def test_predict_eos_degenerate_prints_the_status_and_no_digit(J2, capsys):
    """k = 0 or nearly: status degenerate, exit 1, and no digit of the series value, in text and JSON."""
    argv = ["predict", "--method", "eos", "--omegas", "1,-1", "--z0", "0.01", "--J2", J2]
    for order in ("2", "5"):
        assert main([*argv, "--order", order]) == 1
        out = capsys.readouterr().out
        assert "status: degenerate" in out and "eta*lambda_inf =" not in out and not re.search(r"\d\.\d{5}", out)
        d = run_json(capsys, [*argv, "--order", order], rc=1)
        assert d["status"] == "degenerate" and d["eta_ntk"] is d["ntk"] is d["error_estimate"] is None
        assert d["digits"] == 0


def test_predict_eos_without_a_root_is_a_status_not_a_number(capsys):
    """Far from the edge the order-3 series has no root: status no_root, exit 1, no number."""
    pytest.importorskip("sorm.numerics.eos")
    argv = ["predict", "--method", "eos", "--order", "3", "--omegas", "1,-3", "--z0", "0.05",
            "--J2", "17/40,63/40", "--json"]
    assert main(argv) == 1
    d = json.loads(capsys.readouterr().out)
    assert d["status"] == "no_root" and d["eta_ntk"] is None


BAD = [
    ("dps-too-low", ["simulate", *MODEL, "--dps", "10"]),
    ("dps-absurd", ["simulate", *MODEL, "--dps", "1000000"]),
    ("dps-not-int", ["simulate", *MODEL, "--dps", "fifty"]),
    ("max-steps-zero", ["simulate", *MODEL, "--max-steps", "0"]),
    ("max-steps-negative", ["simulate", *MODEL, "--max-steps", "-4"]),
    ("steps-zero", ["simulate", *MODEL, "--steps", "0"]),
    ("tol-zero", ["simulate", *MODEL, "--tol", "0"]),
    ("tol-and-steps", ["simulate", *MODEL, "--tol", "1e-9", "--steps", "4"]),
    ("eta-zero", ["simulate", *MODEL, "--eta", "0"]),
    ("eta-negative", ["simulate", *MODEL, "--eta", "-0.1"]),
    ("eta-nan", ["simulate", *MODEL, "--eta", "nan"]),
    ("z0-inf", ["simulate", "--omegas", "1,-1", "--z0", "inf", "--J2", "1,1"]),
    ("omega-nan", ["simulate", "--omegas", "1,nan", "--z0", "0.1", "--J2", "1,1"]),
    ("negative-J2", ["simulate", "--omegas", "1,-1", "--z0", "0.1", "--J2", "1,-1"]),
    ("J2-wrong-length", ["simulate", "--omegas", "1,-1", "--z0", "0.1", "--J2", "1"]),
    ("both-state-forms", ["simulate", *MODEL, "--E", "0.1", "--theta0", "1,1"]),
    ("no-state", ["simulate", "--omegas", "1,-1"]),
    ("float64-and-dps", ["simulate", *MODEL, "--float64", "--dps", "30"]),
    ("theta-method-without-theta0", ["simulate", *MODEL, "--method", "theta"]),
    ("predict-dps-low", ["predict", *MODEL, "--dps", "5"]),
    ("predict-eta-zero", ["predict", *MODEL, "--eta", "0"]),
    ("predict-both-forms", ["predict", *MODEL, "--E", "1", "--theta0", "1,1"]),
    ("predict-integrate-eos", ["predict", *MODEL, "--method", "eos", "--integrate"]),
    ("predict-order-not-int", ["predict", *MODEL, "--method", "eos", "--order", "two"]),
    ("predict-order-zero", ["predict", *MODEL, "--method", "eos", "--order", "0"]),
]


@pytest.mark.parametrize("argv", [a for _, a in BAD], ids=[i for i, _ in BAD])
def test_bad_input_one_line_exit_2(argv, capsys):
    try:
        rc = main(argv)
    except SystemExit as exc:  # argparse-level errors
        rc = exc.code
    err = capsys.readouterr().err
    assert rc == 2
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in err and "error" in lines[0]
