"""Retention: the pruner and its guards (lock, audit log, refusal, links, folders)."""

from __future__ import annotations

import json
import os
import threading
from datetime import date
from pathlib import Path

import pytest

from g6runtime.errors import StorageError
from g6runtime.metrics import build_registry, load_spec
from g6runtime.retention import layout
from g6runtime.retention.lock import PruneLock
from g6runtime.retention.prune import may_remove, prune
from g6runtime.retention.scan import Root

from .test_retention_support import (
    EVENING_UTC,
    TODAY,
    clock_at,
    day_files,
    day_text,
    option_file,
    overview_file,
    sample_tree,
    snapshot,
)

CLOCK = clock_at(EVENING_UTC)
OLD = day_text(TODAY, 100)


def test_may_remove_guards_the_date() -> None:
    cutoff = date(2026, 10, 13)
    assert may_remove("2026-10-12", TODAY, cutoff, True) is None
    assert "not before the cutoff" in str(may_remove("2026-10-13", TODAY, cutoff, True))
    # protect_today is a second, independent guard: even a cutoff in the future keeps today.
    future = date(2026, 12, 31)
    assert "protect_today" in str(may_remove(TODAY.isoformat(), TODAY, future, True))
    assert "protect_today" in str(may_remove("2026-11-28", TODAY, future, True))
    assert may_remove(TODAY.isoformat(), TODAY, future, False) is None


def test_prune_removes_exactly_the_expired_files(tmp_path: Path) -> None:
    sample_tree(tmp_path)
    before = day_files(snapshot(tmp_path))
    result = prune(tmp_path, 45, CLOCK)
    after = day_files(snapshot(tmp_path))
    expected = {p for p, d in before.items() if d < "2026-10-13"}
    assert {p for p, _, _ in result.removed} == expected == set(before) - set(after)
    assert result.removed_bytes == 2 * (8 * 64 + 2 * 32)
    assert not result.errors and not result.refused
    assert min(after.values()) == day_text(TODAY, 45)


def test_dry_run_removes_and_writes_nothing(tmp_path: Path) -> None:
    sample_tree(tmp_path)
    before = snapshot(tmp_path)
    result = prune(tmp_path, 0, CLOCK, dry_run=True)
    assert result.dry_run and result.scan.candidates == 50 and not result.removed
    assert snapshot(tmp_path) == before  # no lock file, no audit log either


def test_today_and_future_files_survive_max_age_zero(tmp_path: Path) -> None:
    sample_tree(tmp_path, ages=(-3, -1, 0, 1))
    prune(tmp_path, 0, CLOCK, protect_today=False)
    days = set(day_files(snapshot(tmp_path)).values())
    assert days == {TODAY.isoformat(), day_text(TODAY, -1), day_text(TODAY, -3)}


def test_audit_log_records_every_removal_and_appends(tmp_path: Path) -> None:
    option_file(tmp_path, "NIFTY", "this_week", "+50", OLD, size=7)
    option_file(tmp_path, "NIFTY", "this_week", "0", OLD)
    option_file(tmp_path, "NIFTY", "this_week", "0", TODAY.isoformat())
    first = prune(tmp_path, 45, CLOCK)
    log = tmp_path / layout.AUDIT_NAME
    assert first.audit_log == log
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    by_path = {rec["path"]: rec for rec in lines}
    rec = by_path[f"NIFTY/this_week/+50/{OLD}.csv"]
    assert rec["event"] == "remove_file" and rec["bytes"] == 7 and rec["date"] == OLD
    assert rec["time"] == "2026-11-27T01:30:00+05:30"
    assert (
        rec["root"] == str(tmp_path.resolve()) and "before the cutoff 2026-10-13" in rec["reason"]
    )
    assert by_path["NIFTY/this_week/+50"]["event"] == "remove_dir"
    assert {r["event"] for r in lines} == {"remove_file", "remove_dir"}
    assert len({r["run"] for r in lines}) == 1
    assert set(by_path) == {
        f"NIFTY/this_week/+50/{OLD}.csv",
        f"NIFTY/this_week/0/{OLD}.csv",
        "NIFTY/this_week/+50",
    }
    option_file(tmp_path, "SENSEX", "next_week", "0", OLD)
    prune(tmp_path, 45, CLOCK)
    again = log.read_text().splitlines()
    assert [json.loads(x) for x in again[: len(lines)]] == lines  # append-only
    assert json.loads(again[-1])["path"] == "SENSEX"


