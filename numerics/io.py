"""Atomic output: a file is either absent, its old version, or complete.

Every writer goes through :func:`atomic_write` (a temporary file in the same
folder, then ``os.replace``), so an interrupt never leaves a half-written file.
"""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write", "write_json", "write_csv", "save_figure", "num"]


def atomic_write(path, data: str | bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def write_json(path, obj) -> Path:
    return atomic_write(path, json.dumps(obj, indent=2, default=str) + "\n")


def write_csv(path, header, rows) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return atomic_write(path, buf.getvalue())


def save_figure(fig, path, dpi: int = 120) -> Path:
    """Save a matplotlib figure as PNG atomically and close it."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return atomic_write(path, buf.getvalue())


def num(value, dps: int | None = None) -> str:
    """A number as a decimal string at full precision.

    mpf: ``dps`` significant digits (pass the working precision); float: repr,
    which round-trips; anything else: str.
    """
    import mpmath

    if isinstance(value, mpmath.mpf):
        return mpmath.nstr(value, dps or mpmath.mp.dps, min_fixed=-6, max_fixed=12)
    if isinstance(value, float):
        return repr(value)
    return str(value)
