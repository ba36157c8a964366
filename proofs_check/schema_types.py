"""The vocabulary of the JSON schema: its value types, :class:`Field`, and the checks of one output.

:mod:`proofs_check.schema` states the schema of every command with these; :func:`check_fields` checks
an object against a table of fields and :func:`conventions` the rules every output keeps at every
depth (null for a missing value, one key per concept).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Field", "TYPES", "check_fields", "conventions"]

_DECIMAL = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_RATIONAL = re.compile(r"^[+-]?\d+(/\d+)?$")
_BALL = re.compile(r"^\[[^\]]+\+/-[^\]]+\]$")

#: Type name -> (meaning, test of one non-null value).
TYPES = {
    "number": ("a float64 quantity: a JSON number",
               lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)),
    "integer": ("a JSON integer", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    "decimal": ("a high-precision value: a decimal string of its correct digits (the record's `dps` counts "
                "them; certified bounds are rounded outward)", lambda v: isinstance(v, str) and bool(_DECIMAL.match(v))),
    "exact": ("an exact rational as a string, e.g. \"-47/1000\"",
              lambda v: isinstance(v, str) and bool(_RATIONAL.match(v))),
    "ball": ("a certified ball \"[midpoint +/- radius]\" or an exact decimal",
             lambda v: isinstance(v, str) and bool(_BALL.match(v) or _DECIMAL.match(v))),
    "edge": ("an exact rational string when the value is rational (\"19/14\"), else a decimal string of its "
             "correct digits", lambda v: isinstance(v, str) and bool(_RATIONAL.match(v) or _DECIMAL.match(v))),
    "value": ("a JSON number when the record's `dps` is null (float64), else a decimal string", None),
    "string": ("a JSON string", lambda v: isinstance(v, str)),
    "boolean": ("true or false", lambda v: isinstance(v, bool)),
    "files": ("the list of files written (paths as given)", lambda v: isinstance(v, list)
              and all(isinstance(x, str) for x in v)),
    "object": ("a JSON object (keys below)", lambda v: isinstance(v, dict)),
    "counts": ("an object of integers", lambda v: isinstance(v, dict) and all(
        isinstance(x, int) and not isinstance(x, bool) for x in v.values())),
    "numbers": ("an object of float64 numbers (keys: e.g. the normal-form order)", lambda v: isinstance(v, dict) and all(
        isinstance(x, (int, float)) and not isinstance(x, bool) for x in v.values())),
    "list": ("a list (items below)", lambda v: isinstance(v, list)),
}


@dataclass(frozen=True)
class Field:
    """One key: its type (a key of TYPES), whether null is allowed, whether it may be absent, its meaning.

    ``items``: the type of a list's items; ``fields``: the keys of an object (or of a list's objects).
    """

    type: str
    doc: str
    null: bool = False
    optional: bool = False
    items: str | None = None
    fields: dict = field(default_factory=dict)


_FORBIDDEN_KEYS = {"method": "engine", "path": "files", "plot": "files", "figures": "files",
                   "message": "status_message"}
_MISSING = {"nan", "NaN", "inf", "+inf", "-inf", "Infinity", "-Infinity", "", "n/a", "None", "null"}


def _check_value(t: str, v, where: str, dps) -> list[str]:
    if t == "value":
        t = "number" if dps is None else "decimal"
    test = TYPES[t][1]
    return [] if test(v) else [f"{where}: expected {t}, got {v!r}"]


def check_fields(spec: dict, obj, where: str, dps, free: bool) -> list[str]:
    if not isinstance(obj, dict):
        return [f"{where}: expected an object, got {obj!r}"]
    errs = []
    dps = obj.get("dps", dps) if isinstance(obj.get("dps", dps), (int, type(None))) else dps
    for key, f in spec.items():
        if key not in obj:
            if not f.optional:
                errs.append(f"{where}.{key}: missing")
            continue
        errs += _check_field(f, obj[key], f"{where}.{key}", dps)
    if not free:
        errs += [f"{where}.{k}: not in the schema" for k in obj if k not in spec]
    return errs


def _check_field(f: Field, v, where: str, dps) -> list[str]:
    if v is None:
        return [] if f.null else [f"{where}: null where a value is required"]
    errs = _check_value(f.type, v, where, dps)
    if errs:
        return errs
    if f.type == "list":
        for i, item in enumerate(v):
            if item is None and f.null:
                continue
            if f.items:
                errs += _check_value(f.items, item, f"{where}[{i}]", dps)
            elif f.fields:
                errs += check_fields(f.fields, item, f"{where}[{i}]", dps, free=False)
    elif f.type == "object" and f.fields:
        errs += check_fields(f.fields, v, where, dps, free=False)
    return errs


def conventions(obj, where: str, skip=()) -> list[str]:
    """The rules every output keeps, at every depth: null for missing values, one key per concept."""
    errs = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in _FORBIDDEN_KEYS and f"{where}.{k}" not in skip:
                errs.append(f"{where}.{k}: use the key {_FORBIDDEN_KEYS[k]!r}")
            errs += conventions(v, f"{where}.{k}", skip)
        for k in obj:
            if (k == "status" or k.endswith("_status")) and f"{k}_message" not in obj:
                errs.append(f"{where}: {k} without {k}_message")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            errs += conventions(v, f"{where}[{i}]", skip)
    elif isinstance(obj, str) and obj.strip() in _MISSING:
        errs.append(f"{where}: {obj!r} for a missing value; use null")
    elif isinstance(obj, float) and obj != obj or obj in (float("inf"), float("-inf")):
        errs.append(f"{where}: non-finite number; use null")
    return errs
