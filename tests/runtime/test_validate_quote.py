"""The validation of one quote: its fast path for the usual quote gives exactly what the
full rules give (the reference below is those rules, written out once more)."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from g6runtime.collectors.stages import Leg, QualityIssue, validate_quote
from g6runtime.providers.base import Quote


def reference(q: Quote, tag: str) -> tuple[Leg, list[QualityIssue]]:
    issues: list[QualityIssue] = []
    bid, ask, last = q.bid, q.ask, q.last
    if any(x is not None and x < 0 for x in (bid, ask, last)) or q.volume < 0 or q.oi < 0:
        issues.append(QualityIssue(q.index, tag, q.strike, q.kind, "negative"))
    volume, oi = max(q.volume, 0), max(q.oi, 0)
    if bid is None or ask is None or not (math.isfinite(bid) and math.isfinite(ask)):
        issues.append(QualityIssue(q.index, tag, q.strike, q.kind, "missing"))
    elif bid > ask:
        issues.append(QualityIssue(q.index, tag, q.strike, q.kind, "crossed"))
    elif bid > 0 and ask > 0:
        return Leg((bid + ask) / 2.0, volume, oi), issues
    usable = last is not None and math.isfinite(last) and last > 0
    return Leg(last if usable else None, volume, oi), issues


prices = st.none() | st.floats() | st.sampled_from([0.0, -0.0, 0.05, 1.0, math.inf, -1.0])
counts = st.integers(min_value=-3, max_value=10**7)


@settings(max_examples=500, deadline=None)
@given(prices, prices, prices, counts, counts, st.sampled_from(["CE", "PE"]))
def test_validate_quote_follows_the_rules(
    bid: float | None, ask: float | None, last: float | None, volume: int, oi: int, kind: Any
) -> None:
    q = Quote("NIFTY", date(2026, 12, 1), 25000, kind, bid, ask, last, volume, oi)
    issues: list[QualityIssue] = []
    got = validate_quote(q, "this_week", issues)
    want, want_issues = reference(q, "this_week")
    assert issues == want_issues
    assert got[1:] == want[1:]
    assert got.price == want.price or (got.price != got.price and want.price != want.price)


def test_the_usual_quote_is_its_mid_with_no_issue() -> None:
    q = Quote("NIFTY", date(2026, 12, 1), 25000, "CE", 10.0, 10.5, 10.2, 5, 7)
    issues: list[QualityIssue] = []
    assert validate_quote(q, "this_week", issues) == Leg(10.25, 5, 7) and issues == []
