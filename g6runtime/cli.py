"""The ``g6`` command: argparse only; every command's work lives in the packages.

Exit status: 0 success, 1 a problem the command was asked to find, 2 a usage or
I/O error, reported as one line on stderr (never a traceback).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from datetime import datetime
from importlib import import_module
from pathlib import Path
from typing import NoReturn

from .errors import G6Error

# Feature packages that add subcommands: each module has
# ``add_parsers(sub, common)`` and sets ``handler="module:function"`` on its parsers.
FEATURE_CLIS: tuple[str, ...] = (
    "g6runtime.retention.cli",
    "g6runtime.panels.cli",
    "g6runtime.resilience.cli",
)


class UsageError(Exception):
    """A bad command line: one line on stderr, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return value


def port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number 0..65535, got {value}")
    return value


def iso_start(text: str) -> datetime:
    """An ISO 8601 instant; without a UTC offset it is Asia/Kolkata time."""
    from .market.calendar import IST

    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 date-time (example: 2026-11-26T09:15)"
        ) from None
    if not 1971 <= value.year <= 2099:
        raise argparse.ArgumentTypeError(f"{text!r}: the year must be between 1971 and 2099")
    return value.replace(tzinfo=IST) if value.tzinfo is None else value


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="JSON or YAML config file")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="g6", description="G6 options-data runtime")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    sim = sub.add_parser("simulate", help="run cycles against the synthetic market")
    sim.add_argument("--cycles", type=positive_int, default=1)
    sim.add_argument("--csv-dir", type=Path)
    sim.add_argument("--start", type=iso_start, help="first cycle (default today 09:15 IST)")
    sim.add_argument("--interval", type=positive_float, help="simulated seconds per cycle")
    sim.add_argument("--seed", type=int)
    sim.add_argument("--metrics-out", type=Path, help="write the final exposition here")
    _common(sim)

    col = sub.add_parser("collect", help="the live loop on the real clock")
    col.add_argument("--provider", choices=["synthetic"], default="synthetic")
    col.add_argument("--interval", type=positive_float)
    col.add_argument("--cycles", type=positive_int, help="stop after N cycles")
    col.add_argument("--csv-dir", type=Path)
    col.add_argument("--seed", type=int)
    col.add_argument("--metrics-port", type=port, help="port of /metrics on 127.0.0.1")
    col.add_argument(
        "--ignore-market-hours", action="store_true", help="collect outside 09:15-15:30 IST"
    )
    _common(col)

    bench = sub.add_parser("bench", help="measure import and cycle latency")
    bench.add_argument("--repeat", type=positive_int, default=7)
    _common(bench)

    ver = sub.add_parser("version", help="print versions")
    ver.add_argument("--json", action="store_true")

    for name in FEATURE_CLIS:
        import_module(name).add_parsers(sub, _common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(args_list)
        target = getattr(args, "handler", f"g6runtime.commands:cmd_{args.command}")
        module, _, func = target.partition(":")
        status: int = getattr(import_module(module), func)(args)
        return status
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except G6Error as exc:
        print(f"g6: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("g6: interrupted", file=sys.stderr)
        return 130
