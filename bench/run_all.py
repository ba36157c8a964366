"""Run every benchmark in bench/ and assemble BENCHMARKS.md from their sections.

Each ``bench/bench_<topic>.py`` has ``main() -> str`` returning a Markdown
section with its measurements as ratios against a baseline timed in the same
run. Usage: ``python bench/run_all.py [topic ...]``.
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


def main(topics: list[str]) -> None:
    files = sorted(HERE.glob("bench_*.py"))
    if topics:
        files = [f for f in files if f.stem.removeprefix("bench_") in topics]
    sections = []
    for f in files:
        t0 = time.perf_counter()
        print(f"running {f.name} ...", file=sys.stderr, flush=True)
        sections.append(_load(f).main().strip())
        print(f"  {f.name}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    head = [
        "# Benchmarks",
        "",
        "Every speed claim is a ratio against a baseline timed in the same run, because these",
        "machines are noisy. Regenerate with `python bench/run_all.py`.",
        "",
        f"Measured on {time.strftime('%Y-%m-%d')}: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}.",
        "",
    ]
    atomic_write(HERE.parent / "BENCHMARKS.md", "\n".join(head) + "\n" + "\n\n".join(sections) + "\n")
    print("wrote BENCHMARKS.md", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
