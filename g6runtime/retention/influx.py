"""Retention in InfluxDB (``retention.prune_influx``): count and delete the points of both
measurements older than the CSV cutoff, with the CSV guards.

**The cutoff instant.** A CSV day-file dated D expires when D is before the first kept day
(:func:`.layout.first_kept_day`: the cutoff ``today - max_age_days``, and never today while
``protect_today`` holds). A point expires on the same rule applied to its Asia/Kolkata date,
which is exactly "its time is strictly before that day's 00:00 Asia/Kolkata"; so the one
query condition is ``time < '<that instant in UTC, RFC 3339>'``
(:func:`cutoff_instant`). Nothing dated today (IST) can match it, nor anything later.

``scan`` counts (``SELECT COUNT(*) … WHERE time < …``: the largest per-field count, i.e.
the points, since every point of both measurements carries ``index_price``); ``prune``
counts, deletes (``DELETE FROM <m> WHERE time < …``, one statement per measurement) and
counts again, under the CSV tree's prune lock, after opening the CSV tree's audit log,
where it appends one ``influx_delete`` entry with the counts per measurement.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from ..errors import ConfigError, G6Error
from ..influx.points import OPTION_MEASUREMENT, OVERVIEW_MEASUREMENT
from ..market.calendar import IST
from .layout import first_kept_day

if TYPE_CHECKING:
    from ..config import InfluxSettings
    from ..influx.client import InfluxClient
    from ..metrics.registry import Metrics

__all__ = [
    "MEASUREMENTS",
    "InfluxReport",
    "count_query",
    "cutoff_instant",
    "delete_query",
    "prune_influx",
    "rfc3339",
]

MEASUREMENTS: Final = (OPTION_MEASUREMENT, OVERVIEW_MEASUREMENT)
# InfluxDB's earliest representable time is 1677-09-21T00:12:43Z (int64 nanoseconds): a
# cutoff before this year has no point before it, and is not sent (the server refuses it).
_FIRST_YEAR: Final = 1678


def cutoff_instant(today: date, cutoff: date, protect_today: bool) -> datetime | None:
    """00:00 Asia/Kolkata of the first kept day, as a UTC instant: points strictly before it
    expire. None when that day is before any time InfluxDB can hold (nothing expires)."""
    first = date.fromisoformat(first_kept_day(today, cutoff, protect_today))
    if first.year < _FIRST_YEAR:
        return None
    return datetime.combine(first, time(0), IST).astimezone(UTC)


def rfc3339(instant: datetime) -> str:
    """``2026-10-13T18:30:00Z``: the UTC instant as InfluxQL time text (whole seconds)."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _identifier(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def count_query(measurement: str, instant: datetime) -> str:
    return f"SELECT COUNT(*) FROM {_identifier(measurement)} WHERE time < '{rfc3339(instant)}'"


def delete_query(measurement: str, instant: datetime) -> str:
    return f"DELETE FROM {_identifier(measurement)} WHERE time < '{rfc3339(instant)}'"


@dataclass
class InfluxReport:
    """What the Influx part found and did; ``error`` (one line) when it could not."""

    cutoff_date: str
    cutoff: str | None  # the RFC 3339 instant; None: before any Influx time
    dry_run: bool
    url: str | None = None
    database: str | None = None
    before: dict[str, int] = field(default_factory=dict)
    after: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    error_category: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def points(self) -> int:
        return sum(self.before.values())

    def deleted(self, measurement: str) -> int:
        if measurement not in self.after:
            return 0
        return max(self.before.get(measurement, 0) - self.after[measurement], 0)

    @property
    def deleted_total(self) -> int:
        return sum(self.deleted(m) for m in self.after)

    def counts(self) -> dict[str, dict[str, int | None]]:
        """Per measurement: ``points`` (a scan or dry run) or ``before``/``deleted``/``after``
        (None when the count after the delete failed)."""
        if self.dry_run:
            return {m: {"points": n} for m, n in self.before.items()}
        return {
            m: {
                "before": n,
                "deleted": self.deleted(m) if m in self.after else None,
                "after": self.after.get(m),
            }
            for m, n in self.before.items()
        }

    def as_audit(self) -> dict[str, Any]:
        """The audit entry's own fields (``time``, ``event``, ``root``, ``run`` added by it)."""
        return {
            "url": self.url,
            "database": self.database,
            "date": self.cutoff_date,
            "cutoff": self.cutoff,
            "measurements": self.counts(),
            "deleted": self.deleted_total,
            "reason": f"time before {self.cutoff} (00:00 Asia/Kolkata of {self.cutoff_date})",
            "error": self.error,
        }

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "requested": True,
            "status": "ok" if self.ok else "error",
            "url": self.url,
            "database": self.database,
            "cutoff_date": self.cutoff_date,
            "cutoff": self.cutoff,
            "dry_run": self.dry_run,
            "measurements": self.counts(),
            "points": self.points,
        }
        if not self.dry_run:
            data["deleted"] = self.deleted_total
        if self.error is not None:
            data["message"] = self.error
        return data


