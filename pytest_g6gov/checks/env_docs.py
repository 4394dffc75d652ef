"""The ``env_docs`` check (SPEC §1): env vars used in code and their entries in the env doc.

ENV001/ENV004 come from the doc alone (:mod:`.env_doc_parser`); ENV002 (used, no entry)
and ENV003 (entry, never used) compare the doc with the string literals of the
``sources`` folders' Python files (:mod:`.env_sources`).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..findings import Finding, InputError
from . import CheckContext
from .env_doc_parser import (
    EnvDoc,
    EnvEntry,
    as_prefixes,
    family_pattern,
    heads_compatible,
    parse_env_doc,
)
from .env_sources import SourceUses, scan_sources
from .keysets import ENV_DOCS_KEYS

__all__ = ["EnvDocsOptions", "read_doc", "run"]


@dataclass(frozen=True)
class EnvDocsOptions:
    doc: str
    prefixes: tuple[str, ...]  # ``prefix``: one string or a list of them
    sources: tuple[str, ...]
    allow: tuple[str, ...]

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any]) -> EnvDocsOptions:
        """Validated options (see config.py); a missing key takes its documented default."""
        keys = ENV_DOCS_KEYS

        def get(key: str) -> Any:
            return options.get(key, keys[key].default)

        doc = posixpath.normpath(str(get("doc")).replace("\\", "/"))
        prefix = get("prefix")
        prefixes = as_prefixes(prefix if isinstance(prefix, str) else [str(p) for p in prefix])
        return cls(doc, prefixes, tuple(get("sources")), tuple(get("allow")))


def read_doc(root: Path, rel: str) -> str:
    """The env doc's text; InputError (→ G6G000) when it is missing, unreadable or not UTF-8."""
    try:
        data = (root / rel).read_bytes()
    except FileNotFoundError:
        raise InputError(
            rel, None, f"env doc {rel} does not exist: create it or set [tool.g6gov.env_docs] doc"
        ) from None
    except OSError as exc:
        raise InputError(rel, None, f"cannot read env doc {rel}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        message = f"env doc {rel} is not valid UTF-8 (byte {exc.start}: {exc.reason})"
        raise InputError(rel, line, message) from None


@dataclass(frozen=True)
class _Allow:
    """The ``allow`` list: exact names and, written with placeholders, families."""

    names: frozenset[str]
    families: tuple[EnvEntry, ...]

    @classmethod
    def parse(cls, items: Sequence[str]) -> _Allow:
        families = tuple(EnvEntry(i, 0, p) for i in items if (p := family_pattern(i)) is not None)
        return cls(frozenset(items), families)

    def covers_name(self, name: str) -> bool:
        return name in self.names or any(_matches(f, name) for f in self.families)

    def covers_head(self, head: str) -> bool:
        return any(heads_compatible(head, f.head) for f in self.families)

    def covers_entry(self, entry: EnvEntry) -> bool:
        if entry.is_family:
            return any(f.key == entry.key for f in self.families)
        return self.covers_name(entry.name)


def _matches(family: EnvEntry, name: str) -> bool:
    return family.pattern is not None and family.pattern.fullmatch(name) is not None


def _undocumented(doc: EnvDoc, uses: SourceUses, allow: _Allow, doc_rel: str) -> Iterator[Finding]:
    exact, families = doc.exact, doc.families
    for name, (path, line) in uses.names.items():
        if name in exact or allow.covers_name(name) or any(_matches(f, name) for f in families):
            continue
        fix = f"add an entry `- {name} – type – default – description` to {doc_rel}"
        yield Finding(
            "ENV002", f"{name} is used in code but has no entry in {doc_rel}: {fix}", path, line
        )
    for head, (path, line) in uses.heads.items():
        if allow.covers_head(head) or any(heads_compatible(head, f.head) for f in families):
            continue
        fix = f"add a family entry `- {head}<NAME> – type – default – description` to {doc_rel}"
        message = f"{head}{{...}} is built in code but no family in {doc_rel} matches it: {fix}"
        yield Finding("ENV002", message, path, line)


def _is_used(entry: EnvEntry, uses: SourceUses) -> bool:
    if not entry.is_family:
        return entry.name in uses.names
    return any(_matches(entry, n) for n in uses.names) or any(
        heads_compatible(h, entry.head) for h in uses.heads
    )


def _stale(doc: EnvDoc, uses: SourceUses, allow: _Allow, doc_rel: str) -> Iterator[Finding]:
    for entry in doc.entries:
        if allow.covers_entry(entry) or _is_used(entry, uses):
            continue
        what = (
            "no name or f-string in code matches the family"
            if entry.is_family
            else "no code uses it"
        )
        message = (
            f"{entry.name} has an entry in {doc_rel} but {what}:"
            " remove the entry, or add the name to [tool.g6gov.env_docs] allow"
        )
        yield Finding("ENV003", message, doc_rel, entry.line)


def _sort_key(finding: Finding) -> tuple[str, int, str, str]:
    return (finding.path or "", finding.line or 0, finding.code, finding.message)


def run(ctx: CheckContext) -> list[Finding]:
    """ENV001–ENV004 (and G6G000 for unreadable inputs), sorted by path, line, code, message."""
    opts = EnvDocsOptions.from_mapping(ctx.options)
    try:
        text = read_doc(ctx.root, opts.doc)
    except InputError as exc:
        return [exc.finding()]
    doc = parse_env_doc(text, opts.doc, opts.prefixes)
    uses = scan_sources(
        ctx.root,
        opts.sources,
        opts.prefixes,
        sorted(ctx.never_scan),
        ctx.file_index(),
        ctx.cache_dir,
        ctx.stats,
    )
    allow = _Allow.parse(opts.allow)
    findings = [
        *doc.findings,
        *uses.errors,
        *_undocumented(doc, uses, allow, opts.doc),
        *_stale(doc, uses, allow, opts.doc),
    ]
    return sorted(findings, key=_sort_key)
