"""Certified enclosures (numerics.certify) and `sorm certify`.

The enclosure of T_∞ = ηλ_∞ must contain the high-precision GD value (numerics.engines.gd_mp at
more digits than the enclosure carries), shrink and stay consistent at doubled precision,
and the tail lemma's bound must hold along the actual continuation of the orbit.
"""
from __future__ import annotations

import json
import re
import time
from fractions import Fraction as F

import mpmath
import pytest
from hypothesis import event, example, given, settings, strategies as st

from sorm.numerics import _derived as D
from sorm.numerics.certify import (
    CertStatus, Stability, certify_stability, certify_tail, certify_threshold, decimal_bound,
    enclose_final_ntk, planar_parameters, sci_up,
)
from sorm.numerics.engines.gd_mp import run_gd
from sorm.numerics.precision import to_fraction
from sorm.numerics.problem import from_state
from sorm.numerics.validate import InputError
from sorm.proofs_check.cli import build_parser, main


def eos_problem(eps, Et=F(1, 5), w=(1, -1), sign=1, eta=1):
    """ω = w, Ẽ, z̃₀ = sign·ε, T₀ = 2 + ε: the docs/theory.md §5.3 family (J̃² recovered exactly)."""
    w1, w2 = F(w[0]), F(w[1])
    z, T = sign * F(eps), 2 + F(eps)
    # J1 + J2 = T and J1/w1 + J2/w2 = 2Ẽ + 2z̃ (the invariant), in rescaled variables
    c = 2 * F(Et) + 2 * z
    J1 = (c - T / w2) / (1 / w1 - 1 / w2)
    J2 = T - J1
    eta = F(eta)
    return from_state([w1, w2], z / eta, [J1 / eta, J2 / eta], eta)


def reference(problem, digits):
    return run_gd(problem, dps=digits, method="mpmath").eta_ntk


# --- the enclosure --------------------------------------------------------------------------

INSTANCES = {
    "model-5-eps0.01": eos_problem("0.01"),
    "model-5-eps0.02": eos_problem("0.02"),
    "model-5-eps0.005": eos_problem("0.005"),
    "asym-negE-negz": eos_problem("0.01", Et=F(-1, 10), w=(2, F(-1, 2)), sign=-1),
    "asym-from-below": from_state(["1.5", "-0.5"], "-0.02", ["1.2", "0.7"]),
    "eta-0.25": eos_problem("0.01", eta=F(1, 4)),
    "P3": from_state(["2", "-0.5", "1"], "0.05", ["0.5", "1", "0.6"]),
}


@pytest.mark.parametrize("route", ["auto", "modes"])
@pytest.mark.parametrize("name", list(INSTANCES))
def test_enclosure_contains_high_precision_value(name, route):
    p = INSTANCES[name]
    enc = enclose_final_ntk(p, prec_bits=160, route=route)
    assert enc.status is CertStatus.CERTIFIED, enc.detail
    assert enc.route == ("modes" if route == "modes" or p.P != 2 else "planar")
    ref = reference(p, enc.digits + 20)  # more digits than the enclosure carries
    assert enc.contains(ref)
    assert 0 < enc.width < F(1, 10**20)  # 160 bits = 48 digits; the EOS phase costs 12-25 of them
    lo, hi = enc.bounds(20)
    assert F(lo) <= enc.lo and enc.hi <= F(hi)  # outward rounding
    # λ_∞ = T_∞/η
    nlo, nhi = enc.bounds(40, ntk=True)
    assert F(nlo) * p.eta <= enc.hi and F(nhi) * p.eta >= enc.lo
    assert F(nlo) * p.eta <= enc.lo


def test_model_example_value_and_doubled_precision():
    """docs/theory.md §5.3: ω = (1, −1), Ẽ = 0.2, z̃₀ = 0.01, T₀ = 2.01 → T_∞ ≈ 1.98481482691426748."""
    p = eos_problem("0.01")
    e1 = enclose_final_ntk(p, prec_bits=128)
    e2 = enclose_final_ntk(p, prec_bits=256)
    assert e1.certified and e2.certified
    assert e1.contains("1.98481482691426748466168544406195")
    assert not e1.contains("1.98481482691426748")  # the 17-digit value is outside the 1e-20 ball
    assert e1.contains("1.98481482691426748", slack=F(1, 10**17))
    # doubled precision: the two rigorous enclosures overlap and the finer one is much narrower
    assert max(e1.lo, e2.lo) <= min(e1.hi, e2.hi)
    assert e2.width < e1.width * F(1, 10**30)
    assert e1.width < F(1, 10**19)


def test_enclosure_excludes_a_wrong_value():
    p = eos_problem("0.01")
    enc = enclose_final_ntk(p, prec_bits=128)
    assert not enc.contains(2)
    assert not enc.contains(mpmath.mpf("1.9848148269142675"))  # float64 is not inside the 1e-20 ball


@pytest.mark.parametrize("args, status", [
    ((["1", "-1"], "0.01", ["2.5", "0"]), CertStatus.NOT_CERTIFIED),  # k = 0 (one mode): no self-stabilization
    ((["1", "-1"], "1", ["3", "3"]), CertStatus.DIVERGED),
    ((["1", "-1"], "0.1", ["3.5", "0.01"]), CertStatus.NOT_CERTIFIED),
], ids=["k0-period2", "divergent", "above-edge-unsettled"])
def test_not_certified_cases(args, status):
    enc = enclose_final_ntk(from_state(*args), prec_bits=128, max_steps=20_000)
    assert enc.status is status, enc.detail
    assert enc.lo is None and not enc.contains(1)
    assert enc.to_json()["eta_ntk_lo"] is None


def test_max_steps_too_small_is_not_certified():
    enc = enclose_final_ntk(eos_problem("0.01"), prec_bits=128, max_steps=100)
    assert enc.status is CertStatus.NOT_CERTIFIED
    assert "max_steps=100" in enc.detail


# --- the tail lemma --------------------------------------------------------------------------


def test_tail_identities_from_generated_map():
    """The factorisations the tail bound uses hold for the generated map (sympy check)."""
    sp = pytest.importorskip("sympy")
    z, T, S, w1, w2, j1, j2 = sp.symbols("z T S w1 w2 j1 j2")
    assert sp.expand(D.gd_zt_next(z, T, S) - z * (1 - T + z * S / 2)) == 0
    T2, S2, R2 = j1 + j2, w1 * j1 + w2 * j2, w1**2 * j1 + w2**2 * j2
    dT = D.gd_J2t_next(z, w1, j1) + D.gd_J2t_next(z, w2, j2) - T2
    assert sp.expand(dT - z * (-2 * S2 + z * R2)) == 0


@given(st.fractions(F(-1, 2), F(1, 2)), st.fractions(F(1, 10), F(19, 10)), st.fractions(F(0), F(1)),
       st.sampled_from([(1, -1), (2, F(-1, 2)), (F(3, 2), F(1, 2))]), st.fractions(F(1, 10**6), F(1, 100)))
@example(F(0), F(1), F(1, 2), (1, -1), F(1, 100))          # z̃ = 0 exactly: already on the line
@example(F(1, 2), F(19, 10), F(1), (2, F(-1, 2)), F(1, 100))  # close to the edge
def test_tail_bound_holds_along_the_orbit(frac_z, T, share, w, zscale):
    """From a state with the certificate, 1500 more exact-map steps (mpmath, 50 digits) stay
    within the proved tail bound of T_n and |z̃| never exceeds q^k r."""
    import flint

    z = frac_z * zscale
    J = [T * share, T * (1 - share)]
    with flint.ctx.workprec(200):
        ws = [flint.arb(flint.fmpq(x.numerator, x.denominator)) for x in map(F, w)]
        jb = [flint.arb(flint.fmpq(x.numerator, x.denominator)) for x in J]
        zb = flint.arb(flint.fmpq(z.numerator, z.denominator))
        cert = certify_tail(zb, jb, ws)
    event("certificate" if cert is not None else "no certificate")
    if cert is None:  # q >= 1 or the box is not invariant: nothing claimed, but z̃ = 0 always certifies
        assert z != 0
        return
    assert cert.q < 1 and cert.tail == cert.C * cert.r / (1 - cert.q)
    with mpmath.workdps(50):
        wm = [mpmath.mpf(F(x).numerator) / F(x).denominator for x in w]
        Jm = [mpmath.mpf(x.numerator) / x.denominator for x in J]
        zm = mpmath.mpf(z.numerator) / z.denominator
        T0 = sum(Jm)
        tail = mpmath.mpf(cert.tail.numerator) / cert.tail.denominator
        q = mpmath.mpf(cert.q.numerator) / cert.q.denominator
        r = mpmath.mpf(cert.r.numerator) / cert.r.denominator
        slack = mpmath.mpf(10) ** -40
        for k in range(1500):
            assert abs(zm) <= q**k * r + slack
            assert abs(sum(Jm) - T0) <= tail + slack
            Tm = sum(Jm)
            Sm = sum(a * b for a, b in zip(wm, Jm))
            zm, Jm = D.gd_zt_next(zm, Tm, Sm), [D.gd_J2t_next(zm, a, b) for a, b in zip(wm, Jm)]


def test_planar_tail_identities():
    """The planar tail uses z̃' = 0 and T' = T on the line z̃ = 0 (sympy, generated map)."""
    sp = pytest.importorskip("sympy")
    z, T, a, b, E = sp.symbols("z T a b E")
    assert sp.simplify(D.planar_zt_next(0, T, a, b, E)) == 0
    assert sp.simplify(D.planar_T_next(0, T, a, b, E) - T) == 0
    S, R = D.planar_S(z, T, a, b, E), D.planar_R(z, T, a, b, E)
    assert sp.expand(D.planar_T_next(z, T, a, b, E) - T - z * (-2 * S + z * R)) == 0


@pytest.mark.parametrize("z, T", [(F(1, 10**4), F(19, 10)), (F(-1, 1000), F(1, 2)), (F(1, 10**6), F(199, 100))],
                         ids=["T1.9", "T0.5", "T1.99"])
def test_planar_tail_bound_holds_along_the_orbit(z, T):
    import flint

    from sorm.numerics.certify import certify_tail_planar

    a, b, E = F(1, 2), F(-2), F(1, 10)
    with flint.ctx.workprec(200):
        q = lambda x: flint.arb(flint.fmpq(x.numerator, x.denominator))  # noqa: E731
        cert = certify_tail_planar(q(z), q(T), q(a), q(b), q(E))
    assert cert is not None and cert.q < 1
    with mpmath.workdps(50):
        mp = lambda x: mpmath.mpf(x.numerator) / x.denominator  # noqa: E731
        zm, Tm, T0 = mp(z), mp(T), mp(T)
        for k in range(2000):
            assert abs(zm) <= mp(cert.q) ** k * mp(cert.r) + mpmath.mpf(10) ** -40
            assert abs(Tm - T0) <= mp(cert.tail) + mpmath.mpf(10) ** -40
            zm, Tm = D.planar_zt_next(zm, Tm, mp(a), mp(b), mp(E)), D.planar_T_next(zm, Tm, mp(a), mp(b), mp(E))


