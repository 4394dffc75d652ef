"""Value ranges of ``[tool.g6gov]`` keys (SPEC §1, "A config error").

Each rule takes a value that already has the right type and returns it (possibly
normalised) or raises :class:`RuleError` saying what is wrong and how to fix it;
``config.py`` adds the file, line and key. A rule that is about one entry of a list
gives that entry's text as ``needle`` so the error can point at the entry's own line.
"""

from __future__ import annotations

import math
import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class RuleError(Exception):
    """A value of the right type that is out of range (``needle``: the entry's text)."""

    def __init__(self, message: str, needle: str | None = None, occurrence: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.needle = needle
        self.occurrence = occurrence


@dataclass(frozen=True)
class RuleContext:
    root: Path
    default: Any


Rule = Callable[[Any, RuleContext], Any]


def _number(value: float) -> str:
    return f"{value:g}"


def percent(value: float, ctx: RuleContext) -> float:
    if not 0 <= value <= 100:  # also refuses nan
        raise RuleError(f"must be a percentage between 0 and 100, got {_number(value)}")
    return value


def _finite_positive(value: float, what: str) -> float:
    if not (math.isfinite(value) and value > 0):
        raise RuleError(f"must be a finite positive number {what}, got {_number(value)}")
    return value


def positive_seconds(value: float, ctx: RuleContext) -> float:
    return _finite_positive(value, f"of seconds (e.g. {ctx.default})")


def factor(value: float, ctx: RuleContext) -> float:
    what = f"(how many times its baseline time a test may take, e.g. {ctx.default})"
    return _finite_positive(value, what)


def non_empty(value: str, ctx: RuleContext) -> str:
    if not value.strip():
        raise RuleError(f"must not be empty (leave the key out for the default {ctx.default!r})")
    return value


def prefixes(value: str | list[str], ctx: RuleContext) -> str | list[str]:
    """One prefix, or a non-empty list of distinct non-empty ones (``env_docs.prefix``)."""
    if isinstance(value, str):
        return non_empty(value, ctx)
    if not value:
        raise RuleError(
            f"must not be an empty list: give at least one prefix, e.g. [{ctx.default!r}]"
        )
    seen: set[str] = set()
    for entry in value:
        if not entry.strip():
            raise RuleError(f"the list holds an empty prefix {entry!r}: remove it", needle=entry)
        if entry in seen:
            raise RuleError(f"{entry!r} is listed more than once", needle=entry, occurrence=2)
        seen.add(entry)
    return list(value)


def marker(value: str, ctx: RuleContext) -> str:
    non_empty(value, ctx)
    if not value.isidentifier():
        raise RuleError(
            f"must be a marker name, a Python identifier such as {ctx.default!r}, got {value!r}"
        )
    return value


def folders(value: list[str], ctx: RuleContext) -> list[str]:
    """Folders relative to the rootdir that must exist (``env_docs.sources``)."""
    for entry in value:
        path = ctx.root / entry
        if not path.exists():
            raise RuleError(
                f"folder {entry!r} does not exist (relative to the rootdir {ctx.root}): "
                "fix the path or remove it",
                needle=entry,
            )
        if not path.is_dir():
            raise RuleError(
                f"{entry!r} is not a folder: list folders whose *.py files are scanned",
                needle=entry,
            )
    return value


@dataclass(frozen=True)
class ModuleList:
    """``critical_coverage.modules``: the paths as given, and the floors some entries set."""

    paths: list[str]
    floors: dict[str, float] = field(default_factory=dict)


MODULE_KEYS = ("min_percent", "path")
TABLE_FORM = '{path = "pkg/module.py", min_percent = 90}'


def _module_path(path: str, root: Path) -> str | None:
    """What is wrong with one module path (None: an existing .py file inside root)."""
    if not path.strip():
        return f"{path!r} does not exist: give the path of a .py file relative to the rootdir"
    target = root / path
    try:
        inside = target.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a symlink loop
        inside = False
    if not inside:
        return (
            f"{path!r} is not inside the rootdir {root}: give a path relative to the "
            'rootdir, e.g. "pkg/module.py"'
        )
    if not target.exists():
        return (
            f"{path!r} does not exist in the rootdir {root}: check the spelling "
            '(a path relative to the rootdir, e.g. "pkg/module.py")'
        )
    if not target.is_file():
        return f"{path!r} is not a file: list each critical module's .py file"
    if target.suffix != ".py":
        return f"{path!r} is not a .py file: list Python modules only"
    return None


def _module_entry(entry: object, number: int) -> tuple[str, float | None]:
    """The path and floor of one entry (a string or a table)."""
    if isinstance(entry, str):
        return entry, None
    if not isinstance(entry, Mapping):
        raise RuleError(
            f"entry {number} must be a string or a table {TABLE_FORM}, "
            f"got {type(entry).__name__} {entry!r}"
        )
    path = entry.get("path")
    needle = path if isinstance(path, str) else None
    for key in entry:
        if key not in MODULE_KEYS:
            known = ", ".join(MODULE_KEYS)
            raise RuleError(f"entry {number}: unknown key {key!r} (known keys: {known})", needle)
    if path is None:
        raise RuleError(f"entry {number} needs a path: write {TABLE_FORM}")
    if not isinstance(path, str):
        raise RuleError(f"entry {number}: path must be a string, got {path!r}")
    floor = entry.get("min_percent")
    if floor is None:
        return path, None
    if isinstance(floor, bool) or not isinstance(floor, int | float):
        raise RuleError(f"min_percent of {path!r} must be a number, got {floor!r}", needle)
    if not 0 <= floor <= 100:
        raise RuleError(
            f"min_percent of {path!r} must be a percentage between 0 and 100, got {_number(floor)}",
            needle,
        )
    return path, float(floor)


def modules(value: list[Any], ctx: RuleContext) -> ModuleList:
    result = ModuleList([])
    seen: set[str] = set()
    for number, entry in enumerate(value, start=1):
        path, floor = _module_entry(entry, number)
        count = sum(1 for p in result.paths if p == path) + 1
        problem = _module_path(path, ctx.root)
        if problem is not None:
            raise RuleError(problem, path, count)
        same = posixpath.normpath(path)
        if same in seen:
            raise RuleError(f"{path!r} is listed more than once", path, count)
        seen.add(same)
        result.paths.append(path)
        if floor is not None:
            result.floors[path] = floor
    return result
