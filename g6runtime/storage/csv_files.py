"""File-level primitives of the CSV sink: read a day-file's last row, open a day-file for
appending, append one line through a descriptor."""

from __future__ import annotations

import errno
import os
from datetime import datetime

from ..errors import StorageError
from .journal import ABSENT

_TAIL = 4096  # bytes read from a file's end to find its last row


def read_last(path: str, header: str, size: int, checked: set[str]) -> datetime | None:
    """The timestamp of the file's last row (None: only the header); refuses bad files.

    The header is read too unless ``path`` is in ``checked`` (it is added once it matches).
    """
    try:
        with open(path, "rb") as fh:
            if path not in checked:
                first = fh.readline().rstrip(b"\n").decode("utf-8", "replace")
                if first != header:
                    raise StorageError(
                        f"{path}:1: header differs from the G6 CSV header; move the file "
                        "away or point --csv-dir at a fresh folder"
                    )
                checked.add(path)
            chunk = os.pread(fh.fileno(), min(size, _TAIL), max(size - _TAIL, 0))
            if b"\n" not in chunk.rstrip(b"\n"):
                fh.seek(0)
                chunk = fh.read()
    except OSError as exc:
        raise StorageError(f"{path}: cannot read: {exc.strerror}") from None
    if not chunk.endswith(b"\n"):
        raise StorageError(
            f"{path}: the last line is torn (no line end); run 'g6 integrity --csv-dir' "
            "and repair or move the file"
        )
    last = chunk[chunk.rfind(b"\n", 0, len(chunk) - 1) + 1 : -1].decode("utf-8", "replace")
    if last == header:
        return None
    cell = last.split(",", 1)[0]
    try:
        when = datetime.fromisoformat(cell)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise StorageError(
            f"{path}: the last row's timestamp {cell[:40]!r} is not ISO 8601 with a UTC "
            "offset; run 'g6 integrity --csv-dir' and repair or move the file"
        )
    return when


def open_append(path: str, size_before: int) -> int:
    """A descriptor appending to ``path`` (created, with its folder, when ``size_before``
    is ``ABSENT``: the cycle journal's record that the cycle creates the file)."""
    flags = os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC
    if size_before == ABSENT:
        flags |= os.O_CREAT
    try:
        try:
            return os.open(path, flags, 0o644)
        except FileNotFoundError:
            parent = os.path.dirname(path)
            try:
                os.makedirs(parent, exist_ok=True)
            except OSError as exc:
                raise StorageError(
                    f"{parent}: cannot create folder: {exc.strerror or exc}"
                ) from None
            return os.open(path, flags, 0o644)
    except OSError as exc:
        raise StorageError(f"{path}: cannot open for append: {exc.strerror}") from None


def check_open(fd: int, path: str, size_before: int) -> tuple[int, int]:
    """The ``(st_dev, st_ino)`` of a descriptor just opened by :func:`open_append`, after
    checking that its file has the size the cycle journal recorded (a kept descriptor is
    checked by the cycle's plan, through the path's status)."""
    try:
        st = os.fstat(fd)
    except OSError as exc:
        raise StorageError(f"{path}: cannot read the size: {exc.strerror}") from None
    if st.st_size != max(size_before, 0):
        raise StorageError(
            f"{path}: changed by another process during the cycle; the cycle was "
            "rolled back (run one writer per --csv-dir)"
        )
    return st.st_dev, st.st_ino


def append_to(fd: int, path: str, size_before: int, header: str, line: str) -> int:
    """Append ``line`` (after the header when the file is empty) through ``fd``; the
    file's size after the write (``size_before`` is the size the cycle journal recorded
    and the plan or :func:`check_open` confirmed)."""
    new = (line if size_before > 0 else f"{header}\n{line}").encode("utf-8")
    _write_whole(fd, new, path)
    return max(size_before, 0) + len(new)


def _write_whole(fd: int, payload: bytes, path: str) -> None:
    view = memoryview(payload)
    written = 0
    try:
        while written < len(payload):
            n = os.write(fd, view[written:])
            if n == 0:
                raise OSError(errno.EIO, "short write")
            written += n
    except OSError as exc:
        raise StorageError(
            f"{path}: row not written ({exc.strerror}); the cycle was rolled back, every "
            "file left as it was"
        ) from None
