"""deprecations through a real pytest run: a new user's table, warn and enforce, plain and xdist."""

from __future__ import annotations

import subprocess

import pytest

from .helpers import XDIST, governance_lines, make_project, read_report

TABLE = """# Deprecations

| Item | Type | Status | Deprecated Since | Planned Removal | Replacement | Notes | Owner |
|------|------|--------|------------------|-----------------|-------------|-------|-------|
| `pkg.util.old_helper` | function | Removed | 0.8.0 | 0.9.0 | `new_helper` | gone | core |
| `OLD_FLAG` | env | Active | 0.5.0 | R+2 | `NEW_FLAG` | overdue by version |
| `pkg.legacy` | module | Pending Removal | 2020-01-01 | 2021-01-01 | `pkg.modern` | overdue by date |
| `pkg.future` | module | Active | 0.9.0 | 9.0.0 | - | not yet due | core |
| `pkg.later` | module | Active | 0.9.0 | 2999-01-01 | - | not yet due |
| `scripts/old.sh` | file | Removed | 0.8.0 | 0.9.0 | `make run` | still on disk |
| `pkg.thing` | gizmo | Active | someday | R+1 | - | malformed |
| `pkg.someday` | function | Active | 0.9.0 | TBD | - | no date yet |
"""

MENTION = "- removed pkg.util.old_helper\n"


def project(pytester: pytest.Pytester, extra: str = "") -> None:
    make_project(pytester, "[tool.g6gov.deprecations]\n" + extra, version="1.0.0")
    files = {
        "DEPRECATIONS.md": TABLE,
        # changelogs of every spelling record the removal and are never scanned
        "CHANGELOG.md": MENTION,
        "CHANGELOG.rst": MENTION,
        "CHANGES.txt": MENTION,
        "HISTORY.md": MENTION,
        "NEWS": MENTION,
        "docs/changelog.md": MENTION,
        # the same last name, another module: no reference
        "pkg/util.py": "import json\n\n\ndef new_helper():\n    return json.old_helper\n\n\n"
        "def old_helper2():\n    # old_helper is gone\n    old_helper()\n",
        # an import of the removed function: a reference at its line
        "pkg/app.py": "import os\n\nfrom pkg.util import old_helper as helper\n",
        "docs/guide.rst": "Intro.\n\nDo not call ``pkg.util.old_helper``.\n",
        "notes.txt": "old_helper2 only, and util.old_helper\n",
        # a package named build below the top is scanned; the rootdir's build/ is not
        "src/build/steps.py": "import pkg.util\n\n\npkg.util.old_helper()\n",
        "build/lib/pkg/app.py": "from pkg.util import old_helper\n",
        "dist/notes.txt": "pkg.util.old_helper\n",
        "scripts/old.sh": "echo hi\n",
    }
    for rel, text in files.items():
        path = pytester.path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    pytester.makepyfile(test_ok="def test_ok():\n    pass\n")


EXPECTED = [
    ("DEP001", "docs/guide.rst", 3),
    ("DEP001", "pkg/app.py", 3),
    ("DEP001", "scripts/old.sh", None),
    ("DEP001", "src/build/steps.py", 4),
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
    assert any(x.startswith("DEP001 warning pkg/app.py:3:") for x in lines), lines
    assert not any("notes.txt" in x or "CHANGELOG" in x or "util.py" in x for x in lines)
    findings = read_report(report)["checks"]["deprecations"]["findings"]
    assert sorted(f["message"].split(" is ")[0] for f in findings if f["code"] == "DEP003") == [
        "`pkg.thing`: Deprecated Since 'someday'",
        "`pkg.thing`: Type 'gizmo'",
    ]


def test_enforce_fails_and_git_tree_gives_the_same_findings(pytester: pytest.Pytester) -> None:
    project(pytester)
    subprocess.run(["git", "init", "-q"], cwd=pytester.path, check=True)
    (pytester.path / ".gitignore").write_text("ignored/\n")
    pytester.mkdir("ignored")
    (pytester.path / "ignored" / "x.py").write_text("from pkg.util import old_helper\n")
    report = pytester.path / "r.json"
    result = pytester.runpytest("--g6-enforce", f"--g6-report={report}")
    assert result.ret == 1
    assert found(read_report(report)) == EXPECTED
    assert any(x.startswith("DEP002 ERROR") for x in governance_lines(result.outlines))


def test_release_past_the_version_makes_future_items_due(pytester: pytest.Pytester) -> None:
    project(pytester, "exclude = ['pkg', 'scripts', 'src']\n")
    pyproject = pytester.path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('version = "1.0.0"', 'version = "9.0.0"'))
    report = pytester.path / "r.json"
    pytester.runpytest(f"--g6-report={report}")
    codes = found(read_report(report))
    assert ("DEP002", "DEPRECATIONS.md", 8) in codes  # pkg.future: 9.0.0 <= release 9.0.0
    assert ("DEP002", "DEPRECATIONS.md", 9) not in codes  # pkg.later: a date far ahead
    assert ("DEP002", "DEPRECATIONS.md", 12) not in codes  # pkg.someday: TBD is never due
    assert not [c for c in codes if c[0] == "DEP001" and c[1].startswith(("pkg/", "src/"))]


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
