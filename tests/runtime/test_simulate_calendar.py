"""``g6 simulate`` on the market calendar, as a real process: the clock steps over nights,
weekends and holidays (the shipped table and the config's ``market.extra_holidays``) unless
``--ignore-market-hours``; faults still hit the cycles they name; monthly-only indices write
only monthly folders and say so in the overview masks."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from .support import clean_env, run_g6

pytestmark = pytest.mark.slow  # each runs the g6 command (≈ 2-4 s under load)


def overview(root: Path, index: str) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for f in sorted((root / "overview" / index).glob("*.csv")):
        rows.extend(csv.DictReader(io.StringIO(f.read_text("utf-8"))))
    return rows


def simulate(tmp_path: Path, *args: str) -> tuple[Path, list[str]]:
    csv_dir = tmp_path / "csv"
    proc = run_g6(
        "simulate", "--csv-dir", str(csv_dir), "--panels-dir", str(tmp_path / "p"), *args,
        cwd=tmp_path, env=clean_env(G6_INDICES="NIFTY", G6_STRIKES_PER_SIDE="1"),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return csv_dir, [r["timestamp"] for r in overview(csv_dir, "NIFTY")]


def test_simulate_steps_over_the_night_a_holiday_and_the_weekend(tmp_path: Path) -> None:
    # Thursday 2 April 2026, 15:00 every 30 min: 15:00, the 15:30 close, then Good Friday
    # (3 April) and the weekend are skipped to Monday's 09:15.
    csv_dir, stamps = simulate(
        tmp_path, "--start", "2026-04-02T15:00", "--interval", "1800", "--cycles", "4"
    )
    assert stamps == [
        "2026-04-02T15:00:00+05:30",
        "2026-04-02T15:30:00+05:30",
        "2026-04-06T09:15:00+05:30",
        "2026-04-06T09:45:00+05:30",
    ]
    assert sorted(p.name for p in (csv_dir / "overview" / "NIFTY").iterdir()) == [
        "2026-04-02.csv",
        "2026-04-06.csv",
    ]


def test_ignore_market_hours_keeps_the_plain_clock(tmp_path: Path) -> None:
    _, stamps = simulate(
        tmp_path, "--start", "2026-04-02T15:00", "--interval", "1800", "--cycles", "3",
        "--ignore-market-hours",
    )  # fmt: skip
    assert stamps == [
        "2026-04-02T15:00:00+05:30",
        "2026-04-02T15:30:00+05:30",
        "2026-04-02T16:00:00+05:30",
    ]


def test_a_start_on_a_saturday_moves_to_mondays_open(tmp_path: Path) -> None:
    _, stamps = simulate(tmp_path, "--start", "2026-03-07T11:00", "--cycles", "2")
    assert stamps == ["2026-03-09T09:15:00+05:30", "2026-03-09T09:16:00+05:30"]


def test_config_extra_holidays_are_stepped_over_and_shift_expiries(tmp_path: Path) -> None:
    config = tmp_path / "g6.json"
    config.write_text(json.dumps({"market": {"extra_holidays": ["2026-12-29"]}}), "utf-8")
    csv_dir, stamps = simulate(
        tmp_path, "--config", str(config), "--start", "2026-12-28T15:30", "--cycles", "2",
        "--json",
    )  # fmt: skip
    assert stamps == ["2026-12-28T15:30:00+05:30", "2026-12-30T09:15:00+05:30"]
    # 29 December (the configured holiday) was NIFTY's weekly and monthly expiry: at the
    # close of the 28th, the shifted expiry (the 28th itself) is still the current one.
    rows = (csv_dir / "NIFTY" / "this_month" / "0" / "2026-12-28.csv").read_text("utf-8")
    assert rows.splitlines()[1].split(",")[3] == "2026-12-28"


def test_a_fault_still_hits_the_cycle_it_names_across_a_weekend(tmp_path: Path) -> None:
    # cycle 3 is Monday 09:15 (after Friday's close); the fault names cycle 3 only
    _, stamps = simulate(
        tmp_path, "--start", "2026-03-06T15:00", "--interval", "1800", "--cycles", "4",
        "--faults", "error:NIFTY:3",
    )  # fmt: skip
    assert stamps == [
        "2026-03-06T15:00:00+05:30",
        "2026-03-06T15:30:00+05:30",
        "2026-03-09T09:45:00+05:30",
    ]  # cycle 3 (2026-03-09T09:15) failed for NIFTY, so it wrote no overview row


def test_monthly_only_indices_write_only_monthly_folders(tmp_path: Path) -> None:
    csv_dir = tmp_path / "csv"
    proc = run_g6(
        "simulate", "--csv-dir", str(csv_dir), "--panels-dir", str(tmp_path / "p"),
        "--start", "2026-11-26T10:00", cwd=tmp_path, env=clean_env(G6_STRIKES_PER_SIDE="1"),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    for index, tags, mask in (
        ("NIFTY", ["next_month", "next_week", "this_month", "this_week"], "15"),
        ("SENSEX", ["next_month", "next_week", "this_month", "this_week"], "15"),
        ("BANKNIFTY", ["next_month", "this_month"], "12"),
        ("FINNIFTY", ["next_month", "this_month"], "12"),
    ):
        assert sorted(p.name for p in (csv_dir / index).iterdir()) == tags
        (row,) = overview(csv_dir, index)
        assert (row["expected_mask"], row["collected_mask"], row["missing_mask"]) == (
            mask,
            mask,
            "0",
        )
        assert row["expiries_expected"] == str(len(tags))
