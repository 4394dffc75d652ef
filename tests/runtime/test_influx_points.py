"""Rows → points (issue 13): the fast one-format path gives the general path's text, and
every point carries exactly its CSV line's cells (empty cells left out, integers marked)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from g6runtime.influx.points import (
    OPTION_MEASUREMENT,
    option_point,
    option_point_cells,
    option_points,
    overview_point,
)
from g6runtime.storage.csv_format import OPTION_HEADER, OVERVIEW_HEADER

COLUMNS = OPTION_HEADER.split(",")
INTEGERS = {"ce_vol", "pe_vol", "ce_oi", "pe_oi"}
number = st.one_of(
    st.just(""),
    st.integers(-(10**9), 10**9).map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(lambda f: f"{f:.6f}"),
)
tag = st.sampled_from(
    ["NIFTY", "BANKNIFTY", "this_week", "2026-12-04", "+5", "-10", "0", "a b", "k=v", ""]
)


@pytest.mark.slow
@given(tags=st.lists(tag, min_size=4, max_size=4), cells=st.lists(number, min_size=22, max_size=22))
def test_option_point_equals_the_general_path_and_the_cells(
    tags: list[str], cells: list[str]
) -> None:
    # A CSV cell never holds a comma; a tag value may need escaping (space, =).
    line = ",".join(["2026-11-26T09:15:00+05:30", *tags, *cells]) + "\n"
    got = option_point(line, 1764128700)
    assert got == option_point_cells(line.rstrip("\n").split(","), 1764128700)
    assert got.startswith(OPTION_MEASUREMENT + ",") and got.endswith(" 1764128700")
    fields = got.replace("\\ ", "").rsplit(" ", 2)[1] if any(cells) else None
    expected = [
        f"{name}={cell}{'i' if name in INTEGERS else ''}"
        for name, cell in zip(COLUMNS[5:], cells, strict=True)
        if cell
    ]
    if fields is not None:
        assert fields.split(",") == expected


def csv_line(tags: list[str], cells: list[str]) -> str:
    return ",".join(["2026-11-26T09:15:00+05:30", *tags, *cells]) + "\n"


@pytest.mark.slow
@given(
    st.lists(
        st.tuples(
            st.lists(tag, min_size=4, max_size=4), st.lists(number, min_size=22, max_size=22)
        ),
        max_size=12,
    )
)
def test_a_cycles_lines_in_one_format_equal_each_lines_point(
    rows: list[tuple[list[str], list[str]]],
) -> None:
    # Runs of usual lines go through one %-format; empty cells and tags that need escaping
    # (space, =, empty) take the line-by-line path: the points are the same, in order.
    lines = [csv_line(tags, cells) for tags, cells in rows]
    assert option_points(lines, 1764128700) == [option_point(x, 1764128700) for x in lines]


def test_one_format_for_usual_lines_between_unusual_ones() -> None:
    usual = [
        csv_line(["NIFTY", "this_week", "2026-12-04", f"+{k}"], ["1.5"] * 22) for k in range(3)
    ]
    empty_cell = csv_line(["NIFTY", "this_week", "2026-12-04", "0"], ["1.5"] * 21 + [""])
    spaced = csv_line(["NI FTY", "this_week", "2026-12-04", "0"], ["2"] * 22)
    lines = [*usual, empty_cell, *usual, spaced]
    got = option_points(lines, 9)
    assert got == [option_point(x, 9) for x in lines]
    assert got[0] == (
        "g6_option,index=NIFTY,expiry_tag=this_week,expiry_date=2026-12-04,offset=+0 "
        + ",".join(f"{c}=1.5{'i' if c in INTEGERS else ''}" for c in COLUMNS[5:])
        + " 9"
    )
    assert not got[3].endswith("pe_rho= 9") and got[3].endswith(",ce_rho=1.5 9")
    assert got[-1].startswith("g6_option,index=NI\\ FTY,")


def test_escaped_tags_and_an_overview_point() -> None:
    line = "2026-11-26T09:15:00+05:30,NI FTY,this_week,2026-12-04,+5," + ",".join(["1"] * 22)
    assert option_point(line, 5).startswith("g6_option,index=NI\\ FTY,expiry_tag=this_week,")
    overview = "2026-11-26T09:15:00+05:30,NIFTY,25000.10,25000,0.9811,,1.0200,0.9900,4,3,15,7,8"
    assert overview_point(overview, 7) == (
        "g6_overview,index=NIFTY index_price=25000.10,atm=25000,pcr_this_week=0.9811,"
        "pcr_this_month=1.0200,pcr_next_month=0.9900,expiries_expected=4i,"
        "expiries_collected=3i,expected_mask=15i,collected_mask=7i,missing_mask=8i 7"
    )
    assert len(OVERVIEW_HEADER.split(",")) == len(overview.split(","))