def test_only_folders_this_run_emptied_are_removed_never_the_root(tmp_path: Path) -> None:
    option_file(tmp_path, "NIFTY", "this_week", "0", OLD)
    overview_file(tmp_path, "NIFTY", OLD)
    (tmp_path / "BANKNIFTY" / "this_week" / "+50").mkdir(parents=True)  # empty before
    option_file(tmp_path, "SENSEX", "this_week", "0", OLD)
    (tmp_path / "SENSEX" / "this_week" / "0" / "keep.txt").write_text("foreign")
    result = prune(tmp_path, 45, CLOCK)
    assert sorted(result.removed_dirs) == sorted(
        ["NIFTY/this_week/0", "NIFTY/this_week", "NIFTY", "overview/NIFTY", "overview"]
    )
    assert (tmp_path / "BANKNIFTY" / "this_week" / "+50").is_dir()
    assert (tmp_path / "SENSEX" / "this_week" / "0" / "keep.txt").read_text() == "foreign"
    assert tmp_path.is_dir()
    assert sorted(os.listdir(tmp_path)) == sorted(
        ["BANKNIFTY", "SENSEX", layout.AUDIT_NAME, layout.LOCK_NAME]
    )


def test_symlinks_are_neither_followed_nor_removed(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    option_file(outside, "NIFTY", "this_week", "0", OLD)
    (outside / "precious.csv").write_text("keep")
    option_file(root, "NIFTY", "this_week", "0", OLD)
    leaf = root / "NIFTY" / "this_week" / "0"
    (leaf / f"{day_text(TODAY, 200)}.csv").symlink_to(outside / "precious.csv")
    (leaf / f"{day_text(TODAY, 201)}.csv").symlink_to(leaf / f"{OLD}.csv")  # inside target
    (root / "NIFTY" / "this_week" / "+50").symlink_to(outside / "NIFTY" / "this_week" / "0")
    (root / "BANKNIFTY").symlink_to(outside / "NIFTY")
    (root / "overview").symlink_to(outside)
    outside_before = snapshot(outside)
    links_before = {k: v for k, v in snapshot(root).items() if v[0] == "link"}
    result = prune(root, 45, CLOCK)
    assert [p for p, _, _ in result.removed] == [f"NIFTY/this_week/0/{OLD}.csv"]
    assert snapshot(outside) == outside_before
    assert {k: v for k, v in snapshot(root).items() if v[0] == "link"} == links_before
    assert leaf.is_dir()  # it still holds the links, so it was not emptied


def test_a_symlinked_root_is_resolved_once_and_kept(tmp_path: Path) -> None:
    real = tmp_path / "real"
    option_file(real, "NIFTY", "this_week", "0", OLD)
    option_file(real, "NIFTY", "this_week", "0", TODAY.isoformat())
    (tmp_path / "data").symlink_to(real)
    result = prune(tmp_path / "data", 45, CLOCK)
    assert result.scan.root == real.resolve() and len(result.removed) == 1
    assert (tmp_path / "data").is_symlink() and (real / layout.AUDIT_NAME).is_file()


def _home_like(path: Path) -> None:
    (path / "Documents").mkdir(parents=True)
    (path / "Documents" / "2020-01-01.csv").write_text("taxes")
    (path / ".bashrc").write_text("alias ll='ls -l'")
    (path / "notes.txt").write_text("todo")
    option_file(path, "NIFTY", "this_week", "0", OLD)  # one G6-looking corner


@pytest.mark.parametrize("variant", ["home", "stray-file", "stray-folder", "hidden"])
def test_refuses_a_root_that_is_not_a_g6_tree_and_touches_nothing(
    tmp_path: Path, variant: str
) -> None:
    if variant == "home":
        _home_like(tmp_path)
    else:
        sample_tree(tmp_path)
        if variant == "stray-folder":
            (tmp_path / "NIFTY" / "this_week" / "tmp").mkdir()
        else:
            name = "NIFTY/this_week/readme.md" if variant == "stray-file" else ".DS_Store"
            (tmp_path / name).write_text("x")
    before = snapshot(tmp_path)
    with pytest.raises(StorageError, match="does not look like a G6 CSV tree") as info:
        prune(tmp_path, 45, CLOCK)
    assert "\n" not in str(info.value)
    with pytest.raises(StorageError, match="does not look like a G6 CSV tree"):
        prune(tmp_path, 45, CLOCK, dry_run=True)
    after = snapshot(tmp_path)
    if variant in ("stray-file", "stray-folder"):  # found by the full scan, under the lock
        assert after.pop(layout.LOCK_NAME) == ("file", f"{os.getpid()}\n".encode().hex())
    assert after == before  # a stray in the root itself is refused before the lock file


def test_a_second_pruner_is_refused_while_the_first_holds_the_lock(tmp_path: Path) -> None:
    sample_tree(tmp_path)
    before = snapshot(tmp_path)
    with Root(tmp_path) as root, PruneLock(root.fd, root.path):
        with pytest.raises(StorageError, match=r"another retention prune is running \(pid \d+\)"):
            prune(tmp_path, 45, CLOCK)
        assert {k: v for k, v in snapshot(tmp_path).items() if k != layout.LOCK_NAME} == before
    assert prune(tmp_path, 45, CLOCK).removed  # released on exit


def test_concurrent_pruners_never_remove_a_file_twice(tmp_path: Path) -> None:
    for index in ("NIFTY", "BANKNIFTY", "FINNIFTY", "SENSEX"):
        for age in range(50, 90):
            option_file(tmp_path, index, "this_week", "0", day_text(TODAY, age))
    outcomes: list[str] = []

    def run() -> None:
        try:
            outcomes.append(f"removed {len(prune(tmp_path, 45, CLOCK).removed)}")
        except StorageError as exc:
            outcomes.append(str(exc))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    paths = [
        json.loads(line)["path"]
        for line in (tmp_path / layout.AUDIT_NAME).read_text().splitlines()
        if '"remove_file"' in line
    ]
    assert len(paths) == len(set(paths)) == 160
    assert all(o.startswith("removed") or "another retention prune" in o for o in outcomes)
    assert not day_files(snapshot(tmp_path))


@pytest.mark.parametrize("name", [layout.LOCK_NAME, layout.AUDIT_NAME])
def test_planted_symlinks_for_lock_or_audit_are_refused(tmp_path: Path, name: str) -> None:
    root = tmp_path / "root"
    option_file(root, "NIFTY", "this_week", "0", OLD)
    victim = tmp_path / "victim.txt"
    victim.write_text("do not truncate")
    (root / name).symlink_to(victim)
    with pytest.raises(StorageError, match="must be a regular file"):
        prune(root, 45, CLOCK)
    assert victim.read_text() == "do not truncate"
    assert (root / "NIFTY" / "this_week" / "0" / f"{OLD}.csv").exists()


def test_a_failed_removal_is_reported_and_the_rest_continue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    option_file(tmp_path, "NIFTY", "this_week", "0", OLD)
    option_file(tmp_path, "NIFTY", "this_week", "0", day_text(TODAY, 101))
    real_unlink = os.unlink

    def unlink(name: str, *, dir_fd: int | None = None) -> None:
        if name == f"{OLD}.csv":
            raise PermissionError(13, "Permission denied")
        real_unlink(name, dir_fd=dir_fd)

    monkeypatch.setattr("g6runtime.retention.prune.os.unlink", unlink)
    result = prune(tmp_path, 45, CLOCK)
    assert result.errors == [f"NIFTY/this_week/0/{OLD}.csv: cannot remove: Permission denied"]
    assert [p for p, _, _ in result.removed] == [f"NIFTY/this_week/0/{day_text(TODAY, 101)}.csv"]
    assert (tmp_path / "NIFTY" / "this_week" / "0").is_dir()


def test_prune_sets_the_retention_metrics(tmp_path: Path) -> None:
    sample_tree(tmp_path)
    metrics = build_registry(load_spec())
    result = prune(tmp_path, 45, CLOCK, metrics=metrics)
    value = metrics.registry.get_sample_value
    assert value("g6_retention_files_pruned_total") == len(result.removed) == 20
    assert value("g6_retention_bytes_pruned_total") == result.removed_bytes
    assert value("g6_retention_candidate_files") == 0
    assert value("g6_retention_reclaimable_bytes") == 0
    assert value("g6_retention_last_run_timestamp_seconds") == EVENING_UTC.timestamp()
    prune(tmp_path, 45, CLOCK, metrics=metrics, dry_run=True)
    assert value("g6_retention_files_pruned_total") == 20
