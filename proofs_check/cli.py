"""The `sorm` command line: a thin shell over theory/, numerics/ and proofs_check/.

Each subcommand lives in ``proofs_check/commands/<name>.py`` with ``HELP``,
``add_arguments(parser)`` and ``run(args) -> int``; heavy imports happen inside
``run`` so that ``sorm --help`` stays fast. Bad input (:class:`InputError`)
becomes one line on stderr and exit code 2, never a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import re
import sys

from ..numerics.validate import InputError

__all__ = ["main", "COMMANDS"]

COMMANDS = ("verify", "derive", "simulate", "predict", "sweep", "plot", "certify", "experiment")


class _Parser(argparse.ArgumentParser):
    #: A value that starts like a negative number is a value, not an option: -2, -.5, -1e-3, -47/1000,
    #: -1,2 (argparse's own rule knows only -2 and -.5).
    _NEGATIVE = re.compile(r"^-\.?\d[\d.,/eE+\-_]*$")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = self._NEGATIVE

    def error(self, message):  # one line, exit 2, no usage dump
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class _Version(argparse.Action):
    """``--version``: reads the package metadata only when asked (it is slow to import)."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        from .. import __version__

        print(f"sorm {__version__}")  # on stdout, as argparse's own version action does
        parser.exit(0)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="sorm", description="Verify the edge-of-stability theory of second-order "
                                              "regression models (Agarwala, Pedregosa, Pennington 2023).")
    parser.add_argument("--version", action=_Version)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMANDS:
        mod = importlib.import_module(f".commands.{name}", __package__)
        p = sub.add_parser(name, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run, _memory=getattr(mod, "memory_hint", None))
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except InputError as exc:
        print(f"sorm {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except OverflowError as exc:  # a value beyond what some stage can represent; say so in one line
        print(f"sorm {args.command}: error: a number is out of range ({exc}); use values of moderate size "
              f"(rescale the model, e.g. with --eta)", file=sys.stderr)
        return 2
    except MemoryError:
        hint = args._memory(args) if args._memory is not None else "use a smaller run"
        print(f"sorm {args.command}: error: out of memory: {hint}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `sorm ... --json | head`: the reader left; not an error of ours
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print(f"sorm {args.command}: interrupted; no partial output was written", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
