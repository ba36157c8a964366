"""Sweeps and the phase diagram: every converged run ends below 2/η; grids, varied parameters, CLI."""
from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sorm.numerics.engines.batch import TrajectoryClass
from sorm.numerics.eos.phase import PHASE_CLASSES, phase_diagram
from sorm.numerics.problem import from_state, from_theta
from sorm.numerics.engines.sweep import sweep
from sorm.numerics.validate import InputError
from sorm.proofs_check.cli import main

EX = dict(omegas=[1, -1], z0="0.01", J2="1.215,0.795")


@example(((1, -1), 0.01, (1.215, 0.795), 0.1, 3.0))  # docs/theory.md §5.3 example
@example(((2, 0), 0.0, (1.0, 0.0), 0.5, 2.5))  # a zero eigenvalue, z = 0
@example(((1,), 0.01, (1.0,), 1.9, 2.2))  # a single mode (k = 0)
# found by Hypothesis: the first η of the grid (η = 1) starts exactly at ηλ = 1.25 + 0.75 = 2 and converges
# (S > 0 pulls ηλ below 2 at once), so max ηλ = 2 exactly: it reached the edge, and is SELF_STABILIZED
@example(((1, -1), 0.01, (1.25, 0.75, 0.5), 1.0, 2.0))
@given(st.tuples(
    st.sampled_from([(1, -1), (1, 3), (2, -1), (1, 2, -1), (1,)]),
    st.floats(-0.5, 0.5),
    st.lists(st.floats(0.05, 2.0), min_size=3, max_size=3),
    st.floats(0.05, 1.0),
    st.floats(1.0, 4.0),
))
def test_every_converged_run_of_a_sweep_ends_below_2(case):
    omegas, z0, J2, lo, hi = case
    J2 = [0.0 if w == 0 else j for w, j in zip(omegas, J2)]
    p = from_state(list(omegas), repr(z0), ",".join(repr(j) for j in J2))
    r = sweep(p, eta_min=repr(lo), eta_max=repr(hi), n_eta=40, steps=3000)
    conv = r.converged_mask()
    assert np.all(r.final_eta_ntk[conv] < 2)
    assert np.all(np.abs(r.final_z[conv]) * r.eta[conv] < 1e-12)
    # self-stabilized runs reached the edge of stability (max ηλ >= 2, a start at exactly 2 included);
    # converged-below ones stayed strictly below it
    ss = r.batch.classes == TrajectoryClass.SELF_STABILIZED
    cb = r.batch.classes == TrajectoryClass.CONVERGED_BELOW
    assert np.all(r.batch.max_T[ss] >= 2) and np.all(r.batch.max_T[cb] < 2)


def test_planar_and_mode_engines_agree_on_a_grid():
    p = from_state(**EX)
    kw = dict(eta_min=0.1, eta_max=3, n_eta=40, vary="z0", vary_from=-0.5, vary_to=0.5, n_vary=30, steps=5000)
    a, b = sweep(p, step_map="planar", **kw), sweep(p, step_map="modes", **kw)
    assert a.step_map == "planar" and b.step_map == "modes"
    both = a.converged_mask() & b.converged_mask()
    assert both.sum() > 0.5 * a.eta.size
    assert np.allclose(a.final_eta_ntk[both], b.final_eta_ntk[both], rtol=0, atol=1e-10)
    assert np.mean(a.batch.classes == b.batch.classes) > 0.98


def test_grid_layout_and_implied_E():
    p = from_state(**EX)
    r = sweep(p, eta_min=0.5, eta_max=2, n_eta=4, log_eta=False, vary="J2:1", vary_from=0.5, vary_to=1.0,
              n_vary=3, steps=100)
    assert r.shape == (3, 4) and np.allclose(r.eta_grid, [0.5, 1.0, 1.5, 2.0])
    assert np.allclose(r.value.reshape(3, 4)[:, 0], [0.5, 0.75, 1.0])
    assert np.allclose(r.J2[:, 1], r.value) and np.allclose(r.z0, 0.01)
    # E from the invariant J1/w1 + J2/w2 - 2 z0 = 2E
    assert np.allclose(r.E, (r.J2[:, 0] - r.J2[:, 1] - 0.02) / 2)


def test_vary_theta0_keeps_E_and_recomputes_state():
    p = from_theta([1, -2], "0.3", "1.0,0.5")
    r = sweep(p, eta_min=1, eta_max=1, n_eta=1, vary="theta0:0", vary_from=0.5, vary_to=1.5, n_vary=3,
              steps=50)
    th0 = np.array([0.5, 1.0, 1.5])
    assert np.allclose(r.J2[:, 0], th0**2) and np.allclose(r.J2[:, 1], 1.0)
    assert np.allclose(r.z0, 0.5 * (th0**2 - 2 * 0.25) - 0.3) and np.allclose(r.E, 0.3)


