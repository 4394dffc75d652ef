"""junit.py: the checks' reports, as pytest's own LogXML writes them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from _pytest.junitxml import LogXML

from pytest_g6gov.findings import CheckResult, Finding
from pytest_g6gov.junit import check_reports


def results() -> list[CheckResult]:
    return [
        CheckResult("env_docs", "enforce", [Finding("ENV002", "G6_X <undocumented>", "a.py", 3)]),
        CheckResult("house", "warn", [Finding("HSE001", "warn only")]),
        CheckResult("deprecations", "enforce"),
        CheckResult("critical_coverage", "enforce", skipped_reason="partial run"),
        CheckResult("metrics_spec", "off"),
    ]


def write_junit(
    path: Path, reports: list[pytest.TestReport], logging: str = "system-out"
) -> ET.Element:
    xml = LogXML(str(path), None, logging=logging, family="xunit2")
    xml.pytest_sessionstart()
    for report in reports:
        xml.pytest_runtest_logreport(report)
    xml.pytest_sessionfinish()
    suite = ET.parse(path).getroot().find("testsuite")
    assert suite is not None
    return suite


def test_one_testcase_per_check_that_was_not_off(tmp_path: Path) -> None:
    suite = write_junit(tmp_path / "j.xml", check_reports(results()))
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert list(cases) == ["env_docs", "house", "deprecations", "critical_coverage"]
    assert {c.get("classname") for c in cases.values()} == {"g6gov"}
    counts = [suite.get(k) for k in ("tests", "failures", "errors", "skipped")]
    assert counts == ["4", "1", "0", "1"]
    failure = cases["env_docs"].find("failure")
    assert failure is not None
    assert failure.get("message") == (
        "env_docs (enforce): 1 finding (fails the run)\nENV002 ERROR a.py:3: G6_X <undocumented>"
    )
    skipped = cases["critical_coverage"].find("skipped")
    assert skipped is not None and skipped.get("message") == "partial run"
    out = cases["house"].find("system-out")
    assert out is not None and "HSE001 warning warn only" in (out.text or "")
    quiet = cases["deprecations"].find("system-out")  # LogXML writes one for every testcase
    assert quiet is None or "warning" not in (quiet.text or "")
    assert cases["deprecations"].find("failure") is None


def test_warn_findings_stay_out_without_junit_logging(tmp_path: Path) -> None:
    suite = write_junit(tmp_path / "j.xml", check_reports(results()), logging="no")
    assert [c.tag for c in suite.iter() if c.tag == "system-out"] == []


def test_a_failed_write_is_one_more_failing_testcase(tmp_path: Path) -> None:
    reports = check_reports([], ["cannot write SARIF file x: Not a directory"], write_failed=True)
    suite = write_junit(tmp_path / "j.xml", reports)
    (case,) = suite.iter("testcase")
    assert (case.get("classname"), case.get("name")) == ("g6gov", "write-outputs")
    failure = case.find("failure")
    assert failure is not None and "g6gov: cannot write SARIF file x" in failure.get("message", "")
    assert check_reports([], ["a baseline message"], write_failed=False) == []
