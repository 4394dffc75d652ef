"""Retention properties over random trees, clocks and time zones (hypothesis).

For every tree, clock (any zone, often right at 18:30 UTC where the Asia/Kolkata date
turns), machine time zone (``TZ``), ``max_age_days``, ``protect_today`` and dry run:

* a real prune removes exactly the regular day-files dated before the cutoff computed
  by an independent oracle (UTC + 05:30), so nothing dated today, in the future or on
  or after the cutoff is ever removed; a dry run removes (and writes) nothing;
* nothing outside the root changes, nor does any symlink inside it, whether it points
  outside, inside, or nowhere; foreign files in leaf folders stay;
* the scanner and the pruner agree;
* a root that does not look like a G6 tree is refused and left as it was.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from g6runtime.errors import StorageError
from g6runtime.retention import layout
from g6runtime.retention.prune import prune
from g6runtime.retention.scan import scan

from .test_retention_support import (
    INDICES,
    OFFSETS,
    TAGS,
    clock_at,
    day_files,
    ist_today,
    option_file,
    overview_file,
    snapshot,
)

MACHINE_ZONES = ("UTC", "Asia/Kolkata", "America/Los_Angeles", "Pacific/Kiritimati", "Etc/GMT+12")
PROPS = settings(max_examples=60, deadline=None, database=None)
MANY = settings(PROPS, max_examples=100)

zones = st.one_of(
    st.timezones(),
    st.integers(-12 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m))),
)
any_instant = st.datetimes(
    min_value=datetime(2001, 1, 1), max_value=datetime(2090, 12, 31), timezones=zones
)
# The minutes around 18:30 UTC, where the Asia/Kolkata date turns over.
turn_of_day = st.builds(
    lambda day, seconds, zone: (
        datetime(2026, 1, 1, 18, 30, tzinfo=UTC) + timedelta(days=day, seconds=seconds)
    ).astimezone(zone),
    st.integers(0, 3000),
    st.integers(-90, 90),
    zones,
)
files = st.lists(
    st.tuples(
        st.booleans(),  # overview file?
        st.sampled_from(INDICES),
        st.sampled_from(TAGS),
        st.sampled_from(OFFSETS),
        st.integers(-3, 70),  # days before today (negative: the future)
    ),
    max_size=25,
)
LINKS = ("file-out", "file-in", "dir-out", "index-out", "dangling", "root-out")
FOREIGN = ("notes.txt", "2026-13-01.csv", "2001-01-01.csv.bak", ".2001-01-01.csv")


@contextmanager
def machine_zone(zone: str) -> Iterator[None]:
    old = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = old
        time.tzset()


def _build(base: Path, specs: list[tuple[bool, str, str, str, int]], now: datetime) -> Path:
    root = base / "root"
    root.mkdir()
    today = ist_today(now)
    for is_overview, index, tag, offset, age in specs:
        day = (today - timedelta(days=age)).isoformat()
        if is_overview:
            overview_file(root, index, day)
        else:
            option_file(root, index, tag, offset, day)
    old = (today - timedelta(days=400)).isoformat()
    outside = base / "outside"
    option_file(outside, "NIFTY", "this_week", "0", old)
    overview_file(outside, "NIFTY", old)
    (base / "secret.txt").write_text("outside the root")
    option_file(base / "rootx", "NIFTY", "this_week", "0", old)  # a sibling sharing a prefix
    (base / f"{old}.csv").write_text("a sibling day-file")
    return root


def _decorate(root: Path, base: Path, links: list[str], foreign: list[str], now: datetime) -> None:
    leaf = root / "NIFTY" / "this_week" / "0"
    leaf.mkdir(parents=True, exist_ok=True)
    old = (ist_today(now) - timedelta(days=300)).isoformat()
    older = (ist_today(now) - timedelta(days=301)).isoformat()
    target_in = option_file(root, "NIFTY", "this_week", "0", older)
    targets = {
        "file-out": (leaf / f"{old}.csv", base / "outside/NIFTY/this_week/0"),
        "file-in": (leaf / f"{(ist_today(now) - timedelta(days=302)).isoformat()}.csv", target_in),
        "dir-out": (root / "NIFTY" / "this_week" / "+150", base / "outside/NIFTY/this_week/0"),
        "index-out": (root / "FINNIFTY", base / "outside/NIFTY"),
        "dangling": (
            leaf / f"{(ist_today(now) - timedelta(days=303)).isoformat()}.csv",
            base / "nope",
        ),
        "root-out": (root / "overview", base / "outside/overview"),
    }
    for kind in links:
        link, target = targets[kind]
        if not os.path.lexists(link):
            link.symlink_to(target)
    for name in foreign:
        (leaf / name).write_text("foreign")


@pytest.mark.slow  # 100 random trees: ~5-13 s on a loaded 2-core machine
@MANY
@given(
    specs=files,
    now=st.one_of(any_instant, turn_of_day),
    zone=st.sampled_from(MACHINE_ZONES),
    max_age=st.integers(0, 60),
    protect=st.booleans(),
    dry_run=st.booleans(),
    links=st.lists(st.sampled_from(LINKS), unique=True),
    foreign=st.lists(st.sampled_from(FOREIGN), unique=True),
)
def test_prune_removes_only_expired_files_and_nothing_outside(
    specs: list[tuple[bool, str, str, str, int]],
    now: datetime,
    zone: str,
    max_age: int,
    protect: bool,
    dry_run: bool,
    links: list[str],
    foreign: list[str],
) -> None:
    with tempfile.TemporaryDirectory() as tmp, machine_zone(zone):
        base = Path(tmp)
        root = _build(base, specs, now)
        _decorate(root, base, links, foreign, now)
        before = snapshot(base)
        today = ist_today(now)
        cutoff = (today - timedelta(days=max_age)).isoformat()
        scanned = {p for p, _, _ in scan(root, max_age, clock_at(now)).files()}
        result = prune(root, max_age, clock_at(now), protect_today=protect, dry_run=dry_run)
        after = snapshot(base)

        in_root = {k: v for k, v in before.items() if k.startswith("root/")}
        expected = {p for p, d in day_files(in_root).items() if d < cutoff}
        removed = set(day_files(before, "root/")) - set(day_files(after, "root/"))
        assert scanned == {p.removeprefix("root/") for p in expected}
        if dry_run:
            assert after == before
            assert {p for p, _, _ in result.scan.files()} == scanned and not result.removed
            return
        assert removed == expected
        dates = day_files(before)
        assert all(dates[p] < cutoff and dates[p] < today.isoformat() for p in removed)
        for rel, entry in before.items():
            if not rel.startswith("root/") or entry[0] == "link":
                assert after.get(rel) == entry, rel  # outside and links: untouched
        for name in foreign:
            assert after[f"root/NIFTY/this_week/0/{name}"] == ("file", b"foreign".hex())
        assert set(after) - set(before) <= {f"root/{layout.LOCK_NAME}", f"root/{layout.AUDIT_NAME}"}


STRAYS = st.lists(
    st.sampled_from(
        [
            ("file", "notes.txt"),
            ("file", ".bashrc"),
            ("dir", "Documents"),
            ("dir", "projects/NIFTY"),
            ("file", "NIFTY/readme.md"),
            ("dir", "NIFTY/photos"),
            ("dir", "overview/this_week"),
            ("file", "NIFTY/this_week/2001-01-01.csv"),
            ("dir", "SENSEX/next_week/100"),
        ]
    ),
    min_size=1,
    unique=True,
)


@pytest.mark.slow
@PROPS
@given(specs=files, strays=STRAYS, now=any_instant, max_age=st.integers(0, 60))
def test_a_root_that_is_not_a_g6_tree_is_refused_untouched(
    specs: list[tuple[bool, str, str, str, int]],
    strays: list[tuple[str, str]],
    now: datetime,
    max_age: int,
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        root = _build(base, specs, now)
        for kind, rel in strays:
            path = root / rel
            if kind == "dir":
                path.mkdir(parents=True, exist_ok=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("not G6")
        before = snapshot(base)
        for dry_run in (True, False):
            try:
                prune(root, max_age, clock_at(now), dry_run=dry_run)
            except StorageError as exc:
                assert "does not look like a G6 CSV tree" in str(exc)
            else:
                raise AssertionError("a non-G6 root was pruned")
        after = snapshot(base)
        after.pop(f"root/{layout.LOCK_NAME}", None)
        assert after == before
