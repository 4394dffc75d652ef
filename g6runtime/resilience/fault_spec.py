"""The ``--faults`` syntax of ``g6 simulate``: which faults, on which index, in which cycles.

One fault is ``KIND[/TARGET]:INDEX:CYCLES[:RATE]``; several are separated by commas
(or given as repeated ``--faults`` flags, or listed in the config's
``resilience.faults``):

* ``KIND``: ``error``, ``timeout``, ``stale`` (call faults) or ``crossed``,
  ``negative``, ``missing``, ``garbage`` (quote faults), as in
  :mod:`g6runtime.providers.faults`;
* ``TARGET`` (optional, default ``all``): the provider calls a call fault hits,
  ``spot``, ``expiries``, ``quotes`` or ``all``;
* ``INDEX``: ``NIFTY``, ``BANKNIFTY``, ``FINNIFTY``, ``SENSEX``, or ``*`` for every index;
* ``CYCLES``: ``N``, ``A-B`` (inclusive), ``A-`` (from A on) or ``*`` (every cycle),
  numbered from 1 like the cycles ``g6 simulate`` prints;
* ``RATE`` (optional, default 1): the probability in (0, 1] that the fault fires on a
  call (or a quote), drawn deterministically from the seed.

Examples: ``error:NIFTY:3-5``, ``timeout/quotes:SENSEX:2``, ``garbage:*:4-:0.5``.
A cycle range becomes the time window ``[start + (A-1)·interval, start + B·interval)``
of the simulated clock, so the same spec, seed and start always fault the same way.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from ..errors import ConfigError
from ..market.indices import INDEX_NAMES
from ..providers.faults import FAULT_KINDS, FaultKind, FaultPlan, FaultRule, FaultTarget
from .fault_syntax import SYNTAX

TARGETS: tuple[str, ...] = ("all", "spot", "expiries", "quotes")


class FaultSpecError(ConfigError, ValueError):
    """A fault spec that cannot be used; the message names the part and the syntax."""


@dataclass(frozen=True)
class FaultSpec:
    """One parsed fault: ``index`` None means every index, ``last`` None means no end."""

    kind: FaultKind
    target: FaultTarget
    index: str | None
    first: int
    last: int | None
    rate: float = 1.0

    @property
    def text(self) -> str:
        """The canonical spelling (what :func:`parse_fault` reads back to this spec)."""
        kind = self.kind if self.target == "all" else f"{self.kind}/{self.target}"
        if self.first == 1 and self.last is None:
            cycles = "*"
        elif self.last is None:
            cycles = f"{self.first}-"
        else:
            cycles = str(self.first) if self.last == self.first else f"{self.first}-{self.last}"
        rate = "" if self.rate == 1.0 else f":{self.rate:g}"
        return f"{kind}:{self.index or '*'}:{cycles}{rate}"

    def covers(self, cycle: int) -> bool:
        return self.first <= cycle and (self.last is None or cycle <= self.last)

    def rule(self, start: datetime, interval_seconds: float) -> FaultRule:
        """The synthetic market's rule for this spec on a clock of ``start`` + k·interval."""
        begin = start + timedelta(seconds=interval_seconds * (self.first - 1))
        end = None
        if self.last is not None:
            end = start + timedelta(seconds=interval_seconds * self.last)
        return FaultRule(self.kind, self.index, begin, end, rate=self.rate, target=self.target)


def _cycle(text: str, spec: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise FaultSpecError(f"{spec!r}: cycle {text!r} is not a number >= 1 ({SYNTAX})")
    return int(text)


def _cycles(text: str, spec: str) -> tuple[int, int | None]:
    if text == "*":
        return 1, None
    first, dash, last = text.partition("-")
    begin = _cycle(first, spec)
    if not dash:
        return begin, begin
    if not last:
        return begin, None
    end = _cycle(last, spec)
    if end < begin:
        raise FaultSpecError(f"{spec!r}: cycle range {text!r} ends before it starts")
    return begin, end


def _rate(text: str, spec: str) -> float:
    try:
        rate = float(text)
    except ValueError:
        rate = math.nan
    if not 0.0 < rate <= 1.0:
        raise FaultSpecError(f"{spec!r}: rate {text!r} must be a number in (0, 1]")
    return rate


def parse_fault(text: str) -> FaultSpec:
    """One ``KIND[/TARGET]:INDEX:CYCLES[:RATE]``; FaultSpecError naming the bad part."""
    spec = text.strip()
    parts = spec.split(":")
    if len(parts) not in (3, 4):
        raise FaultSpecError(f"{spec!r} is not a fault spec ({SYNTAX})")
    kind, _, target = parts[0].lower().partition("/")
    target = target or "all"
    if kind not in FAULT_KINDS:
        raise FaultSpecError(
            f"{spec!r}: unknown fault kind {kind!r} (one of {', '.join(FAULT_KINDS)})"
        )
    if target not in TARGETS:
        raise FaultSpecError(f"{spec!r}: unknown target {target!r} (one of {', '.join(TARGETS)})")
    index = parts[1].upper()
    if index != "*" and index not in INDEX_NAMES:
        raise FaultSpecError(
            f"{spec!r}: unknown index {parts[1]!r} (one of {', '.join(INDEX_NAMES)} or *)"
        )
    first, last = _cycles(parts[2], spec)
    rate = _rate(parts[3], spec) if len(parts) == 4 else 1.0
    try:  # the synthetic market's own rules (a quote fault cannot target spot, …)
        FaultRule(kind, rate=rate, target=cast(FaultTarget, target))
    except ValueError as exc:
        raise FaultSpecError(f"{spec!r}: {exc}") from None
    return FaultSpec(
        kind,
        cast(FaultTarget, target),
        None if index == "*" else index,
        first,
        last,
        rate,
    )


def parse_faults(text: str) -> tuple[FaultSpec, ...]:
    """Comma-separated fault specs (empty parts are refused)."""
    parts = text.split(",")
    if any(not p.strip() for p in parts):
        raise FaultSpecError(f"{text!r}: an empty fault spec ({SYNTAX})")
    return tuple(parse_fault(p) for p in parts)


def fault_plan(specs: Iterable[FaultSpec], start: datetime, interval_seconds: float) -> FaultPlan:
    """The synthetic market's fault plan for a run starting at ``start``."""
    return FaultPlan(tuple(s.rule(start, interval_seconds) for s in specs))
