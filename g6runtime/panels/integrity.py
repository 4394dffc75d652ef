"""``g6 integrity``: panels against their manifest, safely beside a running writer.

One *pass* reads the manifest, checks its signature, hashes every listed file and
looks for unlisted ``*.json`` files. A pass that overlaps a writer can see panels of
cycle *k+1* beside the manifest of cycle *k* (the writer replaces panels first and
the manifest last, see writer.py). So :func:`verify` does not trust a failed pass
at once:

* if the manifest changed while the pass ran, the writer moved on: pass again;
* if the only problems are files whose envelope names a different cycle than the
  manifest (a cycle in progress), wait for the manifest to change, at most
  ``settle`` seconds after those files were written, then pass again;
* otherwise (a file that claims the manifest's own cycle but has other bytes, a
  missing file, a bad signature …) the verdict stands: no writer produces that.

A single writer only moves forward, so a consistent pass always comes; and a pass
reports "ok" only when every listed file had exactly the listed bytes against one
manifest read, so no retry can turn a real mismatch into "ok". If the writer stopped
mid-cycle (killed), the leftover files are reported as an ``incomplete`` cycle,
named by number: still a failure (exit 1), never "ok".
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import IntegrityError
from . import manifest as mf
from . import signing
from .envelope import MANIFEST_NAME
from .report import FILE_PROBLEMS, PASSING, FileStatus, Report

if TYPE_CHECKING:
    from ..metrics.registry import Metrics

DEFAULT_SETTLE = 2.0
MAX_PASSES = 100
_CAP = 64 * 1024 * 1024  # no panel or manifest is anywhere near this
_SYMLINK = b"\0 a symlink, never followed"  # not JSON: cannot be mistaken for a manifest
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


@dataclass
class _Pass:
    manifest_bytes: bytes | None
    files: list[FileStatus] = field(default_factory=list)
    in_flight: list[str] = field(default_factory=list)
    manifest: mf.Manifest | None = None


def _read(dir_fd: int, name: str, expect: int | None = None) -> bytes:
    """``name`` in the folder (never followed if a symlink).

    It asks for one byte more than ``expect`` (the listed size; else the size
    ``fstat`` reports): a regular file answers with all of it in one read, so a file
    of the right size costs one read and a longer one is noticed without reading it all.
    """
    fd = os.open(name, _OPEN_FLAGS, dir_fd=dir_fd)
    try:
        size = os.fstat(fd).st_size if expect is None else expect
        limit = min(size + 1, _CAP)
        data = os.read(fd, limit)
        if not data or len(data) >= size:
            return data
        parts, got = [data], len(data)  # a short read: carry on to the end
        while got < limit and (more := os.read(fd, limit - got)):
            parts.append(more)
            got += len(more)
        return b"".join(parts)
    finally:
        os.close(fd)


def _manifest_bytes(dir_fd: int) -> bytes | None:
    """The manifest's bytes; None when absent; :data:`_SYMLINK` when it is a symlink."""
    try:
        return _read(dir_fd, MANIFEST_NAME)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return _SYMLINK
        raise


def _envelope_cycle(dir_fd: int, name: str) -> int | None:
    """The ``cycle`` a panel file claims, or None when it has none (or cannot be read)."""
    try:
        doc = json.loads(_read(dir_fd, name))
    except (OSError, ValueError):
        return None
    cycle = doc.get("cycle") if isinstance(doc, dict) else None
    return cycle if isinstance(cycle, int) and not isinstance(cycle, bool) else None


def _in_flight(p: _Pass, dir_fd: int, name: str, status: str, detail: str, mcycle: int) -> None:
    cycle = _envelope_cycle(dir_fd, name)
    if cycle is None or cycle == mcycle:
        p.files.append(FileStatus(name, status, detail))
        return
    why = "not listed; " if status == "unlisted" else ""
    p.files.append(
        FileStatus(
            name,
            "incomplete",
            f"{why}written by cycle {cycle}, the manifest is of cycle {mcycle} "
            "(a cycle in progress, or one the writer never finished)",
            cycle,
        )
    )
    p.in_flight.append(name)


def _signature(m: mf.Manifest, key: bytes | None) -> FileStatus:
    if key is None:
        if m.signed:
            return FileStatus(MANIFEST_NAME, "signature_not_verified", "signed; no key to check")
        return FileStatus(MANIFEST_NAME, "ok", "unsigned, no key set")
    if not m.signed:
        return FileStatus(MANIFEST_NAME, "unsigned", "a key is set but the manifest is unsigned")
    if not signing.verify(m.document, key):
        return FileStatus(MANIFEST_NAME, "bad_signature", "the HMAC-SHA256 signature is wrong")
    return FileStatus(MANIFEST_NAME, "ok", "signature verified")


def _panel_names(dir_fd: int) -> list[str]:
    return [
        n
        for n in os.listdir(dir_fd)
        if n.endswith(".json") and not n.startswith(".") and n != MANIFEST_NAME
    ]


