"""One collection cycle (run_cycle, pure) against the synthetic market, then its outputs."""

from __future__ import annotations

import itertools
import math
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from g6runtime.collectors.cycle import Universe, run_cycle
from g6runtime.collectors.publish import publish
from g6runtime.market import EXPIRY_RULES, INDEX_NAMES
from g6runtime.market.calendar import IST
from g6runtime.metrics.registry import Metrics, build_registry
from g6runtime.metrics.spec import load_spec
from g6runtime.outputs import CsvOutput, CycleOutcome, publish_all
from g6runtime.providers.faults import FaultKind, FaultPlan, FaultRule
from g6runtime.providers.synthetic import SyntheticMarket
from g6runtime.storage.csv_sink import CsvSink, read_rows

NOW = datetime(2026, 11, 26, 9, 15, tzinfo=IST)
SEED = 42
UNIVERSE = Universe(indices=INDEX_NAMES, expiries=EXPIRY_RULES, strikes_per_side=10)
STEPS = {"NIFTY": 50, "BANKNIFTY": 100, "FINNIFTY": 50, "SENSEX": 100}
LEGS_PER_INDEX = 4 * 21 * 2  # NIFTY's (four expiries)
# SPEC §2 "Market calendar": weekly contracts only for NIFTY and SENSEX; BANKNIFTY and
# FINNIFTY collect this_month and next_month only.
MONTHLY = ("this_month", "next_month")
TAGS = {"NIFTY": EXPIRY_RULES, "BANKNIFTY": MONTHLY, "FINNIFTY": MONTHLY, "SENSEX": EXPIRY_RULES}
ROWS = {"NIFTY": 84, "BANKNIFTY": 42, "FINNIFTY": 42, "SENSEX": 84}  # 21 strikes per expiry
MASKS = {"NIFTY": 15, "BANKNIFTY": 12, "FINNIFTY": 12, "SENSEX": 15}
TOTAL_ROWS = 252


def cycle(
    root: Path | None,
    faults: FaultPlan | None = None,
    now: datetime = NOW,
    number: int = 1,
    metrics: Metrics | None = None,
) -> CycleOutcome:
    """The pure cycle, then the CSV output of ``root`` (none without a root)."""
    result = run_cycle(number, now, SyntheticMarket(SEED, faults), UNIVERSE)
    outputs = [] if root is None else [CsvOutput(CsvSink(root))]
    outcome = CycleOutcome(result)
    return publish_all(outputs, outcome, metrics or registry(), time.perf_counter)


def faults(kind: FaultKind, index: str = "NIFTY", **kwargs: object) -> FaultPlan:
    return FaultPlan((FaultRule(kind, index=index, **kwargs),))  # type: ignore[arg-type]


def registry() -> Metrics:
    return build_registry(load_spec())


def sample(metrics: Metrics, name: str, **labels: str) -> float | None:
    value: float | None = metrics.registry.get_sample_value(name, labels)
    return value


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[CycleOutcome, Path]:
    root = tmp_path_factory.mktemp("clean")
    return cycle(root), root


# --- the default universe ----------------------------------------------------------------


def test_default_universe_gives_252_option_rows_and_4_overview_rows(
    clean: tuple[CycleOutcome, Path],
) -> None:
    result, _ = clean
    assert result.ok and result.storage_error is None
    assert result.failures == () and result.issues == ()
    assert len(result.options) == 2 * 4 * 21 + 2 * 2 * 21 == TOTAL_ROWS
    assert all(r.ce is not None and r.pe is not None for r in result.options)
    per_chain = Counter((r.index, r.expiry_tag) for r in result.options)
    assert per_chain == {(i, t): 21 for i in INDEX_NAMES for t in TAGS[i]}
    assert [o.index for o in result.overview] == list(INDEX_NAMES)
    for o in result.overview:
        mask = MASKS[o.index]
        assert (o.expected_mask, o.collected_mask, o.missing_mask) == (mask, mask, 0)
        assert (o.expiries_expected, o.expiries_collected) == (len(TAGS[o.index]),) * 2
    assert result.written is not None
    assert result.written.rows == 256 and result.written.files_created == 256
    assert result.written.rows_by_index == {i: ROWS[i] + 1 for i in INDEX_NAMES}


