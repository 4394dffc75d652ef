"""The CSV row text stays byte-identical however it is built (the fast paths of the cycle).

``option_line`` formats a row's numbers in one %-format and falls back to the cell-by-cell
``fmt`` path for None, NaN, infinite and negative-zero cells; ``option_row`` builds an
OptionRow without the dataclass ``__init__``. Both must agree with the reference
(cell by cell, ``OptionRow(...)``) for every value.
"""

from __future__ import annotations

from dataclasses import astuple, fields
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from g6runtime.collectors.model import OptionRow, option_row
from g6runtime.market.calendar import IST
from g6runtime.storage.csv_format import cycle_lines, fmt, fmt_offset, option_line, stamp

EDGES = [0.0, -0.0, -4e-7, -5e-7, -5.000001e-7, -0.004999, -0.005, 0.005, 1e300, -1e-300]
floats = st.one_of(
    st.none(),
    st.sampled_from(EDGES),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-10.0, max_value=10.0),
    st.floats(min_value=-1e-5, max_value=1e-5),
)
ints = st.integers(min_value=0, max_value=10**12)


def reference(row: OptionRow) -> str:
    """The cell-by-cell formatting the CSV sink has always used."""
    tp = None if row.ce is None or row.pe is None else round(row.ce, 2) + round(row.pe, 2)
    cells = [
        stamp(row.timestamp),
        row.index,
        row.expiry_tag,
        row.expiry_date.isoformat(),
        fmt_offset(row.offset),
        fmt(row.index_price, 2),
        str(row.atm),
        str(row.strike),
        fmt(row.ce, 2),
        fmt(row.pe, 2),
        fmt(tp, 2),
        str(row.ce_vol),
        str(row.pe_vol),
        str(row.ce_oi),
        str(row.pe_oi),
    ]
    cells += [fmt(v, 6) for v in astuple(row)[14:]]
    return ",".join(cells) + "\n"


rows = st.builds(
    OptionRow,
    timestamp=st.datetimes(
        min_value=datetime(2020, 1, 1),
        max_value=datetime(2040, 1, 1),
        timezones=st.sampled_from([IST, UTC, timezone(timedelta(hours=-3))]),
    ),
    index=st.sampled_from(["NIFTY", "BANKNIFTY"]),
    expiry_tag=st.sampled_from(["this_week", "next_month"]),
    expiry_date=st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 1, 1)),
    offset=st.integers(min_value=-5000, max_value=5000),
    index_price=st.floats(min_value=-1e6, max_value=1e6) | st.sampled_from(EDGES),
    atm=ints,
    strike=ints,
    ce=floats,
    pe=floats,
    ce_vol=ints,
    pe_vol=ints,
    ce_oi=ints,
    pe_oi=ints,
    **{f.name: floats for f in fields(OptionRow)[14:]},
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(rows)
def test_option_line_is_the_cell_by_cell_text(row: OptionRow) -> None:
    assert option_line(row) == reference(row)


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(st.lists(rows, max_size=8), st.data())
def test_a_cycles_lines_are_each_rows_text(sample: list[OptionRow], data: st.DataObject) -> None:
    # cycle_lines builds a chain's first cells once: rows sharing them (drawn again with a
    # new offset, or the same instant in another time zone) still get their own text.
    extra = [OptionRow(**{**r.__dict__, "offset": data.draw(st.integers(-99, 99))}) for r in sample]
    shifted = [
        OptionRow(**{**r.__dict__, "timestamp": r.timestamp.astimezone(UTC)}) for r in sample
    ]
    everything = [*sample, *extra, *shifted]
    assert cycle_lines(everything, []).options == tuple(reference(r) for r in everything)


def test_a_negative_zero_cell_is_written_without_its_sign() -> None:
    row = OptionRow(
        datetime(2026, 11, 26, 9, 15, tzinfo=IST), "NIFTY", "this_week", date(2026, 12, 1),
        0, 25000.0, 25000, 25000, 10.0, 12.0, 1, 2, 3, 4,
        0.1, 0.1, -4e-7, -0.4, 0.001, 0.001, -1.0, -1.0, 5.0, 5.0, -4e-7, -0.3,
    )  # fmt: skip
    cells = option_line(row).rstrip("\n").split(",")
    assert cells[17] == "0.000000" and cells[25] == "0.000000"
    assert option_line(row) == reference(row)
    assert cycle_lines([row], []).options == (reference(row),)


@pytest.mark.slow
@settings(deadline=None)
@given(st.lists(floats | ints, min_size=26, max_size=26))
def test_option_row_equals_the_dataclass_built_row(values: list[object]) -> None:
    fast, slow = option_row(*values), OptionRow(*values)  # type: ignore[arg-type]
    assert type(fast) is OptionRow
    assert all(getattr(fast, f.name) is getattr(slow, f.name) for f in fields(OptionRow))
    assert fast == slow or any(v != v for v in values)  # a NaN field is unequal to itself


@pytest.mark.parametrize("edge", [None, float("nan"), float("inf"), float("-inf"), *EDGES])
@pytest.mark.parametrize("where", [5, 8, 9, *range(14, 26)])  # the float cells
def test_every_edge_value_in_every_numeric_cell(edge: float | None, where: int) -> None:
    values: list[object] = [
        datetime(2026, 11, 26, 9, 15, tzinfo=IST), "NIFTY", "this_week", date(2026, 12, 1),
        -100, 25000.0, 25000, 24900, 10.0, 12.0, 1, 2, 3, 4, *[0.25] * 12,
    ]  # fmt: skip
    values[where] = edge
    row = OptionRow(*values)  # type: ignore[arg-type]
    assert option_line(row) == reference(row)
    assert cycle_lines([row], []).options == (reference(row),)  # its own fast path
