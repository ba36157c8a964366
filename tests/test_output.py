"""Output files: atomic, with the user's umask; a path that cannot be written is one line and exit 2.

The table runs every command that writes against every kind of unwritable path: one line on stderr,
exit 2, no traceback, and nothing (not even a temporary file) left behind.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from sorm.proofs_check import cli
from sorm.proofs_check.output import OutputError, atomic_write, check_folder

MODEL = ["--omegas", "1,-1", "--z0", "0.01", "--J2", "1.215,0.795"]

#: Every command that writes, with its output option. ``{out}`` is the path under test.
WRITERS = {
    "verify": (["verify", "--quick", "--only", "gd.", "--quiet", "--out", "{out}"], "folder"),
    "sweep": (["sweep", *MODEL, "--eta-min", "0.5", "--eta-max", "2", "--eta-n", "4", "--steps", "50",
               "--quiet", "--out", "{out}"], "folder"),
    "plot": (["plot", *MODEL, "--float64", "--steps", "20", "--out", "{out}.png"], "file"),
    "simulate": (["simulate", *MODEL, "--float64", "--steps", "20", "--plot", "{out}.png"], "file"),
    "experiment-highdim": (["experiment", "highdim", "--seeds", "1", "--D", "4", "--p-ratio", "2", "--eps", "0.1",
                            "--steps", "20", "--quiet", "--out", "{out}"], "folder"),
    "experiment-highdim-scaling": (["experiment", "highdim", "--scaling", "--seeds", "1", "--D", "4", "--steps", "20",
                                    "--quiet", "--out", "{out}"], "folder"),
    "experiment-centralflow": (["experiment", "centralflow", "--D", "4", "--p-ratio", "2", "--steps", "20", "--quiet",
                                "--out", "{out}"], "folder"),
    "experiment-centralflow-planar": (["experiment", "centralflow", "--model", "planar", "--amplitudes", "0.04,0.02",
                                       "--quiet", "--out", "{out}"], "folder"),
    "experiment-network": (["experiment", "network", "--n", "10", "--widths", "2", "--steps", "10", "--seeds", "1",
                            "--quiet", "--out", "{out}"], "folder"),
    "derive": (["derive"], "checkout"),  # writes numerics/_derived.py and docs/derived.md under the checkout {out}
}


def _writer(command, out, monkeypatch):
    """The argv of ``command`` writing to ``out``; for derive, the checkout root is moved to ``out``."""
    if WRITERS[command][1] == "checkout":
        from sorm.proofs_check.commands import derive
        from sorm.theory import codegen

        monkeypatch.setattr(derive, "_find_checkout", lambda: Path(out))
        monkeypatch.setattr(codegen, "render", lambda: pytest.fail("derived before checking where to write"))
    return [a.replace("{out}", out) for a in WRITERS[command][0]]


def test_every_writing_command_is_in_the_table():
    """Each command and experiment with an output option (or, for derive, files of its own) is a row above."""
    from sorm.proofs_check.commands.experiment import EXPERIMENTS

    rows = {argv[0] if argv[0] != "experiment" else argv[1] for argv, _ in WRITERS.values()}
    assert rows == (set(cli.COMMANDS) - {"experiment", "predict", "certify"}) | set(EXPERIMENTS)
    for name in ("predict", "certify"):  # they write nothing: no output option
        opts = {a for act in _subparser(name)._actions for a in act.option_strings}
        assert not opts & {"--out", "--plot"}, name


def _subparser(name):
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return sub.choices[name]


def _file_in_the_way(tmp):
    (tmp / "afile").write_text("x")
    return str(tmp / "afile" / "out")


def _name_too_long(tmp):
    return str(tmp / ("x" * 300))


def _no_parent(tmp):  # /proc refuses new folders even for root
    return "/proc/sorm-missing-folder/out"


def _no_permission(tmp):  # /sys refuses new files even for root
    return "/sys/sorm-out"


def _a_folder_in_the_way(tmp):
    (tmp / "taken.png").mkdir()
    (tmp / "taken").mkdir()
    (tmp / "taken" / "report.json").mkdir()
    (tmp / "taken" / "sweep.csv").mkdir()
    (tmp / "taken" / "sweep.npz").mkdir()  # the default table
    (tmp / "taken" / "summary.json").mkdir()
    return str(tmp / "taken")


CASES = {
    "file-in-the-way": _file_in_the_way,
    "name-too-long": _name_too_long,
    "parent-cannot-be-created": _no_parent,
    "no-permission": _no_permission,
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("command", sorted(WRITERS))
def test_unwritable_output_is_one_line_exit_2(command, case, tmp_path, capsys, monkeypatch):
    if case in ("parent-cannot-be-created", "no-permission") and not Path("/proc/self").exists():
        pytest.skip("needs Linux /proc and /sys")
    monkeypatch.chdir(tmp_path)
    out = CASES[case](tmp_path)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    argv = _writer(command, out, monkeypatch)
    rc = cli.main(argv)
    cap = capsys.readouterr()
    assert rc == 2, cap
    assert len(cap.err.strip().splitlines()) == 1 and "cannot write" in cap.err and "Traceback" not in cap.err
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before, "something was written"


@pytest.mark.parametrize("command", sorted(set(WRITERS) - {"derive"}))
def test_a_folder_where_the_file_goes(command, tmp_path, capsys, monkeypatch):
    """An existing folder at an output file's path: one line, exit 2, checked before the run (no file written)."""
    monkeypatch.chdir(tmp_path)
    out = _a_folder_in_the_way(tmp_path)
    for name in ("eos_fraction.png", "eps_c_scaling.png", "centralflow.png", "planar_gap.png", "eta_ntk.png"):
        (tmp_path / "taken" / name).mkdir()
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert cli.main(_writer(command, out, monkeypatch)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "it is a folder" in err
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_verify_checks_its_folder_before_any_claim(tmp_path, capsys, monkeypatch):
    from sorm.proofs_check import report

    ran = []
    monkeypatch.setattr(report, "run_claim", lambda *a: ran.append(a))
    rc = cli.main(["verify", "--out", _file_in_the_way(tmp_path)])
    assert rc == 2 and ran == [] and "--out" in capsys.readouterr().err


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_files_get_the_users_umask(mask, mode, tmp_path):
    old = os.umask(mask)
    try:
        path = atomic_write(tmp_path / "a" / "x.txt", "hello\n")
    finally:
        os.umask(old)
    assert path.read_text() == "hello\n" and (path.stat().st_mode & 0o777) == mode


def test_atomic_write_replaces_and_leaves_no_temporary(tmp_path):
    p = tmp_path / "x.txt"
    atomic_write(p, "old")
    atomic_write(p, b"new")
    assert p.read_text() == "new" and sorted(x.name for x in tmp_path.iterdir()) == ["x.txt"]


def test_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    p = tmp_path / "x.txt"
    atomic_write(p, "old")

    def broken(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OutputError, match="no space left"):
        atomic_write(p, "new")
    assert p.read_text() == "old" and sorted(x.name for x in tmp_path.iterdir()) == ["x.txt"]


def test_check_folder_without_create_leaves_nothing(tmp_path):
    assert check_folder(tmp_path / "a" / "b", create=False) == tmp_path / "a" / "b"
    assert not (tmp_path / "a").exists()
    check_folder(tmp_path / "a" / "b")
    assert (tmp_path / "a" / "b").is_dir()


def test_title_with_dollars_is_shown_literally(tmp_path, capsys):
    out = tmp_path / "t.png"
    assert cli.main(["plot", *MODEL, "--float64", "--out", str(out), "--title", r"$\foo$ costs $5"]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG"


def _raise_memory_error(*a, **k):
    raise MemoryError


@pytest.mark.parametrize("argv, target, needles", [
    (["plot", *MODEL, "--float64", "--steps", "300", "--out", "{tmp}/p.png"], "sorm.proofs_check.commands._run.run_record",
     ["300", "--steps"]),
    (["simulate", *MODEL, "--max-steps", "700", "--plot", "{tmp}/s.png"], "sorm.proofs_check.commands._run.run_record",
     ["700", "--max-steps", "--dps"]),
    (["experiment", "highdim", "--D", "64", "--p-ratio", "16", "--quiet", "--out", "{tmp}/h"],
     "sorm.numerics.highdim.grid.phase_grid", ["--D 64", "--p-ratio 16"]),
    (["experiment", "centralflow", "--D", "64", "--quiet", "--out", "{tmp}/c"],
     "sorm.numerics.highdim.cfstudy.highdim_study", ["--D 64", "--p-ratio"]),
    (["experiment", "network", "--widths", "4096", "--n", "20", "--steps", "2", "--seeds", "1", "--quiet", "--out",
      "{tmp}/n"], "sorm.numerics.networks.experiment.run_seed", ["--widths 4096", "--n 20"]),
], ids=["plot", "simulate", "highdim", "centralflow", "network"])
def test_every_sized_run_names_its_size_when_out_of_memory(argv, target, needles, tmp_path, capsys, monkeypatch):
    """A MemoryError in a run the user sized is one line naming the size and the options to lower, exit 2."""
    monkeypatch.setattr(target, _raise_memory_error)
    rc = cli.main([a.replace("{tmp}", str(tmp_path)) for a in argv])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "out of memory" in err, err
    assert all(n in err for n in needles), err
    assert list(tmp_path.iterdir()) == []


def test_memory_error_names_the_size_and_the_option(tmp_path, capsys, monkeypatch):
    from sorm.numerics.engines import sweep

    def too_big(*a, **k):
        raise MemoryError

    monkeypatch.setattr(sweep, "sweep", too_big)
    rc = cli.main(["sweep", *MODEL, "--eta-min", "0.5", "--eta-max", "2", "--eta-n", "4000", "--vary", "z0",
                   "--from", "-1", "--to", "1", "--n", "3000", "--quiet", "--out", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "4000 x 3000" in err and "--eta-n" in err
    assert not (tmp_path / "s").exists()
