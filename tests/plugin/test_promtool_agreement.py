"""Our MET004 naming rules against the real ``promtool check metrics``, rule by rule.

Each corpus case is a tiny text exposition (``# HELP``, ``# TYPE``, its samples).
promtool's problem texts (from promlint, ``prometheus/client_golang``
``prometheus/testutil/promlint/promlint.go``) are mapped to our rule ids, and for the
rules both sides cover the two sets must be equal.

Out of scope (not compared):
* promtool only: ``no help text`` (lintHelp) — every case carries a HELP line; the
  spec's required ``description`` plays that part. Any promtool text this file does
  not know is ignored too (a newer promtool's extra rules).
* ours only: the prefix rule (``prefix=""`` here) and ``duration_seconds`` (a
  histogram/summary of a duration, latency or time ends ``_seconds``).
* ours stricter (``STRICTER`` below, checked separately): upper case without a
  lower-upper pair, and ``_bucket``/``_count``/``_sum`` on a histogram or summary.
* names holding both a base and a non-base unit word: promlint stops at the first
  unit it meets in a Go map, so its answer is random there.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import pytest

from pytest_g6gov.checks import metric_naming
from pytest_g6gov.checks.metric_naming import NamingProblem, naming_violations

PROMTOOL = shutil.which("promtool")
pytestmark = pytest.mark.skipif(PROMTOOL is None, reason="promtool is not installed")

SHARED_RULES = frozenset(
    {
        "counter_total",
        "non_counter_total",
        "reserved_suffix",
        "reserved_label",
        "type_in_name",
        "snake_case",
        "unit_abbreviation",
        "non_base_unit",
    }
)
# promlint problem text (a fragment) -> our rule id; "" = out of scope.
PROMTOOL_TEXTS: tuple[tuple[str, str], ...] = (
    ('counter metrics should have "_total" suffix', "counter_total"),
    ('non-counter metrics should not have "_total" suffix', "non_counter_total"),
    ('should not have "_bucket" suffix', "reserved_suffix"),
    ('should not have "_count" suffix', "reserved_suffix"),
    ('should not have "_sum" suffix', "reserved_suffix"),
    ('should not have "le" label', "reserved_label"),
    ('should not have "quantile" label', "reserved_label"),
    ("metric name should not include type", "type_in_name"),
    ("metric names should not contain ':'", "snake_case"),
    ("should be written in 'snake_case' not 'camelCase'", "snake_case"),
    ("metric names should not contain abbreviated units", "unit_abbreviation"),
    ("use base unit", "non_base_unit"),
    ("no help text", ""),
)


@dataclass(frozen=True)
class Case:
    name: str
    type: str
    labels: tuple[str, ...] = ()

    def exposition(self) -> str:
        """The text format promtool reads: HELP, TYPE, and the type's samples."""
        pairs = [f'{label}="x"' for label in self.labels]

        def sample(suffix: str, *extra: str) -> str:
            inner = ",".join([*pairs, *extra])
            return f"{self.name}{suffix}{{{inner}}} 1" if inner else f"{self.name}{suffix} 1"

        lines = [f"# HELP {self.name} Some help.", f"# TYPE {self.name} {self.type}"]
        if self.type == "histogram":
            lines += [sample("_bucket", 'le="+Inf"'), sample("_sum"), sample("_count")]
        elif self.type == "summary":
            lines += [sample("", 'quantile="0.5"'), sample("_sum"), sample("_count")]
        else:
            lines.append(sample(""))
        return "\n".join(lines) + "\n"


CORPUS: tuple[Case, ...] = (
    # good names
    Case("g6_requests_total", "counter"),
    Case("g6_bytes_read_total", "counter", ("index",)),
    Case("g6_temperature_celsius", "gauge"),
    Case("g6_power_volts", "gauge"),  # volts is a base unit in client_golang's table
    Case("g6_thermometers", "gauge"),  # promlint: "thermometers" must not match "meters"
    Case("g6_request_duration_seconds", "histogram", ("stage",)),
    Case("g6_rpc_latency_seconds", "summary"),
    Case("g6_request_time", "histogram"),  # ours only (duration_seconds): not compared
    # counters and _total
    Case("g6_requests", "counter"),
    Case("g6_queue_total", "gauge"),
    Case("g6_cycle_seconds_total", "histogram"),
    # non-base units (promlint: units, unitPrefixes)
    Case("g6_wait_milliseconds", "gauge"),
    Case("g6_payload_kilobytes", "gauge"),
    Case("g6_cache_kibibytes", "gauge"),
    Case("g6_uptime_hours", "gauge"),
    Case("g6_retention_weeks", "gauge"),
    Case("g6_link_bits_total", "counter"),
    Case("g6_distance_kilometers", "gauge"),
    Case("g6_heat_calories_total", "counter"),
    Case("g6_cpu_kelvins", "gauge"),
    # abbreviated units (promlint: unitAbbreviations)
    Case("g6_latency_ms", "histogram"),
    Case("g6_size_kb", "gauge"),
    Case("g6_delay_s", "gauge"),
    Case("g6_wait_sec_total", "counter"),
    Case("g6_frames_b_total", "counter"),
    Case("g6_request_size_mb", "summary"),
    # case and characters
    Case("g6_requestCount_total", "counter"),
    Case("g6_queue:depth", "gauge"),
    Case("g6_depth", "gauge", ("queueName",)),
    # names and labels reserved for histograms and summaries
    Case("g6_rows_bucket", "gauge"),
    Case("g6_rows_count", "gauge"),
    Case("g6_rows_sum", "counter"),
    Case("g6_level", "gauge", ("le",)),
    Case("g6_ratio", "gauge", ("quantile",)),
    Case("g6_wait_seconds", "histogram", ("quantile",)),
    # type words in the name
    Case("g6_errors_counter_total", "counter"),
    Case("g6_depth_gauge", "gauge"),
    Case("g6_x_histogram_seconds", "histogram"),
    Case("g6_rpc_summary_seconds", "summary"),
)