def _one_pass(dir_fd: int, key: bytes | None) -> _Pass:
    p = _Pass(_manifest_bytes(dir_fd))
    present = _panel_names(dir_fd)
    if p.manifest_bytes is None:
        cycles = sorted({c for n in present if (c := _envelope_cycle(dir_fd, n)) is not None})
        detail = "manifest.json does not exist"
        if cycles:
            detail += f" (panels of cycle {cycles[-1]} exist: a first cycle not yet finished?)"
            p.in_flight.extend(present)
        p.files.append(FileStatus(MANIFEST_NAME, "missing", detail))
        return p
    if p.manifest_bytes is _SYMLINK:
        p.files.append(FileStatus(MANIFEST_NAME, "unreadable", "a symlink (never followed)"))
        return p
    try:
        m = p.manifest = mf.parse(p.manifest_bytes)
    except mf.ManifestError as exc:
        p.files.append(FileStatus(MANIFEST_NAME, "invalid", str(exc)))
        return p
    p.files.append(_signature(m, key))
    sha256 = hashlib.sha256
    for name, entry in m.files.items():
        try:
            data = _read(dir_fd, name, entry.bytes)
        except FileNotFoundError:
            p.files.append(FileStatus(name, "missing", "listed in the manifest, not on disk"))
            continue
        except OSError as exc:
            why = "a symlink (never followed)" if exc.errno == errno.ELOOP else exc.strerror
            p.files.append(FileStatus(name, "unreadable", f"cannot read: {why}"))
            continue
        if len(data) != entry.bytes:
            _in_flight(p, dir_fd, name, "mismatch", f"size differs ({entry.bytes} listed)", m.cycle)
        elif sha256(data).hexdigest() != entry.sha256:
            _in_flight(p, dir_fd, name, "mismatch", "sha256 differs from the manifest", m.cycle)
        else:
            p.files.append(FileStatus(name, "ok"))
    for name in sorted(set(present) - set(m.files)):
        _in_flight(p, dir_fd, name, "unlisted", "not listed in the manifest", m.cycle)
    return p


def _newest_mtime(dir_fd: int, names: list[str]) -> float:
    newest = 0.0
    for name in names:
        try:
            newest = max(newest, os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mtime)
        except OSError:
            continue
    return newest


def _wait_for_change(
    dir_fd: int, old: bytes | None, deadline: float, sleep: Callable[[float], None]
) -> bool:
    while time.time() < deadline:
        sleep(0.005)
        if _manifest_bytes(dir_fd) != old:
            return True
    return False


def verify(
    folder: Path,
    key: bytes | None,
    settle: float = DEFAULT_SETTLE,
    sleep: Callable[[float], None] = time.sleep,
) -> Report:
    """Verify ``folder`` (see the module docstring); IntegrityError when it cannot be read."""
    try:
        dir_fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except FileNotFoundError:
        raise IntegrityError(f"panels folder {folder} does not exist") from None
    except OSError as exc:
        raise IntegrityError(f"cannot open panels folder {folder}: {exc.strerror}") from None
    try:
        return _verify(folder, dir_fd, key, settle, sleep)
    except OSError as exc:
        raise IntegrityError(f"cannot read panels folder {folder}: {exc.strerror}") from None
    finally:
        os.close(dir_fd)


def _verify(
    folder: Path, dir_fd: int, key: bytes | None, settle: float, sleep: Callable[[float], None]
) -> Report:
    passes = 0
    while True:
        passes += 1
        p = _one_pass(dir_fd, key)
        failed = any(f.status not in PASSING for f in p.files)
        if failed and passes < MAX_PASSES:
            if _manifest_bytes(dir_fd) != p.manifest_bytes:
                continue  # the writer moved on while we read: look again
            if p.in_flight and settle > 0:
                now = time.time()
                deadline = min(_newest_mtime(dir_fd, p.in_flight) + settle, now + settle)
                if _wait_for_change(dir_fd, p.manifest_bytes, deadline, sleep):
                    continue
        m = p.manifest
        return Report(
            folder,
            tuple(p.files),
            m.cycle if m else None,
            m.generated_at if m else None,
            passes,
        )


def record(metrics: Metrics, report: Report) -> None:
    """Feed one verification into the ``g6_panels_integrity_*`` metrics (docs/metrics_spec.yaml)."""
    metrics.counter("g6_panels_integrity_checks_total").inc()
    metrics.gauge("g6_panels_integrity_ok").set(1 if report.ok else 0)
    problems = report.count(FILE_PROBLEMS)
    if problems:
        metrics.counter("g6_panels_integrity_mismatches_total").inc(problems)


def check_and_record(metrics: Metrics, folder: Path, key: bytes | None) -> Report:
    """Verify ``folder`` from inside its own writer (no writer runs concurrently) and record."""
    try:
        report = verify(folder, key, settle=0)
    except IntegrityError:
        metrics.counter("g6_panels_integrity_checks_total").inc()
        metrics.gauge("g6_panels_integrity_ok").set(0)
        raise
    record(metrics, report)
    return report
