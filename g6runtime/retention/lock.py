"""One pruner at a time per tree: ``flock`` on ``<csv-dir>/.g6_retention.lock``.

The lock file is opened relative to the root's descriptor with ``O_NOFOLLOW`` (a
symlink planted there is refused, never followed) and is never deleted (deleting a
lock file lets a third process lock a fresh inode while the first still runs).
The holder writes its pid into it, so a refused pruner can say who holds it.
The kernel drops the lock when the holder exits, even on a crash.
"""

from __future__ import annotations

import fcntl
import os
import stat
from pathlib import Path

from ..errors import StorageError
from .layout import LOCK_NAME

_FLAGS = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC


def open_own_file(root_fd: int, root: Path, name: str, flags: int) -> int:
    """Open retention's own file in the root without following links; must be a regular file."""
    try:
        fd = os.open(name, flags, 0o644, dir_fd=root_fd)
    except OSError as exc:
        raise StorageError(
            f"{root / name}: cannot open ({exc.strerror}); it must be a regular file"
        ) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise StorageError(f"{root / name}: not a regular file")
    return fd


class PruneLock:
    """Context manager holding the tree's exclusive, non-blocking lock."""

    def __init__(self, root_fd: int, root: Path) -> None:
        self._root_fd = root_fd
        self._root = root
        self._fd: int | None = None

    def __enter__(self) -> PruneLock:
        fd = open_own_file(self._root_fd, self._root, LOCK_NAME, _FLAGS)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise StorageError(
                f"{self._root}: another retention prune is running{holder} "
                f"(lock {LOCK_NAME}); try again when it has finished"
            ) from None
        except OSError as exc:
            os.close(fd)
            raise StorageError(f"{self._root / LOCK_NAME}: cannot lock: {exc.strerror}") from None
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except OSError as exc:
            os.close(fd)
            raise StorageError(f"{self._root / LOCK_NAME}: cannot write: {exc.strerror}") from None
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None


def _read_holder(fd: int) -> str:
    text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return f" (pid {text})" if text.isdigit() else ""
