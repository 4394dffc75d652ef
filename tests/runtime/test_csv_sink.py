"""g6runtime.storage.csv_sink: SPEC §2 CSV layout, header, timestamps, whole-row appends."""

from __future__ import annotations

import csv
import io
import math
import subprocess
import sys
import textwrap
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from g6runtime.collectors.model import OptionRow, OverviewRow
from g6runtime.errors import StorageError
from g6runtime.market.calendar import IST
from g6runtime.storage.csv_format import option_line, overview_line
from g6runtime.storage.csv_sink import CsvSink, read_rows

from .support import OPTION_HEADER, OVERVIEW_HEADER

ROOT = Path(__file__).resolve().parents[2]

OPTION_COLUMNS = OPTION_HEADER.split(",")
OVERVIEW_COLUMNS = OVERVIEW_HEADER.split(",")
NOW = datetime(2026, 11, 26, 9, 15, tzinfo=IST)
FLOAT_FIELDS = (
    "index_price",
    "ce",
    "pe",
    *(
        f"{leg}_{name}"
        for name in ("iv", "delta", "gamma", "theta", "vega", "rho")
        for leg in ("ce", "pe")
    ),
)


def option_row(offset: int = 0, **changes: object) -> OptionRow:
    atm = 25_350
    row = OptionRow(
        timestamp=NOW,
        index="NIFTY",
        expiry_tag="this_week",
        expiry_date=date(2026, 12, 1),
        offset=offset,
        index_price=25_362.51,
        atm=atm,
        strike=atm + offset,
        ce=186.38,
        pe=154.48,
        ce_vol=25_862,
        pe_vol=54_303,
        ce_oi=36_679,
        pe_oi=116_916,
        ce_iv=0.140042,
        pe_iv=0.14001,
        ce_delta=0.533056,
        pe_delta=-0.466765,
        ce_gamma=0.000932,
        pe_gamma=0.000932,
        ce_theta=-6584.594823,
        pe_theta=-5241.317155,
        ce_vega=1210.286491,
        pe_vega=1210.284932,
        ce_rho=192.160332,
        pe_rho=-172.841503,
    )
    return replace(row, **changes)  # type: ignore[arg-type]


def overview_row(**changes: object) -> OverviewRow:
    row = OverviewRow(
        NOW,
        "NIFTY",
        25_362.51,
        25_350,
        {"this_week": 0.8885, "next_week": 1.0908, "this_month": None, "next_month": 1.5237},
        expected_mask=15,
        collected_mask=11,
    )
    return replace(row, **changes)  # type: ignore[arg-type]


def option_file(root: Path, offset: str, day: str = "2026-11-26") -> Path:
    return root / "NIFTY" / "this_week" / offset / f"{day}.csv"


