"""Governance results in pytest's ``--junitxml`` file: one ``<testcase>`` per check.

pytest's ``LogXML`` (``_pytest/junitxml.py``) turns test reports into ``<testcase>``
elements as ``pytest_runtest_logreport`` delivers them and writes the file in its own
``pytest_sessionfinish``. The controller decides the governance outcome in a ``tryfirst``
``pytest_sessionfinish`` (so before that write) and hands ``LogXML`` one synthesized
report pair (call, teardown) per check that ran, directly: not through the hook, so the
terminal's counts, ``--lf`` and other plugins never see them. ``LogXML`` exists on the
xdist controller only, so the testcases are counted once under ``-n``.

A check is classname ``g6gov``, name the check: failing (``<failure>`` listing its
findings) when it enforces and has findings, skipped when it did not judge this run,
passing otherwise; a warn-only check's findings go to ``<system-out>`` when
``junit_logging`` includes it. A report or SARIF file that could not be written is one
more failing testcase, ``g6gov.write-outputs``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import pytest

from .findings import CheckResult
from .report import check_summary, finding_lines

CLASSNAME = "g6gov"
WHERE = "pyproject.toml"  # where a check is configured: the testcase's file (xunit1)
OUTPUTS = "write-outputs"  # not a valid check name, so it never clashes with one


def _pair(
    name: str,
    outcome: Literal["passed", "failed", "skipped"],
    longrepr: Any,
    sections: Sequence[tuple[str, str]] = (),
) -> list[pytest.TestReport]:
    nodeid = f"{CLASSNAME}::{name}"
    location = (WHERE, None, nodeid)
    when: Literal["setup", "call"] = "setup" if outcome == "skipped" else "call"
    first = pytest.TestReport(nodeid, location, {}, outcome, longrepr, when)
    # LogXML writes <system-out> from the teardown report, which carries every phase's
    # captured output in a real session
    last = pytest.TestReport(nodeid, location, {}, "passed", None, "teardown", sections)
    return [first, last]


def check_reports(
    results: Sequence[CheckResult], messages: Sequence[str] = (), write_failed: bool = False
) -> list[pytest.TestReport]:
    """The reports for every check that was not off (and for failed writes)."""
    reports: list[pytest.TestReport] = []
    for result in results:
        if result.mode == "off":
            continue
        text = "\n".join([check_summary(result), *finding_lines(result)])
        if result.skipped_reason is not None:
            longrepr = (WHERE, 0, f"Skipped: {result.skipped_reason}")
            reports += _pair(result.check, "skipped", longrepr)
        elif result.failing:
            reports += _pair(result.check, "failed", text)
        else:
            sections = [("Captured stdout call", text + "\n")] if result.findings else []
            reports += _pair(result.check, "passed", None, sections)
    if write_failed:
        reports += _pair(OUTPUTS, "failed", "\n".join(f"g6gov: {m}" for m in messages))
    return reports


def log_xml(config: pytest.Config) -> Any:
    """pytest's ``LogXML`` of this session (None: no ``--junitxml``, or a worker)."""
    try:
        from _pytest.junitxml import xml_key
    except ImportError:  # a pytest without it: no JUnit file to add to
        return None
    return config.stash.get(xml_key, None)


def feed_junit(
    config: pytest.Config,
    results: Sequence[CheckResult],
    messages: Sequence[str] = (),
    write_failed: bool = False,
) -> None:
    """Add the checks' testcases to the session's JUnit XML, if one is being written."""
    xml = log_xml(config)
    if xml is None:
        return
    for report in check_reports(results, messages, write_failed):
        xml.pytest_runtest_logreport(report)
