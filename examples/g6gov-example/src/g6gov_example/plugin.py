"""Two example g6gov checks, contributed through the hook ``pytest_g6gov_checks``.

* ``todo_markers`` (static: ``g6gov check`` runs it without a test session): a
  ``TODO(...)`` comment in a ``*.py`` file must name an issue, ``TODO(#123)`` or
  ``TODO(ABC-123)`` (TODO001), and no file may hold more than ``max_per_file`` of them
  (TODO002).
* ``test_count`` (run-time: judged when a test session ends): the number of tests that ran
  must not drop below its baseline (TCNT001) nor below ``min_tests`` (TCNT002). The
  baseline ``<baseline_dir>/test_count.json`` is written by ``--g6-update-baselines`` and
  only ever rises; a partial run (``-k``, one file, ``--lf``, ...) is not judged.

Each check runs only when the project's pyproject.toml has its ``[tool.g6gov.<name>]``
table. The framework validates the keys, stages ``mode``/``introduced_in``, applies
``ignore`` and ``# g6gov: ignore[CODE]`` comments, isolates a crash as one G6G000,
ratchets the baseline and writes the report; the checks only find things.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from pytest_g6gov.api import (
    Baseline,
    Check,
    Context,
    Finding,
    Key,
    Result,
    RuleContext,
    RuleError,
    checks_hookimpl,
)

MARKER = re.compile(r"\bTODO\((?P<inside>[^)]*)\)")
ISSUE = re.compile(r"#\d+|\b[A-Z][A-Z0-9]+-\d+\b")


def whole_number(minimum: int) -> Callable[[float, RuleContext], float]:
    """A range rule: the (already type-checked) number must be whole and >= ``minimum``."""

    def rule(value: float, ctx: RuleContext) -> float:
        if value != int(value) or value < minimum:
            raise RuleError(f"must be a whole number of at least {minimum}, got {value:g}")
        return value

    return rule


def _comments(source: str) -> list[tuple[int, str]]:
    """(line, text) of every comment; raises SyntaxError or TokenError if it cannot tell."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [(tok.start[0], tok.string) for tok in tokens if tok.type == tokenize.COMMENT]


class TodoMarkers(Check):
    name = "todo_markers"
    static = True
    rules: ClassVar[Mapping[str, str]] = {
        "TODO001": "a TODO(...) comment names no issue, e.g. TODO(#123) or TODO(ABC-123)",
        "TODO002": "a file holds more TODO(...) comments than max_per_file",
    }
    keys: ClassVar[Mapping[str, Key]] = {
        "paths": Key("list", ["."]),  # folders or files, relative to the rootdir
        "max_per_file": Key("number", 10.0, whole_number(1)),
    }

    def run(self, ctx: Context) -> list[Finding]:
        index = ctx.file_index()  # shared by every static check of the session
        limit = int(ctx.options["max_per_file"])
        # never_scan: the report and baseline files of this run; hidden folders, virtual
        # environments and caches are left out by the index itself.
        files = index.list(ctx.options["paths"], exclude=sorted(ctx.never_scan), suffixes=(".py",))
        findings: list[Finding] = []
        for rel in files:
            try:
                comments = _comments(index.read(rel).decode("utf-8"))
            except (OSError, UnicodeDecodeError, SyntaxError, tokenize.TokenError) as exc:
                # One unreadable file is a G6G000 finding of its own; the others are judged.
                findings.append(Finding("G6G000", f"cannot be read as Python: {exc}", rel))
                continue
            lines: list[int] = []  # the line of every marker in this file
            for line, text in comments:
                for marker in MARKER.finditer(text):
                    lines.append(line)
                    if not ISSUE.search(marker.group("inside")):
                        message = f"{marker.group(0)} names no issue: write e.g. TODO(#123)"
                        findings.append(Finding("TODO001", message, rel, line))
            if len(lines) > limit:  # reported at the first marker over the limit
                message = f"{len(lines)} TODO(...) comments, more than max_per_file = {limit}"
                findings.append(Finding("TODO002", message, rel, lines[limit]))
        ctx.stats["files"] = len(files)  # extra figures go into the JSON report
        return findings


class NumberOfTests(Check):
    name = "test_count"
    static = False  # needs a test session: ctx.session is set
    rules: ClassVar[Mapping[str, str]] = {
        "TCNT001": "fewer tests ran than the baseline records",
        "TCNT002": "fewer tests ran than min_tests",
    }
    keys: ClassVar[Mapping[str, Key]] = {
        "min_tests": Key("number", 0.0, whole_number(0)),
    }
    # The entries {"tests": N}: more is better, so the baseline only ever rises.
    baseline = Baseline(
        higher_is_better=True,
        schema={
            "type": "object",
            "properties": {"tests": {"type": "integer", "minimum": 0}},
            "required": ["tests"],
            "additionalProperties": False,
        },
    )

    def run(self, ctx: Context) -> Result:
        session = ctx.session
        assert session is not None  # a run-time check always gets the session
        if session.partial is not None:
            return Result(skipped=f"partial run ({session.partial}): the count says nothing")
        ran = len(session.durations)  # every test that reported: passed, failed or skipped
        findings: list[Finding] = []
        recorded = None if ctx.baseline is None else ctx.baseline.get("tests")
        if recorded is not None and ran < recorded:
            message = (
                f"{ran} tests ran, the baseline records {recorded:g}: restore the lost tests, "
                "or record the drop with --g6-update-baselines --g6-accept-regressions"
            )
            findings.append(Finding("TCNT001", message))
        floor = int(ctx.options["min_tests"])
        if ran < floor:
            findings.append(Finding("TCNT002", f"{ran} tests ran, min_tests is {floor}"))
        # entries: the framework ratchets them against the old baseline with the rule above;
        # extra goes into the JSON report, notes into the terminal section.
        extra: dict[str, Any] = {"tests": ran}
        return Result(findings, entries={"tests": ran}, notes=[f"{ran} tests ran"], extra=extra)


@checks_hookimpl
def pytest_g6gov_checks() -> list[Check]:
    """The hook: this module's checks (called once per session or ``g6gov check`` run)."""
    return [TodoMarkers(), NumberOfTests()]
