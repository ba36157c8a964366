"""The claims registry and the verification report: schema, error handling, exit codes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from sorm.numerics.parallel import default_workers
from sorm.proofs_check import registry
from sorm.proofs_check.registry import Context, Method, Status, Verdict, run_claim


def _claim(fn, id="t.x"):
    return registry.Claim(id, "a test claim", "derived here", Method.NUMERIC, fn)


def test_raising_check_is_reported_as_error(tmp_path):
    def boom(ctx):
        raise ZeroDivisionError("division by zero in the check")

    out = run_claim(_claim(boom), Context(tmp_path))
    assert out.verdict.status is Status.ERROR
    assert "ZeroDivisionError" in out.verdict.evidence["message"]


def test_check_returning_wrong_type_is_an_error(tmp_path):
    out = run_claim(_claim(lambda ctx: True), Context(tmp_path))
    assert out.verdict.status is Status.ERROR


@pytest.mark.parametrize("ok,status", [(True, Status.VERIFIED), (False, Status.FAILED)])
def test_verdict_check(ok, status, tmp_path):
    out = run_claim(_claim(lambda ctx: Verdict.check(ok, residual="1e-30")), Context(tmp_path))
    assert out.verdict.status is status
    js = out.to_json()
    assert set(js) == {"id", "statement", "source", "method", "status", "status_message", "evidence"}
    assert js["evidence"]["residual"] == "1e-30"


def test_claim_ids_are_unique_and_sourced():
    claims = registry.all_claims()
    ids = [c.id for c in claims]
    assert len(ids) == len(set(ids))
    for c in claims:
        assert c.source.startswith(("paper", "derived here")), c.id
        assert c.statement and c.method in Method


def test_report_files_and_schema(tmp_path, monkeypatch):
    from sorm.proofs_check import report

    fake = [_claim(lambda ctx: Verdict.check(True, x="1"), "a.ok"),
            _claim(lambda ctx: Verdict.check(False, x="2"), "a.bad"),
            _claim(lambda ctx: 1 / 0, "a.err")]
    monkeypatch.setattr(report, "all_claims", lambda: fake)
    rep = report.run_report(tmp_path / "r", quiet=True)
    assert rep["summary"]["verified"] == 1 and rep["summary"]["failed"] == 1 and rep["summary"]["error"] == 1
    on_disk = json.loads((tmp_path / "r" / "report.json").read_text())
    assert [c["status"] for c in on_disk["claims"]] == ["verified", "failed", "error"]
    md = (tmp_path / "r" / "report.md").read_text()
    assert "| `a.bad` |" in md and "**failed**" in md
    assert not list((tmp_path / "r").glob(".*.tmp"))


def test_verify_exit_code_is_1_when_a_claim_fails(tmp_path, monkeypatch, capsys):
    from sorm.proofs_check import cli, report

    monkeypatch.setattr(report, "all_claims", lambda: [_claim(lambda ctx: Verdict.check(False), "a.bad")])
    assert cli.main(["verify", "--out", str(tmp_path / "r"), "--quiet"]) == 1
    assert "0 verified, 1 failed" in capsys.readouterr().out


def test_report_with_workers_keeps_order_and_verdicts(tmp_path, monkeypatch):
    from sorm.proofs_check import report

    fake = [_claim(lambda ctx: Verdict.check(True, x="1"), "a.ok"),
            _claim(lambda ctx: Verdict.check(False, x="2"), "a.bad"),
            _claim(lambda ctx: 1 / 0, "a.err"),
            _claim(lambda ctx: Verdict.check(True, seed=str(ctx.seed)), "a.seed"),
            _claim(lambda ctx: Verdict.check(True, cores=str(default_workers())), "a.cores")]
    monkeypatch.setattr(report, "all_claims", lambda: fake)
    one = report.run_report(tmp_path / "one", quiet=True, seed=7)
    two = report.run_report(tmp_path / "two", quiet=True, seed=7, workers=2)
    strip = lambda rep: [{**c, "evidence": {k: v for k, v in c["evidence"].items() if k != "seconds"}}  # noqa: E731
                         for c in rep["claims"]]
    assert strip(one) == strip(two)
    assert [c["id"] for c in two["claims"]] == ["a.ok", "a.bad", "a.err", "a.seed", "a.cores"]
    assert two["claims"][3]["evidence"]["seed"] == "7"
    # Every claim runs on one core, with 1 worker as with 2: a claim's own pool would run in turn.
    assert one["claims"][4]["evidence"]["cores"] == two["claims"][4]["evidence"]["cores"] == "1"


def test_verify_schedule_groups_claims_sharing_a_cache_longest_first(tmp_path):
    from sorm.proofs_check.report import schedule

    ns = {"__name__": "fake_claims", "_CACHE": {}, "SCALE": 2}
    exec("def _runs():\n    return _CACHE\ndef _fmt(x):\n    return x * SCALE\n"
         "def a1(ctx):\n    return _runs(), _fmt(1)\ndef a2(ctx):\n    return _runs()\n"
         "def b1(ctx):\n    return _fmt(2)\ndef b2(ctx):\n    return _fmt(3)\ndef c1(ctx):\n    return None\n", ns)
    claims = [_claim(ns[f], i) for f, i in (("a1", "a.1"), ("b1", "b.1"), ("a2", "a.2"), ("c1", "c.1"), ("b2", "b.2"))]
    ids = lambda groups: [[c.id for c in g] for g in groups]  # noqa: E731
    # a.1 and a.2 share _runs's cache; _fmt keeps none. No earlier report, and the table of measured
    # seconds does not list these claims: each counts as its median, so the pair first, then reverse
    # registry order
    table = [["a.1", "a.2"], ["b.2"], ["c.1"], ["b.1"]]
    assert ids(schedule(claims, tmp_path, quick=True)) == table
    rec = {"summary": {"quick": True},
           "claims": [{"id": i, "evidence": {"seconds": s}} for i, s in
                      (("a.1", "3.00"), ("a.2", "4.00"), ("b.1", "1.00"), ("b.2", "0.50"), ("c.1", "9.00"))]}
    (tmp_path / "report.json").write_text(json.dumps(rec))
    assert ids(schedule(claims, tmp_path, quick=True)) == [["c.1"], ["a.1", "a.2"], ["b.1"], ["b.2"]]
    del rec["claims"][-1]  # a claim without a record counts as the median one (3.00 s)
    (tmp_path / "report.json").write_text(json.dumps(rec))
    assert ids(schedule(claims, tmp_path, quick=True)) == [["a.1", "a.2"], ["c.1"], ["b.1"], ["b.2"]]
    # a record of the other kind (full run) is not used
    assert ids(schedule(claims, tmp_path, quick=False)) == table


def test_verify_schedule_keeps_the_shared_runs_of_the_registry_together():
    from sorm.proofs_check.report import schedule

    groups = [sorted(c.id for c in g) for g in schedule(registry.all_claims(), Path("/nonexistent"), True)]
    for together in (["highdim.selfstab.near_2", "highdim.selfstab.z2_term"],
                     ["network.digits_eos", "network.matrix_free_exact", "network.second_order_model"],
                     ["eos.invariant_orders", "optimizers.sam_slopes"],  # a shared derivation (claims.cost.WARM_UP)
                     ["batch.mp_agreement", "phase.diagram", "sweep.converged_below_eos"]):
        assert together in groups


def test_verify_schedule_without_a_report_uses_the_measured_seconds():
    from sorm.proofs_check.claims.cost import SECONDS, WARM_UP
    from sorm.proofs_check.report import schedule

    ids = {c.id for c in registry.all_claims()}
    for table in (SECONDS, WARM_UP):
        assert set(table) <= ids, f"claims.cost lists claims no longer registered: {sorted(set(table) - ids)}"
    groups = schedule(registry.all_claims(), Path("/nonexistent"), False)
    cost = [sum(SECONDS.get(c.id, 0) for c in g) for g in groups]
    assert cost == sorted(cost, reverse=True)
    assert "network.digits_eos" in [c.id for c in groups[0]]


def test_verify_workers_write_the_same_report(tmp_path, capsys):
    from sorm.proofs_check import cli

    reps = []
    for w in ("1", "2"):
        assert cli.main(["verify", "--quick", "--only", "invariant", "--workers", w, "--out", str(tmp_path / w),
                         "--quiet", "--json"]) == 0
        rep = json.loads(capsys.readouterr().out)
        for c in rep["claims"]:
            c["evidence"].pop("seconds")
        rep["summary"].pop("seconds")
        rep.pop("files", None)  # the two output folders
        reps.append(rep)
    assert reps[0] == reps[1] and len(reps[0]["claims"]) >= 2
