"""The resilience layer inside the Runtime: isolation, the error taxonomy, SLA, tiers, panels."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest

from g6runtime.collectors.publish import error_labels
from g6runtime.collectors.stages import Failure
from g6runtime.config import ResilienceSettings, Settings
from g6runtime.errors import DataError, ProviderError, StorageError
from g6runtime.outputs import CycleOutcome
from g6runtime.panels import summary
from g6runtime.panels.reader import validate
from g6runtime.providers.base import OneByOne, Provider, Quote
from g6runtime.resilience.controller import Resilience
from g6runtime.resilience.panel import resilience_data
from g6runtime.runner import Runtime, cycle_registry, simulated_clock

from .test_panels_support import START, runtime

SMALL = {"expiries": ("this_month",), "strikes_per_side": 2}  # 5 rows per index and cycle
# (this_month: listed for every index; BANKNIFTY and FINNIFTY have no weekly expiries)


class Flaky(OneByOne):
    """The synthetic market, with one index raising ``error`` or answering ``spot`` (asked
    one index at a time; the batched calls come from ``OneByOne``)."""

    def __init__(
        self, inner: Provider, index: str, error: Exception | None, spot: float | None = None
    ) -> None:
        self.inner, self.index, self.error, self.bad_spot = inner, index, error, spot

    def spot(self, index: str, now: datetime) -> float:
        if index == self.index and self.error is not None:
            raise self.error
        if index == self.index and self.bad_spot is not None:
            return self.bad_spot
        return self.inner.spot(index, now)

    def expiries(self, index: str, now: datetime) -> list[date]:
        return self.inner.expiries(index, now)

    def option_quotes(
        self, index: str, expiry: date, strikes: Sequence[int], now: datetime
    ) -> list[Quote]:
        return self.inner.option_quotes(index, expiry, strikes, now)


def sample(rt_metrics: object, name: str, **labels: str) -> float | None:
    value: float | None = rt_metrics.registry.get_sample_value(name, labels)  # type: ignore[attr-defined]
    return value


def rows(result: CycleOutcome) -> Counter[str]:
    return Counter(r.index for r in result.options)


# --- fault isolation and the one error taxonomy -------------------------------------------


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (ConnectionResetError("connection reset by peer"), "error"),
        (TimeoutError("read timed out"), "timeout"),
        (ProviderError("HTTP 503"), "error"),
        (DataError("malformed answer"), "error"),
    ],
)
def test_network_errors_of_one_index_are_isolated_provider_failures(
    tmp_path: Path, error: Exception, kind: str
) -> None:
    rt = runtime(tmp_path, **SMALL)
    rt.provider = Flaky(rt.provider, "FINNIFTY", error)
    result = rt.cycle(1, START)
    assert result.ok and rows(result) == {"NIFTY": 5, "BANKNIFTY": 5, "SENSEX": 5}
    (failure,) = result.failures
    category = "data" if isinstance(error, DataError) else "provider"
    assert (failure.index, failure.kind, failure.category) == ("FINNIFTY", kind, category)
    component = "collector" if category == "data" else "provider"
    assert sample(rt.metrics, "g6_errors_total", component=component, category=category) == 1
    provider_errors = sample(rt.metrics, "g6_provider_errors_total", index="FINNIFTY", kind=kind)
    assert provider_errors == (0 if category == "data" else 1)  # exported at 0 from the start
    assert result.resilience is not None and result.resilience.reasons == ("index_failed",)


@pytest.mark.parametrize("spot", [float("inf"), float("nan"), -1.0, 0.0, 10.0])
def test_an_unusable_index_level_is_a_data_failure_of_that_index(
    tmp_path: Path, spot: float
) -> None:
    rt = runtime(tmp_path, **SMALL)
    rt.provider = Flaky(rt.provider, "BANKNIFTY", None, spot)
    result = rt.cycle(1, START)
    assert rows(result) == {"NIFTY": 5, "FINNIFTY": 5, "SENSEX": 5}
    (failure,) = result.failures
    assert (failure.index, failure.stage, failure.category) == ("BANKNIFTY", "spot", "data")
    assert "unusable index price" in failure.message
    assert sample(rt.metrics, "g6_errors_total", component="collector", category="data") == 1
    assert sample(rt.metrics, "g6_provider_errors_total", index="BANKNIFTY", kind="error") == 0


def test_error_labels_follow_the_taxonomy() -> None:
    assert error_labels(Failure("NIFTY", "quotes", "timeout", "m")) == ("provider", "provider")
    data = Failure("NIFTY", "resolve", "expiry", "m", "this_week", DataError.category)
    assert error_labels(data) == ("collector", "data")
    assert ProviderError.category == "provider" and StorageError.category == "storage"


def test_a_panel_write_failure_is_counted_as_a_panels_storage_error(tmp_path: Path) -> None:
    rt = runtime(tmp_path, **SMALL)
    rt.cycle(1, START)
    (tmp_path / "panels" / "system.json").unlink()
    (tmp_path / "panels" / "system.json").mkdir()
    outcome = rt.cycle(2, START)  # reported, not raised: the one failure path of outputs
    assert not outcome.ok and [r.name for r in outcome.failed_outputs] == ["panels"]
    assert sample(rt.metrics, "g6_errors_total", component="panels", category="storage") == 1
    assert outcome.resilience is not None and outcome.resilience.reasons == ()
    assert rt.failed_streak == 1


# --- the SLA on the measured clock --------------------------------------------------------


def test_a_slow_cycle_breaches_for_every_index(tmp_path: Path) -> None:
    ticks = iter(range(0, 10**6, 7))  # 7 s per timer read: far beyond 0.8 x 60 s
    rt = runtime(tmp_path, **SMALL)
    rt.timer = lambda: float(next(ticks))
    states = []
    for number, now in enumerate(simulated_clock(START, 60.0, 3), 1):
        state = rt.cycle(number, now).resilience
        assert state is not None
        states.append(state)
    assert [s.reasons for s in states] == [("slow",)] * 3
    assert states[0].clock == "measured" and states[0].duration_seconds > 48.0
    assert [s.next_mode for s in states] == ["full", "band", "band"]
    assert all(i.breached for i in states[1].indices.values())
    system = json.loads((tmp_path / "panels" / "system.json").read_text())["data"]
    assert system["sla"]["budget_ms"] == 48000.0 and system["sla"]["met"] is False
    assert sample(rt.metrics, "g6_sla_breaches_total") == 3
    assert sample(rt.metrics, "g6_detail_changes_total", reason="breach_streak") == 4
    assert sample(rt.metrics, "g6_detail_level", index="NIFTY") == 1


def test_a_storage_failure_is_not_a_breach(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("")
    csv_dir = tmp_path / "blocker" / "csv"  # under a regular file: nothing can be written
    rt = Runtime.from_settings(replace(Settings(), csv_dir=csv_dir, panels_dir=tmp_path, **SMALL))
    outcomes = [rt.cycle(k, now) for k, now in enumerate(simulated_clock(START, 60.0, 6), 1)]
    assert all(not o.ok and o.collected for o in outcomes)
    assert {r.name for o in outcomes for r in o.failed_outputs} == {"csv"}
    states = [o.resilience for o in outcomes]
    assert all(s is not None and s.reasons == () and s.next_mode == "full" for s in states)
    assert sample(rt.metrics, "g6_fault_budget_remaining") == 4
    assert sample(rt.metrics, "g6_sla_breaches_total") == 0
    assert sample(rt.metrics, "g6_errors_total", component="csv", category="storage") == 6
    assert rt.failed_streak == rt.failed_cycles == 6


# --- memory pressure over time ------------------------------------------------------------


def test_memory_pressure_lifts_with_hysteresis_then_full_detail_returns(tmp_path: Path) -> None:
    mib = 1024 * 1024
    rss = iter([m * mib for m in (50, 350, 350, 290, 260, 150, 150)])
    settings = replace(ResilienceSettings(), memory_tier_mb=(100.0, 200.0, 300.0))
    rt = runtime(tmp_path, **SMALL)
    rt.guard = Resilience(settings, rt.settings.indices, 2, 60.0, "simulated", lambda: next(rss))
    clock = enumerate(simulated_clock(START, 60, 7), 1)
    states = [rt.cycle(k, now).resilience for k, now in clock]
    assert all(s is not None for s in states)
    tiers = [s.tier for s in states if s is not None]
    modes = [s.mode for s in states if s is not None]
    assert tiers == [0, 3, 3, 3, 2, 1, 1]  # 290 >= 270 holds tier 3; 260 drops one tier
    assert modes == ["full", "full", "band", "aggregates", "aggregates", "full", "full"]
    # pressure held until cycle 4; cycle 5 (tier 2, healthy) promoted: 1 cycle to recover
    assert sample(rt.metrics, "g6_detail_changes_total", reason="memory_pressure") == 8
    assert sample(rt.metrics, "g6_detail_changes_total", reason="healthy") == 4
    assert sample(rt.metrics, "g6_memory_resident_bytes") == 150 * mib


def test_tier_3_drops_per_option_metrics_but_not_the_panels(tmp_path: Path) -> None:
    settings = replace(ResilienceSettings(), force_memory_tier=3)
    rt = runtime(tmp_path, **SMALL)
    rt.guard = Resilience(settings, rt.settings.indices, 2, 60.0)
    result = rt.cycle(1, START)
    assert result.iterations and len(result.options) == 4 * 5
    assert sample(rt.metrics, "g6_iv_solver_iterations_count", index="NIFTY") is None
    assert sample(rt.metrics, "g6_iv_estimation_success_total", index="NIFTY", expiry="this_month")
    analytics = json.loads((tmp_path / "panels" / "analytics.json").read_text())["data"]
    assert analytics["solver_iterations"]["max"] is not None


# --- the panel, the summary and the governance registry -----------------------------------


def test_the_resilience_panel_validates_with_and_without_a_state(tmp_path: Path) -> None:
    rt = runtime(tmp_path, **SMALL)
    result = rt.cycle(1, START)
    doc = json.loads((tmp_path / "panels" / "resilience.json").read_text())
    assert validate(doc, "resilience")[0] == doc
    empty = resilience_data(replace(result, resilience=None))
    assert empty["budget"] is None and empty["changes"] == []
    validate({**doc, "data": empty}, "resilience")
    lines = summary._resilience(empty)
    assert lines == [[("no resilience state", "dim")]]
    bad = {**doc, "data": {**doc["data"], "reasons": ["bored"]}}
    with pytest.raises(ValueError, match="reasons"):
        validate(bad, "resilience")


def test_the_governance_registry_holds_the_resilience_series() -> None:
    registry = cycle_registry()
    value = registry.get_sample_value  # type: ignore[attr-defined]
    assert value("g6_detail_level", {"index": "SENSEX"}) == 0
    assert value("g6_fault_budget_remaining", {}) == 4
    assert value("g6_memory_pressure_tier", {}) == 0
    assert value("g6_sla_breaches_total", {}) == 0


def test_settings_reach_the_controller() -> None:
    s = replace(Settings(), interval_seconds=10.0)
    guard = Resilience(s.resilience, s.indices, s.strikes_per_side, s.interval_seconds)
    assert guard.sla_seconds == 8.0 and guard.budget.window_cycles == 20
    assert guard.plan().strikes == {i: 10 for i in s.indices}
