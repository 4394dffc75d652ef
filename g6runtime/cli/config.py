"""``g6 config show [--json]`` and ``g6 config check [--config F]``.

``show`` prints every setting's effective value and its source (``default``, the
config file as ``file:line``, the environment variable, or a flag); secrets are
printed as ``***``. ``check`` validates the config file and the environment
without running anything. Both exit 0, or 2 with one line per problem on stderr.
Unknown ``G6_`` variables are warnings (one line each, through ``logging``).
"""

from __future__ import annotations

import argparse
import json
import logging
from typing import TYPE_CHECKING, Any

from .common import add_common

if TYPE_CHECKING:
    from ..config import Effective

log = logging.getLogger("g6runtime.config")

_HELP = {
    "show": "print the effective settings, each with its source (secrets as ***)",
    "check": "validate the config file and the environment without running anything",
}


def configure(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``g6 config`` (its one-line help is in main.SUBCOMMANDS)."""
    actions = parser.add_subparsers(dest="action", required=True, metavar="{show,check}")
    for name, text in _HELP.items():
        p = actions.add_parser(name, help=text, description=text)
        add_common(p)
        p.set_defaults(func=show if name == "show" else check)


def _resolve(args: argparse.Namespace) -> Effective:
    from ..config import resolve

    effective = resolve(args.config)
    for line in effective.warnings:
        log.warning("%s", line)
    return effective


def _report_problems(effective: Effective) -> int:
    for line in effective.problems:
        log.error("%s", line)
    return 2


def rows(effective: Effective) -> list[tuple[str, Any, str]]:
    """``(key, value as shown, source)`` for every setting, in schema order."""
    from ..configuration.schema import dotted, leaf_keys

    return [
        (dotted(key), effective.shown(key), effective.sources.get(key, "default"))
        for key in leaf_keys()
    ]


def show(args: argparse.Namespace) -> int:
    effective = _resolve(args)
    if effective.problems:
        return _report_problems(effective)
    table = rows(effective)
    if args.json:
        settings = {key: {"value": value, "source": source} for key, value, source in table}
        file = None if effective.config_file is None else str(effective.config_file)
        print(json.dumps({"config_file": file, "settings": settings}, indent=2))
        return 0
    width = max(len(key) for key, _, _ in table)
    for key, value, source in table:
        print(f"{key:<{width}}  {json.dumps(value)}  ({source})")
    return 0


def check(args: argparse.Namespace) -> int:
    effective = _resolve(args)
    ok = not effective.problems
    if args.json:
        result = {"ok": ok, "problems": effective.problems, "warnings": effective.warnings}
        print(json.dumps(result, indent=2))
    if not ok:
        return _report_problems(effective)
    if not args.json:
        where = effective.config_file or "no config file"
        print(f"configuration ok ({where}; environment checked)")
    return 0