def test_phase_diagram_has_the_five_classes():
    res = phase_diagram([1, -1], z0="0.01", J2="1.215,0.795", vary="z0", state_from=-1, state_to=1,
                        eta_min=0.1, eta_max=3, n_eta=80, n_state=60, steps=4000, lyap_steps=2000)
    assert res.classes.shape == (60, 80)
    for c in PHASE_CLASSES:
        assert res.counts[c.name] > 0, c.name
    chaotic = res.classes == TrajectoryClass.CHAOTIC
    assert np.all(res.lyapunov[chaotic] > 1e-2)
    conv = (res.classes == TrajectoryClass.CONVERGED_BELOW) | (res.classes == TrajectoryClass.SELF_STABILIZED)
    assert np.all(res.final_eta_ntk[conv] < 2)
    # small steps never reach the edge of stability: the first column converges below it
    assert np.all(res.classes[:, 0] == TrajectoryClass.CONVERGED_BELOW)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(eta_min=0, eta_max=1, n_eta=5), "eta_min"),
        (dict(eta_min=-1, eta_max=1, n_eta=5), "eta_min"),
        (dict(eta_min=1, eta_max=0.5, n_eta=5), "below"),
        (dict(eta_min=0.1, eta_max=1, n_eta=0), "n_eta"),
        (dict(eta_min=0.1, eta_max=1, n_eta=1), "one-point"),
        (dict(eta_min=0.1, eta_max=1, n_eta=5, vary="E"), "vary"),
        (dict(eta_min=0.1, eta_max=1, n_eta=5, vary="J2:7", vary_from=0, vary_to=1, n_vary=3), "out of range"),
        (dict(eta_min=0.1, eta_max=1, n_eta=5, vary="theta0:0", vary_from=0, vary_to=1, n_vary=3), "theta0"),
        (dict(eta_min=0.1, eta_max=1, n_eta=5, vary="z0"), "--from"),
        (dict(eta_min=0.1, eta_max=1, n_eta=5, vary_from=0), "without vary"),
        (dict(eta_min=0.1, eta_max=1, n_eta=5, vary="J2:0", vary_from=-1, vary_to=1, n_vary=3), ">= 0"),
        (dict(eta_min=0.1, eta_max=1, n_eta=5, step_map="gpu"), "step_map"),
    (dict(eta_min=0.1, eta_max=1, n_eta=5, engine="gpu"), "engine"),
        (dict(eta_min=0.1, eta_max=1, n_eta=5, steps=0), "steps"),
    ],
    ids=["eta-zero", "eta-negative", "eta-max-below-min", "n-eta-zero", "one-point-unequal", "vary-unknown",
         "vary-index-range", "vary-theta-needs-theta", "vary-without-range", "range-without-vary",
         "vary-J2-negative", "map-unknown", "engine-unknown", "steps-zero"],
)
def test_sweep_bad_input(kwargs, match):
    with pytest.raises(InputError, match=match):
        sweep(from_state(**EX), **kwargs)


# ---------------------------------------------------------------------------------------------
# CLI

MODEL = ["--omegas", "1,-1", "--z0", "0.01", "--J2", "1.215,0.795"]


