"""The runtime's Prometheus metrics, built from the one spec (docs/metrics_spec.yaml).

Nothing happens at import: the spec is read and the registry filled only when
`load_spec()` and `build_registry()` are called (jsonschema is imported on the
first validation).
"""

from .http import MetricsServer, serve
from .registry import (
    CounterLike,
    GaugeLike,
    HistogramLike,
    InfoLike,
    Metrics,
    SummaryLike,
    UnknownMetricGroupError,
    build_registry,
    exposition,
    governance_registry,
)
from .spec import (
    MetricSpec,
    MetricsSpecError,
    MetricType,
    default_spec_path,
    groups_of,
    load_spec,
    parse_spec,
)

__all__ = [
    "CounterLike",
    "GaugeLike",
    "HistogramLike",
    "InfoLike",
    "MetricSpec",
    "MetricType",
    "Metrics",
    "MetricsServer",
    "MetricsSpecError",
    "SummaryLike",
    "UnknownMetricGroupError",
    "build_registry",
    "default_spec_path",
    "exposition",
    "governance_registry",
    "groups_of",
    "load_spec",
    "parse_spec",
    "serve",
]
