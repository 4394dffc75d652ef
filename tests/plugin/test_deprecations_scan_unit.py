"""Unit tests of the ``deprecations`` check's scan: G6G000 on the file, DEP003 through the
check, and DEP001 for undotted items, files and what is never scanned."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pytest_g6gov.checks.deprecation_table import parse_deprecations
from pytest_g6gov.checks.deprecations import scan_references

from .dep_helpers import check, codes, removed_project, row, table
from .helpers import write

# --------------------------------------------------------------------------- G6G000 and DEP003


def test_missing_deprecations_file_is_g6g000_naming_file_and_fix(tmp_path: Path) -> None:
    (finding,) = check(tmp_path)
    assert (finding.code, finding.path, finding.line) == ("G6G000", "DEPRECATIONS.md", None)
    assert "does not exist" in finding.message and "`file`" in finding.message


def test_custom_file_option_is_used_and_named(tmp_path: Path) -> None:
    (finding,) = check(tmp_path, file="docs/deprecations.md")
    assert finding.path == "docs/deprecations.md"
    write(tmp_path, "docs/deprecations.md", table(row()))
    assert check(tmp_path, file="./docs/deprecations.md") == []


def test_undecodable_deprecations_file_is_g6g000_at_its_line(tmp_path: Path) -> None:
    write(tmp_path, "DEPRECATIONS.md", table(row()).encode() + b"| \xff\xfe |\n")
    (finding,) = check(tmp_path)
    assert (finding.code, finding.line) == ("G6G000", 6)
    assert "UTF-8" in finding.message


def test_deprecations_path_that_is_a_folder_is_g6g000(tmp_path: Path) -> None:
    (tmp_path / "DEPRECATIONS.md").mkdir()
    assert codes(check(tmp_path)) == ["G6G000"]


def test_dep003_findings_come_through_the_check(tmp_path: Path) -> None:
    write(tmp_path, "DEPRECATIONS.md", table(row(status="Gone")))
    (finding,) = check(tmp_path)
    assert (finding.code, finding.path, finding.line) == ("DEP003", "DEPRECATIONS.md", 5)


def test_clean_project_has_no_findings(tmp_path: Path) -> None:
    removed_project(
        tmp_path,
        row("pkg.old_func", status="Removed", since="1.0.0", removal="1.2.0"),
        row("pkg.new_thing", status="Active", since="1.5.0", removal="R+3"),
    )
    write(tmp_path, "pkg/mod.py", "def new_func():\n    return 1\n")
    assert check(tmp_path) == []


# --------------------------------------------------------------------------- DEP001


def test_dep001_one_finding_per_item_per_file_at_first_line(tmp_path: Path) -> None:
    removed_project(tmp_path, row("`pkg.mod.old_func`", status="Removed", removal="1.5.0"))
    write(tmp_path, "pkg/a.py", "import x\n\nfrom pkg.mod import old_func\nold_func()\n")
    write(tmp_path, "docs/guide.md", "Call `pkg.mod.old_func` no more.\n")
    write(tmp_path, "pkg/b.py", "nothing here\n")
    findings = check(tmp_path)
    assert [(f.code, f.path, f.line) for f in findings] == [
        ("DEP001", "docs/guide.md", 1),
        ("DEP001", "pkg/a.py", 3),
    ]
    assert "remove the remaining reference" in findings[0].message
    assert "restore the item's status" in findings[0].message


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("old_func2 = 1\nmy_old_func()\nold_funcs\n_old_func\nold_func_x\nOLD_FUNC\n", None),
        ("x = old_func2\nold_func(1)\n", 2),
        ("a.old_func\n", 1),
        ("\n\n(old_func)", 3),
        ("é old_func-é\n", 1),
        ("héold_func\n", 1),
    ],
)
def test_dep001_matches_whole_words_only(tmp_path: Path, source: str, line: int | None) -> None:
    removed_project(tmp_path, row("old_func", status="Removed"))
    write(tmp_path, "src/x.py", source)
    assert [f.line for f in check(tmp_path)] == ([] if line is None else [line])


def test_dep001_env_items_match_the_whole_name(tmp_path: Path) -> None:
    removed_project(tmp_path, row("`G6_OLD_MODE`", "env", "Removed", "2025-01-01", "2025-06-01"))
    write(tmp_path, "a.py", 'os.environ["G6_OLD_MODE_X"]\n')
    write(tmp_path, "b.py", 'x = 1\nos.environ.get("G6_OLD_MODE")\n')
    assert [(f.path, f.line) for f in check(tmp_path)] == [("b.py", 2)]


def test_dep001_non_word_items(tmp_path: Path) -> None:
    removed_project(tmp_path, row("`--legacy-flag`", "cli", "Removed"))
    write(tmp_path, "a.md", "use --legacy-flagged\n")
    write(tmp_path, "b.md", "\nrun `g6 simulate --legacy-flag`\n")
    assert [(f.path, f.line) for f in check(tmp_path)] == [("b.md", 2)]


def test_dep001_file_item_that_still_exists(tmp_path: Path) -> None:
    removed_project(tmp_path, row("`scripts/old_tool.py`", "file", "Removed"))
    write(tmp_path, "scripts/old_tool.py", "print('hi')\n")
    (finding,) = check(tmp_path)
    assert (finding.code, finding.path, finding.line) == ("DEP001", "scripts/old_tool.py", None)
    assert "still exists" in finding.message


def test_dep001_file_item_that_is_referenced(tmp_path: Path) -> None:
    removed_project(tmp_path, row("./scripts/old_tool.py", "file", "Removed"))
    write(tmp_path, "README.md", "Intro\n\nRun scripts/old_tool.py.\nAgain scripts/old_tool.py\n")
    write(tmp_path, "other.md", "scripts/old_tool.pyc and myscripts/old_tool.py\n")
    assert [(f.path, f.line) for f in check(tmp_path)] == [("README.md", 3)]


def test_dep001_file_item_gone_and_unreferenced_is_silent(tmp_path: Path) -> None:
    removed_project(tmp_path, row("scripts/old_tool.py", "file", "Removed"))
    write(tmp_path, "scripts/new_tool.py", "print('new')\n")
    assert check(tmp_path) == []


def test_dep001_file_item_outside_root_is_not_checked_for_existence(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("x")
    root = tmp_path / "project"
    removed_project(root, row("../outside.txt", "file", "Removed"))
    assert check(root) == []


def test_dep001_only_removed_items_are_searched(tmp_path: Path) -> None:
    removed_project(
        tmp_path,
        row("pkg.active_func", status="Active"),
        row("pkg.pending_func", status="Pending Removal"),
    )
    write(tmp_path, "a.py", "active_func()\npending_func()\n")
    assert check(tmp_path) == []


def test_dep001_items_sharing_a_name_each_get_a_finding(tmp_path: Path) -> None:
    removed_project(
        tmp_path,
        row("a.mod.helper", status="Removed"),
        row("b.mod.helper", status="Removed"),
        row("helper", status="Removed"),
    )
    write(tmp_path, "x.py", "from a.mod import helper\nimport b.mod\nb.mod.helper()\n")
    findings = check(tmp_path)
    assert [(f.code, f.path, f.line) for f in findings] == [("DEP001", "x.py", 1)] * 2 + [
        ("DEP001", "x.py", 3)
    ]
    assert "a.mod.helper" in findings[0].message and "helper (function)" in findings[1].message
    assert "b.mod.helper" in findings[2].message


@pytest.mark.parametrize("count", [1, 5, 40])
def test_dep001_same_results_for_few_and_many_items(tmp_path: Path, count: int) -> None:
    names = [f"gone_{i}" for i in range(count)]
    removed_project(tmp_path, *(row(n, status="Removed") for n in names))
    write(tmp_path, "a.py", f"x = 1\ny = {names[-1]}\nz = {names[0]}_kept\n")
    write(tmp_path, "b.py", f"{names[0]}2 = 1\n")
    assert [(f.path, f.line) for f in check(tmp_path)] == [("a.py", 2)]


@pytest.mark.parametrize(
    ("rel", "options", "never_scan"),
    [
        ("CHANGELOG.md", {}, ()),
        ("CHANGELOG.rst", {}, ()),
        ("docs/HISTORY.md", {}, ()),
        ("NEWS", {}, ()),
        ("build/lib/x.py", {}, ()),
        ("baselines/deprecations.json", {}, ()),
        ("vendor/lib.py", {"exclude": ["vendor"]}, ()),
        ("gen/a_pb2.py", {"exclude": ["gen/*_pb2.py"]}, ()),
        (".git/HEAD", {}, ()),
        (".venv/lib/x.py", {}, ()),
        ("env/lib/x.py", {}, ()),
        ("src/__pycache__/x.py", {}, ()),
        ("report.json", {}, ("report.json",)),
        ("tests/x.py", {"paths": ["src"]}, ()),
    ],
)
def test_dep001_excluded_files_are_not_scanned(
    tmp_path: Path, rel: str, options: dict[str, Any], never_scan: tuple[str, ...]
) -> None:
    removed_project(tmp_path, row("old_func", status="Removed"))
    write(tmp_path, "env/pyvenv.cfg", "home = /usr\n")
    write(tmp_path, rel, "old_func()\n")
    write(tmp_path, "src/ok.py", "new_func()\n")
    assert check(tmp_path, never_scan=never_scan, **options) == []


def test_dep001_the_deprecations_file_itself_is_not_scanned(tmp_path: Path) -> None:
    write(tmp_path, "docs/deps.md", table(row("pkg.old_func", status="Removed")))
    write(tmp_path, "docs/other.md", "pkg.old_func\n")
    findings = check(tmp_path, file="docs/deps.md")
    assert [(f.path, f.line) for f in findings] == [("docs/other.md", 1)]


@pytest.mark.parametrize(
    "content",
    [
        b"\x00\x01old_func\x02",
        b"old_func " + b"\x00" * 10,
        b"old_func \xff\xfe broken utf-8\n",
    ],
)
def test_dep001_binary_and_undecodable_files_are_skipped(tmp_path: Path, content: bytes) -> None:
    removed_project(tmp_path, row("old_func", status="Removed"))
    write(tmp_path, "blob.bin", content)
    assert check(tmp_path) == []


def test_dep001_nul_after_the_probe_window_still_counts_as_text(tmp_path: Path) -> None:
    removed_project(tmp_path, row("old_func", status="Removed"))
    write(tmp_path, "big.txt", b"x\n" * 5000 + b"old_func\n\x00")
    assert [(f.path, f.line) for f in check(tmp_path)] == [("big.txt", 5001)]


def test_vanished_files_and_odd_items_never_crash(tmp_path: Path) -> None:
    removed_project(
        tmp_path,
        row("old_func", status="Removed"),
        row("odd\x00name", "file", "Removed"),
    )
    write(tmp_path, "a.py", "old_func\n")
    assert [(f.path, f.line) for f in check(tmp_path)] == [("a.py", 1)]
    rows = parse_deprecations(table(row("old_func", status="Removed")), "D.md").rows
    found = scan_references(tmp_path, ["gone.py", "a.py", "\x00"], rows, "D.md")
    assert [(f.path, f.line) for f in found] == [("a.py", 1)]


def test_findings_are_sorted_by_path_line_code_message(tmp_path: Path) -> None:
    removed_project(
        tmp_path,
        row("zeta", status="Removed"),
        row("alpha", status="Removed"),
        row("pkg.overdue", removal="1.0.0"),
        row("pkg.broken", status="Nope"),
    )
    write(tmp_path, "b.py", "zeta\nalpha\n")
    write(tmp_path, "a.py", "alpha zeta\n")
    findings = check(tmp_path)
    assert [(f.code, f.path, f.line) for f in findings] == [
        ("DEP002", "DEPRECATIONS.md", 7),
        ("DEP003", "DEPRECATIONS.md", 8),
        ("DEP001", "a.py", 1),
        ("DEP001", "a.py", 1),
        ("DEP001", "b.py", 1),
        ("DEP001", "b.py", 2),
    ]
    assert findings == check(tmp_path)
