"""What a run is asked to write: the report path in both option forms, unwritable
baseline folders and report paths (a usage error before tests run, or G6G000 + exit 1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import make_project, read_report

ALWAYS_SLOW = "[tool.g6gov.slow_tests]\nthreshold_seconds = 0.01\n"
TESTS = "import time\n\n\ndef test_slow():\n    time.sleep(0.05)\n"


@pytest.fixture
def elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder in another checkout (it has pytest configuration), the report already there."""
    folder = tmp_path_factory.mktemp("reports")
    (folder / "pyproject.toml").write_text("[tool.pytest.ini_options]\n")
    (folder / "r.json").write_text("{}")
    return folder


@pytest.mark.slow  # runs pytest in a subprocess (the rootdir is decided at its start)
def test_report_path_space_form_existing_file(pytester: pytest.Pytester, elsewhere: Path) -> None:
    """Before: pytest took the existing report file for a test path, moved rootdir to its
    folder, and governance silently turned off (exit 0)."""
    make_project(pytester, ALWAYS_SLOW)
    pytester.makepyfile(test_x=TESTS)
    report = elsewhere / "r.json"
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--g6-report", str(report))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if "g6gov" in line]
    assert len(lines) == 1 and f"--g6-report={report}" in lines[0]


@pytest.mark.slow  # runs pytest in subprocesses
@pytest.mark.parametrize("form", ["space", "equals"])
def test_report_path_forms_that_work(pytester: pytest.Pytester, form: str) -> None:
    make_project(pytester, ALWAYS_SLOW)
    pytester.makepyfile(test_x=TESTS)
    report = pytester.path / "out" / "r.json"
    args = ["--g6-report", str(report)] if form == "space" else [f"--g6-report={report}"]
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)
    assert result.ret == 0
    assert read_report(report)["checks"]["slow_tests"]["status"] == "findings"
    if form == "space":  # now the file exists: the same command again still works
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)
        assert result.ret in (0, pytest.ExitCode.USAGE_ERROR)
        assert "Traceback" not in result.stderr.str()


def test_unwritable_baseline_dir_is_a_usage_error(pytester: pytest.Pytester) -> None:
    """Before: "created with N entries", then "cannot write", exit 0."""
    make_project(pytester, '[tool.g6gov]\nbaseline_dir = "pyproject.toml/base"\n' + ALWAYS_SLOW)
    pytester.makepyfile(test_x=TESTS)
    result = pytester.runpytest("--g6-update-baselines")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "baseline folder" in err and "baseline_dir" in err
    assert "created" not in result.stdout.str()
    assert "passed" not in result.stdout.str()  # no test ran


def test_unwritable_report_path_is_a_usage_error(pytester: pytest.Pytester) -> None:
    make_project(pytester, ALWAYS_SLOW)
    pytester.makepyfile(test_x=TESTS)
    (pytester.path / "afile").write_text("")
    result = pytester.runpytest("--g6-report=afile/r.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--g6-report" in result.stderr.str()
    assert "passed" not in result.stdout.str()


BREAKS_BASELINES = """
import os
import shutil
import time


def test_slow_and_breaking():
    time.sleep(0.05)
    shutil.rmtree("baselines")
    os.symlink("/proc/self/fdinfo", "baselines")  # reads as empty, refuses every write
"""


def test_baseline_write_failing_at_the_end_fails_the_run(pytester: pytest.Pytester) -> None:
    """The folder was writable at the start and refuses the write at the end."""
    make_project(pytester, ALWAYS_SLOW)
    pytester.makepyfile(test_x=BREAKS_BASELINES)
    report = pytester.path / "r.json"
    result = pytester.runpytest("--g6-update-baselines", f"--g6-report={report}")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    check = read_report(report)["checks"]["slow_tests"]
    assert check["status"] == "error"
    assert any(f["code"] == "G6G000" and "cannot write" in f["message"] for f in check["findings"])
    assert "created" not in result.stdout.str()
