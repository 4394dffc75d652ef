"""``slow_tests``: tests slower than a threshold must be marked or held in the baseline.

SLOW001: an unmarked test over ``threshold_seconds`` that the baseline does not hold.
SLOW002: an unmarked baselined test over ``max(threshold_seconds, slowdown_factor x
its baseline seconds)``; updating the baselines records its new time only with
``--g6-accept-regressions``.
"""

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


def limit(threshold: float, factor: float, baseline_seconds: float) -> float:
    """SLOW002: how long a baselined test may take before it counts as a regression."""
    return max(threshold, factor * baseline_seconds)


def regressed(
    timings: Mapping[str, Timing], baseline: Mapping[str, float], threshold: float, factor: float
) -> dict[str, Timing]:
    """The unmarked baselined tests slower than ``limit`` of their baseline seconds."""
    return {
        k: t
        for k, t in timings.items()
        if k in baseline and not t.marked and t.seconds > limit(threshold, factor, baseline[k])
    }


def evaluate(
    timings: Mapping[str, Timing],
    baseline: Mapping[str, float] | None,
    threshold: float,
    *,
    factor: float = 2.0,
    marker: str = "slow",
) -> list[Finding]:
    """SLOW001 for new slow tests, SLOW002 for baselined tests that got much slower."""
    known = baseline or {}
    mark = f"@pytest.mark.{marker}"
    findings = [
        Finding(
            "SLOW001",
            f"{t.nodeid} took {t.seconds:.2f}s (threshold {threshold:g}s): speed it up, mark it "
            f"{mark}, or record it with --g6-update-baselines --g6-accept-regressions",
            t.path,
            t.line,
        )
        for t in slow_unmarked(timings, threshold).values()
        if t.nodeid not in known
    ]
    for t in regressed(timings, known, threshold, factor).values():
        base = known[t.nodeid]
        findings.append(
            Finding(
                "SLOW002",
                f"{t.nodeid} took {t.seconds:.2f}s, more than {factor:g}x its baseline "
                f"{base:.2f}s (limit {limit(threshold, factor, base):.2f}s): speed it up, "
                f"mark it {mark}, or record the new time with --g6-update-baselines "
                "--g6-accept-regressions",
                t.path,
                t.line,
            )
        )
    return sorted(findings, key=Finding.sort_key)


def slowest(timings: Mapping[str, Timing], n: int = 10) -> list[dict[str, object]]:
    ranked = sorted(timings.values(), key=lambda t: (-t.seconds, t.nodeid))[:n]
    return [{"nodeid": t.nodeid, "seconds": round(t.seconds, 3)} for t in ranked]


def update(
    timings: Mapping[str, Timing],
    baseline: Mapping[str, float] | None,
    threshold: float,
    *,
    factor: float = 2.0,
    accept: bool,
    partial: bool,
) -> BaselineUpdate:
    """Drop entries that became fast or no longer exist; record new slow tests and SLOW002
    regressions (a baselined test over its limit) only if accepted, else keep the old time."""
    slow = slow_unmarked(timings, threshold)
    if baseline is None:
        entries = {k: round(t.seconds, 3) for k, t in slow.items()}
        return BaselineUpdate("slow_tests", entries, created=True)
    result = BaselineUpdate("slow_tests", {})
    worse = regressed(timings, baseline, threshold, factor)
    for nodeid, seconds in sorted(baseline.items()):
        if nodeid in worse:
            now = worse[nodeid].seconds
            text = f"{nodeid}: {seconds:.2f}s -> {now:.2f}s"
            (result.accepted if accept else result.refused).append(text)
            result.entries[nodeid] = round(now, 3) if accept else seconds
        elif nodeid in slow:
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
