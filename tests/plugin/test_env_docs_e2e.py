"""env_docs through a real pytest run: a new user's project, warn and enforce, plain and xdist."""

from __future__ import annotations

import pytest

from .helpers import XDIST, governance_lines, make_project, read_report

DOC = """# Environment

Variables read by the app. See also `G6_OLD_THING` (a cross-reference in prose).

- `G6_HOST` – str – localhost – where to bind; falls back to G6_FALLBACK_HOST (cross-ref)
- G6_PORT - int - 8080 - the port
- `G6_STRIKE_STEP_<INDEX>` – int – 50 – per-index step
- `G6_STALE` – bool – false – nobody reads this
- `G6_HOST` – str – localhost – duplicated entry
- `G6_BROKEN` – only two parts
"""

APP = """
import os

HOST = os.environ.get("G6_HOST", "localhost")
PORT = int(os.getenv("G6_PORT", "8080"))


def step(index: str) -> str | None:
    return os.environ.get(f"G6_STRIKE_STEP_{index}")


SECRET = os.environ["G6_UNDOCUMENTED"]
"""


def project(pytester: pytest.Pytester, extra: str = "") -> None:
    make_project(pytester, "[tool.g6gov.env_docs]\nsources = ['app']\n" + extra)
    pytester.mkdir("docs")
    (pytester.path / "docs" / "env_dict.md").write_text(DOC, encoding="utf-8")
    pytester.mkdir("app")
    (pytester.path / "app" / "main.py").write_text(APP, encoding="utf-8")
    pytester.makepyfile(test_ok="def test_ok():\n    pass\n")


EXPECTED = [
    ("ENV001", "docs/env_dict.md", 9),
    ("ENV002", "app/main.py", 12),
    ("ENV003", "docs/env_dict.md", 8),
    ("ENV004", "docs/env_dict.md", 10),
]


def codes(report: dict[str, object]) -> list[tuple[str, str, int]]:
    checks = report["checks"]
    assert isinstance(checks, dict)
    return sorted((f["code"], f["path"], f["line"]) for f in checks["env_docs"]["findings"])


@pytest.mark.parametrize("xdist", XDIST)
def test_warn_lists_each_rule_with_file_and_line(
    pytester: pytest.Pytester, xdist: list[str]
) -> None:
    project(pytester)
    report = pytester.path / "r.json"
    result = pytester.runpytest(*xdist, f"--g6-report={report}")
    assert result.ret == 0
    assert codes(read_report(report)) == EXPECTED
    lines = governance_lines(result.outlines)
    assert any(
        x.startswith("ENV002 warning app/main.py:12:") and "G6_UNDOCUMENTED" in x for x in lines
    )
    assert "env_docs (warn): 4 findings (warning only)" in lines
    out = result.stdout.str()
    assert "G6_OLD_THING" not in out and "G6_FALLBACK_HOST" not in out


@pytest.mark.parametrize("xdist", XDIST)
def test_enforce_fails_the_run(pytester: pytest.Pytester, xdist: list[str]) -> None:
    project(pytester)
    result = pytester.runpytest(*xdist, "--g6-enforce")
    assert result.ret == 1
    assert "env_docs (enforce): 4 findings (fails the run)" in governance_lines(result.outlines)


def test_a_clean_project_is_silent_and_passes_enforced(pytester: pytest.Pytester) -> None:
    project(pytester, "allow = ['G6_UNDOCUMENTED']\n")
    doc = pytester.path / "docs" / "env_dict.md"
    text = doc.read_text().replace("- `G6_STALE` – bool – false – nobody reads this\n", "")
    text = text.replace("- `G6_HOST` – str – localhost – duplicated entry\n", "")
    doc.write_text(text.replace("- `G6_BROKEN` – only two parts\n", ""))
    result = pytester.runpytest("--g6-enforce")
    assert result.ret == 0
    lines = governance_lines(result.outlines)
    assert lines == ["env_docs (enforce): ok"]


def test_missing_doc_is_g6g000(pytester: pytest.Pytester) -> None:
    project(pytester, "doc = 'docs/nope.md'\nmode = 'enforce'\n")
    report = pytester.path / "r.json"
    result = pytester.runpytest(f"--g6-report={report}")
    assert result.ret == 1
    assert read_report(report)["checks"]["env_docs"]["status"] == "error"
    assert "Traceback" not in result.stdout.str()


def test_report_file_and_hidden_folders_are_never_scanned(pytester: pytest.Pytester) -> None:
    project(pytester, "allow = ['G6_UNDOCUMENTED']\n")
    hidden = pytester.path / "app" / ".cache"
    hidden.mkdir()
    (hidden / "x.py").write_text('X = "G6_HIDDEN_USE"\n')
    venv = pytester.path / "app" / "env1"
    venv.mkdir()
    (venv / "pyvenv.cfg").write_text("home = /usr\n")
    (venv / "y.py").write_text('Y = "G6_VENV_USE"\n')
    report = pytester.path / "app" / "report.py"
    report.write_text('R = "G6_REPORT_USE"\n')  # a previous run's report sits among sources
    result = pytester.runpytest(f"--g6-report={report}")
    assert "G6_REPORT_USE" not in result.stdout.str()
    assert "G6_HIDDEN_USE" not in result.stdout.str()
    assert "G6_VENV_USE" not in result.stdout.str()