def test_strike_ladder_around_atm(clean: tuple[CycleOutcome, Path]) -> None:
    result, _ = clean
    for plan in result.plans:
        step = STEPS[plan.index]
        assert plan.step == step and plan.atm % step == 0
        assert abs(plan.spot - plan.atm) <= step / 2
        assert plan.strikes == tuple(plan.atm + k * step for k in range(-10, 11))
    for row in result.options:
        assert row.offset == row.strike - row.atm
        assert row.offset % STEPS[row.index] == 0 and abs(row.offset) <= 10 * STEPS[row.index]
        assert row.timestamp == NOW


def test_every_row_is_on_disk_in_the_spec_layout(clean: tuple[CycleOutcome, Path]) -> None:
    result, root = clean
    for row in result.options:
        offset = f"+{row.offset}" if row.offset > 0 else str(row.offset)
        path = root / row.index / row.expiry_tag / offset / "2026-11-26.csv"
        (cells,) = read_rows(path)
        assert cells[:8] == [
            "2026-11-26T09:15:00+05:30",
            row.index,
            row.expiry_tag,
            row.expiry_date.isoformat(),
            offset,
            f"{row.index_price:.2f}",
            str(row.atm),
            str(row.strike),
        ]
    assert len(list(root.rglob("*.csv"))) == TOTAL_ROWS + 4


def test_iv_present_and_close_to_the_model_for_liquid_strikes(
    clean: tuple[CycleOutcome, Path],
) -> None:
    result, _ = clean
    market = SyntheticMarket(SEED)
    assert sum(ok for ok, _ in result.iv.values()) == 2 * TOTAL_ROWS
    assert sum(failed for _, failed in result.iv.values()) == 0
    liquid = [r for r in result.options if abs(r.offset) <= 3 * STEPS[r.index]]
    assert len(liquid) == 12 * 7  # 12 chains (4 + 2 + 2 + 4), 7 strikes each
    for row in liquid:
        assert row.ce_iv is not None and row.pe_iv is not None
        model = market.volatility(row.index, row.expiry_date, row.strike, NOW)
        assert row.ce_iv == pytest.approx(model, abs=0.01)
        assert row.pe_iv == pytest.approx(model, abs=0.01)
        assert row.ce_delta is not None and 0 < row.ce_delta < 1
        assert row.pe_delta is not None and -1 < row.pe_delta < 0
        assert row.ce_gamma is not None and row.ce_gamma > 0
    assert {i: len(v) for i, v in result.iterations.items()} == {i: 2 * n for i, n in ROWS.items()}


def test_put_call_ratio_is_pe_oi_over_ce_oi_per_expiry(clean: tuple[CycleOutcome, Path]) -> None:
    result, root = clean
    for o in result.overview:
        for tag in TAGS[o.index]:
            mine = [r for r in result.options if r.index == o.index and r.expiry_tag == tag]
            expected = sum(r.pe_oi for r in mine) / sum(r.ce_oi for r in mine)
            assert o.pcr[tag] == pytest.approx(expected, rel=1e-12)
    # And from the files alone: option CSVs → the overview CSV's pcr cells.
    header_index = {"ce_oi": 13, "pe_oi": 14}
    for index in INDEX_NAMES:
        (overview,) = read_rows(root / "overview" / index / "2026-11-26.csv")
        for position, tag in enumerate(EXPIRY_RULES):
            if tag not in TAGS[index]:  # a monthly-only index: no weekly chain, empty cell
                assert overview[4 + position] == ""
                assert not (root / index / tag).exists()
                continue
            ce = pe = 0
            for path in (root / index / tag).glob("*/2026-11-26.csv"):
                (cells,) = read_rows(path)
                ce += int(cells[header_index["ce_oi"]])
                pe += int(cells[header_index["pe_oi"]])
            assert overview[4 + position] == f"{pe / ce:.4f}"


