"""The pruner: remove expired day-files with every guard, and say what it did.

Order of a real run (``dry_run=False``):

1. open the root once (``Root``: resolved, then pinned by a descriptor) and refuse it
   when its own entries break the shape (so a home folder never even gets a lock file);
2. take the tree's lock (``PruneLock``; a second pruner gets one clear error);
3. scan under the lock; refuse the whole run when the tree does not look like a G6
   CSV tree (see :mod:`.layout`), before anything is removed;
4. open the audit log (no audit log, no removal);
5. per leaf folder: reopen it from the root with ``O_NOFOLLOW`` at every step, and for
   each candidate re-``lstat`` it through that descriptor, re-check the guards (a
   regular file, dated before the cutoff, and before today while ``protect_today``),
   ``unlink`` it by name relative to the folder, append the audit line;
6. remove the folders this run emptied, bottom-up (``rmdir`` is atomic: it fails on
   a folder that is not empty), never the root; pre-existing empty folders are left
   alone (the CSV sink creates a folder just before its first file).

The plan is the scan's (step 3 is :func:`.scan.scan_root`, the walk behind ``g6
retention scan``, with the same ``protect_today``), and step 5 touches only its files:
what ``prune`` removes is what ``scan`` lists on the same tree and clock, no more
(a guard or an error can only keep a file, and is reported).

A dry run performs steps 1 and 3 only: no lock file, no audit line, nothing removed.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import StorageError
from .audit import AuditLog
from .layout import may_remove
from .lock import PruneLock
from .scan import (
    Clock,
    Progress,
    Root,
    ScanReport,
    publish_scan,
    refusal_message,
    scan_root,
    shallow_scan,
    today_and_cutoff,
)

if TYPE_CHECKING:
    from ..metrics.registry import Metrics

__all__ = ["PruneReport", "may_remove", "prune"]


@dataclass
class PruneReport:
    scan: ScanReport
    dry_run: bool
    protect_today: bool
    removed: list[tuple[str, str, int]] = field(default_factory=list)  # (path, day, bytes)
    removed_dirs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # candidates a guard kept
    audit_log: Path | None = None

    @property
    def removed_bytes(self) -> int:
        return sum(size for _, _, size in self.removed)


def prune(
    csv_dir: Path,
    max_age_days: int,
    clock: Clock,
    *,
    protect_today: bool = True,
    dry_run: bool = False,
    progress: Progress | None = None,
    metrics: Metrics | None = None,
) -> PruneReport:
    """Remove the day-files of ``csv_dir`` dated before ``today - max_age_days``.

    Raises StorageError (one line) when the root is missing, is not a G6 CSV tree,
    is locked by another pruner, or the audit log cannot be opened.
    """
    now = clock()
    today, cutoff = today_and_cutoff(lambda: now, max_age_days)
    with Root(csv_dir) as root:
        _refuse_if_foreign(shallow_scan(root))  # before the lock file is created
        if dry_run:
            scanned = scan_root(root, today, cutoff, max_age_days, progress, protect_today)
            _refuse_if_foreign(scanned)
            result = PruneReport(scanned, True, protect_today)
        else:
            with PruneLock(root.fd, root.path):
                scanned = scan_root(root, today, cutoff, max_age_days, progress, protect_today)
                _refuse_if_foreign(scanned)
                result = PruneReport(scanned, False, protect_today)
                audit = AuditLog(root.fd, root.path, f"{now:%Y%m%dT%H%M%S%z}-{os.getpid()}")
                result.audit_log = audit.path
                try:
                    _Remover(root, result, audit, clock, protect_today).run()
                finally:
                    audit.close()
    if metrics is not None:
        left = scanned.candidates - len(result.removed)
        publish_scan(metrics, left, scanned.bytes - result.removed_bytes, now)
        metrics.counter("g6_retention_files_pruned_total").inc(len(result.removed))
        metrics.counter("g6_retention_bytes_pruned_total").inc(result.removed_bytes)
    return result


def _refuse_if_foreign(report: ScanReport) -> None:
    message = refusal_message(report)
    if message is not None:
        raise StorageError(message)


class _Remover:
    def __init__(
        self, root: Root, result: PruneReport, audit: AuditLog, clock: Clock, protect: bool
    ) -> None:
        self.root = root
        self.result = result
        self.audit = audit
        self.clock = clock
        self.protect = protect
        scan = result.scan
        self.reason = (
            f"dated before the cutoff {scan.cutoff} "
            f"(today {scan.today} Asia/Kolkata, max_age_days {scan.max_age_days})"
        )

    def run(self) -> None:
        for leaf in self.result.scan.leaves:
            if leaf.files:
                self._leaf(leaf.parts, leaf.files)

    def _leaf(self, parts: tuple[str, ...], files: list[tuple[str, str, int]]) -> None:
        fds: list[int] = [self.root.fd]
        try:
            for depth, name in enumerate(parts):
                fd = self.root.open_dir(fds[-1], name, "/".join(parts[: depth + 1]))
                if fd is None:
                    self.result.errors.append(f"{'/'.join(parts)}: folder changed; skipped")
                    return
                fds.append(fd)
            emptied = sum(self._file(fds[-1], parts, *item) for item in files) > 0
            for depth in range(len(parts) - 1, -1, -1):
                if not (emptied and self._rmdir(fds[depth], parts[: depth + 1])):
                    break
        finally:
            for fd in fds[1:]:
                os.close(fd)

    def _file(self, dir_fd: int, parts: tuple[str, ...], name: str, day: str, size: int) -> bool:
        scan = self.result.scan
        rel = "/".join((*parts, name))
        kept = may_remove(day, scan.today, scan.cutoff, self.protect)
        if kept is not None:
            self.result.refused.append(f"{rel}: {kept}")
            return False
        try:
            st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
            if not stat.S_ISREG(st.st_mode) or st.st_dev != self.root.dev:
                self.result.refused.append(f"{rel}: no longer a regular file")
                return False
            os.unlink(name, dir_fd=dir_fd)
        except FileNotFoundError:
            return False  # already gone
        except OSError as exc:
            self.result.errors.append(f"{rel}: cannot remove: {exc.strerror}")
            return False
        self.result.removed.append((rel, day, st.st_size))
        self._record("remove_file", rel, st.st_size, day, self.reason)
        return True

    def _rmdir(self, parent_fd: int, parts: tuple[str, ...]) -> bool:
        """Remove folder ``parts`` if it is empty now; True when it was removed."""
        rel = "/".join(parts)
        try:
            os.rmdir(parts[-1], dir_fd=parent_fd)
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOENT, errno.ENOTDIR):
                self.result.errors.append(f"{rel}: cannot remove empty folder: {exc.strerror}")
            return False
        self.result.removed_dirs.append(rel)
        self._record("remove_dir", rel, 0, None, "empty after pruning")
        return True

    def _record(self, event: str, rel: str, size: int, day: str | None, reason: str) -> None:
        try:
            self.audit.record(self.clock(), event, rel, size, day, reason)
        except StorageError as exc:
            raise StorageError(f"{exc} (after removing {rel}); pruning stopped") from None
