"""``g6 bench``: import latency and cycle latency (medians of repeated runs)."""

from __future__ import annotations

import argparse
import json

from . import argtypes
from .common import add_common, settings


def configure(p: argparse.ArgumentParser) -> None:
    """The arguments of ``g6 bench`` (its one-line help is in main.SUBCOMMANDS)."""
    p.description = (
        "Measure `import g6runtime` in fresh interpreters and full cycles of the "
        "configured universe (CSV and metrics included) in a temporary folder."
    )
    p.add_argument(
        "--repeat",
        type=argtypes.positive_int,
        default=7,
        help="runs of each measurement (default: 7)",
    )
    add_common(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..bench import run_bench

    report = run_bench(settings(args), args.repeat)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for key, value in report.items():
            print(f"{key:32} {value}")
    return 0
