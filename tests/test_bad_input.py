"""Bad input (issue 2, point 6): one table, the API raises InputError naming `name=value` and the fix,
and the CLI prints one line and exits with code 2.

Other owners add the cases of their own commands in their own test files.
"""
from __future__ import annotations

from fractions import Fraction

import pytest

from sorm.numerics.problem import from_state, from_theta, reduced_2d
from sorm.numerics.validate import InputError
from sorm.proofs_check import cli

M = ["--E", "0.1", "--theta0"]

# id: (API call, CLI argv, fragment naming the argument and its value)
CASES = {
    "omegas-empty": (lambda: from_theta([], 0, [], 1),
                     ["predict", "--omegas=", "--z0", "0", "--J2="], "omegas="),
    "omegas-empty-string": (lambda: from_state("", 0, "", 1),
                            ["simulate", "--omegas", ",", "--z0", "0", "--J2", "1"], "omegas="),
    "omegas-nan": (lambda: from_theta([float("nan")], 0, [1], 1),
                   ["predict", "--omegas", "nan", *M, "1"], "omegas[0]="),
    "omegas-inf": (lambda: from_theta("1,inf", 0, "1,1", 1),
                   ["simulate", "--omegas", "1,inf", *M, "1,1"], "omegas[1]='inf'"),
    "omegas-minus-inf": (lambda: from_state([1, float("-inf")], 0, [1, 1]),
                         ["predict", "--omegas", "1,-inf", "--z0", "0", "--J2", "1,1"], "omegas[1]="),
    "omegas-not-a-number": (lambda: from_theta("1,abc", 0, "1,1", 1),
                            ["predict", "--omegas", "1,abc", *M, "1,1"], "omegas[1]='abc'"),
    "theta-too-short": (lambda: from_theta([1, -1], 0, [1], 1),
                        ["predict", "--omegas", "1,-1", *M, "1"], "theta0="),
    "theta-too-long": (lambda: from_theta([1], 0, [1, 2], 1),
                       ["simulate", "--omegas", "1", *M, "1,2"], "theta0="),
    "eta-zero": (lambda: from_theta([1, -1], 0, [1, 1], 0),
                 ["predict", "--omegas", "1,-1", *M, "1,1", "--eta", "0"], "eta="),
    "eta-negative": (lambda: from_state([1, -1], 0, [1, 1], "-0.5"),
                     ["simulate", "--omegas", "1,-1", "--z0", "0", "--J2", "1,1", "--eta=-0.5"], "eta="),
    "eta-nan": (lambda: from_theta([1, -1], 0, [1, 1], float("nan")),
                ["predict", "--omegas", "1,-1", *M, "1,1", "--eta", "nan"], "eta="),
    "J2-negative": (lambda: from_state([1, -1], 0, [1, -1]),
                    ["predict", "--omegas", "1,-1", "--z0", "0", "--J2", "1,-1"], "J2[1]="),
    "J2-negative-first": (lambda: from_state([2], 0, [Fraction(-1, 4)]),
                          ["simulate", "--omegas", "2", "--z0", "0", "--J2=-0.25"], "J2[0]="),
    "reduce-2d-zero-omega": (lambda: reduced_2d(from_theta([1, 0], "0.1", [1, 1], 1)),
                             ["predict", "--method", "eos", "--omegas", "1,0", *M, "1,1"], "omegas="),
    "reduce-2d-equal-omegas": (lambda: reduced_2d(from_theta([1, 1], "0.1", [1, 1], 1)),
                               ["predict", "--method", "eos", "--omegas", "1,1", *M, "1,1"], "omegas="),
    "reduce-2d-wrong-P": (lambda: reduced_2d(from_theta([1, -1, 2], "0.1", [1, 1, 1], 1)),
                          ["predict", "--method", "eos", "--omegas", "1,-1,2", *M, "1,1,1"], "omegas"),
}

FIX_WORDS = ("pass", "give")


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_api_raises_input_error_with_name_value_and_fix(case):
    call, _, fragment = CASES[case]
    with pytest.raises(InputError) as exc:
        call()
    msg = str(exc.value)
    assert fragment in msg, msg
    assert any(w in msg for w in FIX_WORDS), f"no fix in: {msg}"
    assert "\n" not in msg


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_cli_prints_one_line_and_exits_2(case, capsys):
    _, argv, fragment = CASES[case]
    assert cli.main(argv) == 2
    out = capsys.readouterr()
    lines = out.err.strip().splitlines()
    assert len(lines) == 1, out.err
    assert lines[0].startswith(f"sorm {argv[0]}: error: ") and fragment in lines[0]
    assert "Traceback" not in out.err and out.out == ""
