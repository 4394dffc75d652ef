"""sarif.py: the SARIF 2.1.0 log, validated against the official schema."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pytest_g6gov.findings import CheckResult, Finding
from pytest_g6gov.registry import all_rules, assemble
from pytest_g6gov.sarif import (
    SRCROOT,
    config_anchors,
    dump_sarif,
    rule_checks,
    sarif_log,
    write_sarif,
)

from .sarif_helpers import validate_sarif

RULES = {
    "G6G000": "a check failed internally",
    "ENV002": "a variable read in code is not documented",
    "SLOW001": "a test took longer than the threshold",
    "HSE001": "a house rule",
}
OWNERS = {"G6G000": "g6gov", "ENV002": "env_docs", "SLOW001": "slow_tests", "HSE001": "house"}


def results() -> list[CheckResult]:
    return [
        CheckResult(
            "env_docs",
            "enforce",
            [
                Finding("ENV002", "G6_B is undocumented", "app/main.py", 7),
                Finding("ENV002", "G6_A is undocumented", "app/main.py", 3),
            ],
            suppressed=2,
        ),
        CheckResult("slow_tests", "warn", [Finding("SLOW001", "too slow", "tests/t.py", None)]),
        CheckResult("house", "warn", [Finding("G6G000", "check house failed internally")]),
        CheckResult("metrics_spec", "off"),
        CheckResult("deprecations", "warn", skipped_reason="partial run"),
    ]


def run_of(log: dict[str, Any]) -> dict[str, Any]:
    assert len(log["runs"]) == 1
    run: dict[str, Any] = log["runs"][0]
    return run


def test_log_is_valid_sarif_with_one_rule_per_code(tmp_path: Path) -> None:
    log = sarif_log(results(), RULES, tmp_path, "1.2.3", OWNERS)
    validate_sarif(log)
    assert log["version"] == "2.1.0"
    driver = run_of(log)["tool"]["driver"]
    assert driver["name"] == "g6gov" and driver["version"] == "1.2.3"
    assert [r["id"] for r in driver["rules"]] == sorted(RULES)
    by_id = {r["id"]: r for r in driver["rules"]}
    assert by_id["ENV002"]["shortDescription"]["text"] == RULES["ENV002"]
    assert {code: r["properties"]["check"] for code, r in by_id.items()} == OWNERS


def test_levels_locations_and_order(tmp_path: Path) -> None:
    run = run_of(sarif_log(results(), RULES, tmp_path, "1", OWNERS))
    got = [
        (r["ruleId"], r["level"], r["message"]["text"], r.get("locations")) for r in run["results"]
    ]
    env = {"uri": "app/main.py", "uriBaseId": SRCROOT}
    assert got == [
        ("G6G000", "warning", "check house failed internally", None),  # no path: no location
        (
            "ENV002",
            "error",
            "G6_A is undocumented",
            [{"physicalLocation": {"artifactLocation": env, "region": {"startLine": 3}}}],
        ),
        (
            "ENV002",
            "error",
            "G6_B is undocumented",
            [{"physicalLocation": {"artifactLocation": env, "region": {"startLine": 7}}}],
        ),
        (  # no line: no region
            "SLOW001",
            "warning",
            "too slow",
            [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": "tests/t.py", "uriBaseId": SRCROOT}
                    }
                }
            ],
        ),
    ]
    rules = run["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])
    assert [r["properties"]["check"] for r in run["results"]] == [
        "house",
        "env_docs",
        "env_docs",
        "slow_tests",
    ]
    assert run["originalUriBaseIds"] == {SRCROOT: {"uri": tmp_path.resolve().as_uri() + "/"}}


def test_suppressed_counts_and_check_states_are_run_properties(tmp_path: Path) -> None:
    props = run_of(sarif_log(results(), RULES, tmp_path, "1", OWNERS))["properties"]
    assert props["g6gov/suppressed"] == {"env_docs": 2, "house": 0, "slow_tests": 0}
    assert props["g6gov/checks"]["metrics_spec"] == {"mode": "off", "status": "skipped"}
    assert props["g6gov/checks"]["env_docs"] == {"mode": "enforce", "status": "findings"}


def test_output_is_deterministic(tmp_path: Path) -> None:
    first = dump_sarif(sarif_log(results(), RULES, tmp_path, "1", OWNERS))
    shuffled = results()
    random.Random(7).shuffle(shuffled)
    for result in shuffled:
        result.findings.reverse()
    rules = dict(reversed(list(RULES.items())))
    assert dump_sarif(sarif_log(shuffled, rules, tmp_path, "1", OWNERS)) == first
    assert first.endswith(b"\n") and json.loads(first)["runs"]


def test_pathless_findings_are_anchored_at_their_checks_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.g6gov]\nenforce = false\n\n'
        "[tool.g6gov.house]\nmode = 'warn'\n\n[[tool.g6gov.critical_coverage.modules]]\n"
        'path = "a.py"\n[ tool.g6gov."env_docs" ]\n',
        encoding="utf-8",
    )
    anchors = config_anchors(tmp_path)
    assert anchors == {
        "g6gov": ("pyproject.toml", 4),
        "house": ("pyproject.toml", 7),
        "env_docs": ("pyproject.toml", 12),
    }
    checks = [
        CheckResult("house", "warn", [Finding("G6G000", "crashed")]),
        CheckResult("third", "enforce", [Finding("THD001", "no table of its own")]),
    ]
    run = run_of(sarif_log(checks, RULES, tmp_path, "1", OWNERS, anchors))
    validate_sarif({"version": "2.1.0", "runs": [run]})
    where = {
        r["ruleId"]: r["locations"][0]["physicalLocation"]["region"]["startLine"]
        for r in run["results"]
    }
    assert where == {"G6G000": 7, "THD001": 4}  # its table, else [tool.g6gov]


def test_no_pyproject_means_no_anchors(tmp_path: Path) -> None:
    assert config_anchors(tmp_path) == {}


def test_undeclared_code_gets_a_rule_of_its_check(tmp_path: Path) -> None:
    checks = [CheckResult("house", "warn", [Finding("ZZZ999", "odd", "a.py", 1)])]
    log = sarif_log(checks, {"G6G000": "framework"}, tmp_path, "1")
    validate_sarif(log)
    rules = run_of(log)["tool"]["driver"]["rules"]
    assert rules[1] == {
        "id": "ZZZ999",
        "shortDescription": {"text": "a finding of check house"},
        "properties": {"check": "house"},
    }
    assert run_of(log)["results"][0]["ruleIndex"] == 1


@pytest.mark.parametrize(
    ("path", "uri", "base"),
    [
        ("docs/my notes#1.md", "docs/my%20notes%231.md", SRCROOT),
        ("café/ü.py", "caf%C3%A9/%C3%BC.py", SRCROOT),
        ("/elsewhere/x.py", "file:///elsewhere/x.py", None),
    ],
)
def test_uris_are_encoded(tmp_path: Path, path: str, uri: str, base: str | None) -> None:
    checks = [CheckResult("house", "warn", [Finding("HSE001", "m", path, 2)])]
    log = sarif_log(checks, RULES, tmp_path, "1", OWNERS)
    validate_sarif(log)
    artifact = run_of(log)["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact.get("uri") == uri and artifact.get("uriBaseId") == base


def test_every_builtin_rule_carries_its_check(tmp_path: Path) -> None:
    known = assemble([])
    log = sarif_log([], all_rules(known), tmp_path, "1", rule_checks(known))
    validate_sarif(log)
    rules = run_of(log)["tool"]["driver"]["rules"]
    checks = {r["id"]: r["properties"]["check"] for r in rules}
    assert checks["G6G000"] == "g6gov"
    assert {checks[code] for code in known["env_docs"].rules} == {"env_docs"}
    assert len(rules) == len(all_rules(known)) and run_of(log)["results"] == []


def test_schema_rejects_a_broken_log(tmp_path: Path) -> None:
    """The validation has teeth: a level SARIF does not know is refused."""
    log = sarif_log(results(), RULES, tmp_path, "1", OWNERS)
    run_of(log)["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        validate_sarif(log)


def test_write_sarif_reports_a_failed_write(tmp_path: Path) -> None:
    log = sarif_log(results(), RULES, tmp_path, "1", OWNERS)
    target = tmp_path / "out" / "g6.sarif"
    assert write_sarif(target, log) is None
    assert json.loads(target.read_text("utf-8")) == log
    (tmp_path / "afile").write_text("")
    error = write_sarif(tmp_path / "afile" / "g6.sarif", log)
    assert error is not None and error.startswith("cannot write SARIF file ")
