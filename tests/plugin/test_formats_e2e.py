"""CI formats through real pytest runs, plain and xdist: --g6-sarif (validated against the
official SARIF 2.1.0 schema), GitHub annotations and the step summary, and the checks as
testcases of --junitxml."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from .helpers import XDIST, make_project, write
from .sarif_helpers import read_sarif

GOV = """
[tool.g6gov.env_docs]
sources = ["app"]
mode = "enforce"

[tool.g6gov.slow_tests]
threshold_seconds = 0.15

[tool.g6gov.house]
"""

CONFTEST = """
from pytest_g6gov.api import Check, Finding


class House(Check):
    name = "house"
    rules = {"HSE001": "a house rule"}

    def run(self, ctx):
        return [Finding("HSE001", "100% odd: a, b\\nsecond line")]


def pytest_g6gov_checks():
    return [House()]
"""

TESTS = "import time\n\n\ndef test_ok():\n    pass\n\n\ndef test_slow():\n    time.sleep(0.3)\n"
SLOW_LINE = 8
ANNOTATIONS = [
    "::error file=app/main.py,line=3,title=ENV002::",
    "::warning file=test_x.py,line=8,title=SLOW001::",
    "::warning title=HSE001::100%25 odd: a, b%0Asecond line",
]


def project(pytester: pytest.Pytester, gov: str = GOV) -> Path:
    root = make_project(pytester, gov)
    write(root, "docs/env_dict.md", "# Environment\n\n- `G6_HOST` – str – localhost – where\n")
    write(root, "app/main.py", 'import os\nHOST = os.getenv("G6_HOST")\nX = os.environ["G6_X"]\n')
    write(root, "conftest.py", CONFTEST)
    write(root, "test_x.py", TESTS)
    return root


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", *args)


def annotation_lines(result: pytest.RunResult) -> list[str]:
    return [line for line in result.outlines if line.startswith("::")]


def results_by_rule(log: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["ruleId"]: r for r in log["runs"][0]["results"]}


@pytest.mark.slow  # pytest in a subprocess
@pytest.mark.parametrize("xdist", XDIST)
def test_sarif_file(pytester: pytest.Pytester, xdist: list[str]) -> None:
    root = project(pytester)
    result = run(pytester, *xdist, "--g6-sarif=out/g6.sarif")
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # env_docs enforces
    log = read_sarif(root / "out" / "g6.sarif")
    rules = {r["id"]: r["properties"]["check"] for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["ENV002"] == "env_docs" and rules["HSE001"] == "house"
    assert rules["SLOW001"] == "slow_tests" and rules["G6G000"] == "g6gov"
    got = {
        code: (
            r["level"],
            [
                (
                    loc["physicalLocation"]["artifactLocation"],
                    loc["physicalLocation"].get("region"),
                )
                for loc in r.get("locations", [])
            ],
        )
        for code, r in results_by_rule(log).items()
    }
    src = "%SRCROOT%"
    toml = (root / "pyproject.toml").read_text("utf-8").splitlines()
    house_line = toml.index("[tool.g6gov.house]") + 1
    assert got == {
        "ENV002": ("error", [({"uri": "app/main.py", "uriBaseId": src}, {"startLine": 3})]),
        "SLOW001": (
            "warning",
            [({"uri": "test_x.py", "uriBaseId": src}, {"startLine": SLOW_LINE})],
        ),
        "HSE001": (  # no path: placed at its check's table
            "warning",
            [({"uri": "pyproject.toml", "uriBaseId": src}, {"startLine": house_line})],
        ),
    }
    assert results_by_rule(log)["HSE001"]["message"]["text"] == "100% odd: a, b\nsecond line"
    base = log["runs"][0]["originalUriBaseIds"][src]["uri"]
    assert base == root.resolve().as_uri() + "/"


REMOVED = """# Deprecations