def test_utc_now_writes_ist_timestamps_and_ist_dates(tmp_path: Path) -> None:
    evening = datetime(2026, 11, 26, 4, 0, tzinfo=UTC)  # 09:30 IST
    result = run_cycle(1, evening, SyntheticMarket(SEED), Universe(("NIFTY",), ("this_week",), 1))
    CsvOutput(CsvSink(tmp_path)).publish(CycleOutcome(result))
    assert len(result.options) == 3
    (cells,) = read_rows(tmp_path / "NIFTY" / "this_week" / "0" / "2026-11-26.csv")
    assert cells[0] == "2026-11-26T09:30:00+05:30"


def test_timings_come_from_the_injected_timer(tmp_path: Path) -> None:
    ticks = itertools.count()

    def timer() -> float:
        return float(next(ticks))

    small = Universe(("NIFTY",), ("this_week",), 2)
    result = run_cycle(1, NOW, SyntheticMarket(SEED), small, timer)
    t = result.timings
    assert set(t) == {"fetch", "validate", "analytics", "total"}
    assert t["total"] == t["fetch"] + t["validate"] + t["analytics"]
    assert all(v >= 1 for v in t.values())
    assert len(result.provider_durations) == 3  # levels, the listing, the chains (batched)
    assert all(d == 1.0 for d in result.provider_durations)
    outcome = publish_all([CsvOutput(CsvSink(tmp_path))], CycleOutcome(result), registry(), timer)
    o = outcome.timings
    assert o["persist"] == 1.0 and o["total"] == t["total"] + 1.0  # the outputs' time


def test_run_cycle_is_pure_it_writes_nothing(tmp_path: Path) -> None:
    before = set(tmp_path.iterdir())
    result = run_cycle(1, NOW, SyntheticMarket(SEED), UNIVERSE)
    assert result.ok and len(result.options) == TOTAL_ROWS and set(tmp_path.iterdir()) == before
    assert not hasattr(result, "resilience") and not hasattr(result, "storage_error")


# --- fault isolation ---------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "recorded"), [("error", "error"), ("timeout", "timeout")])
def test_failing_index_does_not_stop_the_others(
    tmp_path: Path, kind: FaultKind, recorded: str
) -> None:
    result = cycle(tmp_path, faults(kind, "BANKNIFTY"))

    assert result.ok
    assert {f.index for f in result.failures} == {"BANKNIFTY"}
    assert {f.kind for f in result.failures} == {recorded}
    assert {f.stage for f in result.failures} == {"spot", "expiries"}
    assert all("BANKNIFTY" in f.message for f in result.failures)
    others = [i for i in INDEX_NAMES if i != "BANKNIFTY"]
    assert Counter(r.index for r in result.options) == {i: ROWS[i] for i in others}
    assert [o.index for o in result.overview] == others
    assert not (tmp_path / "BANKNIFTY").exists()
    assert not (tmp_path / "overview" / "BANKNIFTY").exists()
    for index in others:
        assert len(list((tmp_path / index).rglob("*.csv"))) == ROWS[index]
        assert (tmp_path / "overview" / index / "2026-11-26.csv").exists()

    metrics = registry()
    publish(metrics, result)
    labels = {"index": "BANKNIFTY", "kind": recorded}
    assert sample(metrics, "g6_provider_errors_total", **labels) == 2
    assert sample(metrics, "g6_csv_rows_written_total", index="BANKNIFTY") is None
    assert sample(metrics, "g6_csv_rows_written_total", index="NIFTY") == 85