def test_tail_refuses_above_the_edge():
    import flint

    with flint.ctx.workprec(128):
        cert = certify_tail(flint.arb("1e-10"), [flint.arb("1.3"), flint.arb("0.8")], [flint.arb(1), flint.arb(-1)])
    assert cert is None  # T = 2.1: |1 − T| > 1, no contraction


# --- threshold and stability -----------------------------------------------------------------


@pytest.mark.parametrize("a, b, Et, eta", [(0, -1, "0.2", 1), ("1.5", "-1", "-0.1", "0.5"), ("2.5", "1", "0", "3")],
                         ids=["model-5", "asym-eta0.5", "same-sign-eta3"])
def test_threshold_certificate(a, b, Et, eta):
    c = certify_threshold(a, b, Et, eta=eta, prec_bits=128)
    assert c.certified and c.contains_edge()
    lo, hi = c.ntk_threshold
    assert lo <= 2 / F(eta) <= hi
    assert hi - lo < F(1, 10**30)
    j = c.to_json()
    assert j["certified"] and F(j["T_minus"][0]) <= 2 <= F(j["T_minus"][1])


@pytest.mark.parametrize("T, radius, expected", [
    ("1.99999999999999999999", "1e-25", Stability.ATTRACTING),
    ("2.00000000000000000001", "1e-25", Stability.REPELLING),
    ("2", "0", Stability.MARGINAL),
    ("0", "0", Stability.MARGINAL),
    ("2", "1e-30", Stability.UNDECIDED),
    ("1", "0.9", Stability.ATTRACTING),
    ("3", "0.5", Stability.REPELLING),
], ids=["below-2", "above-2", "at-2", "at-0", "straddles-2", "wide-inside", "wide-outside"])
def test_stability_on_either_side_of_two(T, radius, expected):
    c = certify_stability(T, 0, -1, "0.2", radius=radius, prec_bits=128)
    assert c.stability is expected
    assert c.triangular and c.neutral_is_one  # J12 = 0 and the neutral eigenvalue is exactly 1
    j = c.to_json()
    assert j["J12_exactly_zero"] and j["status"] == expected.name.lower()


def test_jacobian_entries_match_the_map():
    """The arb Jacobian at (0, T) matches finite differences of the generated planar map."""
    c = certify_stability("1.7", "0.5", "-2", "0.3", prec_bits=128)
    with mpmath.workdps(40):
        h = mpmath.mpf(10) ** -15
        T, a, b, E = mpmath.mpf("1.7"), mpmath.mpf("0.5"), mpmath.mpf(-2), mpmath.mpf("0.3")
        dT_dz = (D.planar_T_next(h, T, a, b, E) - D.planar_T_next(-h, T, a, b, E)) / (2 * h)
        dz_dz = (D.planar_zt_next(h, T, a, b, E) - D.planar_zt_next(-h, T, a, b, E)) / (2 * h)
        assert abs(dz_dz - (1 - T)) < mpmath.mpf(10) ** -20
        J21 = mpmath.mpf(c.jacobian[2].strip("[]").split("+/-")[0])
        assert abs(J21 - dT_dz) < mpmath.mpf(10) ** -20


def test_final_point_of_model_example_is_attracting():
    enc = enclose_final_ntk(eos_problem("0.01"), prec_bits=128)
    c = certify_stability((enc.lo, enc.hi), 0, -1, "0.2", prec_bits=128)
    assert c.stability is Stability.ATTRACTING and c.sup_abs < 1


# --- formatting ------------------------------------------------------------------------------


@given(st.fractions(F(-10**6), F(10**6)), st.integers(1, 40))
@example(F(0), 5)
@example(F(2), 30)
@example(F(-1, 3), 3)
@example(F(1, 10**40), 4)
def test_decimal_bounds_round_outward(x, digits):
    lo, hi = decimal_bound(x, digits, "down"), decimal_bound(x, digits, "up")
    assert F(lo) <= x <= F(hi)
    if x != 0:
        assert F(hi) - F(lo) <= abs(x) * F(10) ** (1 - digits) * 2


def test_sci_up():
    assert sci_up(F(804, 10**23)) == "8.04e-21"
    assert F(sci_up(F(1, 3))) >= F(1, 3)


# --- bad input -------------------------------------------------------------------------------

_P = eos_problem("0.01")

