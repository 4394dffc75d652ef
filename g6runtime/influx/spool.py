"""The Influx spool: segment files of points waiting for the server, oldest first.

Every batch of points goes through the spool: the cycle appends a segment (written to a
temporary name, then renamed, so a segment is whole or absent), the sender posts
segments oldest first and removes each once the server has taken it. A segment holds
CSV lines (``.csv``: the cycle's rows as the CSV sink writes them, one point each), a
gzip member of their line protocol (``.gz``: the sender converts each CSV segment as
soon as it is spooled, off the cycle, so a backlog is posted as it is), or plain line
protocol (``.lp``: what earlier versions spooled). A converted segment keeps its
sequence; it is written (and, when the CSV one was durable, fsync'd) before the CSV one
is removed, so a crash leaves one or both, never neither; ``open`` keeps the converted.
A segment counts toward ``max_bytes`` with the size it was spooled with. A segment the
server could not take is fsync'd (file and folder) before the sender backs off, so an
outage survives a crash of ``g6`` and of the machine; the next ``g6`` on the folder
replays it. Replaying a segment twice is harmless: a point is identified by its
measurement, tags and timestamp, and InfluxDB overwrites it with the same fields.

File names are ``<sequence>-<points>.<kind>`` (16 and 9 digits), so the depth is known
from a directory listing. The spool holds at most ``max_bytes``; a batch that does
not fit is refused (the caller drops and counts it). One process owns a spool folder
at a time (``flock`` on ``.lock``).
"""

from __future__ import annotations

import fcntl
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import StorageError
from ..storage.atomic import fsync_path

__all__ = ["KINDS", "Segment", "Spool"]

_NAME = re.compile(r"^(\d{16})-(\d{9})\.(csv|gz|lp)$")
KINDS = ("csv", "gz", "lp")


@dataclass(frozen=True)
class Segment:
    path: Path
    sequence: int
    points: int
    size: int
    kind: str = "lp"  # "csv": CSV lines; "gz": gzip'd line protocol; "lp": line protocol


class Spool:
    """Thread-safe: the cycle appends, the sender takes and removes."""

    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._segments: list[Segment] = []
        self._durable: set[int] = set()
        self._next = 1
        self._lock_fd: int | None = None

    # --- lifecycle ------------------------------------------------------------------

    def open(self) -> None:
        """Create the folder, take its lock, drop half-written files, list the segments."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.folder / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StorageError(
                f"{self.folder}: cannot open the Influx spool: {exc.strerror}"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise StorageError(
                f"{self.folder}: another g6 process is using this Influx spool; give each "
                "process its own storage.influx.spool_dir"
            ) from None
        self._lock_fd = fd
        by_sequence: dict[int, Segment] = {}
        for entry in os.scandir(self.folder):
            if entry.name.endswith(".tmp"):
                os.unlink(entry.path)  # a write cut short: never renamed, never counted
                continue
            m = _NAME.match(entry.name)
            if m and entry.is_file(follow_symlinks=False):
                size = entry.stat().st_size
                segment = Segment(Path(entry.path), int(m[1]), int(m[2]), size, m[3])
                twin = by_sequence.get(segment.sequence)
                if twin is not None:  # a conversion cut short: keep the converted one
                    csv, segment = (twin, segment) if twin.kind == "csv" else (segment, twin)
                    os.unlink(csv.path)
                by_sequence[segment.sequence] = segment
        found = sorted(by_sequence.values(), key=lambda s: s.sequence)
        with self._lock:
            self._segments = found
            self._durable = {s.sequence for s in found}  # on disk since an earlier run
            self._next = found[-1].sequence + 1 if found else 1

    def close(self) -> None:
        """Make every segment still waiting durable and release the folder."""
        for segment in self.pending():
            self.make_durable(segment)
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    # --- the cycle's side -----------------------------------------------------------

    def append(self, body: bytes, points: int, kind: str = "lp") -> Segment | None:
        """Spool one batch of ``kind`` (see KINDS; whole or not at all); None when it does
        not fit."""
        if kind not in KINDS:
            raise ValueError(f"a spool segment is one of {KINDS}, not {kind!r}")
        with self._lock:
            if self.bytes + len(body) > self.max_bytes:
                return None
            sequence = self._next
            self._next += 1
        final = self._write(sequence, points, kind, body)
        segment = Segment(final, sequence, points, len(body), kind)
        with self._lock:
            self._segments.append(segment)
        return segment

    def _write(self, sequence: int, points: int, kind: str, body: bytes) -> Path:
        final = self.folder / f"{sequence:016d}-{points:09d}.{kind}"
        temporary = final.with_name(final.name + ".tmp")
        try:
            with open(temporary, "wb") as f:
                f.write(body)
            os.replace(temporary, final)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise StorageError(f"{final}: cannot spool Influx points: {exc.strerror}") from None
        return final

    # --- the sender's side ----------------------------------------------------------

    def convert(self, segment: Segment, body: bytes, kind: str) -> Segment:
        """Replace ``segment`` by the same points as ``kind`` (same sequence and points;
        it still counts with its spooled size)."""
        final = self._write(segment.sequence, segment.points, kind, body)
        converted = Segment(final, segment.sequence, segment.points, segment.size, kind)
        if segment.sequence in self._durable:
            fsync_path(final)
            fsync_path(self.folder)
        segment.path.unlink(missing_ok=True)
        with self._lock:
            self._segments = [converted if s is segment else s for s in self._segments]
        return converted

    def pending(self) -> list[Segment]:
        with self._lock:
            return list(self._segments)

    def take(self, max_points: int) -> list[Segment]:
        """The oldest segments, as many as fit in ``max_points`` (at least one)."""
        out: list[Segment] = []
        total = 0
        with self._lock:
            for segment in self._segments:
                if out and total + segment.points > max_points:
                    break
                out.append(segment)
                total += segment.points
        return out

    def read(self, segment: Segment) -> bytes:
        try:
            return segment.path.read_bytes()
        except OSError as exc:
            raise StorageError(
                f"{segment.path}: cannot read spooled points: {exc.strerror}"
            ) from None

    def make_durable(self, segment: Segment) -> None:
        """fsync the segment and the folder (once): it now survives a power cut."""
        if segment.sequence in self._durable or not segment.path.exists():
            return
        fsync_path(segment.path)
        fsync_path(self.folder)
        self._durable.add(segment.sequence)

    def remove(self, segments: list[Segment]) -> None:
        """The server has these points: forget them."""
        for segment in segments:
            segment.path.unlink(missing_ok=True)
        gone = {s.sequence for s in segments}
        with self._lock:
            self._segments = [s for s in self._segments if s.sequence not in gone]
            self._durable -= gone

    def set_aside(self, segments: list[Segment]) -> Path:
        """Move segments the server refused for good to ``rejected/`` (kept for a person)."""
        rejected = self.folder / "rejected"
        rejected.mkdir(exist_ok=True)
        for segment in segments:
            os.replace(segment.path, rejected / segment.path.name)
        gone = {s.sequence for s in segments}
        with self._lock:
            self._segments = [s for s in self._segments if s.sequence not in gone]
        return rejected

    # --- depth ----------------------------------------------------------------------

    @property
    def points(self) -> int:
        return sum(s.points for s in self._segments)

    @property
    def bytes(self) -> int:
        return sum(s.size for s in self._segments)
