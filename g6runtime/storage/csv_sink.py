"""The CSV sink: SPEC §2 layout; a cycle's rows committed as a unit; no duplicate rows.

``<csv-dir>/<INDEX>/<EXPIRY_TAG>/<OFFSET>/<YYYY-MM-DD>.csv`` for options and
``<csv-dir>/overview/<INDEX>/<YYYY-MM-DD>.csv`` for overview rows. Floats are
formatted explicitly so the same inputs give byte-identical files.

**One cycle, one unit.** :meth:`CsvSink.write_cycle` appends one row to each of a
cycle's files (hundreds of them), so a crash can stop it between two files. It
therefore runs this protocol, under the tree's writer lock (``flock`` on the
``<csv-dir>`` folder itself, one cycle at a time; see journal.py):

1. *recover*: if a cycle journal is present, an earlier writer died mid-cycle: every
   file it names is truncated back to its recorded size (files the cycle created are
   removed), then the journal is deleted. The cut-short cycle is *rolled back*, never
   half kept; a crash during the rollback leaves the journal for the next run;
2. *plan*: ``stat`` each target file and read its last row (cached per process: by the
   size this sink's own append left, then by size and mtime; a file of any other size
   has its last row read again). A row whose timestamp is not later than the last row
   of its file is not appended, counted in ``WriteStats.skipped`` by reason
   (``duplicate``: the same timestamp, ``out_of_order``: an earlier one); when an
   index's overview row is not appended, neither are that index's option rows of the
   cycle (re-running an interval adds nothing, and no file is back-filled behind the
   rest of the tree). A file whose header is not the G6 header, or that ends in a torn
   line, is refused before anything is written;
3. *journal*: the list of files to append with each one's size before (``-1``: the cycle
   creates it) is written to a temporary file and renamed to ``.g6_csv_journal``
   (whole or absent);
4. *append*: one ``write()`` of the whole line per file (``O_APPEND``), options first,
   then overview. A failed or short write rolls the whole cycle back at once (every
   file as it was before) and raises :class:`StorageError`;
5. *commit*: the journal is deleted.

So after any crash the tree holds whole cycles only, once the next ``simulate`` or
``collect`` has opened it; until then ``g6 integrity --csv-dir`` reports the journal
as a partial cycle (csv_integrity.py). The protection is against the process dying
(SIGKILL, OOM, a crash): neither the journal nor the day-files are ``fsync``-ed per
cycle, so after a power cut the file system may lose the last rows of a cycle, committed
or not; ``g6 integrity --csv-dir`` then finds the torn line or the partial cycle.
"""

from __future__ import annotations

import logging
import os
import resource
import weakref
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from stat import S_ISREG
from typing import NamedTuple

from ..collectors.model import OptionRow, OverviewRow
from ..errors import StorageError
from ..market.calendar import IST
from . import journal
from .csv_files import append_to, check_open, open_append, read_last
from .csv_format import OPTION_HEADER, OVERVIEW_HEADER, CycleLines, cycle_lines, fmt_offset, stamp
from .journal import Rollback

_log = logging.getLogger(__name__)

#: why a row was not appended (``g6_csv_rows_skipped_total{reason}``)
SKIP_REASONS: tuple[str, ...] = ("duplicate", "out_of_order")


@dataclass
class WriteStats:
    rows: int = 0
    files_created: int = 0
    rows_by_index: dict[str, int] = field(default_factory=dict)
    files_by_index: dict[str, int] = field(default_factory=dict)
    #: rows not appended, by reason (``duplicate``, ``out_of_order``): SPEC's
    #: ``g6_csv_rows_skipped_total{reason}``
    skipped: dict[str, int] = field(default_factory=dict)
    #: a cycle an earlier crash cut short, rolled back before this one was written
    rolled_back: Rollback | None = None
    #: the cycle's CSV lines, every row's (written or skipped): other outputs reuse them
    lines: CycleLines | None = None

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


class _Append(NamedTuple):
    path: str
    rel: str  # relative to the root, as the journal records it
    symbol: str  # the index
    header: str
    line: str
    size: int  # before the cycle; journal.ABSENT when the cycle creates the file
    key: tuple[int, int]  # (size, mtime_ns) when planned, for the tail cache
    ident: tuple[int, int]  # (st_dev, st_ino) when planned; (0, 0) when absent


