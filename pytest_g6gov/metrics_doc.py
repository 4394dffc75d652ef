"""The metrics spec document (SPEC §1 "Input formats"): YAML text → validated entries + problems.

The one parser of the metrics spec, against the one schema
(``schemas/metrics_spec.schema.json``). Two callers:

* the ``metrics_spec`` check (:mod:`.checks.metrics_spec_file`) turns every problem into
  a MET007 finding and compares the valid entries with the registry;
* the runtime (``g6runtime.metrics.spec``, which may import this package; this module never
  imports the runtime) refuses a spec with any problem, naming the first one, and builds
  its registry from the entries.

So a spec the check accepts is one the runtime accepts, and a refused spec gives both the
same message at the same line. This module imports only the YAML reader (:mod:`.yaml_safe`)
and :mod:`.findings`, nothing of pytest: the runtime pays little to import it.

:class:`InputError` (G6G000 in the check) when the text cannot be read or is not YAML at
all (size cap, alias bombs included); everything that parses but breaks the format is a
:class:`SpecProblem`: the schema, keys given twice in an entry, names duplicated or out of
plain string order, buckets not numbers or not strictly increasing. Each problem carries the
1-based line of what it is about; problems come sorted by line.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import yaml

from .findings import InputError
from .yaml_safe import compose_yaml, read_text

if TYPE_CHECKING:  # jsonschema is imported on the first validation
    import jsonschema

__all__ = [
    "SCHEMA_ID",
    "SCHEMA_RESOURCE",
    "SpecDocument",
    "SpecMetric",
    "SpecProblem",
    "parse_spec_text",
    "read_spec",
    "schema",
]

#: The schema file, inside the ``pytest_g6gov`` package (shipped as package data).
SCHEMA_RESOURCE = "schemas/metrics_spec.schema.json"
#: Its ``$id``: exactly one file in the repository carries it.
SCHEMA_ID = "https://g6.invalid/schemas/metrics_spec.schema.json"

_NOT_A_LIST = "the metrics spec must be a YAML list of metric entries ([] for none)"


@dataclass(frozen=True)
class SpecMetric:
    """One schema-valid spec entry; ``line`` is the 1-based line of its ``- name:``."""

    name: str
    type: str
    labels: tuple[str, ...]
    group: str
    stability: str
    description: str
    buckets: tuple[float, ...] | None = None
    line: int | None = None

    @property
    def family(self) -> str:
        """The family name ``prometheus_client`` uses: a counter's ``_total`` dropped."""
        if self.type == "counter" and self.name.endswith("_total"):
            return self.name[: -len("_total")]
        return self.name


@dataclass(frozen=True, order=True)
class SpecProblem:
    """Something that parses but breaks the format: its line (1-based) and one message."""

    line: int
    message: str


class SpecDocument(NamedTuple):
    """The schema-valid entries (in file order) and the problems (sorted by line)."""

    metrics: list[SpecMetric]
    problems: list[SpecProblem]


def schema() -> dict[str, Any]:
    """The metrics spec's JSON Schema (a fresh copy)."""
    return json.loads(_schema_text())  # type: ignore[no-any-return]


@functools.cache
def _schema_text() -> str:
    return resources.files(__package__).joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")


@functools.cache
def _validator() -> jsonschema.protocols.Validator:
    import jsonschema.validators

    document = schema()
    validator_cls = jsonschema.validators.validator_for(document)
    validator_cls.check_schema(document)
    return validator_cls(document)


def read_spec(path: Path, rel: str) -> SpecDocument:
    """Read (UTF-8, within the size cap) and parse the spec at ``path``, named ``rel``."""
    return parse_spec_text(read_text(path, rel, "the metrics spec"), rel)


