"""The claims registry: every claim, its source, its method and a check for it.

A claim module in ``proofs_check/claims/`` registers its checks with :func:`claim`::

    @claim("gf.z_sign", "z keeps its sign under gradient flow",
           source="paper §2.1", method=Method.SYMBOLIC)
    def _(ctx: Context) -> Verdict:
        ...
        return Verdict.check(ok, residual="0", dps=40)

A check returns a :class:`Verdict`: a status and JSON-ready evidence (numbers as
decimal strings, tolerance, precision, figure paths). :func:`run_claim` turns an
exception raised by a check into status ``error`` with its message.
"""
from __future__ import annotations

import enum
import importlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..numerics.display import compact_repr, format_value

__all__ = ["Method", "Status", "Verdict", "Context", "Claim", "claim", "all_claims", "run_claim", "CLAIM_MODULES"]

#: Modules whose import registers claims, in report order.
CLAIM_MODULES = (
    ".claims.foundation",  # paper §2 and docs/theory.md §2-4: symbolic
    ".claims.numerics",    # high-precision GD and GF engines
    ".claims.batch",       # float64 sweeps and the phase diagram
    ".claims.eos",         # docs/theory.md §5: the edge-of-stability prediction
    ".claims.certify",     # interval enclosures
    ".claims.highdim",     # docs/theory.md §6: beyond two dimensions
    ".claims.centralflow", # self-stabilization against central flows and projected GD
    ".claims.network",     # networks and their second-order models
    ".claims.optimizers",  # docs/theory.md §7: SAM, heavy ball, Nesterov
)


class Method(str, enum.Enum):
    SYMBOLIC = "symbolic"
    NUMERIC = "high-precision numeric"
    PROPERTY = "property"
    INTERVAL = "interval"


class Status(str, enum.Enum):
    VERIFIED = "verified"
    FAILED = "failed"
    ERROR = "error"


def _keys(evidence: dict) -> str:
    return "{" + ", ".join(map(str, evidence)) + "}"


_STATUS_MESSAGES = {Status.VERIFIED: "verified: the evidence supports the claim",
                    Status.FAILED: "failed: the evidence contradicts the claim",
                    Status.ERROR: "error: the check raised an exception (see evidence.message)"}


@dataclass(frozen=True)
class Verdict:
    status: Status
    evidence: dict = field(default_factory=dict)
    figures: tuple[str, ...] = ()

    __repr__ = compact_repr

    def _repr_items(self):  # the evidence in full is in to_json and the report
        return [("status", format_value(self.status)), ("evidence", _keys(self.evidence)),
                ("figures", format_value(self.figures))]

    @classmethod
    def check(cls, ok: bool, figures=(), **evidence) -> "Verdict":
        """VERIFIED if ok else FAILED, with the evidence as keyword arguments."""
        return cls(Status.VERIFIED if ok else Status.FAILED, evidence, tuple(str(f) for f in figures))


@dataclass(frozen=True)
class Context:
    """What a check may use: an output folder for figures, the quick flag and a seed."""

    outdir: Path
    quick: bool = False
    seed: int = 0

    def figure(self, name: str) -> Path:
        """Path for a PNG in the report folder."""
        self.outdir.mkdir(parents=True, exist_ok=True)
        return self.outdir / name


@dataclass(frozen=True)
class Claim:
    id: str
    statement: str
    source: str
    method: Method
    check: Callable[[Context], Verdict]

    __repr__ = compact_repr

    def _repr_items(self):
        return [("id", repr(self.id)), ("method", format_value(self.method)), ("source", repr(self.source))]


_REGISTRY: dict[str, Claim] = {}


def claim(id: str, statement: str, *, source: str, method: Method):
    """Register the decorated function as the check of a claim."""

    def deco(fn):
        if id in _REGISTRY and _REGISTRY[id].check.__module__ != fn.__module__:
            raise ValueError(f"claim id {id!r} registered twice")
        _REGISTRY[id] = Claim(id, statement, source, Method(method), fn)
        return fn

    return deco


def all_claims() -> list[Claim]:
    for name in CLAIM_MODULES:
        importlib.import_module(name, __package__)
    return list(_REGISTRY.values())


@dataclass(frozen=True)
class Outcome:
    claim: Claim
    verdict: Verdict
    seconds: float

    __repr__ = compact_repr

    def _repr_items(self):
        return [("claim", repr(self.claim.id)), ("status", format_value(self.verdict.status)),
                ("evidence", _keys(self.verdict.evidence)), ("seconds", f"{self.seconds:.3g}")]

    def to_json(self) -> dict:
        c, v = self.claim, self.verdict
        evidence = dict(v.evidence)
        if v.figures:
            evidence["figures"] = list(v.figures)
        evidence["seconds"] = f"{self.seconds:.2f}"
        return {"id": c.id, "statement": c.statement, "source": c.source, "method": c.method.value,
                "status": v.status.value, "status_message": _STATUS_MESSAGES[v.status], "evidence": evidence}


def run_claim(c: Claim, ctx: Context) -> Outcome:
    t0 = time.perf_counter()
    try:
        verdict = c.check(ctx)
        if not isinstance(verdict, Verdict):
            raise TypeError(f"check returned {type(verdict).__name__}, not Verdict")
    except Exception as exc:  # a failing check is reported, and the run goes on
        verdict = Verdict(Status.ERROR, {"message": f"{type(exc).__name__}: {exc}"})
    return Outcome(c, verdict, time.perf_counter() - t0)
