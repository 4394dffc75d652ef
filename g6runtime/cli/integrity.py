"""``g6 integrity``: verify the panels against their manifest; with ``--csv-dir`` the CSV tree."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .common import add_common


def configure(p: argparse.ArgumentParser) -> None:
    """The arguments of ``g6 integrity`` (its one-line help is in main.SUBCOMMANDS)."""
    p.description = (
        "Verify panel hashes (and signatures when a key is set) against the "
        "manifest; with --csv-dir also the CSV tree. Exit 1 on any problem."
    )
    p.add_argument(
        "--panels-dir",
        type=Path,
        help="folder of the JSON panels (default: config panels_dir, data/panels)",
    )
    p.add_argument(
        "--csv-dir",
        type=Path,
        help="also check this CSV tree: partial cycles, torn lines, duplicate or "
        "out-of-order timestamps, headers (default: not checked)",
    )
    add_common(p)
    p.set_defaults(func=run)


def panels_folder_and_key(args: argparse.Namespace) -> tuple[Path, bytes | None]:
    from ..config import load_settings

    s = load_settings(args.config)
    folder: Path = args.panels_dir if args.panels_dir is not None else s.panels_dir
    return folder, s.hmac_key


def run(args: argparse.Namespace) -> int:
    from ..panels.integrity import verify
    from ..panels.report import dumps

    folder, key = panels_folder_and_key(args)
    report = verify(folder, key)
    if args.csv_dir is None:
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
