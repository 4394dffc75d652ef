"""The scanner: which CSV day-files are older than the cutoff, and how many bytes they hold.

The tree is walked with directory file descriptors: every folder is opened relative
to its parent with ``O_NOFOLLOW | O_DIRECTORY``, so the walk can never leave the root
(a symlink is reported, never followed; a folder on another file system is skipped).
Only the expected folder levels are entered (see :mod:`.layout`); a file's age comes
from the date in its name, compared as text with the cutoff (ISO dates sort like dates).
Only candidates are ``lstat``-ed, for their size and to be sure they are regular files.
Every symlink met is reported (the listing's file types tell, without a system call).

**One plan.** The report *is* the plan: ``g6 retention scan`` prints it, and ``prune``
builds it with the same walk (:func:`scan_root`, under its lock) and removes exactly
its files, re-checking each against the same rule (:func:`.layout.may_remove`); so
the counts both print (``files_scanned``: regular day-files; ``candidates``) agree.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import StorageError
from ..market.calendar import market_date
from . import layout

if TYPE_CHECKING:
    from ..metrics.registry import Metrics

Progress = Callable[[int], None]
Clock = Callable[[], datetime]
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


@dataclass
class Leaf:
    """One leaf folder (``INDEX/TAG/OFFSET`` or ``overview/INDEX``) and its candidates."""

    parts: tuple[str, ...]
    files: list[tuple[str, str, int]] = field(default_factory=list)  # (name, day, bytes)
    bytes: int = 0


@dataclass(frozen=True)
class Group:
    index: str
    expiry: str
    files: int
    bytes: int
    oldest: str
    newest: str


@dataclass
class ScanReport:
    root: Path
    today: date
    cutoff: date
    max_age_days: int
    protect_today: bool = True
    files_scanned: int = 0  # regular day-files seen (expired or not)
    leaves: list[Leaf] = field(default_factory=list)
    symlinks: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    strays: list[str] = field(default_factory=list)  # entries that break the tree's shape

    @property
    def candidates(self) -> int:
        return sum(len(leaf.files) for leaf in self.leaves)

    @property
    def bytes(self) -> int:
        return sum(leaf.bytes for leaf in self.leaves)

    @property
    def refusal(self) -> str | None:
        """Why ``prune`` refuses this root, or None when it looks like a G6 CSV tree."""
        return self.strays[0] if self.strays else None

    def groups(self) -> list[Group]:
        """Candidates per (index, expiry); overview files have expiry ``overview``."""
        acc: dict[tuple[str, str], list[int | str]] = {}
        for leaf in self.leaves:
            if not leaf.files:
                continue
            oldest = min(leaf.files)[1]  # names are dates: the smallest name is the oldest
            newest = max(leaf.files)[1]
            row = acc.setdefault(layout.group_of(leaf.parts), [0, 0, oldest, newest])
            row[0] = int(row[0]) + len(leaf.files)
            row[1] = int(row[1]) + leaf.bytes
            row[2] = min(str(row[2]), oldest)
            row[3] = max(str(row[3]), newest)
        return [
            Group(index, expiry, int(n), int(size), str(old), str(new))
            for (index, expiry), (n, size, old, new) in sorted(acc.items())
        ]

    def files(self) -> list[tuple[str, str, int]]:
        """(relative path, day, bytes) of every candidate, sorted by path."""
        return sorted(
            ("/".join((*leaf.parts, name)), day, size)
            for leaf in self.leaves
            for name, day, size in leaf.files
        )


class Root:
    """An open csv-dir: resolved once (it may itself be a symlink), then pinned by a fd."""

    def __init__(self, csv_dir: Path) -> None:
        try:
            self.path = Path(os.path.realpath(csv_dir, strict=True))
            self.fd = os.open(self.path, _DIR_FLAGS)
        except FileNotFoundError:
            raise StorageError(f"{csv_dir}: no such folder (the CSV root)") from None
        except NotADirectoryError:
            raise StorageError(f"{csv_dir}: not a folder (the CSV root)") from None
        except OSError as exc:
            raise StorageError(f"{csv_dir}: cannot open the CSV root: {exc.strerror}") from None
        self.dev = os.fstat(self.fd).st_dev

    def close(self) -> None:
        os.close(self.fd)

    def __enter__(self) -> Root:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open_dir(self, parent_fd: int, name: str, rel: str) -> int | None:
        """Open child folder ``name`` without following links; None when it must be skipped."""
        try:
            fd = os.open(name, _DIR_FLAGS, dir_fd=parent_fd)
        except (FileNotFoundError, NotADirectoryError):
            return None  # vanished, or replaced since it was listed
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return None  # became a symlink since it was listed
            raise StorageError(f"{self.path / rel}: cannot open folder: {exc.strerror}") from None
        if os.fstat(fd).st_dev != self.dev:
            os.close(fd)
            return None
        return fd


def refusal_message(report: ScanReport) -> str | None:
    if report.refusal is None:
        return None
    return (
        f"refusing to prune {report.root}: it does not look like a G6 CSV tree "
        f"({report.refusal}; {len(report.strays)} such entr"
        f"{'y' if len(report.strays) == 1 else 'ies'})"
    )


def today_and_cutoff(clock: Clock, max_age_days: int) -> tuple[date, date]:
    today = market_date(clock())
    return today, layout.cutoff_for(today, max_age_days)


def scan(
    csv_dir: Path,
    max_age_days: int,
    clock: Clock,
    *,
    protect_today: bool = True,
    progress: Progress | None = None,
    metrics: Metrics | None = None,
) -> ScanReport:
    """The plan: the day-files of ``csv_dir`` dated before ``today - max_age_days`` (IST
    today), never today's while ``protect_today``. ``prune`` removes exactly these."""
    now = clock()
    today, cutoff = today_and_cutoff(lambda: now, max_age_days)
    with Root(csv_dir) as root:
        report = scan_root(root, today, cutoff, max_age_days, progress, protect_today)
    if metrics is not None:
        publish_scan(metrics, report.candidates, report.bytes, now)
    return report


