"""The InfluxDB sink: one output of the cycle pipeline, and the thread that feeds the server.

``InfluxOutput.publish`` splits the cycle's CSV lines (the CSV output's text, one point
per row) at ``batch_points`` and appends each batch to the spool (:mod:`.spool`): once
the cycle's report is ok, its points are on disk. The cycle never waits for the network,
nor builds the points.

The :class:`Sender` thread converts each new CSV segment into a gzip member of its
points (:func:`.points.spooled_points`) as soon as it is spooled, off the cycle, then
posts the oldest segments (several members per request, up to ``batch_points``) and
removes them when the server has answered 204. A retryable failure (refused, reset,
timed out, 5xx) makes the waiting segments durable (fsync) and backs off (0.5 s doubling
to 30 s); bad credentials and a missing database back off the same way (an operator can
fix them; the points wait). A batch the server rejects for good (400), or a segment
that is not G6 CSV, is moved to ``rejected/`` and counted as dropped. Points are otherwise
dropped only when the spool is full; that fails the cycle's influx output.

On ``close`` the sender drains the spool for up to ``timeout_seconds`` while the server
answers; what is left stays spooled (durable) for the next run, which replays it first.
"""

from __future__ import annotations

import gzip
import logging
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import StorageError
from ..storage.csv_format import cycle_lines
from .errors import InfluxAuthError, InfluxDatabaseMissing, InfluxError, InfluxRejected
from .points import spooled_points
from .spool import Segment, Spool

if TYPE_CHECKING:
    from ..config import InfluxSettings
    from ..metrics.registry import Metrics
    from ..outputs import CycleOutcome, OutputReport
    from .client import InfluxClient

__all__ = ["DROP_REASONS", "ERROR_REASONS", "InfluxOutput", "Sender"]

log = logging.getLogger("g6runtime.influx")

ERROR_REASONS = ("unavailable", "auth", "database_missing", "rejected")
DROP_REASONS = ("spool_full", "rejected")
FIRST_BACKOFF = 0.5
MAX_BACKOFF = 30.0


def _reason(exc: InfluxError) -> str:
    if isinstance(exc, InfluxAuthError):
        return "auth"
    if isinstance(exc, InfluxDatabaseMissing):
        return "database_missing"
    if isinstance(exc, InfluxRejected):
        return "rejected"
    return "unavailable"


def batches(lines: Sequence[str], size: int) -> Iterable[tuple[bytes, int]]:
    """``(body, lines)`` chunks of at most ``size`` newline-terminated ``lines``."""
    for start in range(0, len(lines), size):
        chunk = lines[start : start + size]
        yield "".join(chunk).encode("utf-8"), len(chunk)


def segment_body(spool: Spool, segment: Segment) -> bytes:
    """The line protocol of one segment (a CSV segment's points built here)."""
    data = spool.read(segment)
    if segment.kind == "gz":
        try:
            return gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise StorageError(f"{segment.path}: not a gzip segment: {exc}") from None
    if segment.kind == "lp":
        return data
    try:
        points = spooled_points(data.decode("utf-8"))
    except ValueError as exc:  # UnicodeDecodeError included
        raise StorageError(f"{segment.path}: not a segment of G6 CSV lines: {exc}") from None
    return ("\n".join(points) + "\n").encode("utf-8") if points else b""


def segment_gzip(spool: Spool, segment: Segment) -> bytes:
    """One segment as a gzip member (members joined are one gzip body, RFC 1952)."""
    if segment.kind == "gz":
        return spool.read(segment)
    return gzip.compress(segment_body(spool, segment), compresslevel=1, mtime=0)


