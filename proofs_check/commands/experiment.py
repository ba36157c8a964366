"""`sorm experiment`: one subcommand per experiment, each in its own module.

``sorm experiment highdim`` (commands/experiment_highdim.py): random high-dimensional
second-order models. ``sorm experiment network`` (commands/experiment_network.py): a network
and its second-order model. Each experiment module has ``HELP``, ``add_arguments(parser)`` and
``run(args) -> int``; this module holds the options and helpers they share.
"""
from __future__ import annotations

import importlib

HELP = "high-dimensional experiments: random second-order models (highdim) and networks (network)"

__all__ = ["HELP", "EXPERIMENTS", "add_arguments", "run", "common_arguments", "parse_seed", "memory_limit",
           "memory_hint", "summary_json"]

#: Experiment name -> module (relative to this package) with HELP, add_arguments and run.
EXPERIMENTS = {"highdim": ".experiment_highdim", "centralflow": ".experiment_centralflow",
               "network": ".experiment_network"}


def add_arguments(p):
    sub = p.add_subparsers(dest="experiment", metavar="EXPERIMENT", parser_class=type(p))
    sub.required = True
    for name, module in EXPERIMENTS.items():
        mod = importlib.import_module(module, __package__)
        e = sub.add_parser(name, help=mod.HELP, description=getattr(mod, "DESCRIPTION", mod.HELP))
        mod.add_arguments(e)
        e.set_defaults(_experiment_run=mod.run)


def run(args) -> int:
    return args._experiment_run(args)


#: Options that set an experiment's size (what a memory error names).
_SIZES = {"D": "--D", "p_ratio": "--p-ratio", "n": "--n", "widths": "--widths", "channels": "--channels"}


def memory_hint(args) -> str:
    """The instance size of an out-of-memory experiment, and the options that control it."""
    sizes = {o: getattr(args, k) for k, o in _SIZES.items() if getattr(args, k, None) is not None}
    model = str(getattr(args, "model", ""))
    for unused in {"mlp": ("--channels",), "cnn": ("--widths",)}.get(model, ("--widths", "--channels")):
        sizes.pop(unused, None)  # the other architecture's size, or a user factory's
    shown = ", ".join(f"{o} {v}" for o, v in sizes.items())
    return f"the {args.experiment} experiment with {shown} did not fit; lower {'/'.join(sizes)}"


def summary_json(experiment: str, body: dict, seconds: float, files) -> dict:
    """An experiment's JSON (schema.py): its name first, its results, then the wall time and the files written."""
    return {"experiment": experiment, **body, "seconds": seconds, "files": [str(f) for f in files]}


def common_arguments(p, out, memory: bool = True, seed: str = "0"):
    """--seed (default ``seed``), --out, --max-memory (if ``memory``), --json and --quiet, shared by the experiments."""
    p.add_argument("--seed", default=seed, help=f"first seed (default {seed})")
    p.add_argument("--out", default=out, help=f"output folder (default ./{out})")
    if memory:
        p.add_argument("--max-memory", default="8", help="memory limit in GiB for one instance (default 8)")
    p.add_argument("--json", action="store_true", help="print the JSON summary instead of the table")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def parse_seed(value) -> int:
    from ...numerics.validate import InputError

    try:
        v = int(str(value).strip())
    except ValueError:
        v = -1
    if v < 0:
        raise InputError(f"seed={value!r}: expected a whole number >= 0; pass e.g. --seed 0")
    return v


def memory_limit(value) -> int:
    """--max-memory in GiB as bytes."""
    from ...numerics.validate import positive

    return int(positive("max_memory", value) * 2**30)
