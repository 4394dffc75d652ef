"""``deprecations``: the one deprecation table, its schedule and its removed items.

* DEP001 — an item with status ``Removed`` is still referenced in a scanned text
  file (one finding per item per file, at its first line there), or, for a
  ``file`` item, the path still exists.
* DEP002 — an item past its planned removal is still ``Active`` or ``Pending Removal``.
* DEP003 — a malformed table or row (see :mod:`.deprecation_table`).

What "referenced" means (SPEC §1 "Deprecations"): a dotted item (``pkg.mod.name``)
in a Python file is referenced by the imports and attribute chains that reach it and
by its full path in a string or comment (:mod:`.dep_refs`; a file that does not parse
gets the text rule); in any other text file by its full dotted path as a whole word.
An undotted item (env var, CLI flag, config key, metric, bare name) and a ``file``
item's path are referenced where they appear as a whole word.

Every scanned file is read once, as bytes, for all removed items together. A file
that does not contain an item's key (its last component, for a dotted item) cannot
refer to it; a file is decoded (and must be UTF-8 without NUL bytes) and a Python
file parsed only when a candidate reference was found in it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from packaging.version import Version

from ..findings import Finding
from ..scan import FileIndex
from ..scan_cache import identity, open_cache
from . import CheckContext, dep_refs
from .dep_refs import (
    PYTHON_SUFFIXES,
    TO_WORDS,
    WORD_BYTES,
    PythonGate,
    dotted_word,
    python_references,
)
from .deprecation_table import EXPECTED_HEADER, DeprecationRow, parse_deprecations

__all__ = ["is_overdue", "parse_deprecations", "run", "scan_references", "sort_findings"]

ALWAYS_EXCLUDED: tuple[str, ...] = ("baselines",)  # changelogs: never listed (..scan)
BINARY_PROBE = 8192
_READ_CHUNK = 1 << 20
# Up to this many plain-word terms, one substring search each beats splitting a file into words.
_SUBSTRING_LIMIT = 12
_BEFORE = b"(?<![A-Za-z0-9_])"
_AFTER = b"(?![A-Za-z0-9_])"


@dataclass(frozen=True)
class _Needle:
    """One removed term and the rows it stands for. ``key`` is in every file that refers
    to it (the pre-filter); ``pattern`` is the text rule (the term as a whole word, for
    a dotted term a whole dotted word); a dotted term also has its ``parts``."""

    key: bytes
    term: bytes
    pattern: re.Pattern[bytes]
    rows: tuple[DeprecationRow, ...]
    parts: tuple[str, ...] | None = None


def run(ctx: CheckContext) -> list[Finding]:
    """All deprecations findings for the project at ``ctx.root``, sorted."""
    file_option = str(ctx.options.get("file", "DEPRECATIONS.md"))
    rel = _relative(ctx.root, file_option) or file_option
    text = _read_table(ctx.root / file_option, rel)
    if isinstance(text, Finding):
        return [text]
    table = parse_deprecations(text, rel)
    findings = list(table.findings)
    findings.extend(_overdue(table.rows, ctx.today, ctx.release, rel))
    removed = [row for row in table.rows if row.status == "Removed"]
    if removed:
        findings.extend(_existing_files(ctx.root, removed, rel))
        index = ctx.file_index()
        files = _scanned_files(ctx, index, rel)
        findings.extend(
            scan_references(ctx.root, files, removed, rel, index, ctx.cache_dir, ctx.stats)
        )
    return sort_findings(findings)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Deduplicated, ordered by (path, line, code, message); missing path/line sort first."""
    return sorted(set(findings), key=lambda f: (f.path or "", f.line or 0, f.code, f.message))


def _relative(root: Path, name: str) -> str | None:
    """``name`` as a normalised rootdir-relative POSIX path, or None when it leaves the root."""
    base = os.path.normpath(str(root))
    try:
        rel = os.path.relpath(os.path.normpath(os.path.join(base, name)), base)
    except ValueError:  # on another drive (Windows)
        return None
    if rel == "." or rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return None
    return Path(rel).as_posix()


