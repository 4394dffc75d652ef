"""What retention tells people: text, JSON (the CSV and Influx parts) and a progress line."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, TextIO

from ..config import RetentionSettings
from .scan import ScanReport

if TYPE_CHECKING:
    from .influx import InfluxReport
    from .prune import PruneReport


def influx_status(settings: RetentionSettings, report: InfluxReport | None) -> dict[str, Any]:
    """The ``influx`` block of the JSON: off, or the Influx part's counts (or its error)."""
    if not settings.prune_influx or report is None:
        return {"requested": False, "status": "off"}
    return report.as_json()


def influx_lines(report: InfluxReport | None) -> list[str]:
    """The Influx part of the text report, under the CSV part (nothing when it is off)."""
    if report is None:
        return []
    where = f"influx  {report.url} database {report.database!r}"
    if report.cutoff is None:
        return [
            f"{where}: cutoff {report.cutoff_date} precedes any InfluxDB time: no point expires"
        ]
    head = f"{where}: points before {report.cutoff} (00:00 Asia/Kolkata {report.cutoff_date})"
    if not report.before:
        return [f"{head}: not counted ({report.error or 'no answer'})"]
    per = ", ".join(f"{m} {n:,}" for m, n in report.before.items())
    lines = [f"{head}: {report.points:,} ({per})"]
    if report.dry_run:
        return lines
    if not report.after:
        lines.append(f"influx  deleted: unknown ({report.error})")
        return lines
    per = ", ".join(f"{m} {report.deleted(m):,}" for m in report.after)
    left = sum(report.after.values())
    lines.append(
        f"influx  deleted {report.deleted_total:,} points ({per}); {left:,} left before it"
    )
    return lines


def _files(items: list[tuple[str, str, int]]) -> list[dict[str, Any]]:
    return [{"path": path, "date": day, "bytes": size} for path, day, size in items]


def scan_json(report: ScanReport, influx: dict[str, Any]) -> dict[str, Any]:
    files = report.files()
    days = [day for _, day, _ in files]
    return {
        "root": str(report.root),
        "today": report.today.isoformat(),
        "max_age_days": report.max_age_days,
        "cutoff": report.cutoff.isoformat(),
        "files_scanned": report.files_scanned,
        "candidates": len(files),
        "bytes": sum(size for _, _, size in files),
        "oldest": min(days, default=None),
        "newest": max(days, default=None),
        "groups": [asdict(g) for g in report.groups()],
        "files": _files(files),
        "symlinks": report.symlinks,
        "skipped": report.skipped,
        "foreign": report.foreign,
        "looks_like_g6": report.refusal is None,
        "refusal": report.refusal,
        "influx": influx,
    }


def prune_json(result: PruneReport, influx: dict[str, Any]) -> dict[str, Any]:
    data = scan_json(result.scan, influx)
    data.update(
        dry_run=result.dry_run,
        protect_today=result.protect_today,
        removed_files=len(result.removed),
        removed_bytes=result.removed_bytes,
        removed=_files(result.removed),
        removed_dirs=result.removed_dirs,
        refused=result.refused,
        errors=result.errors,
        audit_log=None if result.audit_log is None else str(result.audit_log),
    )
    return data


def size_text(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{size:,} bytes" if unit == "B" else f"{size:,} bytes ({value:.1f} {unit})"
        value /= 1024
    raise AssertionError("unreachable")


def scan_lines(report: ScanReport) -> list[str]:
    lines = [
        f"root    {report.root}",
        f"today   {report.today} (Asia/Kolkata); max_age_days {report.max_age_days}; "
        f"cutoff {report.cutoff}: day-files dated before it expire",
    ]
    groups = report.groups()
    if groups:
        lines.append(f"{'index':<12}{'expiry':<12}{'files':>8}{'bytes':>16}  oldest      newest")
        for g in groups:
            lines.append(
                f"{g.index:<12}{g.expiry:<12}{g.files:>8,}{g.bytes:>16,}  {g.oldest}  {g.newest}"
            )
    total = report.candidates
    span = ""
    if groups:
        span = f", {min(g.oldest for g in groups)} .. {max(g.newest for g in groups)}"
    size = size_text(report.bytes)
    lines.append(f"expired {total:,} of {report.files_scanned:,} day-files, {size}{span}")
    extras = [
        (len(report.symlinks), "symlink(s) left alone (never followed)"),
        (len(report.skipped), "folder(s) skipped (another file system or changed)"),
        (len(report.foreign), "foreign entr(ies) in leaf folders left alone"),
    ]
    lines.extend(f"{count:,} {what}" for count, what in extras if count)
    return lines


def prune_lines(result: PruneReport) -> list[str]:
    lines = scan_lines(result.scan)
    if result.dry_run:
        lines.append("dry run: nothing removed")
        return lines
    lines.append(
        f"removed {len(result.removed):,} day-files ({size_text(result.removed_bytes)}) "
        f"and {len(result.removed_dirs):,} emptied folder(s)"
    )
    if result.refused:
        lines.append(f"kept by a guard: {len(result.refused):,} (first: {result.refused[0]})")
    if result.audit_log is not None:
        lines.append(f"audit log {result.audit_log}")
    return lines


class TerminalProgress:
    """``scanned N day-files…`` on a terminal, redrawn at most 10 times a second.

    Silent unless ``stream`` is a terminal, and until the scan has run for ``after``
    seconds (small trees never see it); ``done()`` erases the line.
    """

    def __init__(self, stream: TextIO, after: float = 0.5) -> None:
        self._stream = stream
        self._enabled = stream.isatty()
        self._start = time.monotonic()
        self._after = after
        self._last = 0.0
        self._drawn = False

    @property
    def enabled(self) -> bool:
        return self._enabled

    def __call__(self, count: int) -> None:
        now = time.monotonic()
        if now - self._start < self._after or now - self._last < 0.1:
            return
        self._last = now
        self._drawn = True
        self._stream.write(f"\rg6 retention: scanned {count:,} day-files…")
        self._stream.flush()

    def done(self) -> None:
        if self._drawn:
            self._stream.write("\r\x1b[K")
            self._stream.flush()
            self._drawn = False
