"""The cycle's stages as plain functions over frozen data.

resolve → fetch → validate → analytics → rows. Provider failures are caught per
index (resolve) and per expiry (fetch) and become :class:`Failure` values, so one
failing index never stops the others: ``ProviderError`` of the taxonomy (its
``ProviderTimeout`` a timeout), a ``DataError`` a provider raises about its own
answer, and the network errors an adapter may let through (``TimeoutError`` a
timeout, any other ``OSError`` an error). An unusable index level (not a positive
finite number, or too small for a strike ladder) is a data failure of that index.
Each failure carries the ``category`` of the error taxonomy (g6runtime.errors).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import NamedTuple, TypeVar, cast

from ..errors import DataError, G6Error
from ..errors import ProviderError as SourceError
from ..market.calendar import expiry_reference_date
from ..market.expiries import ExpiryResolutionError, ExpiryRule, resolve_expiry
from ..market.strikes import atm_strike, strike_ladder
from ..providers.base import Provider, ProviderTimeout, Quote

Timer = Callable[[], float]
T = TypeVar("T")


@dataclass(frozen=True)
class Failure:
    """A stage that could not complete for one index (and expiry, when known)."""

    index: str
    stage: str
    kind: str  # error | timeout | expiry
    message: str
    expiry_tag: str | None = None
    category: str = SourceError.category  # the G6Error category: provider | data


@dataclass(frozen=True)
class QualityIssue:
    index: str
    expiry_tag: str
    strike: int
    leg: str
    kind: str  # negative | crossed | missing


@dataclass(frozen=True)
class IndexPlan:
    index: str
    spot: float
    atm: int
    step: int
    strikes: tuple[int, ...]
    expiries: Mapping[str, date]


@dataclass(frozen=True)
class Chain:
    index: str
    expiry_tag: str
    expiry: date
    quotes: tuple[Quote, ...]


class Leg(NamedTuple):
    """One validated option leg: a usable price (or None) and its activity (a named tuple:
    a cycle makes one per quote, and a tuple is built in a fifth of a frozen dataclass's time)."""

    price: float | None
    volume: int
    oi: int


@dataclass(frozen=True)
class ValidChain:
    index: str
    expiry_tag: str
    expiry: date
    legs: Mapping[tuple[int, str], Leg]


@dataclass
class Calls:
    """Provider request timings and failures, gathered while fetching."""

    durations: list[float] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


def _call(
    fn: Callable[[], T], index: str, stage: str, calls: Calls, timer: Timer, tag: str | None = None
) -> T | None:
    start = timer()
    try:
        return fn()
    except (ProviderTimeout, TimeoutError) as exc:
        calls.failures.append(Failure(index, stage, "timeout", str(exc) or repr(exc), tag))
    except (SourceError, DataError, OSError) as exc:
        category = exc.category if isinstance(exc, G6Error) else SourceError.category
        calls.failures.append(Failure(index, stage, "error", str(exc) or repr(exc), tag, category))
    finally:
        calls.durations.append(timer() - start)
    return None


def resolve(
    provider: Provider,
    index: str,
    step: int,
    rules: Sequence[str],
    n: int,
    now: datetime,
    calls: Calls,
    timer: Timer = time.perf_counter,
) -> IndexPlan | None:
    """Spot, ATM, strike ladder and the expiry date of each rule for one index."""
    spot = _call(lambda: provider.spot(index, now), index, "spot", calls, timer)
    listed = _call(lambda: provider.expiries(index, now), index, "expiries", calls, timer)
    if spot is None or listed is None:
        return None
    try:
        atm = atm_strike(spot, step)
        ladder = strike_ladder(atm, step, n)
    except ValueError as exc:
        message = f"unusable index price {spot!r}: {exc}"
        calls.failures.append(Failure(index, "spot", "error", message, None, DataError.category))
        return None
    today = expiry_reference_date(now)
    expiries: dict[str, date] = {}
    for rule in rules:
        try:
            expiries[rule] = resolve_expiry(cast(ExpiryRule, rule), listed, today)
        except ExpiryResolutionError as exc:
            failure = Failure(index, "resolve", "expiry", str(exc), rule, DataError.category)
            calls.failures.append(failure)
    return IndexPlan(index, spot, atm, step, ladder, expiries)


def fetch(
    provider: Provider,
    plan: IndexPlan,
    now: datetime,
    calls: Calls,
    timer: Timer = time.perf_counter,
) -> list[Chain]:
    chains = []
    for tag, expiry in plan.expiries.items():
        quotes = _call(
            partial(provider.option_quotes, plan.index, expiry, plan.strikes, now),
            plan.index,
            "quotes",
            calls,
            timer,
            tag,
        )
        if quotes is not None:
            chains.append(Chain(plan.index, tag, expiry, tuple(quotes)))
    return chains


def _usable(x: float | None) -> bool:
    return x is not None and math.isfinite(x) and x > 0


def validate_quote(q: Quote, tag: str, issues: list[QualityIssue]) -> Leg:
    """Mid when bid/ask are sane, else a positive last price, else None; counts problems.

    A NaN or infinite bid/ask counts as missing; negative volume or OI as negative.
    """
    bid, ask, last, volume, oi = q.bid, q.ask, q.last, q.volume, q.oi
    if (
        (bid is not None and bid < 0)
        or (ask is not None and ask < 0)
        or (last is not None and last < 0)
        or volume < 0
        or oi < 0
    ):
        issues.append(QualityIssue(q.index, tag, q.strike, q.kind, "negative"))
    if bid is None or ask is None or not (math.isfinite(bid) and math.isfinite(ask)):
        issues.append(QualityIssue(q.index, tag, q.strike, q.kind, "missing"))
    elif bid > ask:
        issues.append(QualityIssue(q.index, tag, q.strike, q.kind, "crossed"))
    elif bid > 0 and ask > 0:
        return Leg((bid + ask) / 2.0, max(volume, 0), max(oi, 0))
    price = last if _usable(last) else None
    return Leg(price, max(volume, 0), max(oi, 0))


def validate(chain: Chain, issues: list[QualityIssue]) -> ValidChain:
    legs: dict[tuple[int, str], Leg] = {
        (q.strike, q.kind): validate_quote(q, chain.expiry_tag, issues) for q in chain.quotes
    }
    return ValidChain(chain.index, chain.expiry_tag, chain.expiry, legs)
