"""How ``simulate`` and ``collect`` report a cycle: the JSON summary, the text line, the log."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ..logs import TRACE

if TYPE_CHECKING:
    from ..outputs import CycleOutcome

__all__ = ["cycle_summary", "failed_line", "line", "log_cycle"]

log = logging.getLogger("g6runtime.cycle")


def failed_line(result: CycleOutcome) -> str:
    """``cycle N: <output> output failed: <error>`` (joined by ``; `` for several)."""
    failed = "; ".join(f"{r.name} output failed: {r.error}" for r in result.failed_outputs)
    return f"cycle {result.cycle}: {failed}"


def log_cycle(result: CycleOutcome, outputs: bool = True) -> None:
    """One log line per failed output (ERROR), resilience event and detail change (WARNING)."""
    if outputs:
        for r in result.failed_outputs:
            log.error("cycle %d: %s output failed: %s", result.cycle, r.name, r.error)
    if result.resilience is not None:
        for text in result.resilience.log_lines():
            log.warning("cycle %d: %s", result.cycle, text)
    if log.isEnabledFor(logging.DEBUG):
        stages = ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in result.timings.items())
        log.debug("cycle %d: %s", result.cycle, stages)
    for r in result.reports:
        log.log(
            TRACE,
            "cycle %d: %s output %s in %.1f ms",
            result.cycle,
            r.name,
            "ok" if r.ok else "failed",
            r.seconds * 1000,
        )


def cycle_summary(result: CycleOutcome) -> dict[str, Any]:
    from ..market.calendar import IST

    state = result.resilience
    return {
        "cycle": result.cycle,
        "timestamp": result.timestamp.astimezone(IST).isoformat(timespec="seconds"),
        "rows": len(result.options),
        "overview_rows": len(result.overview),
        "failures": [f"{f.index} {f.stage}: {f.message}" for f in result.failures],
        "data_quality_issues": len(result.issues),
        "ok": result.ok,
        "outputs": {r.name: {"ok": r.ok, "error": r.error} for r in result.reports},
        "csv_rows_written": None if result.written is None else result.written.rows,
        "csv_rows_skipped": None if result.written is None else dict(result.written.skipped),
        "storage_error": result.storage_error,
        "ms": round(result.timings["total"] * 1000, 2),
        "resilience": None
        if state is None
        else {
            "breached": state.breached,
            "memory_tier": state.tier,
            "detail": {index: s.mode for index, s in state.indices.items()},
            "budget_remaining": state.budget.remaining,
        },
    }


def line(result: CycleOutcome) -> str:
    s = cycle_summary(result)
    failed = [r.name for r in result.failed_outputs]
    skipped = sum(result.written.skipped.values()) if result.written is not None else 0
    outputs = f"NOT WRITTEN to {', '.join(failed)}" if failed else "written"
    if not failed and skipped:
        outputs = f"skipped ({skipped} CSV rows not later than their files' last rows)"
    return (
        f"cycle {s['cycle']} {s['timestamp']}: {s['rows']} rows {outputs}, "
        f"{len(s['failures'])} provider failures, "
        f"{s['data_quality_issues']} data-quality issues, {s['ms']:.1f} ms"
    )
