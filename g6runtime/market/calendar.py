"""The trading calendar of the Indian index-options market (Asia/Kolkata).

Asia/Kolkata is UTC+05:30 all year. Every function takes an aware ``datetime``
(the clock is injected by the caller) and rejects naive ones: the machine runs
in UTC, and from 18:30 UTC the Asia/Kolkata date is already tomorrow.

Market hours are 09:15–15:30 IST, Monday to Friday, minus holidays. The session
is the closed interval ``[09:15:00, 15:30:00]``: the close at exactly 15:30 is
still collected, one microsecond later the market is closed. ``holidays`` is a
set of Asia/Kolkata dates; left out (None) it is the shipped exchange calendar
(:func:`g6runtime.market.holidays.market_holidays`: the days NSE and BSE are both
closed). Pass ``frozenset()`` for weekends only.

Expiry day: the pipeline rolls to the next expiry after the close.
``expiry_reference_date(now)`` is the date to pass to ``resolve_expiry``: the
market date up to and including 15:30, the next calendar day after it.
"""

from __future__ import annotations

from collections.abc import Set
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .holidays import market_holidays

__all__ = [
    "IST",
    "MARKET_CLOSE",
    "MARKET_OPEN",
    "expiry_reference_date",
    "is_market_open",
    "is_trading_day",
    "market_date",
    "next_open",
    "previous_trading_day",
    "session_bounds",
]

IST = ZoneInfo("Asia/Kolkata")
MARKET_OPEN = time(9, 15)
MARKET_CLOSE = time(15, 30)


def _holidays(holidays: Set[date] | None) -> Set[date]:
    return market_holidays() if holidays is None else holidays


def _to_ist(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {now.isoformat()}")
    return now.astimezone(IST)


def market_date(now: datetime) -> date:
    """The Asia/Kolkata calendar date of ``now`` (any aware datetime)."""
    return _to_ist(now).date()


def is_trading_day(day: date, *, holidays: Set[date] | None = None) -> bool:
    """Monday to Friday and not a holiday."""
    return day.weekday() < 5 and day not in _holidays(holidays)


def session_bounds(day: date) -> tuple[datetime, datetime]:
    """The session's open and close on ``day`` as aware IST datetimes."""
    return (
        datetime.combine(day, MARKET_OPEN, tzinfo=IST),
        datetime.combine(day, MARKET_CLOSE, tzinfo=IST),
    )


def is_market_open(now: datetime, *, holidays: Set[date] | None = None) -> bool:
    """Whether ``now`` falls in a session: a trading day, 09:15:00 ≤ IST time ≤ 15:30:00."""
    local = _to_ist(now)
    if not is_trading_day(local.date(), holidays=_holidays(holidays)):
        return False
    return MARKET_OPEN <= local.time() <= MARKET_CLOSE


def next_open(now: datetime, *, holidays: Set[date] | None = None) -> datetime:
    """The earliest instant ≥ ``now`` at which the market is open, in IST.

    While a session is running that is ``now`` itself; otherwise the 09:15 open
    of the next trading day (today's, if ``now`` is before today's open).
    """
    local = _to_ist(now)
    holidays = _holidays(holidays)
    if is_market_open(local, holidays=holidays):
        return local
    day = local.date()
    if local.time() > MARKET_OPEN:
        day += timedelta(days=1)
    while not is_trading_day(day, holidays=holidays):
        day += timedelta(days=1)
    return session_bounds(day)[0]


def previous_trading_day(day: date, *, holidays: Set[date] | None = None) -> date:
    """The latest trading day ≤ ``day`` (``day`` itself when it trades)."""
    holidays = _holidays(holidays)
    while not is_trading_day(day, holidays=holidays):
        day -= timedelta(days=1)
    return day


def expiry_reference_date(now: datetime) -> date:
    """The ``today`` to resolve expiry rules with: rolls to tomorrow after the 15:30 close.

    Up to and including 15:30 IST an expiry dated today is still the current
    one; after the close its time to expiry is zero, so the pipeline moves on.
    """
    local = _to_ist(now)
    if local.time() > MARKET_CLOSE:
        return local.date() + timedelta(days=1)
    return local.date()
