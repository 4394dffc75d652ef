"""Load and validate the metrics spec (SPEC §1 "Metrics spec").

The spec is the one source of truth for the runtime's metrics: `registry.py`
builds every Prometheus metric from the `MetricSpec` values returned here.

Parsing and validation are the governance plugin's (`pytest_g6gov.metrics_doc`: the
capped YAML reader, the one JSON Schema `pytest_g6gov/schemas/metrics_spec.schema.json`,
duplicate keys, unique and sorted names, buckets strictly increasing), so a spec the
`metrics_spec` check accepts is one the runtime accepts, and a refused spec gets the same
message at the same line from both. The plugin never imports the runtime; the runtime
may import the plugin (same distribution). Any problem is one `MetricsSpecError`
naming the file and the line of the first problem.

Naming rules (MET004: `_total` suffixes, base units …) are not enforced here:
the governance plugin reports them with warn/enforce staging, and
`promtool check metrics` checks the exposition.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast

from g6runtime.errors import ConfigError
from pytest_g6gov.findings import InputError
from pytest_g6gov.metrics_doc import SpecDocument, parse_spec_text, read_spec

__all__ = [
    "SPEC_FILENAME",
    "MetricSpec",
    "MetricType",
    "MetricsSpecError",
    "default_spec_path",
    "groups_of",
    "load_spec",
    "parse_spec",
]

MetricType = Literal["counter", "gauge", "histogram", "summary", "info"]

SPEC_FILENAME = "metrics_spec.yaml"


class MetricsSpecError(ConfigError):
    """The metrics spec cannot be read or breaks its format (a G6 ConfigError).

    `path` and `line` (1-based) locate the problem when known; `str()` gives one
    line of the form ``path:line: message``.
    """

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        where = self.path or "<metrics spec>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class MetricSpec:
    """One metric of the spec. `name` is the spec name (counters end in `_total`)."""

    name: str
    type: MetricType
    labels: tuple[str, ...]
    group: str
    stability: str
    description: str
    buckets: tuple[float, ...] | None = None
    path: str | None = field(default=None, compare=False)
    line: int | None = field(default=None, compare=False)

    @property
    def family_name(self) -> str:
        """The family name `prometheus_client` registers (a counter's `_total` dropped)."""
        if self.type == "counter" and self.name.endswith("_total"):
            return self.name[: -len("_total")]
        return self.name


def default_spec_path() -> Path:
    """The spec shipped with the package, with symlinks resolved.

    `g6runtime/metrics/metrics_spec.yaml` is a symlink to `docs/metrics_spec.yaml`
    in a source checkout (so errors name the file people edit) and a regular
    copy inside a built wheel (setuptools copies the symlink's target).
    """
    return Path(__file__).resolve().with_name(SPEC_FILENAME).resolve()


def load_spec(path: Path | str | None = None) -> tuple[MetricSpec, ...]:
    """Read, validate and return the spec at `path` (default: `default_spec_path()`)."""
    spec_path = str(Path(path) if path is not None else default_spec_path())
    try:
        document = read_spec(Path(spec_path), spec_path)
    except InputError as exc:
        raise MetricsSpecError(exc.message, spec_path, exc.line) from None
    return _specs(document, spec_path)


def parse_spec(text: str, path: str = "<string>") -> tuple[MetricSpec, ...]:
    """Validate spec text and return its metrics in file order."""
    try:
        document = parse_spec_text(text, path)
    except InputError as exc:
        raise MetricsSpecError(exc.message, path, exc.line) from None
    return _specs(document, path)


def groups_of(specs: Iterable[MetricSpec]) -> frozenset[str]:
    """The groups the spec declares."""
    return frozenset(spec.group for spec in specs)


def _specs(document: SpecDocument, path: str) -> tuple[MetricSpec, ...]:
    """The runtime's metrics from a validated document; the first problem, if any, raised."""
    if document.problems:
        first = document.problems[0]
        raise MetricsSpecError(first.message, path, first.line)
    return tuple(
        MetricSpec(
            name=m.name,
            type=cast(MetricType, m.type),  # the schema's enum is MetricType's values
            labels=m.labels,
            group=m.group,
            stability=m.stability,
            description=m.description,
            buckets=m.buckets,
            path=path,
            line=m.line,
        )
        for m in document.metrics
    )
