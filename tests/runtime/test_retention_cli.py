"""`g6 retention scan|prune` on real trees: in-process through cli.main, and end to end
through `python -m g6runtime`; plus the automatic pruning inside `g6 collect`."""

from __future__ import annotations

import json
import os
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from g6runtime.cli import main
from g6runtime.cli import retention as retention_cli
from g6runtime.config import RetentionSettings, Settings
from g6runtime.market.calendar import IST, market_date
from g6runtime.metrics import build_registry, load_spec
from g6runtime.retention import layout
from g6runtime.retention.auto import AutoPrune
from g6runtime.retention.lock import PruneLock
from g6runtime.retention.scan import Root

from .support import run_g6
from .test_retention_support import (
    EVENING_UTC,
    TODAY,
    day_files,
    day_text,
    option_file,
    overview_file,
    sample_tree,
    snapshot,
)


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retention_cli, "_clock", lambda: EVENING_UTC)
    for name in list(os.environ):
        if name.startswith("G6_"):
            monkeypatch.delenv(name)


def _real_today() -> str:
    return market_date(datetime.now(IST)).isoformat()


def _tree_with_links(base: Path) -> tuple[Path, Path, date]:
    """A tree dated around the real Asia/Kolkata today (no file near the cutoff, so a
    date change during the test changes nothing), with symlinks out of and into it."""
    today = market_date(datetime.now(IST))
    root, outside = base / "data", base / "outside"
    sample_tree(root, today, ages=(0, 1, 10, 60, 90))
    option_file(outside, "NIFTY", "this_week", "0", day_text(today, 400))
    (outside / "keep.txt").write_text("outside")
    leaf = root / "NIFTY" / "this_week" / "0"
    (leaf / f"{day_text(today, 300)}.csv").symlink_to(outside / "keep.txt")
    (root / "NIFTY" / "this_week" / "-100").symlink_to(outside / "NIFTY" / "this_week" / "0")
    (root / "SENSEX").symlink_to(outside / "NIFTY")
    return root, outside, today


def test_scan_and_prune_end_to_end_with_symlinks(tmp_path: Path) -> None:
    root, outside, today = _tree_with_links(tmp_path)
    before, outside_before = snapshot(root), snapshot(outside)
    scanned = run_g6("retention", "scan", "--csv-dir", str(root), "--json", cwd=tmp_path)
    assert scanned.returncode == 0, scanned.stderr
    data = json.loads(scanned.stdout)
    assert data["candidates"] == 20 and data["looks_like_g6"] and len(data["symlinks"]) == 3
    assert snapshot(root) == before  # scan changes nothing

    pruned = run_g6("retention", "prune", "--csv-dir", str(root), cwd=tmp_path)
    assert pruned.returncode == 0, pruned.stderr
    assert "removed 20 day-files" in pruned.stdout and pruned.stderr == ""
    left = day_files(snapshot(root))
    assert set(left.values()) == {day_text(today, age) for age in (0, 1, 10)}
    assert snapshot(outside) == outside_before
    links = {k: v for k, v in snapshot(root).items() if v[0] == "link"}
    assert links == {k: v for k, v in before.items() if v[0] == "link"}


