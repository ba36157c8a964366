"""Run the claims registry and write the verification report.

The report folder gets ``report.json`` (machine-readable), ``report.md`` (a
table, each claim's evidence and its figures embedded) and the PNGs the checks
made. Every file is written atomically.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from .output import atomic_write, write_json

from .registry import Context, Outcome, Status, all_claims, run_claim

__all__ = ["run_report", "schedule", "summary_table"]


def _progress(items, quiet: bool):
    from tqdm import tqdm

    return tqdm(items, desc="claims", unit="claim", file=sys.stderr,
                disable=quiet or not sys.stderr.isatty(), leave=False)


def run_report(outdir: Path, *, quick: bool = False, seed: int = 0, only: str | None = None,
               quiet: bool = False, workers: int = 1) -> dict:
    """Run every claim (or those whose id starts with ``only``); write and return the report.

    ``workers`` > 1 runs the claims in that many processes. Each process (this one
    when ``workers`` is 1 or one claim is asked for) runs on one core: one thread in
    every native library and no pool of its own (``numerics.parallel.one_core``).
    The claims are independent, so the report is the same, in the same order,
    except for the timings. Claims that share a module's cached runs go
    to one process, and the longest groups start first (:func:`schedule`).
    """
    outdir = Path(outdir)
    ctx = Context(outdir=outdir, quick=quick, seed=seed)
    claims = [c for c in all_claims() if only is None or c.id.startswith(only)]
    if not claims:
        from ..numerics.validate import InputError

        raise InputError(f"only={only!r}: no claim id starts with it; pass a prefix such as eos or gd.map "
                         f"(sorm verify --json lists the ids)")
    t0 = time.perf_counter()
    outcomes: list[Outcome] = []
    if workers > 1 and len(claims) > 1:
        from ..numerics.parallel import map_runs

        groups = schedule(claims, outdir, quick)
        done = map_runs(_check, [([c.id for c in g], ctx) for g in groups], workers=workers, progress=not quiet,
                        desc="claim groups")
        got = {c.id: r for g, rs in zip(groups, done) for c, r in zip(g, rs)}
        outcomes = [Outcome(c, *got[c.id]) for c in claims]
    else:
        from ..numerics.parallel import one_core

        bar = _progress(claims, quiet)
        # One core, as each worker above: the claims' matrices are small, and two BLAS threads fighting
        # for 2 cores made the high-D checks 2-5x slower. Results do not depend on the thread count.
        with one_core():
            for c in bar:
                bar.set_postfix_str(c.id)
                outcomes.append(run_claim(c, ctx))
    counts = {s.value: sum(o.verdict.status is s for o in outcomes) for s in Status}
    report = {
        "claims": [o.to_json() for o in outcomes],
        "summary": {**counts, "seconds": round(time.perf_counter() - t0, 1), "quick": quick, "seed": seed},
    }
    report["files"] = [str(outdir / "report.json"), str(outdir / "report.md")]
    write_json(outdir / "report.json", report, "--out")
    atomic_write(outdir / "report.md", _markdown(report, outdir), "--out")
    return report


def schedule(claims, outdir: Path, quick: bool) -> list[list]:
    """The claims in groups that run in one process each, the longest-running group first.

    Claims share a group when their checks call one function of their module that
    keeps a cache (reads a module-level dict): they share its runs, which one
    process then computes once. So do claims that name the same set-up in
    :data:`.claims.cost.WARM_UP` (a cached derivation, jax's start-up). Every other
    claim is a group of its own. A group's duration is the sum of its claims'
    seconds recorded in the report already in ``outdir`` (from a run of the same
    kind, quick or full), else in the table :data:`.claims.cost.SECONDS` measured
    once; a claim without a record counts as the median recorded one, and groups of
    equal duration go in reverse registry order. Longest first keeps a long group
    from starting last while the other processes sit idle.
    """
    from .claims.cost import SECONDS, WARM_UP

    groups: list[list] = []
    owner: dict[tuple, list] = {}
    for c in claims:
        keys = _caches(c.check) | ({("warm-up", WARM_UP[c.id])} if c.id in WARM_UP else set())
        mine = next((owner[k] for k in keys if k in owner), None)
        if mine is None:
            mine = []
            groups.append(mine)
        mine.append(c)
        for k in keys:
            owner.setdefault(k, mine)
    recorded = _recorded_seconds(outdir / "report.json", quick) or SECONDS
    typical = sorted(recorded.values())[len(recorded) // 2]
    return sorted(groups[::-1], key=lambda g: -sum(recorded.get(c.id, typical) for c in g))


def _caches(fn) -> set[tuple[str, str]]:
    """(module, name) of the functions of ``fn``'s module that ``fn`` calls and that read a module-level dict."""
    code, g = getattr(fn, "__code__", None), getattr(fn, "__globals__", {})
    if code is None:
        return set()
    out = set()
    for name in code.co_names:
        h = g.get(name)
        if getattr(h, "__module__", None) == fn.__module__ and hasattr(h, "__code__") \
                and any(isinstance(g.get(n), dict) for n in h.__code__.co_names):
            out.add((fn.__module__, name))
    return out


def _recorded_seconds(path: Path, quick: bool) -> dict[str, float]:
    """Seconds per claim id from an earlier report.json of the same kind ({} when there is none to read)."""
    try:
        rep = json.loads(path.read_text(encoding="utf-8"))
        if rep["summary"]["quick"] != quick:
            return {}
        return {c["id"]: float(c["evidence"]["seconds"]) for c in rep["claims"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _check(item):
    """[(verdict, seconds)] of claims run in turn, by id (module level, so a worker process can run it)."""
    ids, ctx = item
    by_id = {c.id: c for c in all_claims()}
    return [(o.verdict, o.seconds) for o in (run_claim(by_id[i], ctx) for i in ids)]


def summary_table(report: dict) -> str:
    rows = [(c["id"], c["status"], c["method"], c["source"]) for c in report["claims"]]
    widths = [max(len(r[k]) for r in rows + [("claim", "status", "method", "source")]) for k in range(4)]
    line = lambda r: "  ".join(s.ljust(w) for s, w in zip(r, widths)).rstrip()  # noqa: E731
    out = [line(("claim", "status", "method", "source")), line(tuple("-" * w for w in widths))]
    out += [line(r) for r in rows]
    s = report["summary"]
    out.append(f"\n{s['verified']} verified, {s['failed']} failed, {s['error']} error in {s['seconds']} s")
    return "\n".join(out)


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _markdown(report: dict, outdir: Path) -> str:
    s = report["summary"]
    out = [
        "# sorm verification report",
        "",
        f"{s['verified']} verified, {s['failed']} failed, {s['error']} error "
        f"({'quick' if s['quick'] else 'full'} run, seed {s['seed']}, {s['seconds']} s).",
        "",
        "Source says where a claim comes from: a section of Agarwala, Pedregosa and Pennington (ICML 2023), "
        "or *derived here* for results this project derived and checks itself.",
        "",
        "| claim | statement | source | method | status |",
        "|---|---|---|---|---|",
    ]
    for c in report["claims"]:
        out.append(f"| `{c['id']}` | {_cell(c['statement'])} | {_cell(c['source'])} | {c['method']} | "
                   f"**{c['status']}** |")
    out += ["", "## Evidence", ""]
    for c in report["claims"]:
        ev = dict(c["evidence"])
        figs = ev.pop("figures", [])
        out += [f"### `{c['id']}`: {c['status']}", "", c["statement"], "", "```json",
                json.dumps(ev, indent=1, default=str), "```", ""]
        for f in figs:
            rel = Path(f).resolve()
            try:
                rel = rel.relative_to(outdir.resolve())
            except ValueError:
                pass
            out += [f"![{c['id']}]({rel})", ""]
    return "\n".join(out)
