"""The env doc (SPEC §1 "Env doc"): Markdown bullets → entries, duplicates, malformed lines.

An entry is a bullet line ``- G6_NAME – type – default – description`` (separator
`` – `` or `` - ``, the name optionally in backticks). A bullet whose first token
starts with the prefix (or one of the prefixes) but that is not such a line is
malformed (ENV004). Every
other line is prose: names mentioned there, or in an entry's description, are
cross-references, not entries. Fenced code blocks are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..findings import Finding

#: Characters a placeholder stands for, and that may follow the prefix in a name.
NAME_CHARS = "[A-Z0-9_]"
_PLACEHOLDER = re.compile(r"<[^<>]*>")
_BULLET = re.compile(r"[ \t]*[-*][ \t]+(.*)")
_SEPARATOR = re.compile(r"\s+[–-]\s+")
_FENCE = re.compile(r"[ \t]*(`{3,}|~{3,})")
_PARTS = ("name", "type", "default", "description")

Prefixes = str | Sequence[str]
"""``[tool.g6gov.env_docs] prefix``: one prefix, or several."""


def as_prefixes(prefix: Prefixes) -> tuple[str, ...]:
    """The prefixes, longest first (so the longest one that matches is the one named)."""
    items = (prefix,) if isinstance(prefix, str) else tuple(prefix)
    return tuple(sorted(dict.fromkeys(items), key=len, reverse=True))


def prefix_regex(prefix: Prefixes) -> str:
    """A regular expression matching any of the prefixes."""
    return "(?:" + "|".join(re.escape(p) for p in as_prefixes(prefix)) + ")"


@dataclass(frozen=True)
class EnvEntry:
    """One documented name, or one family of names when it has ``<PLACEHOLDER>`` parts."""

    name: str
    line: int
    pattern: re.Pattern[str] | None = None

    @property
    def is_family(self) -> bool:
        return self.pattern is not None

    @property
    def head(self) -> str:
        """The literal text before the first placeholder (the whole name for an exact entry)."""
        return self.name.split("<", 1)[0]

    @property
    def key(self) -> str:
        """Identity for duplicate detection: placeholder names do not matter."""
        return family_key(self.name)


@dataclass
class EnvDoc:
    """A parsed env doc: its entries (first of each name) and its ENV001/ENV004 findings."""

    entries: list[EnvEntry] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def exact(self) -> dict[str, EnvEntry]:
        return {e.name: e for e in self.entries if not e.is_family}

    @property
    def families(self) -> list[EnvEntry]:
        return [e for e in self.entries if e.is_family]


def family_key(name: str) -> str:
    """``G6_STEP_<INDEX>`` and ``G6_STEP_<I>`` document the same family."""
    return _PLACEHOLDER.sub("<>", name)


def name_regex(prefix: Prefixes) -> re.Pattern[str]:
    """A valid entry name: a prefix, then upper snake case, maybe with ``<PLACEHOLDER>`` parts."""
    return re.compile(prefix_regex(prefix) + rf"(?:{NAME_CHARS}|<[A-Za-z0-9_]+>)+")


def family_pattern(name: str) -> re.Pattern[str] | None:
    """What a family's names match (a placeholder is one or more [A-Z0-9_]); None if exact."""
    pieces = _PLACEHOLDER.split(name)
    if len(pieces) == 1:
        return None
    return re.compile(f"{NAME_CHARS}+".join(re.escape(p) for p in pieces))


def heads_compatible(head: str, family_head: str) -> bool:
    """Whether an f-string whose literal head is ``head`` can build a name of the family."""
    return head.startswith(family_head) or family_head.startswith(head)


def _expected(prefix: str) -> str:
    return f"expected `- {prefix}NAME – type – default – description` (separator ' – ' or ' - ')"


def _strip_backticks(raw: str) -> str | None:
    """The name inside optional backticks; None when the backticks do not pair up."""
    if not raw.startswith("`"):
        return raw if "`" not in raw else None
    if len(raw) < 2 or not raw.endswith("`"):
        return None
    inner = raw[1:-1]
    return inner if "`" not in inner else None


def _entry_problem(parts: list[str], names: re.Pattern[str], prefix: str) -> str | None:
    """What is wrong with an entry's parts, or None when it is well formed."""
    if len(parts) < len(_PARTS):
        shown = (parts[0].split() or [""])[0]
        missing = ", ".join(_PARTS[len(parts) :])
        return f"entry {shown} has {len(parts)} of 4 parts (missing {missing}); {_expected(prefix)}"
    name = _strip_backticks(parts[0])
    if name is None:
        return f"unbalanced backticks around the name {parts[0]!r}; {_expected(prefix)}"
    if not names.fullmatch(name):
        return (
            f"{name!r} is not a valid name: write {prefix} followed by upper-case letters,"
            f" digits and underscores (placeholders as <INDEX>); {_expected(prefix)}"
        )
    return None


class _Parser:
    def __init__(self, path: str, prefix: Prefixes) -> None:
        self.path = path
        self.prefixes = as_prefixes(prefix)
        self.names = name_regex(self.prefixes)
        self.doc = EnvDoc()
        self.first: dict[str, EnvEntry] = {}
        self.fence: str | None = None

    def feed(self, number: int, line: str) -> None:
        if self._in_fence(line):
            return
        bullet = _BULLET.fullmatch(line)
        if bullet is None:
            return
        rest = bullet.group(1).strip()
        name = rest.lstrip("`")
        prefix = next((p for p in self.prefixes if name.startswith(p)), None)
        if prefix is not None:
            self._entry(number, rest, prefix)

    def _in_fence(self, line: str) -> bool:
        """Track fenced code blocks; True for fence lines and the lines inside them."""
        match = _FENCE.match(line)
        if self.fence is None:
            if match is None:
                return False
            self.fence = match.group(1)
            return True
        if match is None:
            return True
        run, rest = match.group(1), line[match.end() :]
        if run[0] == self.fence[0] and len(run) >= len(self.fence) and not rest.strip():
            self.fence = None
        return True

    def _entry(self, number: int, rest: str, prefix: str) -> None:
        """An entry line whose name starts with ``prefix`` (named in its ENV004 message)."""
        parts = [p.strip() for p in _SEPARATOR.split(rest, maxsplit=len(_PARTS) - 1)]
        problem = _entry_problem(parts, self.names, prefix)
        if problem is not None:
            self.doc.findings.append(Finding("ENV004", problem, self.path, number))
            return
        name = parts[0].strip("`")
        entry = EnvEntry(name, number, family_pattern(name))
        first = self.first.get(entry.key)
        if first is not None:
            same = "" if first.name == name else f", {first.name},"
            message = (
                f"{name} has a second entry (the first{same} is at line {first.line});"
                " keep one entry per name and remove this one"
            )
            self.doc.findings.append(Finding("ENV001", message, self.path, number))
            return
        self.first[entry.key] = entry
        self.doc.entries.append(entry)


def parse_env_doc(text: str, path: str, prefix: Prefixes) -> EnvDoc:
    """Parse the env doc's text; ``path`` (rootdir-relative POSIX) goes into the findings.

    Never raises for any text: malformed lines become ENV004, duplicates ENV001.
    """
    parser = _Parser(path, prefix)
    for number, line in enumerate(text.split("\n"), start=1):
        parser.feed(number, line.rstrip("\r"))
    return parser.doc
