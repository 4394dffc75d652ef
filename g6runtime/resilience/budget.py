"""The fault budget: which cycles breach their SLA, and how many breaches a window allows.

A cycle *breaches* its SLA for any of these reasons:

* ``slow``: it took longer than ``sla_fraction`` × the interval. The duration is the
  injected timer's (``timings["total"]``) in ``g6 collect``; under ``g6 simulate`` the
  simulated clock does not move inside a cycle, so the duration judged is 0 and only
  outcomes count (the CSV stays a function of seed, start and faults);
* ``failed``: the cycle collected nothing. A storage failure is not a breach: the
  outputs run after the cycle was judged (g6runtime.outputs);
* ``index_failed``: at least one index failed (a provider failure, or an expected
  expiry not collected).

The budget is a rolling window of the last ``window_cycles`` cycles in which at most
``allowed_breaches`` breaches are allowed. ``remaining`` = allowed − breaches (never
below 0); ``consumed_percent`` = 100 × breaches / allowed (above 100 once exceeded).
The budget is *exhausted* while breaches ≥ allowed; becoming exhausted, and recovering
from it as old breaches leave the window, are events (panels and a log line).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Final, Literal

BreachReason = Literal["slow", "failed", "index_failed"]
BREACH_REASONS: Final[tuple[BreachReason, ...]] = ("slow", "failed", "index_failed")


def breach_reasons(
    collected: bool, failed_indices: frozenset[str], duration: float, sla_seconds: float
) -> tuple[BreachReason, ...]:
    """Why a cycle breached: ``collected`` is False when it collected nothing,
    ``failed_indices`` the indices with a failure or an expected expiry not collected."""
    reasons: list[BreachReason] = []
    if duration > sla_seconds:
        reasons.append("slow")
    if not collected:
        reasons.append("failed")
    if failed_indices:
        reasons.append("index_failed")
    return tuple(reasons)


@dataclass(frozen=True)
class BudgetView:
    """The budget after one cycle."""

    window_cycles: int
    allowed_breaches: int
    cycles: int  # cycles in the window so far (≤ window_cycles)
    breaches: int
    exhausted: bool
    event: Literal["exhausted", "restored"] | None

    @property
    def remaining(self) -> int:
        return max(0, self.allowed_breaches - self.breaches)

    @property
    def consumed_percent(self) -> float:
        return 100.0 * self.breaches / self.allowed_breaches


@dataclass
class FaultBudget:
    """A rolling window of breach flags; see the module docstring."""

    window_cycles: int = 20
    allowed_breaches: int = 4
    _window: deque[bool] = field(default_factory=deque, repr=False)
    _exhausted: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.allowed_breaches <= self.window_cycles:
            raise ValueError(
                f"allowed breaches must be 1..window ({self.window_cycles}), "
                f"got {self.allowed_breaches}"
            )
        self._window = deque(maxlen=self.window_cycles)

    def record(self, breached: bool) -> BudgetView:
        self._window.append(breached)
        breaches = sum(self._window)
        exhausted = breaches >= self.allowed_breaches
        event: Literal["exhausted", "restored"] | None = None
        if exhausted != self._exhausted:
            event = "exhausted" if exhausted else "restored"
        self._exhausted = exhausted
        return BudgetView(
            self.window_cycles,
            self.allowed_breaches,
            len(self._window),
            breaches,
            exhausted,
            event,
        )