def parse(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


# --- layout and header -----------------------------------------------------------------


def test_paths_follow_the_spec_layout(tmp_path: Path) -> None:
    rows = [option_row(100), option_row(-50), option_row(0)]
    stats = CsvSink(tmp_path).write_cycle(rows, [overview_row()])

    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.csv"))
    assert files == [
        "NIFTY/this_week/+100/2026-11-26.csv",
        "NIFTY/this_week/-50/2026-11-26.csv",
        "NIFTY/this_week/0/2026-11-26.csv",
        "overview/NIFTY/2026-11-26.csv",
    ]
    assert stats.rows == 4 and stats.files_created == 4
    assert stats.rows_by_index == {"NIFTY": 4}


def test_option_header_and_row_cells(tmp_path: Path) -> None:
    CsvSink(tmp_path).write_cycle([option_row(100)], [])
    lines = option_file(tmp_path, "+100").read_text(encoding="utf-8").split("\n")

    assert lines[0] == OPTION_HEADER
    assert lines[2:] == [""]  # one row, file ends with a newline
    cells = dict(zip(OPTION_COLUMNS, lines[1].split(","), strict=True))
    assert cells["timestamp"] == "2026-11-26T09:15:00+05:30"
    assert cells["index"] == "NIFTY"
    assert cells["expiry_tag"] == "this_week"
    assert cells["expiry_date"] == "2026-12-01"
    assert cells["offset"] == "+100"
    assert cells["atm"] == "25350" and cells["strike"] == "25450"
    assert (cells["ce"], cells["pe"], cells["tp"]) == ("186.38", "154.48", "340.86")
    assert cells["ce_oi"] == "36679" and cells["pe_vol"] == "54303"
    assert cells["pe_delta"] == "-0.466765"


def test_tp_cell_equals_the_sum_of_the_written_ce_and_pe_cells(tmp_path: Path) -> None:
    # Mid prices sit on 0.025 steps: summing before rounding gave tp = ce + pe - 0.01.
    row = option_row(0, ce=186.375, pe=10.875)  # both round up: 186.38 + 10.88
    cells = option_line(row).rstrip("\n").split(",")
    ce, pe, tp = (Decimal(cells[OPTION_COLUMNS.index(c)]) for c in ("ce", "pe", "tp"))
    assert tp == ce + pe


def test_overview_header_cells_and_masks(tmp_path: Path) -> None:
    CsvSink(tmp_path).write_cycle([], [overview_row()])
    rows = parse(tmp_path / "overview" / "NIFTY" / "2026-11-26.csv")

    assert rows[0] == OVERVIEW_COLUMNS
    cells = dict(zip(OVERVIEW_COLUMNS, rows[1], strict=True))
    assert cells["pcr_this_week"] == "0.8885"
    assert cells["pcr_this_month"] == ""  # no put/call ratio: empty cell
    assert cells["expiries_expected"] == "4" and cells["expiries_collected"] == "3"
    assert (cells["expected_mask"], cells["collected_mask"], cells["missing_mask"]) == (
        "15",
        "11",
        "4",
    )


def test_header_written_once_across_sink_instances(tmp_path: Path) -> None:
    CsvSink(tmp_path).write_cycle([option_row(0)], [overview_row()])
    later = NOW + timedelta(minutes=1)
    stats = CsvSink(tmp_path).write_cycle(
        [option_row(0, timestamp=later)], [overview_row(timestamp=later)]
    )

    assert stats.files_created == 0 and stats.rows == 2
    for path, header in (
        (option_file(tmp_path, "0"), OPTION_HEADER),
        (tmp_path / "overview" / "NIFTY" / "2026-11-26.csv", OVERVIEW_HEADER),
    ):
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines.count(header) == 1 and lines[0] == header
        assert [line[:25] for line in lines[1:]] == [
            "2026-11-26T09:15:00+05:30",
            "2026-11-26T09:16:00+05:30",
        ]


def test_lines_end_in_lf_only(tmp_path: Path) -> None:
    sink = CsvSink(tmp_path)
    sink.write_cycle([option_row(0), option_row(50)], [overview_row()])
    sink.write_cycle([option_row(0, timestamp=NOW + timedelta(minutes=1))], [])
    for path in tmp_path.rglob("*.csv"):
        data = path.read_bytes()
        assert b"\r" not in data and data.endswith(b"\n")


def test_none_and_nan_are_empty_cells(tmp_path: Path) -> None:
    row = option_row(0, ce=None, ce_iv=None, pe_iv=math.nan, ce_delta=math.inf)
    CsvSink(tmp_path).write_cycle([row], [])
    (cells,) = read_rows(option_file(tmp_path, "0"))
    by_name = dict(zip(OPTION_COLUMNS, cells, strict=True))

    assert by_name["ce"] == "" and by_name["tp"] == ""  # tp needs both legs
    assert by_name["pe"] == "154.48"
    assert by_name["ce_iv"] == "" and by_name["pe_iv"] == "" and by_name["ce_delta"] == ""
    assert by_name["pe_delta"] == "-0.466765"


def test_negative_zero_is_written_as_zero() -> None:
    cells = option_line(option_row(0, ce_rho=-0.0000001)).rstrip("\n").split(",")
    assert cells[OPTION_COLUMNS.index("ce_rho")] == "0.000000"


# --- time: Asia/Kolkata timestamps and file dates ---------------------------------------


def test_utc_datetime_is_written_with_the_ist_offset(tmp_path: Path) -> None:
    utc = datetime(2026, 11, 26, 3, 45, tzinfo=UTC)
    CsvSink(tmp_path).write_cycle([option_row(0, timestamp=utc)], [overview_row(timestamp=utc)])
    (cells,) = read_rows(option_file(tmp_path, "0"))
    (ocells,) = read_rows(tmp_path / "overview" / "NIFTY" / "2026-11-26.csv")
    assert cells[0] == "2026-11-26T09:15:00+05:30"
    assert ocells[0] == "2026-11-26T09:15:00+05:30"


def test_file_date_is_the_asia_kolkata_date(tmp_path: Path) -> None:
    evening_utc = datetime(2026, 11, 26, 19, 0, tzinfo=UTC)  # already 00:30 on the 27th in IST
    CsvSink(tmp_path).write_cycle(
        [option_row(0, timestamp=evening_utc)], [overview_row(timestamp=evening_utc)]
    )
    path = option_file(tmp_path, "0", "2026-11-27")
    assert path.exists()
    assert (tmp_path / "overview" / "NIFTY" / "2026-11-27.csv").exists()
    assert not list(tmp_path.rglob("2026-11-26.csv"))
    (cells,) = read_rows(path)
    assert cells[0] == "2026-11-27T00:30:00+05:30"


# --- refusing to damage files -------------------------------------------------------------


def test_foreign_header_is_a_storage_error_and_the_file_is_unchanged(tmp_path: Path) -> None:
    path = option_file(tmp_path, "0")
    path.parent.mkdir(parents=True)
    original = b"date,price\n2026-11-25,1.0\n"
    path.write_bytes(original)

    with pytest.raises(StorageError) as excinfo:
        CsvSink(tmp_path).write_cycle([option_row(0)], [])
    assert f"{path}:1:" in str(excinfo.value)
    assert "\n" not in str(excinfo.value)
    assert path.read_bytes() == original


def test_overview_header_in_an_option_file_is_refused(tmp_path: Path) -> None:
    path = option_file(tmp_path, "0")
    path.parent.mkdir(parents=True)
    path.write_text(OVERVIEW_HEADER + "\n", encoding="utf-8")
    with pytest.raises(StorageError, match=r":1: header differs"):
        CsvSink(tmp_path).write_cycle([option_row(0)], [])


def test_root_under_a_regular_file_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(StorageError, match="cannot open for append"):
        CsvSink(blocker / "csv").write_cycle([option_row(0)], [])


def test_folder_that_cannot_be_created_is_a_storage_error(tmp_path: Path) -> None:
    # A dangling symlink as the root: open() says ENOENT, mkdir() then fails with EEXIST.
    root = tmp_path / "csv"
    root.symlink_to(tmp_path / "gone" / "away")
    with pytest.raises(StorageError, match="cannot create folder"):
        CsvSink(root).write_cycle([option_row(0)], [])


_SHORT_WRITE_CHILD = textwrap.dedent(
    """
    import resource, signal, sys
    from datetime import date, datetime
    from pathlib import Path
    from g6runtime.collectors.model import OptionRow
    from g6runtime.errors import StorageError
    from g6runtime.market.calendar import IST
    from g6runtime.storage.csv_sink import CsvSink

    root, limit = Path(sys.argv[1]), int(sys.argv[2])
    row = OptionRow(datetime(2026, 11, 26, 9, 16, tzinfo=IST), "NIFTY", "this_week",
                    date(2026, 12, 1), 0, 25362.51, 25350, 25350, 186.38, 154.48,
                    1, 2, 3, 4, 0.14, 0.14)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
    try:
        CsvSink(root).write_cycle([row], [])
    except StorageError as exc:
        print(exc)
        sys.exit(0)
    sys.exit(3)
    """
)


def _short_write(root: Path, limit: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _SHORT_WRITE_CHILD, str(root), str(limit)],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
    )


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_short_write_leaves_an_existing_file_as_it_was(tmp_path: Path) -> None:
    CsvSink(tmp_path).write_cycle([option_row(0)], [])
    path = option_file(tmp_path, "0")
    before = path.read_bytes()

    proc = _short_write(tmp_path, len(before) + 20)  # room for 20 bytes of a ~150-byte row

    assert proc.returncode == 0, proc.stderr
    assert "row not written" in proc.stdout and str(path) in proc.stdout
    assert path.read_bytes() == before
    # The file is still good to append to.
    CsvSink(tmp_path).write_cycle([option_row(0, timestamp=NOW + timedelta(minutes=2))], [])
    assert len(list(read_rows(path))) == 2


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_short_write_of_a_new_file_leaves_no_partial_header_or_row(tmp_path: Path) -> None:
    proc = _short_write(tmp_path, 100)  # less than the header alone

    assert proc.returncode == 0, proc.stderr
    path = option_file(tmp_path, "0")
    assert not path.exists() or path.read_bytes() == b""
    CsvSink(tmp_path).write_cycle([option_row(0)], [])
    assert path.read_text(encoding="utf-8").splitlines()[0] == OPTION_HEADER
    assert len(path.read_text(encoding="utf-8").splitlines()) == 2


