"""Baseline files: contracts that only ratchet tighter.

``<baseline_dir>/<check>.json`` = ``{"schema_version": 1, "check": ..., "entries": {key: number}}``,
validated by the shipped JSON Schema and written atomically. A missing file is an
empty baseline; a corrupt one raises :class:`InputError` (a G6G000 finding).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .atomic import write_atomic
from .findings import InputError

SCHEMA_VERSION = 1


@cache
def load_schema(name: str) -> dict[str, Any]:
    """A JSON Schema shipped in ``pytest_g6gov/schemas``."""
    from importlib import resources

    text = resources.files("pytest_g6gov").joinpath("schemas", name).read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def baseline_path(baseline_dir: Path, check: str) -> Path:
    return baseline_dir / f"{check}.json"


def load_baseline(path: Path, check: str, rel: str, spec: Any = None) -> dict[str, float] | None:
    """Entries of the baseline at ``path`` (None when the file does not exist).

    ``spec``: the check's :class:`pytest_g6gov.api.Baseline`; its ``schema`` (if any) must
    also hold for the entries object."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(rel, None, f"baseline cannot be read: {exc}") from None
    import jsonschema

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            rel,
            exc.lineno,
            f"baseline is not valid JSON ({exc.msg}); fix or delete it and "
            "run with --g6-update-baselines",
        ) from None
    own = getattr(spec, "schema", None)
    try:
        jsonschema.validate(data, load_schema("baseline.schema.json"))
        if own is not None:
            try:
                jsonschema.validate(data["entries"], own)
            except jsonschema.ValidationError as exc:
                exc.path.appendleft("entries")
                raise
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "top level"
        raise InputError(
            rel,
            None,
            f"baseline breaks its schema at {where}: {exc.message}; fix or delete it "
            "and run with --g6-update-baselines",
        ) from None
    if data["check"] != check:
        raise InputError(rel, None, f"baseline belongs to check {data['check']!r}, not {check!r}")
    return {str(k): float(v) for k, v in data["entries"].items()}


def dump_baseline(check: str, entries: Mapping[str, float]) -> bytes:
    data = {
        "schema_version": SCHEMA_VERSION,
        "check": check,
        "entries": {k: round(entries[k], 3) for k in sorted(entries)},
    }
    return (json.dumps(data, indent=2, sort_keys=False) + "\n").encode("utf-8")


def write_baseline(path: Path, check: str, entries: Mapping[str, float]) -> None:
    write_atomic(path, dump_baseline(check, entries))


@dataclass
class BaselineUpdate:
    """What ``--g6-update-baselines`` would write for one check, and why."""

    check: str
    entries: dict[str, float]
    created: bool = False
    changed: list[str] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def ratchet(
    check: str,
    old: Mapping[str, float] | None,
    current: Mapping[str, float],
    *,
    higher_is_better: bool,
    accept: bool,
    keep_missing: Callable[[str], bool],
    fmt: Callable[[float], str] = lambda v: f"{v:g}",
) -> BaselineUpdate:
    """Tighten a numeric baseline from ``current``; record regressions only when ``accept``.

    Keys new in ``current`` are added (they are not regressions); keys no longer
    present are dropped unless ``keep_missing(key)`` says the run did not look at them.
    """
    if old is None:
        return BaselineUpdate(check, dict(current), created=True)
    update = BaselineUpdate(check, {})
    for key in sorted(set(old) | set(current)):
        if key not in current:
            if keep_missing(key):
                update.entries[key] = old[key]
            else:
                update.changed.append(f"dropped {key} (no longer present)")
            continue
        now = current[key]
        if key not in old:
            update.entries[key] = now
            update.changed.append(f"added {key} at {fmt(now)}")
            continue
        before = old[key]
        better = now > before if higher_is_better else now < before
        worse = now < before if higher_is_better else now > before
        if better:
            update.changed.append(f"tightened {key}: {fmt(before)} -> {fmt(now)}")
            update.entries[key] = now
        elif worse and accept:
            update.accepted.append(f"{key}: {fmt(before)} -> {fmt(now)}")
            update.entries[key] = now
        else:
            if worse:
                update.refused.append(f"{key}: {fmt(before)} -> {fmt(now)}")
            update.entries[key] = before
    return update
