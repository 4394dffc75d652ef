"""The one wiring: settings → provider, resilience, outputs; a cycle read top to bottom.

Every command, ``g6 bench``, the benchmarks, the governance registry and the tests get
their :class:`Runtime` from :meth:`Runtime.from_settings`; nothing else builds one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator, Set
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Final

from .collectors.cycle import Universe, run_cycle
from .config import Settings
from .errors import ConfigError
from .metrics.registry import Metrics, build_registry
from .metrics.spec import load_spec
from .outputs import CsvOutput, CycleOutcome, MetricsOutput, Output, PanelsOutput, publish_all
from .providers.base import Provider, TokenBound
from .resilience.controller import Resilience
from .resilience.state import Clock, CyclePlan

if TYPE_CHECKING:
    from .panels.writer import PanelPublisher
    from .providers.faults import FaultPlan

# The order they run in; "influx" only when storage.influx is enabled.
OUTPUT_NAMES: Final[tuple[str, ...]] = ("csv", "influx", "metrics", "panels")


def influx_output(settings: Settings, metrics: Metrics) -> Output:
    """The InfluxDB sink of ``storage.influx`` (its spool opened, its sender started)."""
    from .influx.client import InfluxClient
    from .influx.sink import InfluxOutput

    i = settings.influx
    if i.url is None:  # config refuses this; a Settings built by hand might not
        raise ConfigError("storage.influx.enabled is true but storage.influx.url is not set")
    client = InfluxClient(i.url, i.database, i.username, i.password, i.timeout_seconds)
    return InfluxOutput(i, metrics, client)


def market_provider(settings: Settings, faults: FaultPlan | None = None) -> Provider:
    """``settings.provider``'s source: Kite Connect (its token checked against the API
    before the first cycle) or the synthetic market (with ``faults``)."""
    if settings.provider == "kite":
        from .market.calendar import IST
        from .providers.kite_auth import kite_provider

        return kite_provider(settings.kite, datetime.now(IST))
    return synthetic_provider(settings, settings.seed, faults)


def universe(settings: Settings) -> Universe:
    return Universe(
        indices=settings.indices,
        expiries=settings.expiries,
        strikes_per_side=settings.strikes_per_side,
        strike_steps=dict(settings.strike_steps),
        r=settings.risk_free_rate,
        q=settings.dividend_yield,
    )


def planned(plan: CyclePlan, base: Universe) -> Universe:
    """``base`` with the depth and the overview-only indices the resilience plan allows."""
    return replace(base, depth=dict(plan.strikes), overview_only=plan.overview_only)


def build_metrics(settings: Settings, outputs: Collection[str] = OUTPUT_NAMES) -> Metrics:
    """The spec's metrics with what is known before the first cycle: ``g6_build_info``,
    the interval, and every labelled counter of known label values at 0."""
    from .known_labels import zero_initialize
    from .provenance import build_labels

    metrics = build_registry(load_spec(), settings.enable_groups, settings.disable_groups)
    metrics.gauge("g6_build_info").labels(**build_labels(settings)).set(1)
    metrics.gauge("g6_cycle_interval_seconds").set(settings.interval_seconds)
    zero_initialize(metrics, settings, [name for name in OUTPUT_NAMES if name in outputs])
    return metrics


def synthetic_provider(settings: Settings, seed: int, faults: FaultPlan | None = None) -> Provider:
    from .providers.synthetic import SyntheticMarket

    return SyntheticMarket(
        seed,
        faults,
        step_overrides=dict(settings.strike_steps),
        extra_holidays=settings.extra_holidays,
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


def panel_publisher(settings: Settings) -> PanelPublisher:
    """Panels for ``settings.panels_dir``, signed when a key is configured."""
    from .panels.builders import PanelContext
    from .panels.writer import PanelPublisher, PanelWriter

    context = PanelContext(
        settings.indices, settings.expiries, settings.interval_seconds, settings.csv_dir
    )
    return PanelPublisher(PanelWriter(settings.panels_dir, settings.hmac_key), context)


@dataclass
class Runtime:
    """Everything one process needs to run cycles; build it with :meth:`from_settings`.

    One cycle (:meth:`cycle`), top to bottom: the resilience layer plans it (memory tier,
    each index's detail), :func:`run_cycle` collects it (pure: provider, universe, clock
    in, a result out), the resilience layer judges the result (fault budget, next
    detail), then the outcome passes through ``outputs`` in order (CSV, metrics,
    panels) by :func:`publish_all`, the one failure path of every output.
    """

    settings: Settings
    provider: Provider
    metrics: Metrics
    guard: Resilience
    outputs: list[Output]
    timer: Callable[[], float] = time.perf_counter
    failed_streak: int = 0  # consecutive cycles with a failed output
    failed_cycles: int = 0  # cycles with a failed output, in all
    universe: Universe = field(init=False)

    def __post_init__(self) -> None:
        self.universe = universe(self.settings)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        clock: Clock = "measured",
        faults: FaultPlan | None = None,
        provider: Provider | None = None,
        outputs: Collection[str] = OUTPUT_NAMES,
        timer: Callable[[], float] = time.perf_counter,
    ) -> Runtime:
        """The runtime of ``settings``: the synthetic market (with ``faults``) unless a
        ``provider`` is given, and the named ``outputs`` (always in OUTPUT_NAMES order)."""
        from .storage.csv_sink import CsvSink

        unknown = set(outputs) - set(OUTPUT_NAMES)
        if unknown:
            raise ConfigError(f"unknown outputs {sorted(unknown)}; known: {OUTPUT_NAMES}")
        metrics = build_metrics(settings, outputs)
        chain: list[Output] = []
        if "csv" in outputs:
            chain.append(CsvOutput(CsvSink(settings.csv_dir)))
        if "influx" in outputs and settings.influx.enabled:
            chain.append(influx_output(settings, metrics))
        if "metrics" in outputs:
            chain.append(MetricsOutput(metrics))
        if "panels" in outputs:
            chain.append(PanelsOutput(panel_publisher(settings)))
        source = provider if provider is not None else market_provider(settings, faults)
        if isinstance(source, TokenBound) and source.token_expires_at is not None:
            expires = source.token_expires_at.timestamp()
            metrics.gauge("g6_kite_token_expiry_timestamp_seconds").set(expires)
        return cls(
            settings,
            source,
            metrics,
            resilience(settings, clock),
            chain,
            timer,
        )

    def cycle(self, number: int, now: datetime) -> CycleOutcome:
        """Plan, collect, judge, then publish one cycle; never raises for a failed output."""
        plan = self.guard.plan()
        result = run_cycle(number, now, self.provider, planned(plan, self.universe), self.timer)
        state = self.guard.observe(result)  # before any output: storage is not a provider fault
        outcome = publish_all(self.outputs, CycleOutcome(result, state), self.metrics, self.timer)
        if outcome.failed_outputs:
            self.failed_streak += 1
            self.failed_cycles += 1
        else:
            self.failed_streak = 0
        return outcome

    def close(self) -> None:
        for output in self.outputs:
            output.close()


def simulated_clock(
    start: datetime,
    interval: float,
    cycles: int,
    *,
    market_hours: bool = False,
    holidays: Set[date] | None = None,
) -> Iterator[datetime]:
    """The simulated instants of ``cycles`` cycles.

    Plain (``market_hours`` False, ``--ignore-market-hours``): start, start + interval, …
    Calendar-aware: each instant is the previous one + interval, stepped over non-trading
    time to the next session open (:func:`g6runtime.market.calendar.next_open`: after
    15:30 the next trading day's 09:15; weekends and ``holidays`` — None: the shipped
    calendar — skipped); ``start`` itself is stepped the same way. Raises ConfigError when
    the clock would run past the year 9999.
    """
    from .market.calendar import next_open

    try:
        if not market_hours:
            for i in range(cycles):
                yield start + timedelta(seconds=interval * i)
            return
        now = next_open(start, holidays=holidays)
        for i in range(cycles):
            yield now
            if i + 1 < cycles:
                now = next_open(now + timedelta(seconds=interval), holidays=holidays)
    except OverflowError:
        raise ConfigError(
            f"{cycles} cycles of {interval:g} s from {start.isoformat()} run the simulated "
            "clock past the year 9999"
        ) from None


def cycle_registry() -> object:
    """A registry after one synthetic cycle (so labelled families have their label sets).

    The repository's own ``metrics_spec`` governance check compares this registry with
    docs/metrics_spec.yaml; no file is written (the metrics are the only output).
    """
    from .market.calendar import IST

    runtime = Runtime.from_settings(Settings(), clock="simulated", outputs=("metrics",))
    runtime.cycle(1, datetime(2026, 11, 26, 9, 15, tzinfo=IST))
    return runtime.metrics.registry