_KEPT_OPEN = 512  # day-files a sink keeps open between cycles (at most; see __init__)


def _close_all(kept: dict[str, tuple[int, tuple[int, int]]]) -> None:
    fds = [fd for fd, _ in kept.values()]
    kept.clear()
    for fd in fds:
        os.close(fd)


class CsvSink:
    """Appends cycle rows under ``root``, one cycle as a unit (see the module docstring)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._root = os.fspath(root)
        self._checked: set[str] = set()  # files whose header this process has read
        # path -> ((size, mtime_ns), timestamp of the last row or None when header only);
        # mtime_ns is -1 after this sink's own append (the size it left), until the next
        # plan's stat shows that size and fills it in
        self._tails: dict[str, tuple[tuple[int, int], datetime | None]] = {}
        # path -> (descriptor, (st_dev, st_ino)): the last cycle's day-files stay open for
        # the next one (a cycle appends to the same files all day), a quarter of the
        # process's descriptor limit at most; closed by close() or when the sink goes
        soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        self._max_kept = max(0, min(_KEPT_OPEN, soft // 4)) if soft > 0 else _KEPT_OPEN
        self._kept: dict[str, tuple[int, tuple[int, int]]] = {}
        self._release = weakref.finalize(self, _close_all, self._kept)

    def close(self) -> None:
        """Close the day-files kept open (the sink stays usable: they reopen as needed)."""
        _close_all(self._kept)

    def write_cycle(
        self, options: Sequence[OptionRow], overview: Sequence[OverviewRow]
    ) -> WriteStats:
        """Append one cycle's rows, all or none (StorageError when none could be)."""
        lines = cycle_lines(options, overview)
        stats = WriteStats(lines=lines)
        lock_fd = journal.lock(self._root)
        try:
            stats.rolled_back = self._recover()
            appends = self._plan(options, overview, lines, stats)
            if appends:
                self._commit(appends)
        finally:
            os.close(lock_fd)
        stats.rows_by_index = dict(Counter(a.symbol for a in appends))
        stats.files_by_index = dict(Counter(a.symbol for a in appends if a.size <= 0))
        stats.rows = sum(stats.rows_by_index.values())
        stats.files_created = sum(stats.files_by_index.values())
        return stats

    # --- 1. recover ------------------------------------------------------------------

    def _recover(self) -> Rollback | None:
        found = journal.read(self._root)
        if found is None:
            return None
        _close_all(self._kept)
        done = journal.roll_back(self._root, found)
        for rel, _size in found.files:
            self._tails.pop(f"{self._root}/{rel}", None)
        _log.warning(
            "%s: rolled back cycle %s, cut short by an earlier crash (%d files truncated, "
            "%d removed); it is not in the CSV files",
            self._root,
            done.cycle,
            done.truncated,
            done.removed,
        )
        return done

    # --- 2. plan ---------------------------------------------------------------------

    def _plan(
        self,
        options: Sequence[OptionRow],
        overview: Sequence[OverviewRow],
        lines: CycleLines,
        stats: WriteStats,
    ) -> list[_Append]:
        root = self._root
        # a cycle's rows share one timestamp: its text, day and whole second, once
        stamps: dict[datetime, tuple[str, str, datetime]] = {}

        def when(ts: datetime) -> tuple[str, str, datetime]:
            if ts not in stamps:
                local = ts.astimezone(IST)
                stamps[ts] = (stamp(local), local.date().isoformat(), ts.replace(microsecond=0))
            return stamps[ts]

        option_lines, overview_lines = lines
        tail: list[_Append] = []
        held: dict[tuple[str, datetime], str] = {}  # (index, ts) whose overview is not appended
        for orow, line in zip(overview, overview_lines, strict=True):
            _, day, whole = when(orow.timestamp)
            rel = f"overview/{orow.index}/{day}.csv"
            a, why = self._decide(root, rel, orow.index, OVERVIEW_HEADER, line, whole)
            if why is None:
                tail.append(a)
            else:
                stats.skip(why)
                held[(orow.index, orow.timestamp)] = why
        head: list[_Append] = []
        for row, line in zip(options, option_lines, strict=True):
            held_why = held.get((row.index, row.timestamp))
            if held_why is not None:
                stats.skip(held_why)
                continue
            _, day, whole = when(row.timestamp)
            rel = f"{row.index}/{row.expiry_tag}/{fmt_offset(row.offset)}/{day}.csv"
            a, why = self._decide(root, rel, row.index, OPTION_HEADER, line, whole)
            if why is None:
                head.append(a)
            else:
                stats.skip(why)
        return head + tail

    def _decide(
        self, root: str, rel: str, index: str, header: str, line: str, ts: datetime
    ) -> tuple[_Append, str | None]:
        """The planned append of ``line``, and why it must be skipped (None: append it).

        ``ts`` is the row's timestamp in whole seconds (compared as written)."""
        path = f"{root}/{rel}"
        try:
            st = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            return _Append(path, rel, index, header, line, journal.ABSENT, (0, 0), (0, 0)), None
        except OSError as exc:
            raise StorageError(f"{path}: cannot open for append: {exc.strerror}") from None
        if not S_ISREG(st.st_mode):
            raise StorageError(f"{path}: not a regular file; move it out of the CSV folder")
        key = (st.st_size, st.st_mtime_ns)
        a = _Append(path, rel, index, header, line, st.st_size, key, (st.st_dev, st.st_ino))
        if st.st_size == 0:
            return a, None
        cached = self._tails.get(path)
        if cached is not None and cached[0] == key:
            last = cached[1]
        elif cached is not None and cached[0] == (st.st_size, -1):  # as this sink left it
            last = cached[1]
            self._tails[path] = (key, last)
        else:
            last = read_last(path, header, st.st_size, self._checked)
            self._tails[path] = (key, last)
        if last is None or ts > last:
            return a, None
        return a, "duplicate" if ts == last else "out_of_order"

    # --- 3.-5. journal, append, commit ------------------------------------------------

    def _commit(self, appends: list[_Append]) -> None:
        cycle = appends[0].line.split(",", 1)[0]
        entry = journal.Journal(cycle, tuple((a.rel, a.size) for a in appends))
        journal.write(self._root, entry)
        try:
            sizes = [self._append(a) for a in appends]
        except StorageError as exc:
            _close_all(self._kept)  # a file the rollback removes must not stay open
            try:
                journal.roll_back(self._root, entry)
            except StorageError as again:
                raise StorageError(f"{exc}; rolling the cycle back failed too: {again}") from None
            raise
        journal.remove(self._root)
        ts = datetime.fromisoformat(cycle)
        for a, size in zip(appends, sizes, strict=True):
            self._checked.add(a.path)
            self._tails[a.path] = ((size, -1), ts)
        if len(self._kept) > len(appends):  # a new day: yesterday's files are done
            used = {a.path for a in appends}
            for path in [p for p in self._kept if p not in used]:
                os.close(self._kept.pop(path)[0])

    def _append(self, a: _Append) -> int:
        """One file's append, through the descriptor kept from the last cycle when it is
        still the file at ``a.path`` (same device and inode when planned)."""
        kept = self._kept.get(a.path)
        if kept is not None:
            if kept[1] == a.ident:
                return append_to(kept[0], a.path, a.size, a.header, a.line)
            del self._kept[a.path]  # replaced, or removed and created again
            os.close(kept[0])
        fd = open_append(a.path, a.size)
        try:
            ident = check_open(fd, a.path, a.size)
            size = append_to(fd, a.path, a.size, a.header, a.line)
        except StorageError:
            os.close(fd)
            raise
        if len(self._kept) < self._max_kept:
            self._kept[a.path] = (fd, ident)
        else:
            os.close(fd)
        return size


def read_rows(path: Path) -> Iterable[list[str]]:
    """Rows of a G6 CSV file without the header (for tests and tools)."""
    with path.open(encoding="utf-8", newline="") as fh:
        lines = fh.read().split("\n")
    return [line.split(",") for line in lines[1:] if line]
