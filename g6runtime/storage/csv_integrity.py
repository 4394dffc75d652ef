"""``g6 integrity --csv-dir``: is a CSV tree whole cycles of whole rows, each written once?

Problems (every one fails the check, exit 1):

=======================  ===================================================================
kind                     meaning
=======================  ===================================================================
``partial_cycle``        a cycle cut short: the cycle journal of a writer that died
                         mid-cycle is present (the next ``simulate``/``collect`` on the
                         folder rolls it back), or option rows of an index carry a
                         timestamp its overview file lacks (the sink writes overview rows
                         last, so a tree written without the journal shows a cut there)
``torn_line``            a row without its line end, with the wrong number of cells, not
                         UTF-8, or whose timestamp is not ISO 8601 with a UTC offset
``header_mismatch``      the first line is not the G6 header of that kind of file
``duplicate_timestamp``  a row with the same timestamp as the row before it
``out_of_order``         a row with an earlier timestamp than the row before it
``wrong_day``            a row whose Asia/Kolkata date is not the file's date
=======================  ===================================================================

**Beside a running writer.** The check first takes the tree's writer lock (shared,
waiting at most ``wait`` seconds for the cycle being written), notes every day-file's
size and the journal, and lets go: that is a snapshot between two cycles. It then
reads each file only up to its noted size (day-files only grow between cycles), so a
cycle appended while it reads is neither seen half-written nor reported. Nothing in
the tree is changed.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from stat import S_ISREG
from typing import Any, NamedTuple

from ..errors import IntegrityError, StorageError
from ..market.calendar import IST
from . import journal
from .csv_format import OPTION_HEADER, OVERVIEW_HEADER

KINDS = (
    "partial_cycle",
    "torn_line",
    "header_mismatch",
    "duplicate_timestamp",
    "out_of_order",
    "wrong_day",
)
LISTED = 1000  # problems listed one by one; the counts are always complete
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\.csv")
_IST_STAMP = re.compile(rb"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+05:30")
_HEADERS = {"option": OPTION_HEADER.encode(), "overview": OVERVIEW_HEADER.encode()}
_COMMAS = {kind: header.count(b",") for kind, header in _HEADERS.items()}


class CsvProblem(NamedTuple):
    file: str  # relative to the root
    line: int | None
    kind: str
    detail: str


class _DayFile(NamedTuple):
    rel: str
    kind: str  # "option" or "overview"
    symbol: str  # the index
    day: str
    size: int


@dataclass
class CsvReport:
    root: Path
    files: int = 0
    rows: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    problems: list[CsvProblem] = field(default_factory=list)
    pending_cycle: str | None = None  # the journal's cycle, when one is present

    def add(self, file: str, line: int | None, kind: str, detail: str) -> None:
        self.counts[kind] += 1
        if len(self.problems) < LISTED:
            self.problems.append(CsvProblem(file, line, kind, detail))

    @property
    def ok(self) -> bool:
        return not self.counts

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def headline(self) -> str:
        if self.ok:
            return f"csv ok: {self.files} day-files, {self.rows} rows, whole cycles only"
        worst = ", ".join(
            f"{self.counts[k]} {k.replace('_', ' ')}" for k in KINDS if k in self.counts
        )
        return f"csv FAILED: {worst} in {self.root}"

    def to_json(self) -> dict[str, Any]:
        return {
            "csv_dir": str(self.root),
            "ok": self.ok,
            "files": self.files,
            "rows": self.rows,
            "pending_cycle": self.pending_cycle,
            "counts": {k: self.counts.get(k, 0) for k in KINDS},
            "problems": [p._asdict() for p in self.problems],
            "problems_listed": len(self.problems),
        }

    def text(self, shown: int = 20) -> str:
        rows = [f"g6 integrity --csv-dir {self.root}"]
        for p in self.problems[:shown]:
            where = p.file if p.line is None else f"{p.file}:{p.line}"
            rows.append(f"  {p.kind.replace('_', ' '):<20} {where}: {p.detail}")
        more = sum(self.counts.values()) - min(shown, len(self.problems))
        if more > 0:
            rows.append(f"  … and {more} more (see --json)")
        rows.append(self.headline())
        return "\n".join(rows)


def check_tree(root: Path, wait: float = journal.LOCK_WAIT) -> CsvReport:
    """Check the CSV tree under ``root`` (see the module docstring); read-only."""
    if not root.is_dir():
        what = "does not exist" if not root.exists() else "is not a folder"
        raise IntegrityError(f"CSV folder {root} {what}; pass the --csv-dir the writer used")
    report = CsvReport(root)
    base = os.fspath(root)
    try:
        files, pending = _snapshot(base, wait)
        if pending is not None:
            _pending(report, base, pending)
        stamps: dict[tuple[str, str, str], set[bytes]] = {}
        for f in sorted(files, key=lambda f: f.kind == "overview"):
            seen = _check_file(report, base, f)
            stamps.setdefault((f.kind, f.symbol, f.day), set()).update(seen)
    except OSError as exc:
        raise IntegrityError(f"cannot read CSV folder {root}: {exc.strerror}") from None
    report.files = len(files)
    _cross_check(report, stamps)
    return report


def _snapshot(base: str, wait: float) -> tuple[list[_DayFile], journal.Journal | str | None]:
    """Every day-file with its size, and the journal, between two cycles of any writer."""
    fd = _shared_lock(base, wait)
    try:
        files = list(_walk(base))
        try:
            pending: journal.Journal | str | None = journal.read(base)
        except StorageError as exc:
            pending = str(exc)
        return files, pending
    finally:
        if fd is not None:
            os.close(fd)


def _shared_lock(base: str, wait: float) -> int | None:
    try:
        fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return None  # the scan that follows reports why the folder cannot be read
    if journal.flock_within(fd, fcntl.LOCK_SH, wait):
        return fd
    os.close(fd)
    raise IntegrityError(
        f"{base}: a writer has held the CSV folder's lock for {wait:g} s; try again"
    )


def _dirs(path: str) -> list[str]:
    try:
        with os.scandir(path) as it:
            return sorted(e.name for e in it if e.is_dir(follow_symlinks=False))
    except (FileNotFoundError, NotADirectoryError):
        return []


def _day_files(path: str) -> Iterator[tuple[str, int]]:
    try:
        with os.scandir(path) as it:
            entries = [
                (e.name, e.stat(follow_symlinks=False)) for e in it if _DAY.fullmatch(e.name)
            ]
    except FileNotFoundError:
        return
    for name, st in sorted(entries):
        if S_ISREG(st.st_mode):
            yield name, st.st_size


def _walk(base: str) -> Iterator[_DayFile]:
    for top in _dirs(base):
        if top == "overview":
            for index in _dirs(f"{base}/overview"):
                for name, size in _day_files(f"{base}/overview/{index}"):
                    yield _DayFile(f"overview/{index}/{name}", "overview", index, name[:10], size)
            continue
        for tag in _dirs(f"{base}/{top}"):
            for offset in _dirs(f"{base}/{top}/{tag}"):
                leaf = f"{top}/{tag}/{offset}"
                for name, size in _day_files(f"{base}/{leaf}"):
                    yield _DayFile(f"{leaf}/{name}", "option", top, name[:10], size)


def _pending(report: CsvReport, base: str, pending: journal.Journal | str) -> None:
    name = journal.JOURNAL_NAME
    if isinstance(pending, str):
        report.add(name, None, "partial_cycle", pending)
        return
    report.pending_cycle = pending.cycle
    written = 0
    for rel, size in pending.files:
        try:
            now = os.stat(f"{base}/{rel}", follow_symlinks=False).st_size
        except FileNotFoundError:
            continue
        written += size == journal.ABSENT or now > size
    report.add(
        name,
        None,
        "partial_cycle",
        f"cycle {pending.cycle} was cut short by a crash: {written} of {len(pending.files)} "
        "files have its row; the next 'g6 simulate' or 'g6 collect' on this folder rolls "
        "it back",
    )


def _read_prefix(path: str, size: int) -> bytes | None:
    """The file's first ``size`` bytes; None when it was removed (pruned) meanwhile."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
    except FileNotFoundError:
        return None
    try:
        parts, got = [], 0
        while got < size and (chunk := os.pread(fd, size - got, got)):
            parts.append(chunk)
            got += len(chunk)
        return b"".join(parts)
    finally:
        os.close(fd)


