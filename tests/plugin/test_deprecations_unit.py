"""Unit tests of the ``deprecations`` table: the parser, DEP003 and the DEP002 schedule."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.version import Version

from pytest_g6gov.checks.deprecation_table import (
    EXPECTED_HEADER,
    STATUSES,
    TYPES,
    DeprecationTable,
    parse_deprecations,
)
from pytest_g6gov.findings import InputError

from .dep_helpers import HEADER, RELEASE, SEPARATOR, check, codes, removed_project, row, table

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