def test_failing_quotes_leave_the_index_with_a_missing_mask(tmp_path: Path) -> None:
    result = cycle(tmp_path, faults("timeout", "NIFTY", target="quotes"))

    assert result.ok
    assert sorted((f.stage, f.kind, f.expiry_tag) for f in result.failures) == sorted(
        ("quotes", "timeout", tag) for tag in EXPIRY_RULES
    )
    (nifty,) = [o for o in result.overview if o.index == "NIFTY"]
    assert (nifty.expected_mask, nifty.collected_mask, nifty.missing_mask) == (15, 0, 15)
    assert all(v is None for v in nifty.pcr.values())
    (cells,) = read_rows(tmp_path / "overview" / "NIFTY" / "2026-11-26.csv")
    assert cells[4:8] == ["", "", "", ""]
    assert cells[8:] == ["4", "0", "15", "0", "15"]
    assert len(result.options) == TOTAL_ROWS - 84


def test_every_index_failing_is_not_ok(tmp_path: Path) -> None:
    result = cycle(tmp_path, FaultPlan((FaultRule("error"),)))
    assert not result.ok and result.storage_error is None
    assert result.options == () and result.overview == ()
    assert {f.index for f in result.failures} == set(INDEX_NAMES)
    metrics = registry()
    publish(metrics, result)
    assert sample(metrics, "g6_cycle_failures_total") == 1


# --- data quality ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["crossed", "negative", "missing"])
def test_bad_quotes_are_counted_as_data_quality_issues(tmp_path: Path, kind: FaultKind) -> None:
    result = cycle(tmp_path, faults(kind, "NIFTY"))

    by_kind = Counter((i.index, i.kind) for i in result.issues)
    assert by_kind == {("NIFTY", kind): LEGS_PER_INDEX}  # every NIFTY leg, nothing else
    legs = {(i.expiry_tag, i.strike, i.leg) for i in result.issues}
    assert len(legs) == LEGS_PER_INDEX
    assert Counter(r.index for r in result.options if r.index != "NIFTY") == {
        i: ROWS[i] for i in INDEX_NAMES if i != "NIFTY"
    }
    for row in result.options:  # whatever was kept is usable
        for price in (row.ce, row.pe):
            assert price is None or (math.isfinite(price) and price > 0)

    metrics = registry()
    publish(metrics, result)
    labels = {"index": "NIFTY", "kind": kind}
    assert sample(metrics, "g6_data_quality_issues_total", **labels) == LEGS_PER_INDEX


def test_garbage_quotes_are_all_counted(tmp_path: Path) -> None:
    # NaN / infinite prices and negative activity must not vanish without a trace.
    result = cycle(tmp_path, faults("garbage", "NIFTY"))
    flagged = {(i.expiry_tag, i.strike, i.leg) for i in result.issues}
    assert len(flagged) == LEGS_PER_INDEX
    assert {i.kind for i in result.issues} <= {"negative", "missing"}
    for row in result.options:
        assert min(row.ce_vol, row.pe_vol, row.ce_oi, row.pe_oi) >= 0


def test_crossed_quotes_fall_back_to_the_last_price(tmp_path: Path) -> None:
    result = cycle(tmp_path, faults("crossed", "NIFTY"))
    nifty = [r for r in result.options if r.index == "NIFTY"]
    assert len(nifty) == 84  # last trade prices still give a row per strike


# --- storage errors ----------------------------------------------------------------------


