"""Findings, rule codes and per-check results: the plain data every check returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Mode = Literal["warn", "enforce", "off"]
Status = Literal["ok", "findings", "error", "skipped"]

# The framework's own code; each check declares its own (``checks/builtin.py``).
FRAMEWORK_RULES: dict[str, str] = {
    "G6G000": "a check failed internally, or an input file is unreadable or unparsable",
}


@dataclass(frozen=True, order=True)
class Finding:
    """One problem a check found; ``path`` is relative to the rootdir (POSIX) when known."""

    code: str
    message: str
    path: str | None = None
    line: int | None = None

    def sort_key(self) -> tuple[str, int, str, str]:
        """Report order: by file, line, code, message (findings without a path first)."""
        return (self.path or "", self.line or 0, self.code, self.message)

    def location(self) -> str:
        if self.path is None:
            return ""
        return self.path if self.line is None else f"{self.path}:{self.line}"

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "path": self.path, "line": self.line}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        return cls(str(data["code"]), str(data["message"]), data.get("path"), data.get("line"))


class InputError(Exception):
    """An input file cannot be read or parsed at all (reported as G6G000 by the caller)."""

    def __init__(self, path: str | None, line: int | None, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.message = message

    def finding(self) -> Finding:
        return Finding("G6G000", self.message, self.path, self.line)


@dataclass
class CheckResult:
    """The outcome of one check in one session."""

    check: str
    mode: Mode
    findings: list[Finding] = field(default_factory=list)
    skipped_reason: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    suppressed: int = 0  # findings an ignore key or a g6gov: ignore[...] comment removed

    @property
    def status(self) -> Status:
        if self.mode == "off" or self.skipped_reason is not None:
            return "skipped"
        if any(f.code == "G6G000" for f in self.findings):
            return "error"
        return "findings" if self.findings else "ok"

    @property
    def failing(self) -> bool:
        return self.mode == "enforce" and bool(self.findings)
