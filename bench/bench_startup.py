"""Benchmark: start-up time of `sorm --help` against `python -c "import numpy"`.

Target: `sorm --help` takes at most 2x the time of starting Python and importing numpy,
both timed in the same run, interleaved, as the median of many fresh processes. `import sorm`
and the help text import no engine and no third-party package (tests/test_api.py checks the
module list); this measures what that buys. `python -c pass` is reported as the floor.
"""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPEATS = 25


def _help_command() -> list[str]:
    script = shutil.which("sorm", path=str(Path(sys.executable).parent))
    if script:  # the console script a user runs
        return [sys.executable, script, "--help"]
    return [sys.executable, "-c", "import sys; from sorm.proofs_check.cli import main; sys.exit(main(['--help']))"]


def _time(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> str:
    cases = {
        "sorm --help": _help_command(),
        'python -c "import numpy"': [sys.executable, "-c", "import numpy"],
        'python -c "import sorm"': [sys.executable, "-c", "import sorm"],
        'python -c "pass"': [sys.executable, "-c", "pass"],
    }
    for cmd in cases.values():  # warm the file cache and the bytecode
        _time(cmd)
    times = {name: [] for name in cases}
    for _ in range(REPEATS):
        for name, cmd in cases.items():
            times[name].append(_time(cmd))
    med = {name: statistics.median(ts) for name, ts in times.items()}
    iqr = {name: statistics.quantiles(ts, n=4) for name, ts in times.items()}
    ratio = med["sorm --help"] / med['python -c "import numpy"']
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = ["## startup", "",
             f"Start-up of the command line, measured on {time.strftime('%Y-%m-%d')}: {REPEATS} fresh "
             f"processes per command, interleaved, medians "
             f"(interquartile range in brackets). Load average during the run: {load} on {os.cpu_count()} cores.",
             "",
             "| measurement | value | target | met? |", "|---|---|---|---|",
             f"| `sorm --help` / `python -c \"import numpy\"` | {ratio:.2f}x | <= 2 | {'yes' if ratio <= 2 else 'NO'} |"]
    for name in cases:
        q1, _, q3 = iqr[name]
        lines.append(f"| {name} | {med[name] * 1e3:.0f} ms ({q1 * 1e3:.0f}–{q3 * 1e3:.0f}) | | |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(main())
