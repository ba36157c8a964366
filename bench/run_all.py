"""Run every benchmark in bench/ and assemble BENCHMARKS.md from their sections.

Each ``bench/bench_<topic>.py`` has ``main() -> str`` returning a Markdown
section with its measurements as ratios against a baseline timed in the same
run. Usage: ``python bench/run_all.py [topic ...]``; with topics, only their
sections of BENCHMARKS.md are replaced and the others are kept.
"""
from __future__ import annotations

import importlib.util
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from sorm.proofs_check.output import atomic_write  # noqa: E402


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = mod  # so that worker processes can pickle its functions
    spec.loader.exec_module(mod)
    return mod


def _kept_sections() -> dict[str, str]:
    """The sections of the current BENCHMARKS.md, in order, keyed by their "## ..." heading line."""
    path = HERE.parent / "BENCHMARKS.md"
    if not path.exists():
        return {}
    parts = path.read_text(encoding="utf-8").split("\n## ")[1:]
    return {("## " + p).split("\n", 1)[0]: ("## " + p).strip() for p in parts}


def _dated(section: str) -> str:
    """The section with a line, under its heading, saying when and on what it was measured."""
    heading, rest = section.split("\n", 1)
    stamp = (f"Measured on {time.strftime('%Y-%m-%d')}: {platform.machine()}, {os.cpu_count()} cores, "
             f"Python {platform.python_version()}.")
    return f"{heading}\n\n{stamp}\n{rest}"


def main(topics: list[str]) -> None:
    files = sorted(HERE.glob("bench_*.py"))
    known = [f.stem.removeprefix("bench_") for f in files]
    unknown = [t for t in topics if t not in known]
    if unknown:
        print(f"run_all.py: error: topic {unknown[0]!r} is not a benchmark; pass some of {', '.join(known)} "
              f"(or none, for all)", file=sys.stderr)
        sys.exit(2)
    if topics:
        files = [f for f in files if f.stem.removeprefix("bench_") in topics]
    sections = _kept_sections() if topics else {}
    for f in files:
        t0 = time.perf_counter()
        print(f"running {f.name} ...", file=sys.stderr, flush=True)
        section = _dated(_load(f).main().strip())
        sections[section.split("\n", 1)[0]] = section  # keyed by its "## ..." heading
        print(f"  {f.name}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    head = [
        "# Benchmarks",
        "",
        "Every speed claim is a ratio against a baseline timed in the same run, because these",
        "machines are noisy. Regenerate with `python bench/run_all.py [topic ...]`; each section says",
        "when it was measured (one without that line was measured before the line was added; its own",
        "text may say when).",
        "",
    ]
    path = HERE.parent / "BENCHMARKS.md"
    atomic_write(path, "\n".join(head) + "\n" + "\n\n".join(sections.values()) + "\n")
    print("wrote BENCHMARKS.md", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
