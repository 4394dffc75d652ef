"""Partial runs (SPEC §1): no test ran, or not every test ran, so nothing is judged on
coverage and no baseline entry of a test that did not run is dropped or changed."""

from __future__ import annotations

import json

import pytest

from .helpers import XDIST, make_project, read_report

COV = """[tool.g6gov.critical_coverage]
modules = ["pkg/a.py"]
min_percent = 0
mode = "enforce"
"""
A = "def f(x):\n    if x:\n        return 1\n    return 2\n"
TESTS = "from pkg.a import f\n\n\ndef test_a():\n    assert f(1) == 1\n    assert f(0) == 2\n"


def coverage_project(pytester: pytest.Pytester) -> None:
    make_project(pytester, COV)
    pkg = pytester.mkpydir("pkg")
    (pkg / "a.py").write_text(A)
    pytester.makepyfile(test_a=TESTS)
    baselines = pytester.path / "baselines"
    baselines.mkdir()
    (baselines / "critical_coverage.json").write_text(
        json.dumps(
            {"schema_version": 1, "check": "critical_coverage", "entries": {"pkg/a.py": 100.0}}
        )
    )


def run(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, dict[str, object]]:
    report = pytester.path / "r.json"
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:benchmark", f"--g6-report={report}", *args
    )
    return result, read_report(report)["checks"]["critical_coverage"]


@pytest.mark.slow
@pytest.mark.parametrize("flag", ["--co", "--setup-plan"])
def test_no_test_ran_is_not_a_coverage_regression(pytester: pytest.Pytester, flag: str) -> None:
    """Before: import-time-only coverage of --co read as a COV002 drop, exit 1."""
    coverage_project(pytester)
    full, check = run(pytester)
    assert full.ret == 0 and check["status"] == "ok"
    result, check = run(pytester, flag, "--g6-update-baselines")
    assert result.ret == 0, result.stdout.str()
    assert check["status"] == "skipped"
    assert "no test ran" in str(check["note"])
    entries = json.loads((pytester.path / "baselines" / "critical_coverage.json").read_text())
    assert entries["entries"] == {"pkg/a.py": 100.0}


@pytest.mark.slow
@pytest.mark.parametrize("xdist", XDIST)
def test_collection_error_is_a_partial_run(pytester: pytest.Pytester, xdist: list[str]) -> None:
    coverage_project(pytester)
    pytester.makepyfile(test_broken="import nonexistent_module_xyz\n")
    result, check = run(pytester, "--continue-on-collection-errors", *xdist)
    assert check["status"] == "skipped", check
    assert "collection error" in str(check["note"])
    assert not [f for f in check.get("findings", []) if f["code"] == "COV002"]
    assert result.ret == 1  # the collection error itself, nothing from governance


SLOW = """[tool.g6gov.slow_tests]
threshold_seconds = 0.05
"""
SLOW_TESTS = (
    "import time\n\n\ndef test_slow():\n    time.sleep(0.1)\n\n\ndef test_fast():\n    pass\n"
)


@pytest.mark.parametrize("xdist", XDIST)
def test_collect_only_keeps_slow_baseline(pytester: pytest.Pytester, xdist: list[str]) -> None:
    """Before: `pytest --co --g6-update-baselines` dropped the entry of test_slow."""
    make_project(pytester, SLOW)
    pytester.makepyfile(test_s=SLOW_TESTS)
    pytester.runpytest("--g6-update-baselines", *xdist)
    path = pytester.path / "baselines" / "slow_tests.json"
    before = json.loads(path.read_text())["entries"]
    assert list(before) == ["test_s.py::test_slow"]
    result = pytester.runpytest("--co", "--g6-update-baselines", *xdist)
    assert result.ret == 0
    assert json.loads(path.read_text())["entries"] == before
