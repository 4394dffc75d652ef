"""Load and validate the metrics spec (SPEC §1 "Metrics spec").

The spec is the one source of truth for the runtime's metrics: `registry.py`
builds every Prometheus metric from the `MetricSpec` values returned here.

Validation, in order, each failure raising `MetricsSpecError` with file and line:
YAML syntax and duplicate mapping keys, the JSON Schema shipped next to this
module (`spec.schema.json`), unique names, names sorted, histogram buckets
strictly increasing. Line numbers come from the YAML nodes' start marks.

Naming rules (MET004: `_total` suffixes, base units …) are not enforced here:
the governance plugin reports them with warn/enforce staging, and
`promtool check metrics` checks the exposition.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import yaml

from g6runtime.errors import ConfigError

if TYPE_CHECKING:  # jsonschema is imported on first validation (~60 ms to import)
    import jsonschema

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
_SCHEMA_FILENAME = "spec.schema.json"
_PACKAGE = __name__.rpartition(".")[0]


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
    spec_path = Path(path) if path is not None else default_spec_path()
    try:
        text = spec_path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise MetricsSpecError(f"not UTF-8 text ({exc.reason})", str(spec_path)) from exc
    except OSError as exc:
        raise MetricsSpecError(f"cannot read: {exc.strerror or exc}", str(spec_path)) from exc
    return parse_spec(text, str(spec_path))


def parse_spec(text: str, path: str = "<string>") -> tuple[MetricSpec, ...]:
    """Validate spec text and return its metrics in file order."""
    node, data = _compose(text, path)
    _check_schema(data, node, path)
    entries = cast(list[dict[str, Any]], data)
    items = cast(yaml.SequenceNode, node).value
    specs = tuple(
        _to_spec(entry, path, item.start_mark.line + 1)
        for entry, item in zip(entries, items, strict=True)
    )
    _check_unique_and_sorted(specs)
    for spec in specs:
        _check_buckets(spec)
    return specs


def groups_of(specs: Iterable[MetricSpec]) -> frozenset[str]:
    """The groups the spec declares."""
    return frozenset(spec.group for spec in specs)


# --- parsing -------------------------------------------------------------------


def _compose(text: str, path: str) -> tuple[yaml.Node, Any]:
    """Parse once, keeping both the node tree (for lines) and the safe-loaded data."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise MetricsSpecError("the spec is empty; expected a list of metrics", path, 1)
        _check_duplicate_keys(node, path)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise MetricsSpecError(f"YAML syntax: {exc.problem or exc}", path, line) from exc
    except yaml.YAMLError as exc:
        raise MetricsSpecError(f"YAML syntax: {exc}", path) from exc
    finally:
        loader.dispose()
    return node, data


def _check_duplicate_keys(node: yaml.Node, path: str) -> None:
    """PyYAML keeps the last of two equal keys silently; the spec refuses them."""
    for mapping in _mappings(node):
        seen: set[object] = set()
        for key, _ in mapping.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen:
                    line = key.start_mark.line + 1
                    raise MetricsSpecError(f"duplicate key {key.value!r}", path, line)
                seen.add(key.value)


def _mappings(node: yaml.Node) -> Iterator[yaml.MappingNode]:
    if isinstance(node, yaml.MappingNode):
        yield node
        for key, value in node.value:
            yield from _mappings(key)
            yield from _mappings(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _mappings(item)


@functools.cache
def _validator() -> jsonschema.protocols.Validator:
    import jsonschema.validators

    text = resources.files(_PACKAGE).joinpath(_SCHEMA_FILENAME).read_text(encoding="utf-8")
    schema = json.loads(text)
    validator_cls = jsonschema.validators.validator_for(schema)
    validator_cls.check_schema(schema)
    return validator_cls(schema)


def _check_schema(data: Any, node: yaml.Node, path: str) -> None:
    errors = list(_validator().iter_errors(data))
    if not errors:
        return
    located = [(_line_at(node, list(error.absolute_path)), error) for error in errors]
    line, error = min(located, key=lambda pair: (pair[0], list(map(str, pair[1].absolute_path))))
    where = _where(error.absolute_path, data)
    raise MetricsSpecError(f"{where}{_schema_message(error)}", path, line)


def _schema_message(error: jsonschema.ValidationError) -> str:
    # A `{"not": {}}` subschema forbids a key; its "description" says why.
    if error.validator == "not" and isinstance(error.schema, dict):
        reason = error.schema.get("description")
        if isinstance(reason, str):
            return reason
    return error.message


def _where(error_path: Iterable[str | int], data: Any) -> str:
    """`entry [3] (g6_x_total).type: ` for an error inside the fourth entry."""
    parts = list(error_path)
    if not parts or not isinstance(parts[0], int):
        return ""
    entry = data[parts[0]]
    name = entry.get("name") if isinstance(entry, dict) else None
    label = f" ({name})" if isinstance(name, str) else ""
    rest = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts[1:])
    return f"entry [{parts[0]}]{label}{rest}: "


def _line_at(node: yaml.Node, error_path: Sequence[str | int]) -> int:
    """1-based line of the deepest node reachable along `error_path`."""
    current = node
    for part in error_path:
        child: yaml.Node | None = None
        if isinstance(current, yaml.SequenceNode) and isinstance(part, int):
            if 0 <= part < len(current.value):
                child = current.value[part]
        elif isinstance(current, yaml.MappingNode):
            child = next(
                (value for key, value in current.value if getattr(key, "value", None) == part),
                None,
            )
        if child is None:
            break
        current = child
    return int(current.start_mark.line) + 1


def _to_spec(entry: dict[str, Any], path: str, line: int) -> MetricSpec:
    buckets = entry.get("buckets")
    return MetricSpec(
        name=entry["name"],
        type=entry["type"],
        labels=tuple(entry["labels"]),
        group=entry["group"],
        stability=entry["stability"],
        description=entry["description"],
        buckets=tuple(float(b) for b in buckets) if buckets is not None else None,
        path=path,
        line=line,
    )


def _check_unique_and_sorted(specs: Sequence[MetricSpec]) -> None:
    first_line: dict[str, int | None] = {}
    for spec in specs:
        if spec.name in first_line:
            raise MetricsSpecError(
                f"duplicate metric name {spec.name!r} (first at line {first_line[spec.name]})",
                spec.path,
                spec.line,
            )
        first_line[spec.name] = spec.line
    for before, after in itertools.pairwise(specs):
        if after.name < before.name:
            raise MetricsSpecError(
                f"names must be sorted: {after.name!r} must come before {before.name!r}",
                after.path,
                after.line,
            )


def _check_buckets(spec: MetricSpec) -> None:
    if spec.buckets is None:
        return
    if any(math.isnan(b) for b in spec.buckets):
        raise MetricsSpecError(f"{spec.name}: buckets must be numbers", spec.path, spec.line)
    if any(b >= c for b, c in itertools.pairwise(spec.buckets)):
        raise MetricsSpecError(
            f"{spec.name}: buckets must be strictly increasing", spec.path, spec.line
        )
