"""The `sorm` command line: a thin shell over theory/, numerics/ and proofs_check/.

Each subcommand lives in ``proofs_check/commands/<name>.py`` with ``HELP``,
``add_arguments(parser)`` and ``run(args) -> int``; heavy imports happen inside
``run`` so that ``sorm --help`` stays fast. Bad input (:class:`InputError`)
becomes one line on stderr and exit code 2, never a traceback; the argument it names is named as the
command's option (``max_steps=0`` → ``--max-steps=0``).
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


def _options(parser, args) -> dict:
    """{dest: its first option string} of the (sub)command that parsed ``args``."""
    out = {}
    while parser is not None:
        nested = None
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                nested = action.choices.get(getattr(args, action.dest, None))
            elif action.option_strings:
                out[action.dest] = action.option_strings[0]
        parser = nested
    return out


def _as_option(exc: InputError, options: dict) -> str:
    """The message of ``exc`` with its argument (the library's name, an option's dest) named as the option."""
    name = (exc.arg or "").partition("[")[0]  # an entry of a list (D[0]) is named by its option (--D[0])
    option = options.get(name)
    if option is None:
        return str(exc)
    return re.sub(rf"(?<![\w-]){re.escape(name)}(?=[=\[])", option, str(exc))


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except InputError as exc:
        print(f"sorm {args.command}: error: {_as_option(exc, _options(parser, args))}", file=sys.stderr)
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
