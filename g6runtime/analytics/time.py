"""Time to expiry as an ACT/365 year fraction, the ``t`` of every pricing function.

An Indian index option expires at the close, 15:30 Asia/Kolkata (UTC+05:30 all
year, no DST), on its expiry date. The year fraction counts calendar time
(nights and holidays included) over 365 days.

Floor: on expiry day the fraction reaches zero at 15:30 and goes negative after,
and the IV solver would have nothing to solve. The result is therefore never
below :data:`MIN_YEAR_FRACTION` (5 minutes): an option at or past its expiry
time is priced as if 5 minutes remained. Rolling to the next expiry after the
close is the caller's job (the market calendar), not this function's.
"""

from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo

__all__ = [
    "EXPIRY_TIME",
    "MARKET_TZ",
    "MIN_YEAR_FRACTION",
    "SECONDS_PER_YEAR",
    "expiry_datetime",
    "year_fraction_to_expiry",
]

MARKET_TZ: Final = "Asia/Kolkata"
EXPIRY_TIME: Final = time(15, 30)
SECONDS_PER_YEAR: Final = 365.0 * 24 * 3600
MIN_YEAR_FRACTION: Final = 5 * 60 / SECONDS_PER_YEAR
"""The floor: 5 minutes, as a year fraction (≈ 9.5e-6)."""


@lru_cache(maxsize=1)
def _market_zone() -> ZoneInfo:
    return ZoneInfo(MARKET_TZ)


def expiry_datetime(expiry: date) -> datetime:
    """The expiry instant: 15:30 Asia/Kolkata on ``expiry``."""
    return datetime.combine(expiry, EXPIRY_TIME, tzinfo=_market_zone())


def year_fraction_to_expiry(now: datetime, expiry: date) -> float:
    """ACT/365 years from ``now`` to 15:30 Asia/Kolkata on ``expiry``, at least 5 minutes.

    ``now`` must be timezone-aware (any zone): a naive datetime is ambiguous on a
    machine running in UTC, so it raises ``ValueError`` rather than guess.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("year_fraction_to_expiry needs a timezone-aware datetime")
    seconds = (expiry_datetime(expiry) - now).total_seconds()
    return max(seconds / SECONDS_PER_YEAR, MIN_YEAR_FRACTION)
