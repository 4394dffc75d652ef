"""The ``g6 governance`` terminal section and the JSON report."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from packaging.version import Version

from .baselines import BaselineUpdate, load_schema
from .findings import CheckResult

SECTION_TITLE = "g6 governance"
REPORT_SCHEMA_VERSION = 1


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word[:-1]}ies" if word.endswith("y") else f"{n} {word}s"


def check_summary(result: CheckResult) -> str:
    """The one-line summary of a check."""
    head = f"{result.check} ({result.mode})"
    if result.status == "skipped":
        reason = result.skipped_reason or "mode off"
        return f"{head}: skipped: {reason}"
    quiet = f", {result.suppressed} suppressed" if result.suppressed else ""
    if not result.findings:
        return f"{head}: ok{quiet}"
    verdict = "fails the run" if result.failing else "warning only"
    return f"{head}: {_plural(len(result.findings), 'finding')} ({verdict}){quiet}"


def finding_lines(result: CheckResult) -> list[str]:
    label = "ERROR" if result.failing else "warning"
    lines = []
    for f in result.findings:
        where = f.location()
        lines.append(f"{f.code} {label} {where + ': ' if where else ''}{f.message}")
    return lines


def section_lines(
    results: Sequence[CheckResult], updates: Sequence[BaselineUpdate], updating: bool
) -> list[str]:
    """Everything under the section title: findings grouped by check, then summaries."""
    lines: list[str] = []
    for result in results:
        lines.extend(finding_lines(result))
        lines.extend(f"  {note}" for note in result.notes)
    for update in updates:
        lines.extend(baseline_lines(update, updating))
    lines.extend(check_summary(r) for r in results)
    return lines


def baseline_lines(update: BaselineUpdate, updating: bool) -> list[str]:
    name = f"baseline {update.check}.json"
    if not updating:
        if update.refused:
            return [
                f"{name}: {len(update.refused)} regression(s) not recorded "
                "(run with --g6-update-baselines --g6-accept-regressions to record them)"
            ]
        return []
    if update.created:
        return [f"{name}: created with {_plural(len(update.entries), 'entry')}"]
    lines = [f"{name}: {c}" for c in update.changed]
    lines += [f"{name}: accepted regression {a}" for a in update.accepted]
    lines += [
        f"{name}: refused regression {r} (add --g6-accept-regressions to record it)"
        for r in update.refused
    ]
    if not lines:
        lines.append(f"{name}: unchanged")
    return lines


def report_json(results: Sequence[CheckResult], release: Version | None) -> dict[str, Any]:
    checks: dict[str, Any] = {}
    for r in results:
        entry: dict[str, Any] = {
            "mode": r.mode,
            "status": r.status,
            "findings": [f.to_json() for f in r.findings],
            "suppressed": r.suppressed,
        }
        if r.skipped_reason is not None:
            entry["note"] = r.skipped_reason
        entry.update(r.extra)
        checks[r.check] = entry
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "release": None if release is None else str(release),
        "checks": checks,
    }


def validate_report(data: dict[str, Any]) -> None:
    """Raise jsonschema.ValidationError when ``data`` breaks the shipped report schema."""
    import jsonschema

    jsonschema.validate(data, load_schema("report.schema.json"))


def dump_report(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, indent=2) + "\n").encode("utf-8")
