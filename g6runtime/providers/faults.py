"""Injectable, deterministic faults for the synthetic market.

A ``FaultPlan`` is a tuple of ``FaultRule``s. A rule applies to one index (or
all, ``index=None``) during the half-open window ``[start, end)`` (either end
open when ``None``), and fires with probability ``rate``, decided by a stable
hash of (seed, rule position, index, call, second[, expiry, strike, kind]), so
the same plan, seed and ``now`` always fault the same way.

Kinds and what they do:

* call faults, decided once per provider call (``target`` picks the calls:
  ``"spot"``, ``"expiries"``, ``"quotes"`` or ``"all"``):
  ``error`` raises ``ProviderError``; ``timeout`` raises ``ProviderTimeout``
  (at once: the clock is simulated); ``stale`` answers as of ``lag_seconds``
  earlier (``spot`` and ``quotes`` only: the same values, ``as_of`` included).
* quote faults, decided per quote (quotes only; ``target`` must be ``"all"``
  or ``"quotes"``):
  ``crossed`` (bid > ask), ``negative`` (bid, ask and last below zero),
  ``missing`` (some prices ``None``), ``garbage`` (NaN or infinite prices, or
  negative volume and open interest).

The first rule that fires wins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final, Literal, get_args

from g6runtime.providers._noise import mix, unit
from g6runtime.providers.base import Quote

__all__ = [
    "CALL_FAULT_KINDS",
    "FAULT_KINDS",
    "QUOTE_FAULT_KINDS",
    "FaultKind",
    "FaultPlan",
    "FaultRule",
    "FaultTarget",
]

FaultKind = Literal["error", "timeout", "stale", "crossed", "negative", "missing", "garbage"]
FaultTarget = Literal["all", "spot", "expiries", "quotes"]
FAULT_KINDS: Final[tuple[FaultKind, ...]] = get_args(FaultKind)
CALL_FAULT_KINDS: Final[frozenset[FaultKind]] = frozenset({"error", "timeout", "stale"})
QUOTE_FAULT_KINDS: Final[frozenset[FaultKind]] = frozenset(FAULT_KINDS) - CALL_FAULT_KINDS
_TARGETS: Final[tuple[FaultTarget, ...]] = get_args(FaultTarget)
_TICK = 0.05


def _check_aware(name: str, value: datetime | None) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"FaultRule.{name} must be an aware datetime, got {value.isoformat()}")


@dataclass(frozen=True, slots=True)
class FaultRule:
    """One injectable fault; see the module docstring."""

    kind: FaultKind
    index: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    rate: float = 1.0
    target: FaultTarget = "all"
    lag_seconds: int = 60

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r} (one of {', '.join(FAULT_KINDS)})")
        if self.target not in _TARGETS:
            raise ValueError(f"unknown fault target {self.target!r} (one of {', '.join(_TARGETS)})")
        if self.kind in QUOTE_FAULT_KINDS and self.target not in ("all", "quotes"):
            raise ValueError(f"a {self.kind!r} fault corrupts quotes: target must be 'quotes'")
        if self.kind == "stale" and self.target == "expiries":
            raise ValueError("a 'stale' fault applies to spot and quotes, not to expiries")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"fault rate must be within [0, 1], got {self.rate!r}")
        if self.lag_seconds <= 0:
            raise ValueError(f"stale lag must be positive seconds, got {self.lag_seconds!r}")
        _check_aware("start", self.start)
        _check_aware("end", self.end)
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError("FaultRule.end must be after FaultRule.start")

    def covers(self, index: str, now: datetime) -> bool:
        """Whether the rule applies to ``index`` at ``now`` (before the rate draw)."""
        if self.index is not None and self.index.upper() != index.upper():
            return False
        if self.start is not None and now < self.start:
            return False
        return self.end is None or now < self.end


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """The faults to inject, in priority order (the first rule that fires wins)."""

    rules: tuple[FaultRule, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", tuple(self.rules))

    def call_fault(
        self, root: int, index: str, target: FaultTarget, now: datetime, salt: int = 0
    ) -> FaultRule | None:
        """The call fault that fires for this call, if any (``salt`` separates calls)."""
        second = math.floor(now.timestamp())
        code = _TARGETS.index(target)
        for position, rule in enumerate(self.rules):
            if rule.kind not in CALL_FAULT_KINDS or rule.target not in ("all", target):
                continue
            if rule.kind == "stale" and target == "expiries":
                continue
            if rule.covers(index, now) and _fires(rule, mix(root, position, code, second, salt)):
                return rule
        return None

    def quote_rules(self, index: str, now: datetime) -> tuple[tuple[int, FaultRule], ...]:
        """The quote faults that may fire for ``index`` at ``now``, with their positions."""
        return tuple(
            (position, rule)
            for position, rule in enumerate(self.rules)
            if rule.kind in QUOTE_FAULT_KINDS and rule.covers(index, now)
        )


def _fires(rule: FaultRule, h: int) -> bool:
    return rule.rate >= 1.0 or unit(h) < rule.rate


def apply_quote_faults(
    rules: tuple[tuple[int, FaultRule], ...], root: int, quotes: list[Quote]
) -> list[Quote]:
    """``quotes`` with the first firing quote fault of ``rules`` applied to each quote."""
    if not rules:
        return quotes
    out: list[Quote] = []
    for quote in quotes:
        key = (quote.strike, 0 if quote.kind == "CE" else 1)
        for position, rule in rules:
            h = mix(root, position, *key)
            if _fires(rule, h):
                quote = _corrupt(rule.kind, quote, h)
                break
        out.append(quote)
    return out


def _corrupt(kind: FaultKind, quote: Quote, h: int) -> Quote:
    bid = quote.bid if quote.bid is not None else 0.0
    ask = quote.ask if quote.ask is not None else _TICK
    variant = h % 3
    if kind == "crossed":
        return replace(quote, bid=round(ask + _TICK * (1 + h % 4), 2), ask=bid)
    if kind == "negative":
        last = quote.last if quote.last is not None else ask
        return replace(
            quote,
            bid=-round(ask + _TICK, 2),
            ask=-round(bid + _TICK, 2),
            last=-round(last + _TICK, 2),
        )
    if kind == "missing":
        if variant == 0:
            return replace(quote, bid=None, ask=None, last=None)
        return replace(quote, bid=None) if variant == 1 else replace(quote, ask=None, last=None)
    if kind == "garbage":
        if variant == 0:
            return replace(quote, bid=math.nan, ask=math.nan, last=math.nan)
        if variant == 1:
            return replace(quote, bid=-math.inf, ask=math.inf)
        return replace(quote, volume=-1 - h % 1000, oi=-1 - h % 997)
    raise ValueError(f"{kind!r} is not a quote fault")
