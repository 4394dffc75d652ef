"""deprecations through a real pytest run: a new user's table, warn and enforce, plain and xdist."""

from __future__ import annotations

import subprocess

import pytest

from .helpers import XDIST, governance_lines, make_project, read_report

TABLE = """# Deprecations

| Item | Type | Status | Deprecated Since | Planned Removal | Replacement | Notes |
|------|------|--------|------------------|-----------------|-------------|-------|
| `pkg.util.old_helper` | function | Removed | 0.8.0 | 0.9.0 | `new_helper` | gone |
| `OLD_FLAG` | env | Active | 0.5.0 | R+2 | `NEW_FLAG` | overdue by version |
| `pkg.legacy` | module | Pending Removal | 2020-01-01 | 2021-01-01 | `pkg.modern` | overdue by date |
| `pkg.future` | module | Active | 0.9.0 | 9.0.0 | - | not yet due |
| `pkg.later` | module | Active | 0.9.0 | 2999-01-01 | - | not yet due |
| `scripts/old.sh` | file | Removed | 0.8.0 | 0.9.0 | `make run` | still on disk |
| `pkg.thing` | gizmo | Active | someday | R+1 | - | malformed |
"""


def project(pytester: pytest.Pytester, extra: str = "") -> None:
    make_project(pytester, "[tool.g6gov.deprecations]\n" + extra, version="1.0.0")
    (pytester.path / "DEPRECATIONS.md").write_text(TABLE, encoding="utf-8")
    (pytester.path / "CHANGELOG.md").write_text("- removed old_helper\n", encoding="utf-8")
    pytester.mkdir("pkg")
    (pytester.path / "pkg" / "util.py").write_text(
        "def new_helper():\n    pass\n\n# old_helper is gone, old_helper2 is not it\n"
        "def old_helper2():\n    old_helper()\n",
        encoding="utf-8",
    )
    pytester.mkdir("scripts")
    (pytester.path / "scripts" / "old.sh").write_text("echo hi\n", encoding="utf-8")
    (pytester.path / "notes.txt").write_text("old_helper2 only\n", encoding="utf-8")
    pytester.makepyfile(test_ok="def test_ok():\n    pass\n")


EXPECTED = [
    ("DEP001", "pkg/util.py", 4),
    ("DEP001", "scripts/old.sh", None),
    ("DEP002", "DEPRECATIONS.md", 6),
    ("DEP002", "DEPRECATIONS.md", 7),
    ("DEP003", "DEPRECATIONS.md", 11),
]


def found(report: dict[str, object]) -> list[tuple[str, str, int | None]]:
    checks = report["checks"]
    assert isinstance(checks, dict)
    return sorted(
        {(f["code"], f["path"], f["line"]) for f in checks["deprecations"]["findings"]},
        key=lambda t: (t[0], t[1], t[2] or 0),
    )


@pytest.mark.parametrize("xdist", XDIST)
def test_each_rule_fires_once_where_it_should(pytester: pytest.Pytester, xdist: list[str]) -> None:
    project(pytester)
    report = pytester.path / "r.json"
    result = pytester.runpytest(*xdist, f"--g6-report={report}")
    assert result.ret == 0
    assert found(read_report(report)) == EXPECTED
    lines = governance_lines(result.outlines)
    assert any(x.startswith("DEP001 warning pkg/util.py:4:") for x in lines), lines
    assert not any("notes.txt" in x or "CHANGELOG" in x for x in lines)


def test_enforce_fails_and_git_tree_gives_the_same_findings(pytester: pytest.Pytester) -> None:
    project(pytester)
    subprocess.run(["git", "init", "-q"], cwd=pytester.path, check=True)
    (pytester.path / ".gitignore").write_text("ignored/\n")
    pytester.mkdir("ignored")
    (pytester.path / "ignored" / "x.py").write_text("old_helper()\n")
    report = pytester.path / "r.json"
    result = pytester.runpytest("--g6-enforce", f"--g6-report={report}")
    assert result.ret == 1
    assert found(read_report(report)) == EXPECTED
    assert any(x.startswith("DEP002 ERROR") for x in governance_lines(result.outlines))


def test_release_past_the_version_makes_future_items_due(pytester: pytest.Pytester) -> None:
    project(pytester, "exclude = ['pkg', 'scripts']\n")
    pyproject = pytester.path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('version = "1.0.0"', 'version = "9.0.0"'))
    report = pytester.path / "r.json"
    pytester.runpytest(f"--g6-report={report}")
    codes = found(read_report(report))
    assert ("DEP002", "DEPRECATIONS.md", 8) in codes  # pkg.future: 9.0.0 <= release 9.0.0
    assert ("DEP002", "DEPRECATIONS.md", 9) not in codes  # pkg.later: a date far ahead
    assert not [c for c in codes if c[0] == "DEP001" and c[1].startswith("pkg/")]


def test_a_clean_table_is_silent(pytester: pytest.Pytester) -> None:
    make_project(pytester, "[tool.g6gov.deprecations]\nmode = 'enforce'\n")
    (pytester.path / "DEPRECATIONS.md").write_text(
        TABLE.split("| `pkg.util")[0]
        + "| `pkg.future` | module | Active | 0.9.0 | 9.0.0 | - | fine |\n",
        encoding="utf-8",
    )
    pytester.makepyfile(test_ok="def test_ok():\n    pass\n")
    result = pytester.runpytest()
    assert result.ret == 0
    assert governance_lines(result.outlines) == ["deprecations (enforce): ok"]
