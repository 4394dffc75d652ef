"""Writing a cycle's panels, then the manifest that lists their exact bytes.

The write protocol (the reader's half is in integrity.py):

1. each panel is written atomically (``write_atomic``: temp file ``.<name>.<rand>.tmp``
   in the same folder, fsync, rename, fsync the folder), so a reader sees the old
   file or the new one, never a torn one;
2. the manifest is built from the bytes just written (not re-read from disk) and is
   written last, also atomically. So whenever the manifest says cycle *k*, every
   panel on disk is from cycle *k* or later; a panel newer than the manifest is a
   cycle in progress (or one a crash interrupted), and its envelope says which.

A writer killed at any moment leaves, at worst, some panels of cycle *k+1* beside the
manifest of cycle *k*, plus orphaned temp files (never ``.json``), which the next
writer removes when it starts.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import StorageError
from ..outputs import CycleOutcome
from ..storage.atomic import write_atomic
from . import manifest as mf
from .builders import PanelContext, StorageTotals, build
from .envelope import MANIFEST_NAME, encode, envelope, file_name, iso

_ORPHAN = re.compile(r"\.[A-Za-z0-9_][A-Za-z0-9_.-]*\.json\.[A-Za-z0-9_]+\.tmp")


def _write(path: Path, data: bytes) -> None:
    try:
        write_atomic(path, data)
    except OSError as exc:
        raise StorageError(f"{path}: cannot write panel: {exc.strerror or exc}") from None


def remove_orphans(folder: Path) -> int:
    """Delete temp files a killed writer left behind; returns how many were removed."""
    removed = 0
    try:
        names = [p for p in folder.iterdir() if _ORPHAN.fullmatch(p.name)]
    except FileNotFoundError:
        return 0
    except OSError as exc:
        raise StorageError(f"{folder}: cannot list panels folder: {exc.strerror}") from None
    for path in names:
        path.unlink(missing_ok=True)
        removed += 1
    return removed


@dataclass
class PanelWriter:
    """Writes panels and the manifest into ``folder``; one writer per folder."""

    folder: Path
    key: bytes | None = None

    def __post_init__(self) -> None:
        remove_orphans(self.folder)

    def __repr__(self) -> str:  # never show the key
        return f"PanelWriter(folder={str(self.folder)!r}, signed={self.key is not None})"

    def write(
        self, cycle: int, generated_at: str, panels: Mapping[str, Mapping[str, Any]]
    ) -> dict[str, Any]:
        """Write every panel of one cycle, then the manifest; returns the manifest."""
        entries: dict[str, mf.Entry] = {}
        for name, data in panels.items():
            body = encode(envelope(name, cycle, generated_at, data))
            fname = file_name(name)
            _write(self.folder / fname, body)
            entries[fname] = mf.Entry(hashlib.sha256(body).hexdigest(), len(body))
        doc = mf.build(cycle, generated_at, entries, self.key)
        _write(self.folder / MANIFEST_NAME, mf.encode(doc))
        return doc


class PanelPublisher:
    """Turns each cycle result into panels (keeping the running storage totals)."""

    def __init__(self, writer: PanelWriter, context: PanelContext) -> None:
        self.writer = writer
        self.context = context
        self.totals = StorageTotals()

    def publish(self, result: CycleOutcome) -> dict[str, Any]:
        self.totals = self.totals.add(result)
        panels = build(result, self.context, self.totals)
        return self.writer.write(result.cycle, iso(result.timestamp), panels)
