"""The InfluxDB sink against a real influxd (issue 13; SPEC §2 "InfluxDB sink"): every CSV
row is one point, field by field; an outage, a hang, a crash of the server or of g6 loses
nothing and duplicates nothing; a full spool drops and counts; bad credentials are one line."""

from __future__ import annotations

import csv
import json
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from .influx_server import InfluxServer
from .support import clean_env, run_g6
from .test_panels_support import START_ISO

INT_COLUMNS = {"ce_vol", "pe_vol", "ce_oi", "pe_oi", "expiries_expected", "expiries_collected"}
INT_COLUMNS |= {"expected_mask", "collected_mask", "missing_mask"}


def segments(spool: Path) -> list[Path]:
    """The spool's segment files (CSV lines, their gzip'd points, or line protocol)."""
    return sorted(p for p in spool.iterdir() if p.suffix in (".csv", ".gz", ".lp"))


def database() -> str:
    return f"t{uuid.uuid4().hex[:12]}"


def csv_rows(root: Path) -> tuple[int, int]:
    """(option rows, overview rows) of a CSV tree."""
    option = overview = 0
    for path in root.rglob("*.csv"):
        n = len(path.read_text(encoding="utf-8").splitlines()) - 1
        if "overview" in path.relative_to(root).parts:
            overview += n
        else:
            option += n
    return option, overview


def counts(server: InfluxServer, db: str) -> tuple[int, int]:
    return server.count("g6_option", db), server.count("g6_overview", db)


def env_for(server: InfluxServer | str, db: str, **extra: str) -> dict[str, str]:
    url = server if isinstance(server, str) else server.url
    return clean_env(G6_INFLUX_URL=url, G6_INFLUX_DATABASE=db, **extra)


def closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def wait_for(condition: Callable[[], bool], seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


SIM = ("simulate", "--csv-dir", "csv", "--panels-dir", "panels", "--start", START_ISO)


@pytest.mark.slow
def test_simulate_writes_one_point_per_csv_row_field_by_field(
    tmp_path: Path, influx: InfluxServer
) -> None:
    db = database()
    run = run_g6(*SIM, "--cycles", "20", cwd=tmp_path, env=env_for(influx, db))
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    assert counts(influx, db) == csv_rows(tmp_path / "csv") == (20 * 252, 20 * 4)

    path = tmp_path / "csv" / "BANKNIFTY" / "next_month" / "+100"  # (monthly-only index)
    (day,) = list(path.iterdir())
    with day.open(encoding="utf-8") as f:
        expected = list(csv.DictReader(f))
    points = influx.rows(
        "SELECT * FROM g6_option WHERE \"index\"='BANKNIFTY' AND expiry_tag='next_month' "
        "AND \"offset\"='+100' ORDER BY time",
        db,
    )
    assert len(points) == len(expected) == 20
    for point, row in zip(points, expected, strict=True):
        from datetime import datetime

        assert point["time"] == int(datetime.fromisoformat(row["timestamp"]).timestamp())
        for column, cell in row.items():
            if column == "timestamp":
                continue
            if column in ("index", "expiry_tag", "expiry_date", "offset"):
                assert point[column] == cell, column
            elif cell == "":
                assert point[column] is None, column
            elif column in INT_COLUMNS:
                assert point[column] == int(cell) and isinstance(point[column], int), column
            else:
                assert point[column] == float(cell), column

    again = run_g6(*SIM, "--cycles", "20", cwd=tmp_path, env=env_for(influx, db))
    assert again.returncode == 0, again.stderr  # re-running the interval: CSV skips, the
    assert counts(influx, db) == csv_rows(tmp_path / "csv")  # server overwrites: no duplicate


@pytest.mark.slow
def test_a_dead_server_spools_and_the_next_run_replays_everything(
    tmp_path: Path, influx: InfluxServer
) -> None:
    db = database()
    influx.create_database(db)
    down = run_g6(*SIM, "--cycles", "5", cwd=tmp_path, env=env_for(closed_port(), db))
    assert down.returncode == 0, down.stderr  # nothing lost: the points wait on disk
    assert "points are spooled until the server answers" in down.stderr
    assert "1280 points remain spooled in data/influx_spool" in down.stderr
    spooled = segments(tmp_path / "data" / "influx_spool")
    assert len(spooled) == 5 and all(p.stat().st_size > 0 and p.suffix == ".gz" for p in spooled)
    assert counts(influx, db) == (0, 0)

    later = ("--start", "2026-11-26T10:15")
    up = run_g6(*SIM[:-2], *later, "--cycles", "2", cwd=tmp_path, env=env_for(influx, db))
    assert up.returncode == 0, up.stderr
    assert "1280 points from an earlier run are spooled" in up.stderr
    assert counts(influx, db) == csv_rows(tmp_path / "csv") == (7 * 252, 7 * 4)
    assert segments(tmp_path / "data" / "influx_spool") == []


@pytest.mark.slow
def test_g6_killed_with_a_full_spool_replays_it_after_a_restart(
    tmp_path: Path, influx: InfluxServer
) -> None:
    db = database()
    influx.create_database(db)
    args = ["collect", "--interval", "0.5", "--ignore-market-hours", "--metrics-port", "0"]
    args += ["--csv-dir", "csv", "--panels-dir", "panels", "--json"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "g6runtime", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=env_for(closed_port(), db),
    )
    assert proc.stdout is not None
    for _ in range(3):
        assert json.loads(proc.stdout.readline())["ok"] is True
    proc.send_signal(signal.SIGKILL)  # mid-run, mid-outage: no drain, no goodbye
    proc.wait(timeout=10)
    spooled = sum(
        int(p.name.split("-")[1][:9]) for p in segments(tmp_path / "data" / "influx_spool")
    )
    assert spooled >= 3 * 256

    up = run_g6(*SIM[:-2], "--start", "2026-11-27T09:15", cwd=tmp_path, env=env_for(influx, db))
    assert up.returncode == 0, up.stderr
    assert counts(influx, db) == csv_rows(tmp_path / "csv")


@pytest.mark.slow
def test_a_full_spool_drops_counts_and_fails_the_run(tmp_path: Path) -> None:
    config = tmp_path / "g6.yaml"
    config.write_text("storage:\n  influx:\n    spool_max_mb: 0.15\n", encoding="utf-8")
    run = run_g6(
        *SIM, "--cycles", "5", "--config", "g6.yaml", "--metrics-out", "m.prom",
        cwd=tmp_path, env=env_for(closed_port(), "g6"),
    )  # fmt: skip
    assert run.returncode == 2
    failed = [line for line in run.stderr.splitlines() if "influx output failed" in line]
    assert failed == [
        "g6: cycle 3: influx output failed: the Influx spool data/influx_spool is full "
        "(storage.influx.spool_max_mb 0.15): 256 points dropped"
    ]
    assert len(segments(tmp_path / "data" / "influx_spool")) == 2
    text = (tmp_path / "m.prom").read_text(encoding="utf-8")
    assert 'g6_influx_points_dropped_total{reason="spool_full"} 256.0' in text
    assert csv_rows(tmp_path / "csv") == (3 * 252, 3 * 4)  # the CSV of cycle 3 is written


@pytest.mark.slow
def test_wrong_credentials_are_one_line_and_exit_2_before_any_cycle(
    tmp_path: Path, influx_factory: Callable[..., InfluxServer]
) -> None:
    server = influx_factory(auth=True)
    secret = "not-the-password-7Q"
    env = env_for(server, "g6", G6_INFLUX_USERNAME="admin", G6_INFLUX_PASSWORD=secret)
    run = run_g6(*SIM, "--cycles", "2", cwd=tmp_path, env=env)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("g6: ")
    assert "G6_INFLUX_USERNAME" in run.stderr and secret not in run.stderr
    assert not (tmp_path / "csv").exists()


@pytest.mark.slow
def test_a_hung_then_crashed_server_loses_nothing_and_cycles_keep_pace(
    tmp_path: Path, influx_factory: Callable[..., InfluxServer]
) -> None:
    server = influx_factory()
    db = "g6"
    server.create_database(db)
    (tmp_path / "g6.yaml").write_text(
        "storage:\n  influx:\n    timeout_seconds: 1\n", encoding="utf-8"
    )
    args = ["collect", "--interval", "1", "--cycles", "9", "--ignore-market-hours"]
    args += ["--metrics-port", "0", "--csv-dir", "csv", "--panels-dir", "panels", "--json"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "g6runtime", *args, "--config", "g6.yaml"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=env_for(server, db),
    )
    assert proc.stdout is not None
    cycles = []

    def cycle() -> dict[str, object]:
        assert proc.stdout is not None
        c: dict[str, object] = json.loads(proc.stdout.readline())
        cycles.append(c)
        return c

    cycle()
    server.pause()  # a hang: requests time out
    cycle(), cycle()
    server.resume()
    server.kill()  # a crash: connections refused
    cycle(), cycle()
    server.restart()
    for _ in range(4):
        cycle()
    assert proc.wait(timeout=30) == 0, proc.stderr.read() if proc.stderr else ""
    assert [c["cycle"] for c in cycles] == list(range(1, 10))
    assert all(c["ok"] for c in cycles)
    # A cycle that waited for the hung server would take its 1 s timeout or more.
    assert max(float(c["ms"]) for c in cycles[1:]) < 1000
    assert wait_for(lambda: counts(server, db) == csv_rows(tmp_path / "csv"))
    assert csv_rows(tmp_path / "csv") == (9 * 252, 9 * 4)


@pytest.mark.slow
def test_the_storage_panel_and_summary_show_the_sink(tmp_path: Path, influx: InfluxServer) -> None:
    down = run_g6(*SIM, "--cycles", "2", cwd=tmp_path, env=env_for(closed_port(), "g6"))
    assert down.returncode == 0, down.stderr
    shown = run_g6("summary", "--panels-dir", "panels", "--json", cwd=tmp_path)
    sink = json.loads(shown.stdout)["panels"]["storage"]["data"]["influx"]
    assert sink["spool_points"] == 512 and sink["spool_segments"] == 2
    assert sink["points_dropped"] == 0 and sink["state"] in ("ok", "retrying")
    text = run_g6("summary", "--panels-dir", "panels", cwd=tmp_path).stdout
    (line,) = [x for x in text.splitlines() if "influx" in x]
    assert "spool 512 points (2 files)" in line and "0 dropped" in line

    (tmp_path / "x").mkdir()
    off = run_g6(*SIM[:-2], "--start", "2026-11-27T09:15", cwd=tmp_path / "x", env=clean_env())
    assert off.returncode == 0, off.stderr  # no sink configured: no influx block, no line
    plain = json.loads(
        run_g6("summary", "--panels-dir", "panels", "--json", cwd=tmp_path / "x").stdout
    )
    assert plain["panels"]["storage"]["data"]["influx"] is None
