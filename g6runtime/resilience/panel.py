"""The ``resilience`` panel's data: budget, memory tier and detail of one cycle.

Built from ``CycleOutcome.resilience`` only (the panels package calls this); a result
without a resilience state gives the same keys with null values.
"""

from __future__ import annotations

from typing import Any

from ..outputs import CycleOutcome
from .memory import TIER_SCALES

Data = dict[str, Any]


def resilience_data(result: CycleOutcome) -> Data:
    state = result.resilience
    if state is None:
        return {key: None for key in ("breached", "sla", "budget", "memory", "detail")} | {
            "reasons": [],
            "changes": [],
        }
    b = state.budget
    return {
        "breached": state.breached,
        "reasons": list(state.reasons),
        "sla": {
            "seconds": round(state.sla_seconds, 6),
            "duration_seconds": round(state.duration_seconds, 6),
            "clock": state.clock,
        },
        "budget": {
            "window_cycles": b.window_cycles,
            "allowed": b.allowed_breaches,
            "cycles": b.cycles,
            "breaches": b.breaches,
            "remaining": b.remaining,
            "consumed_percent": round(b.consumed_percent, 3),
            "exhausted": b.exhausted,
            "event": b.event,
        },
        "memory": {
            "tier": state.tier,
            "forced": state.tier_forced,
            "rss_bytes": state.rss_bytes,
            "limits_bytes": list(state.limits_bytes),
            "depth_scale": TIER_SCALES[state.tier],
            "strikes_per_side": state.depth,
            "option_metrics": state.option_metrics,
        },
        "detail": {
            "mode": state.mode,
            "next_mode": state.next_mode,
            "indices": {
                index: {
                    "mode": s.mode,
                    "next_mode": s.next_mode,
                    "strikes_per_side": s.strikes_per_side,
                    "breached": s.breached,
                    "streak": s.streak,
                }
                for index, s in state.indices.items()
            },
        },
        "changes": [
            {"index": c.index, "from": c.before, "to": c.after, "reason": c.reason}
            for c in state.changes
        ],
    }
