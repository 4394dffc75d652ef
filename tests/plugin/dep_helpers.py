"""Shared pieces of the ``deprecations`` unit tests: a table builder, a project writer and
a check runner."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from packaging.version import Version

from pytest_g6gov.checks import CheckContext
from pytest_g6gov.checks.deprecations import run
from pytest_g6gov.findings import Finding

from .helpers import write

HEADER = "| Item | Type | Status | Deprecated Since | Planned Removal | Replacement | Notes |"
SEPARATOR = "|---|---|---|---|---|---|---|"
TODAY = date(2026, 6, 15)
RELEASE = Version("1.6.0")


def table(*rows: str, prose: str = "# Deprecations\n\n") -> str:
    return prose + "\n".join([HEADER, SEPARATOR, *rows]) + "\n"


def row(
    item: str = "`pkg.mod.old_func`",
    kind: str = "function",
    status: str = "Active",
    since: str = "1.4.0",
    removal: str = "",
    replacement: str = "`pkg.mod.new_func`",
    notes: str = "",
) -> str:
    return f"| {item} | {kind} | {status} | {since} | {removal} | {replacement} | {notes} |"


def check(
    root: Path,
    *,
    release: Version | None = RELEASE,
    today: date = TODAY,
    never_scan: Sequence[str] = (),
    **options: Any,
) -> list[Finding]:
    opts: Mapping[str, Any] = {"file": "DEPRECATIONS.md", "paths": ["."], "exclude": [], **options}
    return run(CheckContext(root, opts, release, today, frozenset(never_scan)))


def codes(findings: Sequence[Finding]) -> list[str]:
    return [f.code for f in findings]


def removed_project(root: Path, *rows: str) -> None:
    write(root, "DEPRECATIONS.md", table(*rows))
