"""The baseline framework through slow_tests: create, tighten, refuse, accept; corrupt files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .helpers import governance_lines, make_project, read_report

CFG = "[tool.g6gov.slow_tests]\nthreshold_seconds = 0.05\nmode = 'enforce'\n"


def write_tests(pytester: pytest.Pytester, slow: list[str], fast: list[str]) -> None:
    body = ["import time\n"]
    body += [f"def test_{n}():\n    time.sleep(0.08)\n" for n in slow]
    body += [f"def test_{n}():\n    pass\n" for n in fast]
    pytester.makepyfile(test_x="\n".join(body))


def entries(root: Path) -> dict[str, float]:
    data = json.loads((root / "baselines" / "slow_tests.json").read_text("utf-8"))
    assert data["schema_version"] == 1 and data["check"] == "slow_tests"
    return dict(data["entries"])


@pytest.mark.slow
def test_round_trip_create_tighten_refuse_accept(pytester: pytest.Pytester) -> None:
    root = make_project(pytester, CFG)
    write_tests(pytester, slow=["a", "b"], fast=["c"])
    # 1. no baseline: findings, and nothing written without the flag
    result = pytester.runpytest()
    assert result.ret == 1
    assert not (root / "baselines").exists()
    # 2. create from the current run, current findings included
    result = pytester.runpytest("--g6-update-baselines")
    assert sorted(entries(root)) == ["test_x.py::test_a", "test_x.py::test_b"]
    result.stdout.fnmatch_lines(["baseline slow_tests.json: created with 2 entries"])
    assert pytester.runpytest().ret == 0
    # 3. tighten: b got fast, a is gone
    write_tests(pytester, slow=[], fast=["b", "c"])
    result = pytester.runpytest("--g6-update-baselines")
    assert entries(root) == {}
    result.stdout.fnmatch_lines(
        [
            "baseline slow_tests.json: dropped test_x.py::test_a (no longer exists)",
            "baseline slow_tests.json: dropped test_x.py::test_b (now *",
        ]
    )
    # 4. a regression is refused without --g6-accept-regressions
    write_tests(pytester, slow=["c"], fast=["b"])
    result = pytester.runpytest("--g6-update-baselines")
    assert result.ret == 1
    assert entries(root) == {}
    assert any(
        "refused regression test_x.py::test_c" in x for x in governance_lines(result.outlines)
    )
    # 5. ... and recorded with it
    result = pytester.runpytest("--g6-update-baselines", "--g6-accept-regressions")
    assert list(entries(root)) == ["test_x.py::test_c"]
    result.stdout.fnmatch_lines(
        ["baseline slow_tests.json: accepted regression test_x.py::test_c*"]
    )
    assert pytester.runpytest().ret == 0


@pytest.mark.slow
def test_partial_run_keeps_entries_of_tests_that_did_not_run(pytester: pytest.Pytester) -> None:
    root = make_project(pytester, CFG)
    write_tests(pytester, slow=["a", "b"], fast=[])
    pytester.runpytest("--g6-update-baselines")
    write_tests(pytester, slow=["a"], fast=["b"])
    pytester.runpytest("--g6-update-baselines", "-k", "test_a")
    assert sorted(entries(root)) == ["test_x.py::test_a", "test_x.py::test_b"]
    pytester.runpytest("--g6-update-baselines", "test_x.py::test_a")
    assert sorted(entries(root)) == ["test_x.py::test_a", "test_x.py::test_b"]
    pytester.runpytest("--g6-update-baselines")
    assert sorted(entries(root)) == ["test_x.py::test_a"]


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        '{"schema_version": 2, "check": "slow_tests", "entries": {}}',
        '{"schema_version": 1, "check": "slow_tests", "entries": {"t.py:12": 1}}',
        '{"schema_version": 1, "check": "slow_tests", "entries": {"t": "slow"}}',
        '{"schema_version": 1, "check": "critical_coverage", "entries": {}}',
        "\udcff",
    ],
)
def test_corrupt_baseline_is_a_g6g000_finding(pytester: pytest.Pytester, content: str) -> None:
    root = make_project(pytester, CFG)
    write_tests(pytester, slow=[], fast=["a"])
    (root / "baselines").mkdir()
    (root / "baselines" / "slow_tests.json").write_bytes(content.encode("utf-8", "surrogateescape"))
    report = root / "r.json"
    result = pytester.runpytest(f"--g6-report={report}", "--g6-update-baselines")
    assert result.ret == 1
    assert "Traceback" not in result.stdout.str()
    lines = governance_lines(result.outlines)
    assert any(x.startswith("G6G000 ERROR baselines/slow_tests.json") for x in lines), lines
    assert read_report(report)["checks"]["slow_tests"]["status"] == "error"
    # a corrupt baseline is never overwritten behind the user's back
    assert (root / "baselines" / "slow_tests.json").read_bytes() == content.encode(
        "utf-8", "surrogateescape"
    )


@pytest.mark.slow
def test_xdist_controller_writes_the_baseline_once(pytester: pytest.Pytester) -> None:
    root = make_project(pytester, CFG)
    write_tests(pytester, slow=["a", "b", "c"], fast=["d", "e"])
    result = pytester.runpytest("-n", "2", "--g6-update-baselines")
    assert result.stdout.str().count("created with 3 entries") == 1
    assert sorted(entries(root)) == [f"test_x.py::test_{n}" for n in "abc"]
    assert pytester.runpytest("-n", "2").ret == 0
    assert not list((root / "baselines").glob(".*"))
