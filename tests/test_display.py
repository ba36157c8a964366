"""Compact reprs of results: stated digits (not mpmath's global 15), short rationals, summarised arrays."""
from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import re
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction

import mpmath
import numpy as np
from hypothesis import example, given, strategies as st

import sorm.numerics
from sorm.numerics import from_state, gf_limit, predict_eos, sweep
from sorm.numerics.display import _decimal, compact_repr, format_value

EXAMPLE = from_state([1, -1], 0.01, [1.215, 0.795])


@given(st.fractions().filter(lambda x: x != 0), st.integers(1, 40))
@example(Fraction(99999999999999999, 10 ** 17), 17)   # rounds up to the next power of ten
@example(Fraction(5, 2), 1)                           # a tie: to even
@example(Fraction(-1, 3 ** 200), 17)
def test_decimal_is_correctly_rounded(x, digits):
    """_decimal agrees with decimal's correctly rounded division, independently computed."""
    ctx = Context(prec=digits, rounding=ROUND_HALF_EVEN, Emax=10 ** 6, Emin=-10 ** 6)
    expected = ctx.divide(Decimal(x.numerator), Decimal(x.denominator))
    text = _decimal(x, digits)
    assert Decimal(text) == expected
    significant = text.lstrip("-").split("e")[0].replace(".", "").strip("0")
    assert 1 <= len(significant) <= digits


def test_problem_repr_is_exact_and_short():
    assert repr(EXAMPLE) == "Problem(omegas=(1, -1), E=1/5, eta=1, z0=1/100, J2=(243/200, 159/200), theta0=None)"


def test_giant_fraction_is_a_short_decimal():
    x = Fraction(2, 3) + Fraction(1, 3 ** 300)
    text = format_value(x)
    assert text == "≈0.66666666666666667" and len(text) < 25


def test_mpf_shows_the_agreed_digits():
    """gf_limit reruns at doubled precision; its repr shows exactly the agreed digits of ηλ_GF."""
    res = gf_limit(from_state([1, -1], "0.02", "1.1,0.9"), dps=30)
    line = next(p for p in repr(res).split("\n") if p.strip().startswith("eta_ntk="))
    shown = line.split("=", 1)[1].rstrip(",")
    assert len(shown.replace(".", "").lstrip("0")) == res.agreed_digits
    p, q = mpmath.libmp.to_rational(res.eta_ntk._mpf_)
    assert abs(Fraction(shown) - Fraction(int(p), int(q))) <= Fraction(1, 2) * Fraction(10) ** (1 - res.agreed_digits)
    assert "mpf(" not in repr(res)
    # fewer agreed digits than the working precision; x_inf has its own
    fewer = dataclasses.replace(res, agreed_digits=12, x_agreed_digits=7)
    assert "eta_ntk=1.99639675415," in repr(fewer) and "x_inf=0.01000935," in repr(fewer)


def test_mpf_digits_follow_the_working_precision():
    res = predict_eos(EXAMPLE, order=5, dps=40)
    text = repr(res)
    # the prediction only to the 8 digits its estimated error (3.0e-8) leaves, not the 40 of the series root
    assert "eta_ntk=1.9848148," in text and "error_estimate=3.1e-8," in text and "digits=8," in text
    assert "leading=1.984900331129458500605526630386107765884," in text  # 40 digits, not 15
    assert "k=96/25" in text and "EOSStatus.OK" in text


def test_arrays_are_summarised():
    s = sweep(EXAMPLE, eta_min=0.1, eta_max=3, n_eta=200, vary="z0", vary_from=-1, vary_to=1, n_vary=50)
    text = repr(s)
    assert len(text) < 2000 and "float64[10000]" in text and "float64[200]" in text
    assert len(re.findall(r"\d+\.\d+", text)) < 60  # ranges only, never the 10⁴ values
    assert format_value(np.arange(3.0)) == "array([0.0, 1.0, 2.0])"
    assert format_value(np.array([1.0, np.nan, np.inf])) == "array([1.0, nan, inf])"
    assert format_value(np.array([[1.0, np.nan], [2.0, 3.0]])) == "array(float64[2×2], 1..3, 1 non-finite)"


def test_long_sequences_are_summarised():
    assert format_value(tuple(range(100))) == "(0, 1, …, 99) (100 items)"
    assert format_value([Fraction(1, 2)]) == "[1/2]"


def test_every_numerics_result_uses_the_compact_repr():
    """Every dataclass of sorm.numerics prints through compact_repr (no mpf('…'), Fraction(…) or full arrays)."""
    missing = []
    for m in pkgutil.walk_packages(sorm.numerics.__path__, "sorm.numerics."):
        mod = importlib.import_module(m.name)
        for obj in vars(mod).values():
            if (isinstance(obj, type) and dataclasses.is_dataclass(obj) and obj.__module__ == m.name
                    and obj.__repr__ is not compact_repr):
                missing.append(f"{m.name}.{obj.__name__}")
    assert not missing, missing


def test_claim_outcomes_are_short():
    """A claim's outcome names the claim, its status and the evidence keys; the evidence itself is in the report."""
    from pathlib import Path

    from sorm.proofs_check import Context, all_claims, run_claim

    c = next(c for c in all_claims() if c.id == "gd.map")
    out = run_claim(c, Context(Path("unused"), quick=True))
    text = " ".join(repr(out).split()).replace("( ", "(")
    assert text.startswith("Outcome(claim='gd.map', status=Status.VERIFIED, evidence={residual,") and len(text) < 250
    assert repr(c) == f"Claim(id='gd.map', method=Method.{c.method.name}, source={c.source!r})"
