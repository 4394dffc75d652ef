"""Unit tests of the ``deprecations`` check: the table parser, DEP001–DEP003 and G6G000."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.version import Version

from pytest_g6gov.checks import CheckContext
from pytest_g6gov.checks.deprecation_table import (
    EXPECTED_HEADER,
    STATUSES,
    TYPES,
    DeprecationTable,
    parse_deprecations,
)
from pytest_g6gov.checks.deprecations import run, scan_references
from pytest_g6gov.findings import Finding, InputError

HEADER = "| Item | Type | Status | Deprecated Since | Planned Removal | Replacement | Notes |"
SEPARATOR = "|---|---|---|---|---|---|---|"
TODAY = date(2026, 6, 15)
RELEASE = Version("1.6.0")


def table(*rows: str, prose: str = "# Deprecations\n\n") -> str:
    return prose + "\n".join([HEADER, SEPARATOR, *rows]) + "\n"


def row(
    item: str = "`pkg.mod.old_func`",
    kind: str = "function",
    status: str = "Active",
    since: str = "1.4.0",
    removal: str = "",
    replacement: str = "`pkg.mod.new_func`",
    notes: str = "",
) -> str:
    return f"| {item} | {kind} | {status} | {since} | {removal} | {replacement} | {notes} |"


def write(root: Path, rel: str, content: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def check(
    root: Path,
    *,
    release: Version | None = RELEASE,
    today: date = TODAY,
    never_scan: Sequence[str] = (),
    **options: Any,
) -> list[Finding]:
    opts: Mapping[str, Any] = {"file": "DEPRECATIONS.md", "paths": ["."], "exclude": [], **options}
    return run(CheckContext(root, opts, release, today, frozenset(never_scan)))


def codes(findings: Sequence[Finding]) -> list[str]:
    return [f.code for f in findings]


def removed_project(root: Path, *rows: str) -> None:
    write(root, "DEPRECATIONS.md", table(*rows))


# --------------------------------------------------------------------------- parser


def test_parser_reads_a_well_formed_table() -> None:
    text = table(
        row(),
        row("G6_OLD_FLAG", "env", "Pending Removal", "2026-01-01", "2026-12-31", "", "use X"),
        row("scripts/old.py", "file", "Removed", "1.2", "1.3.0"),
    )
    parsed = parse_deprecations(text, "DEPRECATIONS.md")
    assert parsed.findings == ()
    assert parsed.header_line == 3
    first, env, old_file = parsed.rows
    assert (first.item, first.type, first.status) == ("pkg.mod.old_func", "function", "Active")
    assert first.since == Version("1.4.0") and first.removal is None
    assert first.replacement == "`pkg.mod.new_func`" and first.line == 5
    assert first.term == "pkg.mod.old_func"
    assert env.since == date(2026, 1, 1) and env.removal == date(2026, 12, 31)
    assert env.term == "G6_OLD_FLAG" and env.notes == "use X" and env.line == 6
    assert old_file.term == "scripts/old.py" and old_file.removal == Version("1.3.0")


@pytest.mark.parametrize(
    ("since", "removal", "expected"),
    [
        ("1.4.0", "R+2", "1.6.0"),
        ("1.4.3", "R+1", "1.5.0"),
        ("2", "R+3", "2.3.0"),
        ("1.9.0rc1", "R+1", "1.10.0"),
        ("1!1.4.0", "R+1", "1!1.5.0"),
    ],
)
def test_r_plus_n_counts_minor_releases_after_deprecated_since(
    since: str, removal: str, expected: str
) -> None:
    parsed = parse_deprecations(table(row(since=since, removal=removal)), "D.md")
    assert parsed.findings == ()
    assert parsed.rows[0].removal == Version(expected)
    assert parsed.rows[0].removal_text == removal


def test_r_plus_n_after_a_date_is_dep003() -> None:
    parsed = parse_deprecations(table(row(since="2026-03-01", removal="R+2")), "D.md")
    assert parsed.rows == ()
    (finding,) = parsed.findings
    assert (finding.code, finding.path, finding.line) == ("DEP003", "D.md", 5)
    assert "'R+2'" in finding.message and "2026-03-01" in finding.message
    assert "version in Deprecated Since" in finding.message


def test_r_plus_n_after_a_bad_deprecated_since_reports_only_that_cell() -> None:
    (finding,) = parse_deprecations(table(row(since="soon", removal="R+2")), "D.md").findings
    assert finding.message.startswith("`pkg.mod.old_func`: Deprecated Since 'soon'")


def test_r_plus_n_on_an_absurd_version_is_dep003_not_a_crash() -> None:
    parsed = parse_deprecations(table(row(since="1." + "9" * 4300, removal="R+1")), "D.md")
    (finding,) = parsed.findings
    assert "cannot add 1 minor releases" in finding.message


@pytest.mark.parametrize("removal", ["R+0", "R+", "R+1234567", "R+-1", "r+2", "R+2.5"])
def test_bad_relative_removal_is_dep003(removal: str) -> None:
    parsed = parse_deprecations(table(row(removal=removal)), "D.md")
    assert codes(parsed.findings) == ["DEP003"]
    assert "Planned Removal" in parsed.findings[0].message
    assert parsed.rows == ()


@pytest.mark.parametrize(
    ("cells", "column", "value", "accepted"),
    [
        ({"status": "Gone"}, "Status", "Gone", "Active, Pending Removal, Removed"),
        ({"status": "removed"}, "Status", "removed", "Active, Pending Removal, Removed"),
        ({"kind": "method"}, "Type", "method", "module, function, class, attribute, env"),
        ({"since": "soon"}, "Deprecated Since", "soon", "YYYY-MM-DD"),
        ({"since": ""}, "Deprecated Since", "", "1.4.0"),
        ({"since": "2026-02-30"}, "Deprecated Since", "2026-02-30", "ISO date"),
        ({"removal": "next year"}, "Planned Removal", "next year", "R+N"),
        ({"removal": "2026-13-01"}, "Planned Removal", "2026-13-01", "YYYY-MM-DD"),
        ({"removal": "`1.6.0`"}, "Planned Removal", "`1.6.0`", "version"),
        ({"item": "``"}, "Item", "``", "identifier, dotted path"),
        ({"item": ""}, "Item", "", "identifier, dotted path"),
        ({"item": "pkg.mod."}, "Item", "pkg.mod.", "no name to search for"),
    ],
)
def test_malformed_cell_is_dep003_naming_column_value_and_accepted_values(
    cells: dict[str, str], column: str, value: str, accepted: str
) -> None:
    parsed = parse_deprecations(table(row(), row(**cells)), "D.md")
    assert len(parsed.rows) == 1
    (finding,) = parsed.findings
    assert (finding.code, finding.line) == ("DEP003", 6)
    label, _, rest = finding.message.partition(": ")
    assert label == ("`pkg.mod.old_func`" if "item" not in cells else label)
    assert rest.startswith(f"{column} ")
    assert repr(value) in finding.message
    assert accepted in finding.message


def test_every_bad_cell_of_a_row_gets_its_own_finding() -> None:
    parsed = parse_deprecations(table(row(kind="thing", status="Dead", since="x")), "D.md")
    messages = [f.message for f in parsed.findings]
    assert codes(parsed.findings) == ["DEP003"] * 3
    assert [m.split(" ")[1] for m in messages] == ["Type", "Status", "Deprecated"]


@pytest.mark.parametrize("cells", ["| a | function | Active | 1.0 |", row() + " extra |"])
def test_row_with_wrong_number_of_cells_is_dep003(cells: str) -> None:
    parsed = parse_deprecations(table(cells), "D.md")
    (finding,) = parsed.findings
    assert (finding.code, finding.line) == ("DEP003", 5)
    assert "expected 7" in finding.message and "Planned Removal" in finding.message


def test_missing_header_is_one_dep003_at_line_1_quoting_the_header() -> None:
    parsed = parse_deprecations("# Deprecations\n\nNothing is deprecated yet.\n", "D.md")
    assert parsed.rows == () and parsed.header_line is None
    (finding,) = parsed.findings
    assert (finding.code, finding.path, finding.line) == ("DEP003", "D.md", 1)
    assert EXPECTED_HEADER in finding.message


def test_near_miss_header_is_reported_at_its_line() -> None:
    text = "# Deprecations\n| Item | Type | Status | Since | Removal | Replacement | Notes |\n"
    (finding,) = parse_deprecations(text, "D.md").findings
    assert (finding.code, finding.line) == ("DEP003", 2)
    assert EXPECTED_HEADER in finding.message


def test_header_column_names_are_case_sensitive() -> None:
    text = table(row()).replace("| Item |", "| item |")
    assert codes(parse_deprecations(text, "D.md").findings) == ["DEP003"]


def test_header_tolerates_extra_spaces_and_missing_outer_spaces() -> None:
    header = "|Item|  Type |Status|Deprecated   Since|  Planned Removal|Replacement|Notes|"
    parsed = parse_deprecations(
        f"{header}\n| :-- | --- | :-: | - | --: | --- | --- |\n{row()}\n", "D"
    )
    assert parsed.findings == ()
    assert len(parsed.rows) == 1


def test_missing_separator_is_dep003_but_rows_are_still_read() -> None:
    parsed = parse_deprecations(f"{HEADER}\n{row()}\n", "D.md")
    (finding,) = parsed.findings
    assert (finding.code, finding.line) == ("DEP003", 2)
    assert "separator" in finding.message
    assert len(parsed.rows) == 1


def test_header_alone_at_end_of_file_is_dep003() -> None:
    (finding,) = parse_deprecations(HEADER, "D.md").findings
    assert (finding.code, finding.line) == ("DEP003", 1)


def test_separator_with_wrong_cell_count_is_dep003() -> None:
    parsed = parse_deprecations(f"{HEADER}\n|---|---|\n{row()}\n", "D.md")
    assert [(f.code, f.line) for f in parsed.findings] == [("DEP003", 2)]
    assert len(parsed.rows) == 1


def test_empty_table_is_fine() -> None:
    assert parse_deprecations(table(), "D.md") == DeprecationTable((), (), 3)


def test_table_ends_at_first_non_table_line_and_a_second_table_is_dep003() -> None:
    text = table(row(), prose="") + "\nSome prose | with a pipe.\n\n" + table(row(), prose="")
    parsed = parse_deprecations(text, "D.md")
    assert len(parsed.rows) == 1
    assert [(f.code, f.line) for f in parsed.findings] == [("DEP003", 7)]
    assert "second" in parsed.findings[0].message


def test_crlf_bom_escaped_pipes_and_spaced_status() -> None:
    text = "\ufeff" + table(row(status="Pending   Removal", notes="a \\| b")).replace("\n", "\r\n")
    parsed = parse_deprecations(text, "D.md")
    assert parsed.findings == ()
    (only,) = parsed.rows
    assert (only.status, only.notes, only.line) == ("Pending Removal", "a | b", 5)


def test_reference_term_rules() -> None:
    rows = parse_deprecations(
        table(
            row("`g6runtime.panels.OldPanel`", "class"),
            row("OLD_NAME", "attribute"),
            row("G6.ODD", "env"),
            row("./scripts/old_tool.py", "file"),
            row("`--legacy-flag`", "cli"),
        ),
        "D.md",
    ).rows
    assert [r.term for r in rows] == [
        "g6runtime.panels.OldPanel",
        "OLD_NAME",
        "G6.ODD",
        "scripts/old_tool.py",
        "--legacy-flag",
    ]


_cell = st.one_of(
    st.sampled_from(
        [*TYPES, *STATUSES, "1.4.0", "2026-03-01", "2026-02-30", "R+2", "R+0", "", "`x.y`", "\\|"]
    ),
    st.text(max_size=12),
    st.integers(-1, 10**8).map(lambda n: f"R+{n}"),
    st.tuples(st.integers(0, 10**6), st.integers(0, 99)).map(lambda p: f"{p[0]}.{p[1]}"),
)
_row = st.lists(_cell, min_size=6, max_size=8).map(lambda cells: "| " + " | ".join(cells) + " |")


def _assert_parses(text: str) -> None:
    try:
        parsed = parse_deprecations(text, "D.md")
    except InputError:
        return
    assert all(f.code == "DEP003" and f.path == "D.md" for f in parsed.findings)
    assert all(f.line is not None and f.line >= 1 for f in parsed.findings)
    assert all(r.type in TYPES and r.status in STATUSES and r.term for r in parsed.rows)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_parser_never_raises_on_arbitrary_text(text: str) -> None:
    _assert_parses(text)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_row, max_size=5), st.sampled_from(["", "\n", "\r\n", "\nprose\n"]))
def test_parser_never_raises_on_table_shaped_text(rows: list[str], tail: str) -> None:
    _assert_parses("\n".join([HEADER, SEPARATOR, *rows]) + tail)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(
                st.sampled_from(["pkg", "Old", "x_1", "_y", "G6_A"]), min_size=1, max_size=4
            ).map(".".join),
            st.sampled_from(TYPES),
            st.sampled_from(STATUSES),
            st.sampled_from(["1.4.0", "2026-03-01", "0.1"]),
        ),
        max_size=6,
    )
)
def test_well_formed_rows_always_parse(cells: list[tuple[str, str, str, str]]) -> None:
    text = table(*(row(f"`{i}`", k, s, since) for i, k, s, since in cells))
    parsed = parse_deprecations(text, "D.md")
    assert parsed.findings == ()
    assert [(r.item, r.type, r.status) for r in parsed.rows] == [c[:3] for c in cells]


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


# --------------------------------------------------------------------------- DEP002


@pytest.mark.parametrize(
    ("status", "removal", "release", "fires"),
    [
        ("Active", "2026-06-14", RELEASE, True),
        ("Pending Removal", "2020-01-01", RELEASE, True),
        ("Active", "2026-06-15", RELEASE, False),
        ("Active", "2027-01-01", RELEASE, False),
        ("Active", "1.6.0", RELEASE, True),
        ("Pending Removal", "1.5.2", RELEASE, True),
        ("Active", "1.6.1", RELEASE, False),
        ("Active", "1.6.0", Version("1.6.0rc1"), False),
        ("Active", "1.6.0", None, False),
        ("Active", "R+2", RELEASE, True),
        ("Active", "R+3", RELEASE, False),
        ("Active", "", RELEASE, False),
        ("Removed", "2020-01-01", RELEASE, False),
        ("Removed", "1.0.0", RELEASE, False),
    ],
)
def test_dep002_past_due_schedules(
    tmp_path: Path, status: str, removal: str, release: Version | None, fires: bool
) -> None:
    removed_project(tmp_path, row("pkg.nothing_uses_this", status=status, removal=removal))
    findings = check(tmp_path, release=release)
    if not fires:
        assert findings == []
        return
    (finding,) = findings
    assert (finding.code, finding.path, finding.line) == ("DEP002", "DEPRECATIONS.md", 5)
    assert status in finding.message and "Planned Removal later" in finding.message


def test_dep002_message_explains_relative_schedule(tmp_path: Path) -> None:
    removed_project(tmp_path, row("pkg.gone_soon", removal="R+1"))
    (finding,) = check(tmp_path)
    assert "R+1 = 1.5.0" in finding.message and "1.6.0" in finding.message


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


# --------------------------------------------------------------------------- DEP003 names the item


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (
            {"status": "Maybe"},
            "`old.api`: Status 'Maybe' is not one of Active, Pending Removal, Removed",
        ),
        ({"kind": "method"}, "`old.api`: Type 'method' is not one of module, function, "),
        ({"since": "soon"}, "`old.api`: Deprecated Since 'soon' is neither an ISO date"),
        ({"removal": "later"}, "`old.api`: Planned Removal 'later' is not an ISO date"),
        ({"since": "2026-01-01", "removal": "R+1"}, "`old.api`: Planned Removal 'R+1' counts"),
    ],
)
def test_every_dep003_on_a_row_names_the_item_and_the_column(
    cells: dict[str, str], message: str
) -> None:
    (finding,) = parse_deprecations(table(row("`old.api`", **cells)), "D.md").findings
    assert finding.message.startswith(message), finding.message


def test_a_row_with_the_wrong_cell_count_names_its_item() -> None:
    (finding,) = parse_deprecations(table("| `old.api` | function | Active |"), "D.md").findings
    assert finding.message.startswith("`old.api`: row has 3 cells"), finding.message


# --------------------------------------------------------------------------- TBD, extra columns


def test_planned_removal_tbd_is_never_past_due(tmp_path: Path) -> None:
    parsed = parse_deprecations(table(row(removal="TBD")), "D.md")
    assert parsed.findings == ()
    (only,) = parsed.rows
    assert only.removal is None and only.removal_text == "TBD"
    removed_project(tmp_path, row(removal="TBD"), row("pkg.x", "module", "Pending Removal"))
    assert check(tmp_path, release=Version("99.0"), today=date(2999, 1, 1)) == []


def test_extra_columns_after_notes_are_allowed_and_their_cells_optional() -> None:
    header = HEADER + " Owner | Ticket |"
    text = "\n".join(
        [
            header,
            SEPARATOR + "---|---|",
            row("a.one"),
            row("a.two") + " team-x |",
            row("a.three") + " team-y | #12 |",
            row("a.four") + " x | y | z |",
            "| a.five | function | Active |",
        ]
    )
    parsed = parse_deprecations(text + "\n", "D.md")
    assert [r.item for r in parsed.rows] == ["a.one", "a.two", "a.three"]
    assert [(f.line, f.message.split(":")[0]) for f in parsed.findings] == [
        (6, "`a.four`"),
        (7, "`a.five`"),
    ]
    assert "expected 7 to 9" in parsed.findings[0].message


def test_extra_columns_before_notes_are_still_a_wrong_header() -> None:
    text = "| Item | Type | Owner | Status | Deprecated Since | Planned Removal | Replacement | Notes |"
    (finding,) = parse_deprecations(text + "\n", "D.md").findings
    assert finding.code == "DEP003" and EXPECTED_HEADER in finding.message


# --------------------------------------------------------------------------- DEP001, dotted items

LOAD = row("`pkg.legacy.load`", status="Removed", removal="1.5.0")


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("from pkg.legacy import load\n", 1),
        ("import os\nfrom pkg.legacy import load as read\n", 2),
        ("import pkg.legacy.load\n", 1),
        ("import pkg.legacy.load.sub as s\n", 1),
        ("from pkg import legacy\n\nlegacy.load()\n", 3),
        ("import pkg.legacy\nx = 1\npkg.legacy.load(x)\n", 3),
        ("import pkg.legacy as lg\nlg.load()\n", 2),
        ("import pkg\n\npkg.legacy.load()\n", 3),
        ("from pkg import legacy as lg\nlg.load.cache_clear()\n", 2),
        ("from pkg.legacy import *\n\nload()\n", 3),
        ("def f():\n    from pkg.legacy import (\n        dump,\n        load,\n    )\n", 4),
        ('x = 1\npatch("pkg.legacy.load")\n', 2),
        ("x = 1  # pkg.legacy.load is gone\n", 1),
        ('"""Docs.\n\nSee pkg.legacy.load.\n"""\n', 3),
        ('x = f"{y} pkg.legacy.load"\n', 1),
        ("import pkg.legacy as lg\n# pkg.legacy.load\nlg.load\n", 2),
    ],
)
def test_dep001_a_dotted_item_is_referenced_by_imports_and_full_paths(
    tmp_path: Path, source: str, line: int
) -> None:
    removed_project(tmp_path, LOAD)
    write(tmp_path, "app/main.py", source)
    assert [(f.code, f.path, f.line) for f in check(tmp_path)] == [("DEP001", "app/main.py", line)]


@pytest.mark.parametrize(
    "source",
    [
        "import json\n\ndata = json.load(fh)\n",
        "def load(path):\n    return path\n",
        "class Store:\n    def load(self):\n        return self.load()\n",
        "from other.legacy import load\n",
        "from pkg.legacy import dump\nload = 1\n",
        "import pkg.legacy\nlegacy.load()\n",
        "from pkg import legacy\nlegacy2.load()\n",
        "from pkg.legacy_tools import load\n",
        "from pkg.legacy.load_all import x\n",
        "import pkg\npkg.load()\n",
        "# load the legacy data with legacy.load\n",
        'x = "mypkg.legacy.load"\n',
        "import mypkg.legacy\nmypkg.legacy.load()\n",
        'x = "pkg.legacy.loader"\n',
    ],
)
def test_dep001_a_dotted_item_is_not_referenced_by_its_last_name_alone(
    tmp_path: Path, source: str
) -> None:
    removed_project(tmp_path, LOAD)
    write(tmp_path, "app/main.py", source)
    assert check(tmp_path) == []


@pytest.mark.parametrize(
    ("rel", "source", "line"),
    [
        ("pkg/app.py", "from .legacy import load\n", 1),
        ("src/pkg/app.py", "x = 1\nfrom .legacy import load\n", 2),
        ("pkg/app.py", "from . import legacy\nlegacy.load()\n", 2),
        ("pkg/legacy/other.py", "from . import load\n", 1),
        ("pkg/sub/deep.py", "from ..legacy import load\n", 1),
        ("other/app.py", "from .legacy import load\n", None),
        ("pkg/sub/deep.py", "from .legacy import load\n", None),
        ("app.py", "from ...legacy import load\n", None),
    ],
)
def test_dep001_relative_imports_resolve_from_the_files_folder(
    tmp_path: Path, rel: str, source: str, line: int | None
) -> None:
    removed_project(tmp_path, LOAD)
    write(tmp_path, rel, source)
    assert [(f.path, f.line) for f in check(tmp_path)] == ([] if line is None else [(rel, line)])


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("import pkg.legacy\n", True),
        ("from pkg import legacy\n", True),
        ("from pkg.legacy import thing\n", True),
        ("import pkg\nx = pkg.legacy.thing\n", True),
        ("import pkg.legacy_new\n", False),
        ("from pkg import legacy_new\n", False),
        ("legacy = 1\n", False),
    ],
)
def test_dep001_a_removed_module(tmp_path: Path, source: str, found: bool) -> None:
    removed_project(tmp_path, row("pkg.legacy", "module", "Removed"))
    write(tmp_path, "m.py", source)
    assert len(check(tmp_path)) == int(found)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("Use `pkg.legacy.load()` no more.\n", 1),
        ("intro\n\nSee pkg.legacy.load.\n", 3),
        ("pkg.legacy.load.cache is gone too\n", 1),
        ("json.load, load(), legacy.load and def load(\n", None),
        ("mypkg.legacy.load\n", None),
        ("other.pkg.legacy.load\n", None),
        ("pkg.legacy.loader and pkg.legacy.load_all\n", None),
        ("from pkg.legacy import load\n", None),  # not Python: only the full path counts
    ],
)
def test_dep001_a_dotted_item_in_other_text_files_is_its_full_path(
    tmp_path: Path, text: str, line: int | None
) -> None:
    removed_project(tmp_path, LOAD)
    write(tmp_path, "docs/guide.md", text)
    assert [f.line for f in check(tmp_path)] == ([] if line is None else [line])


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("x = pkg.legacy.load(\n", 1),
        ("def load(:\n    json.load\n", None),
        ("from pkg.legacy import load\nclass (:\n", None),
    ],
)
def test_dep001_a_python_file_that_does_not_parse_gets_the_text_rule(
    tmp_path: Path, source: str, line: int | None
) -> None:
    removed_project(tmp_path, LOAD)
    write(tmp_path, "broken.py", source)
    assert [f.line for f in check(tmp_path)] == ([] if line is None else [line])


def test_dep001_one_finding_per_item_per_file_at_the_first_of_any_kind(tmp_path: Path) -> None:
    removed_project(tmp_path, LOAD, row("pkg.legacy", "module", "Removed"))
    source = "import os\n\n# see pkg.legacy.load\nfrom pkg import legacy\nlegacy.load()\n"
    write(tmp_path, "m.py", source)
    assert sorted((f.message.split(" ")[0], f.line) for f in check(tmp_path)) == [
        ("pkg.legacy", 3),  # the comment names a member of the removed module too
        ("pkg.legacy.load", 3),
    ]


_PARENTS = st.lists(st.sampled_from(["pkg", "legacy", "core", "util_2"]), min_size=1, max_size=3)
_OTHERS = st.sampled_from(["json", "os.path", "yaml", "pickle", "io", "self", "obj.inner"])
_LASTS = st.sampled_from(["load", "dump", "run", "Reader", "_private"])


def _noise(other: str, last: str) -> st.SearchStrategy[str]:
    head = other.split(".")[0]
    return st.sampled_from(
        [
            f"import {head}\n",
            f"x = {other}.{last}(1)\n",
            f"def {last}(arg):\n    return arg\n",
            f"class K:\n    def {last}(self):\n        return {other}.{last}\n",
            f"# {last} is mentioned here\n",
            f"y = '{last}'\n",
            "\n",
        ]
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), _PARENTS, _OTHERS, _LASTS, st.booleans())
def test_property_dotted_items_need_an_import_not_just_their_last_name(
    data: st.DataObject, parent: list[str], other: str, last: str, imported: bool
) -> None:
    item = ".".join([*parent, last])
    rows = parse_deprecations(table(row(f"`{item}`", status="Removed")), "D.md").rows
    lines = data.draw(st.lists(_noise(other, last), max_size=8))
    at = data.draw(st.integers(0, len(lines)))
    if imported:
        lines.insert(at, f"from {'.'.join(parent)} import {last}\n")
    source = "".join(lines)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write(root, "mod.py", source)
        write(root, "notes.md", source)
        found = scan_references(root, ["mod.py", "notes.md"], rows, "D.md")
    expected = [("mod.py", "".join(lines[:at]).count("\n") + 1)] if imported else []
    assert [(f.path, f.line) for f in found] == expected


def test_the_scan_cache_fingerprint_follows_the_reference_rules_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_g6gov.checks import dep_refs, deprecations

    rules = tmp_path / "rules.py"
    rules.write_text("v1\n")
    monkeypatch.setattr(dep_refs, "__file__", str(rules))
    rows = parse_deprecations(table(LOAD), "D.md").rows
    needles = deprecations._needles(rows)
    before = deprecations._cache_inputs(needles)
    assert before["needles"] == [["dotted", b"pkg.legacy.load".hex()]]
    rules.write_text("v22\n")
    assert deprecations._cache_inputs(needles) != before
