"""numerics.engines.gd_result: the digits a GD record shows, and its repr, on hand-made records."""
from __future__ import annotations

import dataclasses

import mpmath
import pytest

from sorm.numerics.engines.gd_result import GDResult, GDStatus, agreed_digits

mp = mpmath.mpf


def _record(**changes) -> GDResult:
    """z = 0 with a bound (no digit; binary bounds, exact at any precision), J² = (1.25, 0) (the second without a digit), ηλ = 2.5 to 12 digits."""
    rec = GDResult(z=mp(0), J2=(mp("1.25"), mp(0)), ntk=mp("1.25"), eta_ntk=mp("2.5"), steps=7,
                   status=GDStatus.CONVERGED, dps=20, agreed_digits=None,
                   trajectory=((mp(1), mp(2), mp(3)), (mp(0), mp(0), mp(0))), method="mpmath", work_bits=80,
                   tol=mp(2) ** -50, error={"z": mp(2) ** -68, "J2": (mp(2) ** -40, mp(2) ** -69),
                                              "ntk": mp(2) ** -40, "eta_ntk": mp(2) ** -39},
                   limit_error=mp(2) ** -41)
    return dataclasses.replace(rec, **changes)


def _checked(rec: GDResult, agreed: dict) -> GDResult:
    return dataclasses.replace(rec, agreed=agreed, agreed_digits=agreed["eta_ntk"])


def test_shown_takes_the_fewer_digits_of_the_bound_and_the_rerun():
    """Each value shows the digits both its bound and the rerun vouch for: the bound's 12 where the rerun agreed
    on 20, the rerun's count where it agreed on fewer (5 of J²[0], 7 of ηλ), and the limit no more than ηλ."""
    rec = _checked(_record(), {"z": 20, "J2": (5, 20), "ntk": 20, "eta_ntk": 7})
    assert rec.shown() == {"z": (None, 0), "J2": [("1.2500", 5), (None, 0)], "ntk": ("1.25000000000", 12),
                           "eta_ntk": ("2.500000", 7)}
    assert rec.limit_shown() == ("2.500000", 7)
    # the bound alone allows one more digit than this agreement: 1.0000000000|3 with |x − ref| = 3.2e-11
    one = _checked(_record(eta_ntk=mp("1.00000000003"), error={**_record().error, "eta_ntk": mp("3.2e-11")},
                           limit_error=mp(0)),
                   {"z": 20, "J2": (20, 20), "ntk": 20, "eta_ntk": agreed_digits(mp("1.00000000003"), mp("1.0"), 20)})
    assert one.agreed["eta_ntk"] == 10 and one.shown()["eta_ntk"] == ("1.000000000", 10)
    assert one.shown(unchecked=True)["eta_ntk"] == ("1.000000000", 10)
    assert one.limit_shown() == ("1.000000000", 10)


def test_unchecked_records_show_no_digit_unless_asked():
    rec = _record()
    assert rec.shown() == {"z": (None, 0), "J2": [(None, 0), (None, 0)], "ntk": (None, 0), "eta_ntk": (None, 0)}
    assert rec.shown(unchecked=True)["eta_ntk"] == ("2.50000000000", 12)
    assert rec.limit_shown() == (None, 0)  # the limit is no better than its unchecked value
    assert _record(limit_error=None).limit_shown() is None


@pytest.mark.parametrize("checked", [False, True], ids=["unchecked", "checked"])
def test_repr_shows_true_digits_bounds_and_a_trajectory_summary(checked):
    rec = _checked(_record(), {"z": 20, "J2": (5, 20), "ntk": 20, "eta_ntk": 7}) if checked else _record()
    mark = "" if checked else " (unchecked)"
    J2, eta_ntk = ("1.2500", "2.500000") if checked else ("1.25000000000", "2.50000000000")
    assert repr(rec) == (
        "GDResult(\n"
        f"    z=|z| < 3.4e-21{mark},\n"
        f"    J2=({J2}, |J2[1]| < 1.7e-21){mark},\n"
        f"    ntk=1.25000000000{mark},\n"
        f"    eta_ntk={eta_ntk}{mark},\n"
        "    steps=7,\n"
        "    status=GDStatus.CONVERGED,\n"
        "    dps=20,\n"
        f"    agreed_digits={7 if checked else None},\n"
        "    trajectory=<(eta_ntk_t, z_t) for t = 0..2>,\n"
        "    method='mpmath',\n"
        "    work_bits=80,\n"
        "    tol=8.8817841970012523e-16,\n"
        "    limit_error=4.6e-13,\n"
        ")")
    bare = repr(dataclasses.replace(rec, trajectory=None, limit_error=None))
    assert "    trajectory=None,\n" in bare and "    limit_error=None,\n" in bare


@pytest.mark.parametrize("x, y, dps, want", [
    ("1.2345", "1.2345", 30, 30),            # equal: every digit
    ("1.00000000003", "1", 30, 10),          # relative to |y|
    ("1", "2", 30, 0),                       # not even the first digit
    ("1e-40", "0", 30, 0),                   # y = 0 ≠ x: no digit (an absolute floor 10^-dps counted 10)
    ("3.0000006e-35", "3e-35", 30, 6),       # |y| below 10^-dps: still relative to |y| (the floor counted 10)
], ids=["equal", "ten", "none", "y=0", "tiny-y"])
def test_agreed_digits_counts_relative_to_y(x, y, dps, want):
    assert agreed_digits(mp(x), mp(y), dps) == want


def test_agreed_digits_just_above_a_power_of_ten_floors_in_mpmath():
    """x = 0.99999 against y = 1 + 10⁻³⁰: |x − y|/|y| = 10⁻⁵(1 + 10⁻²⁵) > 10⁻⁵, so 4 digits agree, not 5. A floor
    through float64 rounds −log₁₀ of it (4.99…9566) to 5.0 and counted 5 (the bug gf._digits had too)."""
    assert agreed_digits("0.99999", "1.000000000000000000000000000001", 15) == 4
    assert agreed_digits("0.99999", "1", 15) == 5  # exactly 10⁻⁵: 5 digits
