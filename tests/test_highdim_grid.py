"""The high-D phase grid: Wilson intervals, run records, the JSON schema, executors, scaling."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from sorm.numerics.highdim import grid as hg
from sorm.numerics.highdim import model as hd
from sorm.numerics.highdim import scaling as hs
from sorm.numerics.stats import fit_power_law, wilson
from sorm.proofs_check import cli


@pytest.mark.parametrize("k,n", [(0, 10), (10, 10), (3, 10), (27, 30), (1, 1), (500, 1000)])
def test_wilson_is_the_score_interval(k, n):
    """The ends solve (p̂ − p)² = z²p(1 − p)/n (numpy's polynomial roots, an independent route)."""
    z = 1.959963984540054
    ph = k / n
    lo, hi = np.sort(np.roots([1 + z * z / n, -(2 * ph + z * z / n), ph * ph]).real)
    p = wilson(k, n)
    assert p.fraction == ph
    assert math.isclose(p.lo, lo, rel_tol=1e-9, abs_tol=1e-12) and math.isclose(p.hi, hi, rel_tol=1e-9, abs_tol=1e-12)


def test_wilson_mean_coverage():
    """Exact binomial coverage at n = 30, averaged over p in [0.05, 0.95], is close to 95%."""
    from scipy.stats import binom

    n = 30
    iv = [wilson(k, n) for k in range(n + 1)]
    cov = [sum(binom.pmf(k, n, p) for k in range(n + 1) if iv[k].lo <= p <= iv[k].hi)
           for p in np.linspace(0.05, 0.95, 181)]
    assert 0.94 <= np.mean(cov) <= 0.96 and min(cov) > 0.85


def test_power_law_recovers_exponent():
    rng = np.random.default_rng(1)
    xs = [8, 16, 32, 64]
    sets = [0.7 * x ** -0.5 * np.exp(0.05 * rng.standard_normal(40)) for x in xs]
    fit = fit_power_law(xs, sets, n_boot=400)
    assert fit.a_lo <= 0.5 <= fit.a_hi and abs(fit.a - 0.5) < 0.05


def test_records_classify_from_residual():
    """A converged record has its final value; the sharpened/EOS flags follow the stated thresholds."""
    r = hg.run_record(hg.RunSpec(0.2, 0.7, 8, 64, 0, 3000))
    tr = hd.run_gd(hd.random_instance(8, 64, 0.2, 0), hd.eta_for(hd.random_instance(8, 64, 0.2, 0), 0.7), 3000)
    assert r.status is tr.status and r.steps == tr.steps and r.final_eta_ntk == tr.final
    assert r.sharpened == (tr.peak > 1.1 * tr.initial) and r.reached_eos == (tr.peak >= 1.9)
    assert r.converged and 0.5 * float(np.sum(hd.random_instance(8, 64, 0.2, 0).residual(np.zeros(64)) ** 2)) > 0


def test_batched_records_match_single_runs():
    """The lockstep runs of one draw (seed_records) reproduce run_gd run by run: same statuses and
    steps, ηλ_max to rounding (ε·(Q₁g) against (εQ₁)g), across converged and diverged runs."""
    specs = [hg.RunSpec(e, f, 8, 64, 1, 400) for e in (0, 0.1, 0.3) for f in (0.5, 0.9)]
    batch = hg.seed_records(specs)
    assert {r.status for r in batch} >= {hd.RunStatus.CONVERGED, hd.RunStatus.DIVERGED}
    for a, spec in zip(batch, specs):
        b = hg.run_record(spec)
        assert (a.status, a.steps, a.eps, a.eta_frac, a.seed) == (b.status, b.steps, b.eps, b.eta_frac, b.seed)
        assert math.isclose(a.initial_eta_ntk, b.initial_eta_ntk, rel_tol=1e-12)
        assert math.isclose(a.peak_eta_ntk, b.peak_eta_ntk, rel_tol=1e-9)
        assert (a.final_eta_ntk is None) == (b.final_eta_ntk is None)
        if a.final_eta_ntk is not None:
            assert math.isclose(a.final_eta_ntk, b.final_eta_ntk, rel_tol=1e-9)
    with pytest.raises(ValueError, match="one instance draw"):
        hg.seed_records([hg.RunSpec(0.1, 0.9, 8, 64, 0), hg.RunSpec(0.1, 0.9, 8, 64, 1)])


CELL_KEYS = {"eps", "eta_frac", "D", "P", "runs"}
RUN_KEYS = {"seed", "eps", "eta_frac", "D", "P", "status", "status_message", "initial_eta_ntk", "peak_eta_ntk",
            "final_eta_ntk", "steps"}


def _grid_json(capsys, tmp_path, *extra):
    rc = cli.main(["experiment", "highdim", "--eps", "0,0.2", "--eta-frac", "0.7,0.9", "--D", "4,8",
                   "--seeds", "3", "--steps", "400", "--out", str(tmp_path), "--json", "--quiet", *extra])
    assert rc == 0
    return json.loads(capsys.readouterr().out)


def test_cli_json_schema(capsys, tmp_path):
    s = _grid_json(capsys, tmp_path, "--workers", "1")
    assert len(s["cells"]) == 8 and len(s["runs"]) == 24
    for c in s["cells"]:
        assert CELL_KEYS <= set(c)
        for k in ("converged", "sharpened", "eos", "diverged"):
            assert set(c[k]) >= {"fraction", "lo", "hi"}
            assert all(isinstance(c[k][x], (int, float)) for x in ("fraction", "lo", "hi"))
            assert c[k]["lo"] <= c[k]["fraction"] <= c[k]["hi"]
        assert c["P"] == 8 * c["D"]
    for r in s["runs"]:
        assert set(r) == RUN_KEYS
        assert r["status"] in ("converged", "diverged", "unfinished")
        assert (r["final_eta_ntk"] is None) == (r["status"] != "converged")
        assert all(isinstance(r[k], (int, float)) for k in ("seed", "eps", "eta_frac", "D", "P", "steps",
                                                             "initial_eta_ntk"))
    lin = [c for c in s["cells"] if c["eps"] == 0]
    assert all(c["sharpened"]["fraction"] == 0 for c in lin)
    assert (tmp_path / "eos_fraction.png").exists() and (tmp_path / "final_eta_ntk_hist.png").exists()
    assert json.loads((tmp_path / "summary.json").read_text())["runs"] == s["runs"]


def test_dask_scheduler_gives_same_records(capsys, tmp_path):
    distributed = pytest.importorskip("distributed")
    local = _grid_json(capsys, tmp_path / "a", "--workers", "2")["runs"]
    with distributed.LocalCluster(host="127.0.0.1", protocol="tcp", n_workers=2, threads_per_worker=1,
                                  processes=False, dashboard_address=None) as c:
        remote = _grid_json(capsys, tmp_path / "b", "--scheduler", c.scheduler_address)["runs"]
    assert remote == local


def test_float32_storage_same_statuses():
    """Q in float32 (state float64): same statuses, final ηλ within 1e-4, half the bytes of Q."""
    for seed in range(3):
        a = hg.run_record(hg.RunSpec(0.15, 0.9, 8, 64, seed))
        b = hg.run_record(hg.RunSpec(0.15, 0.9, 8, 64, seed, dtype="float32"))
        assert a.status is b.status
        if a.converged:
            assert abs(a.final_eta_ntk - b.final_eta_ntk) < 1e-4
    assert hd.random_instance(4, 16, 0.1, 0, dtype="float32").Q.nbytes * 2 == hd.random_instance(4, 16, 0.1, 0).Q.nbytes


def test_seed_threshold_brackets():
    """ε*(seed): the run at lo does not diverge, the run at hi does."""
    th = hs.seed_threshold((8, 64, 0, 0.9, 3000, 2, 0.3, "float64", hd.MEMORY_LIMIT))
    def status(e):
        inst = hd.random_instance(8, 64, e, 0)
        return hd.run_gd(inst, hd.eta_for(inst, 0.9), 3000).status
    assert th.lo < th.hi < math.inf
    assert status(th.lo) is not hd.RunStatus.DIVERGED and status(th.hi) is hd.RunStatus.DIVERGED
