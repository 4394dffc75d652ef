"""g6runtime.resilience, rule by rule: budget, detail, memory tiers, the --faults syntax."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from g6runtime.config import ResilienceSettings
from g6runtime.market.calendar import IST
from g6runtime.providers.faults import FaultRule
from g6runtime.resilience.budget import FaultBudget
from g6runtime.resilience.detail import IndexDetail, next_mode, strikes_for, worst
from g6runtime.resilience.fault_spec import (
    FaultSpec,
    FaultSpecError,
    fault_plan,
    parse_fault,
    parse_faults,
)
from g6runtime.resilience.memory import MIB, MemoryModel, read_rss, tier_depth

from .test_panels_support import START

# --- the fault budget ---------------------------------------------------------------------


def test_budget_counts_breaches_in_a_rolling_window() -> None:
    budget = FaultBudget(window_cycles=4, allowed_breaches=2)
    views = [budget.record(flag) for flag in (True, False, False, False, False)]
    assert [v.breaches for v in views] == [1, 1, 1, 1, 0]  # the first left after 4 cycles
    assert [v.cycles for v in views] == [1, 2, 3, 4, 4]
    assert [v.remaining for v in views] == [1, 1, 1, 1, 2]
    assert [v.consumed_percent for v in views] == [50.0, 50.0, 50.0, 50.0, 0.0]
    assert not any(v.exhausted or v.event for v in views)


def test_budget_exhaustion_and_restoration_are_events_once() -> None:
    budget = FaultBudget(window_cycles=3, allowed_breaches=2)
    flags = (True, True, True, False, False, False, True)
    views = [budget.record(f) for f in flags]
    assert [v.exhausted for v in views] == [False, True, True, True, False, False, False]
    assert [v.event for v in views] == [None, "exhausted", None, None, "restored", None, None]
    assert views[2].remaining == 0 and views[2].consumed_percent == 150.0  # exceeded


@pytest.mark.parametrize(("window", "allowed"), [(3, 0), (3, 4)])
def test_budget_refuses_an_impossible_allowance(window: int, allowed: int) -> None:
    with pytest.raises(ValueError, match="allowed breaches"):
        FaultBudget(window, allowed)


# --- adaptive detail ----------------------------------------------------------------------


def outcomes(flags: str, degrade_after: int = 2, pressure: str = "") -> list[str]:
    """Modes after each cycle: flags 'B' breach / '.' healthy; pressure 'P' per cycle."""
    state, modes = IndexDetail(), []
    for i, flag in enumerate(flags):
        under = i < len(pressure) and pressure[i] == "P"
        next_mode(state, "NIFTY", flag == "B", under, degrade_after)
        modes.append(state.mode)
    return modes


def test_a_streak_of_breaches_degrades_one_step_at_a_time() -> None:
    assert outcomes("BBBB") == ["full", "band", "band", "aggregates"]
    assert outcomes("BBBBBB") == ["full", "band", "band", "aggregates", "aggregates", "aggregates"]
    assert outcomes("B.B.B.") == ["full"] * 6  # no streak, no degradation
    assert outcomes("BBB", degrade_after=3) == ["full", "full", "band"]
    assert outcomes("BB", degrade_after=1) == ["band", "aggregates"]


def test_one_healthy_cycle_returns_to_full_from_any_depth() -> None:
    assert outcomes("BBBB.") == ["full", "band", "band", "aggregates", "full"]
    assert outcomes("BB.") == ["full", "band", "full"]


def test_memory_pressure_degrades_every_cycle_and_blocks_promotion() -> None:
    assert outcomes("....", pressure="PPP") == ["band", "aggregates", "aggregates", "full"]
    assert outcomes("BB..", pressure="P") == ["band", "aggregates", "full", "full"]


def test_changes_carry_their_reason() -> None:
    state = IndexDetail()
    assert next_mode(state, "X", True, False, 2) is None
    change = next_mode(state, "X", True, False, 2)
    assert change is not None and (change.before, change.after) == ("full", "band")
    assert change.reason == "breach_streak" and state.streak == 0
    change = next_mode(state, "X", False, True, 2)
    assert change is not None and change.reason == "memory_pressure"
    change = next_mode(state, "X", False, False, 2)
    assert change is not None and (change.after, change.reason) == ("full", "healthy")


def test_strikes_per_mode_and_the_worst_mode() -> None:
    assert [strikes_for(m, 10, 2) for m in ("full", "band", "aggregates")] == [10, 2, 2]
    assert strikes_for("band", 1, 2) == 1
    assert worst(["full", "aggregates", "band"]) == "aggregates" and worst([]) == "full"


# --- memory tiers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "depths"),
    [(10, [10, 8, 6, 4]), (20, [20, 17, 12, 8]), (3, [3, 2, 2, 2]), (1, [1, 1, 1, 1])],
)
def test_tier_depth_scales_with_a_floor_of_two(n: int, depths: list[int]) -> None:
    assert [tier_depth(n, tier) for tier in range(4)] == depths


def reader(values: list[int | None]) -> MemoryModel:
    it = iter(values)
    return MemoryModel((100, 200, 300), hysteresis=0.1, reader=lambda: next(it))


def test_tiers_rise_at_once_and_fall_one_at_a_time_below_the_hysteresis_margin() -> None:
    rss = [50, 100, 350, 295, 271, 269, 190, 179, 95, 89, None]
    model = reader(list(rss))
    tiers = [model.sample() for _ in rss]
    # 350 jumps to 3; 295 and 271 stay (271 >= 300 x 0.9); 269 falls to 2; 190 stays
    # (>= 180); 179 falls to 1; 95 stays (>= 90); 89 falls to 0; unreadable keeps it.
    assert tiers == [0, 1, 3, 3, 3, 2, 2, 1, 1, 0, 0]
    assert model.rss_bytes is None and not model.pressure


def test_a_forced_tier_wins_over_the_measurement() -> None:
    model = MemoryModel((100, 200, 300), forced=3, reader=lambda: 1)
    assert model.sample() == 3 and model.pressure and model.scale == 0.4
    assert model.rss_bytes == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"limits_bytes": (300, 200, 100)}, "increasing"),
        ({"limits_bytes": (100, 100, 300)}, "increasing"),
        ({"limits_bytes": (100, 200, 300), "hysteresis": 1.0}, "hysteresis"),
        ({"limits_bytes": (100, 200, 300), "forced": 4}, "forced"),
    ],
)
def test_memory_model_refuses_bad_limits(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MemoryModel(**kwargs)  # type: ignore[arg-type]


def test_limits_in_mib_and_the_real_resident_memory() -> None:
    model = MemoryModel.from_mb((1, 2, 3), 10.0)
    assert model.limits_bytes == (MIB, 2 * MIB, 3 * MIB) and model.hysteresis == 0.1
    rss = read_rss()
    assert rss is not None and 10 * MIB < rss < 64 * 1024 * MIB
    assert model.sample() == 3  # a Python process with NumPy holds more than 3 MiB


def test_resident_memory_falls_back_to_getrusage(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_open = builtins.open

    def no_proc(path: object, *args: object, **kwargs: object) -> object:
        if path == "/proc/self/statm":
            raise FileNotFoundError(path)
        return real_open(path, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "open", no_proc)
    rss = read_rss()
    assert rss is not None and rss > 10 * MIB  # the peak, from getrusage


# --- the --faults syntax ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("error:NIFTY:3-5", FaultSpec("error", "all", "NIFTY", 3, 5)),
        ("timeout/quotes:sensex:2", FaultSpec("timeout", "quotes", "SENSEX", 2, 2)),
        ("garbage:*:4-:0.5", FaultSpec("garbage", "all", None, 4, None, 0.5)),
        ("Stale/spot:FINNIFTY:*", FaultSpec("stale", "spot", "FINNIFTY", 1, None)),
        (" missing:BANKNIFTY:1-1 ", FaultSpec("missing", "all", "BANKNIFTY", 1, 1)),
    ],
)
def test_fault_specs_parse_and_print_back(text: str, expected: FaultSpec) -> None:
    spec = parse_fault(text)
    assert spec == expected
    assert parse_fault(spec.text) == spec


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("error:NIFTY", "is not a fault spec"),
        ("error:NIFTY:1:1:1", "is not a fault spec"),
        ("boom:NIFTY:1", "unknown fault kind 'boom'"),
        ("error/disk:NIFTY:1", "unknown target 'disk'"),
        ("error:DOW:1", "unknown index 'DOW'"),
        ("error:NIFTY:0", "cycle '0'"),
        ("error:NIFTY:x-3", "cycle 'x'"),
        ("error:NIFTY:5-3", "ends before it starts"),
        ("error:NIFTY:1:0", "rate '0'"),
        ("error:NIFTY:1:nan", "rate 'nan'"),
        ("error:NIFTY:1:1.5", "rate '1.5'"),
        ("crossed/spot:NIFTY:1", "target must be 'quotes'"),
        ("stale/expiries:NIFTY:1", "not to expiries"),
    ],
)
def test_bad_fault_specs_name_the_bad_part(text: str, fragment: str) -> None:
    with pytest.raises(FaultSpecError) as exc:
        parse_fault(text)
    assert fragment in str(exc.value) and "\n" not in str(exc.value)


def test_comma_separated_specs_and_empty_parts() -> None:
    assert [s.text for s in parse_faults("error:NIFTY:3-5,timeout:*:2")] == [
        "error:NIFTY:3-5",
        "timeout:*:2",
    ]
    with pytest.raises(FaultSpecError, match="empty fault spec"):
        parse_faults("error:NIFTY:1,")


def test_cycle_ranges_become_half_open_windows_of_the_simulated_clock() -> None:
    plan = fault_plan(parse_faults("error:NIFTY:3-5,garbage:*:2-:0.5"), START, 60.0)
    first, second = plan.rules
    assert first == FaultRule(
        "error", "NIFTY", START + timedelta(minutes=2), START + timedelta(minutes=5)
    )
    assert second.index is None and second.end is None and second.rate == 0.5
    cycle = [START + timedelta(minutes=k - 1) for k in range(1, 8)]  # cycle k's instant
    assert [first.covers("NIFTY", t) for t in cycle] == [k in (3, 4, 5) for k in range(1, 8)]
    assert not first.covers("SENSEX", cycle[3])
    assert [parse_fault("error:NIFTY:3-5").covers(k) for k in (2, 3, 5, 6)] == [
        False,
        True,
        True,
        False,
    ]
    assert START.tzinfo is IST


def test_resilience_settings_defaults() -> None:
    r = ResilienceSettings()
    assert (r.sla_fraction, r.window_cycles, r.allowed_breaches, r.degrade_after) == (
        0.8,
        20,
        4,
        2,
    )
    assert r.band_strikes == 2 and r.memory_tier_mb == (1024.0, 1536.0, 2048.0)
    assert r.force_memory_tier is None and r.faults == ()
    assert replace(r, faults=(parse_fault("error:NIFTY:1"),)).faults[0].index == "NIFTY"