| Item | Type | Status | Deprecated Since | Planned Removal | Replacement | Notes | Owner |
|------|------|--------|------------------|-----------------|-------------|-------|-------|
| `pkg.util.old_helper` | function | Removed | 0.8.0 | 0.9.0 | `new_helper` | gone | core |
"""


@pytest.mark.slow  # pytest in subprocesses
def test_sarif_file_is_never_scanned(pytester: pytest.Pytester) -> None:
    """The SARIF file quotes the finding (the removed name); the next run must not report
    the SARIF file itself, while a copy of it under another name is reported."""
    root = make_project(pytester, "[tool.g6gov.deprecations]\n")
    write(root, "DEPRECATIONS.md", REMOVED)
    write(root, "pkg/app.py", "from pkg.util import old_helper\n")
    write(root, "test_x.py", "def test_ok():\n    pass\n")
    sarif = root / "g6.sarif"
    run(pytester, f"--g6-sarif={sarif}")
    assert "pkg.util.old_helper" in sarif.read_text("utf-8")
    run(pytester, f"--g6-sarif={sarif}")
    uris = sorted(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in read_sarif(sarif)["runs"][0]["results"]
    )
    assert uris == ["pkg/app.py"]
    shutil.copy(sarif, root / "copy.sarif")
    run(pytester, f"--g6-sarif={sarif}")
    uris = sorted(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in read_sarif(sarif)["runs"][0]["results"]
    )
    assert uris == ["copy.sarif", "pkg/app.py"]


@pytest.mark.slow  # pytest in a subprocess
@pytest.mark.parametrize("xdist", XDIST)
def test_annotations_and_step_summary_under_github_actions(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, xdist: list[str]
) -> None:
    project(pytester)
    summary = pytester.path / "step-summary.md"
    summary.write_text("## earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = run(pytester, *xdist)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    lines = annotation_lines(result)
    assert len(lines) == len(ANNOTATIONS)
    assert all(line.startswith(want) for line, want in zip(lines, ANNOTATIONS, strict=True))
    text = summary.read_text("utf-8")
    assert text.startswith("## earlier step\n")
    assert "| env_docs | enforce | findings | 1 | 0 |" in text
    assert "| house | warn | findings | 1 | 0 |" in text
    assert "enforcing check(s) with findings: env_docs" in text
    assert text.count("| check | mode | status | findings | suppressed |") == 1


@pytest.mark.slow  # pytest in subprocesses
def test_no_annotations_outside_github_actions(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    project(pytester)
    summary = pytester.path / "step-summary.md"
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = run(pytester)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert annotation_lines(result) == []
    assert not summary.exists()
    monkeypatch.setenv("GITHUB_ACTIONS", "false")
    assert annotation_lines(run(pytester)) == []
    flagged = run(pytester, "--g6-annotations")  # asked for: printed anywhere
    assert [line.split("::")[1] for line in annotation_lines(flagged)] == [
        a.split("::")[1] for a in ANNOTATIONS
    ]
    assert summary.exists()  # GITHUB_STEP_SUMMARY is set, and annotations are on


def junit_cases(path: Path) -> tuple[ET.Element, dict[str, ET.Element]]:
    suite = ET.parse(path).getroot().find("testsuite")
    assert suite is not None
    cases = {c.get("name", ""): c for c in suite.iter("testcase") if c.get("classname") == "g6gov"}
    return suite, cases


@pytest.mark.slow  # pytest in a subprocess
@pytest.mark.parametrize("xdist", XDIST)
def test_junitxml_has_a_testcase_per_check(pytester: pytest.Pytester, xdist: list[str]) -> None:
    project(pytester)
    junit = pytester.path / "out" / "junit.xml"
    result = run(pytester, *xdist, f"--junitxml={junit}", "-o", "junit_logging=system-out")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    suite, cases = junit_cases(junit)
    assert sorted(cases) == ["env_docs", "house", "slow_tests"]
    # two tests and three checks, each counted once (under -n 2 too); one failure
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("5", "1", "0")
    failure = cases["env_docs"].find("failure")
    assert failure is not None
    message = failure.get("message", "")
    assert "env_docs (enforce): 1 finding (fails the run)" in message
    assert "ENV002 ERROR app/main.py:3:" in message and "G6_X" in message
    for name in ("house", "slow_tests"):
        assert cases[name].find("failure") is None and cases[name].find("error") is None
    out = cases["house"].find("system-out")
    assert out is not None and "HSE001 warning 100% odd" in (out.text or "")


@pytest.mark.slow  # pytest in a subprocess
def test_junitxml_all_green_when_nothing_enforces(pytester: pytest.Pytester) -> None:
    project(pytester, GOV.replace('mode = "enforce"', 'mode = "warn"'))
    junit = pytester.path / "junit.xml"
    result = run(pytester, f"--junitxml={junit}")
    assert result.ret == pytest.ExitCode.OK
    suite, cases = junit_cases(junit)
    assert sorted(cases) == ["env_docs", "house", "slow_tests"]
    assert suite.get("failures") == "0" and suite.get("tests") == "5"


@pytest.fixture
def elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder in another checkout (it has pytest configuration), a SARIF file already there."""
    folder = tmp_path_factory.mktemp("sarif")
    (folder / "pyproject.toml").write_text("[tool.pytest.ini_options]\n")
    (folder / "g6.sarif").write_text("{}")
    return folder


