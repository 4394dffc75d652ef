"""``g6 retention scan|prune [--csv-dir D] [--max-age-days N] [--json]``.

``scan`` reports and exits 0. ``prune`` removes and exits 0, or 2 with one line on
stderr when it refuses (not a G6 tree, locked, audit log unusable) or a removal
failed. With ``retention.prune_influx`` both also handle the InfluxDB points before the
same cutoff (``g6runtime.retention.influx``): ``scan`` counts them (a failure is a warning,
exit 0), ``prune`` deletes them after the CSV day-files (a failure: one line, exit 2).
``--max-age-days`` wins over the config's ``retention.max_age_days``; the
``enabled``/``dry_run`` keys govern the automatic pruning inside ``g6 collect``
only, never this explicit command.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import argtypes
from .common import add_common

if TYPE_CHECKING:
    from ..config import Settings
    from ..retention.influx import InfluxReport

log = logging.getLogger("g6runtime.retention")

_HELP = {
    "scan": "report the day-files older than the cutoff (removes nothing)",
    "prune": "remove the day-files older than the cutoff, with every guard",
}


def _clock() -> datetime:
    """The real clock (tests replace it); "today" is derived from it in Asia/Kolkata."""
    from ..market.calendar import IST

    return datetime.now(IST)


def configure(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``g6 retention`` (its one-line help is in main.SUBCOMMANDS)."""
    actions = parser.add_subparsers(dest="action", required=True, metavar="{scan,prune}")
    for name, text in _HELP.items():
        p = actions.add_parser(name, help=text, description=text)
        p.add_argument(
            "--csv-dir",
            type=Path,
            help="the CSV root (default: config csv_dir, data/g6_data)",
        )
        p.add_argument(
            "--max-age-days",
            type=argtypes.non_negative_int,
            metavar="N",
            help="day-files dated before today - N expire (default: config "
            "retention.max_age_days, 45)",
        )
        add_common(p)
        p.set_defaults(func=scan if name == "scan" else prune)


def _inputs(args: argparse.Namespace) -> tuple[Settings, Path, int]:
    from ..config import load_settings

    s = load_settings(args.config)
    csv_dir = args.csv_dir if args.csv_dir is not None else s.csv_dir
    days = args.max_age_days
    return s, csv_dir, s.retention.max_age_days if days is None else days


def _emit(
    args: argparse.Namespace,
    data: Callable[[], dict[str, Any]],
    lines: Callable[[], list[str]],
) -> None:
    print(json.dumps(data(), indent=2) if args.json else "\n".join(lines()), flush=True)


def _influx(
    s: Settings, csv_dir: Path, today: date, cutoff: date, *, dry_run: bool
) -> InfluxReport | None:
    """The Influx part (``retention.prune_influx``) on the CSV part's very cutoff."""
    if not s.retention.prune_influx:
        return None
    from ..retention.influx import prune_influx

    return prune_influx(
        s.influx,
        csv_dir,
        today,
        cutoff,
        _clock(),
        protect_today=s.retention.protect_today,
        dry_run=dry_run,
    )


def scan(args: argparse.Namespace) -> int:
    from ..retention.report import (
        TerminalProgress,
        influx_lines,
        influx_status,
        scan_json,
        scan_lines,
    )
    from ..retention.scan import refusal_message
    from ..retention.scan import scan as scan_tree

    s, csv_dir, days = _inputs(args)
    progress = TerminalProgress(sys.stderr)
    try:
        report = scan_tree(csv_dir, days, _clock, progress=progress if progress.enabled else None)
    finally:
        progress.done()
    influx = _influx(s, csv_dir, report.today, report.cutoff, dry_run=True)
    _emit(
        args,
        lambda: scan_json(report, influx_status(s.retention, influx)),
        lambda: scan_lines(report) + influx_lines(influx),
    )
    refusal = refusal_message(report)
    if refusal is not None:
        log.warning("retention: warning: prune would refuse: %s", refusal)
    if influx is not None and influx.error is not None:
        log.warning("retention: warning: Influx points not counted: %s", influx.error)
    return 0


def prune(args: argparse.Namespace) -> int:
    from ..retention.prune import prune as prune_tree
    from ..retention.report import (
        TerminalProgress,
        influx_lines,
        influx_status,
        prune_json,
        prune_lines,
    )
    from ..retention.scan import today_and_cutoff

    s, csv_dir, days = _inputs(args)
    if s.retention.prune_influx:  # a missing storage.influx.url: one line, before any removal
        from ..retention.influx import client_for

        client_for(s.influx).close()
    if not s.retention.prune_csv:
        today, cutoff = today_and_cutoff(_clock, days)
        influx = _influx(s, csv_dir, today, cutoff, dry_run=False)
        note = "retention.prune_csv is false in the config: CSV day-files are not pruned"
        data = {
            "root": str(csv_dir),
            "prune_csv": False,
            "influx": influx_status(s.retention, influx),
        }
        _emit(args, lambda: data, lambda: [note, *influx_lines(influx)])
        return _influx_failed(influx)
    progress = TerminalProgress(sys.stderr)
    try:
        result = prune_tree(
            csv_dir,
            days,
            _clock,
            protect_today=s.retention.protect_today,
            progress=progress if progress.enabled else None,
        )
    finally:
        progress.done()
    influx = _influx(s, csv_dir, result.scan.today, result.scan.cutoff, dry_run=False)
    _emit(
        args,
        lambda: prune_json(result, influx_status(s.retention, influx)),
        lambda: prune_lines(result) + influx_lines(influx),
    )
    status = _influx_failed(influx)
    if result.errors:
        more = f" (and {len(result.errors) - 1} more)" if len(result.errors) > 1 else ""
        log.error("retention prune: %s%s", result.errors[0], more)
        return 2
    return status


def _influx_failed(influx: InfluxReport | None) -> int:
    if influx is None or influx.error is None:
        return 0
    log.error("retention prune: Influx: %s", influx.error)
    return 2
