"""The ``g6`` command: argparse only; every command's work lives in the packages.

Exit status: 0 success, 1 a problem the command was asked to find, 2 a usage or
I/O error, reported as one line on stderr (never a traceback).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module
from pathlib import Path
from typing import NoReturn

from .argtypes import iso_start, port, positive_float, positive_int
from .errors import G6Error, UsageError

# Feature packages that add subcommands: each module has
# ``add_parsers(sub, common)`` and sets ``handler="module:function"`` on its parsers.
FEATURE_CLIS: tuple[str, ...] = (
    "g6runtime.retention.cli",
    "g6runtime.panels.cli",
    "g6runtime.resilience.cli",
    "g6runtime.config_cli",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


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
