"""The provider contract: what a market-data source offers one collection cycle.

A provider answers three questions for an index at an injected instant ``now``
(an aware datetime): the index level, the listed expiries, and quotes for
option strikes of one expiry. A cycle asks the batched forms: ``spots`` (every index
level at once) and ``chains`` (every chain's quotes at once), so a provider whose API
takes many instruments per request (Kite: 500) can answer a cycle in a few requests.
:class:`OneByOne` gives the batched forms to a provider that answers one at a time.
In the batched forms a failure is a value (the exception) for the items it concerned,
so one index's failure never hides another index's data.

Failures are typed: ``ProviderError`` for any failure of the source,
``ProviderTimeout`` (a ``ProviderError``) when it did not answer in time (both from
:mod:`g6runtime.errors`, re-exported here). Bad *data* is not an error here: it comes
back as quotes, and validation downstream judges it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol, runtime_checkable

from ..errors import DataError, ProviderError, ProviderTimeout

__all__ = [
    "ChainRequest",
    "Failed",
    "OneByOne",
    "OptionKind",
    "Provider",
    "ProviderError",
    "ProviderTimeout",
    "Quote",
    "TokenBound",
    "quote",
]

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


_QUOTE_SET = tuple(getattr(Quote, name).__set__ for name in Quote.__slots__)
_new = object.__new__


def quote(
    index: str,
    expiry: date,
    strike: int,
    kind: OptionKind,
    bid: float | None,
    ask: float | None,
    last: float | None,
    volume: int,
    oi: int,
    as_of: datetime | None = None,
) -> Quote:
    """``Quote(...)`` without the frozen dataclass's ``__init__`` (one
    ``object.__setattr__`` per field): a provider builds hundreds per cycle. The slots are
    set through their own descriptors; the result equals the one ``__init__`` builds."""
    q: Quote = _new(Quote)
    s = _QUOTE_SET
    s[0](q, index)
    s[1](q, expiry)
    s[2](q, strike)
    s[3](q, kind)
    s[4](q, bid)
    s[5](q, ask)
    s[6](q, last)
    s[7](q, volume)
    s[8](q, oi)
    s[9](q, as_of)
    return q


@dataclass(frozen=True, slots=True)
class ChainRequest:
    """The quotes a cycle wants of one chain: CE then PE for each strike, in order."""

    index: str
    expiry: date
    strikes: tuple[int, ...]


# What a batched call gives for an item it could not answer: the failure itself.
Failed = ProviderError | DataError | TimeoutError | OSError
_FAILURES = (ProviderError, DataError, TimeoutError, OSError)


@runtime_checkable
class TokenBound(Protocol):
    """A provider whose access token expires (Kite): ``g6_kite_token_expiry_timestamp_seconds``."""

    token_expires_at: datetime | None


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

    def spots(self, indices: Sequence[str], now: datetime) -> dict[str, float | Failed]:
        """Every index level at ``now``; a failure is the value of the indices it hit."""
        ...

    def chains(
        self, requests: Sequence[ChainRequest], now: datetime
    ) -> dict[tuple[str, date], list[Quote] | Failed]:
        """Every requested chain's quotes, keyed by ``(index, expiry)``."""
        ...


class OneByOne:
    """The batched calls of a provider that answers one index or chain at a time."""

    def spot(self, index: str, now: datetime) -> float:
        raise NotImplementedError

    def option_quotes(
        self, index: str, expiry: date, strikes: Sequence[int], now: datetime
    ) -> list[Quote]:
        raise NotImplementedError

    def spots(self, indices: Sequence[str], now: datetime) -> dict[str, float | Failed]:
        out: dict[str, float | Failed] = {}
        for index in indices:
            try:
                out[index] = self.spot(index, now)
            except _FAILURES as exc:
                out[index] = exc
        return out

    def chains(
        self, requests: Sequence[ChainRequest], now: datetime
    ) -> dict[tuple[str, date], list[Quote] | Failed]:
        out: dict[tuple[str, date], list[Quote] | Failed] = {}
        for r in requests:
            try:
                out[(r.index, r.expiry)] = self.option_quotes(r.index, r.expiry, r.strikes, now)
            except _FAILURES as exc:
                out[(r.index, r.expiry)] = exc
        return out
