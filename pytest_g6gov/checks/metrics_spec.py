"""``metrics_spec``: the metrics spec file against the project's live registry (SPEC §1).

* MET007 / G6G000 — the spec file itself (:mod:`.metrics_spec_file`); MET004 —
  naming rules (:mod:`.metric_naming`), both from the spec alone.
* MET001–MET003, MET005 — spec ↔ registry, matched by family name
  (``prometheus_client`` drops a counter's ``_total`` from its family name).
  The registry is read by :mod:`.metrics_registry`.
* MET006 — a group's series count against the baseline and the changelog.

``prometheus_client`` and the project's registry module are imported only when the
check runs; this module never imports ``g6runtime``.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..findings import Finding, InputError
from . import CheckContext
from .keysets import METRICS_SPEC_KEYS
from .metric_naming import naming_problems
from .metrics_registry import Family, import_registry, registry_families
from .metrics_spec_file import LoadedSpec, SpecMetric, load_spec

__all__ = [
    "Family",
    "LoadedSpec",
    "MetricsResult",
    "SpecMetric",
    "compare",
    "grown_groups",
    "growth_findings",
    "import_registry",
    "load_spec",
    "naming_findings",
    "registry_families",
    "run",
    "series_counts",
    "unreleased_lines",
]


@dataclass(frozen=True)
class MetricsResult:
    findings: list[Finding]
    counts: dict[str, int] = field(default_factory=dict)


def naming_findings(metrics: Iterable[SpecMetric], prefix: str, rel: str) -> list[Finding]:
    """MET004: one finding per broken naming rule, at the entry's line."""
    return [
        Finding("MET004", f"{m.name}: {problem}", rel, m.line)
        for m in metrics
        for problem in naming_problems(m.name, m.type, m.labels, prefix)
    ]


def _match(metric: SpecMetric, families: Mapping[str, Family]) -> Family | None:
    """The family a spec entry stands for; a mistyped ``_total`` still matches (MET002)."""
    family = families.get(metric.family)
    if family is None and metric.type == "counter":
        family = families.get(metric.name)
    if family is None and metric.type != "counter" and metric.name.endswith("_total"):
        other = families.get(metric.name[: -len("_total")])
        family = other if other is not None and other.type == "counter" else None
    return family


def compare(
    metrics: Sequence[SpecMetric], families: Mapping[str, Family], prefix: str, rel: str
) -> list[Finding]:
    """MET001–MET003 per spec entry, MET005 per prefixed family the spec lacks."""
    findings: list[Finding] = []
    claimed: set[str] = set()
    for m in metrics:
        family = _match(m, families)
        if family is None:
            message = f"{m.name} ({m.type}) is in the spec but not in the registry"
            findings.append(Finding("MET001", message, rel, m.line))
            continue
        claimed.add(family.name)
        if family.type != m.type:
            message = f"{m.name}: the spec says {m.type}, the registry has a {family.type}"
            findings.append(Finding("MET002", message, rel, m.line))
        if set(m.labels) != family.labels:
            spec, reg = sorted(m.labels), sorted(family.labels)
            message = f"{m.name}: label names differ: spec {spec}, registry {reg}"
            findings.append(Finding("MET003", message, rel, m.line))
    for name, family in sorted(families.items()):
        if name.startswith(prefix) and name not in claimed:
            message = (
                f"{family.shown} ({family.type}) is in the registry but not in the spec: "
                f"add an entry for it to {rel} (kept sorted by name)"
            )
            findings.append(Finding("MET005", message, rel, None))
    return findings


# ---------------------------------------------------------------------------- cardinality


def _group_counts(metrics: Sequence[SpecMetric], families: Mapping[str, Family]) -> dict[str, int]:
    counts: dict[str, int] = {}
    counted: set[str] = set()
    for m in metrics:
        family = _match(m, families)
        counts.setdefault(m.group, 0)
        if family is not None and family.name not in counted:
            counted.add(family.name)
            counts[m.group] += family.series
    return dict(sorted(counts.items()))


