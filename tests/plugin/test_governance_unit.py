"""The isolation boundary around one check's run(): crashes and malformed answers."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_g6gov.api import Result
from pytest_g6gov.findings import Finding
from pytest_g6gov.governance import run_isolated

CODES = frozenset({"ABC001"})


def _only_g6g000(result: Result) -> str:
    assert [f.code for f in result.findings] == ["G6G000"]
    return result.findings[0].message


def test_pytest_fail_and_skip_inside_a_check_are_one_g6g000() -> None:
    def fails() -> list[Finding]:
        pytest.fail("boom")

    def skips() -> list[Finding]:
        pytest.skip("nope")

    assert "boom" in _only_g6g000(run_isolated("x", fails, CODES))
    assert "nope" in _only_g6g000(run_isolated("x", skips, CODES))


def test_keyboard_interrupt_is_not_swallowed() -> None:
    def interrupted() -> list[Finding]:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_isolated("x", interrupted, CODES)


@pytest.mark.parametrize(
    ("finding", "says"),
    [
        (Finding("XYZ001", "m"), "not one of its rules (ABC001)"),
        (Finding("ABC001", ""), "without a message"),
        (Finding("ABC001", ["unhashable"]), "without a message"),  # type: ignore[arg-type]
        (Finding("ABC001", "m", 3), "path is not a string"),  # type: ignore[arg-type]
        (Finding("ABC001", "m", "a.py", 0), "line is not a positive whole number"),
        (Finding("ABC001", "m", "a.py", True), "line is not a positive whole number"),
    ],
)
def test_a_malformed_finding_is_one_g6g000(finding: Finding, says: str) -> None:
    as_list = run_isolated("x", lambda: [finding], CODES)
    as_result = run_isolated("x", lambda: Result([finding]), CODES)
    assert says in _only_g6g000(as_list)
    assert says in _only_g6g000(as_result)


def test_well_formed_findings_pass_through_and_g6g000_is_always_allowed() -> None:
    good = [Finding("ABC001", "m", "a.py", 2), Finding("G6G000", "unreadable", "b.txt")]
    assert run_isolated("x", lambda: list(good), CODES).findings == good


def test_a_non_list_answer_is_one_g6g000() -> None:
    answer: Any = {"ABC001": "m"}
    assert "returned dict" in _only_g6g000(run_isolated("x", lambda: answer, CODES))
