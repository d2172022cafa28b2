"""The ``klviz`` command: the window by default, plus ``stats``, ``fit``, ``export``, ``bench``.

Each subcommand lives in ``klviz.commands.<name>`` with ``HELP``, ``add_arguments(parser)``
and ``run(args) -> int``. Nothing here imports Qt: ``stats`` and ``fit`` stay headless and
fast; the window and ``export`` import it inside their ``run``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
from collections.abc import Sequence
from typing import NoReturn

__all__ = ["COMMANDS", "KlvizArgumentParser", "error_message", "main"]

COMMANDS: dict[str, str] = {
    "gui": "klviz.commands.gui",
    "stats": "klviz.commands.stats",
    "fit": "klviz.commands.fit",
    "export": "klviz.commands.export",
    "bench": "klviz.commands.bench",
}

EXIT_USAGE = 2

_NEGATIVE_LIST = re.compile(r"-(\d|\.\d|inf|nan)", re.IGNORECASE)


class KlvizArgumentParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line: ``klviz: error: ...`` and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"klviz: error: {message} (see '{self.prog} --help')\n")


def error_message(exc: BaseException) -> str:
    """A one-line, user-facing description of an input or file error."""
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror.lower()}{where}"
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _command_epilog() -> str:
    names = ", ".join(n for n in COMMANDS if n != "gui")
    return (
        f"commands: {names}. Run 'klviz COMMAND --help' for each. "
        "With no command, klviz opens the window."
    )


def _join_negative_values(parser: argparse.ArgumentParser, args: list[str]) -> list[str]:
    """Write ``--opt -1,2`` as ``--opt=-1,2`` so argparse does not read ``-1,2`` as an option.

    Only for options that take a value, and only before a ``--`` that ends the options.
    """
    takes_value = {
        opt for opt, action in parser._option_string_actions.items()  # no public accessor
        if action.nargs != 0
    }
    out: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            return out + args[i:]
        if arg in takes_value and i + 1 < len(args) and _NEGATIVE_LIST.match(args[i + 1]):
            out.append(f"{arg}={args[i + 1]}")
            i += 2
        else:
            out.append(arg)
            i += 1
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``klviz``, ``python -m klviz`` and ``main.py``; returns the exit code."""
    args_in = list(sys.argv[1:] if argv is None else argv)
    name = "gui"
    if args_in and args_in[0] in COMMANDS:
        name = args_in.pop(0)
    module = importlib.import_module(COMMANDS[name])
    parser = KlvizArgumentParser(
        prog="klviz" if name == "gui" else f"klviz {name}",
        description=module.HELP,
        epilog=_command_epilog() if name == "gui" else None,
    )
    module.add_arguments(parser)
    try:
        args = parser.parse_args(_join_negative_values(parser, args_in))
    except SystemExit as exc:  # --help, or a usage error already printed as one line
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        return int(module.run(args))
    except BrokenPipeError:  # e.g. `klviz fit --json | head`: the reader left, nothing to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (ValueError, OSError) as exc:
        print(f"klviz: error: {error_message(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