@pytest.mark.slow  # pytest in a subprocess (the rootdir is decided at its start)
def test_sarif_space_form_does_not_move_rootdir(pytester: pytest.Pytester, elsewhere: Path) -> None:
    project(pytester)
    target = elsewhere / "g6.sarif"
    result = run(pytester, "--g6-sarif", str(target))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if "g6gov" in line]
    assert len(lines) == 1 and f"--g6-sarif={target}" in lines[0]
    assert target.read_text() == "{}"


@pytest.mark.slow  # pytest in a subprocess
def test_sarif_space_form_inside_the_project_works(pytester: pytest.Pytester) -> None:
    root = project(pytester)
    result = run(pytester, "--g6-sarif", "g6.sarif")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert "ENV002" in results_by_rule(read_sarif(root / "g6.sarif"))


def test_unwritable_sarif_path_is_a_usage_error(pytester: pytest.Pytester) -> None:
    project(pytester)
    (pytester.path / "afile").write_text("")
    result = pytester.runpytest("--g6-sarif=afile/g6.sarif")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "--g6-sarif" in err and "cannot be written" in err
    assert "passed" not in result.stdout.str()  # no test ran


BREAKS_SARIF = """
import pathlib
import shutil


def test_breaking():
    shutil.rmtree("out")
    pathlib.Path("out").write_text("now a file")
"""


@pytest.mark.slow  # pytest in a subprocess
def test_sarif_write_failing_at_the_end_fails_the_run(pytester: pytest.Pytester) -> None:
    """The folder was writable at the start; a file stands in its place at the end."""
    make_project(pytester, "[tool.g6gov.house]\n")
    write(pytester.path, "conftest.py", CONFTEST)
    write(pytester.path, "test_x.py", BREAKS_SARIF)
    junit = pytester.path / "junit.xml"
    result = run(pytester, "--g6-sarif=out/g6.sarif", f"--junitxml={junit}")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert "g6gov: cannot write SARIF file" in result.stdout.str()
    suite, cases = junit_cases(junit)
    failure = cases["write-outputs"].find("failure")
    assert failure is not None and "cannot write SARIF file" in failure.get("message", "")
    assert cases["house"].find("failure") is None and suite.get("failures") == "1"


def test_flags_without_a_table_say_so(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_x="def test_ok():\n    pass\n")
    for flag in ("--g6-sarif=g6.sarif", "--g6-annotations"):
        result = pytester.runpytest(flag)
        assert result.ret == pytest.ExitCode.OK
        result.stdout.fnmatch_lines(["*--g6-* option given*no [[]tool.g6gov[]] table*"])
    assert not (pytester.path / "g6.sarif").exists()
