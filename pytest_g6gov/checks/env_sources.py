"""What the ``env_docs`` check reads from Python sources: the prefixed names used.

Every str literal that is exactly a prefixed name (``"G6_X"``) is a use, and every
f-string whose literal head starts with the prefix (``f"G6_X_{n}"``) is a use of
its head, each with its first site. With several prefixes (``prefix = ["G6_", "APP_"]``)
a name or head with any of them counts.

Speed: a file is parsed only when its bytes hold a quote followed by a prefix
(``"G6_`` or ``'G6_``): every literal that is exactly a prefixed name, and every
f-string whose head starts with a prefix, has one. (A name spelt with escape
sequences, or split across implicitly concatenated literals before the end of the
prefix, is not seen.) Files skipped that way are not syntax-checked either. In a
file that is parsed, only the statements and expressions whose lines (decorators
included) hold such a quote are walked. With a cache folder, a file unchanged since
an earlier session is not read at all (:mod:`..scan_cache`).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..findings import Finding
from ..scan import FileIndex
from ..scan_cache import ScanCache, open_cache
from .ast_spans import spans
from .env_doc_parser import Prefixes, as_prefixes, prefix_regex

Site = tuple[str, int]
"""Where a name is used: rootdir-relative POSIX path and 1-based line."""


@dataclass
class SourceUses:
    """What the sources use, each name (or f-string head) with its first site."""

    names: dict[str, Site] = field(default_factory=dict)
    heads: dict[str, Site] = field(default_factory=dict)
    errors: list[Finding] = field(default_factory=list)

    def add_name(self, name: str, site: Site) -> None:
        _keep_first(self.names, name, site)

    def add_head(self, head: str, site: Site) -> None:
        _keep_first(self.heads, head, site)


@dataclass
class FileUses:
    """One file's uses: (name, line) and (f-string head, line), or why it could not be
    parsed: (message, line) of its G6G000 finding."""

    names: list[tuple[str, int]] = field(default_factory=list)
    heads: list[tuple[str, int]] = field(default_factory=list)
    error: tuple[str, int | None] | None = None

    def add_to(self, rel: str, uses: SourceUses) -> None:
        for name, line in self.names:
            uses.add_name(name, (rel, line))
        for head, line in self.heads:
            uses.add_head(head, (rel, line))
        if self.error is not None:
            uses.errors.append(Finding("G6G000", self.error[0], rel, self.error[1]))

    def encode(self) -> list[Any]:
        if not self.names and not self.heads and self.error is None:
            return []  # most files: nothing used
        error = None if self.error is None else list(self.error)
        return [[list(n) for n in self.names], [list(h) for h in self.heads], error]

    @classmethod
    def decode(cls, value: Any) -> FileUses | None:
        """From :meth:`encode`'s JSON; None when the stored value has another shape."""
        if value == []:
            return cls()
        if not (isinstance(value, list) and len(value) == 3):
            return None
        names, heads = _pairs(value[0]), _pairs(value[1])
        error = value[2]
        if names is None or heads is None:
            return None
        if error is None:
            return cls(names, heads)
        if not (isinstance(error, list) and len(error) == 2 and isinstance(error[0], str)):
            return None
        if error[1] is not None and type(error[1]) is not int:
            return None
        return cls(names, heads, (error[0], error[1]))


def _pairs(value: Any) -> list[tuple[str, int]] | None:
    if not isinstance(value, list):
        return None
    out = []
    for item in value:
        if not (isinstance(item, list) and len(item) == 2):
            return None
        text, line = item
        if not isinstance(text, str) or type(line) is not int:
            return None
        out.append((text, line))
    return out


def _keep_first(found: dict[str, Site], key: str, site: Site) -> None:
    first = found.get(key)
    if first is None or site < first:
        found[key] = site


