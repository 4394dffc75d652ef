"""A cycle's outputs: where its outcome goes once the cycle has run.

An output is anything with a ``name``, ``publish(outcome) -> OutputReport`` and
``close()``: the CSV sink, the metrics and the panels today (the Influx sink plugs in
the same way). :func:`publish_all` runs them in order and is the one failure path
(SPEC §2 "Nothing lost silently"): an output that raises a :class:`G6Error` (or an
``OSError``) or returns a failed report fails the cycle's outputs; the failure is
counted in ``g6_errors_total{component=<output name>,category}``, shown in the
command's per-cycle line and ``--json``, and decides the exit status. It never reaches
the resilience layer: the cycle was judged (fault budget, detail) before any output
ran, so a disk fault is not a provider fault.

Each output sees the reports of the outputs before it (``outcome.reports``): the
metrics count the rows the CSV sink wrote, the panels show what was stored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from .errors import G6Error, StorageError

if TYPE_CHECKING:
    from .collectors.cycle import CycleResult
    from .collectors.model import OptionRow, OverviewRow
    from .collectors.stages import Failure, IndexPlan, QualityIssue
    from .metrics.registry import Metrics
    from .panels.writer import PanelPublisher
    from .resilience.state import ResilienceState
    from .storage.csv_sink import CsvSink, WriteStats


@dataclass(frozen=True)
class OutputReport:
    """What one output did with one cycle: ``error`` is None when it wrote everything."""

    name: str
    error: str | None = None
    category: str = StorageError.category
    written: WriteStats | None = None  # the CSV sink's rows and files
    seconds: float = 0.0
    detail: Mapping[str, Any] | None = None  # an output's own state (the Influx sink's)

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class CycleOutcome:
    """One cycle as the outputs see it: the pure result, its resilience judgement and
    the reports of the outputs that ran so far (read-only views of the result below)."""

    result: CycleResult
    resilience: ResilienceState | None = None
    reports: tuple[OutputReport, ...] = field(default=())

    @property
    def collected(self) -> bool:
        """The cycle itself collected something (the provider side)."""
        return self.result.ok

    @property
    def failed_outputs(self) -> tuple[OutputReport, ...]:
        return tuple(r for r in self.reports if not r.ok)

    @property
    def ok(self) -> bool:
        """Something was collected and every output wrote it."""
        return self.result.ok and not self.failed_outputs

    @property
    def storage_error(self) -> str | None:
        """The failed outputs' errors, one ``name: error`` each (None when all wrote)."""
        failed = self.failed_outputs
        return "; ".join(f"{r.name}: {r.error}" for r in failed) if failed else None

    @property
    def written(self) -> WriteStats | None:
        return next((r.written for r in self.reports if r.written is not None), None)

    @property
    def timings(self) -> Mapping[str, float]:
        """The cycle's stages, ``persist`` (outputs so far) and ``total`` including it."""
        persist = sum(r.seconds for r in self.reports)
        collect = self.result.timings
        return {**collect, "persist": persist, "total": collect["total"] + persist}

    @property
    def cycle(self) -> int:
        return self.result.cycle

    @property
    def timestamp(self) -> datetime:
        return self.result.timestamp

    @property
    def plans(self) -> tuple[IndexPlan, ...]:
        return self.result.plans

    @property
    def options(self) -> tuple[OptionRow, ...]:
        return self.result.options

    @property
    def overview(self) -> tuple[OverviewRow, ...]:
        return self.result.overview

    @property
    def failures(self) -> tuple[Failure, ...]:
        return self.result.failures

    @property
    def issues(self) -> tuple[QualityIssue, ...]:
        return self.result.issues

    @property
    def iv(self) -> Mapping[tuple[str, str], tuple[int, int]]:
        return self.result.iv

    @property
    def iterations(self) -> Mapping[str, tuple[int, ...]]:
        return self.result.iterations

    @property
    def provider_durations(self) -> tuple[float, ...]:
        return self.result.provider_durations


class Output(Protocol):
    """One destination of every cycle's outcome."""

    @property
    def name(self) -> str: ...

    def publish(self, outcome: CycleOutcome) -> OutputReport: ...

    def close(self) -> None: ...


def publish_all(
    outputs: Sequence[Output],
    outcome: CycleOutcome,
    metrics: Metrics,
    timer: Callable[[], float],
) -> CycleOutcome:
    """Pass ``outcome`` through ``outputs`` in order; every failure takes this one path."""
    for output in outputs:
        t0 = timer()
        try:
            report = output.publish(outcome)
        except G6Error as exc:
            report = OutputReport(output.name, str(exc), exc.category)
        except OSError as exc:  # an output should raise StorageError; never lose one that did not
            where = f"{exc.filename}: " if exc.filename else ""
            report = OutputReport(output.name, f"{where}{exc.strerror or exc}")
        report = replace(report, seconds=timer() - t0)
        if not report.ok:
            metrics.counter("g6_errors_total").labels(
                component=report.name, category=report.category
            ).inc()
        outcome = replace(outcome, reports=(*outcome.reports, report))
    return outcome


class CsvOutput:
    """The cycle's option and overview rows, through the CSV sink's ``write_cycle``."""

    name = "csv"

    def __init__(self, sink: CsvSink) -> None:
        self.sink = sink

    def publish(self, outcome: CycleOutcome) -> OutputReport:
        written = self.sink.write_cycle(outcome.options, outcome.overview)
        return OutputReport(self.name, written=written)

    def close(self) -> None:
        self.sink.close()


class MetricsOutput:
    """The cycle and resilience metric groups of docs/metrics_spec.yaml."""

    name = "metrics"

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def publish(self, outcome: CycleOutcome) -> OutputReport:
        from .collectors.publish import publish
        from .resilience.publish import publish_resilience

        publish(self.metrics, outcome)
        if outcome.resilience is not None:
            publish_resilience(self.metrics, outcome.resilience)
        return OutputReport(self.name)

    def close(self) -> None:
        return None


class PanelsOutput:
    """The JSON panels of ``panels_dir`` (and their signed manifest)."""

    name = "panels"

    def __init__(self, publisher: PanelPublisher) -> None:
        self.publisher = publisher

    def publish(self, outcome: CycleOutcome) -> OutputReport:
        self.publisher.publish(outcome)
        return OutputReport(self.name)

    def close(self) -> None:
        return None
