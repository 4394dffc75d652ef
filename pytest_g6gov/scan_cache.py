"""Per-file results of a static check, kept between sessions so unchanged files are not re-read.

A stored result is reused only while the file's identity from ``lstat`` is unchanged:
size, mtime, ctime (nanoseconds), inode and device. Any write to a file changes its
ctime, which users cannot set back (``touch -d``/``os.utime`` move mtime, not ctime),
so an edit that keeps the size and restores the mtime still invalidates the entry.
Results of files changed within :data:`RACY_NS` of the session's start are never
stored: a write landing in the same clock tick as our read could otherwise leave an
identity that matches stale content (git calls these entries "racy").

The cache is keyed by a fingerprint of everything else the result depends on (the
check's search terms or prefix, the plugin version, this format), kept in one JSON
file per check under pytest's cache folder, and only ever an optimisation: a missing,
unreadable or malformed cache file is an empty cache, and a failed write leaves the
old one (the next session rescans).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

from . import __version__
from .atomic import write_atomic

FORMAT = 1
RACY_NS = 2_000_000_000
Identity = tuple[int, int, int, int, int]
T = TypeVar("T")


def identity(path: str) -> Identity | None:
    """What must not change for a stored result to stay valid; None when ``path`` is gone."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def fingerprint(check: str, inputs: Any, code: str | None = None) -> str:
    """A digest of what a stored result depends on besides the file: the check and its
    inputs (JSON-able: terms, prefix), the plugin version and this format, the Python
    version (``ast`` accepts more syntax in newer ones, and tox environments share one
    ``.pytest_cache``), and the size and mtime of ``code``, the module that computed it
    (an edited check in a development install invalidates its results)."""
    code_id = None
    if code is not None:
        ident = identity(code)
        code_id = None if ident is None else list(ident[:2])
    python = list(sys.version_info[:2])
    parts = [FORMAT, __version__, python, check, inputs, code_id]
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(blob.encode("ascii")).hexdigest()


class ScanCache(Generic[T]):
    """The stored per-file results of one check; ``decode`` turns a stored JSON value back
    into a result, or None when the value has the wrong shape (then the file is rescanned)."""

    def __init__(
        self,
        path: Path | None,
        fprint: str,
        decode: Callable[[Any], T | None],
        encode: Callable[[T], Any],
        racy_ns: int = RACY_NS,
    ) -> None:
        self.path = path
        self.fprint = fprint
        self._decode = decode
        self._encode = encode
        self._cutoff = time.time_ns() - racy_ns
        self._old: dict[str, list[Any]] = self._load() if path is not None else {}
        self._new: dict[str, list[Any]] = {}
        self.reused = 0
        self.scanned = 0

    def _load(self) -> dict[str, list[Any]]:
        assert self.path is not None
        try:
            data = json.loads(self.path.read_bytes())
        except (OSError, ValueError):  # absent, unreadable or not JSON: start empty
            return {}
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return {}
        files = data.get("files")
        if data.get("fingerprint") != self.fprint or not isinstance(files, dict):
            return {}
        return {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, list)}

    def get(self, rel: str, ident: Identity | None) -> T | None:
        """The stored result for ``rel`` when its identity is unchanged, else None."""
        if ident is None:
            return None
        entry = self._old.get(rel)
        if entry is None or len(entry) != 6 or entry[:5] != list(ident):
            return None
        value = self._decode(entry[5])
        if value is not None:
            self._new[rel] = entry
            self.reused += 1
        return value

    def put(self, rel: str, ident: Identity | None, value: T) -> None:
        """Remember a freshly computed result (not for files changed too recently)."""
        self.scanned += 1
        if ident is None or max(ident[1], ident[2]) >= self._cutoff:
            return
        self._new[rel] = [*ident, self._encode(value)]

    def stats(self) -> dict[str, int]:
        return {"scanned": self.scanned, "reused": self.reused}

    def finish(self, stats: dict[str, Any] | None) -> None:
        """Save, and put the figures (and any save error) in ``stats``."""
        problem = self.save()
        if stats is not None:
            stats["files"] = self.stats()
            if problem is not None:
                stats["cache_error"] = problem

    def save(self) -> str | None:
        """Write the entries of the files seen this session; an error message if it failed."""
        if self.path is None or (self._new == self._old and self.path.exists()):
            return None
        body = {"format": FORMAT, "fingerprint": self.fprint, "files": self._new}
        try:
            write_atomic(self.path, json.dumps(body, separators=(",", ":")).encode("ascii"))
        except OSError as exc:
            return f"scan cache not saved ({self.path}: {exc.strerror or exc})"
        return None


def open_cache(
    directory: Path | None,
    check: str,
    inputs: Any,
    decode: Callable[[Any], T | None],
    encode: Callable[[T], Any],
    code: str | None = None,
) -> ScanCache[T]:
    """The cache of ``check`` in ``directory`` (None: a session without a cache folder)."""
    if directory is None:
        return ScanCache(None, "", decode, encode)
    return ScanCache(directory / f"{check}.json", fingerprint(check, inputs, code), decode, encode)
