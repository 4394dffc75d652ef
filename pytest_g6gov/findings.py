"""Findings, rule codes and per-check results: the plain data every check returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Mode = Literal["warn", "enforce", "off"]
Status = Literal["ok", "findings", "error", "skipped"]

RULES: dict[str, str] = {
    "G6G000": "a check failed internally, or an input file is unreadable or unparsable",
    "ENV001": "the same variable has two entries in the env doc",
    "ENV002": "a variable is used in code but has no entry in the env doc",
    "ENV003": "a variable has an entry in the env doc but no code uses it",
    "ENV004": "a malformed entry line in the env doc",
    "DEP001": "an item with status Removed is still referenced",
    "DEP002": "an item past its planned removal is still Active or Pending Removal",
    "DEP003": "a malformed row in the deprecations table",
    "MET001": "a spec metric is missing from the registry",
    "MET002": "a metric's type differs from the spec",
    "MET003": "a metric's label names differ from the spec",
    "MET004": "a metric naming rule is broken",
    "MET005": "a registry metric with the prefix is not in the spec",
    "MET006": "a group's series count grew beyond the allowed growth",
    "MET007": "the metrics spec file is invalid",
    "SLOW001": "a test took longer than the threshold and is neither marked nor baselined",
    "SLOW002": "a baselined test took longer than slowdown_factor times its baseline",
    "COV001": "a critical module is below its minimum coverage",
    "COV002": "a critical module dropped below its baseline coverage",
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
