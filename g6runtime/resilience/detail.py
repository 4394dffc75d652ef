"""Adaptive detail: per index, full → band → aggregates, and back.

Modes (each index has its own, so one failing index never thins the others' data):

* ``full``: the whole strike ladder (the configured strikes per side, scaled by the
  memory tier), with IV and Greeks, one CSV row per strike;
* ``band``: only the strikes near ATM (``band_strikes`` per side, within the tier's
  depth), still with IV and Greeks;
* ``aggregates``: the band's quotes are fetched for the overview row (PCR, expiry
  masks), no IV solve and no per-strike rows.

Rules, applied after each cycle to decide the next one (a cycle's mode is fixed
when it starts):

* an index *breaches* when it failed in the cycle (a provider failure, or an
  expected expiry not collected), or when the whole cycle breached its SLA for
  reasons shared by every index (too slow, or its rows could not be stored);
* under memory pressure (tier 3) every index degrades one step per cycle, and none
  is promoted while the pressure holds (reason ``memory_pressure``);
* otherwise ``degrade_after`` consecutive breaches degrade an index one step and
  start a new streak (reason ``breach_streak``); so full → band → aggregates takes
  two streaks;
* a healthy cycle (no breach, no pressure) returns a degraded index straight to
  ``full`` (reason ``healthy``): full detail is back on the cycle after the first
  healthy one, whatever the depth of the degradation (aggregates → full after one
  healthy cycle; at most 2 healthy cycles is the design bound).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Mode = Literal["full", "band", "aggregates"]
MODES: Final[tuple[Mode, ...]] = ("full", "band", "aggregates")
Reason = Literal["breach_streak", "memory_pressure", "healthy"]
REASONS: Final[tuple[Reason, ...]] = ("breach_streak", "memory_pressure", "healthy")


@dataclass(frozen=True)
class DetailChange:
    """One index moved from one mode to another after a cycle, for ``reason``."""

    index: str
    before: Mode
    after: Mode
    reason: Reason


@dataclass
class IndexDetail:
    """One index's mode and its current breach streak."""

    mode: Mode = "full"
    streak: int = 0

    @property
    def level(self) -> int:
        return MODES.index(self.mode)


def next_mode(
    state: IndexDetail, index: str, breached: bool, pressure: bool, degrade_after: int
) -> DetailChange | None:
    """Apply one cycle's outcome to ``state`` (in place); the change made, if any."""
    state.streak = state.streak + 1 if breached else 0
    before = state.mode
    reason: Reason | None = None
    if pressure:
        if state.level < len(MODES) - 1:
            state.mode, reason = MODES[state.level + 1], "memory_pressure"
    elif breached:
        if state.streak >= degrade_after and state.level < len(MODES) - 1:
            state.mode, reason = MODES[state.level + 1], "breach_streak"
            state.streak = 0
    elif state.mode != "full":
        state.mode, reason = "full", "healthy"
    return None if reason is None else DetailChange(index, before, state.mode, reason)


def strikes_for(mode: Mode, depth: int, band_strikes: int) -> int:
    """Strikes per side fetched in ``mode`` when the memory tier allows ``depth``."""
    return depth if mode == "full" else min(band_strikes, depth)


def worst(modes: list[Mode]) -> Mode:
    """The most degraded of ``modes`` (``full`` for none)."""
    return MODES[max((MODES.index(m) for m in modes), default=0)]
