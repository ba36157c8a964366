"""The CLI shell: one-line errors with exit code 2, and the derived files are fresh."""
from __future__ import annotations

import pytest

from proofs_check import cli


def test_every_command_has_help(capsys):
    for name in cli.COMMANDS:
        with pytest.raises(SystemExit) as exc:
            cli.main([name, "--help"])
        assert exc.value.code == 0
        assert "usage" in capsys.readouterr().out


def test_unknown_option_is_one_line(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["verify", "--no-such-option"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--no-such-option" in err


def test_python_dash_m_runs_verify_subset(tmp_path):
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "proofs_check", "--only", "gd.map", "--out", str(tmp_path), "--quiet"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "1 verified" in r.stdout
    assert (tmp_path / "report.json").exists()
