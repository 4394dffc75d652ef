"""The shipped Prometheus rules (deploy/prometheus/g6-rules.yml) against the real ``promtool``.

``promtool check rules`` validates the file, ``promtool test rules`` runs the unit tests of
deploy/prometheus/tests/; copies with an alert broken or deleted must make those tests fail.
The rules may name only metrics of docs/metrics_spec.yaml, and every alert needs a test case
where it fires and one where it stays silent (an ``alert_rule_test`` with no ``exp_alerts``).
Under ``CI=true`` a missing promtool fails these tests instead of skipping them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from g6runtime.metrics import load_spec

from .support import require_tool

REPO = Path(__file__).resolve().parents[2]
PROM_DIR = REPO / "deploy" / "prometheus"
RULES = PROM_DIR / "g6-rules.yml"
TEST_FILES = sorted((PROM_DIR / "tests").glob("*.test.yml"))
SEVERITIES = {"page", "ticket"}
#: the alerts about the scrape itself, the only rules that may select a job (see the header)
JOB_ALERTS = {"G6Down", "G6TargetMissing"}

# a metric name: not part of a longer identifier or of a recording rule's level:name:ops
_G6_NAME = re.compile(r"(?<![\w:])g6_\w+(?![\w:])")
_SERIES_NAME = re.compile(r"^\s*([a-zA-Z_:][\w:]*)")


def _promtool_path() -> str:
    return require_tool("promtool", "promtool tests", "prometheus")


def _run(*args: str | Path, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=60, cwd=cwd, check=False
    )


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _rules(document: Any) -> list[dict[str, Any]]:
    return [rule for group in document["groups"] for rule in group["rules"]]


def _alerts(document: Any) -> dict[str, dict[str, Any]]:
    return {rule["alert"]: rule for rule in _rules(document) if "alert" in rule}


def _records(document: Any) -> dict[str, dict[str, Any]]:
    return {rule["record"]: rule for rule in _rules(document) if "record" in rule}


def _rule_text(rule: dict[str, Any]) -> str:
    """The expression and annotation templates (which may query) of one rule."""
    return "\n".join([str(rule["expr"]), *map(str, rule.get("annotations", {}).values())])


def _unknown_metrics(document: Any, known: set[str], histograms: set[str]) -> set[str]:
    """The ``g6_*`` names the rules use that the spec does not declare."""
    unknown = set()
    for rule in _rules(document):
        for name in _G6_NAME.findall(_rule_text(rule)):
            base = re.sub(r"_(bucket|sum|count)$", "", name)
            if name not in known and base not in histograms:
                unknown.add(name)
    return unknown


def _spec_names() -> tuple[set[str], set[str]]:
    specs = load_spec()
    return {s.name for s in specs}, {s.name for s in specs if s.type in ("histogram", "summary")}


def _cases() -> dict[str, dict[str, int]]:
    """alertname → {"firing": n, "silent": n} over every unit test file."""
    found: dict[str, dict[str, int]] = {}
    for path in TEST_FILES:
        for group in _load(path)["tests"]:
            for case in group.get("alert_rule_test") or []:
                kind = "firing" if case.get("exp_alerts") else "silent"
                counts = found.setdefault(case["alertname"], {"firing": 0, "silent": 0})
                counts[kind] += 1
    return found


def _copy_tree(tmp_path: Path, edit: Callable[[Any], None]) -> Path:
    """deploy/prometheus copied into tmp_path with ``edit`` applied to the rules; its dir."""
    target = tmp_path / "prometheus"
    shutil.copytree(PROM_DIR, target)
    document = _load(RULES)
    edit(document)
    (target / RULES.name).write_text(yaml.safe_dump(document, sort_keys=False), "utf-8")
    return target


def _files_testing(alert: str) -> list[str]:
    """The names of the unit test files with a case of ``alert``."""
    return [
        path.name
        for path in TEST_FILES
        if any(
            case["alertname"] == alert
            for group in _load(path)["tests"]
            for case in group.get("alert_rule_test") or []
        )
    ]


# -- promtool itself ------------------------------------------------------------------------


def test_promtool_check_rules_accepts_every_rule(promtool: str) -> None:
    result = _run(promtool, "check", "rules", RULES)
    assert result.returncode == 0, result.stdout + result.stderr
    count = len(_rules(_load(RULES)))
    assert f"SUCCESS: {count} rules found" in result.stdout


def test_promtool_check_rules_refuses_a_broken_expression(promtool: str, tmp_path: Path) -> None:
    def unbalanced(document: Any) -> None:
        _alerts(document)["G6Down"]["expr"] = 'up{job="g6"} == (0'

    folder = _copy_tree(tmp_path, unbalanced)
    result = _run(promtool, "check", "rules", folder / RULES.name)
    assert result.returncode != 0
    assert "SUCCESS" not in result.stdout


def test_promtool_unit_tests_pass(promtool: str) -> None:
    assert TEST_FILES, "no deploy/prometheus/tests/*.test.yml"
    result = _run(promtool, "test", "rules", *TEST_FILES)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "FAILED" not in output
    assert output.count("SUCCESS") == len(TEST_FILES)


def _drop_guard(alert: str, guard: str) -> Callable[[Any], None]:
    def edit(document: Any) -> None:
        rule = _alerts(document)[alert]
        assert guard in rule["expr"], f"{alert} no longer has {guard!r}"
        rule["expr"] = rule["expr"].replace(guard, "")

    return edit


def _delete(alert: str) -> Callable[[Any], None]:
    def edit(document: Any) -> None:
        for group in document["groups"]:
            group["rules"] = [r for r in group["rules"] if r.get("alert") != alert]

    return edit


def _relabel(alert: str) -> Callable[[Any], None]:
    def edit(document: Any) -> None:
        _alerts(document)[alert]["labels"]["severity"] = "ticket"

    return edit


_BREAKS = [
    # firing at night, and at the open before the first cycle ends
    pytest.param(
        "G6CollectionStale",
        _drop_guard("G6CollectionStale", "and min_over_time(g6_collection_active[5m]) == 1"),
        id="stale-at-night",
    ),
    # firing on the 0 of a provider that is not kite
    pytest.param(
        "G6KiteTokenExpired",
        _drop_guard("G6KiteTokenExpired", "and g6_kite_token_expiry_timestamp_seconds > 0"),
        id="token-zero",
    ),
    # firing before the first verification (the gauge starts at 0)
    pytest.param(
        "G6PanelsIntegrityFailing",
        _drop_guard("G6PanelsIntegrityFailing", " and g6_panels_integrity_checks_total > 0"),
        id="integrity-unverified",
    ),
    # firing before the first cycle (every budget gauge starts at 0) and at the open
    pytest.param(
        "G6FaultBudgetExhausted",
        _drop_guard("G6FaultBudgetExhausted", "and increase(g6_sla_breaches_total[15m]) > 0"),
        id="budget-unpublished",
    ),
    pytest.param("G6StorageWriteErrors", _delete("G6StorageWriteErrors"), id="storage-deleted"),
    pytest.param("G6InfluxPointsDropped", _relabel("G6InfluxPointsDropped"), id="drop-severity"),
]


@pytest.mark.parametrize(("alert", "edit"), _BREAKS)
def test_promtool_unit_tests_catch_a_broken_alert(
    promtool: str, tmp_path: Path, alert: str, edit: Callable[[Any], None]
) -> None:
    folder = _copy_tree(tmp_path, edit)
    assert _run(promtool, "check", "rules", folder / RULES.name).returncode == 0
    files = _files_testing(alert)
    result = _run(promtool, "test", "rules", *(folder / "tests" / f for f in files), cwd=folder)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "FAILED" in output
    # only the broken alert's cases fail: the copy (a YAML round trip) changed nothing else
    assert set(re.findall(r"alertname: (\w+)", output)) == {alert}, output


# -- the rules against the metrics spec and their tests --------------------------------------


def test_rules_name_only_metrics_of_the_spec() -> None:
    known, histograms = _spec_names()
    document = _load(RULES)
    used = {n for rule in _rules(document) for n in _G6_NAME.findall(_rule_text(rule))}
    # the extraction sees the names, the templates' queries included
    assert {"g6_cycles_total", "g6_panels_integrity_mismatches_total"} <= used
    assert not any(":" in name for name in used)
    assert _unknown_metrics(document, known, histograms) == set()


def test_unknown_metric_names_are_reported() -> None:
    known, histograms = _spec_names()
    document = _load(RULES)
    stale = _alerts(document)["G6CollectionStale"]
    stale["expr"] = stale["expr"].replace("g6_collection_active", "g6_collecting")
    _alerts(document)["G6Down"]["expr"] = (
        "histogram_quantile(0.9, rate(g6_cycle_duration_seconds_bucket[5m])) > 1"
        " or rate(g6_cycles_count[5m]) > 1"
    )
    assert _unknown_metrics(document, known, histograms) == {"g6_collecting", "g6_cycles_count"}


def test_unit_test_series_are_spec_metrics_or_up() -> None:
    known, _ = _spec_names()
    names = {
        m.group(1)
        for path in TEST_FILES
        for group in _load(path)["tests"]
        for series in group.get("input_series") or []
        if (m := _SERIES_NAME.match(series["series"]))
    }
    assert "up" in names
    assert names - {"up"} <= known, sorted(names - {"up"} - known)


def test_every_alert_has_a_firing_and_a_silent_case() -> None:
    alerts = set(_alerts(_load(RULES)))
    cases = _cases()
    assert len(alerts) >= 8
    missing = {
        alert: [kind for kind in ("firing", "silent") if not cases.get(alert, {}).get(kind)]
        for alert in alerts
    }
    assert {a: kinds for a, kinds in missing.items() if kinds} == {}
    # a silent case of an alert that does not exist would pass vacuously
    assert set(cases) <= alerts, sorted(set(cases) - alerts)


def test_every_recording_rule_has_an_expression_test() -> None:
    tested = {
        str(case["expr"]).strip()
        for path in TEST_FILES
        for group in _load(path)["tests"]
        for case in group.get("promql_expr_test") or []
    }
    assert set(_records(_load(RULES))) <= tested


def test_alerts_carry_severity_for_and_annotations() -> None:
    for name, rule in _alerts(_load(RULES)).items():
        assert re.fullmatch(r"G6[A-Z][A-Za-z]+", name), name
        assert rule["labels"]["severity"] in SEVERITIES, name
        assert "for" in rule, name
        assert {"summary", "description"} <= set(rule["annotations"]), name
        assert ("job=" in rule["expr"]) == (name in JOB_ALERTS), name


def test_recording_rules_follow_level_metric_operations() -> None:
    for name in _records(_load(RULES)):
        level, metric, operations = name.split(":")
        assert re.fullmatch(r"[a-z_]+", level) and metric.startswith("g6_"), name
        assert not metric.endswith("_total") and operations, name


# -- CI must not skip -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception)]
)
def test_missing_promtool_fails_under_ci_and_skips_otherwise(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ci: str, outcome: type[BaseException]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no promtool
    if ci:
        monkeypatch.setenv("CI", ci)
    else:
        monkeypatch.delenv("CI", raising=False)
    with pytest.raises(outcome, match="promtool is not on PATH"):
        _promtool_path()
