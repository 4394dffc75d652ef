"""The public API for writing a governance check (built-in and third-party alike).

A check is an object with these attributes (subclass :class:`Check` or write your own)::

    name      "my_check"       its [tool.g6gov.my_check] table; snake_case
    rules     {"ABC001": "one-line description", ...}  the codes its findings carry
    keys      {"limit": Key("number", 3.0)}  its own keys (mode/introduced_in/ignore are common)
    static    True: needs no test run (``g6gov check`` runs it); False: judged at session end
    baseline  None, or a Baseline: <baseline_dir>/<name>.json that only ratchets tighter
    run(ctx)  -> list[Finding] | Result

Contribute checks with the hook ``pytest_g6gov_checks()`` (returning a list of them) in a
pytest plugin or conftest, or in a module named by an entry point of the group ``g6gov``
(mark it ``@checks_hookimpl`` when the module is also a pytest plugin).

A key's range rule is ``rule(value, ctx: RuleContext) -> value`` raising
:class:`RuleError` with what is wrong; the configuration error adds the file, line and key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from packaging.version import Version

from .baselines import BaselineUpdate
from .config_rules import RuleContext, RuleError
from .findings import Finding, InputError
from .hookspecs import checks_hookimpl
from .keys import Key
from .scan import FileIndex

__all__ = [
    "Baseline",
    "Check",
    "Context",
    "Finding",
    "InputError",
    "Key",
    "Result",
    "RuleContext",
    "RuleError",
    "SessionData",
    "checks_hookimpl",
]


@dataclass(frozen=True)
class Baseline:
    """A numeric baseline: ``{key: number}``, tightened by every improvement.

    ``higher_is_better``: coverage-like (True) or time-like (False). ``schema``: an optional
    JSON Schema the entries object must also satisfy."""

    higher_is_better: bool
    schema: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class SessionData:
    """What a run-time check sees of the test session (None in ``g6gov check``)."""

    partial: str | None  # why the run is partial, or None for a standard run
    durations: Mapping[str, float]  # nodeid -> seconds (setup + call + teardown)
    exitstatus: int
    locations: Mapping[str, tuple[str | None, int | None]] = field(default_factory=dict)
    marked: frozenset[str] = frozenset()  # tests carrying the slow_tests marker
    coverage: object = None  # critical_coverage's measurement (or the error that stopped it)


@dataclass(frozen=True)
class Context:
    """What a check gets: the rootdir, its validated options, release and today.

    ``never_scan`` holds rootdir-relative POSIX paths that no check may read as a source
    (the report files, the baseline folder). ``cache_dir`` is where a check may keep
    per-file results between sessions (None: no cache); a check may put figures in
    ``stats`` (they go into the report). ``baseline`` is the check's baseline entries (None:
    no file yet); ``session`` the test session (None for static checks and ``g6gov check``).
    """

    root: Path
    options: Mapping[str, Any]
    release: Version | None
    today: date
    never_scan: frozenset[str] = field(default_factory=frozenset)
    files: FileIndex | None = None
    cache_dir: Path | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    baseline: Mapping[str, float] | None = None
    session: SessionData | None = None
    accept_regressions: bool = False

    def file_index(self) -> FileIndex:
        """The session's shared file index (a private one when none was given)."""
        return self.files if self.files is not None else FileIndex(self.root)


@dataclass
class Result:
    """A check's full answer when a list of findings is not enough.

    ``entries``: the current baseline values (the framework ratchets them against the old
    baseline with the check's ``Baseline`` rule); ``update``: a ready baseline update (for a
    check with its own ratchet rule); ``skipped``: why the check did not judge this run;
    ``notes``: lines for the terminal section; ``extra``: keys for the JSON report."""

    findings: list[Finding] = field(default_factory=list)
    entries: Mapping[str, float] | None = None
    update: BaselineUpdate | None = None
    skipped: str | None = None
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


class Check:
    """Convenience base class; any object with the same attributes is a check."""

    name: ClassVar[str] = ""
    rules: ClassVar[Mapping[str, str]] = {}
    keys: ClassVar[Mapping[str, Key]] = {}
    static: ClassVar[bool] = True
    baseline: ClassVar[Baseline | None] = None

    def run(self, ctx: Context) -> list[Finding] | Result:
        raise NotImplementedError(f"check {self.name!r} does not implement run()")
