"""``critical_coverage``: per-module coverage floors for the modules that matter.

The figures come from ``coverage_figures`` (coverage.py's own report over the data of
whoever measured: the plugin itself, pytest-cov, or an outer ``coverage run``); this
module judges them against the floors and the baseline.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..baselines import BaselineUpdate, ratchet
from ..coverage_figures import Measurement
from ..findings import Finding

__all__ = ["Measurement", "evaluate", "update"]


def evaluate(
    m: Measurement,
    baseline: Mapping[str, float] | None,
    min_percent: float,
    floors: Mapping[str, float] | None = None,
) -> list[Finding]:
    findings = []
    for module, pc in sorted(m.percents.items()):
        note = f" ({m.notes[module]})" if module in m.notes else ""
        if pc is None:
            fix = "add it to --cov" if m.source == "pytest-cov" else "measure it, or drop it"
            findings.append(Finding("COV001", f"{module} is unmeasured{note}: {fix}", module))
            continue
        floor = (floors or {}).get(module, min_percent)
        if pc < floor:
            findings.append(
                Finding(
                    "COV001",
                    f"{module} is at {pc:.1f}%, below the floor of {floor:.1f}%{note}: "
                    "add tests that exercise it",
                    module,
                )
            )
        before = None if baseline is None else baseline.get(module)
        if before is not None and round(pc, 3) < before:  # the baseline stores 3 decimals
            findings.append(
                Finding(
                    "COV002",
                    f"{module} dropped to {pc:.1f}% from its baseline {before:.1f}%: restore the "
                    "tests, or record it with --g6-update-baselines --g6-accept-regressions",
                    module,
                )
            )
    return findings


def update(m: Measurement, baseline: Mapping[str, float] | None, accept: bool) -> BaselineUpdate:
    current = {k: round(v, 3) for k, v in m.percents.items() if v is not None}
    return ratchet(
        "critical_coverage",
        baseline,
        current,
        higher_is_better=True,
        accept=accept,
        keep_missing=lambda module: False,
        fmt=lambda v: f"{v:.1f}%",
    )