def test_prune_refuses_a_home_like_folder_in_one_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    (home / ".profile").write_text("x")
    option_file(home, "NIFTY", "this_week", "0", "2001-01-01")
    before = snapshot(home)
    proc = run_g6("retention", "prune", "--csv-dir", str(home), cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "does not look like a G6 CSV tree" in proc.stderr and ".profile" in proc.stderr
    assert snapshot(home) == before  # not even a lock file
    scan = run_g6("retention", "scan", "--csv-dir", str(home), cwd=tmp_path)
    assert scan.returncode == 0 and "prune would refuse" in scan.stderr


def test_a_second_pruner_gets_exit_2_while_the_lock_is_held(tmp_path: Path) -> None:
    root, _, _ = _tree_with_links(tmp_path)
    before = snapshot(root)
    with Root(root) as handle, PruneLock(handle.fd, handle.path):
        proc = run_g6("retention", "prune", "--csv-dir", str(root), "--json", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip() == (
        f"g6: {root}: another retention prune is running (pid {os.getpid()}) "
        f"(lock {layout.LOCK_NAME}); try again when it has finished"
    )
    assert {k: v for k, v in snapshot(root).items() if k != layout.LOCK_NAME} == before


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["retention"], "required: {scan,prune}"),
        (["retention", "scan", "--max-age-days", "-1"], "must be between 0 and 100000"),
        (["retention", "prune", "--max-age-days", "x"], "'x' is not an integer"),
        (["retention", "prune", "--csv-dir", "/nonexistent/g6"], "no such folder"),
    ],
)
def test_usage_and_io_errors_are_one_line_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], fixed_clock: None
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_in_process_prune_with_config_and_override(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fixed_clock: None
) -> None:
    root = tmp_path / "data"
    sample_tree(root)
    config = tmp_path / "g6.json"
    config.write_text(json.dumps({"csv_dir": str(root), "retention": {"max_age_days": 89}}))
    assert main(["retention", "scan", "--config", str(config), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["candidates"] == 10  # only age 90
    assert (
        main(["retention", "prune", "--config", str(config), "--max-age-days", "1", "--json"]) == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["cutoff"] == day_text(TODAY, 1) and out["removed_files"] == 40
    assert out["influx"] == {"requested": False, "status": "off"} and out["errors"] == []
    assert out["audit_log"] == str(root.resolve() / layout.AUDIT_NAME)
    assert set(day_files(snapshot(root)).values()) == {TODAY.isoformat(), day_text(TODAY, 1)}


def test_prune_influx_without_a_url_is_one_config_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fixed_clock: None
) -> None:
    overview_file(tmp_path / "data", "NIFTY", "2001-01-01")
    config = tmp_path / "g6.yaml"
    config.write_text("retention:\n  prune_influx: true\n")
    argv = ["retention", "prune", "--config", str(config), "--csv-dir", str(tmp_path / "data")]
    assert main([*argv, "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert "storage.influx.url (G6_INFLUX_URL) is not set" in captured.err
    assert (tmp_path / "data" / "overview" / "NIFTY" / "2001-01-01.csv").exists()
    scan = ["retention", "scan", "--config", str(config), "--csv-dir", str(tmp_path / "data")]
    assert main([*scan, "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["influx"]["status"] == "error"
    assert "storage.influx.url (G6_INFLUX_URL) is not set" in captured.err


def test_prune_csv_false_removes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fixed_clock: None
) -> None:
    sample_tree(tmp_path / "data")
    before = snapshot(tmp_path / "data")
    config = tmp_path / "g6.json"
    config.write_text(json.dumps({"retention": {"prune_csv": False}}))
    argv = ["retention", "prune", "--config", str(config), "--csv-dir", str(tmp_path / "data")]
    assert main(argv) == 0
    assert "prune_csv is false" in capsys.readouterr().out
    assert snapshot(tmp_path / "data") == before


def test_a_failed_removal_exits_2_with_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fixed_clock: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    option_file(tmp_path, "NIFTY", "this_week", "0", "2001-01-01")

    def refuse(name: str, *, dir_fd: int | None = None) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr("g6runtime.retention.prune.os.unlink", refuse)
    assert main(["retention", "prune", "--csv-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert (
        err
        == "g6: retention prune: NIFTY/this_week/0/2001-01-01.csv: cannot remove: Read-only file system\n"
    )


def _settings(root: Path, **retention: bool) -> Settings:
    return Settings(csv_dir=root, retention=RetentionSettings(**retention))


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "g6runtime.retention"]


def test_auto_prune_is_off_and_dry_by_default(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sample_tree(tmp_path)
    before = snapshot(tmp_path)
    metrics = build_registry(load_spec())
    caplog.set_level("INFO", logger="g6runtime.retention")
    assert AutoPrune(_settings(tmp_path), metrics).tick(EVENING_UTC) is None
    dry = AutoPrune(_settings(tmp_path, enabled=True), metrics)
    result = dry.tick(EVENING_UTC)
    assert result is not None and result.dry_run and result.scan.candidates == 20
    assert snapshot(tmp_path) == before
    assert _lines(caplog) == [
        "retention (cutoff 2026-10-13, max_age_days 45): dry run, 20 day-files "
        "(1,152 bytes (1.1 KiB)) would be removed"
    ]
    assert metrics.registry.get_sample_value("g6_retention_candidate_files") == 20


def test_auto_prune_runs_once_per_ist_day_and_survives_refusals(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sample_tree(tmp_path)
    metrics = build_registry(load_spec())
    caplog.set_level("INFO", logger="g6runtime.retention")
    auto = AutoPrune(_settings(tmp_path, enabled=True, dry_run=False), metrics)
    assert auto.tick(EVENING_UTC) is not None and "removed 20 day-files" in _lines(caplog)[-1]
    assert auto.tick(EVENING_UTC + timedelta(hours=3)) is None  # same IST day
    (tmp_path / "stray.txt").write_text("x")
    assert auto.tick(EVENING_UTC + timedelta(days=1)) is None
    assert _lines(caplog)[-1].startswith("retention skipped: refusing to prune")
    assert caplog.records[-1].levelname == "WARNING"
    errors = metrics.registry.get_sample_value(
        "g6_errors_total", {"component": "retention", "category": "storage"}
    )
    assert errors == 1
    assert metrics.registry.get_sample_value("g6_retention_files_pruned_total") == 20


def test_collect_prunes_automatically_when_enabled(tmp_path: Path) -> None:
    root = tmp_path / "data"
    overview_file(root, "NIFTY", "2001-01-01")
    config = tmp_path / "g6.json"
    config.write_text(json.dumps({"retention": {"enabled": True, "dry_run": False}}))
    args = ["--config", str(config), "--csv-dir", str(root), "--metrics-port", "0"]
    proc = run_g6("collect", "--cycles", "1", "--ignore-market-hours", *args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "retention (cutoff" in proc.stderr and "removed 1 day-files" in proc.stderr
    assert not (root / "overview" / "NIFTY" / "2001-01-01.csv").exists()
    assert _real_today() in set(day_files(snapshot(root)).values())
