"""The plain, frozen data the resilience layer hands on: a cycle's plan and its outcome.

:class:`ResilienceState` rides on the cycle's outcome (``CycleOutcome.resilience``, see
g6runtime.outputs); the metrics, the ``system`` and ``resilience`` panels and the log
lines are built from it. Nothing here knows the collectors: the runner applies a
:class:`CyclePlan` to its universe (``depth`` and ``overview_only``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from .budget import BreachReason, BudgetView
from .detail import DetailChange, Mode, worst
from .memory import PRESSURE_TIER

Clock = Literal["measured", "simulated"]


@dataclass(frozen=True)
class CyclePlan:
    """What one cycle collects: the memory tier, and each index's mode and depth."""

    tier: int
    depth: int  # strikes per side the tier allows
    modes: Mapping[str, Mode]
    strikes: Mapping[str, int]  # strikes per side each index fetches

    @property
    def overview_only(self) -> frozenset[str]:
        """Indices collected as overview rows only (mode ``aggregates``)."""
        return frozenset(i for i, m in self.modes.items() if m == "aggregates")


@dataclass(frozen=True)
class IndexState:
    """One index in one cycle: the mode it ran in, the mode it will run in next."""

    mode: Mode
    next_mode: Mode
    strikes_per_side: int
    breached: bool
    streak: int


@dataclass(frozen=True)
class Event:
    """Something an operator must see (panels and stderr)."""

    kind: Literal["fault_budget_exhausted", "fault_budget_restored"]
    message: str


@dataclass(frozen=True)
class ResilienceState:
    """The resilience layer's view of one finished cycle."""

    sla_seconds: float
    duration_seconds: float
    clock: Clock
    reasons: tuple[BreachReason, ...]
    budget: BudgetView
    tier: int
    tier_forced: bool
    rss_bytes: int | None
    limits_bytes: tuple[int, int, int]
    depth: int
    indices: Mapping[str, IndexState]
    changes: tuple[DetailChange, ...] = ()
    events: tuple[Event, ...] = field(default=())

    @property
    def breached(self) -> bool:
        return bool(self.reasons)

    @property
    def option_metrics(self) -> bool:
        """Per-option metrics are dropped under memory pressure (tier 3)."""
        return self.tier < PRESSURE_TIER

    @property
    def mode(self) -> Mode:
        """The most degraded mode any index ran in this cycle."""
        return worst([s.mode for s in self.indices.values()])

    @property
    def next_mode(self) -> Mode:
        return worst([s.next_mode for s in self.indices.values()])

    def log_lines(self) -> list[str]:
        """One line per event and per detail change, for stderr."""
        lines = [e.message for e in self.events]
        lines += [
            f"detail of {c.index}: {c.before} -> {c.after} ({c.reason.replace('_', ' ')})"
            for c in self.changes
        ]
        return lines
