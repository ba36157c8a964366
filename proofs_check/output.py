"""Output files: written atomically with the user's umask, or refused in one line.

Every writer goes through :func:`atomic_write`: the bytes go to a temporary file
in the target folder, which is then renamed over the target (``os.replace``), so
an interrupt never leaves a half-written file. The file gets the permissions a
plain ``open(path, "w")`` would give (0644 under the usual umask 022).

A path that cannot be written (a missing parent that cannot be created, a file
in the way, no permission, a name too long) raises :class:`OutputError`, an
:class:`InputError`, so the CLI prints one line and exits 2. Commands call
:func:`check_folder` or :func:`check_file` on their output paths before any long
computation, so a bad path is refused before the work starts.

numerics never writes files; theory never writes files; this module is the one
place that does.
"""
from __future__ import annotations

import csv
import errno
import io
import json
import os
import tempfile
from pathlib import Path

from ..numerics.validate import InputError

__all__ = ["OutputError", "atomic_write", "write_json", "write_csv", "save_figure", "check_folder",
           "check_file", "check_files", "num"]


class OutputError(InputError):
    """An output path that cannot be written (one line on the CLI, exit 2)."""


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _why(exc: OSError) -> str:
    reasons = {errno.EACCES: "permission denied", errno.EPERM: "permission denied",
               errno.ENAMETOOLONG: "name too long", errno.ENOTDIR: "a file is in the way",
               errno.EEXIST: "a file is in the way", errno.EISDIR: "it is a folder",
               errno.EROFS: "read-only file system", errno.ENOSPC: "no space left on the device",
               errno.ENOENT: "its folder cannot be created"}
    return reasons.get(exc.errno, exc.strerror or type(exc).__name__)


def _refuse(path, exc: OSError, option: str | None) -> OutputError:
    fix = f"pass another {option}" if option else "choose a writable path"
    return OutputError(f"cannot write {str(path)!r}: {_why(exc)}; {fix}")


def check_folder(folder, option: str | None = None, *, create: bool = True, _for=None) -> Path:
    """Make sure a file can be created in ``folder`` (creating missing folders); else OutputError.

    ``option`` names the CLI option that chose the folder (e.g. ``"--out"``) for the message.
    ``create=False`` removes again the folders it had to create: a check before a long run
    leaves nothing behind if the run then fails.
    """
    folder = Path(folder)
    made = []
    p = folder
    while not os.path.lexists(p) and p != p.parent:
        made.append(p)
        p = p.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not folder.is_dir():
            raise FileExistsError(errno.EEXIST, "a file is in the way", str(folder))
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".sorm-", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        _remove(made)
        raise _refuse(folder if _for is None else _for, exc, option) from None
    if not create:
        _remove(made)
    return folder


def _remove(folders) -> None:
    for p in folders:  # deepest first
        try:
            p.rmdir()
        except OSError:
            pass


def check_file(path, option: str | None = None, *, create: bool = True) -> Path:
    """Make sure the file ``path`` can be written (its folder checked, see :func:`check_folder`)."""
    path = Path(path)
    check_folder(path.parent, option, create=create, _for=path)
    try:
        limit = os.pathconf(path.parent if path.parent.exists() else "/", "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    if len(os.fsencode(path.name)) > limit:
        raise _refuse(path, OSError(errno.ENAMETOOLONG, "name too long"), option)
    if os.path.isdir(path):
        raise _refuse(path, OSError(errno.EISDIR, "is a directory"), option)
    return path


def check_files(paths, option: str | None = None) -> None:
    """:func:`check_file` on every file a command will write, creating nothing: a run whose last file
    could not be written would otherwise leave the first ones behind."""
    for path in paths:
        check_file(path, option, create=False)


def atomic_write(path, data: str | bytes, option: str | None = None) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file + rename), mode 0666 & ~umask."""
    path = Path(path)
    check_file(path, option)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".sorm-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o666 & ~_umask())
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise _refuse(path, exc, option) from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_json(path, obj, option: str | None = None) -> Path:
    """``obj`` as indented JSON."""
    return atomic_write(path, json.dumps(obj, indent=2, default=str) + "\n", option)


def write_csv(path, header, rows, option: str | None = None) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return atomic_write(path, buf.getvalue(), option)


def save_figure(fig, path, option: str | None = None, dpi: int = 120) -> Path:
    """Save a matplotlib figure as PNG atomically.

    A figure built on ``matplotlib.figure.Figure`` (every figure of proofs_check.figures) stays
    usable, so a notebook can still show it; one opened through pyplot is closed after saving,
    so long runs do not pile up open figures.
    """
    import sys

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(fig)
    return atomic_write(path, buf.getvalue(), option)


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
