"""Build the runtime's Prometheus metrics from the spec, with group gating.

Every metric object is created here from a `MetricSpec`; nothing else in the
runtime declares one. Callers get metrics by spec name through `Metrics`:

    metrics = build_registry(load_spec(), enabled_groups=None, disabled_groups=frozenset())
    metrics.counter("g6_cycles_total").inc()
    metrics.counter("g6_csv_rows_written_total").labels(index="NIFTY").inc(12)

* The registry is a private `CollectorRegistry`: never the global `REGISTRY`,
  so no process/platform/gc collectors and nothing shared between builds.
* `_created` series carry wall-clock time and are disabled. prometheus_client
  only offers a process-wide switch (`disable_created_metrics()` flips the
  module global `prometheus_client.metrics._use_created`, read at collect
  time); `build_registry` calls it, so after the first build no registry in the
  process exports `_created` (the env var `PROMETHEUS_DISABLE_CREATED_SERIES`
  does the same at import).
* A group is on when (`enabled_groups` is None or the group is in it) and the
  group is not in `disabled_groups`: deny wins. A metric of a group that is off
  is not registered, and its accessor returns a no-op stand-in with the same
  methods (it still checks label names, so a disabled group hides no bug).
* A name that is not in the spec raises KeyError; the wrong accessor for the
  spec's type raises TypeError.
"""

from __future__ import annotations

import logging
from collections import Counter as Counter_
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    Summary,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.registry import Collector

from g6runtime.errors import ConfigError

from .spec import MetricSpec, MetricsSpecError, MetricType, groups_of, load_spec

__all__ = [
    "CounterLike",
    "GaugeLike",
    "HistogramLike",
    "InfoLike",
    "Metrics",
    "SummaryLike",
    "UnknownMetricGroupError",
    "build_registry",
    "exposition",
    "governance_registry",
]


_log = logging.getLogger("g6runtime.metrics")


class CounterLike(Protocol):
    def labels(self, *labelvalues: str, **labelkwargs: str) -> CounterLike: ...
    def inc(self, amount: float = 1) -> None: ...


class GaugeLike(Protocol):
    def labels(self, *labelvalues: str, **labelkwargs: str) -> GaugeLike: ...
    def inc(self, amount: float = 1) -> None: ...
    def dec(self, amount: float = 1) -> None: ...
    def set(self, value: float) -> None: ...


class HistogramLike(Protocol):
    def labels(self, *labelvalues: str, **labelkwargs: str) -> HistogramLike: ...
    def observe(self, amount: float) -> None: ...
    def observe_many(self, amounts: Iterable[float]) -> None: ...


class SummaryLike(Protocol):
    def labels(self, *labelvalues: str, **labelkwargs: str) -> SummaryLike: ...
    def observe(self, amount: float) -> None: ...


class InfoLike(Protocol):
    def labels(self, *labelvalues: str, **labelkwargs: str) -> InfoLike: ...
    def info(self, val: dict[str, str]) -> None: ...


class UnknownMetricGroupError(ConfigError):
    """An enabled/disabled group name that the spec does not declare (likely a typo)."""


class _NoOp:
    """Stand-in for a metric of a disabled group: same methods, no effect.

    Label handling mirrors prometheus_client (count/names checked, values
    required before use), so code behaves alike whether the group is on or off.
    """

    __slots__ = ("_bound", "_labelnames", "_name", "_type")

    def __init__(
        self, name: str, type_: MetricType, labelnames: tuple[str, ...], bound: bool = False
    ) -> None:
        self._name = name
        self._type = type_
        self._labelnames = labelnames
        self._bound = bound

    def labels(self, *labelvalues: str, **labelkwargs: str) -> _NoOp:
        if not self._labelnames or self._bound:
            raise ValueError(f"No label names were set when constructing {self._name}")
        if labelvalues and labelkwargs:
            raise ValueError("Can't pass both *args and **kwargs")
        if labelkwargs and set(labelkwargs) != set(self._labelnames):
            raise ValueError("Incorrect label names")
        if not labelkwargs and len(labelvalues) != len(self._labelnames):
            raise ValueError("Incorrect label count")
        return _NoOp(self._name, self._type, self._labelnames, bound=True)

    def inc(self, amount: float = 1) -> None:
        self._check_observable()
        if self._type == "counter" and amount < 0:
            raise ValueError("Counters can only be incremented by non-negative amounts.")

    def dec(self, amount: float = 1) -> None:
        self._check_observable()

    def set(self, value: float) -> None:
        self._check_observable()

    def observe(self, amount: float) -> None:
        self._check_observable()

    def observe_many(self, amounts: Iterable[float]) -> None:
        self._check_observable()

    def info(self, val: dict[str, str]) -> None:
        self._check_observable()

    def _check_observable(self) -> None:
        if self._labelnames and not self._bound:
            raise ValueError(f"{self._type} metric is missing label values")


_M = TypeVar("_M")


class _Histogram(Histogram):
    """prometheus_client's Histogram, with ``observe_many``: a batch in one call.

    A cycle observes one solver-iteration count per option (hundreds, few distinct
    values); ``observe`` costs a lock and a bucket search each. ``observe_many`` counts
    equal amounts first, then adds each distinct amount to its bucket and to the sum
    once (``amount × count``), through the same value objects ``observe`` uses (their
    names are prometheus_client's own, unchanged since 0.4; a test compares the
    exposition with that of one ``observe`` per amount)."""

    def observe_many(self, amounts: Iterable[float]) -> None:
        self._raise_if_not_observable()  # type: ignore[no-untyped-call]  # untyped upstream
        bounds = self._upper_bounds
        for amount, count in Counter_(amounts).items():
            self._sum.inc(amount * count)
            for i, bound in enumerate(bounds):
                if amount <= bound:
                    self._buckets[i].inc(count)
                    break


