"""The append-only audit log: one JSON line per removal, in ``<csv-dir>/.g6_retention_audit.jsonl``.

It lives in the tree it describes (it moves with the data), as a dot-file that does
not end in ``.csv``: readers of the CSV tree glob ``*.csv`` below the INDEX folders
and never see it, and the retention scanner knows it by name. It is opened with
``O_APPEND | O_NOFOLLOW`` before anything is removed (no audit, no removal), and each
line is one ``write()`` of the whole line, so concurrent appends never interleave.
Fields: ``time`` (ISO 8601, Asia/Kolkata), ``event`` (``remove_file`` or
``remove_dir``), ``path`` (relative to the root), ``bytes``, ``date`` (from the
file name; null for a folder), ``reason``, ``root`` and ``run`` (one id per prune).
An Influx prune (``retention.prune_influx``) appends one ``influx_delete`` entry: ``time``,
``event``, ``url``, ``database``, ``date`` (the first kept day), ``cutoff`` (its 00:00
Asia/Kolkata as RFC 3339 UTC), ``measurements`` (per measurement ``before``, ``deleted``,
``after``), ``deleted``, ``reason``, ``error`` (null, or the line that stopped it), ``root``
and ``run``.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import StorageError
from ..market.calendar import IST
from .layout import AUDIT_NAME
from .lock import open_own_file

_FLAGS = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC


class AuditLog:
    def __init__(self, root_fd: int, root: Path, run: str) -> None:
        self.path = root / AUDIT_NAME
        self._root = root
        self._run = run
        self._fd = open_own_file(root_fd, root, AUDIT_NAME, _FLAGS)

    def record(
        self, now: datetime, event: str, path: str, size: int, day: str | None, reason: str
    ) -> None:
        self._append(
            now, {"event": event, "path": path, "bytes": size, "date": day, "reason": reason}
        )

    def record_influx(self, now: datetime, fields: dict[str, Any]) -> None:
        """The ``influx_delete`` entry of an Influx prune (see the module docstring)."""
        self._append(now, {"event": "influx_delete", **fields})

    def _append(self, now: datetime, fields: dict[str, Any]) -> None:
        entry = {"time": now.astimezone(IST).isoformat(timespec="seconds"), **fields}
        entry.update(root=str(self._root), run=self._run)
        line = json.dumps(entry, separators=(",", ":"))
        data = (line + "\n").encode("utf-8")
        try:
            written = os.write(self._fd, data)
        except OSError as exc:
            raise StorageError(f"{self.path}: cannot append: {exc.strerror}") from None
        if written != len(data):
            raise StorageError(f"{self.path}: short write to the audit log")

    def close(self) -> None:
        try:
            os.fsync(self._fd)
        except OSError as exc:
            raise StorageError(f"{self.path}: cannot sync the audit log: {exc.strerror}") from None
        finally:
            os.close(self._fd)
