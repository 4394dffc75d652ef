"""The metrics spec file (SPEC §1 "Metrics spec"): parse, validate, keep each entry's line.

:func:`load_spec` raises :class:`InputError` (G6G000) only when the file cannot be
read or is not YAML at all (including the limits of :mod:`..yaml_safe`: the size cap
and alias bombs); everything that parses but breaks the format (the
shipped JSON Schema ``metrics_spec.schema.json``, duplicate keys or names, names
out of plain string order, buckets not increasing) is a MET007 finding at the
entry's line, and that entry is left out of the comparison with the registry.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from ..baselines import load_schema
from ..findings import Finding, InputError
from ..yaml_safe import compose_yaml, read_text


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


class LoadedSpec(NamedTuple):
    """The schema-valid entries (in file order) and the MET007 findings of the rest."""

    metrics: list[SpecMetric]
    findings: list[Finding]


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


def _duplicate_keys(node: yaml.Node) -> list[str]:
    if not isinstance(node, yaml.MappingNode):
        return []
    keys = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
    return sorted({k for k in keys if keys.count(k) > 1})


def _as_float(value: float) -> float:
    """A bucket bound as a float; a YAML integer too large for a float is infinite."""
    if abs(value) < 1e308:
        return float(value)
    return math.inf if value > 0 else -math.inf


def load_spec(path: Path, rel: str) -> LoadedSpec:
    """Parse and validate the spec; :class:`InputError` (G6G000) only when it cannot be read."""
    import jsonschema

    text = read_text(path, rel, "the metrics spec")
    data, root = compose_yaml(text, rel)
    findings: list[Finding] = []

    def met007(message: str, line: int | None) -> None:
        findings.append(Finding("MET007", message, rel, line))

    if not isinstance(data, list) or not isinstance(root, yaml.SequenceNode):
        line = root.start_mark.line + 1 if root is not None else 1
        met007("the metrics spec must be a YAML list of metric entries ([] for none)", line)
        return LoadedSpec([], findings)
    validator = jsonschema.Draft202012Validator(load_schema("metrics_spec.schema.json"))
    bad: set[int] = set()
    try:
        errors = list(validator.iter_errors(data))
    except RecursionError:
        raise InputError(rel, None, f"{rel} is recursive or nests too deeply") from None
    for error in errors:
        where = list(error.absolute_path)
        index = where[0] if where and isinstance(where[0], int) else -1
        bad.add(index)
        item = data[index] if index >= 0 else None
        name = item.get("name") if isinstance(item, dict) else None
        what = f"entry {name!r}" if isinstance(name, str) else f"entry {index + 1}"
        field_ = f" field {where[1]!r}" if len(where) > 1 else ""
        message = error.message if len(error.message) <= 160 else error.message[:157] + "..."
        if "then" in error.schema_path:
            message = "buckets are allowed for histograms only"
        met007(f"{what}{field_}: {message}", _node_line(root, where))
    names: list[tuple[str, int]] = []
    metrics: list[SpecMetric] = []
    for index, (item, node) in enumerate(zip(data, root.value, strict=True)):
        line = node.start_mark.line + 1
        for key in _duplicate_keys(node):
            met007(f"entry {index + 1} has the key {key!r} more than once", line)
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            names.append((item["name"], line))
        if index in bad or not isinstance(item, dict):
            continue
        raw = item.get("buckets")
        if raw is not None and any(a >= b for a, b in pairwise(raw)):
            met007(f"entry {item['name']!r}: buckets must increase strictly", line)
        buckets = None if raw is None else tuple(_as_float(b) for b in raw)
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
    seen: set[str] = set()
    for i, (name, at) in enumerate(names):
        if name in seen:
            met007(f"{name} appears more than once", at)
        elif i and name < names[i - 1][0]:
            met007(f"names are not sorted: {name} should come before {names[i - 1][0]}", at)
        seen.add(name)
    return LoadedSpec(metrics, findings)
