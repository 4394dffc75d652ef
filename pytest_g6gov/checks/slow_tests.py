"""``slow_tests``: tests slower than a threshold must be marked or held in the baseline."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..baselines import BaselineUpdate
from ..findings import Finding


@dataclass(frozen=True)
class Timing:
    """One test's setup + call + teardown time, as seen on its reports."""

    nodeid: str
    seconds: float
    marked: bool
    path: str | None
    line: int | None


def slow_unmarked(timings: Mapping[str, Timing], threshold: float) -> dict[str, Timing]:
    return {k: t for k, t in timings.items() if t.seconds > threshold and not t.marked}


def evaluate(
    timings: Mapping[str, Timing], baseline: Mapping[str, float] | None, threshold: float
) -> list[Finding]:
    known = baseline or {}
    findings = [
        Finding(
            "SLOW001",
            f"{t.nodeid} took {t.seconds:.2f}s (threshold {threshold:g}s): speed it up, mark it "
            "@pytest.mark.slow, or record it with --g6-update-baselines --g6-accept-regressions",
            t.path,
            t.line,
        )
        for t in slow_unmarked(timings, threshold).values()
        if t.nodeid not in known
    ]
    return sorted(findings, key=Finding.sort_key)


def slowest(timings: Mapping[str, Timing], n: int = 10) -> list[dict[str, object]]:
    ranked = sorted(timings.values(), key=lambda t: (-t.seconds, t.nodeid))[:n]
    return [{"nodeid": t.nodeid, "seconds": round(t.seconds, 3)} for t in ranked]


def update(
    timings: Mapping[str, Timing],
    baseline: Mapping[str, float] | None,
    threshold: float,
    *,
    accept: bool,
    partial: bool,
) -> BaselineUpdate:
    """Drop entries that became fast or no longer exist; add new slow tests only if accepted."""
    slow = slow_unmarked(timings, threshold)
    if baseline is None:
        entries = {k: round(t.seconds, 3) for k, t in slow.items()}
        return BaselineUpdate("slow_tests", entries, created=True)
    result = BaselineUpdate("slow_tests", {})
    for nodeid, seconds in sorted(baseline.items()):
        if nodeid in slow:
            result.entries[nodeid] = seconds
        elif nodeid in timings:
            result.changed.append(
                f"dropped {nodeid} (now {timings[nodeid].seconds:.2f}s or marked)"
            )
        elif partial:
            result.entries[nodeid] = seconds
        else:
            result.changed.append(f"dropped {nodeid} (no longer exists)")
    for nodeid, timing in sorted(slow.items()):
        if nodeid in baseline:
            continue
        text = f"{nodeid} ({timing.seconds:.2f}s)"
        if accept:
            result.entries[nodeid] = round(timing.seconds, 3)
            result.accepted.append(text)
        else:
            result.refused.append(text)
    return result
