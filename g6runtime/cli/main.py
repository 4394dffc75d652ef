"""The ``g6`` command: build the parser from one module per subcommand, run the chosen one.

Exit status: 0 success, 1 a problem the command was asked to find, 2 a usage or I/O
error reported as one line on stderr (never a traceback), 130 when interrupted, 141
when the reader of stdout went away (``g6 ... | head -1``: the command ends quietly,
as a process killed by SIGPIPE would).
"""

from __future__ import annotations

import argparse
import logging
import os
import select
import sys
from collections.abc import Callable, Collection, Sequence
from importlib import import_module
from typing import Final, NoReturn

from ..errors import G6Error, UsageError
from . import version

# The subcommands, in the order `g6 --help` lists them, with their one-line help. The
# module of the same name in this package configures each one's parser
# (``configure(parser)``, which ends with ``set_defaults(func=...)``); it is imported
# only for the subcommand that runs, so no command pays for the others' imports.
SUBCOMMANDS: Final[dict[str, str]] = {
    "simulate": "run cycles against the synthetic market on a simulated clock",
    "collect": "the live loop on the real clock",
    "summary": "show the panels in the terminal",
    "integrity": "verify the panels (and a CSV tree) against their contracts",
    "retention": "report or remove CSV day-files (and Influx points) past their age",
    "bench": "measure import and cycle latency",
    "version": "print versions",
    "config": "show or check the effective configuration",
    "token": "the Kite access token: status or login",
    "dashboard": "print the Grafana dashboard JSON generated from the metrics spec",
}
CLOSED_STDOUT = 141

log = logging.getLogger("g6runtime")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


def build_parser(only: Collection[str] | None = None) -> argparse.ArgumentParser:
    """The ``g6`` parser; ``only``: the subcommands whose arguments are configured (the
    others are listed with their help but take none); None: every one of them."""
    parser = _Parser(prog="g6", description="G6 options-data runtime")
    parser.add_argument(
        "--version", action="version", version=version.text(), help="print versions and exit"
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, text in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=text)
        if only is None or name in only:
            import_module(f"{__package__}.{name}").configure(p)
    return parser


def command_of(argv: Sequence[str]) -> str | None:
    """The subcommand ``argv`` names (its first word; ``g6`` has no option that takes a
    value), or None: ``--version``, ``--help``, nothing, or a word that is not one."""
    first = next((a for a in argv if not a.startswith("-")), None)
    return first if first in SUBCOMMANDS else None


def _stdout_gone() -> bool:
    """True when stdout is a pipe or socket whose reader has closed it."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        events = poller.poll(0)
    except (AttributeError, OSError, ValueError):
        return True  # no usable stdout at all
    return any(event & (select.POLLERR | select.POLLHUP) for _, event in events)


def _quiet_stdout() -> None:
    """Point fd 1 at /dev/null so the interpreter's final flush cannot complain."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _logging(verbose: int, quiet: int, fmt: str) -> None:
    from ..environment import log_level
    from ..logs import configure, stepped

    configure(logging.INFO, fmt)  # so that a bad G6_LOG_LEVEL is itself one clear line
    configure(stepped(log_level(), verbose, quiet), fmt)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        _logging(0, 0, "text")  # G6_LOG_LEVEL alone, until the flags are parsed
        command = command_of(args_list)
        args = build_parser(() if command is None else (command,)).parse_args(args_list)
        _logging(args.verbose, args.quiet, args.log_format)
        func: Callable[[argparse.Namespace], int] = args.func
        return func(args)
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except G6Error as exc:
        log.error("%s", exc)
        return 2
    except KeyboardInterrupt:
        log.error("interrupted")
        return 130
    except BrokenPipeError:
        if not _stdout_gone():
            raise
        _quiet_stdout()
        return CLOSED_STDOUT
