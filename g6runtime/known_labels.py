"""The label values known before the first cycle, so their counters start at 0 (SPEC §2).

``sum(rate(g6_errors_total[1m]))`` must be a number from the first scrape, so every
labelled counter whose label values are known in advance is exported at 0 from the
start: the indices and expiry rules of the settings (only the rules an index is
listed with: BANKNIFTY and FINNIFTY have no weekly rows), the error components with the
categories each can count, and each counter's reasons and kinds. A label set not listed
here still appears at its first event. Each value set comes from the
module that emits it; this table only pairs them with their metrics. A metric whose
group is off is skipped (its accessor is a no-op).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import Settings
    from .metrics.registry import Metrics

__all__ = ["EXPORTER_FORMATS", "label_sets", "zero_initialize"]

#: ``g6_exporter_scrapes_total{format}``: the two expositions /metrics negotiates
EXPORTER_FORMATS: tuple[str, ...] = ("text", "openmetrics")


def _error_pairs(outputs: Iterable[str]) -> list[dict[str, str]]:
    """The ``(component, category)`` pairs ``g6_errors_total`` is counted with: a provider
    failure (``collectors.publish.error_labels``: provider, or collector for bad data), an
    output's failure (``outputs.publish_all``: storage by default, the category of the
    G6Error it raised otherwise), automatic retention (storage, or a config problem)."""
    from .errors import ConfigError, DataError, G6Error, IntegrityError, ProviderError, StorageError

    pairs = [("provider", ProviderError.category), ("collector", DataError.category)]
    pairs += [("retention", StorageError.category), ("retention", ConfigError.category)]
    for output in outputs:
        pairs += [(output, StorageError.category), (output, G6Error.category)]
        if output == "panels":
            pairs.append((output, IntegrityError.category))
    return [{"component": c, "category": k} for c, k in pairs]


def _product(**values: Sequence[str]) -> list[dict[str, str]]:
    names = list(values)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*values.values())]


def _index_expiries(settings: Settings) -> list[dict[str, str]]:
    from .market.indices import expiry_rules

    return [
        {"index": index, "expiry": rule}
        for index in settings.indices
        for rule in expiry_rules(index, settings.expiries)
    ]


def label_sets(settings: Settings, outputs: Iterable[str]) -> dict[str, list[dict[str, str]]]:
    """Metric name → the label sets it is exported with from the start."""
    from .collectors.stages import PROVIDER_ERROR_KINDS, QUALITY_KINDS
    from .influx.points import OPTION_MEASUREMENT, OVERVIEW_MEASUREMENT
    from .influx.sink import DROP_REASONS, ERROR_REASONS
    from .resilience.detail import REASONS as DETAIL_REASONS
    from .storage.csv_sink import SKIP_REASONS

    indices = settings.indices
    per_index = _product(index=indices)
    index_expiry = _index_expiries(settings)
    return {
        "g6_csv_day_files_total": per_index,
        "g6_csv_rows_written_total": per_index,
        "g6_csv_write_errors_total": per_index,
        "g6_csv_rows_skipped_total": _product(reason=SKIP_REASONS),
        "g6_data_quality_issues_total": _product(index=indices, kind=QUALITY_KINDS),
        "g6_detail_changes_total": _product(reason=DETAIL_REASONS),
        "g6_errors_total": _error_pairs(outputs),
        "g6_exporter_scrapes_total": _product(format=EXPORTER_FORMATS),
        "g6_influx_points_dropped_total": _product(reason=DROP_REASONS),
        "g6_influx_write_errors_total": _product(reason=ERROR_REASONS),
        "g6_iv_estimation_failure_total": index_expiry,
        "g6_iv_estimation_success_total": index_expiry,
        "g6_options_collected_total": index_expiry,
        "g6_provider_errors_total": _product(index=indices, kind=PROVIDER_ERROR_KINDS),
        "g6_retention_influx_points_pruned_total": _product(
            measurement=(OPTION_MEASUREMENT, OVERVIEW_MEASUREMENT)
        ),
    }


def _children(table: Mapping[str, list[dict[str, str]]]) -> Iterator[tuple[str, dict[str, str]]]:
    for name, sets in table.items():
        for labels in sets:
            yield name, labels


def zero_initialize(metrics: Metrics, settings: Settings, outputs: Iterable[str]) -> int:
    """Create every known child of :func:`label_sets` at 0; returns how many."""
    created = 0
    for name, labels in _children(label_sets(settings, outputs)):
        if metrics.is_enabled(name):
            metrics.counter(name).labels(**labels)
            created += 1
    return created
