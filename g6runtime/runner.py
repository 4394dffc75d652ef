"""Wiring: settings → provider, sink and metrics; run cycles on a clock."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .collectors.cycle import CycleResult, Universe, run_cycle
from .collectors.publish import publish
from .config import Settings
from .errors import StorageError
from .metrics.registry import Metrics, build_registry
from .metrics.spec import load_spec
from .providers.base import Provider
from .resilience.controller import Resilience
from .resilience.publish import publish_resilience
from .resilience.state import Clock
from .storage.csv_sink import CsvSink

if TYPE_CHECKING:
    from .panels.writer import PanelPublisher
    from .providers.faults import FaultPlan


def universe(settings: Settings) -> Universe:
    return Universe(
        indices=settings.indices,
        expiries=settings.expiries,
        strikes_per_side=settings.strikes_per_side,
        strike_steps=dict(settings.strike_steps),
        r=settings.risk_free_rate,
        q=settings.dividend_yield,
    )


def build_metrics(settings: Settings) -> Metrics:
    return build_registry(load_spec(), settings.enable_groups, settings.disable_groups)


def synthetic_provider(settings: Settings, seed: int, faults: FaultPlan | None = None) -> Provider:
    from .providers.synthetic import SyntheticMarket

    return SyntheticMarket(
        seed,
        faults,
        step_overrides=dict(settings.strike_steps),
        r=settings.risk_free_rate,
        q=settings.dividend_yield,
    )


def resilience(settings: Settings, clock: Clock = "measured") -> Resilience:
    return Resilience(
        settings.resilience,
        settings.indices,
        settings.strikes_per_side,
        settings.interval_seconds,
        clock,
    )


@dataclass
class Runtime:
    """Everything one process needs to run cycles.

    ``guard`` (built from the settings on the first cycle when not given) plans each
    cycle's detail and judges its outcome (g6runtime.resilience).
    """

    settings: Settings
    provider: Provider
    metrics: Metrics
    sink: CsvSink
    timer: Callable[[], float] = time.perf_counter
    panels: PanelPublisher | None = None
    guard: Resilience | None = None

    def cycle(self, number: int, now: datetime) -> CycleResult:
        """Run one cycle, publish its metrics, then write its panels (StorageError if not)."""
        if self.guard is None:
            self.guard = resilience(self.settings)
        plan = self.guard.plan()
        result = run_cycle(
            number, now, self.provider, plan.apply(universe(self.settings)), self.sink, self.timer
        )
        state = self.guard.observe(result)
        result = replace(result, resilience=state)
        publish(self.metrics, result)
        publish_resilience(self.metrics, state)
        if self.panels is not None:
            try:
                self.panels.publish(result)
            except StorageError:
                self.metrics.counter("g6_errors_total").labels(
                    component="panels", category=StorageError.category
                ).inc()
                raise
        return result


def panel_publisher(settings: Settings) -> PanelPublisher:
    """Panels for ``settings.panels_dir``, signed when a key is configured."""
    from .panels.builders import PanelContext
    from .panels.writer import PanelPublisher, PanelWriter

    context = PanelContext(
        settings.indices, settings.expiries, settings.interval_seconds, settings.csv_dir
    )
    return PanelPublisher(PanelWriter(settings.panels_dir, settings.hmac_key), context)


def simulated_clock(start: datetime, interval: float, cycles: int) -> Iterator[datetime]:
    """The simulated instants of ``cycles`` cycles: start, start + interval, …"""
    for i in range(cycles):
        yield start + timedelta(seconds=interval * i)


def cycle_registry() -> object:
    """A registry after one synthetic cycle (so labelled families have their label sets).

    The repository's own ``metrics_spec`` governance check compares this registry with
    docs/metrics_spec.yaml; no file is written (the cycle runs without a sink).
    """
    from .config import Settings
    from .market.calendar import IST

    settings = Settings()
    metrics = build_metrics(settings)
    guard = resilience(settings, "simulated")
    plan = guard.plan()
    result = run_cycle(
        1,
        datetime(2026, 11, 26, 9, 15, tzinfo=IST),
        synthetic_provider(settings, 1),
        plan.apply(universe(settings)),
        None,
    )
    state = guard.observe(result)
    publish(metrics, replace(result, resilience=state))
    publish_resilience(metrics, state)
    return metrics.registry
