"""The result of ``g6 integrity``: one status per file, a severity each, text and JSON.

Statuses and severities:

============================  ========  =============================================
status                        severity  meaning
============================  ========  =============================================
``ok``                        info      exact bytes as listed (or: manifest checks out)
``signature_not_verified``    warn      signed manifest, no key to check it (hashes verified)
``incomplete``                warn      a panel of another cycle than the manifest's:
                                        a cycle in progress or one a writer never finished
``unlisted``                  warn      a ``*.json`` file the manifest does not list
``mismatch``                  critical  other bytes than listed, same cycle
``missing``                   critical  listed but absent (or no manifest at all)
``unreadable``                critical  cannot be read (e.g. a symlink)
``invalid``                   critical  the manifest is malformed or was edited
``bad_signature``             critical  the HMAC-SHA256 signature does not match
``unsigned``                  critical  a key is set but the manifest is unsigned
============================  ========  =============================================

Every status but ``ok`` and ``signature_not_verified`` fails the check (exit 1).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

SEVERITY = {
    "ok": "info",
    "signature_not_verified": "warn",
    "incomplete": "warn",
    "unlisted": "warn",
    "mismatch": "critical",
    "missing": "critical",
    "unreadable": "critical",
    "invalid": "critical",
    "bad_signature": "critical",
    "unsigned": "critical",
}
PASSING = frozenset({"ok", "signature_not_verified"})
#: Statuses counted by ``g6_panels_integrity_mismatches_total``.
FILE_PROBLEMS = frozenset({"mismatch", "missing", "unreadable", "unlisted", "incomplete"})


class FileStatus(NamedTuple):
    """One file's verdict (a named tuple: a thousand of them are made per check)."""

    file: str
    status: str
    detail: str = ""
    cycle: int | None = None  # the file's own cycle, when it is in flight

    @property
    def severity(self) -> str:
        return SEVERITY[self.status]


@dataclass(frozen=True)
class Report:
    folder: Path
    files: tuple[FileStatus, ...]
    manifest_cycle: int | None = None
    generated_at: str | None = None
    passes: int = 1

    @property
    def ok(self) -> bool:
        return all(f.status in PASSING for f in self.files)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    @property
    def incomplete_cycle(self) -> int | None:
        cycles = [f.cycle for f in self.files if f.status == "incomplete" and f.cycle is not None]
        return max(cycles) if cycles else None

    def count(self, statuses: frozenset[str]) -> int:
        return sum(1 for f in self.files if f.status in statuses)

    @property
    def result(self) -> str:
        """``ok``, ``incomplete`` (only in-flight files are wrong) or ``failed``."""
        bad = {f.status for f in self.files if f.status not in PASSING}
        if not bad:
            return "ok"
        return "incomplete" if bad == {"incomplete"} else "failed"

    def headline(self) -> str:
        listed = sum(1 for f in self.files if f.file != "manifest.json")
        if self.result == "ok":
            sig = next((f for f in self.files if f.file == "manifest.json"), None)
            note = sig.detail if sig and sig.status == "ok" else "signature not verified"
            return f"ok: {listed} panels match manifest cycle {self.manifest_cycle}; {note}"
        if self.result == "incomplete":
            return (
                f"INCOMPLETE cycle {self.incomplete_cycle}: panels were written but not "
                f"its manifest (still at cycle {self.manifest_cycle}); the writer is busy "
                "or stopped mid-cycle"
            )
        bad = [f for f in self.files if f.status not in PASSING]
        counts = Counter(f.severity for f in bad)
        worst = ", ".join(f"{counts[s]} {s}" for s in ("critical", "warn") if counts[s])
        named = ", ".join(f"{f.file} {f.status.replace('_', ' ')}" for f in bad[:3])
        return f"FAILED ({worst}): {named}{', …' if len(bad) > 3 else ''}"

    def to_json(self) -> dict[str, Any]:
        return {
            "panels_dir": str(self.folder),
            "ok": self.ok,
            "result": self.result,
            "manifest": {"cycle": self.manifest_cycle, "generated_at": self.generated_at},
            "incomplete_cycle": self.incomplete_cycle,
            "files": [
                {"file": f.file, "status": f.status, "severity": f.severity, "detail": f.detail}
                for f in self.files
            ],
            "counts": dict(Counter(f.status for f in self.files)),
            "passes": self.passes,
        }

    def text(self) -> str:
        rows = [f"g6 integrity {self.folder}"]
        rows.append(f"  {'STATUS':<23} {'SEVERITY':<8}  FILE")
        for f in self.files:
            detail = f"  {f.detail}" if f.detail else ""
            rows.append(f"  {f.status.replace('_', ' '):<23} {f.severity:<8}  {f.file}{detail}")
        rows.append(self.headline())
        return "\n".join(rows)


def dumps(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2)
