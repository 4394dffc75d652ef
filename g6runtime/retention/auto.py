"""Automatic pruning inside ``g6 collect``: off by default, a dry run until told otherwise.

``retention.enabled`` switches it on; ``retention.dry_run`` (default true) makes it
only report what a prune would remove. It runs at most once per Asia/Kolkata day
(the first call on a new date), with the same guards as ``g6 retention prune``. A
refusal or a held lock never stops the collector: it is one log line and one
``g6_errors_total{component="retention"}``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from ..config import Settings
from ..errors import G6Error
from ..market.calendar import market_date
from .prune import PruneReport, prune
from .report import INFLUX_NOTE, size_text

if TYPE_CHECKING:
    from ..metrics.registry import Metrics


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class AutoPrune:
    """Call ``tick(now)`` each loop turn; log lines go to ``emit`` (default: stderr)."""

    def __init__(
        self, settings: Settings, metrics: Metrics, emit: Callable[[str], None] = _log
    ) -> None:
        self._settings = settings
        self._metrics = metrics
        self._emit = emit
        self._last: date | None = None

    def tick(self, now: datetime) -> PruneReport | None:
        """Prune (or dry-run) when enabled and not yet done on ``now``'s IST date."""
        policy = self._settings.retention
        day = market_date(now)
        if not policy.enabled or day == self._last:
            return None
        self._last = day
        if policy.prune_influx:
            self._emit(f"g6: retention: {INFLUX_NOTE}")
        root = self._settings.csv_dir
        if not policy.prune_csv or not root.exists():
            return None
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
            self._emit(f"g6: retention skipped: {exc}")
            self._metrics.counter("g6_errors_total").labels(
                component="retention", category=exc.category
            ).inc()
            return None
        self._emit(summary(result))
        return result


def summary(result: PruneReport) -> str:
    scan = result.scan
    head = f"g6: retention (cutoff {scan.cutoff}, max_age_days {scan.max_age_days}): "
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
