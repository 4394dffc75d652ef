"""The exchanges' trading holidays: the shipped table (``holidays.csv``) plus the config's extras.

The table lists the weekday trading holidays of NSE and BSE for the years in
:data:`SHIPPED_YEARS` (its header names the exchanges' published lists it was taken
from). It is read on first use, never at import. ``market.extra_holidays`` in the
config adds dates to both exchanges (a special closure announced at short notice, or a
year the table does not cover yet). Weekends are closed by the calendar itself
(:func:`g6runtime.market.calendar.is_trading_day`), not by this table.

* :func:`exchange_holidays` — one exchange's holidays (``NSE`` for NIFTY, BANKNIFTY and
  FINNIFTY; ``BSE`` for SENSEX): the expiry shifts of that exchange's contracts.
* :func:`market_holidays` — the days on which every exchange is closed: the runtime's
  "market closed" (``g6 collect`` waits, ``g6 simulate`` steps over them).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date
from functools import cache
from importlib.resources import files
from typing import Final

from ..errors import DataError

__all__ = [
    "EXCHANGES",
    "SHIPPED_YEARS",
    "HolidayTableError",
    "exchange_holidays",
    "market_holidays",
    "parse_holiday_table",
    "shipped_holidays",
]

EXCHANGES: Final[tuple[str, ...]] = ("NSE", "BSE")
SHIPPED_YEARS: Final[tuple[int, ...]] = (2026, 2027)
"""The years the shipped table covers (2027 provisionally; see ``holidays.csv``)."""

_TABLE = "holidays.csv"
_HEADER = ["date", "exchanges", "status", "name"]
_STATUSES = ("published", "provisional")


class HolidayTableError(DataError):
    """The holiday table cannot be read: the message names the line and what is wrong."""


def parse_holiday_table(text: str, origin: str = _TABLE) -> dict[str, frozenset[date]]:
    """Each exchange's holidays from the table's text (``#`` lines are comments).

    Raises :class:`HolidayTableError` (``origin:line: what is wrong``) for a wrong
    header, a bad date, a weekend date, an unknown exchange or status, or a repeat.
    """
    out: dict[str, set[date]] = {exchange: set() for exchange in EXCHANGES}
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1)]
    body = [(n, line) for n, line in lines if line.strip() and not line.startswith("#")]
    if not body or next(csv.reader([body[0][1]])) != _HEADER:
        raise HolidayTableError(f"{origin}: the first row must be {','.join(_HEADER)}")
    for n, line in body[1:]:
        where = f"{origin}:{n}"
        cells = next(csv.reader([line]))
        if len(cells) != len(_HEADER):
            raise HolidayTableError(f"{where}: expected {len(_HEADER)} cells, got {len(cells)}")
        raw, exchanges, status, _name = cells
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise HolidayTableError(f"{where}: {raw!r} is not a YYYY-MM-DD date") from None
        if day.weekday() >= 5:
            raise HolidayTableError(f"{where}: {raw} is a weekend day (list weekdays only)")
        if status not in _STATUSES:
            raise HolidayTableError(f"{where}: status {status!r} is not one of {_STATUSES}")
        named = exchanges.split()
        if not named or any(e not in EXCHANGES for e in named):
            raise HolidayTableError(f"{where}: exchanges {exchanges!r} must be among {EXCHANGES}")
        for exchange in named:
            if day in out[exchange]:
                raise HolidayTableError(f"{where}: {raw} is listed twice for {exchange}")
            out[exchange].add(day)
    return {exchange: frozenset(days) for exchange, days in out.items()}


@cache
def shipped_holidays() -> dict[str, frozenset[date]]:
    """The shipped table, parsed once per process."""
    text = files(__package__ or "g6runtime.market").joinpath(_TABLE).read_text("utf-8")
    return parse_holiday_table(text)


def _exchange(exchange: str) -> str:
    name = exchange.upper()
    if name not in EXCHANGES:
        raise ValueError(f"unknown exchange {exchange!r} (known: {', '.join(EXCHANGES)})")
    return name


def exchange_holidays(exchange: str, extra: Iterable[date] = ()) -> frozenset[date]:
    """``exchange``'s shipped holidays plus ``extra`` (the config's ``market.extra_holidays``)."""
    return shipped_holidays()[_exchange(exchange)] | frozenset(extra)


@cache
def _common() -> frozenset[date]:
    tables = shipped_holidays()
    return frozenset.intersection(*(tables[e] for e in EXCHANGES))


def market_holidays(extra: Iterable[date] = ()) -> frozenset[date]:
    """The days every exchange is closed, plus ``extra``."""
    extra = frozenset(extra)
    return _common() | extra if extra else _common()