# --- property: any finite float or None gives 27 cells that parse back ---------------------

maybe_float = st.none() | st.floats(allow_nan=False, allow_infinity=False)
moderate = st.none() | st.floats(min_value=-1e9, max_value=1e9, allow_nan=False)


def _check_cell(cell: str, value: float | None, places: int) -> None:
    if value is None:
        assert cell == ""
        return
    parsed = float(cell)
    assert len(cell.partition(".")[2]) == places
    assert math.isclose(parsed, value, rel_tol=1e-12, abs_tol=0.5 * 10**-places + 1e-12)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.fixed_dictionaries({name: maybe_float for name in FLOAT_FIELDS}),
    ints=st.lists(st.integers(0, 10**9), min_size=4, max_size=4),
    offset=st.integers(-5000, 5000),
    when=st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from([UTC, IST, timezone(timedelta(hours=-7, minutes=-30))]),
    ),
)
def test_any_finite_values_give_27_cells_that_parse_back(
    values: dict[str, float | None], ints: list[int], offset: int, when: datetime
) -> None:
    index_price = values.pop("index_price")
    row = option_row(
        offset,
        timestamp=when,
        index_price=0.0 if index_price is None else index_price,
        ce_vol=ints[0],
        pe_vol=ints[1],
        ce_oi=ints[2],
        pe_oi=ints[3],
        **values,
    )
    line = option_line(row)
    assert line.endswith("\n") and line.count("\n") == 1
    (cells,) = list(csv.reader(io.StringIO(line)))
    assert len(cells) == 27
    by = dict(zip(OPTION_COLUMNS, cells, strict=True))

    stamp = datetime.fromisoformat(by["timestamp"])
    assert stamp == when.replace(microsecond=0)  # whole seconds
    assert stamp.utcoffset() == timedelta(hours=5, minutes=30)
    assert int(by["offset"]) == offset and by["offset"].startswith("+" if offset > 0 else "")
    assert [int(by[c]) for c in ("ce_vol", "pe_vol", "ce_oi", "pe_oi")] == ints
    _check_cell(by["index_price"], row.index_price, 2)
    for name in ("ce", "pe"):
        _check_cell(by[name], values[name], 2)
    for name, value in values.items():
        if name not in ("ce", "pe"):
            _check_cell(by[name], value, 6)
    if row.ce is None or row.pe is None:
        assert by["tp"] == ""
    elif by["tp"]:
        assert by["ce"] and by["pe"]
        if abs(row.ce) < 1e9 and abs(row.pe) < 1e9:
            assert Decimal(by["tp"]) == Decimal(by["ce"]) + Decimal(by["pe"])