def client_for(settings: InfluxSettings) -> InfluxClient:
    """The sink's client (its URL, database, credentials and timeout); ConfigError (one line
    naming the key) when ``storage.influx.url`` is not set."""
    from ..influx.client import InfluxClient

    url = settings.url
    if not url:
        raise ConfigError(
            "retention.prune_influx is true but storage.influx.url (G6_INFLUX_URL) is not set:"
            " set it to the InfluxDB server, or set retention.prune_influx to false"
        )
    i = settings
    return InfluxClient(url, i.database, i.username, i.password, i.timeout_seconds)


def count_before(client: InfluxClient, instant: datetime) -> dict[str, int]:
    """Points per measurement with time strictly before ``instant``."""
    counts: dict[str, int] = {}
    for measurement in MEASUREMENTS:
        counts[measurement] = 0
        for item in client.query(count_query(measurement, instant)).get("results", []):
            for series in item.get("series", []) if isinstance(item, dict) else []:
                columns = series.get("columns", [])
                for values in series.get("values", []):
                    fields = [int(v) for c, v in zip(columns, values, strict=False) if c != "time"]
                    counts[measurement] = max([counts[measurement], *fields])
    return counts


def prune_influx(
    settings: InfluxSettings,
    root: Path,
    today: date,
    cutoff: date,
    now: datetime,
    *,
    protect_today: bool = True,
    dry_run: bool = False,
    metrics: Metrics | None = None,
) -> InfluxReport:
    """Count (``dry_run``) or delete the points before the cutoff; never raises a G6Error:
    a failure is the report's ``error`` (one line), with whatever was counted before it."""
    instant = cutoff_instant(today, cutoff, protect_today)
    report = InfluxReport(
        cutoff_date=first_kept_day(today, cutoff, protect_today),
        cutoff=None if instant is None else rfc3339(instant),
        dry_run=dry_run,
        url=settings.url,
        database=settings.database,
    )
    try:
        client = client_for(settings)
    except G6Error as exc:
        report.error, report.error_category = str(exc), exc.category
        return report
    report.url = client.url
    try:
        if instant is None:
            report.before = dict.fromkeys(MEASUREMENTS, 0)
            if not dry_run:
                report.after = dict(report.before)
        elif dry_run:
            report.before = count_before(client, instant)
        else:
            _delete(client, report, root, instant, now)
    except G6Error as exc:
        report.error, report.error_category = str(exc), exc.category
    finally:
        client.close()
    if metrics is not None:
        _publish(metrics, report)
    return report


def _delete(
    client: InfluxClient, report: InfluxReport, csv_dir: Path, instant: datetime, now: datetime
) -> None:
    """Under the CSV tree's lock, with its audit log open first: count, delete, count, and
    one audit entry (also when a delete failed part-way: what is known, and the error)."""
    from ..errors import StorageError
    from .audit import AuditLog
    from .lock import PruneLock
    from .scan import Root, refusal_message, shallow_scan

    with Root(csv_dir) as root:
        refusal = refusal_message(shallow_scan(root))  # before the lock file is created
        if refusal is not None:
            raise StorageError(refusal)
        with PruneLock(root.fd, root.path):
            audit = AuditLog(root.fd, root.path, f"{now:%Y%m%dT%H%M%S%z}-{os.getpid()}")
            try:
                report.before = count_before(client, instant)
                try:
                    for measurement in MEASUREMENTS:
                        if report.before[measurement]:
                            client.query(delete_query(measurement, instant), epoch=None)
                except G6Error as exc:
                    report.error, report.error_category = str(exc), exc.category
                try:
                    report.after = count_before(client, instant)
                finally:
                    audit.record_influx(now, report.as_audit())
            finally:
                audit.close()


def _publish(metrics: Metrics, report: InfluxReport) -> None:
    left = report.after if report.after else report.before
    gauge = metrics.gauge("g6_retention_influx_candidate_points")
    for measurement, points in left.items():
        gauge.labels(measurement=measurement).set(points)
    pruned = metrics.counter("g6_retention_influx_points_pruned_total")
    for measurement in report.after:
        pruned.labels(measurement=measurement).inc(report.deleted(measurement))
