"""The metrics output: a cycle's outcome → the metrics declared in docs/metrics_spec.yaml.

Errors follow the one taxonomy of g6runtime.errors: every failure counts once in
``g6_errors_total{component,category}``, ``category`` being the failure's G6Error
category and ``component`` where it arose (``provider`` for a source that failed to
answer, ``collector`` for data the collector could not use; a failed output is counted
by g6runtime.outputs.publish_all under the output's name). The solver-iteration
histogram gets one observation per solved leg, in one ``observe_many`` per index; under
memory pressure (``outcome.resilience.option_metrics`` false) these per-option
observations are dropped.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from ..errors import ProviderError
from ..metrics.registry import Metrics
from .stages import Failure

if TYPE_CHECKING:
    from ..outputs import CycleOutcome


def error_labels(failure: Failure) -> tuple[str, str]:
    """``(component, category)`` of ``g6_errors_total`` for one failure."""
    component = "provider" if failure.category == ProviderError.category else "collector"
    return component, failure.category


def publish(metrics: Metrics, result: CycleOutcome) -> None:
    """Record one cycle; every name used here must be in the spec (KeyError otherwise)."""
    metrics.counter("g6_cycles_total").inc()
    if not result.ok:
        metrics.counter("g6_cycle_failures_total").inc()
    metrics.histogram("g6_cycle_duration_seconds").observe(result.timings["total"])
    metrics.gauge("g6_last_cycle_timestamp_seconds").set(result.timestamp.timestamp())
    for plan in result.plans:
        metrics.gauge("g6_index_price").labels(index=plan.index).set(plan.spot)
    for row in result.overview:
        for tag, pcr in row.pcr.items():
            if pcr is not None:
                metrics.gauge("g6_pcr").labels(index=row.index, expiry=tag).set(pcr)
    collected = Counter((r.index, r.expiry_tag) for r in result.options)
    for (index, tag), n in collected.items():
        metrics.counter("g6_options_collected_total").labels(index=index, expiry=tag).inc(n)
    for (index, tag), (ok, failed) in result.iv.items():
        if ok:
            metrics.counter("g6_iv_estimation_success_total").labels(index=index, expiry=tag).inc(
                ok
            )
        if failed:
            metrics.counter("g6_iv_estimation_failure_total").labels(index=index, expiry=tag).inc(
                failed
            )
    per_option = result.resilience is None or result.resilience.option_metrics
    for index, iterations in result.iterations.items() if per_option else ():
        metrics.histogram("g6_iv_solver_iterations").labels(index=index).observe_many(iterations)
    for (index, kind), n in Counter((i.index, i.kind) for i in result.issues).items():
        metrics.counter("g6_data_quality_issues_total").labels(index=index, kind=kind).inc(n)
    for f in result.failures:
        if f.kind in ("error", "timeout") and f.category == ProviderError.category:
            metrics.counter("g6_provider_errors_total").labels(index=f.index, kind=f.kind).inc()
        component, category = error_labels(f)
        metrics.counter("g6_errors_total").labels(component=component, category=category).inc()
    for seconds in result.provider_durations:
        metrics.histogram("g6_provider_request_duration_seconds").observe(seconds)
    if any(r.name == "csv" and not r.ok for r in result.reports):
        for index in {row.index for row in result.overview} | {r.index for r in result.options}:
            metrics.counter("g6_csv_write_errors_total").labels(index=index).inc()
    if result.written is not None:
        for index, rows in result.written.rows_by_index.items():
            metrics.counter("g6_csv_rows_written_total").labels(index=index).inc(rows)
        for index, files in result.written.files_by_index.items():
            metrics.counter("g6_csv_day_files_total").labels(index=index).inc(files)
        for reason, skipped in result.written.skipped.items():
            metrics.counter("g6_csv_rows_skipped_total").labels(reason=reason).inc(skipped)