BAD = {  # id: (call, the start of its one-line message: the argument as given, then what was expected)
    "prec-too-small": (lambda: enclose_final_ntk(_P, prec_bits=20), "prec_bits=20: expected a whole number of bits"),
    "prec-not-number": (lambda: enclose_final_ntk(_P, prec_bits="many"), "prec_bits='many': expected"),
    "prec-bool": (lambda: enclose_final_ntk(_P, prec_bits=True), "prec_bits=True: expected"),
    "max-prec-below-prec": (lambda: enclose_final_ntk(_P, prec_bits=256, max_prec_bits=128),
                            "max_prec_bits=128: expected at least prec_bits=256"),
    "max-prec-not-number": (lambda: enclose_final_ntk(_P, max_prec_bits="x"), "max_prec_bits='x': expected"),
    "max-steps-zero": (lambda: enclose_final_ntk(_P, max_steps=0), "max_steps=0: expected a whole number >= 1"),
    "max-steps-too-many": (lambda: enclose_final_ntk(_P, max_steps=10**8 + 1), "max_steps=100000001: expected at most"),
    "max-width-zero": (lambda: enclose_final_ntk(_P, max_width=0), "max_width=0: expected a width > 0"),
    "max-width-text": (lambda: enclose_final_ntk(_P, max_width="wide"), "max_width='wide': expected"),
    "route-unknown": (lambda: enclose_final_ntk(_P, route="fast"), "route='fast': expected one of auto, planar, modes"),
    "route-planar-P3": (lambda: enclose_final_ntk(INSTANCES["P3"], route="planar"), "route='planar': "),
    "not-a-problem": (lambda: enclose_final_ntk({"omegas": [1, -1]}), "problem={'omegas': [1, -1]}: expected"),
    "stability-negative-radius": (lambda: certify_stability(2, 0, -1, 0, radius=-1), "radius=-1: expected"),
    "stability-reversed-pair": (lambda: certify_stability((3, 1), 0, -1, 0), "T=(3, 1): expected"),
    "stability-nan": (lambda: certify_stability(float("nan"), 0, -1, 0), "T=nan: expected"),
    "threshold-eta-zero": (lambda: certify_threshold(0, -1, 0, eta=0), "eta=0: expected a step size > 0"),
    "threshold-reversed-search": (lambda: certify_threshold(0, -1, 0, search=(4, -1)), "search=(4, -1): expected"),
    "threshold-a-string": (lambda: certify_threshold("one", -1, 0), "a='one': expected"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_input(case):
    call, start = BAD[case]
    with pytest.raises(InputError) as info:
        call()
    message = str(info.value)
    assert message.startswith(start) and ";" in message and "\n" not in message, message


# --- the command -----------------------------------------------------------------------------

MODEL5 = ["certify", "--omegas", "1,-1", "--z0", "0.01", "--J2", "1.215,0.795"]


def test_cli_json(capsys):
    assert main(MODEL5 + ["--prec-bits", "128", "--json", "--check"]) == 0
    out = json.loads(capsys.readouterr().out)
    e = out["enclosure"]
    assert e["status"] == "certified" and e["prec_bits"] == 128
    assert F(e["eta_ntk_lo"]) <= F("1.98481482691426748466168544406") <= F(e["eta_ntk_hi"])
    assert float(e["width"]) < 1e-19
    assert out["threshold"]["certified"] and out["threshold"]["T_minus"] == ["2", "2"]
    assert out["final_stability"]["status"] == "attracting"
    assert out["check"]["inside"] is True
    # GD's ηλ_∞ only to the digits its distance to the limit leaves: each one a digit of the limit (an
    # independent θ-space GD at 200 digits run to |z| < 1e-190)
    shown, unit = out["check"]["eta_ntk"], F(1, 10 ** (len(out["check"]["eta_ntk"]) - 2))
    assert len(shown) > 30 and abs(F(shown) - F(LIMIT5)) <= unit / 2


#: ηλ_∞ of MODEL5 to 100 digits (θ-space GD at 200 digits, run to |z| < 1e-190).
LIMIT5 = "1.984814826914267484661685444061953437220593080385956029601881279200333640741617785755581660581324466"


def test_cli_text_and_eta(capsys):
    assert main(MODEL5 + ["--eta", "0.5", "--dps", "30", "--digits", "12"]) == 0
    text = capsys.readouterr().out
    assert "eta*lambda_inf in [" in text and "lambda* = 2/eta in [4, 4]" in text


def test_cli_divergent_exits_1(capsys):
    assert main(["certify", "--omegas", "1,-1", "--z0", "1", "--J2", "3,3"]) == 1
    assert "diverged" in capsys.readouterr().out


@pytest.mark.parametrize("json_out", [False, True], ids=["text", "json"])
def test_cli_no_gradient_prints_the_exact_point_and_exits_0(json_out, capsys):
    """Every J(ω_i) = 0 with z ≠ 0: GD stays put, so ηλ_∞ = 0 exactly; a result (exit 0) with the point
    [0, 0] in the text and the JSON, and no tail."""
    assert main(["certify", "--omegas", "1,-1", "--z0", "0.5", "--J2", "0,0"] + ["--json"] * json_out) == 0
    out = capsys.readouterr().out
    if json_out:
        e = json.loads(out)["enclosure"]
        assert (e["status"], e["eta_ntk_lo"], e["eta_ntk_hi"], e["tail"]) == ("no_gradient", "0", "0", None)
    else:
        assert out.startswith("status: no_gradient (") and "\neta*lambda_inf in [0, 0] (exact)\n" in out


def test_cli_other_P_skips_threshold(capsys):
    assert main(["certify", "--omegas", "2,-0.5,1", "--z0", "0.05", "--J2", "0.5,1,0.6", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["threshold"] is None and "2-D reduction" in out["note"]


@pytest.mark.parametrize("extra", [
    ["--prec-bits", "20"], ["--prec-bits", "x"], ["--dps", "5"], ["--max-steps", "0"], ["--digits", "0"],
    ["--prec-bits", "100", "--dps", "30"],
], ids=["prec-small", "prec-text", "dps-small", "steps-zero", "digits-zero", "prec-and-dps"])
def test_cli_bad_input_one_line(extra, capsys):
    try:
        code = main(MODEL5 + extra)
    except SystemExit as exc:  # argparse errors (mutually exclusive options)
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "error" in err


@pytest.mark.slow
def test_precision_escalation_and_trace():
    """Close to the edge the balls lose more digits (wrapping effect); doubling the precision
    recovers a certificate where the first precision alone fails."""
    p = eos_problem("0.00125")
    low = enclose_final_ntk(p, prec_bits=128, max_steps=100_000, route="modes")
    assert low.status is CertStatus.NOT_CERTIFIED and "max_width" in low.detail
    up = enclose_final_ntk(p, prec_bits=128, max_prec_bits=512, max_steps=100_000, record=True, route="modes")
    assert up.certified and up.prec_bits > 128 and "precision raised" in up.detail
    assert up.contains(reference(p, up.digits + 20))
    assert len(up.trace) == up.steps + 1 and up.trace[0][1] == pytest.approx(2.00125)
    with pytest.raises(InputError):
        enclose_final_ntk(p, prec_bits=256, max_prec_bits=128)


def test_planar_map_in_balls_agrees_with_mode_route():
    """Cross-check of the reduction (docs/theory.md §4): the generated 2-D map of (z̃, T), iterated in
    arb, gives balls overlapping those of the mode map, step by step, for the §5 example."""
    import flint

    p = eos_problem("0.01")
    a, b, Et = (F(0), F(-1), F(1, 5))
    with flint.ctx.workprec(160):
        q = lambda x: flint.arb(flint.fmpq(x.numerator, x.denominator))  # noqa: E731
        A, B, E = q(a), q(b), q(Et)
        zp, Tp = q(p.zt0), q(p.T0)
        zm, Jm = q(p.zt0), [q(j) for j in p.J2t]
        ws = [q(w) for w in p.omegas]
        for _ in range(3000):
            Tm = Jm[0] + Jm[1]
            assert Tm.overlaps(Tp) and zm.overlaps(zp)
            Sm = ws[0] * Jm[0] + ws[1] * Jm[1]
            zm, Jm = D.gd_zt_next(zm, Tm, Sm), [D.gd_J2t_next(zm, w, j) for w, j in zip(ws, Jm)]
            zp, Tp = D.planar_zt_next(zp, Tp, A, B, E), D.planar_T_next(zp, Tp, A, B, E)


@given(st.sampled_from([(1, -1), (2, F(-1, 2)), (F(3, 2), F(1, 2)), (F(-1, 3), -3)]),
       st.fractions(F(-3, 10), F(3, 10), max_denominator=1000),
       st.fractions(F(-1, 20), F(1, 20), max_denominator=1000),
       st.fractions(F(1, 2), F(201, 100), max_denominator=1000))
@example((1, -1), F(1, 5), F(0), F(2))           # on the fixed line at the edge itself: an unstable fixed point
@example((1, -1), F(1, 5), F(0), F(3, 2))        # z = 0: already converged
@example((2, F(-1, 2)), F(-1, 10), F(1, 100), F(2))  # T0 exactly 2
# found by Hypothesis: GD converges only after ~30 000 steps (q = 0.9975), and at 128 bits the ball of T
# grows past max_width first; it must say so (not certified, no bounds), and 256 bits then certify it
@example((2, F(-1, 2)), F(146, 785), F(-1, 478), F(1042, 523))
def test_enclosure_property(w, Et, z, T):
    """Random admissible 2-D states with T0 <= 2.01: the enclosure is certified (at 128 bits, or at
    256 when the 128-bit balls grew too wide, the remedy its detail names) and contains the
    mpmath GD value computed at 20 more digits than the enclosure carries. A 128-bit refusal must be
    honest: NOT_CERTIFIED, no bounds, exit-1 status."""
    from hypothesis import assume

    w1, w2 = F(w[0]), F(w[1])
    c = 2 * Et + 2 * z
    J1 = (c - T / w2) / (1 / w1 - 1 / w2)
    assume(J1 >= 0 and T - J1 >= 0)
    p = from_state([w1, w2], z, [J1, T - J1])
    enc = enclose_final_ntk(p, prec_bits=128, max_steps=200_000)
    if z == 0 and T >= 2:  # exactly on the line where it does not attract: gd_mp's status too
        assert enc.status is CertStatus.UNSTABLE_FIXED_POINT and enc.lo is None and enc.steps == 0, enc.detail
        return
    if not enc.certified:
        event("not certified at 128 bits")
        assert enc.status is CertStatus.NOT_CERTIFIED and "raise prec_bits" in enc.detail, enc.detail
        assert enc.lo is None and enc.hi is None and not enc.status.has_result
        enc = enclose_final_ntk(p, prec_bits=256, max_steps=200_000)
    if z == 0:
        assert enc.certified and enc.contains(T) and enc.width < F(1, 10**35)  # exactly T0, up to rounding T0
        return
    assert enc.status is CertStatus.CERTIFIED, enc.detail
    assert enc.contains(run_gd(p, dps=enc.digits + 20, method="mpmath", max_steps=10**6).eta_ntk)
    assert enc.hi < 2


# --- low precision: the tail bound and the box-invariance step are load-bearing ---------------

LOW_PREC_STATES = [((1, -1), F(1, 16), F(3, 4)), ((1, -1), F(1, 32), F(1, 2)), ((1, -1), F(1, 8), F(1, 2)),
                   ((1, -1), F(-1, 16), F(1, 2)), ((2, F(-1, 2)), F(1, 8), F(1, 2))]


@pytest.mark.parametrize("bits", [53, 56, 60, 64])
def test_low_precision_enclosures_contain_the_40_digit_value(bits):
    """At 53-64 bits the ball of T_n alone is narrower than the distance to the limit: without the
    tail bound C r/(1 - q) added to [lo, hi], these enclosures exclude the true value."""
    n = 0
    for w, z, T in LOW_PREC_STATES:
        p = from_state(list(w), z, [T / 2, T / 2])
        enc = enclose_final_ntk(p, prec_bits=bits, max_steps=100_000)
        if enc.certified:
            n += 1
            ref = run_gd(p, dps=40, method="mpmath").eta_ntk
            assert enc.contains(ref), (w, z, T, bits, enc.bounds(20))
            assert enc.tail.tail > 0
    assert n >= 4


@pytest.mark.parametrize("z, J", [("0.05", ("0.5", "0.01")), ("0.1", ("0.9", "0.05")), ("0.1", ("1.2", "0.001")),
                                  ("0.05", ("0.3", "0.3")), ("0.001", ("0.5", "0.3")), ("0.01", ("1.1", "0.6"))])
def test_tail_certificates_satisfy_the_lemma_hypothesis(z, J):
    """Independently of the code under test: over the box B of a returned certificate,
    sup |g_i| = sup |omega_i J_i (omega_i z - 2)| (each J_i once: a tight ball) must satisfy
    C_i r / (1 - q) <= m_i, the box invariance of the tail lemma. The first four states fail it,
    so no certificate may be issued for them."""
    import flint

    def b(x):
        x = F(x)
        return flint.arb(flint.fmpq(x.numerator, x.denominator))

    with flint.ctx.workprec(128):
        w = [b(1), b(-1)]
        cert = certify_tail(b(z), [b(J[0]), b(J[1])], w)
        if cert is None:
            assert z != "0.001", "a state 0.001 from the line must certify (the test would be vacuous)"
            return
        zbox = flint.arb(0, flint.arb(cert.r.numerator) / cert.r.denominator)
        for wi, Ji, m in zip(w, J, cert.margins):
            Jbox = b(Ji) + flint.arb(0, b(m))
            ci = abs(wi * Jbox * (wi * zbox - 2)).upper()
            bound = ci * b(cert.r) / (1 - b(cert.q))
            assert bound.upper() <= b(m), (z, J)


def test_fixed_line_jacobian_is_differentiated_from_the_map_and_equals_planar_jacobian():
    """The exact polynomials DF(0, T) from the iterated map equal the separately generated planar_jacobian."""
    import sympy as sp

    from sorm.numerics.certify import fixed_line_polynomials

    T = sp.Symbol("T")
    for a, b, Et in [(0, -1, F(1, 5)), (F(3, 2), -1, F(-1, 10)), (2, F(3, 4), F(3, 10))]:
        polys = fixed_line_polynomials(a, b, Et)
        ref = D.planar_jacobian(0, T, sp.Rational(a), sp.Rational(b), sp.Rational(Et))
        for p, r in zip(polys, ref):
            mine = sum(sp.Rational(int(c.p), int(c.q)) * T**k for k, c in enumerate(p.coeffs()))
            assert sp.expand(mine - r) == 0


# --- the record: bounds, JSON and repr carry the certified interval --------------------------
# (each assertion below was added for a mutant that survived mutmut; TESTING.md lists them)


def _significant(text: str) -> int:
    """Significant digits of a decimal string such as '1.9848', '-0.0012' or '8.04e-21'."""
    return len(text.lstrip("-").split("e")[0].replace(".", "").lstrip("0"))


def _fields(text: str) -> dict:
    """The one-line ``key=value`` fields at the top level of a compact repr."""
    import re

    return dict(re.findall(r"^    (\w+)=(.*),$", text, re.M))


def test_record_json_and_repr_enclose_the_limit_at_their_stated_digits():
    """At η = 1/4 the state of MODEL5 has the same T_∞ (LIMIT5, an independent 100-digit value) and
    λ_∞ = 4 T_∞: every printed bound of the record encloses it, rounded outward to the digits asked."""
    p = eos_problem("0.01", eta=F(1, 4))
    enc = enclose_final_ntk(p, prec_bits=128)
    assert enc.certified and enc.route == "planar" and enc.contains(LIMIT5)
    eta, limit = p.eta, F(LIMIT5)
    lo, hi = enc.bounds(12)
    nlo, nhi = enc.bounds(12, ntk=True)
    assert F(lo) <= enc.lo and enc.hi <= F(hi) and F(nlo) <= enc.lo / eta and enc.hi / eta <= F(nhi)
    for a, b in [(lo, hi), (nlo, nhi)]:  # 12 digits, not more, and no wider than the rounding asks
        assert max(_significant(a), _significant(b)) <= 12 and F(b) - F(a) <= 8 * F(1, 10**11)
    j = enc.to_json(12)
    assert (j["eta_ntk_lo"], j["eta_ntk_hi"], j["ntk_lo"], j["ntk_hi"]) == (lo, hi, nlo, nhi)
    assert F(j["ntk_lo"]) <= limit / eta <= F(j["ntk_hi"])
    full = enc.to_json()  # default: the working precision's digits
    assert F(full["eta_ntk_lo"]) <= limit <= F(full["eta_ntk_hi"]) and _significant(full["eta_ntk_lo"]) > 30
    assert (j["steps"], j["prec_bits"], j["route"], j["status"]) == (enc.steps, 128, "planar", "certified")
    assert enc.width <= F(j["width"]) <= enc.width * F(101, 100)
    t, jt = enc.tail, j["tail"]
    for key, exact_value in [("z_bound", t.r), ("bound", t.tail)]:
        assert exact_value <= F(jt[key]) <= exact_value * F(101, 100)
    assert t.q <= F(jt["q"]) <= t.q + F(1, 10**9) and _significant(jt["q"]) <= 10  # q to 10 digits, rounded up
    assert t.C <= F(jt["C"]) <= t.C * (1 + F(1, 10**5)) and _significant(jt["C"]) == 6  # C to 6 digits

    f = _fields(repr(enc))
    assert f["status"] == "CertStatus.CERTIFIED" and f["eta"] == "1/4" and f["route"] == "'planar'"
    assert (f["steps"], f["prec_bits"], f["trace"]) == (str(enc.steps), "128", "None")
    assert f["detail"] == repr(enc.detail) and f"at step {enc.steps}" in enc.detail
    rlo, rhi = f["eta_ntk"].strip("[]").split(", ")  # to the digits the width resolves
    assert F(rlo) <= enc.lo and enc.hi <= F(rhi) and F(rlo) <= limit <= F(rhi)
    assert F(rhi) - F(rlo) <= 3 * enc.width and F(f["width"]) == F(j["width"])
    assert "tail=TailCertificate(" in repr(enc) and f"tail={jt['bound']}" in repr(enc)
    tf = dict(re.findall(r"^        (\w+)=(.*),$", repr(enc), re.M))  # the tail certificate's own fields
    assert (tf["r"], tf["q"], tf["C"], tf["tail"]) == (jt["z_bound"], jt["q"], jt["C"], jt["bound"])
    shown = [float(m) for m in re.findall(r"[-+0-9.e]+", tf["margins"].replace("≈", ""))]
    assert shown == pytest.approx([float(m) for m in t.margins], rel=1e-12) and len(shown) == 1
    traced = enclose_final_ntk(p, prec_bits=128, record=True)  # one (n, T_n, radius of T_n, |z̃_n|) row a step
    assert _fields(repr(traced))["trace"].startswith("((0, 2.01, ")
    rows = traced.trace
    assert len(rows) == traced.steps + 1 and [r[0] for r in rows] == list(range(traced.steps + 1))
    assert rows[0][1] == 2.01 and rows[0][3] == 0.01 and 0 < rows[0][2] < 1e-35
    assert rows[-1][1] == pytest.approx(float(limit), abs=1e-15) and 0 < rows[-1][2] < 1e-26 and rows[-1][3] < 1e-30


def test_a_record_without_a_result_has_no_bounds_anywhere():
    enc = enclose_final_ntk(from_state(["1", "-1"], "1", ["3", "3"]), prec_bits=128)
    assert enc.status is CertStatus.DIVERGED and enc.bounds() == enc.bounds(ntk=True) == (None, None)
    j = enc.to_json()  # a missing value is null in JSON, never "nan"
    assert (j["eta_ntk_lo"], j["eta_ntk_hi"], j["ntk_lo"], j["ntk_hi"], j["width"], j["tail"]) == \
        (None, None, None, None, None, None)
    f = _fields(repr(enc))
    assert (f["status"], f["eta_ntk"], f["width"], f["tail"]) == ("CertStatus.DIVERGED", "None", "None", "None")


def test_contains_reads_its_arguments_exactly_and_names_a_bad_one():
    enc = enclose_final_ntk(eos_problem("0.01"), prec_bits=128)
    with mpmath.workdps(60):
        assert enc.contains(mpmath.mpf(LIMIT5)) and not enc.contains(mpmath.mpf(LIMIT5) + mpmath.mpf(10) ** -26)
    assert enc.contains(F(LIMIT5)) and enc.contains(2, slack=F(1, 60)) and not enc.contains(2, slack=F(1, 70))
    for kwargs, name in [({"value": "two"}, "value='two'"), ({"value": mpmath.mpf("nan")}, "value=mpf('nan')"),
                         ({"value": 2, "slack": "x"}, "slack='x'")]:
        with pytest.raises(InputError, match=re.escape(name)):
            enc.contains(**kwargs)


def test_decimal_bound_rejects_a_direction_other_than_down_or_up():
    with pytest.raises(ValueError, match="direction='UP'"):
        decimal_bound(F(1, 3), 5, "UP")


# --- the driver: its step budget, attempts, route and divergence rule ------------------------


def test_the_step_budget_is_exact_and_the_first_attempt_is_counted_as_one():
    """max_steps = N allows exactly N steps: the model example, certified at step N, is not certified
    with N − 1. A start on the line z̃ = 0 closes at the first attempt (r = 0 always certifies)."""
    p = eos_problem("0.01")
    n = enclose_final_ntk(p, prec_bits=128).steps
    at = enclose_final_ntk(p, prec_bits=128, max_steps=n)
    assert at.certified and at.steps == n
    below = enclose_final_ntk(p, prec_bits=128, max_steps=n - 1)
    assert below.status is CertStatus.NOT_CERTIFIED and below.steps == n - 1 and f"max_steps={n - 1}" in below.detail
    line = enclose_final_ntk(from_state(["1", "-1"], "0", ["0.7", "0.8"]), prec_bits=128)
    assert line.certified and line.lo <= F(3, 2) <= line.hi and "(attempt 1)" in line.detail
    assert enclose_final_ntk(from_state(["1", "-1"], "0", ["0.7", "0.8"])).prec_bits == 256  # the documented default


def test_the_default_step_budget_is_10_to_the_6_as_on_the_cli(monkeypatch):
    """enclose_final_ntk's default ``max_steps`` is 10⁶, the default of `sorm certify --max-steps`: the budget the
    driver hands to its run is read here. It was checked on ω = (1, −1), z̃₀ = 2, J̃² = (1, 0), which ran out the
    10⁶ steps (11 s of CPU); that state is an exact fixed point off the line, PERIOD2 at step 1 (below)."""
    from sorm.numerics.certify import enclosure

    budgets, run_once = [], enclosure._enclose_once
    monkeypatch.setattr(enclosure, "_enclose_once", lambda *args: budgets.append(args[2]) or run_once(*args))
    assert enclose_final_ntk(from_state(["1", "-1"], "0", ["0.7", "0.8"]), prec_bits=128).certified
    assert budgets == [10**6]
    assert int(build_parser().parse_args(MODEL5).max_steps) == 10**6


def _printed_ball(detail: str, name: str) -> tuple[F, F]:
    """The interval ``name in [lo, hi]`` that a record's detail prints, as exact Fractions."""
    m = re.search(rf"(?:^| ){re.escape(name)} in \[([^,\]]+), ([^\]]+)\]", detail)
    assert m, detail
    return F(m[1]), F(m[2])


def _retry_problem():
    """ω = (1, −1), z̃₀ = 1/2, T₀ = 3/4 with 2S₀ = z̃₀T₀: then T₁ = T₀ exactly while |z̃| shrinks, so the
    trigger fires at step 1, where |z̃₁| ≈ 0.15 is too large for the tail lemma."""
    T0, z0 = F(3, 4), F(1, 2)
    J1 = (T0 + z0 * T0 / 2) / 2  # J₁ − J₂ = S = z̃₀T₀/2
    return from_state(["1", "-1"], z0, [J1, T0 - J1])


def test_a_failed_tail_attempt_is_retried_16_steps_later():
    """A refused attempt waits 16 steps: at 53 bits the lemma refuses step 1 and accepts every step from 2
    on (checked here on the orbit at 60 digits, rounded to 53-bit balls), yet the enclosure closes at step
    17, attempt 2, and contains the limit (the orbit at 60 digits, run to |z̃| < 1e-50)."""
    import flint

    from sorm.numerics.certify import certify_tail_planar
    from sorm.numerics.precision import to_arb, to_fraction

    p = _retry_problem()
    abe = planar_parameters(p)
    accepted = []
    with mpmath.workdps(60):
        mp = lambda x: mpmath.mpf(x.numerator) / x.denominator  # noqa: E731
        z, T = mp(p.zt0), mp(p.T0)
        a, b, E = (mp(x) for x in abe)
        for n in range(200):
            if n <= 16:
                with flint.ctx.workprec(53):
                    accepted.append(certify_tail_planar(*(to_arb(to_fraction(x)) for x in (z, T)),
                                                        *(to_arb(x) for x in abe)) is not None)
            if n == 16:
                at16 = (z, T)
            if abs(z) < mpmath.mpf(10) ** -50:
                break
            z, T = D.planar_zt_next(z, T, a, b, E), D.planar_T_next(z, T, a, b, E)
        limit = T
    assert accepted == [False, False] + [True] * 15
    enc = enclose_final_ntk(p, prec_bits=53, record=True)
    assert enc.trace[1][1] == enc.trace[0][1] == 0.75 and enc.trace[1][3] < enc.trace[0][3]  # the trigger at step 1
    assert enc.certified and enc.steps == 17 and "at step 17 (attempt 2)" in enc.detail
    with mpmath.workdps(60):
        assert enc.contains(limit)
    stopped = enclose_final_ntk(p, prec_bits=53, max_steps=16, max_prec_bits=256)
    assert stopped.detail.startswith("no tail certificate within max_steps=16 (1 attempts); at step 16 T in [")
    (zlo, zhi), (Tlo, Thi) = _printed_ball(stopped.detail, "z~"), _printed_ball(stopped.detail, "T")
    z16, T16 = (to_fraction(x) for x in at16)  # the state of step 16 at 60 digits lies in the printed balls
    assert zlo <= z16 <= zhi and Tlo <= T16 <= Thi < 1 and Thi - Tlo == F(1, 10**6)  # 6 digits of a narrow ball


@pytest.mark.parametrize("route", ["planar", "modes"])
@pytest.mark.parametrize("J, at", [((F(1, 4), F(1, 8)), 89), ((F(3, 4), F(3, 4)), 4)], ids=["T0.375", "T1.5"])
def test_the_tail_lemma_is_first_tried_where_the_documented_estimate_falls_below_the_target(J, at, route):
    """The trigger (a heuristic: it decides when the lemma is tried, not what it proves), as enclosure.py states
    it: at the first step n >= 1 with |z̃_n| < |z̃_{n−1}| and |T_n − T_{n−1}|/(1 − |z̃_n|/|z̃_{n−1}|) <= max(rad T_n,
    2^(8 − prec)·max(1, |T_n|)), on the ball midpoints. Here the same balls are iterated along the public route and the
    estimate is computed in exact rationals. The starts (ω = (1, −1), z̃₀ = 2^-60, J̃² = (1/4, 1/8): q ≈ 0.6, T ≈ 0.375
    < 1; J̃² = (3/4, 3/4): S = 0, T = 1.5 > 1) are dyadic, and their balls stay narrow, so the floor
    2^(8 − prec)·max(1, |T|) sets the target; no step comes within 10% of a tie. The lemma succeeds at the first
    attempt."""
    import flint

    from sorm.numerics.certify.tail import modes_route, planar_route
    from sorm.numerics.precision import to_arb, to_fraction

    p, prec = from_state(["1", "-1"], F(1, 2**60), list(J)), 128
    floor = F(1, 2 ** (prec - 8))
    with flint.ctx.workprec(prec):
        if route == "planar":
            rt, X = planar_route(*(to_arb(v) for v in p.planar)), [to_arb(p.T0)]
        else:
            rt, X = modes_route([to_arb(w) for w in p.omegas]), [to_arb(j) for j in p.J2t]
        z, prev = to_arb(p.zt0), None
        for n in range(200):
            T = sum(X[1:], X[0])
            Tn, rad, absz = to_fraction(T.mid()), to_fraction(T.rad()), abs(to_fraction(z.mid()))
            if prev is not None and absz < prev[1]:
                est = abs(Tn - prev[0]) / (1 - absz / prev[1])
                target = max(rad, floor * max(1, abs(Tn)))
                assert not F(9, 10) < est / target < F(11, 10)
                if est <= target:
                    break
            prev = (Tn, absz)
            z, X = rt.step(z, X)
    assert rad < floor * max(1, abs(Tn)) and n == at  # the target is the floor
    enc = enclose_final_ntk(p, prec_bits=prec, route=route, max_steps=2 * n)  # a trigger that never fires fails fast
    assert enc.certified and enc.steps == n and enc.detail.startswith(f"tail bound closed at step {n} (attempt 1)")


@pytest.mark.parametrize("route", ["planar", "modes"])
def test_an_estimate_equal_to_the_target_fires_the_trigger(route):
    """A tie counts (``<=``): ω = (1, −1), J̃² = (1/8, 1/8) (so S = 0), z̃₀ = 2^-60 give, exactly in 128-bit balls,
    z̃₁ = ¾z̃₀ and T₁ = T₀ + z̃₀²/4 = 1/4 + 2^-122, so the estimate (T₁ − T₀)/(1 − ¾) = 2^-120 equals the floor
    2^(8 − 128)·max(1, T₁): the lemma is tried, and closes, at step 1 (a strict ``<`` waits until step 11)."""
    p = from_state(["1", "-1"], F(1, 2**60), [F(1, 8), F(1, 8)])
    enc = enclose_final_ntk(p, prec_bits=128, route=route, max_steps=100, record=True)
    assert [row[:3] for row in enc.trace] == [(0, 0.25, 0.0), (1, 0.25, 0.0)] and enc.trace[1][3] == 0.75 * 2.0**-60
    assert enc.certified and enc.steps == 1 and enc.detail.startswith("tail bound closed at step 1 (attempt 1)")
    assert enc.contains(F(1, 4) + F(1, 2**122))  # T₁ ± the tail


@pytest.mark.parametrize("route", ["planar", "modes"])
def test_a_ball_of_z_centred_on_zero_is_tried_at_once(route):
    """|z̃|'s midpoint exactly 0 (and its radius not) tries the lemma whatever the estimate says: J̃² = (½ + δ, ½ + δ),
    δ = 2^-140/3, rounds to balls centred on ½, so T₀ = [1 ± ε] and z̃₁ = z̃₀(1 − T₀) + ½z̃₀²(J̃₁ − J̃₂) is centred on 0.
    Its estimate |T₁ − T₀| = z̃₀² = 2^-20 is far above the target, and from then on the midpoints stop moving (0/0):
    the trigger must fire on |z̃| = 0 itself, and the lemma closes at step 1."""
    J = F(1, 2) + F(1, 3 * 2**140)
    p = from_state(["1", "-1"], F(1, 2**10), [J, J])
    enc = enclose_final_ntk(p, prec_bits=128, route=route, max_steps=100, record=True)
    assert enc.trace[0][3] == 2.0**-10 and enc.trace[1][3] == 0.0 and enc.trace[1][1] - enc.trace[0][1] > 2.0**-21
    assert enc.certified and enc.steps == 1 and enc.detail.startswith("tail bound closed at step 1 (attempt 1)")


def test_a_growing_z_of_exactly_one_does_not_fire_the_trigger():
    """The trigger fires where |z̃|'s midpoint shrinks or is 0 (enclosure.py), not where it grows, even to exactly 1.
    ω = (−3, −2, 1), z̃₀ = −1/2, J̃² = (1/4, 4, 3/4) (T₀ = 5) step exactly to z̃₁ = 1, J̃²₁ = (1/16, 0, 27/16), where the
    lemma refuses, and then to z̃₂ = 0 with T₂ = 1, on the attracting part of the fixed line (checked here in exact
    rationals). The lemma is first tried at step 2, and the zero certificate closes [1, 1] at once. A trigger that
    also fired at |z̃₁| = 1 would be refused there and wait 16 steps, and from step 3 on |z̃| = 0 no longer shrinks:
    NOT_CERTIFIED."""
    import flint

    w, z, J = [F(-3), F(-2), F(1)], F(-1, 2), [F(1, 4), F(4), F(3, 4)]
    p = from_state(w, z, J)
    orbit = [(z, J)]
    for _ in range(2):
        T, S = sum(J), sum(wi * j for wi, j in zip(w, J))
        z, J = D.gd_zt_next(z, T, S), [D.gd_J2t_next(z, wi, j) for wi, j in zip(w, J)]
        orbit.append((z, J))
    assert [o[0] for o in orbit] == [F(-1, 2), 1, 0] and orbit[1][1] == [F(1, 16), 0, F(27, 16)]
    assert sum(orbit[2][1]) == 1
    with flint.ctx.workprec(128):
        assert certify_tail(_arb(1), [_arb(j) for j in orbit[1][1]], [_arb(wi) for wi in w]) is None
    enc = enclose_final_ntk(p, prec_bits=128, max_steps=40, record=True)
    assert [row[3] for row in enc.trace] == [0.5, 1.0, 0.0]
    assert enc.certified and (enc.lo, enc.hi, enc.steps) == (1, 1, 2)
    assert enc.detail.startswith("tail bound closed at step 2 (attempt 1)")


def test_a_run_stopped_by_max_steps_keeps_its_fields_and_is_not_retried_at_more_bits():
    """The step-limit record carries η, the step count and the working precision; a step limit is not a
    ball grown too wide, so max_prec_bits does not repeat the run at doubled precision."""
    p = INSTANCES["eta-0.25"]
    enc = enclose_final_ntk(p, prec_bits=128, max_steps=50, max_prec_bits=512)
    assert enc.status is CertStatus.NOT_CERTIFIED and (enc.lo, enc.hi, enc.tail) == (None, None, None)
    assert (enc.eta, enc.steps, enc.prec_bits, enc.route) == (F(1, 4), 50, 128, "planar")
    assert enc.detail.startswith("no tail certificate within max_steps=50 (0 attempts); at step 50 T in [")
    ref = run_gd(p, dps=60, steps=50, method="mpmath")  # the state of step 50 (z~ = eta*z), in the printed balls
    (zlo, zhi), (Tlo, Thi) = _printed_ball(enc.detail, "z~"), _printed_ball(enc.detail, "T")
    assert zlo <= to_fraction(ref.z) * p.eta <= zhi and Tlo <= to_fraction(ref.eta_ntk) <= Thi


# --- an orbit that repeats exactly: periodic for ever, never convergent -----------------------


def _exact_orbit(p, steps):
    """[(z̃_t, (J̃(ω_i)²_t))] for t = 0..steps, the mode map in exact rationals (enclosure.py's docstring)."""
    w, z, J = p.omegas, p.zt0, tuple(p.J2t)
    out = [(z, J)]
    for _ in range(steps):
        T, S = sum(J), sum(wi * j for wi, j in zip(w, J))
        z, J = z * (1 - T) + z * z * S / 2, tuple((1 - z * wi) ** 2 * j for wi, j in zip(w, J))
        out.append((z, J))
    return out


_FIXED = ("the orbit repeats exactly: the state at step 1 is the one of step 0 (z~ = 2, T = 1, every ball a point), "
          "a cycle of period 1 off the fixed line, so GD never converges (z~*omega_i = 2 in every mode with "
          "J~(omega_i) != 0: each theta_i changes sign every step)")


@pytest.mark.parametrize("route", ["planar", "modes"])
def test_an_exact_fixed_point_off_the_line_is_period2_at_step_1(route):
    """ω = (1, −1), z̃₀ = 2, J̃² = (1, 0), so T = ηλ = 1: ω₁z̃ = 2 keeps J̃₁² = (1 − 2)²·1 = 1, J̃₂² stays 0, and
    z̃' = z̃(1 − T) + ½z̃²S = 0 + 2 = z̃. A fixed point of the (z̃, J̃²) map off the line; in θ, θ₁' = (1 − z̃ω₁)θ₁ = −θ₁,
    a period-2 orbit of GD, and the GD engines say PERIOD2. The certifier ran out its 10⁶ steps (11-20 s) and
    said NOT_CERTIFIED, "the orbit has not settled below T = 2", a T it never saw; its state at step 1 equals that
    of step 0, exactly, and it now stops there."""
    p = from_state(["1", "-1"], "2", ["1", "0"])
    assert _exact_orbit(p, 3) == [(2, (1, 0))] * 4
    enclose_final_ntk(p, max_steps=1, route=route)  # loads flint
    start = time.perf_counter()
    enc = enclose_final_ntk(p, route=route)
    assert time.perf_counter() - start < 0.25
    assert (enc.status, enc.steps, enc.lo, enc.hi, enc.tail, enc.prec_bits) == (CertStatus.PERIOD2, 1, None, None,
                                                                                None, 256)
    assert enc.detail == _FIXED and enc.status.has_result and enc.to_json()["eta_ntk_lo"] is None
    for method in ("fixed-point", "mpmath"):
        assert run_gd(p, dps=30, method=method).status.name == "PERIOD2", method


def test_the_cli_names_the_fixed_point_off_the_line_period2(capsys):
    """`sorm certify` on the state above: status period2 (exit 0, as `sorm simulate` for the same state), no bounds."""
    model = ["certify", "--omegas", "1,-1", "--z0", "2", "--J2", "1,0"]
    assert main(model + ["--json"]) == 0
    e = json.loads(capsys.readouterr().out)["enclosure"]
    assert (e["status"], e["detail"], e["steps"], e["eta_ntk_lo"]) == ("period2", _FIXED, 1, None)
    assert main(["simulate", *model[1:], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "period2"


@pytest.mark.parametrize("route", ["planar", "modes"])
def test_an_exact_period_2_orbit_is_period2_where_brent_sees_it(route):
    """ω = (1, −1), z̃₀ = −1, J̃² = (1, 0): z̃₁ = −1·(1 − 1) + ½·1·1 = ½ with J̃₁² = (1 + 1)²·1 = 4, then
    z̃₂ = ½(1 − 4) + ½·¼·4 = −1 with J̃₁² = (1 − ½)²·4 = 1: a 2-cycle, T = 1, 4, 1, 4, ... on each side of the edge.
    The exact states of steps 0, 1, 2 and 4 are kept; the first one a later state equals is that of step 2, at step 4."""
    p = from_state(["1", "-1"], "-1", ["1", "0"])
    assert _exact_orbit(p, 4) == [(-1, (1, 0)), (F(1, 2), (4, 0))] * 2 + [(-1, (1, 0))]
    enc = enclose_final_ntk(p, prec_bits=128, route=route)
    assert (enc.status, enc.steps, enc.lo, enc.tail, enc.eta) == (CertStatus.PERIOD2, 4, None, None, 1)
    quarter = enclose_final_ntk(from_state(["1", "-1"], "-4", ["4", "0"], eta="1/4"), prec_bits=128, route=route)
    assert (quarter.status, quarter.eta, quarter.detail) == (CertStatus.PERIOD2, F(1, 4), enc.detail)  # the same z~, T
    assert enc.detail == ("the orbit repeats exactly: the state at step 4 is the one of step 2 (z~ = -1, T = 1, every "
                          "ball a point), a cycle of period 2 off the fixed line, so GD never converges")


def test_a_repeat_needs_every_coordinate_equal():
    """Equal z̃ alone, or equal T alone, is no repeat. ω = (1, 3, −1), z̃₀ = 2, J̃² = (1, ¼, ¼): S = T, so z̃₁ = z̃₀ = 2,
    while J̃² steps to (1, 25/4, 9/4) (checked here in exact rationals); the orbit then diverges at step 4. And
    :func:`_retry_problem` on the planar route steps from T₀ = ¾ exactly to T₁ = ¾ while z̃ goes from ½ to 19/128."""
    p = from_state(["1", "3", "-1"], "2", ["1", "1/4", "1/4"])
    assert _exact_orbit(p, 1) == [(2, (1, F(1, 4), F(1, 4))), (2, (1, F(25, 4), F(9, 4)))]
    enc = enclose_final_ntk(p, prec_bits=128)
    assert (enc.status, enc.steps) == (CertStatus.DIVERGED, 4)
    q = _retry_problem()
    assert [(z, sum(J)) for z, J in _exact_orbit(q, 1)] == [(F(1, 2), F(3, 4)), (F(19, 128), F(3, 4))]
    enc = enclose_final_ntk(q, prec_bits=128, max_steps=1, route="planar")
    assert (enc.status, enc.steps) == (CertStatus.NOT_CERTIFIED, 1) and "T in [0.75, 0.75]" in enc.detail


_WS = st.tuples(st.sampled_from([1, -1]), st.integers(-4, 4)).map(lambda t: t[0] * F(2) ** t[1])


@settings(deadline=None)
@given(w=_WS, k=st.one_of(st.none(), st.integers(-5, 5).filter(bool)), T=st.integers(1, 64), dead=st.booleans(),
       route=st.sampled_from(["auto", "modes"]))
@example(w=F(1), k=None, T=1, dead=True, route="auto")  # the fixed point above
@example(w=F(1), k=1, T=1, dead=True, route="auto")  # the 2-cycle above
def test_one_live_mode_on_a_dyadic_cycle_is_period2_in_every_engine(w, k, T, dead, route):
    """One live mode ω = ±2^a (and, with ``dead``, a second mode 3ω with J̃² = 0, which stays 0). With u = z̃ω and
    J = J̃(ω)² the map is u' = u(1 − J(1 − u/2)), J' = (1 − u)²J. Off the line (u ≠ 0, J > 0) its fixed points are
    u = 2 with any J, and its 2-cycles have (1 − u)(1 − u') = ±1; the sign + gives u' = −u/(1 − u), J = 2/(1 − u)
    and J' = 2(1 − u), for any u < 1, u ≠ 0 (checked here on the exact orbit), dyadic when 1 − u = 2^k:
    u = 1 − 2^k, J = 2^(1 − k). The certifier says PERIOD2 at step 1 (a fixed point) or 4 (Brent's test sees the
    2-cycle from step 2), with the period of the exact orbit, and so do the GD engines."""
    if k is None:
        z, J, period = 2 / w, F(T, 4), 1
    else:
        z, J, period = (1 - F(2) ** k) / w, F(2) ** (1 - k), 2
    p = from_state([w, 3 * w] if dead else [w], z, [J, 0] if dead else [J])
    orbit = _exact_orbit(p, 2)
    assert orbit[period] == orbit[0] and orbit[1] != orbit[0] or period == 1
    enc = enclose_final_ntk(p, prec_bits=128, route=route)
    assert enc.status is CertStatus.PERIOD2 and enc.steps == (1 if period == 1 else 4), enc.detail
    assert f"a cycle of period {period} off the fixed line" in enc.detail
    for method in ("fixed-point", "mpmath"):
        assert run_gd(p, dps=30, method=method).status.name == "PERIOD2", method


def test_a_ball_with_the_midpoint_of_an_earlier_point_but_a_radius_is_no_repeat(monkeypatch):
    """Only point balls prove a repeat: a stand-in map that keeps every midpoint and adds 2^-200 of radius to z̃ each
    step never repeats (the ball holds other values), and the run stops at max_steps."""
    import flint

    from sorm.numerics.certify import enclosure
    from sorm.numerics.certify.tail import Route

    blur = Route("modes", lambda z, X: z + flint.arb(0, flint.arb(2) ** -200), lambda z, X: list(X))
    monkeypatch.setattr(enclosure, "modes_route", lambda omegas: blur)
    enc = enclose_final_ntk(from_state(["1"], "1", ["1"]), prec_bits=128, route="modes", max_steps=20)
    assert (enc.status, enc.steps) == (CertStatus.NOT_CERTIFIED, 20)
    assert enc.detail.endswith("at step 20 T in [1, 1] and z~ in [0.999999, 1.00001]")


def test_an_exact_repeat_of_a_longer_period_is_not_called_period2(monkeypatch):
    """No exact dyadic orbit of the GD map with a period above 2 is known here (a search of one-mode orbits over
    dyadic u = z̃ω and Ẽ with denominators up to 2^5 found none), so a stand-in map checks the rule: z̃ = 1 fixed,
    J̃² cycling 1 → 2 → 3 → 1 (|z̃| never shrinks, so the tail lemma is never tried). The kept states are those of
    steps 0, 1, 2 and 4; step 7 repeats step 4. Period 3 is not period 2: NOT_CERTIFIED, the period named."""
    from sorm.numerics.certify import enclosure
    from sorm.numerics.certify.tail import Route

    cycle = Route("modes", lambda z, X: z, lambda z, X: [X[0] + 1 if X[0] < 3 else X[0] - 2])
    monkeypatch.setattr(enclosure, "modes_route", lambda omegas: cycle)
    enc = enclose_final_ntk(from_state(["1"], "1", ["1"]), prec_bits=128, route="modes", max_steps=100)
    assert (enc.status, enc.steps, enc.lo) == (CertStatus.NOT_CERTIFIED, 7, None)
    assert enc.detail == ("the orbit repeats exactly: the state at step 7 is the one of step 4 (z~ = 1, T = 2, every "
                          "ball a point), a cycle of period 3 off the fixed line, so GD never converges; not period 2")


_D = F(1, 2 * 10**50)
_NOT_ATTRACTING = "1 - T is not in (-1, 1), the line does not attract there"
_AT_AN_END = "the ball of T holds an end of the attracting segment 0 < T < 2; raise prec_bits"


@pytest.mark.parametrize("J, bits, status, text", [
    ((1, 1), 128, CertStatus.UNSTABLE_FIXED_POINT, f"[2, 2]: {_NOT_ATTRACTING}"),
    ((F(5, 4), F(5, 4)), 128, CertStatus.UNSTABLE_FIXED_POINT, f"[2.5, 2.5]: {_NOT_ATTRACTING}"),
    ((0, 0), 128, CertStatus.UNSTABLE_FIXED_POINT, f"[0, 0]: {_NOT_ATTRACTING}"),
    ((F(1, 4), F(1, 4)), 128, CertStatus.CERTIFIED, None),
    ((1 - _D, 1 - _D), 128, CertStatus.NOT_CERTIFIED, _AT_AN_END),
    ((1 - _D, 1 - _D), 256, CertStatus.CERTIFIED, None),
    ((1 + _D, 1 + _D), 128, CertStatus.NOT_CERTIFIED, _AT_AN_END),
    ((1 + _D, 1 + _D), 256, CertStatus.UNSTABLE_FIXED_POINT, _NOT_ATTRACTING),
], ids=["T2", "T2.5", "T0", "T0.5", "below-2-at-128", "below-2-at-256", "above-2-at-128", "above-2-at-256"])
def test_a_start_on_the_fixed_line_is_classed_by_its_ball_of_T(J, bits, status, text):
    """z̃₀ = 0 exactly: the orbit stays at (0, T₀). T₀ in (0, 2) is certified at the first attempt (step 1,
    the zero tail); T₀ ≥ 2 or T₀ = 0 is an unstable fixed point at step 0; a ball of T holding 2 (T₀ = 2 ∓ 1e-50
    at 128 bits) is not certified at step 0, and max_prec_bits does not retry it; 256 bits decide it."""
    p = from_state(["1", "-1"], "0", list(J))
    enc = enclose_final_ntk(p, prec_bits=bits, max_prec_bits=512)
    assert (enc.status, enc.prec_bits, enc.eta, enc.route) == (status, bits, 1, "planar"), enc.detail
    if status is CertStatus.CERTIFIED:
        assert enc.steps == 1 and enc.contains(p.T0) and enc.width <= F(4, 2**bits)
        assert enc.detail.startswith("tail bound closed at step 1 (attempt 1)")
    else:
        assert (enc.steps, enc.lo, enc.hi, enc.tail) == (0, None, None, None)
        assert enc.detail.startswith("exactly on the fixed line z~ = 0 at step 0 with T in [")
        assert enc.detail.endswith(text)


def test_an_exact_step_onto_the_line_with_a_rounded_ball_of_T_holding_0_is_not_certified():
    """z̃ can land exactly on the line while T's ball is rounded: ω = (1, 1 + 2⁻⁷⁰), z̃₀ = 1, J̃² = (2, 0) step
    exactly to (0, 0) (checked below in rationals on the generated planar map; (a, b, Ẽ) = (2 + 2⁻⁷⁰, 1 + 2⁻⁷⁰, 0)).
    At 128 bits the planar z̃-step is exact (its terms need at most 72 bits), but T' has a² and ab (about 142 bits),
    so T₁'s ball is 0 ± 7e-38: it holds 0 < T < ~1e-37, where the line attracts, so the state is NOT_CERTIFIED, not
    an unstable fixed point. At 256 bits T₁ = [0, 0] and it is UNSTABLE_FIXED_POINT, as on the mode route
    (whose J̃² steps are exact at 128 bits)."""
    w2 = 1 + F(1, 2**70)
    p = from_state([1, w2], 1, [2, 0])
    a, b, Et = planar_parameters(p)
    assert (a, b, Et) == (1 + w2, w2, 0)
    assert (D.planar_zt_next(F(1), F(2), a, b, Et), D.planar_T_next(F(1), F(2), a, b, Et)) == (0, 0)
    enc = enclose_final_ntk(p, prec_bits=128, max_prec_bits=512, route="planar")
    assert (enc.status, enc.steps, enc.prec_bits, enc.lo, enc.hi) == (CertStatus.NOT_CERTIFIED, 1, 128, None, None)
    assert re.fullmatch(r"exactly on the fixed line z~ = 0 at step 1 with T in \[-(\S+), (\S+)\]: " + re.escape(_AT_AN_END),
                        enc.detail), enc.detail  # the premise: lo < 0 < hi, the ball holds the end T = 0
    for bits, route in [(256, "planar"), (128, "modes")]:
        enc = enclose_final_ntk(p, prec_bits=bits, route=route)
        assert (enc.status, enc.steps, enc.lo, enc.hi) == (CertStatus.UNSTABLE_FIXED_POINT, 1, None, None)
        assert enc.detail == f"exactly on the fixed line z~ = 0 at step 1 with T in [0, 0]: {_NOT_ATTRACTING}"


@pytest.mark.parametrize("which", ["z", "T"])
def test_a_ball_that_stops_being_finite_ends_the_run_as_diverged_at_that_step(which, monkeypatch):
    """A guard: arb's exponents are unbounded, so the polynomial maps pass the blow-up bound before a ball
    stops being finite; here the route is made to return a non-finite ball of z̃ (or of T) after its third
    step. The run ends DIVERGED at step 3 with no bounds and is not retried at more bits."""
    import flint

    from sorm.numerics.certify import enclosure

    real = enclosure.planar_route

    def broken(*abe):
        rt, calls = real(*abe), []

        def step(z, X):
            calls.append(None)
            z, X = type(rt).step(rt, z, X)
            if len(calls) == 3:
                z, X = (flint.arb("inf"), X) if which == "z" else (z, [flint.arb("nan")])
            return z, X

        rt.step = step
        return rt

    monkeypatch.setattr(enclosure, "planar_route", broken)
    p = INSTANCES["eta-0.25"]
    enc = enclose_final_ntk(p, prec_bits=128, max_prec_bits=512)
    assert (enc.status, enc.lo, enc.hi, enc.tail, enc.eta, enc.steps, enc.prec_bits, enc.route) == \
        (CertStatus.DIVERGED, None, None, None, F(1, 4), 3, 128, "planar")
    assert enc.detail == "the balls stopped being finite at step 3"


def test_planar_parameters_are_the_invariant_of_the_state():
    """(a, b, Ẽ) = (ω₁ + ω₂, ω₁ω₂, ½(J̃₁/ω₁ + J̃₂/ω₂) − z̃) in rescaled variables (z̃ = ηz, J̃² = ηJ²),
    computed here by hand; a P = 3 model has no 2-D reduction."""
    p = from_state(["1.5", "-0.5"], "-0.02", ["1.2", "0.7"], "0.25")
    z, J1, J2 = F(-2, 100) / 4, F(12, 10) / 4, F(7, 10) / 4
    assert planar_parameters(p) == (F(1), F(-3, 4), (J1 / F(3, 2) + J2 / F(-1, 2)) / 2 - z) == (1, F(-3, 4), F(-7, 100))
    assert planar_parameters(eos_problem("0.01", Et=F(-1, 10), w=(2, F(-1, 2)), sign=-1)) == (F(3, 2), -1, F(-1, 10))
    with pytest.raises(InputError, match="2-D reduction"):
        planar_parameters(INSTANCES["P3"])


def test_the_planar_route_keeps_more_digits_near_the_edge():
    """docs/theory.md §5.3's family near the edge: iterating the two balls (z̃, T) instead of the P + 1
    mode balls loses far fewer digits (measured: width 2e-35 against 8e-23 at 160 bits)."""
    p = INSTANCES["model-5-eps0.005"]
    planar, modes = (enclose_final_ntk(p, prec_bits=160, route=r) for r in ("planar", "modes"))
    assert planar.certified and modes.certified and planar.route == "planar" and modes.route == "modes"
    assert planar.width < modes.width * F(1, 10**10)


@pytest.mark.parametrize("w, z, J", [
    (["1e-20", "-1"], "1e20", ["2", "0.01"]),   # |z̃₀| sets the bound
    (["1", "-1"], "0.001", ["500", "500"]),     # T₀ sets it
    (["1e-20", "-1"], "0.5", ["2", "10"]),      # |Ẽ| = 1e20 sets it
    (["1e-20", "-1e-20"], "0.001", ["1.5", "1.5"]),  # T stays 3 while z̃ doubles: |z̃| alone passes, at step 42
], ids=["z0", "T0", "Et", "z-alone"])
def test_diverged_at_the_first_step_past_the_documented_bound(w, z, J):
    """DIVERGED at the first step n where |z̃_n| or T_n passes 2^30·max(1, |z̃₀|, T₀, |Ẽ|): found here on the
    exact mode map at 60 digits, with a wide margin on both sides; the mpmath engine agrees."""
    from sorm.numerics.status import divergence_bound

    p = from_state(w, z, J)
    with mpmath.workdps(60):
        mp = lambda x: mpmath.mpf(x.numerator) / x.denominator  # noqa: E731
        big = mp(F(divergence_bound(p.zt0, p.T0, p.Et)))
        zm, Jm, wm = mp(p.zt0), [mp(j) for j in p.J2t], [mp(x) for x in p.omegas]
        for n in range(60):
            size = max(abs(zm), sum(Jm))
            if size > big:
                break
            assert size < big * 9 / 10  # a margin far beyond the balls' radii (about 1e-30 relative)
            Tm, Sm = sum(Jm), sum(a * b for a, b in zip(wm, Jm))
            zm, Jm = D.gd_zt_next(zm, Tm, Sm), [D.gd_J2t_next(zm, a, b) for a, b in zip(wm, Jm)]
        assert size > big * 11 / 10
    enc = enclose_final_ntk(p, prec_bits=128, max_prec_bits=512)  # a diverged run is not retried at more bits
    assert enc.status is CertStatus.DIVERGED and enc.steps == n and enc.lo is None and enc.eta == p.eta
    assert enc.prec_bits == 128 and enc.detail == f"|z~| or T passed {float(big):.3g} at step {n}"
    gd = run_gd(p, dps=30, method="mpmath")
    assert gd.status.name == "DIVERGED" and gd.steps == n


@pytest.mark.parametrize("route", ["planar", "modes"])
@pytest.mark.parametrize("w, z, J, which", [
    ([F(1, 4), -1], 2**17, [2**30 + 1, 0], "z"),  # |z̃₁| = 2^30·|Ẽ| exactly, T₁ below it
    ([2**15 + 1, -1], 1, [2**16 + 2, 0], "T"),    # T₁ = 2^30·T₀ exactly (Ẽ = 0), |z̃₁| below it
], ids=["z-equal", "T-equal"])
def test_a_state_exactly_at_the_blow_up_bound_has_not_passed_it(w, z, J, which, route):
    """"Passes" means exceeds: a step whose |z̃| (or T) equals 2^30·max(1, |z̃₀|, T₀, |Ẽ|) exactly is not yet
    DIVERGED. The two states are dyadic and chosen (here, by hand) so that step 1 lands on the bound exactly
    (checked below in exact rationals; the balls are points, radius 0); step 2 is far past it."""
    from sorm.numerics.status import divergence_bound

    p = from_state(w, z, J)
    big = divergence_bound(p.zt0, p.T0, p.Et)
    T0, S0 = sum(p.J2t), sum(a * b for a, b in zip(p.omegas, p.J2t))
    z1, T1 = D.gd_zt_next(p.zt0, T0, S0), sum(D.gd_J2t_next(p.zt0, a, b) for a, b in zip(p.omegas, p.J2t))
    assert (abs(z1) == big > T1) if which == "z" else (T1 == big > abs(z1))
    enc = enclose_final_ntk(p, prec_bits=128, route=route, record=True)
    assert enc.trace[1] == (1, float(T1), 0.0, float(abs(z1)))
    assert enc.status is CertStatus.DIVERGED and enc.steps == 2
    assert enc.detail == f"|z~| or T passed {float(big):.3g} at step 2"


@pytest.mark.parametrize("route", ["planar", "modes"])
@pytest.mark.parametrize("z, J, at", [("0.5", [0, 0], 0), (F(1, 2), [1, 0], 1)], ids=["at-step-0", "at-step-1"])
def test_no_gradient_is_the_exact_point_zero_and_is_not_retried_at_more_bits(z, J, at, route):
    """T exactly 0 with z̃ != 0: every J̃(ω_i)² is 0 (at step 0, or at step 1 from ω = (2, −1), z̃₀ = 1/2, J̃² = (1, 0),
    where (1 − z̃₀ω₁)² = 0), so GD stays there: NO_GRADIENT with [lo, hi] = [0, 0] at that step, the record's
    fields and detail in full, and no repeat at doubled precision (nothing grew too wide)."""
    p = from_state([2, -1], z, J)
    enc = enclose_final_ntk(p, prec_bits=128, max_prec_bits=512, route=route)
    assert (enc.status, enc.lo, enc.hi, enc.tail, enc.eta, enc.steps, enc.prec_bits, enc.route) == \
        (CertStatus.NO_GRADIENT, 0, 0, None, 1, at, 128, route)
    assert enc.detail == (f"eta*lambda = 0 exactly at step {at} with z~ != 0: no gradient, GD stays at this state, "
                          "so eta*lambda_inf = 0 exactly")


def test_the_routes_carry_their_names_and_certify_tail_passes_its_cap_on():
    """Route.name is "modes" or "planar" (the public attribute); ``cap`` reaches the lemma: the z̃-map has degree 2,
    so a series cut at cap = 3 may be truncated and is refused, while cap = 5 (every map has z̃-degree at most 3)
    proves the same certificate as the default 8."""
    import flint

    from sorm.numerics.certify import certify_tail_planar
    from sorm.numerics.certify.tail import modes_route, planar_route

    assert modes_route([1, -1]).name == "modes" and planar_route(0, -1, 0).name == "planar"
    with flint.ctx.workprec(128):
        z, J, w = flint.arb("0.01"), [flint.arb("0.5"), flint.arb("0.6")], [flint.arb(1), flint.arb(-1)]
        abE = (flint.arb(0), flint.arb(-1), flint.arb("0.2"))
        assert certify_tail(z, J, w, cap=3) is None and certify_tail_planar(z, sum(J), *abE, cap=3) is None
        assert certify_tail(z, J, w, cap=5) == certify_tail(z, J, w) is not None
        assert certify_tail_planar(z, sum(J), *abE, cap=5) == certify_tail_planar(z, sum(J), *abE) is not None


def test_the_smallest_cap_2_is_accepted():
    """cap = 2 is the lower end of the documented range 2 ≤ cap ≤ flint.ctx.cap: accepted, not bad input. Every map
    that moves z̃ has a z̃¹ term, which a series of 2 coefficients may have cut, so the guard refuses it (None); a state
    on the line still has the zero certificate."""
    import flint

    with flint.ctx.workprec(128):
        J, w = [flint.arb("0.5"), flint.arb("0.6")], [flint.arb(1), flint.arb(-1)]
        assert certify_tail(flint.arb("0.01"), J, w, cap=2) is None
        assert certify_tail(flint.arb(0), J, w, cap=2).tail == 0


@pytest.mark.parametrize("cap", [11, 12, 1, 0, 2.5, True], ids=["11", "12", "1", "0", "float", "bool"])
def test_a_cap_beyond_flints_series_length_is_refused(cap):
    """python-flint cuts every series at flint.ctx.cap = 10 terms whatever prec asks, so with cap = 12 a map
    with a z̃¹¹ term would pass the truncation guard cut (a certificate that proves nothing); such a cap is
    bad input, and cap = 10 still works."""
    import flint

    from sorm.numerics.certify import certify_tail_planar

    assert flint.ctx.cap == 10
    with flint.ctx.workprec(128):
        z, J, w = flint.arb("0.01"), [flint.arb("0.5"), flint.arb("0.6")], [flint.arb(1), flint.arb(-1)]
        abE = (flint.arb(0), flint.arb(-1), flint.arb("0.2"))
        assert certify_tail(z, J, w, cap=10) == certify_tail(z, J, w) is not None
        with pytest.raises(InputError, match=rf"^cap={cap!r}: expected an integer from 2 to 10 "):
            certify_tail(z, J, w, cap=cap)
        with pytest.raises(InputError, match=rf"^cap={cap!r}: "):
            certify_tail_planar(z, sum(J), *abE, cap=cap)


def test_a_ball_wider_than_max_width_stops_the_run_and_more_bits_recover_it():
    """NOT_CERTIFIED at the first step whose ball of T is wider than max_width (its recorded radius),
    with the remedy in the detail; max_prec_bits then repeats the run at doubled precision."""
    p = eos_problem("0.01")
    enc = enclose_final_ntk(p, prec_bits=128, max_width=F(1, 10**30), record=True)
    radii = [row[2] for row in enc.trace]
    n = next(i for i, r in enumerate(radii) if r > 1e-30)
    assert enc.status is CertStatus.NOT_CERTIFIED and enc.lo is None
    assert (enc.steps, len(radii), enc.eta, enc.prec_bits) == (n, n + 1, p.eta, 128)
    assert enc.detail == (f"the ball of T grew to radius {radii[n]:.3g} > max_width at step {n}; raise prec_bits "
                          "(an orbit that never settles, e.g. period-2 or chaotic, always ends here)")
    up = enclose_final_ntk(p, prec_bits=128, max_width=F(1, 10**30), max_prec_bits=256)
    assert up.certified and up.prec_bits == 256 and up.detail.endswith("(precision raised: [128, 256] bits)")
    assert up.contains(LIMIT5) and up.width < F(1, 10**60)
    top = enclose_final_ntk(p, prec_bits=128, max_width=F(1, 10**70), max_prec_bits=256)  # 256 bits: still too wide
    assert top.status is CertStatus.NOT_CERTIFIED and top.prec_bits == 256 and "[128, 256] bits" in top.detail
    # a radius equal to max_width is allowed (radii are dyadic, exact as floats): the run stops one step later
    assert radii[9] < radii[10] < radii[11]
    edge = enclose_final_ntk(p, prec_bits=128, max_width=F(radii[10]))
    assert edge.status is CertStatus.NOT_CERTIFIED and edge.steps == 11 and "at step 11" in edge.detail


def test_the_margins_are_twice_the_point_estimate_of_the_drift():
    """tail.py: the box's margins are m_i = 2·C_i⁰ r/(1 − q⁰) + 2⁻³⁰ r, with q⁰ = sup|1 − T + ½z̃S| and
    C_i⁰ = sup|ω_iJ̃(ω_i)²(ω_iz̃ − 2)| over |z̃| <= r at the point balls (module docstring), computed here from those
    closed forms in ball arithmetic (not the lemma's series); they agree with the certificate's margins to 8 digits
    (measured: 1.5e-11 apart), where a factor 3 for 2 would be 50% off."""
    import flint

    from sorm.numerics.certify.balls import hull, sup_abs

    with flint.ctx.workprec(128):
        z, w, J = flint.arb("0.01"), [flint.arb(1), flint.arb(-1)], [flint.arb("0.5"), flint.arb("0.6")]
        cert = certify_tail(z, J, w)
        r = cert.r
        zb = hull(-r, r)
        q0 = sup_abs(1 - sum(J) + zb * sum(a * b for a, b in zip(w, J)) / 2)
        want = [2 * sup_abs(a * b * (a * zb - 2)) * r / (1 - q0) + r / 2**30 for a, b in zip(w, J)]
    assert len(cert.margins) == 2
    for m, ref in zip(cert.margins, want):
        assert abs(m - ref) <= ref * F(1, 10**8)


def test_a_mode_with_zero_weight_changes_no_bound_of_the_tail_lemma():
    """J̃(ω₂)² = 0 stays 0 (its z̃-polynomial is the constant 0): the certificate for (J₁, 0) at ω = (1, −1)
    agrees with the one-mode certificate for (J₁) at ω = (1), bound for bound, up to the box's fixed slack
    2⁻³⁰ r around the zero mode."""
    import flint

    with flint.ctx.workprec(128):
        two = certify_tail(flint.arb("0.01"), [flint.arb("1.5"), flint.arb(0)], [flint.arb(1), flint.arb(-1)])
        one = certify_tail(flint.arb("0.01"), [flint.arb("1.5")], [flint.arb(1)])
    assert one is not None and two.r == one.r
    for mine, ref in [(two.q, one.q), (two.C, one.C), (two.tail, one.tail)]:
        assert abs(mine - ref) <= ref * F(1, 10**8)
    assert two.margins[1] == F(1, 2**30) * two.r  # only the fixed slack of the box


def test_the_tail_lemma_refuses_a_map_it_cannot_bound():
    """The lemma needs z̃' = z̃·f (z̃' vanishes on the line) and polynomials it reads whole. A route that
    moves points of the line, or whose z̃-series reaches the cap (8 coefficients), gets no certificate;
    the generated maps have z̃-degree at most 3, so the cap never truncates them."""
    import flint
    import sympy as sp

    from sorm.numerics.certify.tail import Route, modes_route, tail_certificate

    with flint.ctx.workprec(128):
        z, X = flint.arb("0.001"), [flint.arb("0.5"), flint.arb("0.3")]
        good = modes_route([flint.arb(1), flint.arb(-1)])
        assert tail_certificate(good, z, X) is not None
        bad = {"moves the line": Route("bad", lambda z, X: good.zt_next(z, X) + flint.arb("1e-30"), good.x_next),
               "z~ of degree 7": Route("bad", lambda z, X: good.zt_next(z, X) + z**7, good.x_next),
               "T of degree 7": Route("bad", good.zt_next, lambda z, X: [x + z**7 for x in good.x_next(z, X)])}
        for why, route in bad.items():
            assert tail_certificate(route, z, X) is None, why
    zt, T, S, a, b, E, w, J = sp.symbols("zt T S a b E w J")
    for f in (D.gd_zt_next(zt, T, S), D.gd_J2t_next(zt, w, J), D.planar_zt_next(zt, T, a, b, E),
              D.planar_T_next(zt, T, a, b, E)):
        assert sp.degree(sp.expand(f), zt) <= 3


def _arb(x):
    import flint

    x = F(x)
    return flint.arb(flint.fmpq(x.numerator, x.denominator))


@pytest.mark.parametrize("z, J", [("0.01", ("0.2", "0.6")), ("-0.01", ("0.2", "0.6")), ("0.01", ("0.6", "0.2"))])
def test_tail_certificate_bounds_hold_over_the_whole_box(z, J):
    """q and C bound |z̃'/z̃| and |T' − T|/|z̃| over the whole box |z̃| <= r, X_i within its margin, checked
    exactly at the box's corners with the generated map in Fractions. With S < 0 the largest |z̃'/z̃| is at
    z̃ = −r, so a box built on one side of 0 only gives too small a q."""
    import flint

    w = (1, -1)
    with flint.ctx.workprec(128):
        cert = certify_tail(_arb(z), [_arb(j) for j in J], [_arb(1), _arb(-1)])
    assert cert is not None
    worst_q, worst_C = F(0), F(0)
    for zc in (-cert.r, cert.r):
        for s0 in (-1, 1):
            for s1 in (-1, 1):
                X = (F(J[0]) + s0 * cert.margins[0], F(J[1]) + s1 * cert.margins[1])
                S = w[0] * X[0] + w[1] * X[1]
                worst_q = max(worst_q, abs(D.gd_zt_next(zc, X[0] + X[1], S) / zc))
                worst_C = max(worst_C, abs(sum(D.gd_J2t_next(zc, wi, x) - x for wi, x in zip(w, X)) / zc))
    assert worst_q <= cert.q and worst_C <= cert.C


def test_no_tail_certificate_when_the_widened_box_stops_contracting():
    """At z̃ = 0.1, J² = (0.05, 0.05) the state itself contracts (|z̃'/z̃| < 1), but the box widened by the
    margins reaches T < 0, where |z̃'/z̃| > 1: the lemma does not apply, so no certificate (and never a
    negative tail)."""
    import flint

    with flint.ctx.workprec(128):
        cert = certify_tail(_arb("0.1"), [_arb("0.05"), _arb("0.05")], [_arb(1), _arb(-1)])
    assert abs(D.gd_zt_next(F("0.1"), F("0.1"), F(0)) / F("0.1")) < 1
    assert cert is None


def test_no_tail_certificate_at_exactly_T_2_where_z_does_not_shrink():
    """ω = (1, −1), J̃² = (1, 1): T = 2 and S = 0 exactly, so z̃' = −z̃, and the contraction bound at the state is
    q = sup |1 − T + ½z̃S| = 1 exactly (point balls). The lemma needs q < 1: no certificate (and no division by
    1 − q = 0)."""
    import flint

    assert D.gd_zt_next(F(1, 2), F(2), F(0)) == F(-1, 2)
    with flint.ctx.workprec(128):
        assert certify_tail(_arb(F(1, 2)), [_arb(1), _arb(1)], [_arb(1), _arb(-1)]) is None


def test_no_tail_certificate_when_the_widened_box_reaches_T_2_exactly():
    """One mode of weight ω = 0 (it never moves: T is constant and z̃' = z̃(1 − T)) at T = 2 − (2²⁹ + 7)·2⁻⁶⁰,
    z̃ = 1/2. At the state q = |1 − T| < 1, and the only drift bound is 0, so the margin is the floor 2⁻³⁰r = 2⁻³¹.
    The box [T − 2⁻³¹, T + 2⁻³¹], as the ball arithmetic holds it (outward rounding adds 7·2⁻⁶⁰; recomputed here
    through the public route), reaches T = 2 exactly, where |z̃'/z̃| = 1: the box's q is exactly 1 and no
    certificate may be issued (nor 1/(1 − q) formed)."""
    import flint

    from sorm.numerics.certify.balls import hull
    from sorm.numerics.certify.tail import modes_route
    from sorm.numerics.precision import ball_endpoints

    T, m = 2 - F(2**29 + 7, 2**60), F(1, 2**31)
    with flint.ctx.workprec(128):
        series = modes_route([_arb(0)]).zt_next(flint.arb_series([0, 1], prec=8), [hull(T - m, T + m)])
        coeffs = series.coeffs()
        assert len(coeffs) == 2 and ball_endpoints(coeffs[1])[0] == -1  # 1 − T over the box reaches −1
        assert certify_tail(_arb(F(1, 2)), [_arb(T)], [_arb(0)]) is None


def test_a_drift_bound_equal_to_its_margin_is_certified():
    """The lemma's hypothesis is D_i = C_i r/(1 − q) <= m_i, equality allowed. ω = (0, 1), z̃ = 1/4, J̃² = (T, 0): the
    second mode is dead (J̃² = 0, so its drift bound at the state is 0 and its margin the floor 2⁻³⁰r), and
    T = 9/16 + 742391809·2⁻⁵⁷ (found by solving for it) makes the box's drift bound C r/(1 − q) equal that margin
    exactly (the first mode's drift is 0, so the sum bound C is this mode's C_i). The certificate is issued; its own
    fields show the tie."""
    import flint

    T = F(9, 16) + F(742391809, 2**57)
    with flint.ctx.workprec(128):
        cert = certify_tail(_arb(F(1, 4)), [_arb(T), _arb(0)], [_arb(0), _arb(1)])
    assert cert is not None and cert.r == F(1, 4) and cert.q < 1
    assert cert.margins == (F(1, 2**32), F(1, 2**32)) and cert.C * cert.r / (1 - cert.q) == cert.margins[1]


def test_a_state_on_the_line_has_the_zero_certificate():
    """z̃ = 0 exactly: the map keeps it there, so every field of the certificate is 0 (r, q, C, tail, margins)."""
    import flint

    with flint.ctx.workprec(128):
        cert = certify_tail(_arb(0), [_arb("1.3"), _arb("0.8")], [_arb(1), _arb(-1)])
    assert (cert.r, cert.q, cert.C, cert.tail, cert.margins) == (0, 0, 0, 0, (0, 0))
