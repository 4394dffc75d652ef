"""Fault-injection scenarios through ``g6 simulate --faults`` and ``--memory-tier``.

Each scenario runs the real command (in process through ``cli.main``, and once in a
fresh interpreter), then counts CSV rows per index and cycle, reads the detail mode
of every cycle from ``--json``, and measures recovery in cycles: the cycles after the
last faulty one that ran below full detail.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from g6runtime.cli import main
from g6runtime.collectors.cycle import run_cycle
from g6runtime.config import Settings
from g6runtime.runner import simulated_clock, synthetic_provider, universe
from g6runtime.storage.csv_sink import CsvSink

from .test_panels_support import START, START_ISO, g6

INDICES = ("NIFTY", "BANKNIFTY", "FINNIFTY", "SENSEX")
# Every index, two expiries and 5 strikes per side keep the scenarios fast (the two monthly
# ones: BANKNIFTY and FINNIFTY have no weekly expiries).
SMALL = {"expiries": ["this_month", "next_month"], "strikes_per_side": 5}
FULL, BAND = 2 * 11, 2 * 5  # option rows of one index per cycle: expiries x strikes


@dataclass
class Run:
    status: int
    cycles: list[dict[str, Any]]
    err: str
    csv: Path
    panels: Path

    def modes(self, index: str) -> list[str]:
        return [c["resilience"]["detail"][index] for c in self.cycles]


def simulate(base: Path, cycles: int, *args: str, config: dict[str, Any] | None = SMALL) -> Run:
    """``g6 simulate --json`` in process, in ``base``, with no G6_* variable set.

    ``config`` is written to ``base/g6.json`` and passed with ``--config``.
    """
    base.mkdir(parents=True, exist_ok=True)
    out, err = io.StringIO(), io.StringIO()
    argv = ["simulate", "--cycles", str(cycles), "--start", START_ISO, "--json"]
    argv += ["--csv-dir", "csv", "--panels-dir", "panels", *args]
    if config is not None:
        (base / "g6.json").write_text(json.dumps(config))
        argv += ["--config", "g6.json"]
    with pytest.MonkeyPatch.context() as mp:
        for name in [n for n in os.environ if n.startswith("G6_")]:
            mp.delenv(name)
        mp.chdir(base)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(argv)
    report = json.loads(out.getvalue()) if status == 0 else {"cycles": []}
    return Run(status, report["cycles"], err.getvalue(), base / "csv", base / "panels")


def cycle_of(stamp: str) -> int:
    return int((datetime.fromisoformat(stamp) - START).total_seconds() // 60) + 1


def rows(root: Path, overview: bool = False) -> Counter[tuple[str, int]]:
    """CSV rows per (index, cycle): option rows, or the overview rows."""
    counts: Counter[tuple[str, int]] = Counter()
    for path in root.rglob("*.csv"):
        if (path.relative_to(root).parts[0] == "overview") != overview:
            continue
        for line in path.read_text("utf-8").splitlines()[1:]:
            stamp, index = line.split(",")[:2]
            counts[index, cycle_of(stamp)] += 1
    return counts


def recovery(modes: list[str], last_faulty: int) -> int:
    """Cycles after ``last_faulty`` (1-based) that ran below full detail."""
    after = modes[last_faulty:]
    return next((i for i, mode in enumerate(after) if mode == "full"), len(after))


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.csv")}


# --- K failing cycles on one index --------------------------------------------------------

SCENARIOS = [  # spec, cycles, faulty cycles, NIFTY's mode in each cycle
    ("error:NIFTY:3", 5, {3}, "full full full full full"),
    ("timeout:NIFTY:3-4", 6, {3, 4}, "full full full full band full"),
    ("error:NIFTY:3-6", 9, {3, 4, 5, 6}, "full full full full band band aggregates full full"),
    (
        "error/spot:NIFTY:2-7",
        10,
        {2, 3, 4, 5, 6, 7},
        "full full full band band aggregates aggregates aggregates full full",
    ),
]


@pytest.mark.parametrize(("spec", "cycles", "faulty", "expected"), SCENARIOS)
def test_k_failing_cycles_on_one_index(
    tmp_path: Path, spec: str, cycles: int, faulty: set[int], expected: str
) -> None:
    run = simulate(tmp_path, cycles, "--faults", spec)
    assert run.status == 0, run.err
    modes = run.modes("NIFTY")
    assert modes == expected.split()
    # the other indices: every row of every cycle, at full detail
    options, overview = rows(run.csv), rows(run.csv, overview=True)
    for index in INDICES[1:]:
        assert run.modes(index) == ["full"] * cycles
        assert [options[index, k] for k in range(1, cycles + 1)] == [FULL] * cycles
        assert [overview[index, k] for k in range(1, cycles + 1)] == [1] * cycles
    # NIFTY: nothing while failing; the mode's rows otherwise (aggregates: overview only)
    per_mode = {"full": FULL, "band": BAND, "aggregates": 0}
    for k, mode in enumerate(modes, 1):
        assert options["NIFTY", k] == (0 if k in faulty else per_mode[mode]), k
        assert overview["NIFTY", k] == (0 if k in faulty else 1), k
    # recovery: full detail is back in under 2 cycles after the faults stop
    assert recovery(modes, max(faulty)) < 2
    failed = [c["cycle"] for c in run.cycles if c["resilience"]["breached"]]
    assert failed == sorted(faulty)


def test_quote_timeouts_on_one_index_keep_its_overview_and_the_others(tmp_path: Path) -> None:
    run = simulate(tmp_path, 7, "--faults", "timeout/quotes:SENSEX:2-4")
    assert run.status == 0, run.err
    assert run.modes("SENSEX") == ["full", "full", "full", "band", "band", "full", "full"]
    assert recovery(run.modes("SENSEX"), 4) == 1
    options, overview = rows(run.csv), rows(run.csv, overview=True)
    assert [options["SENSEX", k] for k in range(1, 8)] == [FULL, 0, 0, 0, BAND, FULL, FULL]
    assert [overview["SENSEX", k] for k in range(1, 8)] == [1] * 7  # with its missing mask
    (day,) = (run.csv / "overview" / "SENSEX").iterdir()
    masks = [line.rsplit(",", 1)[1] for line in day.read_text().splitlines()[1:]]
    assert masks == ["0", "12", "12", "12", "0", "0", "0"]  # this_month and next_month missing
    assert all(options[i, k] == FULL for i in INDICES[:3] for k in range(1, 8))


def test_mixed_faults_leave_the_healthy_index_byte_identical(tmp_path: Path) -> None:
    clean = simulate(tmp_path / "clean", 8)
    spec = "error:NIFTY:2-5,timeout:BANKNIFTY:3-4,garbage:FINNIFTY:*:0.2"
    run = simulate(tmp_path / "faulty", 8, "--faults", spec)
    assert clean.status == 0 and run.status == 0, run.err
    sensex = {p: b for p, b in tree(run.csv).items() if "SENSEX" in p}
    assert sensex == {p: b for p, b in tree(clean.csv).items() if "SENSEX" in p}
    assert len(sensex) >= 2 * 11 + 1
    assert recovery(run.modes("NIFTY"), 5) < 2 and recovery(run.modes("BANKNIFTY"), 4) < 2
    assert run.modes("FINNIFTY") == ["full"] * 8  # bad quotes are data quality, not failures
    assert all(c["data_quality_issues"] > 0 for c in run.cycles)
    indices = json.loads((run.panels / "indices.json").read_text())["data"]["indices"]
    assert indices["FINNIFTY"]["dq_issues"] > 0 and indices["SENSEX"]["dq_issues"] == 0


# --- the fault budget in the system panel and the log --------------------------------------


def test_budget_exhaustion_is_an_event_in_the_system_panel_and_stderr(tmp_path: Path) -> None:
    run = simulate(tmp_path, 6, "--faults", "error:NIFTY:3-6")
    assert run.status == 0
    system = json.loads((run.panels / "system.json").read_text())
    assert system["cycle"] == 6
    assert system["data"]["fault_budget"] == {
        "breached": True,
        "breaches": 4,
        "allowed": 4,
        "window_cycles": 20,
        "remaining": 0,
        "exhausted": True,
    }
    (event,) = system["data"]["events"]
    assert event["kind"] == "fault_budget_exhausted"
    assert event["message"] == "fault budget exhausted: 4/4 SLA breaches in 6 cycles (window 20)"
    assert f"g6: cycle 6: {event['message']}\n" in run.err
    assert "g6: cycle 4: detail of NIFTY: full -> band (breach streak)\n" in run.err
    panel = json.loads((run.panels / "resilience.json").read_text())["data"]
    assert panel["budget"]["exhausted"] and panel["budget"]["consumed_percent"] == 100.0
    assert panel["changes"] == [
        {"index": "NIFTY", "from": "band", "to": "aggregates", "reason": "breach_streak"}
    ]
    assert panel["sla"] == {"seconds": 48.0, "duration_seconds": 0.0, "clock": "simulated"}


def test_budget_restoration_through_a_config_file(tmp_path: Path) -> None:
    config = tmp_path / "g6.yaml"
    config.write_text(
        "expiries: [this_month]\nresilience:\n  window_cycles: 3\n  allowed_breaches: 2\n"
        "  faults: ['error:SENSEX:1-2']\n"
    )
    run = simulate(tmp_path, 5, "--config", str(config), config=None)
    assert run.status == 0
    assert [c["resilience"]["budget_remaining"] for c in run.cycles] == [1, 0, 0, 1, 2]
    assert "cycle 2: fault budget exhausted" in run.err
    assert "cycle 4: fault budget restored: 1/2 SLA breaches in 3 cycles (window 3)" in run.err
    summary = g6("summary", "--panels-dir", "panels", cwd=tmp_path)
    assert summary.returncode == 0
    assert "RESILIENCE budget 2 left · 0/2 breaches in 3/3 cycles" in summary.stdout


# --- memory tiers -------------------------------------------------------------------------


@pytest.mark.parametrize(("tier", "per_side"), [(0, 10), (1, 8), (2, 6), (3, 4)])
def test_forced_memory_tiers_scale_the_strike_depth(
    tmp_path: Path, tier: int, per_side: int
) -> None:
    args = ("--memory-tier", str(tier), "--metrics-out", "m.prom")
    run = simulate(tmp_path, 1, *args, config={"strikes_per_side": 10})
    assert run.status == 0
    for index in INDICES:
        weekly = index in ("NIFTY", "SENSEX")  # BANKNIFTY and FINNIFTY: monthlies only
        tags = ("this_week", "next_week") * weekly + ("this_month", "next_month")
        assert sorted(p.name for p in (run.csv / index).iterdir()) == sorted(tags)
        for tag in tags:
            offsets = sorted(int(p.name) for p in (run.csv / index / tag).iterdir())
            step = offsets[1] - offsets[0]
            assert offsets == [k * step for k in range(-per_side, per_side + 1)]
    assert sum(rows(run.csv).values()) == (4 + 2 + 2 + 4) * (2 * per_side + 1)
    panel = json.loads((run.panels / "resilience.json").read_text())["data"]["memory"]
    assert (panel["tier"], panel["forced"], panel["strikes_per_side"]) == (tier, True, per_side)
    # tier 3 drops the per-option series (one solver-iteration observation per leg)
    metrics = (tmp_path / "m.prom").read_text()
    assert ('g6_iv_solver_iterations_count{index="NIFTY"}' in metrics) is (tier < 3)
    assert f"g6_memory_pressure_tier {tier}.0" in metrics


def test_memory_pressure_degrades_one_step_per_cycle(tmp_path: Path) -> None:
    run = simulate(tmp_path, 4, "--memory-tier", "3")
    assert run.status == 0
    assert run.modes("SENSEX") == ["full", "band", "aggregates", "aggregates"]
    options, overview = rows(run.csv), rows(run.csv, overview=True)
    assert [options["NIFTY", k] for k in range(1, 5)] == [2 * 5, BAND, 0, 0]  # 5 x 0.4 -> 2
    assert [overview["NIFTY", k] for k in range(1, 5)] == [1, 1, 1, 1]
    assert "detail of NIFTY: full -> band (memory pressure)" in run.err


def test_floor_of_two_strikes_per_side(tmp_path: Path) -> None:
    run = simulate(tmp_path, 1, "--memory-tier", "2", config={"strikes_per_side": 3})
    assert len(list((run.csv / "NIFTY" / "this_week").iterdir())) == 5  # 3 x 0.6 -> 2


# --- determinism --------------------------------------------------------------------------


def test_without_faults_the_csv_equals_a_run_without_the_resilience_layer(
    tmp_path: Path,
) -> None:
    run = simulate(tmp_path / "a", 3)
    forced = simulate(tmp_path / "b", 3, "--memory-tier", "0")
    assert run.status == 0 and forced.status == 0
    settings = replace(Settings(), expiries=tuple(SMALL["expiries"]), strikes_per_side=5)
    provider, sink = synthetic_provider(settings, settings.seed), CsvSink(tmp_path / "raw")
    for number, now in enumerate(simulated_clock(START, 60.0, 3), 1):  # no resilience layer
        result = run_cycle(number, now, provider, universe(settings))
        sink.write_cycle(result.options, result.overview)
    reference = tree(tmp_path / "raw")
    assert len(reference) >= 4 * FULL + 4
    assert tree(run.csv) == reference == tree(forced.csv)


def test_the_same_faults_seed_and_start_give_the_same_bytes(tmp_path: Path) -> None:
    spec = "error:NIFTY:2-3,garbage:*:1-:0.1"
    one = simulate(tmp_path / "1", 5, "--faults", spec)
    (tmp_path / "2").mkdir()
    (tmp_path / "2" / "g6.json").write_text(json.dumps(SMALL))
    result = g6(
        "simulate", "--cycles", "5", "--start", START_ISO, "--csv-dir", "csv",
        "--faults", spec, "--json", "--config", "g6.json", cwd=tmp_path / "2",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert tree(one.csv) == tree(tmp_path / "2" / "csv")
    assert "detail of NIFTY: full -> band (breach streak)" in result.stderr
    report = json.loads(result.stdout)
    assert [c["resilience"]["detail"]["NIFTY"] for c in report["cycles"]] == one.modes("NIFTY")


# --- bad input: one line, exit 2 ----------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--faults", "error:NIFTY"], "--faults: 'error:NIFTY' is not a fault spec"),
        (["--faults", "boom:NIFTY:1"], "unknown fault kind 'boom'"),
        (["--faults", "error:NIFTY:4-2"], "ends before it starts"),
        (["--memory-tier", "5"], "--memory-tier: '5' is not a memory tier"),
    ],
)
def test_bad_flags_are_one_line_and_exit_2(tmp_path: Path, args: list[str], fragment: str) -> None:
    run = simulate(tmp_path, 1, *args)
    assert run.status == 2 and run.err.count("\n") == 1 and fragment in run.err
    assert not run.csv.exists()


@pytest.mark.parametrize(
    ("block", "fragment"),
    [
        ('{"faults": ["error:NIFTY:x"]}', "resilience.faults[0]: 'error:NIFTY:x': cycle 'x'"),
        ('{"window_cycles": 2, "allowed_breaches": 3}', "must not exceed"),
        ('{"memory_tier_mb": [3, 2, 1]}', "strictly increasing"),
        ('{"memory_tier_mb": [1, 1.0000000001, 2]}', "strictly increasing"),
        ('{"memory_tier_mb": [0.5, 1, 2]}', "resilience.memory_tier_mb.0"),
        ('{"force_memory_tier": 4}', "resilience.force_memory_tier"),
        ('{"sla": 1}', "resilience.sla: unknown key"),
    ],
)
def test_bad_config_blocks_are_one_line_and_exit_2(
    tmp_path: Path, block: str, fragment: str
) -> None:
    (tmp_path / "c.json").write_text(f'{{"resilience": {block}}}')
    run = simulate(tmp_path, 1, "--config", "c.json", config=None)
    assert run.status == 2 and run.err.count("\n") == 1 and fragment in run.err, run.err


def test_bad_faults_in_a_subprocess(tmp_path: Path) -> None:
    result = g6("simulate", "--faults", "error:NOPE:1", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "unknown index 'NOPE'" in result.stderr
    assert "Traceback" not in result.stderr and not list(tmp_path.iterdir())
