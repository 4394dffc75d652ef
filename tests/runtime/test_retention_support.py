"""Helpers shared by the retention tests (no tests here): trees, clocks, snapshots."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

INDICES = ("NIFTY", "BANKNIFTY", "FINNIFTY", "SENSEX")
TAGS = ("this_week", "next_week", "this_month", "next_month")
OFFSETS = ("0", "+50", "-50", "+100", "-100")
IST_OFFSET = timedelta(hours=5, minutes=30)
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\.csv")

# 20:00 UTC on 2026-11-26 is 01:30 on 2026-11-27 in Asia/Kolkata: "today" is the 27th.
EVENING_UTC = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)
TODAY = date(2026, 11, 27)

Entry = tuple[str, ...]


def ist_today(instant: datetime) -> date:
    """The Asia/Kolkata date by plain arithmetic (an oracle independent of zoneinfo)."""
    return (instant.astimezone(UTC) + IST_OFFSET).date()


def clock_at(instant: datetime) -> Callable[[], datetime]:
    return lambda: instant


def day_text(today: date, days_ago: int) -> str:
    return (today - timedelta(days=days_ago)).isoformat()


def option_file(root: Path, index: str, tag: str, offset: str, day: str, size: int = 64) -> Path:
    path = root / index / tag / offset / f"{day}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    return path


def overview_file(root: Path, index: str, day: str, size: int = 32) -> Path:
    path = root / "overview" / index / f"{day}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"o" * size)
    return path


def sample_tree(
    root: Path, today: date = TODAY, ages: tuple[int, ...] = (0, 1, 44, 45, 46, 90)
) -> None:
    """Option files for NIFTY/BANKNIFTY in two tags and two offsets, overview files, per age."""
    for age in ages:
        day = day_text(today, age)
        for index in ("NIFTY", "BANKNIFTY"):
            for tag in ("this_week", "next_month"):
                for offset in ("0", "+50"):
                    option_file(root, index, tag, offset, day)
            overview_file(root, index, day)


def snapshot(base: Path) -> dict[str, Entry]:
    """Every entry under ``base`` (never following links): relative path → what it is."""
    out: dict[str, Entry] = {}
    for folder, dirs, files in os.walk(base, followlinks=False):
        for name in dirs + files:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, base)
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                out[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(mode):
                out[rel] = ("dir",)
            else:
                out[rel] = ("file", Path(path).read_bytes().hex())
    return out


def day_files(snap: dict[str, Entry], prefix: str = "") -> dict[str, str]:
    """Regular day-files of a snapshot (under ``prefix``): path → date."""
    out: dict[str, str] = {}
    for rel, entry in snap.items():
        name = os.path.basename(rel)
        if entry[0] != "file" or not rel.startswith(prefix) or not _DAY.fullmatch(name):
            continue
        try:
            date.fromisoformat(name[:10])
        except ValueError:
            continue
        out[rel] = name[:10]
    return out