def _read_table(path: Path, rel: str) -> str | Finding:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Finding(
            "G6G000",
            f"the deprecations file {rel} does not exist: create it with the table header "
            f"{EXPECTED_HEADER}, or set `file` in [tool.g6gov.deprecations]",
            rel,
        )
    except OSError as exc:
        return Finding("G6G000", f"cannot read the deprecations file {rel}: {exc}", rel)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return Finding(
            "G6G000",
            f"the deprecations file {rel} is not valid UTF-8 (byte {exc.start}): save it as UTF-8",
            rel,
            line,
        )


def _describe_removal(row: DeprecationRow, release: Version | None) -> str:
    if isinstance(row.removal, Version):
        how = "" if row.removal_text == str(row.removal) else f"{row.removal_text} = "
        return f"in {how}{row.removal} (the release is {release})"
    return f"on {row.removal}"


def is_overdue(row: DeprecationRow, today: date, release: Version | None) -> bool:
    """Past its planned removal: a date before today, or a version ≤ the release."""
    if row.status == "Removed" or row.removal is None:
        return False
    if isinstance(row.removal, Version):
        return release is not None and row.removal <= release
    return row.removal < today


def _overdue(
    rows: Iterable[DeprecationRow], today: date, release: Version | None, rel: str
) -> list[Finding]:
    return [
        Finding(
            "DEP002",
            f"{row.item} ({row.type}) was planned for removal {_describe_removal(row, release)} "
            f"but is still {row.status}: remove it and set its status to Removed, or move its "
            "Planned Removal later",
            rel,
            row.line,
        )
        for row in rows
        if is_overdue(row, today, release)
    ]


def _existing_files(root: Path, removed: Sequence[DeprecationRow], rel: str) -> list[Finding]:
    findings: list[Finding] = []
    for row in removed:
        if row.type != "file":
            continue
        target = _relative(root, row.term)
        if target is None or not os.path.lexists(root / target):
            continue
        findings.append(
            Finding(
                "DEP001",
                f"{row.item} (file) is marked Removed in {rel} but still exists: delete it, "
                "or restore the item's status",
                target,
            )
        )
    return findings


def _scanned_files(ctx: CheckContext, index: FileIndex, rel: str) -> list[str]:
    exclude = [
        rel,
        *ALWAYS_EXCLUDED,
        *(str(p) for p in ctx.options.get("exclude", [])),
        *sorted(ctx.never_scan),
    ]
    paths = [str(p) for p in ctx.options.get("paths", ["."])]
    return index.list(paths, exclude=exclude, suffixes=None)


def _needles(removed: Sequence[DeprecationRow]) -> list[_Needle]:
    groups: dict[tuple[bool, str], list[DeprecationRow]] = {}
    for row in removed:
        groups.setdefault((row.dotted, row.term), []).append(row)
    needles = []
    for (dotted, term), rows in sorted(groups.items()):
        raw = term.encode("utf-8", "surrogatepass")
        if dotted:
            parts = tuple(term.split("."))
            key = parts[-1].encode("utf-8", "surrogatepass")
            needles.append(_Needle(key, raw, dotted_word(raw), tuple(rows), parts))
        else:
            pattern = re.compile(_BEFORE + re.escape(raw) + _AFTER)
            needles.append(_Needle(raw, raw, pattern, tuple(rows)))
    return needles


class _Prefilter:
    """Cheap test whether a file may mention any key: word-set lookup, then substrings."""

    def __init__(self, needles: Sequence[_Needle]) -> None:
        self.words = frozenset(n.key for n in needles if set(n.key) <= WORD_BYTES)
        self.others = tuple(n.key for n in needles if n.key not in self.words)
        self.few = tuple(sorted(self.words)) if len(self.words) <= _SUBSTRING_LIMIT else None

    def __call__(self, data: bytes) -> bool:
        if any(key in data for key in self.others):
            return True
        if self.few is not None:
            return any(key in data for key in self.few)
        return not self.words.isdisjoint(data.translate(TO_WORDS).split())


def _is_text(data: bytes) -> bool:
    if data.find(b"\0", 0, BINARY_PROBE) != -1:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


Hits = list[tuple[int, int]]
"""(index of a needle, line of its first reference) for one file."""