@settings(max_examples=100, deadline=None)
@given(
    pcr=st.lists(moderate, min_size=4, max_size=4),
    price=st.floats(allow_nan=False, allow_infinity=False),
    collected=st.integers(0, 15),
)
def test_any_overview_values_give_13_cells_that_parse_back(
    pcr: list[float | None], price: float, collected: int
) -> None:
    tags = ("this_week", "next_week", "this_month", "next_month")
    row = overview_row(
        index_price=price, pcr=dict(zip(tags, pcr, strict=True)), collected_mask=collected
    )
    (cells,) = list(csv.reader(io.StringIO(overview_line(row))))
    assert len(cells) == 13
    by = dict(zip(OVERVIEW_COLUMNS, cells, strict=True))
    _check_cell(by["index_price"], price, 2)
    for tag, value in zip(tags, pcr, strict=True):
        _check_cell(by[f"pcr_{tag}"], value, 4)
    assert int(by["missing_mask"]) == 15 & ~collected
    assert int(by["expiries_collected"]) == bin(collected).count("1")


def test_parse_with_the_csv_module_matches_the_header(tmp_path: Path) -> None:
    CsvSink(tmp_path).write_cycle([option_row(o) for o in (-100, 0, 100)], [overview_row()])
    for path in tmp_path.rglob("*.csv"):
        rows = parse(path)
        width = len(rows[0])
        assert width in (27, 13)
        assert all(len(r) == width for r in rows)