@dataclass
class _Families:
    counter: dict[str, Counter] = field(default_factory=dict)
    gauge: dict[str, Gauge] = field(default_factory=dict)
    histogram: dict[str, _Histogram] = field(default_factory=dict)
    summary: dict[str, Summary] = field(default_factory=dict)
    info: dict[str, Info] = field(default_factory=dict)


class Metrics:
    """The runtime's metrics, built from the spec; see the module docstring."""

    def __init__(
        self,
        registry: CollectorRegistry,
        specs: Iterable[MetricSpec],
        enabled_groups: frozenset[str],
        families: _Families,
    ) -> None:
        self._registry = registry
        self._specs = {spec.name: spec for spec in specs}
        self._enabled_groups = enabled_groups
        self._families = families

    @property
    def registry(self) -> CollectorRegistry:
        """The private registry holding the metrics of enabled groups."""
        return self._registry

    @property
    def specs(self) -> Mapping[str, MetricSpec]:
        return dict(self._specs)

    @property
    def enabled_groups(self) -> frozenset[str]:
        return self._enabled_groups

    def register(self, collector: Collector) -> bool:
        """Add ``collector`` (e.g. prometheus_client's process collector) to the registry.

        A collector whose series names are already registered is refused by
        prometheus_client; that is caught, counted in ``g6_metric_duplicates_total``
        and logged as a warning, and False is returned (the series stay exported once).
        """
        try:
            self._registry.register(collector)
        except ValueError as exc:
            if "Duplicated timeseries" not in str(exc):
                raise
            self.counter("g6_metric_duplicates_total").inc()
            _log.warning("metrics: %s; not registered twice", exc)
            return False
        return True

    def is_enabled(self, name: str) -> bool:
        """Whether metric `name` is registered (its group is on). KeyError if not in spec."""
        return self._spec(name).group in self._enabled_groups

    def counter(self, name: str) -> CounterLike:
        return self._get(name, "counter", self._families.counter)

    def gauge(self, name: str) -> GaugeLike:
        return self._get(name, "gauge", self._families.gauge)

    def histogram(self, name: str) -> HistogramLike:
        return self._get(name, "histogram", self._families.histogram)

    def summary(self, name: str) -> SummaryLike:
        return self._get(name, "summary", self._families.summary)

    def info(self, name: str) -> InfoLike:
        return self._get(name, "info", self._families.info)

    def _spec(self, name: str) -> MetricSpec:
        try:
            return self._specs[name]
        except KeyError:
            raise KeyError(f"metric {name!r} is not declared in the metrics spec") from None

    def _get(self, name: str, kind: MetricType, table: Mapping[str, _M]) -> _M | _NoOp:
        spec = self._spec(name)
        if spec.type != kind:
            raise TypeError(f"metric {name!r} is a {spec.type} in the spec, not a {kind}")
        live = table.get(name)
        return live if live is not None else _NoOp(spec.name, spec.type, spec.labels)


def build_registry(
    specs: Iterable[MetricSpec],
    enabled_groups: frozenset[str] | None = None,
    disabled_groups: frozenset[str] = frozenset(),
) -> Metrics:
    """Create the metrics of the spec in a fresh private registry.

    Raises UnknownMetricGroupError for a gated group the spec does not declare,
    and MetricsSpecError (with the entry's file and line) when prometheus_client
    refuses an entry (e.g. a reserved label, a name clash).
    """
    spec_list = list(specs)
    known = groups_of(spec_list)
    unknown = ((enabled_groups or frozenset()) | disabled_groups) - known
    if unknown:
        raise UnknownMetricGroupError(
            f"unknown metric group(s): {', '.join(sorted(unknown))}; "
            f"the spec declares: {', '.join(sorted(known))}"
        )
    on = frozenset(
        group
        for group in known
        if (enabled_groups is None or group in enabled_groups) and group not in disabled_groups
    )
    disable_created_metrics()  # type: ignore[no-untyped-call]  # untyped in prometheus_client
    registry = CollectorRegistry(auto_describe=True)  # so duplicate collectors are caught
    families = _Families()
    for spec in spec_list:
        if spec.group in on:
            _create(spec, registry, families)
    return Metrics(registry, spec_list, on, families)


def _create(spec: MetricSpec, registry: CollectorRegistry, families: _Families) -> None:
    # The spec name is passed as is: for a counter prometheus_client drops the
    # trailing `_total` from the family name and the exposition adds it back.
    doc = spec.description
    labels = spec.labels
    try:
        match spec.type:
            case "counter":
                families.counter[spec.name] = Counter(spec.name, doc, labels, registry=registry)
            case "gauge":
                families.gauge[spec.name] = Gauge(spec.name, doc, labels, registry=registry)
            case "histogram":
                families.histogram[spec.name] = (
                    _Histogram(spec.name, doc, labels, registry=registry, buckets=spec.buckets)
                    if spec.buckets is not None
                    else _Histogram(spec.name, doc, labels, registry=registry)
                )
            case "summary":
                families.summary[spec.name] = Summary(spec.name, doc, labels, registry=registry)
            case "info":
                families.info[spec.name] = Info(spec.name, doc, labels, registry=registry)
    except ValueError as exc:
        raise MetricsSpecError(f"{spec.name}: {exc}", spec.path, spec.line) from exc


def exposition(metrics: Metrics) -> bytes:
    """The Prometheus text exposition (format 0.0.4) of the enabled metrics."""
    return bytes(generate_latest(metrics.registry))


def governance_registry() -> CollectorRegistry:
    """Every spec metric in a fresh registry: the `registry` callable for the
    governance plugin's `metrics_spec` check (`g6runtime.metrics:governance_registry`)."""
    return build_registry(load_spec()).registry