def _text_hit(data: bytes, needle: _Needle) -> int | None:
    """The line of the needle's first whole-word occurrence in ``data``, if any."""
    if needle.term not in data:
        return None
    match = needle.pattern.search(data)
    return None if match is None else data.count(b"\n", 0, match.start()) + 1


def _first_hits(data: bytes, rel: str, needles: Sequence[_Needle]) -> Hits:
    """(needle index, line of its first reference) for every needle referenced in ``data``."""
    gate = PythonGate(data, rel) if rel.endswith(PYTHON_SUFFIXES) else None
    found: dict[int, int] = {}
    code: list[int] = []
    for i, needle in enumerate(needles):
        if needle.key not in data:
            continue
        if gate is not None and needle.parts is not None:
            if gate.may_reach(needle.parts):
                code.append(i)
            continue
        line = _text_hit(data, needle)
        if line is not None:
            found[i] = line
    if not (found or code) or not _is_text(data):
        return []
    if code:
        targets = [needles[i].parts or () for i in code]
        spelled = [needles[i].pattern for i in code]
        lines = python_references(data, rel, targets, spelled)
        if lines is None:  # does not parse: the text rule, as for any other text file
            lines = {}
            for j, i in enumerate(code):
                line = _text_hit(data, needles[i])
                if line is not None:
                    lines[j] = line
        found.update((code[j], line) for j, line in lines.items())
    return sorted(found.items())


def _reference(row: DeprecationRow, path: str, line: int, table: str) -> Finding:
    named = "" if row.term == row.item else f"{row.term} "
    return Finding(
        "DEP001",
        f"{row.item} ({row.type}) is marked Removed in {table} but {named or 'it '}is still "
        "referenced here: remove the remaining reference, or restore the item's status",
        path,
        line,
    )


def _decode_hits(value: Any) -> Hits | None:
    if not isinstance(value, list):
        return None
    hits: Hits = []
    for item in value:
        if not (isinstance(item, list) and len(item) == 2 and all(type(v) is int for v in item)):
            return None
        hits.append((item[0], item[1]))
    return hits


def _encode_hits(hits: Hits) -> list[list[int]]:
    return [[i, line] for i, line in hits]


def _file_hits(data: bytes, rel: str, needles: Sequence[_Needle], may_mention: _Prefilter) -> Hits:
    if not may_mention(data):
        return []
    return _first_hits(data, rel, needles)


def _cache_inputs(needles: Sequence[_Needle]) -> dict[str, Any]:
    """What a stored per-file result depends on besides the file and this module: the
    needles (their order gives the stored indices) and the reference rules' code."""
    ident = identity(dep_refs.__file__)
    return {
        "needles": [["dotted" if n.parts else "word", n.term.hex()] for n in needles],
        "rules": None if ident is None else list(ident[:2]),
    }


def scan_references(
    root: Path,
    files: Sequence[str],
    removed: Sequence[DeprecationRow],
    table: str,
    index: FileIndex | None = None,
    cache_dir: Path | None = None,
    stats: dict[str, Any] | None = None,
) -> list[Finding]:
    """DEP001 for every removed item referenced in ``files`` (rootdir-relative POSIX paths).

    With ``cache_dir``, a file unchanged since an earlier session is not read again: its
    hits for the same removed items come from the scan cache."""
    needles = _needles(removed)
    may_mention = _Prefilter(needles)
    reader = index if index is not None else FileIndex(root)
    inputs = _cache_inputs(needles)
    cache = open_cache(cache_dir, "deprecations", inputs, _decode_hits, _encode_hits, __file__)
    findings: list[Finding] = []
    for rel in files:
        ident = reader.identity(rel) if cache_dir is not None else None
        hits = cache.get(rel, ident)
        if hits is None:
            try:
                data = reader.read(rel)
            except (OSError, ValueError):  # vanished, unreadable, or an unusable name
                continue
            hits = _file_hits(data, rel, needles, may_mention)
            cache.put(rel, ident, hits)
        findings.extend(
            _reference(row, rel, line, table)
            for i, line in hits
            if 0 <= i < len(needles)
            for row in needles[i].rows
        )
    cache.finish(stats)
    return findings
