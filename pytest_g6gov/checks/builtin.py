"""The five built-in checks as Check objects: their keys, rule codes, and run().

Declaring them imports nothing heavy; each ``run`` imports its module when it runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from ..api import Baseline, Check, Context, Result
from ..baselines import BaselineUpdate, ratchet
from ..config_rules import (
    factor,
    marker,
    modules,
    percent,
    positive_seconds,
)
from ..findings import Finding
from ..keys import Key
from .keysets import ENV_DOCS_KEYS, METRICS_SPEC_KEYS


class EnvDocs(Check):
    name = "env_docs"
    rules: ClassVar[Mapping[str, str]] = {
        "ENV001": "the same variable has two entries in the env doc",
        "ENV002": "a variable is used in code but has no entry in the env doc",
        "ENV003": "a variable has an entry in the env doc but no code uses it",
        "ENV004": "a malformed entry line in the env doc",
    }
    keys: ClassVar[Mapping[str, Key]] = ENV_DOCS_KEYS

    def run(self, ctx: Context) -> list[Finding]:
        from . import env_docs

        return env_docs.run(ctx)


class Deprecations(Check):
    name = "deprecations"
    rules: ClassVar[Mapping[str, str]] = {
        "DEP001": "an item with status Removed is still referenced",
        "DEP002": "an item past its planned removal is still Active or Pending Removal",
        "DEP003": "a malformed row in the deprecations table",
    }
    keys: ClassVar[Mapping[str, Key]] = {
        "file": Key("str", "DEPRECATIONS.md"),
        "paths": Key("list", ["."]),
        "exclude": Key("list", []),
    }

    def run(self, ctx: Context) -> list[Finding]:
        from . import deprecations

        return deprecations.run(ctx)


def cardinality_update(
    baseline: dict[str, float] | None,
    counts: dict[str, int],
    max_growth_percent: float,
    accept: bool,
) -> BaselineUpdate:
    """Series counts per group only ratchet down; growth within the allowance is not recorded."""
    current: dict[str, float] = {}
    for group, count in counts.items():
        old = None if baseline is None else baseline.get(group)
        within = old is not None and old < count <= old * (1 + max_growth_percent / 100)
        current[group] = old if within and old is not None else float(count)
    return ratchet(
        "metrics_spec",
        baseline,
        current,
        higher_is_better=False,
        accept=accept,
        keep_missing=lambda group: False,
        fmt=lambda v: f"{v:.0f} series",
    )


class MetricsSpec(Check):
    name = "metrics_spec"
    rules: ClassVar[Mapping[str, str]] = {
        "MET001": "a spec metric is missing from the registry",
        "MET002": "a metric's type differs from the spec",
        "MET003": "a metric's label names differ from the spec",
        "MET004": "a metric naming rule is broken",
        "MET005": "a registry metric with the prefix is not in the spec",
        "MET006": "a group's series count grew beyond the allowed growth",
        "MET007": "the metrics spec file is invalid",
    }
    keys: ClassVar[Mapping[str, Key]] = METRICS_SPEC_KEYS
    baseline = Baseline(higher_is_better=False)

    def run(self, ctx: Context) -> Result:
        from . import metrics_spec

        old = None if ctx.baseline is None else dict(ctx.baseline)
        out = metrics_spec.run(ctx, old)
        result = Result(out.findings, extra={"series": dict(sorted(out.counts.items()))})
        if out.counts:  # nothing measured (the registry could not be read): keep the baseline
            limit = float(ctx.options["max_growth_percent"])
            result.update = cardinality_update(old, out.counts, limit, ctx.accept_regressions)
        return result


class SlowTests(Check):
    name = "slow_tests"
    static = False
    rules: ClassVar[Mapping[str, str]] = {
        "SLOW001": "a test took longer than the threshold and is neither marked nor baselined",
        "SLOW002": "a baselined test took longer than slowdown_factor times its baseline",
    }
    keys: ClassVar[Mapping[str, Key]] = {
        "threshold_seconds": Key("number", 2.0, positive_seconds),
        "marker": Key("str", "slow", marker),
        "slowdown_factor": Key("number", 2.0, factor),
    }
    baseline = Baseline(higher_is_better=False)

    def run(self, ctx: Context) -> Result:
        from . import slow_tests as slow

        assert ctx.session is not None
        s = ctx.session
        timings = {
            nodeid: slow.Timing(
                nodeid, secs, nodeid in s.marked, *s.locations.get(nodeid, (None, None))
            )
            for nodeid, secs in s.durations.items()
        }
        threshold = float(ctx.options["threshold_seconds"])
        factor_ = float(ctx.options["slowdown_factor"])
        baseline = None if ctx.baseline is None else dict(ctx.baseline)
        result = Result(extra={"slowest": slow.slowest(timings)})
        result.notes = [
            f"slowest: {entry['seconds']:.2f}s {entry['nodeid']}"
            for entry in result.extra["slowest"][:5]
        ]
        result.findings = slow.evaluate(
            timings, baseline, threshold, factor=factor_, marker=str(ctx.options["marker"])
        )
        result.update = slow.update(
            timings,
            baseline,
            threshold,
            factor=factor_,
            accept=ctx.accept_regressions,
            partial=s.partial is not None,
        )
        return result


class CriticalCoverage(Check):
    name = "critical_coverage"
    static = False
    rules: ClassVar[Mapping[str, str]] = {
        "COV001": "a critical module is below its minimum coverage",
        "COV002": "a critical module dropped below its baseline coverage",
    }
    keys: ClassVar[Mapping[str, Key]] = {
        # options["modules"]: the paths (list[str]); options["floors"]: {path: min_percent}
        # for the entries written as tables with their own min_percent
        "modules": Key("modules", [], modules),
        "min_percent": Key("number", 70.0, percent),
    }
    baseline = Baseline(higher_is_better=True)

    def run(self, ctx: Context) -> Result:
        assert ctx.session is not None
        if ctx.session.partial is not None:
            reason = f"partial run ({ctx.session.partial}): coverage is judged on full runs"
            return Result(skipped=reason)
        from . import critical_coverage as cc

        measured = ctx.session.coverage
        if not isinstance(measured, cc.Measurement):
            if isinstance(measured, BaseException):
                raise measured
            raise RuntimeError("no coverage data was gathered")
        result = Result(
            extra={
                "measured": {
                    k: None if v is None else round(v, 1) for k, v in measured.percents.items()
                }
            }
        )
        minimum = float(ctx.options["min_percent"])
        floors = ctx.options.get("floors") or {}
        result.findings = cc.evaluate(measured, ctx.baseline, minimum, floors)
        result.update = cc.update(measured, ctx.baseline, ctx.accept_regressions)
        return result


BUILTIN: tuple[Check, ...] = (
    EnvDocs(),
    Deprecations(),
    MetricsSpec(),
    SlowTests(),
    CriticalCoverage(),
)
