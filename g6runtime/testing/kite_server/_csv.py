"""Kite's instrument dump as CSV: its column order and one writer for the local server."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from g6runtime.testing.kite_server._market import Instrument

__all__ = ["CSV_COLUMNS", "dump", "header"]

CSV_COLUMNS = (
    "instrument_token",
    "exchange_token",
    "tradingsymbol",
    "name",
    "last_price",
    "expiry",
    "strike",
    "tick_size",
    "lot_size",
    "instrument_type",
    "segment",
    "exchange",
)
_TICK = 0.05


def header() -> bytes:
    return (",".join(CSV_COLUMNS) + "\n").encode()


def dump(rows: list[tuple[Instrument, float]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row, last in rows:
        option = row.expiry is not None
        writer.writerow(
            (
                row.instrument_token,
                row.exchange_token,
                row.tradingsymbol,
                row.index if option else row.tradingsymbol,
                f"{last:.2f}" if option else "0",
                row.expiry.isoformat() if row.expiry is not None else "",
                row.strike if row.strike is not None else 0,
                _TICK if option else 0,
                row.lot_size,
                row.kind if row.kind is not None else "EQ",
                f"{row.exchange}-OPT" if option else "INDICES",
                row.exchange,
            )
        )
    return buffer.getvalue().encode()
