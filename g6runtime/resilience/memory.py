"""The one memory-pressure model: tiers 0–3 from resident memory, with hysteresis.

* Resident memory (RSS) comes from ``/proc/self/statm`` (resident pages × page size);
  where that file is missing, from ``resource.getrusage`` (the peak RSS: an upper
  bound). No third-party dependency.
* Tier *k* (1–3) starts when RSS reaches the *k*-th configured limit; the tier rises
  at once (several tiers in one sample when memory jumps) and falls one tier at a
  time, only once RSS is below the current tier's limit by the hysteresis margin
  (``limit × (1 - hysteresis)``), so a process hovering at a limit does not flap.
* The tier scales the strike depth: ×1.0, ×0.85, ×0.6, ×0.4 of the configured
  strikes per side, rounded down, never below 2 (nor above the configured depth);
  tier 3 is memory *pressure*: per-option metrics are dropped and the adaptive
  detail degrades (see :mod:`.detail`).
* A forced tier (config ``resilience.force_memory_tier`` or ``--memory-tier``) wins
  over the measurement, for tests and drills.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

TIER_SCALES: tuple[float, float, float, float] = (1.0, 0.85, 0.6, 0.4)
MIN_STRIKES_PER_SIDE = 2
PRESSURE_TIER = 3
MIB = 1024 * 1024

RssReader = Callable[[], int | None]


def read_rss() -> int | None:
    """This process's resident memory in bytes, or None when it cannot be read."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            resident_pages = int(fh.read().split()[1])
        return resident_pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource
    except ImportError:  # not a Unix
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak) if sys.platform == "darwin" else int(peak) * 1024


def tier_depth(strikes_per_side: int, tier: int) -> int:
    """Strikes per side at ``tier``: ⌊n × scale⌋, at least 2, at most n."""
    scaled = math.floor(strikes_per_side * TIER_SCALES[tier] + 1e-9)
    return min(strikes_per_side, max(MIN_STRIKES_PER_SIDE, scaled))


def _check_limits(limits: Sequence[int]) -> tuple[int, int, int]:
    if len(limits) != 3 or list(limits) != sorted(set(limits)) or limits[0] <= 0:
        raise ValueError(f"memory limits must be three increasing positive sizes, got {limits}")
    return (limits[0], limits[1], limits[2])


@dataclass
class MemoryModel:
    """Tier state over successive samples; see the module docstring."""

    limits_bytes: tuple[int, int, int]
    hysteresis: float = 0.1
    forced: int | None = None
    reader: RssReader = read_rss
    tier: int = 0
    rss_bytes: int | None = None

    def __post_init__(self) -> None:
        self.limits_bytes = _check_limits(self.limits_bytes)
        if not 0.0 <= self.hysteresis < 1.0:
            raise ValueError(f"hysteresis must be within [0, 1), got {self.hysteresis}")
        if self.forced is not None and not 0 <= self.forced <= PRESSURE_TIER:
            raise ValueError(f"a forced memory tier must be 0..3, got {self.forced}")

    @classmethod
    def from_mb(
        cls,
        limits_mb: Sequence[float],
        hysteresis_percent: float,
        forced: int | None = None,
        reader: RssReader = read_rss,
    ) -> MemoryModel:
        limits = _check_limits([round(mb * MIB) for mb in limits_mb])
        return cls(limits, hysteresis_percent / 100.0, forced, reader)

    def sample(self) -> int:
        """Read RSS once and return the tier after this sample."""
        self.rss_bytes = self.reader()
        if self.forced is not None:
            self.tier = self.forced
        elif self.rss_bytes is not None:
            self.tier = self.next_tier(self.tier, self.rss_bytes)
        return self.tier

    def next_tier(self, tier: int, rss: int) -> int:
        reached = sum(1 for limit in self.limits_bytes if rss >= limit)
        if reached >= tier:
            return reached
        if rss < self.limits_bytes[tier - 1] * (1.0 - self.hysteresis):
            return tier - 1
        return tier

    @property
    def scale(self) -> float:
        return TIER_SCALES[self.tier]

    @property
    def pressure(self) -> bool:
        """Tier 3: per-option metrics are dropped and the detail degrades."""
        return self.tier >= PRESSURE_TIER
