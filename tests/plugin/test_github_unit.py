"""github.py: workflow-command escaping (round trip through the runner's rules), the
annotations of a session's results, and the step-summary table."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from pytest_g6gov.findings import CheckResult, Finding
from pytest_g6gov.github import (
    annotation,
    annotation_lines,
    append_summary,
    escape_data,
    escape_property,
    summary_markdown,
    workflow_command,
)

# How the runner reads a command back (actions/runner ActionCommand.TryParseV2 with the
# toolkit's command.ts escapes): "::" name [" " key=value ("," key=value)*] "::" data; each
# %XX escape is decoded once (the runner replaces %25 last, which is the same thing here
# because every "%" an escaper writes starts one of these escapes).
_DATA_CODES = {"%25": "%", "%0D": "\r", "%0A": "\n"}
_PROPERTY_CODES = {**_DATA_CODES, "%3A": ":", "%2C": ","}


def _unescape(text: str, codes: dict[str, str]) -> str:
    return re.sub("|".join(codes), lambda m: codes[m.group(0)], text)


def parse(line: str) -> tuple[str, dict[str, str], str]:
    assert line.startswith("::")
    end = line.index("::", 2)
    head, data = line[2:end], line[end + 2 :]
    name, _, props = head.partition(" ")
    properties = {}
    for item in filter(None, props.split(",")):
        key, _, value = item.partition("=")
        properties[key] = _unescape(value, _PROPERTY_CODES)
    return name, properties, _unescape(data, _DATA_CODES)


def test_escapes_match_the_toolkit() -> None:
    assert escape_data("100%\r\na:b,c") == "100%25%0D%0Aa:b,c"
    assert escape_property("100%\r\na:b,c") == "100%25%0D%0Aa%3Ab%2Cc"
    assert escape_data("%0A") == "%250A"  # a literal escape stays literal


@given(
    message=st.text(),
    path=st.text(min_size=1),
    code=st.sampled_from(["ENV002", "SLOW001", "G6G000"]),
    line=st.integers(min_value=1, max_value=10**6),
    enforcing=st.booleans(),
)
def test_annotation_round_trips(
    message: str, path: str, code: str, line: int, enforcing: bool
) -> None:
    command = annotation(Finding(code, message, path, line), enforcing)
    assert "\n" not in command and "\r" not in command  # one line of the log
    name, properties, data = parse(command)
    assert name == ("error" if enforcing else "warning")
    assert properties == {"file": path, "line": str(line), "title": code}
    assert data == message


@given(st.dictionaries(st.sampled_from(["file", "title", "col"]), st.text()), st.text())
def test_any_property_values_round_trip(properties: dict[str, str], message: str) -> None:
    assert parse(workflow_command("notice", properties, message)) == (
        "notice",
        properties,
        message,
    )


def results() -> list[CheckResult]:
    return [
        CheckResult(
            "env_docs",
            "enforce",
            [Finding("ENV002", "G6_X: undocumented, see docs", "app/main.py", 3)],
            suppressed=1,
        ),
        CheckResult(
            "house",
            "warn",
            [Finding("HSE001", "no path here"), Finding("HSE002", "no line", "a.py")],
        ),
        CheckResult("slow_tests", "warn", skipped_reason="partial run | -k given"),
        CheckResult("metrics_spec", "off"),
    ]


def test_annotation_lines_of_a_session() -> None:
    assert annotation_lines(results()) == [
        "::error file=app/main.py,line=3,title=ENV002::G6_X: undocumented, see docs",
        "::warning title=HSE001::no path here",
        "::warning file=a.py,title=HSE002::no line",
    ]


def test_summary_table() -> None:
    text = summary_markdown(results())
    rows = [line for line in text.splitlines() if line.startswith("|")]
    assert rows == [
        "| check | mode | status | findings | suppressed |",
        "| --- | --- | --- | ---: | ---: |",
        "| env_docs | enforce | findings | 1 | 1 |",
        "| house | warn | findings | 2 | 0 |",
        "| slow_tests | warn | skipped: partial run \\| -k given | 0 | 0 |",
        "| metrics_spec | off | skipped | 0 | 0 |",
    ]
    assert "**Fails the run**: enforcing check(s) with findings: env_docs." in text
    quiet = summary_markdown([CheckResult("house", "warn", [Finding("HSE001", "m")])])
    assert "No enforcing check has findings." in quiet and "Fails" not in quiet


def test_append_summary_appends(tmp_path: Path) -> None:
    target = tmp_path / "summary.md"
    target.write_text("earlier step\n", encoding="utf-8")
    assert append_summary(target, "one\n") is None
    assert append_summary(target, "two\n") is None
    assert target.read_text("utf-8") == "earlier step\none\ntwo\n"
    error = append_summary(tmp_path, "x")  # a folder
    assert error is not None and "$GITHUB_STEP_SUMMARY" in error
