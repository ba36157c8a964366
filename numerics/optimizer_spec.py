"""An optimizer's parsed specification and its certified edge of stability (derived here).

:func:`parse_optimizer` reads ``gd``, ``sam:rho=R``, ``heavy-ball:beta=B`` or ``nesterov:beta=B``
exactly; :func:`edge` gives the edge T* = ηλ* of the generated map, exact when rational, else a
certified interval (:mod:`numerics.optimizer` describes the optimizers and the method).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import mpmath

from . import _derived as D
from .display import compact_repr
from .validate import DEFAULT_DPS, InputError, dps as _check_dps, exact, positive

__all__ = ["OPTIMIZER_KEYS", "OptimizerSpec", "parse_optimizer", "exact_decimal", "EdgeValue", "edge"]


#: key → hyper-parameter name (None for GD).
OPTIMIZER_KEYS = {"gd": None, "sam": "rho", "heavy-ball": "beta", "nesterov": "beta"}
_USAGE = "gd | sam:rho=R | heavy-ball:beta=B | nesterov:beta=B"


@dataclass(frozen=True)
class OptimizerSpec:
    """An optimizer and its exact hyper-parameter: key in OPTIMIZER_KEYS, value ρ or β (None for GD)."""

    key: str
    value: Fraction | None = None

    def __post_init__(self):
        name = OPTIMIZER_KEYS.get(self.key, "?")
        if name == "?":
            raise InputError(f"optimizer={self.key!r}: expected one of {_USAGE}")
        if (name is None) != (self.value is None):
            raise InputError(f"optimizer={self.key!r}: {'takes no parameter' if name is None else f'needs {name}='}; "
                             f"expected {_USAGE}")
        if name == "rho" and self.value < 0:
            raise InputError(f"rho={float(self.value)!r}: expected rho >= 0 (the SAM radius); pass e.g. sam:rho=1/10")
        if name == "beta" and not 0 <= self.value < 1:
            raise InputError(f"beta={float(self.value)!r}: expected 0 <= beta < 1 (momentum); pass e.g. "
                             f"{self.key}:beta=9/10")

    __repr__ = compact_repr

    def __str__(self) -> str:
        name = OPTIMIZER_KEYS[self.key]
        return self.key if name is None else f"{self.key}:{name}={self.value}"

    @property
    def memory(self) -> bool:
        """The rule reads θ⁻ (momentum)."""
        return OPTIMIZER_KEYS[self.key] == "beta"

    @property
    def py(self) -> str:
        return self.key.replace("-", "_")

    def hyper_tilde(self, eta) -> dict:
        """{argument name: value} of the η-rescaled hyper-parameter (generated rescaling), exact."""
        name = OPTIMIZER_KEYS[self.key]
        if name is None:
            return {}
        tilde = "rhot" if name == "rho" else name
        return {tilde: getattr(D, f"opt_{self.py}_{tilde}")(Fraction(eta), self.value)}


def parse_optimizer(text) -> OptimizerSpec:
    """``gd``, ``sam:rho=R``, ``heavy-ball:beta=B`` or ``nesterov:beta=B`` (R, B exact: 0.9, 9/10, 1e-1)."""
    if isinstance(text, OptimizerSpec):
        return text
    if not isinstance(text, str):
        raise InputError(f"optimizer={text!r}: expected a string like {_USAGE}")
    key, _, rest = text.strip().partition(":")
    key = key.strip().lower()
    if key not in OPTIMIZER_KEYS:
        raise InputError(f"optimizer={text!r}: unknown optimizer {key!r}; expected {_USAGE}")
    name = OPTIMIZER_KEYS[key]
    if name is None:
        if rest.strip():
            raise InputError(f"optimizer={text!r}: gd takes no parameter; pass --optimizer gd")
        return OptimizerSpec(key)
    pname, eq, value = rest.partition("=")
    if pname.strip().lower() != name or not eq:
        raise InputError(f"optimizer={text!r}: expected {key}:{name}=VALUE, e.g. {key}:{name}=1/10")
    return OptimizerSpec(key, exact(name, value))


def exact_decimal(q: Fraction, digits: int) -> str:
    """An exact rational as text: its finite decimal expansion if it has one, else ``p/q``."""
    d = q.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    if d != 1:
        return f"{q.numerator}/{q.denominator}"
    from decimal import Decimal, localcontext

    with localcontext() as ctx:
        ctx.prec = len(str(q.numerator)) + len(str(q.denominator)) + 5  # enough for an exact finite quotient
        text = format(Decimal(q.numerator) / Decimal(q.denominator), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class EdgeValue:
    """The edge of stability T* = ηλ* of an optimizer at step η (derived here; certified).

    exact: T* as a Fraction when it is rational (else None). lo, hi: rational bounds with
    lo ≤ T* ≤ hi (lo = hi = exact when exact), proved by the sign change of the generated
    p(−1) at lo and hi (exact rational arithmetic). text: T* exactly (finite decimal or p/q)
    or to the digits the bounds guarantee. ntk_lo, ntk_hi: λ* = T*/η bounds. method:
    "exact" or "interval". dps: the decimal digits asked for (of text, and of the interval's precision).
    """

    optimizer: str
    exact: Fraction | None
    lo: Fraction
    hi: Fraction
    text: str
    method: str
    eta: Fraction
    dps: int

    @property
    def ntk_bounds(self) -> tuple[Fraction, Fraction]:
        return self.lo / self.eta, self.hi / self.eta

    __repr__ = compact_repr


def _common_digits(lo: Fraction, hi: Fraction, digits: int) -> str:
    """The longest decimal (up to ``digits`` significant digits) correct for every value in [lo, hi]."""
    with mpmath.workdps(digits + 20):
        a, b = (mpmath.mpf(x.numerator) / x.denominator for x in (lo, hi))
        for n in range(digits, 0, -1):
            sa, sb = mpmath.nstr(a, n, strip_zeros=False), mpmath.nstr(b, n, strip_zeros=False)
            if sa == sb:
                # rounding to n digits gives the same text at both ends, so at every point between
                return sa
    return "nan"


def edge(spec: OptimizerSpec, eta=1, *, dps=DEFAULT_DPS) -> EdgeValue:
    """The certified edge T* = ηλ* of ``spec`` at step ``eta``, to ``dps`` decimal digits (module docstring)."""
    spec = parse_optimizer(spec)
    eta = positive("eta", eta)
    digits = _check_dps(dps)
    hyp = spec.hyper_tilde(eta)
    fn = getattr(D, f"opt_{spec.py}_edge")
    flip = getattr(D, f"opt_{spec.py}_flip")
    try:
        value = fn(*hyp.values())
        rational = isinstance(value, (int, Fraction))
    except (TypeError, ValueError):
        rational = False
    if rational:
        value = Fraction(value)
        if flip(value, *hyp.values()) != 0:
            raise ArithmeticError(f"{spec}: the generated edge does not solve p(-1) = 0")
        return EdgeValue(str(spec), value, value, value, exact_decimal(value, digits), "exact", eta, digits)
    import flint

    from .precision import ball_endpoints

    prec = int(math.ceil(digits * math.log2(10))) + 32
    old = flint.ctx.prec
    try:
        flint.ctx.prec = prec
        args = [flint.arb(flint.fmpq(v.numerator, v.denominator)) for v in hyp.values()]
        lo, hi = ball_endpoints(fn(*args))
    finally:
        flint.ctx.prec = old
    f_lo, f_hi = flip(lo, *hyp.values()), flip(hi, *hyp.values())
    # The edge may be rational after all (ρ̃ = 6: T* = 1/2; ρ̃ = 3/8: T* = 4/3): try the ends and the
    # simplest fraction in [lo, hi], each checked exactly against p(−1) = 0.
    simple = ((lo + hi) / 2).limit_denominator(10 ** 6)
    for q in (lo, hi, simple):
        if lo <= q <= hi and q > 0 and flip(q, *hyp.values()) == 0:
            return EdgeValue(str(spec), q, q, q, exact_decimal(q, digits), "exact", eta, digits)
    if not (lo > 0 and f_lo * f_hi < 0):
        raise ArithmeticError(f"{spec}: no certified sign change of p(-1) on [{float(lo)}, {float(hi)}]")
    return EdgeValue(str(spec), None, lo, hi, _common_digits(lo, hi, digits), "interval", eta, digits)