class Sender(threading.Thread):
    """Posts spooled segments, oldest first; see the module docstring."""

    def __init__(
        self,
        client: InfluxClient,
        spool: Spool,
        metrics: Metrics,
        batch_points: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(name="g6-influx-sender", daemon=True)
        self.client = client
        self.spool = spool
        self.metrics = metrics
        self.batch_points = batch_points
        self.clock = clock
        self.state = "ok"
        self.last_error: str | None = None
        self.points_written = 0
        self._wake = threading.Condition()
        self._retry_at = 0.0
        self._backoff = FIRST_BACKOFF
        self._stopping = False
        self._deadline = float("inf")
        self._unconvertible: set[int] = set()  # CSV segments left for _send to judge

    def wake(self) -> None:
        with self._wake:
            self._wake.notify()

    def stop(self, drain_seconds: float) -> None:
        """Drain for up to ``drain_seconds`` while the server answers, then end the thread."""
        with self._wake:
            self._stopping = True
            self._deadline = self.clock() + drain_seconds
            self._wake.notify()
        self.join(drain_seconds + self.client.timeout + 1.0)

    def _next(self) -> list[Segment] | None:
        """The segments to post now; None when the thread should end."""
        with self._wake:
            while True:
                now = self.clock()
                pending = self.spool.pending()
                if self._stopping and (not pending or now >= self._deadline):
                    return None
                if any(s.kind == "csv" and s.sequence not in self._unconvertible
                       for s in pending):  # fmt: skip
                    return []  # convert them first, whatever the server's state
                if self._stopping and self._retry_at >= self._deadline:
                    return None  # the server is failing: leave the rest for the next run
                if pending and now >= self._retry_at:
                    return self.spool.take(self.batch_points)
                timeout = None if not pending else self._retry_at - now
                if self._stopping:
                    timeout = min(timeout or 0.0, self._deadline - now)
                self._wake.wait(timeout)

    def run(self) -> None:
        while (batch := self._next()) is not None:
            if batch:
                self._send(batch)
            else:
                self._convert()

    def _convert(self) -> None:
        """Each CSV segment into a gzip member of its points (a backlog is then posted as
        it is); one that cannot be is left as it is, for _send to post or set aside."""
        for segment in self.spool.pending():
            if segment.kind != "csv" or segment.sequence in self._unconvertible:
                continue
            try:
                self.spool.convert(segment, segment_gzip(self.spool, segment), "gz")
            except StorageError as exc:  # unreadable, not G6 CSV, or not writable
                self._unconvertible.add(segment.sequence)
                log.warning("influx: %s; the segment stays as it is until its turn", exc)

    def _send(self, batch: list[Segment]) -> None:
        points = sum(s.points for s in batch)
        try:
            body = b"".join(segment_gzip(self.spool, s) for s in batch)
        except StorageError as exc:  # a spool file could not be read, or is not G6 CSV
            self._failed(batch, points, InfluxRejected(str(exc)))
            return
        t0 = self.clock()
        try:
            self.client.write(body, gzipped=True)
        except InfluxError as exc:
            self.metrics.histogram("g6_influx_write_seconds").observe(self.clock() - t0)
            self._failed(batch, points, exc)
            return
        self.metrics.histogram("g6_influx_write_seconds").observe(self.clock() - t0)
        self.spool.remove(batch)
        self.points_written += points
        self.metrics.counter("g6_influx_points_written_total").inc(points)
        self.metrics.gauge("g6_influx_spool_points").set(self.spool.points)
        if self.state != "ok":
            log.info("influx: the server answers again; replaying %d spooled points",
                     self.spool.points)  # fmt: skip
        self.state, self.last_error, self._backoff = "ok", None, FIRST_BACKOFF

    def _failed(self, batch: list[Segment], points: int, exc: InfluxError) -> None:
        reason = _reason(exc)
        self.metrics.counter("g6_influx_write_errors_total").labels(reason=reason).inc()
        if reason == "rejected":
            folder = self.spool.set_aside(batch)
            self.metrics.counter("g6_influx_points_dropped_total").labels(reason=reason).inc(points)
            self.metrics.gauge("g6_influx_spool_points").set(self.spool.points)
            log.error("influx: %s; %d points set aside in %s", exc, points, folder)
            return
        for segment in self.spool.pending():
            self.spool.make_durable(segment)
        first = self.state == "ok" or self.last_error != str(exc)
        self.state, self.last_error = ("retrying" if exc.retryable else "failing"), str(exc)
        with self._wake:
            self._retry_at = self.clock() + self._backoff
        if first:
            log.error(
                "influx: %s; %d points kept in the spool %s, retrying every %g s at most",
                exc, self.spool.points, self.spool.folder, MAX_BACKOFF,
            )  # fmt: skip
        self._backoff = min(self._backoff * 2, MAX_BACKOFF)


def probe(client: InfluxClient) -> None:
    """Before the first cycle: an empty write proves the credentials and the database.

    A missing database is created (InfluxDB 1.x: idempotent; needs the right to). Bad
    credentials or a database that cannot be had raise: one line, exit 2, no cycle run.
    A server that does not answer is not an error here: the points wait in the spool.
    """
    try:
        client.write(b"")
    except InfluxDatabaseMissing:
        try:
            client.create_database()
            client.write(b"")
        except InfluxError as exc:
            raise StorageError(
                f"influx: database {client.database!r} does not exist on {client.url} and "
                f"cannot be created ({exc}); create it or set storage.influx.database"
            ) from None
    except InfluxError as exc:
        if exc.retryable:
            log.warning("influx: %s; points are spooled until the server answers", exc)
            return
        raise


class InfluxOutput:
    """The cycle's points into the spool; the :class:`Sender` takes them to the server."""

    name = "influx"

    def __init__(self, settings: InfluxSettings, metrics: Metrics, client: InfluxClient) -> None:
        self.settings = settings
        self.metrics = metrics
        self.spool = Spool(settings.spool_dir, int(settings.spool_max_mb * 1024 * 1024))
        self.spool.open()
        self.dropped = 0
        for reason in ERROR_REASONS:  # known label values exported at 0 from the start
            metrics.counter("g6_influx_write_errors_total").labels(reason=reason)
        for reason in DROP_REASONS:
            metrics.counter("g6_influx_points_dropped_total").labels(reason=reason)
        metrics.gauge("g6_influx_spool_points").set(self.spool.points)
        try:
            probe(client)
        except BaseException:
            self.spool.close()
            raise
        if self.spool.points:
            log.info("influx: %d points from an earlier run are spooled in %s; replaying",
                     self.spool.points, self.spool.folder)  # fmt: skip
        self.sender = Sender(client, self.spool, metrics, settings.batch_points)
        self.sender.start()

    def status(self) -> dict[str, Any]:
        """The sink's state for the storage panel and ``g6 summary``."""
        return {
            "state": self.sender.state,
            "spool_points": self.spool.points,
            "spool_segments": len(self.spool.pending()),
            "points_written": self.sender.points_written,
            "points_dropped": self.dropped,
            "last_error": self.sender.last_error,
        }

    def publish(self, outcome: CycleOutcome) -> OutputReport:
        from ..outputs import OutputReport

        dropped = 0
        written = outcome.written  # the CSV output's report, with the cycle's lines
        if written is not None and written.lines is not None:
            lines = written.lines
        else:
            lines = cycle_lines(outcome.options, outcome.overview)
        rows = (*lines.options, *lines.overview)  # one point each, built by the sender
        for body, count in batches(rows, self.settings.batch_points):
            if self.spool.append(body, count, "csv") is None:
                dropped += count
        self.sender.wake()
        self.metrics.gauge("g6_influx_spool_points").set(self.spool.points)
        if self.sender.state == "failing":  # credentials or database: a person must act
            error = f"{self.sender.last_error} (the points wait in the spool {self.spool.folder})"
            return OutputReport(self.name, error, detail=self.status())
        if dropped:
            self.dropped += dropped
            self.metrics.counter("g6_influx_points_dropped_total").labels(reason="spool_full").inc(
                dropped
            )
            error = (
                f"the Influx spool {self.spool.folder} is full (storage.influx.spool_max_mb "
                f"{self.settings.spool_max_mb:g}): {dropped} points dropped"
            )
            return OutputReport(self.name, error, detail=self.status())
        return OutputReport(self.name, detail=self.status())

    def close(self) -> None:
        self.sender.stop(drain_seconds=self.settings.timeout_seconds)
        left = self.spool.points
        self.spool.close()
        self.sender.client.close()
        if left:
            log.warning(
                "influx: %d points remain spooled in %s; the next g6 run on it replays them",
                left, self.spool.folder,
            )  # fmt: skip
