"""Retention: the tree's shape rule, the scanner, its reports and metrics."""

from __future__ import annotations

import io
import json
import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from g6runtime.errors import StorageError
from g6runtime.metrics import build_registry, load_spec
from g6runtime.retention import layout
from g6runtime.retention.report import TerminalProgress, scan_json, scan_lines, size_text
from g6runtime.retention.scan import Root, scan, scan_root

from .test_retention_support import (
    EVENING_UTC,
    TODAY,
    clock_at,
    day_text,
    option_file,
    overview_file,
    sample_tree,
)

CLOCK = clock_at(EVENING_UTC)


@pytest.mark.parametrize(
    ("name", "day"),
    [
        ("2026-11-27.csv", "2026-11-27"),
        ("2024-02-29.csv", "2024-02-29"),
        ("2026-02-30.csv", None),
        ("2026-13-01.csv", None),
        ("2026-11-27.csv.bak", None),
        ("20261127.csv", None),
        ("2026-W01-1.csv", None),
        ("２０２６-11-27.csv", None),  # full-width digits are not ASCII digits
        (".2026-11-27.csv", None),
        ("notes.txt", None),
    ],
)
def test_day_of_accepts_only_real_iso_dates(name: str, day: str | None) -> None:
    assert layout.day_of(name) == day


@pytest.mark.parametrize(
    ("level", "name", "child"),
    [
        (layout.ROOT, "NIFTY", layout.INDEX_DIR),
        (layout.ROOT, "MIDCPNIFTY", layout.INDEX_DIR),
        (layout.ROOT, "overview", layout.OVERVIEW_DIR),
        (layout.ROOT, "Documents", None),
        (layout.ROOT, ".cache", None),
        (layout.INDEX_DIR, "this_week", layout.EXPIRY_DIR),
        (layout.INDEX_DIR, "photos", None),
        (layout.EXPIRY_DIR, "+100", layout.LEAF),
        (layout.EXPIRY_DIR, "-50", layout.LEAF),
        (layout.EXPIRY_DIR, "0", layout.LEAF),
        (layout.EXPIRY_DIR, "100", None),
        (layout.EXPIRY_DIR, "+050", None),
        (layout.EXPIRY_DIR, "-0", None),
        (layout.OVERVIEW_DIR, "NIFTY", layout.LEAF),
        (layout.OVERVIEW_DIR, "this_week", None),
        (layout.LEAF, "anything", None),
    ],
)
def test_child_level_is_the_sink_layout(level: str, name: str, child: str | None) -> None:
    assert layout.child_level(level, name) == child


def test_cutoff() -> None:
    assert layout.cutoff_for(TODAY, 45) == date(2026, 10, 13)
    assert layout.cutoff_for(TODAY, 0) == TODAY
    assert layout.cutoff_for(date(1, 1, 2), 10) == date.min
    with pytest.raises(ValueError, match="max_age_days"):
        layout.cutoff_for(TODAY, -1)


def test_scan_reports_candidates_per_index_and_expiry(tmp_path: Path) -> None:
    sample_tree(tmp_path)
    report = scan(tmp_path, 45, CLOCK)
    assert (report.today, report.cutoff) == (TODAY, date(2026, 10, 13))
    # ages 46 and 90 expire; 45 is exactly the cutoff and stays.
    files = report.files()
    assert {day for _, day, _ in files} == {day_text(TODAY, 46), day_text(TODAY, 90)}
    assert report.candidates == len(files) == 2 * (2 * 2 * 2 + 2)
    assert report.bytes == 2 * (8 * 64 + 2 * 32)
    assert report.files_scanned == 6 * 10
    groups = {(g.index, g.expiry): g for g in report.groups()}
    assert set(groups) == {
        (i, e) for i in ("NIFTY", "BANKNIFTY") for e in ("this_week", "next_month", "overview")
    }
    nifty = groups["NIFTY", "this_week"]
    assert (nifty.files, nifty.bytes) == (4, 4 * 64)
    assert (nifty.oldest, nifty.newest) == (day_text(TODAY, 90), day_text(TODAY, 46))
    assert groups["BANKNIFTY", "overview"].bytes == 2 * 32
    assert report.refusal is None and not report.symlinks and not report.foreign


