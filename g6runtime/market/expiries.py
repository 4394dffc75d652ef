"""Expiry rules: pick ``this_week``, ``next_week``, ``this_month`` or ``next_month``
from a provider's list of listed expiries.

Definitions, for a given ``today`` (an Asia/Kolkata date):

* ``this_week``  — the first listed expiry ≥ ``today``. On expiry day this is
  today's expiry; the pipeline rolls after the 15:30 close by passing
  ``calendar.expiry_reference_date(now)`` (tomorrow, after the close) as ``today``.
* ``next_week``  — the listed expiry right after ``this_week``'s.
* ``this_month`` — the last listed expiry in the calendar month of ``this_week``'s
  expiry (the monthly contract). When ``this_week``'s expiry is itself the
  monthly one, ``this_month == this_week`` (allowed: both tags then carry the
  same contract), and likewise ``next_week`` may equal ``this_month``.
* ``next_month`` — the last listed expiry in the first calendar month after
  ``this_month``'s month that has any listed expiry (Dec → Jan crosses the year).

Expiries before ``today`` are ignored; the list need not be sorted or unique.
A list that cannot satisfy a rule raises ``ExpiryResolutionError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Final, Literal, get_args

from ..errors import DataError

__all__ = ["EXPIRY_RULES", "ExpiryResolutionError", "ExpiryRule", "resolve_expiry"]

ExpiryRule = Literal["this_week", "next_week", "this_month", "next_month"]
EXPIRY_RULES: Final[tuple[ExpiryRule, ...]] = get_args(ExpiryRule)
"""The four rules in their canonical order (bit 0 … bit 3 of the overview masks)."""


class ExpiryResolutionError(DataError, ValueError):
    """The listed expiries cannot satisfy an expiry rule for a given day."""

    def __init__(self, rule: str, today: date, reason: str) -> None:
        super().__init__(f"cannot resolve expiry rule {rule!r} for {today.isoformat()}: {reason}")
        self.rule = rule
        self.today = today
        self.reason = reason


def _month_key(day: date) -> tuple[int, int]:
    return (day.year, day.month)


def _last_in_month(upcoming: Sequence[date], month: tuple[int, int]) -> date:
    return max(d for d in upcoming if _month_key(d) == month)


def resolve_expiry(rule: ExpiryRule, expiries: Sequence[date], today: date) -> date:
    """The listed expiry that ``rule`` selects on ``today`` (see the module docstring).

    Raises ``ExpiryResolutionError`` when the list cannot satisfy the rule and
    ``ValueError`` for an unknown rule.
    """
    if rule not in EXPIRY_RULES:
        expected = ", ".join(EXPIRY_RULES)
        raise ValueError(f"unknown expiry rule {rule!r} (expected one of {expected})")
    upcoming = sorted({d for d in expiries if d >= today})
    if not upcoming:
        shown = f"the last listed is {max(expiries).isoformat()}" if expiries else "none listed"
        raise ExpiryResolutionError(rule, today, f"no expiry on or after it ({shown})")
    first = upcoming[0]
    if rule == "this_week":
        return first
    if rule == "next_week":
        if len(upcoming) < 2:
            reason = f"no expiry listed after this week's {first.isoformat()}"
            raise ExpiryResolutionError(rule, today, reason)
        return upcoming[1]
    this_month = _month_key(first)
    if rule == "this_month":
        return _last_in_month(upcoming, this_month)
    later = [d for d in upcoming if _month_key(d) > this_month]
    if not later:
        reason = f"no expiry listed after the month {this_month[0]:04d}-{this_month[1]:02d}"
        raise ExpiryResolutionError(rule, today, reason)
    return _last_in_month(later, _month_key(later[0]))
