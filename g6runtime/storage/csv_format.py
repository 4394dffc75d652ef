"""CSV text of a cycle's rows (SPEC §2): the headers, every cell's format, the paths.

Floats are formatted explicitly (fixed places, an empty cell for a value that could not
be computed, never ``-0.00``) so the same inputs give byte-identical files. The CSV sink
writes these lines; the Influx sink builds its points from the same lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from math import isfinite
from operator import attrgetter
from pathlib import Path
from typing import NamedTuple

from ..collectors.model import OptionRow, OverviewRow
from ..market.calendar import IST
from ..market.expiries import EXPIRY_RULES

OPTION_HEADER = (
    "timestamp,index,expiry_tag,expiry_date,offset,index_price,atm,strike,ce,pe,tp,"
    "ce_vol,pe_vol,ce_oi,pe_oi,ce_iv,pe_iv,ce_delta,pe_delta,ce_gamma,pe_gamma,"
    "ce_theta,pe_theta,ce_vega,pe_vega,ce_rho,pe_rho"
)
OVERVIEW_HEADER = (
    "timestamp,index,index_price,atm,pcr_this_week,pcr_next_week,pcr_this_month,"
    "pcr_next_month,expiries_expected,expiries_collected,expected_mask,collected_mask,"
    "missing_mask"
)


_SPECS = {places: f".{places}f" for places in range(10)}
_NEG_ZERO = {places: "-0." + "0" * places for places in range(10)}


def fmt(value: float | None, places: int) -> str:
    """Fixed-point text, or an empty cell for a value that could not be computed."""
    if value is None or not isfinite(value):
        return ""
    text = format(value, _SPECS[places])
    return text[1:] if text == _NEG_ZERO[places] else text


def fmt_offset(offset: int) -> str:
    return f"+{offset}" if offset > 0 else str(offset)


def stamp(ts: datetime) -> str:
    """The CSV timestamp: ISO 8601 in Asia/Kolkata with its offset."""
    return ts.astimezone(IST).isoformat(timespec="seconds")


# The numeric cells of an option row (index_price … pe_rho) in one %-format: the same
# text as fmt()/str() cell by cell (both are CPython's correctly rounded 'f' conversion),
# used when no cell is None, NaN, infinite or a negative zero (the slow path handles them).
_OPTION_NUMBERS = ",".join(["%.2f", "%d", "%d", "%.2f", "%.2f", "%.2f", "%d", "%d", "%d", "%d"])
_OPTION_NUMBERS += ",%.6f" * 12 + "\n"


# The row's head (its first five cells) and numbers in one %-format, the cells around tp
# taken in one call each.
_OPTION_LINE = "%s" + _OPTION_NUMBERS
_FIRST = attrgetter("index_price", "atm", "strike", "ce", "pe")
_REST = attrgetter(
    "ce_vol", "pe_vol", "ce_oi", "pe_oi", "ce_iv", "pe_iv", "ce_delta", "pe_delta",
    "ce_gamma", "pe_gamma", "ce_theta", "pe_theta", "ce_vega", "pe_vega", "ce_rho", "pe_rho",
)  # fmt: skip


def option_line(row: OptionRow, ts: str | None = None, head: str | None = None) -> str:
    """The row's CSV line; ``head``: its first five cells with their commas, when known
    (cycle_lines builds them once per chain)."""
    if head is None:
        head = f"{ts or stamp(row.timestamp)},{row.index},{row.expiry_tag},"
        head += f"{row.expiry_date.isoformat()},{fmt_offset(row.offset)},"
    return _usual_line(row, head) or _option_line_cells(row, ts)


def _usual_line(row: OptionRow, head: str) -> str | None:
    """The line in one %-format; None when a cell is None, NaN, infinite or a negative
    zero (the cell-by-cell path writes those)."""
    # tp from the two cells as written (2 places), so tp == ce + pe holds in the file.
    ce, pe = row.ce, row.pe
    if ce is None or pe is None:
        return None
    try:
        line: str = _OPTION_LINE % (head, *_FIRST(row), round(ce, 2) + round(pe, 2), *_REST(row))
    except TypeError:  # a None cell
        return None
    start = len(head)
    if (
        line.find("n", start) >= 0
        or (  # nan, inf; -0
            line.find(",-0.00", start - 1) >= 0 and _negative_zero(line[start - 1 :])
        )
    ):
        return None
    return line


def _negative_zero(cells: str) -> bool:
    """A cell of ``cells`` (each after a comma, the last before the line end) is -0.00…"""
    return any(z in cells for z in (",-0.00,", ",-0.00\n", ",-0.000000,", ",-0.000000\n"))


def _option_line_cells(row: OptionRow, ts: str | None) -> str:
    ce, pe = row.ce, row.pe
    tp = None if ce is None or pe is None else round(ce, 2) + round(pe, 2)
    cells = [
        ts or stamp(row.timestamp),
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
        fmt(row.ce_iv, 6),
        fmt(row.pe_iv, 6),
    ]
    greeks = (
        row.ce_delta,
        row.pe_delta,
        row.ce_gamma,
        row.pe_gamma,
        row.ce_theta,
        row.pe_theta,
        row.ce_vega,
        row.pe_vega,
        row.ce_rho,
        row.pe_rho,
    )
    cells.extend(fmt(g, 6) for g in greeks)
    return ",".join(cells) + "\n"


def overview_line(row: OverviewRow) -> str:
    cells = [
        row.timestamp.astimezone(IST).isoformat(timespec="seconds"),
        row.index,
        fmt(row.index_price, 2),
        str(row.atm),
        *(fmt(row.pcr.get(tag), 4) for tag in EXPIRY_RULES),
        str(row.expiries_expected),
        str(row.expiries_collected),
        str(row.expected_mask),
        str(row.collected_mask),
        str(row.missing_mask),
    ]
    return ",".join(cells) + "\n"


def option_path(root: Path, row: OptionRow) -> Path:
    day = row.timestamp.astimezone(IST).date().isoformat()
    return root / row.index / row.expiry_tag / fmt_offset(row.offset) / f"{day}.csv"


def overview_path(root: Path, row: OverviewRow) -> Path:
    day = row.timestamp.astimezone(IST).date().isoformat()
    return root / "overview" / row.index / f"{day}.csv"


class CycleLines(NamedTuple):
    """A cycle's rows as CSV lines, in the order of the rows (the one formatting)."""

    options: tuple[str, ...]
    overview: tuple[str, ...]


def cycle_lines(options: Sequence[OptionRow], overview: Sequence[OverviewRow]) -> CycleLines:
    """A cycle's lines: option_line's text for each row, in one %-format per usual row."""
    # The cells before the offset are a chain's (timestamp, index, tag, expiry): once each.
    chains: dict[tuple[datetime, str, str, date], str] = {}
    offsets: dict[int, str] = {}
    out = []
    for row in options:
        key = (row.timestamp, row.index, row.expiry_tag, row.expiry_date)
        prefix = chains.get(key)
        if prefix is None:
            ts, day = stamp(row.timestamp), row.expiry_date.isoformat()
            prefix = chains[key] = f"{ts},{row.index},{row.expiry_tag},{day},"
        offset = offsets.get(row.offset)
        if offset is None:
            offset = offsets[row.offset] = f"{fmt_offset(row.offset)},"
        head = prefix + offset
        out.append(_usual_line(row, head) or _option_line_cells(row, None))
    return CycleLines(tuple(out), tuple(overview_line(o) for o in overview))
