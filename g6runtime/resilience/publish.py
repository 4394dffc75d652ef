"""The resilience state of one cycle → the ``resilience`` metric group of the spec."""

from __future__ import annotations

from collections import Counter

from ..metrics.registry import Metrics
from .detail import MODES
from .state import ResilienceState


def publish_resilience(metrics: Metrics, state: ResilienceState) -> None:
    """Record one cycle's budget, memory tier and detail changes."""
    budget = state.budget
    if state.breached:
        metrics.counter("g6_sla_breaches_total").inc()
    metrics.gauge("g6_fault_budget_breaches").set(budget.breaches)
    metrics.gauge("g6_fault_budget_remaining").set(budget.remaining)
    metrics.gauge("g6_fault_budget_consumed_percent").set(budget.consumed_percent)
    if budget.event == "exhausted":
        metrics.counter("g6_fault_budget_exhaustions_total").inc()
    metrics.gauge("g6_memory_pressure_tier").set(state.tier)
    if state.rss_bytes is not None:
        metrics.gauge("g6_memory_resident_bytes").set(state.rss_bytes)
    for index, s in state.indices.items():
        metrics.gauge("g6_detail_level").labels(index=index).set(MODES.index(s.next_mode))
    for reason, n in sorted(Counter(c.reason for c in state.changes).items()):
        metrics.counter("g6_detail_changes_total").labels(reason=reason).inc(n)
