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
from collections.abc import Callable, Sequence
from typing import NoReturn

from ..errors import G6Error, UsageError
from . import (
    bench,
    collect,
    config,
    dashboard,
    integrity,
    retention,
    simulate,
    summary,
    token,
    version,
)

# Each module has ``register(sub)``, which adds its parser with ``set_defaults(func=...)``.
SUBCOMMANDS = (
    simulate,
    collect,
    summary,
    integrity,
    retention,
    bench,
    version,
    config,
    token,
    dashboard,
)
CLOSED_STDOUT = 141

log = logging.getLogger("g6runtime")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="g6", description="G6 options-data runtime")
    parser.add_argument(
        "--version", action="version", version=version.text(), help="print versions and exit"
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for module in SUBCOMMANDS:
        module.register(sub)
    return parser


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
        args = build_parser().parse_args(args_list)
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
