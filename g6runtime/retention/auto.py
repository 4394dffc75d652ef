"""Automatic pruning inside ``g6 collect``: off by default, a dry run until told otherwise.

``retention.enabled`` switches it on; ``retention.dry_run`` (default true) makes it
only report what a prune would remove. It runs at most once per Asia/Kolkata day
(the first call on a new date), with the same guards as ``g6 retention prune``, and
with ``retention.prune_influx`` the Influx points before the same cutoff are counted
(dry run) or deleted the same way (:mod:`.influx`). A refusal, a held lock or an Influx
failure never stops the collector: it is one log line (logger ``g6runtime.retention``)
and one ``g6_errors_total{component="retention"}``.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import TYPE_CHECKING

from ..config import Settings
from ..errors import G6Error
from ..market.calendar import market_date
from .layout import cutoff_for
from .prune import PruneReport, prune
from .report import size_text

if TYPE_CHECKING:
    from ..metrics.registry import Metrics
    from .influx import InfluxReport

log = logging.getLogger("g6runtime.retention")


class AutoPrune:
    """Call ``tick(now)`` each loop turn; what it does is logged (``g6runtime.retention``)."""

    def __init__(self, settings: Settings, metrics: Metrics) -> None:
        self._settings = settings
        self._metrics = metrics
        self._last: date | None = None

    def tick(self, now: datetime) -> PruneReport | None:
        """Prune (or dry-run) when enabled and not yet done on ``now``'s IST date."""
        policy = self._settings.retention
        day = market_date(now)
        if not policy.enabled or day == self._last:
            return None
        self._last = day
        today, cutoff = day, cutoff_for(day, policy.max_age_days)
        result = None
        root = self._settings.csv_dir
        if policy.prune_csv and root.exists():
            try:
                result = prune(
                    root,
                    policy.max_age_days,
                    lambda: now,
                    protect_today=policy.protect_today,
                    dry_run=policy.dry_run,
                    metrics=self._metrics,
                )
            except G6Error as exc:
                self._failed("retention skipped: %s", exc, exc.category)
            else:
                log.info("%s", summary(result))
                today, cutoff = result.scan.today, result.scan.cutoff
        if policy.prune_influx:
            self._influx(now, today, cutoff)
        return result

    def _influx(self, now: datetime, today: date, cutoff: date) -> InfluxReport | None:
        from .influx import prune_influx

        policy = self._settings.retention
        root = self._settings.csv_dir
        if not policy.dry_run and not root.exists():
            log.info(
                "retention: Influx prune deferred: %s does not exist yet (its audit log)", root
            )
            return None
        report = prune_influx(
            self._settings.influx,
            root,
            today,
            cutoff,
            now,
            protect_today=policy.protect_today,
            dry_run=policy.dry_run,
            metrics=self._metrics,
        )
        if report.error is not None:
            self._failed("retention: Influx skipped: %s", report.error, report.error_category)
        else:
            log.info("%s", influx_summary(report))
        return report

    def _failed(self, template: str, error: object, category: str | None) -> None:
        log.warning(template, error)
        self._metrics.counter("g6_errors_total").labels(
            component="retention", category=category or "storage"
        ).inc()


def summary(result: PruneReport) -> str:
    scan = result.scan
    head = f"retention (cutoff {scan.cutoff}, max_age_days {scan.max_age_days}): "
    if result.dry_run:
        return (
            f"{head}dry run, {scan.candidates:,} day-files ({size_text(scan.bytes)}) "
            "would be removed"
        )
    errors = f", {len(result.errors)} error(s): {result.errors[0]}" if result.errors else ""
    return (
        f"{head}removed {len(result.removed):,} day-files "
        f"({size_text(result.removed_bytes)}){errors}"
    )


def influx_summary(report: InfluxReport) -> str:
    head = f"retention: Influx points before {report.cutoff or report.cutoff_date}: "
    per = ", ".join(f"{m} {n:,}" for m, n in report.before.items())
    if report.dry_run:
        return f"{head}dry run, {report.points:,} would be deleted ({per})"
    return f"{head}deleted {report.deleted_total:,} of {report.points:,} ({per})"
