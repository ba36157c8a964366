"""Validate once: the commands pass option values through, the engine that reads a value checks it, and
the CLI names the argument of its InputError as the command's option (``max_steps=0`` → ``--max-steps=0``)."""
from __future__ import annotations

import pytest

from sorm.numerics.validate import InputError, nonnegative_list, positive, positive_int
from sorm.proofs_check import cli

M = ["--omegas", "1,-1", "--z0", "0.1", "--J2", "1,1"]
SAM = ["--optimizer", "sam:rho=1/10"]
SWEEP = ["sweep", *M, "--eta-min", "0.1", "--eta-max", "1"]
NET = ["experiment", "network", "--n", "20", "--seeds", "1", "--quiet"]
FLOW = ["experiment", "centralflow", "--quiet"]

# id: (argv, what the one line must start with after "error: "); every value here is read by an engine
CASES = {
    "simulate-dps": (["simulate", *M, "--dps", "10"], "--dps='10'"),
    "simulate-max-steps": (["simulate", *M, "--max-steps", "0"], "--max-steps='0'"),
    "simulate-steps": (["simulate", *M, "--steps", "0"], "--steps='0'"),
    "simulate-tol": (["simulate", *M, "--tol", "-1"], "--tol='-1'"),
    "simulate-float64-max-steps": (["simulate", *M, "--float64", "--max-steps", "0"], "--max-steps='0'"),
    "simulate-optimizer-dps": (["simulate", *M, *SAM, "--dps", "5"], "--dps='5'"),
    "simulate-optimizer-max-steps": (["simulate", *M, *SAM, "--max-steps", "x"], "--max-steps='x'"),
    "plot-steps": (["plot", *M, "--steps", "0", "--out", "never.png"], "--steps='0'"),
    "predict-gf-dps": (["predict", *M, "--dps", "5"], "--dps='5'"),
    "predict-eos-dps": (["predict", *M, "--method", "eos", "--dps", "5"], "--dps='5'"),
    "predict-eos-order": (["predict", *M, "--method", "eos", "--order", "two"], "--order='two'"),
    "predict-threshold-dps": (["predict", *M, "--method", "threshold", *SAM, "--dps", "3"], "--dps='3'"),
    "certify-max-steps": (["certify", *M, "--max-steps", "0"], "--max-steps='0'"),
    "certify-max-prec-bits": (["certify", *M, "--max-prec-bits", "10"], "--max-prec-bits='10'"),
    "certify-prec-bits": (["certify", *M, "--prec-bits", "10"], "--prec-bits='10'"),
    "highdim-workers": (["experiment", "highdim", "--workers", "0", "--quiet"], "--workers='0'"),
    "sweep-eta-n": ([*SWEEP, "--eta-n", "0"], "--eta-n='0'"),
    "sweep-n": ([*SWEEP, "--vary", "z0", "--from", "0", "--to", "1", "--n", "0"], "--n='0'"),
    "sweep-max-steps": ([*SWEEP, "--max-steps", "0"], "--max-steps='0'"),
    "sweep-lyap-steps": ([*SWEEP, "--lyap-steps", "x"], "--lyap-steps='x'"),
    "sweep-lyap-steps-modes": (["sweep", "--omegas", "1,-1,2", "--z0", "0.1", "--J2", "1,1,1", "--eta-min", "0.1",
                                "--eta-max", "1", "--lyap-steps", "x"], "--lyap-steps='x'"),  # no exponent, still checked
    "sweep-workers": ([*SWEEP, "--workers", "65"], "--workers='65'"),
    "sweep-eta-min": (["sweep", *M, "--eta-min", "-1", "--eta-max", "1"], "--eta-min='-1'"),
    "sweep-optimizer-eta-n": ([*SWEEP, *SAM, "--eta-n", "0"], "--eta-n='0'"),
    "network-steps": ([*NET, "--steps", "0"], "--steps='0'"),
    "network-every": ([*NET, "--every", "x"], "--every='x'"),
    "network-hessian-every": ([*NET, "--hessian-every", "-1"], "--hessian-every='-1'"),
    "network-flow-steps": ([*NET, "--flow-steps", "x"], "--flow-steps='x'"),
    "network-eta-frac": ([*NET, "--eta-frac", "0.9,-1"], "--eta-frac='0.9,-1'"),
    "network-eta": ([*NET, "--eta", "0"], "--eta='0'"),
    "network-widths": ([*NET, "--widths", "12,x"], "--widths='x'"),
    "centralflow-D": ([*FLOW, "--D", "0"], "--D='0'"),
    "centralflow-p-ratio": ([*FLOW, "--p-ratio", "x"], "--p-ratio='x'"),
    "centralflow-eps": ([*FLOW, "--eps", "-1"], "--eps='-1'"),
    "centralflow-eta-frac": ([*FLOW, "--eta-frac", "0"], "--eta-frac='0'"),
    "centralflow-steps": ([*FLOW, "--steps", "0"], "--steps='0'"),
    "centralflow-amplitudes": ([*FLOW, "--model", "planar", "--amplitudes", "0.1,-1"], "--amplitudes='0.1,-1'"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_engine_checks_and_cli_names_the_option(case, capsys, tmp_path, monkeypatch):
    argv, start = CASES[case]
    monkeypatch.chdir(tmp_path)
    if argv[0] == "experiment":
        argv = [*argv, "--out", str(tmp_path / "out")]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith(f"sorm {argv[0]}: error: {start}:"), err
    opt = start.split("=")[0]
    hints = [f"pass e.g. {opt}="] + [f"pass a {w} {opt[2:]}" for w in ("positive", "smaller")] + \
        [f"pass a {w} {opt[2:].replace('-', '_')}" for w in ("positive", "smaller")]
    assert any(h in err for h in hints), err
    assert not any(tmp_path.iterdir())  # nothing written


@pytest.mark.parametrize("target, argv, raw", [
    ("sorm.numerics.engines.sweep.sweep", [*SWEEP, "--eta-n", "7", "--max-steps", "50", "--lyap-steps", "0",
                                            "--workers", "1"], {"n_eta": "7", "steps": "50", "lyap_steps": "0",
                                                                "workers": "1"}),
    ("sorm.numerics.networks.run_study", [*NET, "--steps", "5", "--every", "2", "--flow-steps", "0",
                                          "--eta-frac", "0.9,1"], {"steps": "5", "every": "2", "flow_steps": "0",
                                                                   "eta_frac": "0.9,1"}),
    ("sorm.numerics.highdim.cfstudy.highdim_study", [*FLOW, "--D", "4", "--steps", "9"], None),
], ids=["sweep", "network", "centralflow"])
def test_commands_pass_the_values_through(target, argv, raw, monkeypatch, tmp_path):
    """No command checks a value the library checks: the library gets the option text as given."""
    seen = {}

    def capture(*args, **kwargs):
        seen.update(kwargs, args=args)
        raise InputError("stop here")

    monkeypatch.setattr(target, capture)
    if argv[0] == "experiment":
        argv = [*argv, "--out", str(tmp_path / "out")]
    monkeypatch.chdir(tmp_path)
    assert cli.main(argv) == 2
    if raw is None:  # positional: D, p_ratio, eps, eta_frac, seed, steps
        assert seen["args"][:4] == ("4", "8", "0.1", "0.9") and seen["args"][5] == "9", seen
    else:
        assert {k: seen[k] for k in raw} == raw, seen


def test_library_messages_keep_the_argument_names():
    """The API names its own arguments (a notebook user has no options); only the CLI renames them."""
    with pytest.raises(InputError) as exc:
        positive_int("max_steps", 0)
    assert exc.value.arg == "max_steps" and str(exc.value).startswith("max_steps=0:")


@pytest.mark.parametrize("arg, text, options, shown", [
    ("max_steps", "max_steps=0: bad; pass e.g. max_steps=1000", {"max_steps": "--max-steps"},
     "--max-steps=0: bad; pass e.g. --max-steps=1000"),
    ("steps", "max_steps=0 and steps=0: bad", {"steps": "--steps"}, "max_steps=0 and --steps=0: bad"),
    ("D", "D=3, P=24: too big", {"eps": "--eps"}, "D=3, P=24: too big"),  # not an option of the command
    (None, "eta=0: bad", {"eta": "--eta"}, "eta=0: bad"),  # no single argument named
    ("D[0]", "D[0]=0: bad; pass e.g. D=1000", {"D": "--D"}, "--D[0]=0: bad; pass e.g. --D=1000"),  # a list entry
], ids=["renamed", "word-boundary", "not-an-option", "no-arg", "list-entry"])
def test_as_option(arg, text, options, shown):
    assert cli._as_option(InputError(text, arg), options) == shown


def test_options_come_from_the_subcommand_that_parsed():
    parser = cli.build_parser()
    args = parser.parse_args(["sweep", *M, "--eta-min", "0.1", "--eta-max", "1"])
    assert cli._options(parser, args)["steps"] == "--max-steps"  # sweep's --max-steps/--steps share the dest
    args = parser.parse_args(["experiment", "highdim"])
    assert cli._options(parser, args)["p_ratio"] == "--p-ratio"


@pytest.mark.parametrize("extra", [[], ["--scaling"]], ids=["grid", "scaling"])
def test_highdim_too_big_names_the_options_that_fix_it(extra, capsys, tmp_path):
    """The size check runs before any allocation or file, and its one line names --D, --p-ratio and
    --max-memory (the scaling run honours --max-memory too)."""
    argv = ["experiment", "highdim", *extra, "--D", "128", "--p-ratio", "32", "--max-memory", "1", "--quiet",
            "--out", str(tmp_path / "out")]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert all(o in err for o in ("--D 128", "--p-ratio 32", "--max-memory 1", "GiB")), err
    assert not any(tmp_path.iterdir())


def test_scaling_takes_the_memory_limit():
    from sorm.numerics.highdim import scaling as hs
    from sorm.numerics.highdim.model import MEMORY_LIMIT, SizeError, memory_bytes

    need = memory_bytes(128, 4096)
    with pytest.raises(SizeError) as exc:
        hs.divergence_thresholds([128], p_ratio=32, limit=need - 1, progress=False)
    assert (exc.value.D, exc.value.P, exc.value.need, exc.value.limit) == (128, 4096, need, need - 1)
    assert need > MEMORY_LIMIT  # so the default limit alone would refuse it as well


def test_optimizer_sweep_divergence_is_relative_to_the_start():
    """The divergence rule of every engine (numerics.status): 2^30 times the initial scale. A start on the
    fixed line z~ = 0 with eta*lambda = 2^31 stays there; an absolute 2^30 bound would call it diverged."""
    from sorm.numerics.optimizer_sweep import sweep_optimizer
    from sorm.numerics.problem import from_state

    for key, hyper in (("gd", []), ("heavy-ball", [0.5])):
        res = sweep_optimizer(from_state([1, -1], 0, [2**30, 2**30]), key, [1.0], hyper, steps=5)
        assert res.counts()["diverged"] == 0 and res.eta_ntk.max() == 2**31, res.counts()


@pytest.mark.parametrize("extra, module, fn", [([], "grid", "phase_grid"),
                                                (["--scaling"], "scaling", "divergence_thresholds")],
                         ids=["grid", "scaling"])
def test_highdim_passes_max_memory_on(extra, module, fn, monkeypatch, capsys, tmp_path):
    import importlib

    seen = {}

    def capture(*args, **kwargs):
        seen.update(kwargs)
        raise InputError("stop here")

    monkeypatch.setattr(importlib.import_module(f"sorm.numerics.highdim.{module}"), fn, capture)
    assert cli.main(["experiment", "highdim", *extra, "--max-memory", "20", "--quiet",
                     "--out", str(tmp_path / "out")]) == 2
    assert seen["limit"] == 20 * 2**30


def test_list_and_positive_errors_name_the_argument_and_its_fix():
    """A negative entry names itself (``J2[1]``); a nonpositive value's fix names the argument, so the CLI
    shows the option in the fix as well (``pass e.g. --eta-min=0.5``)."""
    with pytest.raises(InputError) as exc:
        nonnegative_list("J2", [1, -1])
    assert exc.value.arg == "J2[1]" and str(exc.value).startswith("J2[1]=-1.0:")
    with pytest.raises(InputError) as exc:
        positive("eta_min", -1)
    assert exc.value.arg == "eta_min" and str(exc.value).endswith("pass e.g. eta_min=0.5")
    with pytest.raises(InputError) as exc:
        positive_int("D[0]", 0)
    assert exc.value.arg == "D[0]" and str(exc.value) == "D[0]=0: expected a whole number >= 1; pass e.g. D=1000"