def publish_scan(metrics: Metrics, candidates: int, size: int, now: datetime) -> None:
    metrics.gauge("g6_retention_candidate_files").set(candidates)
    metrics.gauge("g6_retention_reclaimable_bytes").set(size)
    metrics.gauge("g6_retention_last_run_timestamp_seconds").set(now.timestamp())


def scan_root(
    root: Root,
    today: date,
    cutoff: date,
    max_age_days: int,
    progress: Progress | None = None,
    protect_today: bool = True,
) -> ScanReport:
    """The one walk behind ``scan``, ``prune`` (under its lock) and the automatic prune."""
    report = ScanReport(root.path, today, cutoff, max_age_days, protect_today)
    limit = layout.first_kept_day(today, cutoff, protect_today)
    try:
        _Walker(root, report, limit, progress).folder(root.fd, (), layout.ROOT)
    except OSError as exc:
        where = f" ({exc.filename})" if isinstance(exc.filename, str) else ""
        raise StorageError(f"{root.path}: cannot scan the tree: {exc.strerror}{where}") from None
    for items in (report.symlinks, report.skipped, report.foreign, report.strays):
        items.sort()
    report.leaves.sort(key=lambda leaf: leaf.parts)
    return report


def shallow_scan(root: Root) -> ScanReport:
    """Only the root's own entries: enough to refuse a home folder before writing anything."""
    report = ScanReport(root.path, date.min, date.min, 0)
    try:
        _Walker(root, report, "", None).folder(root.fd, (), layout.ROOT, descend=False)
    except OSError as exc:
        raise StorageError(f"{root.path}: cannot list: {exc.strerror}") from None
    report.strays.sort()
    return report


class _Walker:
    def __init__(
        self, root: Root, report: ScanReport, limit: str, progress: Progress | None
    ) -> None:
        self.root = root
        self.report = report
        self.progress = progress
        self.limit = limit  # layout.first_kept_day: names dated before it expire
        self.expired: set[str] = set()  # day-file names seen that expire
        self.known: set[str] = set()  # every day-file name seen
        self.odd: set[str] = set()  # regular files' names that are not day-file names

    def folder(self, fd: int, parts: tuple[str, ...], level: str, descend: bool = True) -> None:
        report = self.report
        with os.scandir(fd) as entries:
            listed = [(e.name, e.is_symlink(), e.is_dir(follow_symlinks=False)) for e in entries]
        for name, is_link, is_dir in listed:
            rel = "/".join((*parts, name))
            if is_link:
                report.symlinks.append(rel)
                continue
            if level == layout.ROOT and (name in layout.OWN_FILES or name in layout.TOLERATED):
                continue
            child = layout.child_level(level, name) if is_dir else None
            if child is None:
                what = "folder" if is_dir else "file"
                report.strays.append(f"{rel}: unexpected {what}; expected {layout.EXPECTED[level]}")
                continue
            if not descend:
                continue
            child_fd = self.root.open_dir(fd, name, rel)
            if child_fd is None:
                report.skipped.append(rel)
                continue
            try:
                if child == layout.LEAF:
                    self.leaf(child_fd, (*parts, name))
                else:
                    self.folder(child_fd, (*parts, name), child)
            finally:
                os.close(child_fd)

    def leaf(self, fd: int, parts: tuple[str, ...]) -> None:
        """The hot loop, in set operations: the listing's file types (``d_type``, no
        extra system call) tell regular files from links and folders; a name is
        classified once per scan; only candidates are ``lstat``-ed (for their size,
        and to be sure they are still regular files)."""
        with os.scandir(fd) as listing:
            entries = list(listing)
        regular = [e.name for e in entries if e.is_file(follow_symlinks=False)]
        links: list[str] = []
        foreign: list[str] = []  # folders, FIFOs, sockets, devices; then odd file names
        if len(regular) != len(entries):
            for entry in entries:
                if entry.is_symlink():
                    links.append(entry.name)
                elif not entry.is_file(follow_symlinks=False):
                    foreign.append(entry.name)
        unknown = set(regular)
        unknown.difference_update(self.known)
        unknown.difference_update(self.odd)
        for name in unknown:
            day = layout.day_of(name)
            if day is None:
                self.odd.add(name)
                continue
            self.known.add(name)
            if day < self.limit:
                self.expired.add(name)
        odd = self.odd.intersection(regular)
        leaf = Leaf(parts)
        for name in self.expired.intersection(regular):
            try:
                st = os.stat(name, dir_fd=fd, follow_symlinks=False)
            except FileNotFoundError:
                odd.add(name)  # vanished since it was listed: not a day-file of this scan
                continue
            if stat.S_ISREG(st.st_mode):
                leaf.files.append((name, name[:10], st.st_size))
                leaf.bytes += st.st_size
            else:  # replaced since it was listed
                odd.add(name)
                (links if stat.S_ISLNK(st.st_mode) else foreign).append(name)
        leaf.files.sort()  # the plan's order: prune removes (and audits) in it
        foreign.extend(name for name in odd if name not in self.known)
        report = self.report
        prefix = "/".join(parts)
        report.foreign.extend(f"{prefix}/{name}" for name in foreign)
        report.symlinks.extend(f"{prefix}/{name}" for name in links)
        report.files_scanned += len(regular) - len(odd)
        report.leaves.append(leaf)
        if self.progress is not None:
            self.progress(report.files_scanned)
