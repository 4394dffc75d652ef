"""Checks contributed by a conftest (``pytest_g6gov_checks``), a crashing check, and the
registry's errors (one line, exit 4, never a traceback), end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import XDIST, governance_lines, make_project, one_error_line, read_report, write

QUIET = ("-p", "no:cacheprovider", "-p", "no:benchmark", "-p", "no:randomly")
TESTS = "def test_a():\n    pass\n"

# A conftest check with its own key: every line holding ``word`` in a *.txt file.
LOCAL = """
from pytest_g6gov.api import Check, Finding, Key


class WordCheck(Check):
    name = "word_check"
    rules = {"WRD001": "a text file holds the forbidden word"}
    keys = {"word": Key("str", "FIXME")}

    def run(self, ctx):
        out = []
        for rel in ctx.file_index().list(["."], suffixes=(".txt",)):
            text = (ctx.root / rel).read_text()
            for number, line in enumerate(text.splitlines(), start=1):
                if ctx.options["word"] in line:
                    out.append(Finding("WRD001", f"{ctx.options['word']} found", rel, number))
        return out
"""
CRASH = """
class Boom(Check):
    name = "boom"
    rules = {"BOOM001": "never reported: run() raises"}

    def run(self, ctx):
        raise RuntimeError("kaput")
"""


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(*QUIET, *args)


def conftest(pytester: pytest.Pytester, body: str, checks: str) -> None:
    write(
        pytester.path, "conftest.py", f"{body}\n\ndef pytest_g6gov_checks():\n    return {checks}\n"
    )


@pytest.mark.slow
@pytest.mark.parametrize("xdist", XDIST)
def test_conftest_check_with_its_own_table(pytester: pytest.Pytester, xdist: list[str]) -> None:
    make_project(pytester, '[tool.g6gov.word_check]\nword = "XXX"\n')
    conftest(pytester, LOCAL, "[WordCheck()]")
    write(pytester.path, "notes.txt", "fine\nan XXX here\nFIXME is not the word\n")
    write(pytester.path, "test_x.py", TESTS)
    report = pytester.path / "r.json"
    result = run(pytester, *xdist, f"--g6-report={report}", "--g6-enforce")
    assert result.ret == 1
    lines = governance_lines(result.outlines)
    assert "WRD001 ERROR notes.txt:2: XXX found" in lines
    assert "word_check (enforce): 1 finding (fails the run)" in lines
    findings = read_report(report)["checks"]["word_check"]["findings"]
    assert findings == [{"code": "WRD001", "message": "XXX found", "path": "notes.txt", "line": 2}]


@pytest.mark.slow
def test_conftest_check_keys_are_validated(pytester: pytest.Pytester) -> None:
    make_project(pytester, '[tool.g6gov.word_check]\nwords = "XXX"\n')
    conftest(pytester, LOCAL, "[WordCheck()]")
    write(pytester.path, "test_x.py", TESTS)
    line = one_error_line(run(pytester))
    assert "[tool.g6gov.word_check] words: unknown key (known keys: " in line
    assert "word" in line.split("known keys:")[1]


@pytest.mark.slow
@pytest.mark.parametrize("xdist", XDIST)
@pytest.mark.parametrize("boom_mode", ["warn", "enforce"])
def test_a_crashing_check_is_one_g6g000(
    pytester: pytest.Pytester, xdist: list[str], boom_mode: str
) -> None:
    make_project(
        pytester,
        f'[tool.g6gov.boom]\nmode = "{boom_mode}"\n'
        '[tool.g6gov.word_check]\nword = "XXX"\n'
        "[tool.g6gov.slow_tests]\nthreshold_seconds = 60\n",
    )
    conftest(pytester, LOCAL + CRASH, "[Boom(), WordCheck()]")
    write(pytester.path, "notes.txt", "XXX\n")
    write(pytester.path, "test_x.py", TESTS)
    report = pytester.path / "r.json"
    result = run(pytester, *xdist, f"--g6-report={report}")
    assert result.ret == (1 if boom_mode == "enforce" else 0)
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    checks = read_report(report)["checks"]
    assert checks["boom"]["status"] == "error"
    assert checks["boom"]["findings"] == [
        {
            "code": "G6G000",
            "message": "check boom failed internally: RuntimeError: kaput",
            "path": None,
            "line": None,
        }
    ]
    assert [f["code"] for f in checks["word_check"]["findings"]] == ["WRD001"]  # still ran
    assert checks["slow_tests"]["status"] == "ok"


BAD_CHECKS = {
    "duplicate name": (
        LOCAL + "\nclass Other(WordCheck):\n    rules = {'OTH001': 'other'}\n",
        "[WordCheck(), Other()]",
        "check 'word_check' is provided twice, by ",
    ),
    "built-in code": (
        LOCAL + "\nclass Env(WordCheck):\n    name = 'env_like'\n    rules = {'ENV001': 'x'}\n",
        "[Env()]",
        "rule code ENV001 is already used by check 'env_docs': choose another code",
    ),
    "bad name": (
        LOCAL + "\nclass Bad(WordCheck):\n    name = 'Bad-Name'\n",
        "[Bad()]",
        "name must be snake_case, e.g. 'my_check'",
    ),
    "missing run": (
        "class NoRun:\n    name = 'no_run'\n    rules = {'NRN001': 'x'}\n    keys = {}\n"
        "    static = True\n    baseline = None\n",
        "[NoRun()]",
        ": needs a run(ctx) method",
    ),
    "hook raises": ("", "1 / 0", "failed: ZeroDivisionError: division by zero"),
    "not a list": ("", "None", "must return a list of checks"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(BAD_CHECKS))
def test_registry_errors_are_one_line(pytester: pytest.Pytester, case: str) -> None:
    body, checks, expected = BAD_CHECKS[case]
    make_project(pytester, '[tool.g6gov.word_check]\nword = "XXX"\n')
    conftest(pytester, body, checks)
    write(pytester.path, "test_x.py", TESTS)
    line = one_error_line(run(pytester))
    assert expected in line
    assert "conftest.py" in line  # who provided it


def fake_dist(site: Path, name: str, module: str, source: str) -> None:
    """A minimal installed distribution with a g6gov entry point to ``module``."""
    info = site / f"{name}-0.1.dist-info"
    write(info, "METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    write(info, "entry_points.txt", f"[g6gov]\n{name} = {module}\n")
    write(site, f"{module}.py", source)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "import no_such_module_here\n",
            "broken (entry point broken = broken_mod) cannot be loaded: ModuleNotFoundError: ",
        ),
        ("X = 1\n", "names no module or object with a pytest_g6gov_checks() function"),
        ("def pytest_g6gov_check():\n    return []\n", "unknown hook 'pytest_g6gov_check'"),
    ],
    ids=["import-fails", "no-hook", "misspelt-hook"],
)
def test_entry_point_errors_are_one_line(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, source: str, expected: str
) -> None:
    site = pytester.path / "site"
    fake_dist(site, "broken", "broken_mod", source)
    monkeypatch.setenv("PYTHONPATH", str(site))
    make_project(pytester, "[tool.g6gov.slow_tests]\n")
    write(pytester.path, "test_x.py", TESTS)
    line = one_error_line(run(pytester))
    assert expected in line
