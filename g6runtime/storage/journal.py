"""The CSV tree's cycle journal and writer lock (see csv_sink.py for the protocol).

The writer lock is ``flock`` on the root folder itself (no lock file to clutter the
tree), held for the length of one cycle's write; the kernel drops it when the holder
dies; a second writer waits for it, ``g6 integrity --csv-dir`` takes it shared.

Two dot-files in the root of a CSV tree, neither of them a day-file:

* :data:`JOURNAL_NAME`: present only while a cycle is being appended, or after a crash
  cut one short. JSON ``{"v": 1, "cycle": "<timestamp>", "files": [[<path relative to
  the root>, <size before the cycle, -1 when the cycle creates the file>], ...]}``;
* :data:`JOURNAL_TMP`: the journal being written; renamed over :data:`JOURNAL_NAME`
  once whole, so a journal is either whole or absent. A leftover one means the crash
  came before the first append: it is simply removed.

The journal is not ``fsync``-ed: it protects against the *process* dying (SIGKILL, OOM,
a crash), for which the kernel's page cache already holds every completed write and
rename. Power-cut durability would need every day-file synced as well, which a cycle
does not do (see csv_sink.py); an ``fsync`` per cycle only forced a file-system commit
each cycle (about 3 ms here, unbounded on a busy disk) without closing that gap.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from dataclasses import dataclass
from typing import Final

from ..errors import StorageError

JOURNAL_NAME: Final = ".g6_csv_journal"
JOURNAL_TMP: Final = ".g6_csv_journal.tmp"
OWN_FILES: Final = frozenset({JOURNAL_NAME, JOURNAL_TMP})
VERSION: Final = 1
ABSENT: Final = -1
LOCK_WAIT = 30.0  # seconds a writer waits for another one's cycle
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC


@dataclass(frozen=True)
class Journal:
    cycle: str
    files: tuple[tuple[str, int], ...]  # (path relative to the root, size before or ABSENT)


def encode(journal: Journal) -> bytes:
    doc = {"v": VERSION, "cycle": journal.cycle, "files": [list(f) for f in journal.files]}
    return json.dumps(doc, separators=(",", ":")).encode("utf-8")


def decode(data: bytes, where: str) -> Journal:
    """Parse a journal; StorageError naming ``where`` when it is not one this code wrote."""
    try:
        doc = json.loads(data)
        if not isinstance(doc, dict) or doc.get("v") != VERSION:
            raise ValueError("not a version-1 journal")
        cycle, files = doc["cycle"], doc["files"]
        if not isinstance(cycle, str) or not isinstance(files, list):
            raise ValueError("bad cycle or files")
        out = []
        for item in files:
            rel, size = item
            if (
                not isinstance(rel, str)
                or not isinstance(size, int)
                or size < ABSENT
                or rel.startswith("/")
                or ".." in rel.split("/")
            ):
                raise ValueError(f"bad entry {item!r}")
            out.append((rel, size))
    except (ValueError, KeyError, TypeError) as exc:
        raise StorageError(
            f"{where}: unreadable cycle journal ({exc}); check the files it names by hand "
            "(g6 integrity --csv-dir), then delete it"
        ) from None
    return Journal(cycle, tuple(out))


def read(root: str) -> Journal | None:
    path = f"{root}/{JOURNAL_NAME}"
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StorageError(f"{path}: cannot read the cycle journal: {exc.strerror}") from None
    return decode(data, path)


def write(root: str, journal: Journal) -> None:
    """Put the journal in place (whole or absent) before the cycle's first append."""
    tmp, path = f"{root}/{JOURNAL_TMP}", f"{root}/{JOURNAL_NAME}"
    data = encode(journal)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
        try:
            view, done = memoryview(data), 0
            while done < len(data):
                done += os.write(fd, view[done:])
        finally:
            os.close(fd)
        os.rename(tmp, path)  # atomic on POSIX, replacing a journal left behind
    except OSError as exc:
        _unlink(tmp)
        raise StorageError(
            f"{path}: cannot write the cycle journal ({exc.strerror}); nothing of this cycle "
            "was written"
        ) from None


def remove(root: str) -> None:
    """Commit (or finish a rollback): the journal goes, the cycle's files stay as they are."""
    path = f"{root}/{JOURNAL_NAME}"
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise StorageError(f"{path}: cannot remove the cycle journal: {exc.strerror}") from None


@dataclass(frozen=True)
class Rollback:
    cycle: str
    truncated: int
    removed: int


def roll_back(root: str, journal: Journal) -> Rollback:
    """Put every file the journal names back to its size before the cycle; idempotent.

    A crash during a rollback leaves the journal in place, so the next run does it again.
    A file shorter than recorded (pruned, or edited by hand) is left alone.
    """
    truncated = removed = 0
    for rel, size in journal.files:
        path = f"{root}/{rel}"
        try:
            current = os.stat(path, follow_symlinks=False).st_size
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise StorageError(f"{path}: cannot roll back: {exc.strerror}") from None
        try:
            if size == ABSENT:
                os.unlink(path)
                removed += 1
            elif current > size:
                os.truncate(path, size)
                truncated += 1
        except OSError as exc:
            raise StorageError(
                f"{path}: cannot roll back to {max(size, 0)} bytes ({exc.strerror}); the cycle "
                f"journal {root}/{JOURNAL_NAME} stays for the next run"
            ) from None
    _unlink(f"{root}/{JOURNAL_TMP}")
    remove(root)
    return Rollback(journal.cycle, truncated, removed)


def lock(root: str, wait: float = LOCK_WAIT) -> int:
    """Take the tree's writer lock (creating the root); the descriptor, closed to release."""
    try:
        fd = os.open(root, _DIR_FLAGS)
    except FileNotFoundError:
        try:
            os.makedirs(root, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"{root}: cannot create folder: {exc.strerror or exc}") from None
        fd = _open_dir(root)
    except OSError as exc:
        raise StorageError(f"{root}: cannot open for append: {exc.strerror}") from None
    try:
        got = flock_within(fd, fcntl.LOCK_EX, wait)
    except OSError as exc:
        os.close(fd)
        raise StorageError(f"{root}: cannot lock the CSV folder: {exc.strerror}") from None
    if not got:
        os.close(fd)
        raise StorageError(
            f"{root}: another g6 process has been writing to this CSV folder for "
            f"{wait:g} s; run one writer per --csv-dir"
        )
    return fd


def flock_within(fd: int, operation: int, wait: float) -> bool:
    """``flock(fd, operation)`` (LOCK_EX or LOCK_SH), retried for up to ``wait`` seconds;
    False when another process still held a conflicting lock then."""
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, operation | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)


def _open_dir(root: str) -> int:
    try:
        return os.open(root, _DIR_FLAGS)
    except OSError as exc:
        raise StorageError(f"{root}: cannot open for append: {exc.strerror}") from None


def _unlink(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
