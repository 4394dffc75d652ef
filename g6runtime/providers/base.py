"""The provider contract: what a market-data source offers one collection cycle.

A provider answers three questions for an index at an injected instant ``now``
(an aware datetime): the index level, the listed expiries, and quotes for
option strikes of one expiry. Failures are typed: ``ProviderError`` for any
failure of the source, ``ProviderTimeout`` (a ``ProviderError``) when it did not
answer in time (both from :mod:`g6runtime.errors`, re-exported here). Bad *data*
is not an error here: it comes back as quotes, and validation downstream judges it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol, runtime_checkable

from ..errors import ProviderError, ProviderTimeout

__all__ = ["OptionKind", "Provider", "ProviderError", "ProviderTimeout", "Quote"]

OptionKind = Literal["CE", "PE"]


@dataclass(frozen=True, slots=True)
class Quote:
    """One option's quote as the provider gave it.

    Prices are in index points (``None`` when the source has none); ``volume``
    is the day's traded contracts so far and ``oi`` the open interest.
    ``as_of`` is the instant the source says the quote is from, when it says.
    Nothing is validated here: a provider may return crossed, negative or
    garbage values, and the validation stage must catch them.
    """

    index: str
    expiry: date
    strike: int
    kind: OptionKind
    bid: float | None
    ask: float | None
    last: float | None
    volume: int
    oi: int
    as_of: datetime | None = None

    @property
    def mid(self) -> float | None:
        """``(bid + ask) / 2`` when both prices are present, else ``None``."""
        if self.bid is None or self.ask is None:
            return None
        return (self.bid + self.ask) / 2


@runtime_checkable
class Provider(Protocol):
    """A source of index levels, expiries and option quotes."""

    def spot(self, index: str, now: datetime) -> float:
        """The index level at ``now``."""
        ...

    def expiries(self, index: str, now: datetime) -> list[date]:
        """The listed expiry dates at ``now``, ascending."""
        ...

    def option_quotes(
        self, index: str, expiry: date, strikes: Sequence[int], now: datetime
    ) -> list[Quote]:
        """Quotes for ``strikes`` of ``expiry``: CE then PE for each strike, in the given order."""
        ...
