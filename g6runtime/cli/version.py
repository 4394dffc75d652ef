"""``g6 version [--json]`` (also ``g6 --version``): versions, with the panel schema's."""

from __future__ import annotations

import argparse
import json
import sys

from .common import add_logging


def configure(p: argparse.ArgumentParser) -> None:
    """The arguments of ``g6 version`` (its one-line help is in main.SUBCOMMANDS)."""
    p.description = "Print the g6runtime version, the panel schema version and Python's."
    p.add_argument("--json", action="store_true", help="print the versions as JSON (default: text)")
    add_logging(p)
    p.set_defaults(func=run)


def info() -> dict[str, str | int]:
    from .. import __version__
    from ..panels.version import PANEL_SCHEMA_VERSION

    return {
        "g6runtime": __version__,
        "panel_schema_version": PANEL_SCHEMA_VERSION,
        "python": sys.version.split()[0],
    }


def text() -> str:
    return " ".join(f"{k} {v}" for k, v in info().items())


def run(args: argparse.Namespace) -> int:
    print(json.dumps(info()) if args.json else text())
    return 0
