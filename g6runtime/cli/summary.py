"""``g6 summary``: the panels shown to a person in the terminal (``--watch`` refreshes)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from ..errors import ConfigError
from . import argtypes
from .common import add_common
from .integrity import panels_folder_and_key


def configure(p: argparse.ArgumentParser) -> None:
    """The arguments of ``g6 summary`` (its one-line help is in main.SUBCOMMANDS)."""
    p.description = "Show the JSON panels, their integrity and staleness to a person."
    p.add_argument(
        "--panels-dir",
        type=Path,
        help="folder of the JSON panels (default: config panels_dir, data/panels)",
    )
    p.add_argument(
        "--watch",
        type=argtypes.positive_float,
        nargs="?",
        const=2.0,
        metavar="SECONDS",
        help="refresh every SECONDS (2 when given without a value) until interrupted "
        "(default: show once)",
    )
    add_common(p)
    p.set_defaults(func=run)


def show(folder: Path, key: bytes | None, as_json: bool, out: TextIO, clear: bool) -> None:
    from ..panels.reader import read_panels
    from ..panels.summary import check, frame, merged, render

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
            show(folder, key, as_json, out, clear=True)
            shown += 1
    except KeyboardInterrupt:
        return 0
    return 0


def run(args: argparse.Namespace) -> int:
    folder, key = panels_folder_and_key(args)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise ConfigError(
            f"panels folder {folder} {what}; run g6 simulate or g6 collect first, "
            "or pass --panels-dir"
        )
    if args.watch is not None:
        return watch(folder, key, args.json, args.watch, sys.stdout)
    show(folder, key, args.json, sys.stdout, clear=False)
    return 0
