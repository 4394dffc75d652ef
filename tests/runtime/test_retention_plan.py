"""One plan: `g6 retention scan` and `g6 retention prune` count the same tree the same way.

The issue: the two commands printed different counts for one tree. Here a realistic tree
(four indices, their expiries, overview files, today's files, symlinks named like day-files,
a folder and a FIFO named like day-files, a stray non-G6 file in a leaf folder, ~150
entries) goes through both commands as real processes: every count they print (text and
``--json``) is equal, the files scan lists are exactly the files prune removes, and the
"day-files" total is the number of regular day-files (not symlinks or folders named like
them). A hypothesis property checks the same for random trees, cutoffs and
``protect_today``, for ``scan``/``prune`` and the automatic pruning inside ``g6 collect``.
"""

from __future__ import annotations

import functools
import json
import os
import re
import stat
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from g6runtime.config import RetentionSettings, Settings
from g6runtime.market.calendar import IST, market_date
from g6runtime.metrics import build_registry, load_spec
from g6runtime.metrics.registry import Metrics
from g6runtime.retention.auto import AutoPrune
from g6runtime.retention.prune import prune
from g6runtime.retention.scan import scan

from .support import run_g6
from .test_retention_support import (
    INDICES,
    OFFSETS,
    TAGS,
    clock_at,
    day_text,
    ist_today,
    option_file,
    overview_file,
)

# Which expiry folders each index has (BANKNIFTY and FINNIFTY: monthly only).
EXPIRIES = {
    "NIFTY": ("this_week", "next_week", "this_month"),
    "BANKNIFTY": ("this_month", "next_month"),
    "FINNIFTY": ("this_month", "next_month"),
    "SENSEX": ("this_week", "next_week"),
}
# With --max-age-days 45: 0 (today), 1 and 30 stay; 50, 61 and 90 expire. No age is near
# the cutoff, so a date change while the test runs changes nothing.
AGES = (0, 1, 30, 50, 61, 90)
OFFSETS_OF = {"NIFTY": ("0", "+50", "-50"), "SENSEX": ("0", "+100", "-100")}
OFFSETS_OF |= {"BANKNIFTY": ("0", "+100"), "FINNIFTY": ("0", "-50")}
MAX_AGE = 45


def regular_day_files(root: Path) -> set[str]:
    """Relative paths of the regular files named ``YYYY-MM-DD.csv`` (a real date) under
    ``root``, by ``lstat`` (an oracle independent of the scanner; FIFOs are never opened)."""
    out: set[str] = set()
    for folder, _, names in os.walk(root, followlinks=False):
        for name in names:
            path = os.path.join(folder, name)
            if stat.S_ISREG(os.lstat(path).st_mode) and _is_day(name):
                out.add(os.path.relpath(path, root))
    return out


def _is_day(name: str) -> bool:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\.csv", name):
        return False
    try:
        date.fromisoformat(name[:10])
    except ValueError:
        return False
    return True


def _realistic_tree(base: Path) -> tuple[Path, set[str], set[str]]:
    """The tree; (root, every regular day-file, those that expire) as relative paths."""
    today = market_date(datetime.now(IST))
    root = base / "g6_data"
    for index, tags in EXPIRIES.items():
        for tag in tags:
            for offset in OFFSETS_OF[index]:
                for age in AGES[:4] if tag == "next_month" else AGES:
                    option_file(root, index, tag, offset, day_text(today, age))
        for age in AGES:
            overview_file(root, index, day_text(today, age))
    outside = base / "outside"
    outside.mkdir()
    (outside / "precious.csv").write_text("not G6's")
    leaf = root / "NIFTY" / "this_week" / "0"
    # Symlinks named like day-files, one expired and one recent: never removed nor counted.
    (leaf / f"{day_text(today, 200)}.csv").symlink_to(outside / "precious.csv")
    (leaf / f"{day_text(today, 2)}.csv").symlink_to(outside / "precious.csv")
    (root / "SENSEX" / "this_week" / "+150").symlink_to(outside)  # a linked leaf folder
    # Not regular files, named like day-files: a folder and a FIFO (one expired, one not).
    (root / "BANKNIFTY" / "this_month" / "0" / f"{day_text(today, 300)}.csv").mkdir()
    os.mkfifo(root / "FINNIFTY" / "next_month" / "-50" / f"{day_text(today, 3)}.csv")
    (root / "SENSEX" / "next_week" / "-100" / "notes.txt").write_text("a stray non-G6 file")
    days = regular_day_files(root)
    cutoff = day_text(today, MAX_AGE)
    return root, days, {p for p in days if os.path.basename(p)[:10] < cutoff}