# Where our rules are deliberately stricter than promlint: (case, our rule).
STRICTER: tuple[tuple[Case, str], ...] = (
    (Case("G6_REQUESTS_TOTAL", "counter"), "snake_case"),  # upper case, no lower-upper pair
    (Case("g6_size_bucket", "histogram"), "reserved_suffix"),
    (Case("g6_rpc_seconds_count", "summary"), "reserved_suffix"),
)


def _rule_of(text: str) -> str | None:
    return next((rule for fragment, rule in PROMTOOL_TEXTS if fragment in text), None)


@cache
def promtool_rules(case: Case) -> frozenset[str]:
    """The rule ids of the problems ``promtool check metrics`` reports for the case."""
    assert PROMTOOL is not None
    done = subprocess.run(
        [PROMTOOL, "check", "metrics"],
        input=case.exposition(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # 0: no problem, 3: lint problems; anything else (1: parse error) breaks the case itself
    assert done.returncode in (0, 3), f"promtool failed on\n{case.exposition()}{done.stderr}"
    rules = {_rule_of(line) for line in (done.stdout + done.stderr).splitlines()}
    return frozenset(r for r in rules if r)


def our_rules(
    case: Case,
    violations: Callable[[str, str, Sequence[str], str], list[NamingProblem]] = naming_violations,
) -> frozenset[str]:
    """Our rule ids for the case: the user's labels only (``le``/``quantile`` of the
    histogram/summary samples are the type's own), and no prefix rule."""
    return frozenset(p.rule for p in violations(case.name, case.type, case.labels, ""))


def disagreement(case: Case, ours: frozenset[str]) -> str | None:
    theirs = promtool_rules(case) & SHARED_RULES
    mine = ours & SHARED_RULES
    if theirs == mine:
        return None
    return f"{case.name} ({case.type}): promtool {sorted(theirs)}, ours {sorted(mine)}"


@pytest.mark.parametrize("case", CORPUS, ids=lambda c: f"{c.type}:{c.name}")
def test_we_agree_with_promtool(case: Case) -> None:
    assert disagreement(case, our_rules(case)) is None


@pytest.mark.parametrize(("case", "rule"), STRICTER, ids=lambda v: getattr(v, "name", v))
def test_where_we_are_stricter_than_promtool(case: Case, rule: str) -> None:
    assert rule not in promtool_rules(case)
    assert rule in our_rules(case)


def test_the_corpus_exercises_every_shared_rule_and_both_outcomes() -> None:
    seen = set().union(*(promtool_rules(case) for case in CORPUS))
    assert seen >= SHARED_RULES, sorted(SHARED_RULES - seen)
    assert any(not promtool_rules(case) for case in CORPUS)
    assert len(CORPUS) >= 25


def test_the_comparison_catches_a_misported_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """The agreement test can fail: mis-port two rules and it must notice each one."""
    # 1. The older unit table of prometheus/prometheus util/promlint/promlint.go has no
    #    "weeks"; promtool (client_golang's table) reports g6_retention_weeks.
    units = {k: v for k, v in metric_naming.UNITS.items() if k != "weeks"}
    monkeypatch.setattr(metric_naming, "UNITS", units)
    failing = [c.name for c in CORPUS if disagreement(c, our_rules(c))]
    assert failing == ["g6_retention_weeks"]
    monkeypatch.undo()

    # 2. A counter rule that forgot promlint's "non-counters must not end _total".
    def lenient(name: str, mtype: str, labels: Sequence[str], prefix: str) -> list[NamingProblem]:
        problems = naming_violations(name, mtype, labels, prefix)
        return [p for p in problems if p.rule != "non_counter_total"]

    failing = [c.name for c in CORPUS if disagreement(c, our_rules(c, lenient))]
    assert failing == ["g6_queue_total", "g6_cycle_seconds_total"]