def test_storage_error_becomes_a_failed_report_and_not_ok(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")

    metrics = registry()
    result = cycle(blocker / "csv", metrics=metrics)

    assert not result.ok and result.collected  # collected, but not stored
    assert result.storage_error is not None and "cannot open for append" in result.storage_error
    assert "\n" not in result.storage_error
    (report,) = result.failed_outputs
    assert (report.name, report.category) == ("csv", "storage")
    assert len(result.options) == TOTAL_ROWS and result.written is None
    assert sample(metrics, "g6_errors_total", component="csv", category="storage") == 1
    publish(metrics, result)
    assert sample(metrics, "g6_cycle_failures_total") == 1
    assert sample(metrics, "g6_csv_rows_written_total", index="NIFTY") is None


def test_foreign_file_is_a_storage_error_and_stays_intact(tmp_path: Path) -> None:
    path = tmp_path / "overview" / "SENSEX" / "2026-11-26.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not,a,g6,file\n")
    result = cycle(tmp_path)
    assert not result.ok
    assert result.storage_error is not None and f"{path}:1:" in result.storage_error
    assert path.read_bytes() == b"not,a,g6,file\n"


# --- publish -----------------------------------------------------------------------------


def test_publish_puts_the_cycle_into_the_spec_registry(clean: tuple[CycleOutcome, Path]) -> None:
    result, _ = clean
    metrics = registry()
    publish(metrics, result)

    def get(name: str, **labels: str) -> float | None:
        return sample(metrics, name, **labels)

    assert get("g6_cycles_total") == 1
    assert get("g6_cycle_failures_total") == 0
    assert get("g6_cycle_duration_seconds_count") == 1
    assert get("g6_cycle_duration_seconds_sum") == pytest.approx(result.timings["total"])
    assert get("g6_last_cycle_timestamp_seconds") == NOW.timestamp()
    for plan in result.plans:
        assert get("g6_index_price", index=plan.index) == plan.spot
    for o in result.overview:
        for tag in TAGS[o.index]:
            assert get("g6_pcr", index=o.index, expiry=tag) == o.pcr[tag]
    for index, tag in itertools.product(INDEX_NAMES, EXPIRY_RULES):
        listed = tag in TAGS[index]
        assert get("g6_options_collected_total", index=index, expiry=tag) == (
            21 if listed else None
        )
        assert get("g6_iv_estimation_success_total", index=index, expiry=tag) == (
            42 if listed else None
        )
        assert get("g6_iv_estimation_failure_total", index=index, expiry=tag) is None
    for index in INDEX_NAMES:
        assert get("g6_csv_rows_written_total", index=index) == ROWS[index] + 1
        assert get("g6_csv_day_files_total", index=index) == ROWS[index] + 1
        assert get("g6_iv_solver_iterations_count", index=index) == 2 * ROWS[index]
    assert get("g6_provider_request_duration_seconds_count") == len(result.provider_durations)
    # the batched calls: one for every index level, one listing per index, one for all chains
    assert len(result.provider_durations) == 1 + 4 + 1


def test_publish_accumulates_over_cycles(tmp_path: Path) -> None:
    metrics = registry()
    first = cycle(tmp_path)
    second = cycle(tmp_path, now=NOW.replace(minute=16), number=2)
    publish(metrics, first)
    publish(metrics, second)
    assert sample(metrics, "g6_cycles_total") == 2
    assert sample(metrics, "g6_csv_rows_written_total", index="NIFTY") == 170
    assert sample(metrics, "g6_csv_day_files_total", index="NIFTY") == 85  # day files once
    assert sample(metrics, "g6_options_collected_total", index="SENSEX", expiry="next_week") == 42
    stamp = sample(metrics, "g6_last_cycle_timestamp_seconds")
    assert stamp == NOW.replace(minute=16).timestamp()


def test_publish_with_gated_groups_only_exposes_enabled_ones(
    clean: tuple[CycleOutcome, Path],
) -> None:
    result, _ = clean
    gated = build_registry(load_spec(), disabled_groups=frozenset({"iv_estimation"}))
    publish(gated, result)  # must not raise for disabled metrics
    assert sample(gated, "g6_cycles_total") == 1
    labels = {"index": "NIFTY", "expiry": "this_week"}
    assert sample(gated, "g6_iv_estimation_success_total", **labels) is None