def _json(*args: str, cwd: Path) -> dict[str, object]:
    proc = run_g6("retention", *args, "--json", cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert isinstance(data, dict)
    return data


def _paths(items: object) -> list[str]:
    assert isinstance(items, list)
    return [item["path"] for item in items]


def test_scan_and_prune_print_the_same_counts_of_one_realistic_tree(tmp_path: Path) -> None:
    root, regular, expired = _realistic_tree(tmp_path / "json")
    text_root, text_regular, _ = _realistic_tree(tmp_path / "text")
    assert len(regular) == 154 and len(expired) == 73 and text_regular == regular
    flags = ("--max-age-days", str(MAX_AGE))

    scanned = _json("scan", "--csv-dir", str(root), *flags, cwd=tmp_path)
    pruned = _json("prune", "--csv-dir", str(root), *flags, cwd=tmp_path)
    assert scanned["candidates"] == pruned["candidates"] == pruned["removed_files"] == 73
    assert _paths(scanned["files"]) == _paths(pruned["files"]) == _paths(pruned["removed"])
    assert set(_paths(pruned["removed"])) == expired
    assert scanned["bytes"] == pruned["bytes"] == pruned["removed_bytes"]
    # The "day-files" total: regular day-files only, the same in both.
    assert scanned["files_scanned"] == pruned["files_scanned"] == len(regular)
    for key in ("symlinks", "foreign", "groups", "skipped", "cutoff", "today"):
        assert scanned[key] == pruned[key], key
    assert len(scanned["symlinks"]) == 3 and len(scanned["foreign"]) == 3  # type: ignore[arg-type]
    assert regular_day_files(root) == regular - expired
    assert (tmp_path / "json" / "outside" / "precious.csv").read_text() == "not G6's"
    assert not pruned["refused"] and not pruned["errors"]

    scan_text = run_g6("retention", "scan", "--csv-dir", str(text_root), *flags, cwd=tmp_path)
    prune_text = run_g6("retention", "prune", "--csv-dir", str(text_root), *flags, cwd=tmp_path)
    assert scan_text.returncode == prune_text.returncode == 0, prune_text.stderr
    head = f"expired 73 of {len(regular)} day-files"
    assert head in scan_text.stdout
    assert prune_text.stdout.startswith(scan_text.stdout.rstrip("\n"))  # the same plan, printed
    removed = re.search(r"^removed ([0-9,]+) day-files", prune_text.stdout, re.M)
    assert removed is not None and removed.group(1) == "73"
    assert regular_day_files(text_root) == regular - expired


# --- the property: for any tree, clock, cutoff and protect_today, one plan -------------

KINDS = ("file", "file", "file", "file", "link", "dir", "fifo")
entries = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        st.booleans(),  # overview?
        st.sampled_from(INDICES),
        st.sampled_from(TAGS),
        st.sampled_from(OFFSETS),
        st.integers(-3, 70),  # days before today (negative: the future)
    ),
    max_size=30,
)
instants = st.datetimes(
    min_value=datetime(2001, 1, 1), max_value=datetime(2090, 12, 31), timezones=st.just(UTC)
) | st.integers(0, 3000).map(lambda d: datetime(2026, 1, 1, 18, 30, tzinfo=UTC) + timedelta(d))


def _build(base: Path, specs: list[tuple[str, bool, str, str, str, int]], now: datetime) -> Path:
    root = base / "root"
    root.mkdir()
    (base / "target.csv").write_text("outside")
    today = ist_today(now)
    for kind, is_overview, index, tag, offset, age in specs:
        day = (today - timedelta(days=age)).isoformat()
        folder = root / "overview" / index if is_overview else root / index / tag / offset
        path = folder / f"{day}.csv"
        if os.path.lexists(path):
            continue
        if kind == "file":
            if is_overview:
                overview_file(root, index, day)
            else:
                option_file(root, index, tag, offset, day)
            continue
        folder.mkdir(parents=True, exist_ok=True)
        if kind == "link":
            path.symlink_to(base / "target.csv")
        elif kind == "dir":
            path.mkdir()
        else:
            os.mkfifo(path)
    return root


@functools.cache
def _metrics() -> Metrics:
    return build_registry(load_spec())


@settings(max_examples=40, deadline=None, database=None)
@given(
    specs=entries,
    now=instants,
    max_age=st.integers(0, 60),
    protect=st.booleans(),
    auto=st.booleans(),
)
def test_prune_removes_exactly_the_files_scan_lists(
    specs: list[tuple[str, bool, str, str, str, int]],
    now: datetime,
    max_age: int,
    protect: bool,
    auto: bool,
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = _build(Path(tmp), specs, now)
        regular = regular_day_files(root)
        plan = scan(root, max_age, clock_at(now))  # as `g6 retention scan` calls it
        listed = [path for path, _, _ in plan.files()]
        assert plan.files_scanned == len(regular) and set(listed) <= regular
        if auto:  # the automatic pruning inside `g6 collect`: the same plan
            policy = RetentionSettings(
                enabled=True, dry_run=False, max_age_days=max_age, protect_today=protect
            )
            done = AutoPrune(Settings(csv_dir=root, retention=policy), _metrics())
            result = done.tick(now)
            assert result is not None
        else:
            result = prune(root, max_age, clock_at(now), protect_today=protect)
        assert [path for path, _, _ in result.removed] == listed
        assert result.scan.files_scanned == plan.files_scanned
        assert result.scan.candidates == len(listed)
        assert not result.refused and not result.errors
        assert regular_day_files(root) == regular - set(listed)
