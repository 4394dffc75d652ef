"""``g6 retention scan|prune [--csv-dir D] [--max-age-days N] [--json]`` (thin adapter).

``scan`` reports and exits 0. ``prune`` removes and exits 0, or 2 with one line on
stderr when it refuses (not a G6 tree, locked, audit log unusable) or a removal
failed. ``--max-age-days`` wins over the config's ``retention.max_age_days``; the
``enabled``/``dry_run`` keys govern the automatic pruning inside ``g6 collect``
only, never this explicit command.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from ..config import Settings, load_settings
from ..market.calendar import IST

Common = Callable[[argparse.ArgumentParser], None]


def _clock() -> datetime:
    """The real clock (tests replace it); "today" is derived from it in Asia/Kolkata."""
    return datetime.now(IST)


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if not 0 <= value <= 100_000:
        raise argparse.ArgumentTypeError(f"must be between 0 and 100000, got {value}")
    return value


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: Common) -> None:
    parser = sub.add_parser("retention", help="report or remove CSV day-files past their age")
    actions = parser.add_subparsers(dest="action", required=True, metavar="{scan,prune}")
    helps = {
        "scan": "report the day-files older than the cutoff (removes nothing)",
        "prune": "remove the day-files older than the cutoff, with every guard",
    }
    for name, text in helps.items():
        p = actions.add_parser(name, help=text, description=text)
        p.add_argument("--csv-dir", type=Path, help="the CSV root (default: the config's)")
        p.add_argument(
            "--max-age-days", type=non_negative_int, help="override retention.max_age_days"
        )
        common(p)
        p.set_defaults(handler=f"g6runtime.retention.cli:cmd_{name}")


def _inputs(args: argparse.Namespace) -> tuple[Settings, Path, int]:
    settings = load_settings(args.config)
    csv_dir = args.csv_dir if args.csv_dir is not None else settings.csv_dir
    days = args.max_age_days
    return settings, csv_dir, settings.retention.max_age_days if days is None else days


def _emit(
    args: argparse.Namespace,
    data: Callable[[], dict[str, Any]],
    lines: Callable[[], list[str]],
) -> None:
    text = json.dumps(data(), indent=2) if args.json else "\n".join(lines())
    try:
        print(text, flush=True)
    except BrokenPipeError:  # e.g. piped into `head`: the reader left, which is fine
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _warn(message: str) -> None:
    print(f"g6 retention: warning: {message}", file=sys.stderr)


def cmd_scan(args: argparse.Namespace) -> int:
    from .report import INFLUX_NOTE, TerminalProgress, influx_status, scan_json, scan_lines
    from .scan import refusal_message, scan

    settings, csv_dir, days = _inputs(args)
    progress = TerminalProgress(sys.stderr)
    try:
        report = scan(csv_dir, days, _clock, progress=progress if progress.enabled else None)
    finally:
        progress.done()
    influx = influx_status(settings.retention)
    _emit(args, lambda: scan_json(report, influx), lambda: scan_lines(report))
    refusal = refusal_message(report)
    if refusal is not None:
        _warn(f"prune would refuse: {refusal}")
    if settings.retention.prune_influx:
        _warn(INFLUX_NOTE)
    return 0


def cmd_prune(args: argparse.Namespace) -> int:
    from .prune import prune
    from .report import INFLUX_NOTE, TerminalProgress, influx_status, prune_json, prune_lines

    settings, csv_dir, days = _inputs(args)
    influx = influx_status(settings.retention)
    if settings.retention.prune_influx:
        _warn(INFLUX_NOTE)
    if not settings.retention.prune_csv:
        note = "retention.prune_csv is false in the config: CSV day-files are not pruned"
        data = {"root": str(csv_dir), "prune_csv": False, "influx": influx}
        _emit(args, lambda: data, lambda: [note])
        return 0
    progress = TerminalProgress(sys.stderr)
    try:
        result = prune(
            csv_dir,
            days,
            _clock,
            protect_today=settings.retention.protect_today,
            progress=progress if progress.enabled else None,
        )
    finally:
        progress.done()
    _emit(args, lambda: prune_json(result, influx), lambda: prune_lines(result))
    if result.errors:
        more = f" (and {len(result.errors) - 1} more)" if len(result.errors) > 1 else ""
        print(f"g6: retention prune: {result.errors[0]}{more}", file=sys.stderr)
        return 2
    return 0
