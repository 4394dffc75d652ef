"""The resilience controller: plan a cycle, then judge it (budget, memory tier, detail).

One :class:`Resilience` per process, driven by the runner::

    plan = resilience.plan()                 # samples memory; modes fixed for this cycle
    result = run_cycle(..., replace(universe, depth=..., overview_only=...))
    state = resilience.observe(result)       # breach? budget, detail for the next cycle

``observe`` sees the pure cycle result only, before any output ran: a storage failure
never consumes the fault budget or lowers the detail.

The rules live in :mod:`.budget`, :mod:`.detail` and :mod:`.memory`; this module only
keeps their state between cycles and gathers one :class:`~.state.ResilienceState`.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..collectors.cycle import CycleResult
from ..config import ResilienceSettings
from .budget import BudgetView, FaultBudget, breach_reasons
from .detail import DetailChange, IndexDetail, next_mode, strikes_for
from .memory import MemoryModel, RssReader, read_rss, tier_depth
from .state import Clock, CyclePlan, Event, IndexState, ResilienceState


def failed_indices(result: CycleResult) -> frozenset[str]:
    """Indices with a failure, or with an expected expiry that was not collected."""
    missing = {o.index for o in result.overview if o.missing_mask}
    return frozenset({f.index for f in result.failures} | missing)


def _event(view: BudgetView) -> tuple[Event, ...]:
    where = (
        f"{view.breaches}/{view.allowed_breaches} SLA breaches in {view.cycles} cycles "
        f"(window {view.window_cycles})"
    )
    if view.event == "exhausted":
        return (Event("fault_budget_exhausted", f"fault budget exhausted: {where}"),)
    if view.event == "restored":
        return (Event("fault_budget_restored", f"fault budget restored: {where}"),)
    return ()


class Resilience:
    """Fault budget, adaptive detail and memory tiers across the cycles of one process.

    ``clock="simulated"`` (``g6 simulate``) judges a cycle's duration as 0: the
    simulated clock does not advance inside a cycle, and the detail (hence the CSV)
    must not depend on how fast the machine is.
    """

    def __init__(
        self,
        settings: ResilienceSettings,
        indices: Sequence[str],
        strikes_per_side: int,
        interval_seconds: float,
        clock: Clock = "measured",
        reader: RssReader = read_rss,
    ) -> None:
        self.settings = settings
        self.indices = tuple(indices)
        self.strikes_per_side = strikes_per_side
        self.sla_seconds = settings.sla_fraction * interval_seconds
        self.clock: Clock = clock
        self.budget = FaultBudget(settings.window_cycles, settings.allowed_breaches)
        self.memory = MemoryModel.from_mb(
            settings.memory_tier_mb,
            settings.memory_hysteresis_percent,
            settings.force_memory_tier,
            reader,
        )
        self.detail = {index: IndexDetail() for index in self.indices}
        self._plan: CyclePlan | None = None

    def plan(self) -> CyclePlan:
        """Sample the memory tier and fix each index's mode and depth for the next cycle."""
        tier = self.memory.sample()
        depth = tier_depth(self.strikes_per_side, tier)
        modes = {index: d.mode for index, d in self.detail.items()}
        strikes = {
            index: strikes_for(mode, depth, self.settings.band_strikes)
            for index, mode in modes.items()
        }
        self._plan = CyclePlan(tier, depth, modes, strikes)
        return self._plan

    def observe(self, result: CycleResult) -> ResilienceState:
        """Judge the cycle that ran with the last plan; decide the next cycle's detail."""
        plan = self._plan if self._plan is not None else self.plan()
        self._plan = None
        duration = result.timings.get("total", 0.0) if self.clock == "measured" else 0.0
        failed = failed_indices(result)
        reasons = breach_reasons(result.ok, failed, duration, self.sla_seconds)
        shared = bool(set(reasons) - {"index_failed"})  # slow or failed: every index
        view = self.budget.record(bool(reasons))
        changes: list[DetailChange] = []
        states: dict[str, IndexState] = {}
        for index, detail in self.detail.items():
            breached = shared or index in failed
            change = next_mode(
                detail, index, breached, self.memory.pressure, self.settings.degrade_after
            )
            if change is not None:
                changes.append(change)
            states[index] = IndexState(
                plan.modes[index], detail.mode, plan.strikes[index], breached, detail.streak
            )
        return ResilienceState(
            sla_seconds=self.sla_seconds,
            duration_seconds=duration,
            clock=self.clock,
            reasons=reasons,
            budget=view,
            tier=plan.tier,
            tier_forced=self.memory.forced is not None,
            rss_bytes=self.memory.rss_bytes,
            limits_bytes=self.memory.limits_bytes,
            depth=plan.depth,
            indices=states,
            changes=tuple(changes),
            events=_event(view),
        )
