"""The cycle's stages as plain functions over frozen data.

spots → listing → plan → fetch → validate → analytics → rows. The provider is asked in
batches (``spots``: every index level; ``fetch_all``: every chain), and its failures
become :class:`Failure` values per index (levels, listings) and per expiry (chains), so
one failing index never stops the others: ``ProviderError`` of the taxonomy (its
``ProviderTimeout`` a timeout), a ``DataError`` a provider raises about its own
answer, and the network errors an adapter may let through (``TimeoutError`` a
timeout, any other ``OSError`` an error). An unusable index level (not a positive
finite number, or too small for a strike ladder) is a data failure of that index.
Each failure carries the ``category`` of the error taxonomy (g6runtime.errors).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple, TypeVar, cast

from ..errors import DataError, G6Error
from ..errors import ProviderError as SourceError
from ..market.calendar import expiry_reference_date
from ..market.expiries import ExpiryResolutionError, ExpiryRule, resolve_expiry
from ..market.strikes import atm_strike, strike_ladder
from ..providers.base import ChainRequest, Provider, ProviderTimeout, Quote

Timer = Callable[[], float]
T = TypeVar("T")


#: ``Failure.kind`` of a provider call that failed (``g6_provider_errors_total{kind}``)
PROVIDER_ERROR_KINDS: tuple[str, ...] = ("error", "timeout")
#: ``QualityIssue.kind`` (``g6_data_quality_issues_total{kind}``)
QUALITY_KINDS: tuple[str, ...] = ("negative", "crossed", "missing")


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


def _failure(exc: BaseException, index: str, stage: str, tag: str | None = None) -> Failure:
    """The Failure value of a provider failure (a timeout, or an error of its category)."""
    if isinstance(exc, ProviderTimeout | TimeoutError):
        return Failure(index, stage, "timeout", str(exc) or repr(exc), tag)
    category = exc.category if isinstance(exc, G6Error) else SourceError.category
    return Failure(index, stage, "error", str(exc) or repr(exc), tag, category)


_FAILURES = (SourceError, DataError, OSError)  # ProviderTimeout and TimeoutError included


def _call(
    fn: Callable[[], T], index: str, stage: str, calls: Calls, timer: Timer, tag: str | None = None
) -> T | None:
    start = timer()
    try:
        return fn()
    except _FAILURES as exc:
        calls.failures.append(_failure(exc, index, stage, tag))
    finally:
        calls.durations.append(timer() - start)
    return None


def spots(
    provider: Provider, indices: Sequence[str], now: datetime, calls: Calls, timer: Timer
) -> dict[str, float]:
    """Every index level in one batched call; a failure is recorded for each index it hit."""
    start = timer()
    try:
        got: Mapping[str, object] = provider.spots(indices, now)
    except _FAILURES as exc:
        got = dict.fromkeys(indices, exc)
    finally:
        calls.durations.append(timer() - start)
    out: dict[str, float] = {}
    for index in indices:
        value = got.get(index, SourceError(f"no index level for {index} in the answer"))
        if isinstance(value, BaseException):
            calls.failures.append(_failure(value, index, "spot"))
        elif isinstance(value, int | float):
            out[index] = float(value)
    return out


def fetch_all(
    provider: Provider, plans: Sequence[IndexPlan], now: datetime, calls: Calls, timer: Timer
) -> list[Chain]:
    """Every plan's chains in one batched call (the provider splits it as its API needs)."""
    wanted = [(p, tag, expiry) for p in plans for tag, expiry in p.expiries.items()]
    requests = [ChainRequest(p.index, expiry, tuple(p.strikes)) for p, _, expiry in wanted]
    start = timer()
    try:
        got: Mapping[tuple[str, date], object] = provider.chains(requests, now)
    except _FAILURES as exc:
        got = {(r.index, r.expiry): exc for r in requests}
    finally:
        calls.durations.append(timer() - start)
    chains = []
    for plan, tag, expiry in wanted:
        value = got.get((plan.index, expiry), SourceError("no quotes for this chain in the answer"))
        if isinstance(value, BaseException):
            calls.failures.append(_failure(value, plan.index, "quotes", tag))
        elif isinstance(value, list):
            chains.append(Chain(plan.index, tag, expiry, tuple(value)))
    return chains


def listing(
    provider: Provider, index: str, now: datetime, calls: Calls, timer: Timer
) -> list[date] | None:
    """The expiries ``provider`` lists for ``index`` (None, and a Failure, when it cannot)."""
    return _call(lambda: provider.expiries(index, now), index, "expiries", calls, timer)


def plan_index(
    index: str,
    spot: float | None,
    listed: Sequence[date] | None,
    step: int,
    rules: Sequence[str],
    n: int,
    now: datetime,
    calls: Calls,
) -> IndexPlan | None:
    """ATM, strike ladder and each rule's expiry date, from the index level and listing."""
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


def _usable(x: float | None) -> bool:
    return x is not None and math.isfinite(x) and x > 0


def validate_quote(q: Quote, tag: str, issues: list[QualityIssue]) -> Leg:
    """Mid when bid/ask are sane, else a positive last price, else None; counts problems.

    A NaN or infinite bid/ask counts as missing; negative volume or OI as negative.
    """
    bid, ask, last, volume, oi = q.bid, q.ask, q.last, q.volume, q.oi
    if (  # the usual quote, in one test: nothing negative, both sides finite, not crossed
        bid is not None
        and ask is not None
        and 0.0 < bid <= ask < math.inf
        and volume >= 0
        and oi >= 0
        and (last is None or last >= 0)
    ):
        return Leg((bid + ask) / 2.0, volume, oi)
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