def test_sweep_cli_writes_table_and_figures(tmp_path, capsys):
    out = tmp_path / "sw"
    rc = main(["sweep", *MODEL, "--eta-min", "0.1", "--eta-max", "3", "--eta-n", "30", "--vary", "z0",
               "--from", "-1", "--to", "1", "--n", "20", "--steps", "3000", "--format", "csv", "--plot", "--out", str(out),
               "--json"])
    assert rc == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["runs"] == 600 and summary["map"] == "planar" and summary["engine"] in ("numba", "numpy")
    assert sum(summary["counts"].values()) == 600 and summary["converged_all_below_2"] is True
    rows = list(csv.DictReader((out / "sweep.csv").open()))
    assert len(rows) == 600
    assert all(float(r["final_eta_ntk"]) < 2 for r in rows if r["class"] in ("CONVERGED_BELOW", "SELF_STABILIZED"))
    assert summary["files"] == [str(out / n) for n in ("sweep.csv", "sweep.png", "phase.png")]
    for name in ("sweep.png", "phase.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(out.glob(".*.tmp"))


def test_sweep_cli_default_is_an_npz_table_without_figures(tmp_path, capsys):
    out = tmp_path / "d"
    assert main(["sweep", *SMALL, "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["files"] == [str(out / "sweep.npz")]
    assert sorted(p.name for p in out.iterdir()) == ["sweep.npz"]
    assert np.load(out / "sweep.npz")["eta"].size == 23 * 17


def test_sweep_cli_text_and_json_table(tmp_path, capsys):
    out = tmp_path / "s1"
    rc = main(["sweep", *MODEL, "--eta-min", "0.5", "--eta-max", "2.5", "--eta-n", "10", "--eta-scale", "linear",
               "--format", "json", "--out", str(out), "--quiet"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "sweep: 10 runs" in text and "wrote" in text
    table = json.loads((out / "sweep.json").read_text())
    assert len(table["data"]["eta"]) == 10 and table["columns"][0] == "eta"
    assert table["data"]["eta"][0] == 0.5 and table["data"]["varied_none"] == [None] * 10
    assert set(table["data"]["class"]) <= {c.name for c in TrajectoryClass}


SMALL = [*MODEL, "--eta-min", "0.1", "--eta-max", "3", "--eta-n", "23", "--vary", "z0", "--from", "-2", "--to", "1",
         "--n", "17", "--max-steps", "3000", "--quiet"]


def test_sweep_cli_formats_hold_the_same_table(tmp_path, capsys):
    tables = {}
    for fmt in ("csv", "npz", "json", "parquet"):
        if fmt == "parquet":
            pytest.importorskip("pyarrow")
        assert main(["sweep", *SMALL, "--format", fmt, "--out", str(tmp_path / fmt)]) == 0
        tables[fmt] = tmp_path / fmt / f"sweep.{fmt}"
    capsys.readouterr()
    npz = np.load(tables["npz"])
    names = npz["class_names"]
    rows = list(csv.DictReader(tables["csv"].open()))
    js = json.loads(tables["json"].read_text())["data"]
    assert len(rows) == npz["eta"].size == 23 * 17
    for k, r in enumerate(rows):
        for col in ("eta", "final_eta_ntk", "max_eta_ntk", "final_z", "varied_z0", "lyapunov"):
            x = npz[col][k]
            if np.isnan(x):
                assert r[col] == "" and js[col][k] is None
            else:
                assert float(r[col]) == x and js[col][k] == (x if np.isfinite(x) else None)
        assert r["class"] == names[npz["class"][k]] == js["class"][k]
        assert int(r["steps"]) == npz["steps"][k] == js["steps"][k]
    if "parquet" in tables:
        import pyarrow.parquet as pq

        t = pq.read_table(tables["parquet"]).to_pydict()
        assert t["final_eta_ntk"] == npz["final_eta_ntk"].tolist() or np.allclose(
            t["final_eta_ntk"], npz["final_eta_ntk"], rtol=0, atol=0, equal_nan=True)
        assert t["class"] == [r["class"] for r in rows]


def test_text_tables_format_repeated_and_special_floats_exactly(tmp_path):
    """Repeated values are formatted once per bit pattern: -0.0, subnormals, inf and NaN keep their own cells."""
    from sorm.proofs_check.table import write_table

    special = [0.0, -0.0, float("nan"), float("inf"), -float("inf"), 5e-324, 0.1, 1 / 3]
    col = np.array(special * 40)  # 320 rows, 8 distinct: the repeated-value path
    cols = {"x": col, "y": np.linspace(-1, 1, col.size), "class": np.zeros(col.size, np.int8)}
    text = write_table(tmp_path / "t.csv", cols, "csv").read_text()
    cell = lambda v, miss: miss if v != v else repr(v)  # noqa: E731
    rows = [f"{cell(x, '')},{y!r},CONVERGED_BELOW" for x, y in zip(col.tolist(), cols["y"].tolist())]
    assert text == "x,y,class\n" + "\n".join(rows) + "\n"
    js = json.loads(write_table(tmp_path / "t.json", cols, "json").read_text())["data"]["x"]
    assert [str(v) for v in js] == [str(v if v == v and abs(v) != float("inf") else None) for v in col.tolist()]
    assert str(js[1]) == "-0.0" and js[5] == 5e-324


def test_npz_table_holds_the_members_savez_writes(tmp_path):
    """The npz writer's file is savez's byte for byte (so numpy.load reads the same arrays, dtypes and all);
    the zip checks out (CRC-32 included), and the same columns give the same file."""
    import zipfile

    from sorm.proofs_check.table import write_table

    rng = np.random.default_rng(3)
    cols = {"eta": rng.standard_normal(5000), "varied_J2:0": np.full(5000, np.nan),
            "class": rng.integers(0, 7, 5000).astype(np.int8), "steps": rng.integers(0, 3000, 5000).astype(np.int16),
            "empty": np.empty(0), "ünicode": np.arange(3)}
    a, b = write_table(tmp_path / "a.npz", cols, "npz"), write_table(tmp_path / "b.npz", cols, "npz")
    assert a.read_bytes() == b.read_bytes()
    ref = tmp_path / "ref.npz"
    np.savez(ref, **cols, class_names=np.load(a)["class_names"])
    with zipfile.ZipFile(a) as za, zipfile.ZipFile(ref) as zr:
        assert za.testzip() is None
        assert za.namelist() == zr.namelist() == [f"{k}.npy" for k in [*cols, "class_names"]]
        for name in zr.namelist():
            assert za.read(name) == zr.read(name)
    assert a.read_bytes() == ref.read_bytes()
    got = np.load(a)
    for k, v in cols.items():
        assert got[k].dtype == v.dtype and np.array_equal(got[k], v, equal_nan=True)


def test_sweep_table_columns():
    """eta_ntk0 is η Σ_i J(ω_i)² of each run, bit for bit; steps is the narrowest signed integer for the budget."""
    p = from_state(**EX)
    kw = dict(eta_min=0.1, eta_max=3, n_eta=7, vary="J2:0", vary_from=0.1, vary_to=2, n_vary=5)
    for steps, dtype in ((32767, np.int16), (32768, np.int32)):
        r = sweep(p, steps=steps, **kw)
        c = r.columns()
        assert c["steps"].dtype == dtype and np.array_equal(c["steps"], r.batch.steps)
    assert np.array_equal(c["eta_ntk0"], r.eta * r.J2.sum(axis=1)) and np.array_equal(c["eta_ntk0"], r.eta_ntk0)


def test_sweep_cli_output_does_not_depend_on_workers(tmp_path, capsys):
    for w in ("1", "2"):
        for fmt in ("csv", "npz"):
            assert main(["sweep", *SMALL, "--workers", w, "--format", fmt, "--out", str(tmp_path / f"{fmt}{w}")]) == 0
    capsys.readouterr()
    for fmt in ("csv", "npz"):
        assert (tmp_path / f"{fmt}1" / f"sweep.{fmt}").read_bytes() == (tmp_path / f"{fmt}2" / f"sweep.{fmt}").read_bytes()


def test_sweep_cli_fixed_steps_report_the_work_done(tmp_path, capsys):
    """The issue's throughput check, at a tenth of its size: every run goes through all --max-steps steps."""
    rc = main(["sweep", "--omegas", "1,-1", "--z0", "0.01", "--J2", "1.215,0.795", "--eta-min", "0.1",
               "--eta-max", "3", "--eta-n", "40", "--vary", "z0", "--from", "-2", "--to", "1", "--n", "25",
               "--max-steps", "1000", "--no-settle", "--workers", "1", "--format", "npz", "--out",
               str(tmp_path / "t"), "--json"])
    assert rc == 0
    s = json.loads(capsys.readouterr().out)
    assert s["trajectory_steps"] == 1000 * 1000 and s["settle"] is False
    assert isinstance(s["compute_seconds"], float) and 0 < s["compute_seconds"] <= s["seconds"]
    assert s["engine"] in ("numba", "numpy")
    assert np.all(np.load(tmp_path / "t" / "sweep.npz")["steps"] == 1000)


@pytest.mark.parametrize(
    "extra, match",
    [
        (["--eta-min", "0", "--eta-max", "1"], "; pass e.g. --eta-min="),
        (["--eta-min", "-1", "--eta-max", "1"], "; pass e.g. --eta-min="),
        (["--eta-min", "2", "--eta-max", "1"], "below"),
        (["--eta-min", "0.1", "--eta-max", "1", "--eta-n", "0"], "eta-n"),
        (["--eta-min", "0.1", "--eta-max", "1", "--eta-n", "abc"], "eta-n"),
        (["--eta-min", "0.1", "--eta-max", "1", "--steps", "0"], "steps"),
        (["--eta-min", "0.1", "--eta-max", "1", "--vary", "z0", "--from", "0", "--to", "1", "--n", "0"], "n="),
        (["--eta-min", "0.1", "--eta-max", "1", "--vary", "foo"], "vary"),
        (["--eta-min", "nan", "--eta-max", "1"], "finite"),
        (["--eta-min", "0.1", "--eta-max", "1", "--eta", "0.5"], "drop --eta"),
        (["--eta-min", "0.1", "--eta-max", "1", "--workers", "0"], "workers"),
    ],
    ids=["eta-min-zero", "eta-min-negative", "eta-range-reversed", "n-zero", "n-not-a-number", "steps-zero",
         "vary-n-zero", "vary-unknown", "eta-nan", "eta-given", "workers-zero"],
)
def test_sweep_cli_bad_input(extra, match, tmp_path, capsys):
    rc = main(["sweep", *MODEL, *extra, "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 2 and match in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "o").exists()