class SourceScanner:
    """Finds the prefixed names used in Python sources; regexes compiled once per prefix list."""

    def __init__(self, prefix: Prefixes) -> None:
        self.prefixes = as_prefixes(prefix)
        alternatives = prefix_regex(self.prefixes)
        self.name = re.compile(alternatives + "[A-Z0-9_]+")
        self.head = re.compile(alternatives + "[A-Z0-9_]*")
        raw = b"|".join(re.escape(p.encode("utf-8")) for p in self.prefixes)
        raw = raw if len(self.prefixes) == 1 else b"(?:" + raw + b")"
        # sre scans for a literal's first byte (rare in most text, e.g. "G"), which beats
        # ``bytes in`` on a short needle ending in a common byte (``_``): 0.08 s vs 0.13 s
        # over 112 MB of site-packages (benchmarks/bench_static_scan.py)
        self._quick = re.compile(raw)
        self._candidate = (
            re.compile(rb"[\"']" + raw + rb"[A-Z0-9_]*[\"'{\\]")
            if all(p.isascii() for p in self.prefixes)
            else None
        )

    @property
    def prefix(self) -> str:
        """The prefixes as written in messages (the one prefix, when there is one)."""
        return ", ".join(self.prefixes)

    def might_use(self, data: bytes) -> bool:
        """Cheap test: False only when no literal in ``data`` can be a prefixed name."""
        if self._quick.search(data) is None:
            return False
        return self._candidate is None or self._candidate.search(data) is not None

    def scan(self, data: bytes, rel: str) -> FileUses:
        """The uses in one file's bytes, or the G6G000 finding when it cannot be parsed."""
        uses = FileUses()
        if not self.might_use(data):
            return uses
        try:
            tree = ast.parse(data, filename=rel)
        except SyntaxError as exc:  # also bad encodings and NUL bytes
            uses.error = (f"cannot parse {rel}: {exc.msg}", exc.lineno)
            return uses
        # NUL bytes on older Pythons; MemoryError/RecursionError: nesting too deep to parse
        except (ValueError, RecursionError, MemoryError) as exc:
            message = f"cannot parse {rel}: {type(exc).__name__}: {exc}"
            uses.error = (message, None)
            return uses
        self._walk(tree, uses, self._candidate_lines(data))
        return uses

    def _candidate_lines(self, data: bytes) -> list[int] | None:
        """The lines where a literal can start a prefixed name (None: no pre-test)."""
        if self._candidate is None:
            return None
        lines, line, pos = [], 1, 0
        for match in self._candidate.finditer(data):
            line += data.count(b"\n", pos, match.start())
            pos = match.start()
            lines.append(line)
        return lines

    def _walk(self, tree: ast.AST, uses: FileUses, lines: list[int] | None) -> None:
        """Every str constant and f-string under ``tree``; with ``lines``, subtrees whose
        span holds none of those lines are skipped (a literal spelling a prefixed name
        starts on one of them, see :meth:`might_use`)."""
        prefix = self.prefixes
        stack: list[object] = [tree]
        while stack:
            node = stack.pop()
            if type(node) is ast.Constant:
                value = node.value
                if type(value) is str and value.startswith(prefix):
                    self._literal(value, node.lineno, uses)
            elif type(node) is ast.JoinedStr:
                self._fstring(node, uses)
                for part in node.values:  # no pruning inside: old Pythons misplace these
                    if type(part) is not ast.Constant:
                        self._walk(part, uses, None)
            elif isinstance(node, ast.AST):
                if lines is not None and not spans(node, lines):
                    continue
                for name in node._fields:
                    value = getattr(node, name, None)
                    if type(value) is list:
                        stack.extend(value)
                    elif isinstance(value, ast.AST):
                        stack.append(value)

    def _literal(self, value: str, line: int, uses: FileUses) -> None:
        if self.name.fullmatch(value):
            uses.names.append((value, line))

    def _fstring(self, node: ast.JoinedStr, uses: FileUses) -> None:
        parts = node.values
        if all(type(p) is ast.Constant for p in parts):  # f"G6_X": a plain literal
            text = "".join(str(p.value) for p in parts if type(p) is ast.Constant)
            self._literal(text, node.lineno, uses)
            return
        first = parts[0]
        if type(first) is ast.Constant and isinstance(first.value, str):
            head = first.value
            if head.startswith(self.prefixes) and self.head.fullmatch(head):
                uses.heads.append((head, node.lineno))


def scan_sources(
    root: Path,
    sources: Sequence[str],
    prefix: Prefixes,
    exclude: Sequence[str] = (),
    files: FileIndex | None = None,
    cache_dir: Path | None = None,
    stats: dict[str, Any] | None = None,
) -> SourceUses:
    """The prefixed names used in the ``*.py`` files under ``sources`` (relative to root).

    With ``cache_dir``, a file unchanged since an earlier session with the same prefixes
    is not read or parsed again: its uses come from the scan cache."""
    scanner = SourceScanner(prefix)
    prefixes = sorted(scanner.prefixes)  # the cache key: the list's order changes no result
    inputs: str | list[str] = prefixes[0] if len(prefixes) == 1 else prefixes
    uses = SourceUses()
    existing = []
    for folder in sources:
        if (root / folder).exists():
            existing.append(folder)
        else:
            message = f"sources folder {folder!r} does not exist: fix [tool.g6gov.env_docs] sources"
            uses.errors.append(Finding("G6G000", message))
    index = files if files is not None else FileIndex(root)
    rels = index.list(existing, exclude=exclude, suffixes=(".py",))
    cache: ScanCache[FileUses] = open_cache(
        cache_dir, "env_docs", inputs, FileUses.decode, FileUses.encode, __file__
    )
    for rel in rels:
        ident = index.identity(rel) if cache_dir is not None else None
        cached = cache.get(rel, ident)
        if cached is not None:
            cached.add_to(rel, uses)
            continue
        try:
            data = index.read(rel)
        except OSError as exc:
            uses.errors.append(Finding("G6G000", f"cannot read {rel}: {exc.strerror or exc}", rel))
            continue
        found = scanner.scan(data, rel)
        cache.put(rel, ident, found)
        found.add_to(rel, uses)
    cache.finish(stats)
    return uses