def test_scan_never_follows_symlinks_and_reports_them(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    old = day_text(TODAY, 100)
    option_file(root, "NIFTY", "this_week", "0", old)
    option_file(outside, "NIFTY", "this_week", "0", old)
    (root / "NIFTY" / "this_week" / "+50").symlink_to(outside / "NIFTY" / "this_week" / "0")
    (root / "SENSEX").symlink_to(outside / "NIFTY")
    (root / "NIFTY" / "this_week" / "0" / f"{day_text(TODAY, 99)}.csv").symlink_to(
        outside / "NIFTY" / "this_week" / "0" / f"{old}.csv"
    )
    (root / "NIFTY" / "this_week" / "0" / "notes.txt").write_text("mine")
    report = scan(root, 45, CLOCK)
    assert [p for p, _, _ in report.files()] == [f"NIFTY/this_week/0/{old}.csv"]
    assert report.symlinks == sorted(
        ["NIFTY/this_week/+50", "SENSEX", f"NIFTY/this_week/0/{day_text(TODAY, 99)}.csv"]
    )
    assert report.foreign == ["NIFTY/this_week/0/notes.txt"]
    assert report.refusal is None


def test_scan_through_a_symlinked_root_reports_the_real_root(tmp_path: Path) -> None:
    real = tmp_path / "real"
    option_file(real, "NIFTY", "this_week", "0", day_text(TODAY, 100))
    (tmp_path / "link").symlink_to(real)
    report = scan(tmp_path / "link", 45, CLOCK)
    assert report.root == real.resolve() and report.candidates == 1


def test_scan_notes_why_prune_would_refuse(tmp_path: Path) -> None:
    option_file(tmp_path, "NIFTY", "this_week", "0", day_text(TODAY, 100))
    (tmp_path / "NIFTY" / "photos").mkdir()
    (tmp_path / "README.md").write_text("hi")
    (tmp_path / layout.AUDIT_NAME).write_text("")
    (tmp_path / "lost+found").mkdir()
    report = scan(tmp_path, 45, CLOCK)
    assert report.strays == [
        "NIFTY/photos: unexpected folder; expected an expiry-tag folder "
        "(this_week, next_week, this_month, next_month)",
        "README.md: unexpected file; expected an INDEX folder (e.g. NIFTY) or 'overview'",
    ]
    assert report.refusal == report.strays[0]
    assert report.candidates == 1


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_scan_of_a_missing_or_non_folder_root_is_one_storage_error(
    tmp_path: Path, kind: str
) -> None:
    root = tmp_path / "root"
    if kind == "file":
        root.write_text("x")
    with pytest.raises(StorageError, match="no such folder" if kind == "missing" else "not a"):
        scan(root, 45, CLOCK)


def test_scan_sets_the_retention_metrics(tmp_path: Path) -> None:
    sample_tree(tmp_path)
    metrics = build_registry(load_spec())
    report = scan(tmp_path, 45, CLOCK, metrics=metrics)
    value = metrics.registry.get_sample_value
    assert value("g6_retention_candidate_files") == report.candidates
    assert value("g6_retention_reclaimable_bytes") == report.bytes
    assert value("g6_retention_last_run_timestamp_seconds") == EVENING_UTC.timestamp()


def test_json_and_text_reports(tmp_path: Path) -> None:
    sample_tree(tmp_path)
    os.symlink("/etc", tmp_path / "FINNIFTY")
    report = scan(tmp_path, 45, CLOCK)
    data = json.loads(json.dumps(scan_json(report, {"requested": False, "status": "off"})))
    assert data["today"] == "2026-11-27" and data["cutoff"] == "2026-10-13"
    assert data["candidates"] == len(data["files"]) == 20
    assert data["oldest"] == day_text(TODAY, 90) and data["newest"] == day_text(TODAY, 46)
    assert data["looks_like_g6"] is True and data["symlinks"] == ["FINNIFTY"]
    assert data["files"][0] == {
        "path": f"BANKNIFTY/next_month/+50/{day_text(TODAY, 90)}.csv",
        "date": day_text(TODAY, 90),
        "bytes": 64,
    }
    text = "\n".join(scan_lines(report))
    assert "cutoff 2026-10-13" in text and "Asia/Kolkata" in text
    assert "NIFTY       this_week          4             256" in text
    assert "expired 20 of 60 day-files, 1,152 bytes (1.1 KiB)" in text
    assert "1 symlink(s) left alone" in text


def test_size_text() -> None:
    assert size_text(12) == "12 bytes"
    assert size_text(3 * 1024**3) == "3,221,225,472 bytes (3.0 GiB)"


class _Tty(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def test_progress_only_on_a_terminal(tmp_path: Path) -> None:
    sample_tree(tmp_path)
    tty, pipe = _Tty(True), _Tty(False)
    shown, hidden = TerminalProgress(tty, after=0.0), TerminalProgress(pipe, after=0.0)
    assert shown.enabled and not hidden.enabled
    scan(tmp_path, 45, CLOCK, progress=shown)
    shown.done()
    assert "scanned" in tty.getvalue() and tty.getvalue().endswith("\r\x1b[K")
    # Small trees (under `after` seconds) never show it.
    quiet = _Tty(True)
    late = TerminalProgress(quiet, after=60.0)
    scan(tmp_path, 45, CLOCK, progress=late)
    late.done()
    assert quiet.getvalue() == ""


def test_today_follows_asia_kolkata_not_the_machine_date(tmp_path: Path) -> None:
    overview_file(tmp_path, "NIFTY", "2026-11-26")
    before = datetime(2026, 11, 26, 18, 29, 59, tzinfo=UTC)
    after = datetime(2026, 11, 26, 18, 30, 0, tzinfo=UTC)
    assert scan(tmp_path, 0, clock_at(before)).candidates == 0
    assert scan(tmp_path, 0, clock_at(after)).candidates == 1


def test_folders_on_another_file_system_or_swapped_for_links_are_skipped(tmp_path: Path) -> None:
    option_file(tmp_path, "NIFTY", "this_week", "0", day_text(TODAY, 100))
    overview_file(tmp_path, "NIFTY", day_text(TODAY, 100))
    (tmp_path / "target").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "target")
    with Root(tmp_path) as root:
        assert root.open_dir(root.fd, "link", "link") is None  # O_NOFOLLOW: ELOOP
        assert root.open_dir(root.fd, "gone", "gone") is None
        root.dev += 1  # as if every child folder were a mount point
        report = scan_root(root, TODAY, date(2026, 10, 13), 45)
    assert report.skipped == ["NIFTY", "overview"] and report.candidates == 0


def test_an_io_error_while_walking_is_one_storage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    option_file(tmp_path, "NIFTY", "this_week", "0", day_text(TODAY, 100))

    real = os.scandir
    opened: list[int] = []

    def broken(fd: int) -> Any:
        opened.append(fd)
        if len(opened) == 4:  # the leaf folder NIFTY/this_week/0
            raise OSError(5, "Input/output error")
        return real(fd)

    monkeypatch.setattr("g6runtime.retention.scan.os.scandir", broken)
    with pytest.raises(StorageError, match="cannot scan the tree: Input/output error"):
        scan(tmp_path, 45, CLOCK)
