"""The panels' subcommands (``g6 integrity``, ``g6 summary``) and ``--panels-dir``.

Registered through ``g6runtime.cli.FEATURE_CLIS``. Besides its own subcommands this
module gives ``simulate`` and ``collect`` their ``--panels-dir`` flag, so everything
about panels on the command line lives here. Argparse only: the work is in
integrity.py and summary.py.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from ..argtypes import positive_float

Common = Callable[[argparse.ArgumentParser], None]
_HERE = "g6runtime.panels.cli"


def add_parsers(sub: Any, common: Common) -> None:
    for name in ("simulate", "collect"):
        if name in sub.choices:
            sub.choices[name].add_argument(
                "--panels-dir", type=Path, help="folder of the JSON panels (default data/panels)"
            )

    integ = sub.add_parser("integrity", help="verify the panels against their manifest")
    integ.add_argument("--panels-dir", type=Path, help="default data/panels")
    integ.add_argument(
        "--csv-dir",
        type=Path,
        help="also check this CSV tree: partial cycles, torn lines, duplicate or "
        "out-of-order timestamps, headers (default: not checked)",
    )
    integ.set_defaults(handler=f"{_HERE}:cmd_integrity")
    common(integ)

    summ = sub.add_parser("summary", help="show the panels in the terminal")
    summ.add_argument("--panels-dir", type=Path, help="default data/panels")
    summ.add_argument(
        "--watch",
        type=positive_float,
        nargs="?",
        const=2.0,
        metavar="SECONDS",
        help="refresh every SECONDS (default 2) until interrupted",
    )
    summ.set_defaults(handler=f"{_HERE}:cmd_summary")
    common(summ)


def _folder_and_key(args: argparse.Namespace) -> tuple[Path, bytes | None]:
    from ..config import load_settings

    settings = load_settings(args.config)
    folder: Path = args.panels_dir if args.panels_dir is not None else settings.panels_dir
    return folder, settings.hmac_key


def cmd_integrity(args: argparse.Namespace) -> int:
    """The panels; with ``--csv-dir`` also the CSV tree (exit 1 when either has a problem)."""
    from .integrity import verify
    from .report import dumps

    folder, key = _folder_and_key(args)
    report = verify(folder, key)
    if getattr(args, "csv_dir", None) is None:
        print(dumps(report) if args.json else report.text())
        return report.exit_code
    from ..storage.csv_integrity import check_tree

    csv = check_tree(args.csv_dir)
    if args.json:
        doc = report.to_json()
        doc["ok"] = report.ok and csv.ok
        doc["csv"] = csv.to_json()
        print(json.dumps(doc, indent=2))
    else:
        print(report.text())
        print(csv.text())
    return max(report.exit_code, csv.exit_code)


def _show(folder: Path, key: bytes | None, as_json: bool, out: TextIO, clear: bool) -> None:
    from .reader import read_panels
    from .summary import check, frame, merged, render

    reads = read_panels(folder)
    report, error = check(folder, key)
    if as_json:
        doc = merged(folder, reads, report)
        if error is not None:
            doc["integrity_error"] = error
        text = json.dumps(doc, indent=None if clear else 2)
    else:
        text = render(frame(folder, reads, (report, error)), color=out.isatty())
    if clear and out.isatty():
        text = "\x1b[H\x1b[2J" + text
    print(text, file=out, flush=True)


def watch(
    folder: Path,
    key: bytes | None,
    as_json: bool,
    seconds: float,
    out: TextIO,
    frames: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Show a frame every ``seconds`` (``frames`` of them, or until Ctrl-C)."""
    shown = 0
    try:
        while frames is None or shown < frames:
            if shown:
                sleep(seconds)
                if not out.isatty() and not as_json:
                    print(file=out)
            _show(folder, key, as_json, out, clear=True)
            shown += 1
    except KeyboardInterrupt:
        return 0
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    folder, key = _folder_and_key(args)
    if args.watch is not None:
        return watch(folder, key, args.json, args.watch, sys.stdout)
    _show(folder, key, args.json, sys.stdout, clear=False)
    return 0