def parse_spec_text(text: str, rel: str) -> SpecDocument:
    """Parse and validate spec text; :class:`InputError` only when it is not YAML at all."""
    data, root = compose_yaml(text, rel)
    if not isinstance(data, list) or not isinstance(root, yaml.SequenceNode):
        line = root.start_mark.line + 1 if root is not None else 1
        return SpecDocument([], [SpecProblem(line, _NOT_A_LIST)])
    problems: list[SpecProblem] = []
    bad = _schema_problems(data, root, rel, problems)
    metrics: list[SpecMetric] = []
    names: list[tuple[str, int]] = []
    for index, (item, node) in enumerate(zip(data, root.value, strict=True)):
        line = node.start_mark.line + 1
        what = _entry_label(item, index)
        for key, at in _repeated_keys(node):
            message = f"{what} has the key {key!r} more than once: keep one (YAML keeps the last)"
            problems.append(SpecProblem(at, message))
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            names.append((item["name"], line))
        if index in bad or not isinstance(item, dict):
            continue
        raw = item.get("buckets")
        buckets = None if raw is None else tuple(_as_float(b) for b in raw)
        if buckets is not None and any(math.isnan(b) for b in buckets):
            problems.append(SpecProblem(line, f"{what}: buckets must be numbers, not NaN"))
        elif buckets is not None and any(a >= b for a, b in pairwise(buckets)):
            problems.append(SpecProblem(line, f"{what}: buckets must increase strictly"))
        metrics.append(
            SpecMetric(
                item["name"],
                item["type"],
                tuple(item["labels"]),
                item["group"],
                item["stability"],
                item["description"],
                buckets,
                line,
            )
        )
    problems += _name_problems(names)
    return SpecDocument(metrics, sorted(problems))


# ---------------------------------------------------------------------------- the schema


def _schema_problems(
    data: list[Any], root: yaml.SequenceNode, rel: str, problems: list[SpecProblem]
) -> set[int]:
    """Append one problem per schema error; return the indexes of the entries concerned."""
    try:
        errors = list(_validator().iter_errors(data))
    except RecursionError:
        raise InputError(rel, None, f"{rel} is recursive or nests too deeply") from None
    bad: set[int] = set()
    for error in errors:
        where = list(error.absolute_path)
        index = where[0] if where and isinstance(where[0], int) else -1
        bad.add(index)
        what = _entry_label(data[index], index) if index >= 0 else "the spec"
        field = _field(where[1:])
        problems.append(SpecProblem(_node_line(root, where), f"{what}{field}: {_message(error)}"))
    return bad


def _message(error: jsonschema.ValidationError) -> str:
    """The schema's own ``errorMessage`` for the failing keyword, else jsonschema's (capped)."""
    own = error.schema.get("errorMessage") if isinstance(error.schema, dict) else None
    text = own.get(str(error.validator)) if isinstance(own, dict) else None
    if isinstance(text, str):
        return text.replace("{value}", _short(repr(error.instance)))
    return _short(error.message)


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _entry_label(item: Any, index: int) -> str:
    name = item.get("name") if isinstance(item, dict) else None
    return f"entry {_short(repr(name), 80)}" if isinstance(name, str) else f"entry {index + 1}"


def _field(parts: Iterable[Any]) -> str:
    """`` field 'labels[0]'`` for the path ``["labels", 0]``; empty for the entry itself."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return f" field {text!r}" if text else ""


def _node_line(node: yaml.Node, path: Iterable[Any]) -> int:
    """1-based line of what ``path`` (list indexes, mapping keys) points at.

    A mapping value is reported at its key's line (a block list value starts on the
    next line); a path that leaves the tree stops at the nearest parent.
    """
    line = node.start_mark.line + 1
    for step in path:
        if isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            if not 0 <= step < len(node.value):
                break
            node = node.value[step]
            line = node.start_mark.line + 1
        elif isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == step), None)
            if pair is None:
                break
            line, node = pair[0].start_mark.line + 1, pair[1]
        else:
            break
    return line


# ---------------------------------------------------------------------------- in code


def _repeated_keys(node: yaml.Node) -> list[tuple[str, int]]:
    """Each key an entry's mapping repeats, at the line of its second occurrence."""
    if not isinstance(node, yaml.MappingNode):
        return []
    seen: set[str] = set()
    repeated: dict[str, int] = {}
    for key, _ in node.value:
        if isinstance(key, yaml.ScalarNode):
            if key.value in seen and key.value not in repeated:
                repeated[key.value] = key.start_mark.line + 1
            seen.add(key.value)
    return sorted(repeated.items())


def _as_float(value: float) -> float:
    """A bucket bound as a float; a YAML integer too large for a float is infinite."""
    if not isinstance(value, int) or abs(value) < 1e308:
        return float(value)
    return math.inf if value > 0 else -math.inf


def _name_problems(names: list[tuple[str, int]]) -> list[SpecProblem]:
    problems: list[SpecProblem] = []
    first: dict[str, int] = {}
    for i, (name, at) in enumerate(names):
        if name in first:
            message = f"metric name {name!r} appears more than once (first at line {first[name]})"
            problems.append(SpecProblem(at, message))
            continue
        first[name] = at
        if i and name < names[i - 1][0]:
            before = names[i - 1][0]
            message = f"names must be sorted: {name!r} must come before {before!r}"
            problems.append(SpecProblem(at, message))
    return problems