def _check_file(report: CsvReport, base: str, f: _DayFile) -> list[bytes]:
    """Check one day-file; the timestamps of its rows (as written)."""
    data = _read_prefix(f"{base}/{f.rel}", f.size)
    if data is None:
        return []
    if len(data) < f.size:
        report.add(f.rel, None, "torn_line", f"shrank to {len(data)} bytes while checked")
    if not data:
        report.add(f.rel, 1, "header_mismatch", "empty file (no header); move it away")
        return []
    lines = data.split(b"\n")
    if lines[-1]:
        report.add(
            f.rel, len(lines), "torn_line", "the last line has no line end (a write cut short)"
        )
    del lines[-1]  # the empty tail after the final LF, or the torn line just reported
    header = _HEADERS[f.kind]
    if not lines or lines[0] != header:
        first = lines[0][:60].decode("utf-8", "replace") if lines else ""
        report.add(f.rel, 1, "header_mismatch", f"not the G6 {f.kind} header: {first!r}")
        return []
    commas, day = _COMMAS[f.kind], f.day.encode()
    seen: list[bytes] = []
    prev: bytes | None = None
    prev_when: datetime | None = None
    for number, line in enumerate(lines[1:], 2):
        if line.count(b",") != commas or b"\r" in line:
            report.add(
                f.rel, number, "torn_line", f"{line.count(b',') + 1} cells, expected {commas + 1}"
            )
            continue
        ts = line[: line.index(b",")]
        if _IST_STAMP.fullmatch(ts):
            when: datetime | None = None  # compared as bytes: same offset, same width
            wrong_day = ts[:10] != day
        else:
            when = _parse(ts)
            if when is None:
                report.add(f.rel, number, "torn_line", f"timestamp {ts[:40]!r} is not ISO 8601")
                continue
            wrong_day = when.astimezone(IST).date().isoformat() != f.day
        if wrong_day:
            report.add(f.rel, number, "wrong_day", f"{ts.decode()} is not dated {f.day}")
        if prev is not None:
            order = _order(ts, when, prev, prev_when)
            if order == 0:
                report.add(f.rel, number, "duplicate_timestamp", f"{ts.decode()} again")
            elif order < 0:
                report.add(f.rel, number, "out_of_order", f"{ts.decode()} after {prev.decode()}")
        prev, prev_when = ts, when
        seen.append(ts)
        report.rows += 1
    return seen


def _parse(ts: bytes) -> datetime | None:
    try:
        when = datetime.fromisoformat(ts.decode("ascii"))
    except (ValueError, UnicodeDecodeError):
        return None
    return when if when.tzinfo is not None else None


def _order(ts: bytes, when: datetime | None, prev: bytes, prev_when: datetime | None) -> int:
    if when is None and prev_when is None:
        return (ts > prev) - (ts < prev)
    a = when or _parse(ts)
    b = prev_when or _parse(prev)
    assert a is not None and b is not None
    return (a > b) - (a < b)


def _cross_check(report: CsvReport, stamps: dict[tuple[str, str, str], set[bytes]]) -> None:
    """Option rows of (index, day) whose cycle has no overview row: a cycle cut short."""
    for (kind, index, day), seen in sorted(stamps.items()):
        if kind != "option":
            continue
        overview = stamps.get(("overview", index, day), set())
        for ts in sorted(seen - overview):
            report.add(
                f"overview/{index}/{day}.csv",
                None,
                "partial_cycle",
                f"cycle {ts.decode()} has {index} option rows but no overview row: a cycle "
                "cut short (move the day's files away or delete that cycle's rows)",
            )
