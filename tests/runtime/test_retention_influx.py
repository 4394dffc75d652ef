"""``retention.prune_influx`` (issue 13, item 3; SPEC §2 "InfluxDB sink", "Retention"): the
points of both measurements before the CSV cutoff's 00:00 Asia/Kolkata are counted by
``g6 retention scan``, deleted by ``g6 retention prune`` and by the automatic pruning in
``g6 collect`` (a dry run only counts), never one dated today, with an audit entry; every
failure is one line. Real ``g6`` processes against a real influxd, plus the cutoff rule as a
hypothesis property."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from g6runtime.config import InfluxSettings, RetentionSettings, Settings
from g6runtime.market.calendar import IST, market_date
from g6runtime.metrics import build_registry, load_spec
from g6runtime.retention import influx as rinflux
from g6runtime.retention.auto import AutoPrune
from g6runtime.retention.layout import AUDIT_NAME, cutoff_for

from .influx_server import InfluxServer
from .support import clean_env, run_g6
from .test_influx_sink import closed_port
from .test_retention_support import day_files, ist_today, option_file, overview_file, snapshot

DAYS = 8
# Seconds after a day's 00:00 IST: the first and last second of the day, and noon.
SECONDS = (0, 1, 12 * 3600, 86399)


def _db() -> str:
    return f"r{uuid.uuid4().hex[:12]}"


def _midnight(day: date) -> int:
    return int(datetime.combine(day, time(0), IST).timestamp())


def _seed(server: InfluxServer, db: str, today: date) -> list[tuple[str, int]]:
    """Points of both measurements on the DAYS days up to today (two option series, one
    overview series, at each of SECONDS); the (measurement, time) of each."""
    server.create_database(db)
    lines, points = [], []
    for age in range(DAYS):
        start = _midnight(today - timedelta(days=age))
        for second in SECONDS:
            t = start + second
            for offset in ("0", "+50"):
                lines.append(
                    f"g6_option,index=NIFTY,expiry_tag=this_week,expiry_date=2026-12-31,"
                    f"offset={offset} index_price=24000.5,strike=24000,ce=101.25 {t}"
                )
                points.append(("g6_option", t))
            lines.append(f"g6_overview,index=NIFTY index_price=24000.5,atm=24000 {t}")
            points.append(("g6_overview", t))
    server.write("\n".join(lines).encode(), db)
    return points


def _expected(points: list[tuple[str, int]], before: int) -> dict[str, int]:
    out = {"g6_option": 0, "g6_overview": 0}
    for measurement, t in points:
        out[measurement] += t < before
    return out


def _times(server: InfluxServer, db: str, measurement: str) -> list[int]:
    return [int(r["time"]) for r in server.rows(f'SELECT index_price FROM "{measurement}"', db)]


def _tree(root: Path, today: date) -> None:
    for age in range(DAYS):
        day = (today - timedelta(days=age)).isoformat()
        option_file(root, "NIFTY", "this_week", "0", day)
        overview_file(root, "NIFTY", day)


def _config(tmp_path: Path, **retention: Any) -> str:
    path = tmp_path / "g6.json"
    path.write_text(json.dumps({"retention": {"prune_influx": True, **retention}}))
    return str(path)


def _retention(tmp_path: Path, env: dict[str, str], *args: str) -> Any:
    return run_g6("retention", *args, cwd=tmp_path, env=env)


def _audit(root: Path) -> list[dict[str, Any]]:
    lines = (root / AUDIT_NAME).read_text().splitlines()
    return [json.loads(line) for line in lines]


@pytest.mark.slow
def test_scan_counts_what_prune_deletes_and_today_is_untouched(
    influx: InfluxServer, tmp_path: Path
) -> None:
    today = market_date(datetime.now(IST))
    db, root = _db(), tmp_path / "data"
    points = _seed(influx, db, today)
    _tree(root, today)
    env = clean_env(G6_INFLUX_URL=influx.url, G6_INFLUX_DATABASE=db)
    common = ["--config", _config(tmp_path), "--csv-dir", str(root)]

    # max_age_days 3: the cutoff is today - 3, its 00:00 IST the instant.
    scan = _retention(tmp_path, env, "scan", *common, "--max-age-days", "3", "--json")
    assert scan.returncode == 0 and scan.stderr == "", scan.stderr
    data = json.loads(scan.stdout)
    block = _midnight(today - timedelta(days=3))
    expected = _expected(points, block)
    assert expected == {"g6_option": 2 * 4 * (DAYS - 4), "g6_overview": 4 * (DAYS - 4)}
    assert data["candidates"] == 2 * (DAYS - 4)  # the CSV figures beside the Influx ones
    assert data["influx"]["status"] == "ok" and data["influx"]["dry_run"] is True
    assert data["influx"]["cutoff"] == datetime.fromtimestamp(block, UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    assert {m: c["points"] for m, c in data["influx"]["measurements"].items()} == expected
    assert (influx.count("g6_option", db), influx.count("g6_overview", db)) == (
        2 * 4 * DAYS,
        4 * DAYS,
    )  # scan deleted nothing

    text = _retention(tmp_path, env, "prune", *common, "--max-age-days", "3")
    assert text.returncode == 0 and text.stderr == "", text.stderr
    total = sum(expected.values())
    assert f"influx  deleted {total} points" in text.stdout
    assert "removed 8 day-files" in text.stdout
    for measurement in ("g6_option", "g6_overview"):
        kept = [t for m, t in points if m == measurement and t >= block]
        assert sorted(_times(influx, db, measurement)) == sorted(kept)
    (entry,) = [e for e in _audit(root) if e["event"] == "influx_delete"]
    assert entry["measurements"] == {
        m: {"before": n, "deleted": n, "after": 0} for m, n in expected.items()
    }
    assert entry["cutoff"] == data["influx"]["cutoff"] and entry["database"] == db
    assert entry["date"] == (today - timedelta(days=3)).isoformat() and entry["error"] is None
    assert sum(e["event"] == "remove_file" for e in _audit(root)) == 8

    # max_age_days 0: yesterday 23:59:59 IST goes; today 00:00:00 and 00:00:01 stay.
    again = _retention(tmp_path, env, "prune", *common, "--max-age-days", "0", "--json")
    assert again.returncode == 0, again.stderr
    pruned = json.loads(again.stdout)["influx"]
    if market_date(datetime.now(IST)) != today:
        pytest.skip("the Asia/Kolkata date changed during the test")
    midnight = _midnight(today)
    assert pruned["measurements"] == {
        "g6_option": {"before": 2 * 4 * 3, "deleted": 2 * 4 * 3, "after": 0},
        "g6_overview": {"before": 4 * 3, "deleted": 4 * 3, "after": 0},
    }
    for measurement, per_time in (("g6_option", 2), ("g6_overview", 1)):
        times = _times(influx, db, measurement)
        assert sorted(set(times)) == [midnight + s for s in SECONDS]  # all of today, only
        assert len(times) == per_time * len(SECONDS)
        assert midnight - 1 not in times
    assert set(day_files(snapshot(root)).values()) == {today.isoformat()}


@pytest.mark.slow
def test_collect_dry_run_counts_and_prune_deletes_only_old_points(
    influx: InfluxServer, tmp_path: Path
) -> None:
    today = market_date(datetime.now(IST))
    db, root = _db(), tmp_path / "csv"  # not data/: the spool's default is data/influx_spool
    points = _seed(influx, db, today)
    overview_file(root, "NIFTY", (today - timedelta(days=5)).isoformat())
    env = clean_env(G6_INFLUX_URL=influx.url, G6_INFLUX_DATABASE=db)
    args = ["--csv-dir", str(root), "--metrics-port", "0", "--ignore-market-hours"]
    before = (influx.count("g6_option", db), influx.count("g6_overview", db))
    expected = _expected(points, _midnight(today - timedelta(days=2)))

    dry = _config(tmp_path, enabled=True, dry_run=True, max_age_days=2)
    proc = run_g6("collect", "--cycles", "1", "--config", dry, *args, cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    total = sum(expected.values())
    assert (
        f"g6: retention: Influx points before {rinflux.rfc3339(_dt(today, 2))}: dry run, "
        f"{total:,} would be deleted (g6_option {expected['g6_option']}, "
        f"g6_overview {expected['g6_overview']})\n"
    ) in proc.stderr
    assert "g6: retention (cutoff" in proc.stderr and "would be removed" in proc.stderr
    written = (influx.count("g6_option", db), influx.count("g6_overview", db))
    assert written[0] > before[0] and written[1] > before[1]  # the cycle's own points
    assert not (root / AUDIT_NAME).exists()  # a dry run deletes and audits nothing

    real = _config(tmp_path, enabled=True, dry_run=False, max_age_days=2)
    proc = run_g6("collect", "--cycles", "1", "--config", real, *args, cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    assert f"deleted {total:,} of {total:,}" in proc.stderr
    cycle = (2 * written[0] - before[0], 2 * written[1] - before[1])  # two cycles' points
    assert (influx.count("g6_option", db), influx.count("g6_overview", db)) == (
        cycle[0] - expected["g6_option"],
        cycle[1] - expected["g6_overview"],
    )
    (entry,) = [e for e in _audit(root) if e["event"] == "influx_delete"]
    assert entry["deleted"] == total


def _dt(today: date, age: int) -> datetime:
    return datetime.combine(today - timedelta(days=age), time(0), IST)


def test_server_down_is_one_line_exit_2_for_prune_and_a_warning_for_scan(
    tmp_path: Path,
) -> None:
    today = market_date(datetime.now(IST))
    root = tmp_path / "data"
    _tree(root, today)
    url = closed_port()
    env = clean_env(G6_INFLUX_URL=url, G6_INFLUX_DATABASE="g6")
    common = ["--config", _config(tmp_path, max_age_days=3), "--csv-dir", str(root)]

    scan = _retention(tmp_path, env, "scan", *common, "--json")
    assert scan.returncode == 0 and scan.stderr.count("\n") == 1
    assert scan.stderr.startswith("g6: retention: warning: Influx points not counted:")
    assert f"InfluxDB at {url} is unavailable: connection refused" in scan.stderr
    data = json.loads(scan.stdout)
    assert data["candidates"] == 8 and data["influx"]["status"] == "error"

    prune = _retention(tmp_path, env, "prune", *common)
    assert prune.returncode == 2 and "Traceback" not in prune.stderr
    assert prune.stderr == (
        f"g6: retention prune: Influx: InfluxDB at {url} is unavailable: connection refused\n"
    )
    assert "removed 8 day-files" in prune.stdout  # the CSV part was still done


def test_a_missing_influx_url_is_one_config_line_and_nothing_is_removed(tmp_path: Path) -> None:
    root = tmp_path / "data"
    overview_file(root, "NIFTY", "2001-01-01")
    before = snapshot(root)
    common = ["--config", _config(tmp_path), "--csv-dir", str(root)]
    prune = _retention(tmp_path, clean_env(), "prune", *common)
    assert prune.returncode == 2 and prune.stdout == ""
    assert prune.stderr == (
        "g6: retention.prune_influx is true but storage.influx.url (G6_INFLUX_URL) is not set:"
        " set it to the InfluxDB server, or set retention.prune_influx to false\n"
    )
    assert snapshot(root) == before
    scan = _retention(tmp_path, clean_env(), "scan", *common)
    assert scan.returncode == 0 and "storage.influx.url (G6_INFLUX_URL)" in scan.stderr
    assert "expired 1 of 1 day-files" in scan.stdout


def test_wrong_credentials_are_one_line(influx_factory: Any, tmp_path: Path) -> None:
    server = influx_factory(auth=True)
    root = tmp_path / "data"
    overview_file(root, "NIFTY", "2001-01-01")
    env = clean_env(
        G6_INFLUX_URL=server.url, G6_INFLUX_USERNAME="nobody", G6_INFLUX_PASSWORD="s3cr3t-x"
    )
    prune = _retention(
        tmp_path, env, "prune", "--config", _config(tmp_path), "--csv-dir", str(root)
    )
    assert prune.returncode == 2 and prune.stderr.count("\n") == 1
    assert "refused user 'nobody'" in prune.stderr and "s3cr3t-x" not in prune.stderr + prune.stdout


def test_auto_prune_survives_an_influx_failure(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    overview_file(tmp_path, "NIFTY", "2001-01-01")
    policy = RetentionSettings(enabled=True, dry_run=False, prune_influx=True)
    s = Settings(csv_dir=tmp_path, retention=policy, influx=InfluxSettings(url=closed_port()))
    metrics = build_registry(load_spec())
    with caplog.at_level(logging.INFO, logger="g6runtime.retention"):
        result = AutoPrune(s, metrics).tick(datetime.now(IST))
    assert result is not None and len(result.removed) == 1  # the CSV part still ran
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "retention: Influx skipped: InfluxDB at" in warnings[0].message
    errors = metrics.registry.get_sample_value(
        "g6_errors_total", {"component": "retention", "category": "storage"}
    )
    assert errors == 1


# -- the cutoff rule ------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(
    now=instants,
    max_age_days=st.integers(0, 100_000),
    protect_today=st.booleans(),
    point=st.datetimes(
        min_value=datetime(1700, 1, 1), max_value=datetime(2300, 1, 1), timezones=st.just(UTC)
    ),
    near=st.integers(-2, 2),
)
def test_a_point_expires_exactly_when_its_ist_date_is_before_the_cutoff(
    now: datetime, max_age_days: int, protect_today: bool, point: datetime, near: int
) -> None:
    today = ist_today(now)  # plain-arithmetic oracle, not zoneinfo (1990 onwards: +05:30)
    cutoff = cutoff_for(today, max_age_days)
    instant = rinflux.cutoff_instant(today, cutoff, protect_today)
    if cutoff.year < 1678:
        assert instant is None
        return
    assert instant is not None
    assert instant.tzinfo is UTC and instant.astimezone(IST).time() == time(0)
    # a point right around the instant as well as an arbitrary one; a point's date is
    # market_date's (zoneinfo: before 1945 Asia/Kolkata was not +05:30)
    for t in (point, instant + timedelta(seconds=near)):
        t = t.replace(microsecond=0)
        day = market_date(t)
        expires = day < cutoff and (not protect_today or day < today)
        assert (t < instant) is expires
        if day >= today:
            assert not t < instant  # never anything dated today (or later)
    text = rinflux.rfc3339(instant)
    assert datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) == instant
    assert rinflux.count_query("g6_option", instant) == (
        f"SELECT COUNT(*) FROM \"g6_option\" WHERE time < '{text}'"
    )
    assert rinflux.delete_query("g6_overview", instant) == (
        f"DELETE FROM \"g6_overview\" WHERE time < '{text}'"
    )
