"""A table of columns written to one file: npz, parquet, csv or json, column by column.

The columns are numpy arrays of equal length: float64, integers, and the
``class`` column of :class:`TrajectoryClass` codes. Each format keeps every
float64 exactly:

- ``npz``: one array per column, plus ``class_names`` (the name of each code), as
  ``numpy.load`` reads it (see :func:`_npz`);
- ``parquet`` (needs pyarrow): one column each, ``class`` as a dictionary of names;
- ``csv``: a header, then rows; floats as their shortest round-trip decimal
  (``repr``, so ±inf as ``inf``/``-inf``), ``class`` as its name, an empty cell
  where a float is NaN;
- ``json``: ``{"columns": [names], "data": {name: [values]}}``, floats as JSON
  numbers, ``class`` as names, ``null`` where a float is NaN or infinite.

The file is written to a temporary file in the target folder and renamed over
the target, so it is never left half-written; text formats are produced a slice
of rows at a time, so the whole text is never held in memory.
"""
from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from ..numerics.engines.classes import TrajectoryClass
from .output import OutputError, check_file

__all__ = ["FORMATS", "check_format", "write_table"]

FORMATS = ("npz", "parquet", "csv", "json")
#: Rows formatted at a time in the text formats.
SLICE = 8192
_NAMES = np.array([c.name for c in sorted(TrajectoryClass, key=int)])


def check_format(fmt: str) -> None:
    """A format :func:`write_table` can write here (parquet needs pyarrow), or a one-line OutputError.

    A command calls it before its runs, so a format it cannot write costs nothing."""
    if fmt not in FORMATS:
        raise OutputError(f"format={fmt!r}: expected one of {', '.join(FORMATS)}; pass --format csv")
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise OutputError("--format parquet needs pyarrow, which is not installed; pip install pyarrow, "
                              "or pass --format npz") from None


def write_table(path, columns: dict[str, np.ndarray], fmt: str, option: str | None = None) -> Path:
    """Write ``columns`` to ``path`` in format ``fmt`` (one of :data:`FORMATS`); return the path."""
    check_format(fmt)
    path = check_file(path, option)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".sorm-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            mask = os.umask(0o022)
            os.umask(mask)
            os.fchmod(fh.fileno(), 0o666 & ~mask)
            _WRITERS[fmt](fh, columns)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise OutputError(f"cannot write {str(path)!r}: {exc.strerror or exc}; pass another {option or 'path'}") \
            from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _npz(fh, columns):
    """The columns as an npz: a zip of one ``.npy`` member per column (and ``class_names``), stored.

    The same file ``numpy.savez`` writes (zipfile, ZIP64 members, the fixed date 1980-01-01), except that
    each array's bytes go to the zip straight from the array, where savez copies them through a buffer.
    """
    with zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, col in {**columns, "class_names": _NAMES}.items():
            a = np.ascontiguousarray(col)
            with zf.open(name + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array_header_1_0(member, np.lib.format.header_data_from_array_1_0(a))
                member.write(a.reshape(-1).view(np.uint8))


def _parquet(fh, columns):
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = {}
    for name, col in columns.items():
        if name == "class":
            arrays[name] = pa.DictionaryArray.from_arrays(pa.array(col), pa.array(_NAMES))
        else:
            arrays[name] = pa.array(col)
    pq.write_table(pa.table(arrays), fh)


def _cells(name, col, lo, hi, missing, nonfinite):
    """The cells of rows lo..hi of one column, as strings.

    A float column that repeats values (η and the varied value of a grid) is
    formatted once per distinct bit pattern (so -0.0 stays apart from 0.0).
    """
    part = col[lo:hi]
    if name == "class":
        return _NAMES[part].tolist()
    if part.dtype.kind in "iu":
        return list(map(str, part.tolist()))
    bits, inv = np.unique(part.view(np.int64), return_inverse=True)
    if 4 * bits.size <= part.size:
        return np.array(_float_cells(bits.view(np.float64), missing, nonfinite), dtype=object)[inv].tolist()
    return _float_cells(part, missing, nonfinite)


def _float_cells(part, missing, nonfinite):
    cells = list(map(repr, part.tolist()))
    bad = np.flatnonzero(~np.isfinite(part))
    for k in bad:
        cells[k] = missing if np.isnan(part[k]) else (nonfinite or cells[k])
    return cells


def _csv(fh, columns):
    names = list(columns)
    n = len(next(iter(columns.values())))
    fh.write((",".join(names) + "\n").encode())
    for lo in range(0, n, SLICE):
        hi = min(lo + SLICE, n)
        cells = [_cells(k, columns[k], lo, hi, "", None) for k in names]  # ±inf stays "inf", "-inf"
        fh.write(("\n".join(map(",".join, zip(*cells))) + "\n").encode())


def _json(fh, columns):
    names = list(columns)
    n = len(next(iter(columns.values())))
    fh.write(('{"columns": ' + json.dumps(names) + ', "data": {').encode())
    for i, name in enumerate(names):
        fh.write(((", " if i else "") + json.dumps(name) + ": [").encode())
        for lo in range(0, n, SLICE):
            hi = min(lo + SLICE, n)
            cells = _cells(name, columns[name], lo, hi, "null", "null")
            if name == "class":
                cells = [f'"{c}"' for c in cells]
            fh.write(((", " if lo else "") + ", ".join(cells)).encode())
        fh.write(b"]")
    fh.write(b"}}\n")


_WRITERS = {"npz": _npz, "parquet": _parquet, "csv": _csv, "json": _json}