def series_counts(registry: Any, specs: Sequence[SpecMetric]) -> dict[str, int]:
    """Samples the registry collects for each spec group's metrics, ``_created`` excluded."""
    return _group_counts(specs, registry_families(registry))


def unreleased_lines(path: Path, rel: str) -> list[str]:
    """The lines of the changelog's ``## [Unreleased]`` section (none if the file is missing)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(rel, None, f"cannot read the changelog {rel}: {exc}") from None
    lines: list[str] = []
    inside = False
    for line in text.splitlines():
        if line.startswith("## "):
            inside = re.match(r"##\s+\[unreleased\]", line, re.IGNORECASE) is not None
        elif inside:
            lines.append(line)
    return lines


def grown_groups(
    counts: Mapping[str, int], baseline: Mapping[str, float] | None, max_growth_percent: float
) -> list[str]:
    """Groups whose count exceeds their baseline by more than the limit (absent: never)."""
    old = baseline or {}  # n > b * (1 + p/100), scaled by 100 to keep 11 vs 10 +10% exact
    return [
        g
        for g, n in sorted(counts.items())
        if g in old and n * 100 > old[g] * (100 + max_growth_percent)
    ]


def growth_findings(
    counts: Mapping[str, int],
    baseline: Mapping[str, float] | None,
    max_growth_percent: float,
    unreleased: Sequence[str],
    metrics: Sequence[SpecMetric],
    rel: str,
    changelog: str = "CHANGELOG.md",
) -> list[Finding]:
    """MET006 for each grown group that no line of ``unreleased`` names as a whole word."""
    findings: list[Finding] = []
    for group in grown_groups(counts, baseline, max_growth_percent):
        word = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(group)}(?![A-Za-z0-9_])")
        if any(word.search(line) for line in unreleased):
            continue
        before = (baseline or {})[group]
        line = next((m.line for m in metrics if m.group == group), None)
        message = (
            f"group {group}: {counts[group]} series, baseline {before:g} "
            f"(limit +{max_growth_percent:g}%): reduce its series, or name the group "
            f"in the [Unreleased] section of {changelog}"
        )
        findings.append(Finding("MET006", message, rel, line))
    return findings


def _sort_key(finding: Finding) -> tuple[str, int, str, str]:
    return (finding.path or "", finding.line or 0, finding.code, finding.message)


# ---------------------------------------------------------------------------- entry point


def run(ctx: CheckContext, baseline: Mapping[str, float] | None) -> MetricsResult:
    """All metrics_spec findings (sorted) and the series count of each spec group."""
    keys = METRICS_SPEC_KEYS
    opt = {key: ctx.options.get(key, spec.default) for key, spec in keys.items()}
    rel = posixpath.normpath(str(opt["spec"]).replace("\\", "/"))
    prefix, target = str(opt["prefix"]), str(opt["registry"]).strip()
    try:
        loaded = load_spec(ctx.root / rel, rel)
    except InputError as exc:
        return MetricsResult([exc.finding()], {})
    findings = [*loaded.findings, *naming_findings(loaded.metrics, prefix, rel)]
    metrics: list[SpecMetric] = []  # a duplicate name (already MET007) is compared once
    seen: set[str] = set()
    for m in loaded.metrics:
        if m.name not in seen:
            seen.add(m.name)
            metrics.append(m)
    counts: dict[str, int] = {}
    try:
        if not target:
            message = (
                "[tool.g6gov.metrics_spec] registry is not set: give 'module:callable' "
                "returning a prometheus_client CollectorRegistry"
            )
            raise InputError(None, None, message)
        families = registry_families(import_registry(ctx.root, target))
        findings += compare(metrics, families, prefix, rel)
        counts = _group_counts(metrics, families)
        pct = float(opt["max_growth_percent"])
        if grown_groups(counts, baseline, pct):  # the changelog is read only when needed
            log = posixpath.normpath(str(opt["changelog"]).replace("\\", "/"))
            unreleased = unreleased_lines(ctx.root / log, log)
            findings += growth_findings(counts, baseline, pct, unreleased, metrics, rel, log)
    except InputError as exc:
        findings.append(exc.finding())
    return MetricsResult(sorted(set(findings), key=_sort_key), counts)
