"""The deprecations table (SPEC §1 "Deprecations"): Markdown text → rows plus DEP003 findings.

The parser never raises on text it can read: every malformed row, cell or
header becomes one ``DEP003`` finding at its line, and the row is left out. A
finding about a row names its item and the column at fault. Extra columns after
``Notes`` are allowed (a row may leave them out); Planned Removal may be ``TBD``.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from datetime import date

from packaging.version import Version

from ..findings import Finding

COLUMNS: tuple[str, ...] = (
    "Item",
    "Type",
    "Status",
    "Deprecated Since",
    "Planned Removal",
    "Replacement",
    "Notes",
)
EXPECTED_HEADER = "| " + " | ".join(COLUMNS) + " |"
TYPES: tuple[str, ...] = (
    "module",
    "function",
    "class",
    "attribute",
    "env",
    "cli",
    "metric",
    "config",
    "file",
)
STATUSES: tuple[str, ...] = ("Active", "Pending Removal", "Removed")
UNDECIDED = "TBD"

Schedule = date | Version

_PIPE = re.compile(r"(?<!\\)\|")
_SEPARATOR_CELL = re.compile(r":?-+:?")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_RELATIVE = re.compile(r"R\+([0-9]+)")
_WORD_CHAR = re.compile(r"[A-Za-z0-9_]")
_SHOW_MAX = 60


@dataclass(frozen=True)
class DeprecationRow:
    """One well-formed row; ``removal`` is None when no removal is planned."""

    item: str
    type: str
    status: str
    since: Schedule
    removal: Schedule | None
    replacement: str
    notes: str
    line: int
    removal_text: str = ""
    extra: tuple[str, ...] = ()

    @property
    def term(self) -> str:
        """What a reference names: the normalised path for a file, else the item itself."""
        return reference_term(self.item, self.type)

    @property
    def dotted(self) -> bool:
        """A dotted path (``pkg.mod.name``): referenced by imports and its full path."""
        return is_dotted(self.item, self.type)


@dataclass(frozen=True)
class DeprecationTable:
    rows: tuple[DeprecationRow, ...]
    findings: tuple[Finding, ...]
    header_line: int | None


def reference_term(item: str, kind: str) -> str:
    """The text a reference to ``item`` names: its normalised path for a file, else itself."""
    if kind == "file":
        path = posixpath.normpath(item.strip()) if item.strip() else ""
        return "" if path == "." else path
    return item


def is_dotted(item: str, kind: str) -> bool:
    return kind != "file" and "." in item


def search_key(item: str, kind: str) -> str:
    """Text every reference to ``item`` contains: the last component of a dotted path
    (an import ``from a.b import c`` does not spell ``a.b.c``), else the whole term."""
    if is_dotted(item, kind):
        return item.rsplit(".", 1)[-1]
    return reference_term(item, kind)


def _show(value: str) -> str:
    short = value if len(value) <= _SHOW_MAX else value[: _SHOW_MAX - 1] + "…"
    return repr(short)


def _split_lines(text: str) -> list[str]:
    text = text.removeprefix("\ufeff")
    return [line.removesuffix("\r") for line in text.split("\n")]


def _cells(line: str) -> list[str] | None:
    """The cells of a Markdown table line (escaped pipes kept), or None for a non-table line."""
    stripped = line.strip()
    if not stripped.startswith("|"):
        return None
    body = stripped[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    return [cell.strip().replace("\\|", "|") for cell in _PIPE.split(body)]


def _is_header(cells: list[str] | None) -> bool:
    """The required columns in order; any further columns may follow ``Notes``."""
    if cells is None or len(cells) < len(COLUMNS):
        return False
    return tuple(" ".join(c.split()) for c in cells[: len(COLUMNS)]) == COLUMNS


def _is_separator(cells: list[str]) -> bool:
    return all(_SEPARATOR_CELL.fullmatch(c) for c in cells)


def _dep003(path: str, line: int, message: str) -> Finding:
    return Finding("DEP003", message, path, line)


def _unquoted(raw: str) -> str:
    return raw[1:-1].strip() if len(raw) >= 2 and raw[0] == raw[-1] == "`" else raw


def _label(raw: str) -> str:
    """How a row's finding names its item: `` `old.api` ``, or the raw cell when odd."""
    item = _unquoted(raw)
    if not raw:
        return "a row without an item"
    return f"`{item}`" if item and "`" not in item else _show(raw)


def _missing_header(lines: list[str], path: str) -> Finding:
    for number, line in enumerate(lines, start=1):
        cells = _cells(line)
        if cells and cells[0].strip("` ").lower() == "item":
            return _dep003(
                path,
                number,
                f"the deprecations table header is {_show(line.strip())}; "
                f"write exactly {EXPECTED_HEADER}",
            )
    return _dep003(
        path,
        1,
        f"no deprecations table found: add a Markdown table with the header {EXPECTED_HEADER} "
        "followed by a separator row |---|---|---|---|---|---|---|",
    )


def _parse_date_or_version(value: str) -> Schedule | None:
    if _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    if not value or value != value.strip():
        return None
    try:
        return Version(value)
    except ValueError:  # InvalidVersion, or an integer too long to convert
        return None


def _minor_bump(since: Version, steps: int) -> Version | None:
    major = since.release[0]
    minor = since.release[1] if len(since.release) > 1 else 0
    epoch = f"{since.epoch}!" if since.epoch else ""
    try:
        return Version(f"{epoch}{major}.{minor + steps}.0")
    except ValueError:  # absurdly long numbers
        return None


class _RowParser:
    """Validates one row's cells; collects one DEP003 message per bad cell."""

    def __init__(self, cells: list[str]) -> None:
        self.cells = dict(zip(COLUMNS, cells[: len(COLUMNS)], strict=True))
        self.errors: list[str] = []

    def item(self) -> str:
        raw = self.cells["Item"]
        item = _unquoted(raw)
        if not item or "`" in item:
            self.errors.append(
                f"Item {_show(raw)} must be an identifier, dotted path, env var or file path "
                "(optionally in backticks)"
            )
        return item

    def choice(self, column: str, accepted: tuple[str, ...]) -> str:
        value = " ".join(self.cells[column].split())
        if value not in accepted:
            self.errors.append(
                f"{column} {_show(self.cells[column])} is not one of {', '.join(accepted)}"
            )
        return value

    def since(self) -> Schedule | None:
        value = self.cells["Deprecated Since"]
        parsed = _parse_date_or_version(value)
        if parsed is None:
            self.errors.append(
                f"Deprecated Since {_show(value)} is neither an ISO date "
                "(YYYY-MM-DD, e.g. 2026-03-01) nor a PEP 440 version (e.g. 1.4.0)"
            )
        return parsed

    def removal(self, since: Schedule | None) -> Schedule | None:
        value = self.cells["Planned Removal"]
        relative = _RELATIVE.fullmatch(value)
        if relative is not None:
            return self._relative(value, relative.group(1), since)
        if not value or value == UNDECIDED:
            return None
        parsed = _parse_date_or_version(value)
        if parsed is None:
            self.errors.append(
                f"Planned Removal {_show(value)} is not an ISO date (YYYY-MM-DD), a PEP 440 "
                "version (e.g. 1.6.0), R+N (N minor releases after Deprecated Since), "
                f"{UNDECIDED} or empty"
            )
        return parsed

    def _relative(self, value: str, digits: str, since: Schedule | None) -> Version | None:
        if since is None:  # already reported on Deprecated Since
            return None
        if not isinstance(since, Version):
            self.errors.append(
                f"Planned Removal {_show(value)} counts minor releases after Deprecated Since, "
                f"which is a date ({since.isoformat()}): write a version in Deprecated Since, "
                "or a date or version in Planned Removal"
            )
            return None
        steps = int(digits) if len(digits) <= 6 else 0
        if steps < 1:
            self.errors.append(
                f"Planned Removal {_show(value)}: N in R+N must be a whole number from 1 to "
                "999999 (minor releases after Deprecated Since)"
            )
            return None
        bumped = _minor_bump(since, steps)
        if bumped is None:
            self.errors.append(
                f"Planned Removal {_show(value)}: cannot add {steps} minor releases to "
                f"{_show(str(since))}; write the removal version explicitly"
            )
        return bumped

    def check_term(self, item: str, kind: str) -> None:
        if item and kind in TYPES and not _WORD_CHAR.search(search_key(item, kind)):
            self.errors.append(
                f"Item {_show(item)} has no name to search for: write the full identifier, "
                "dotted path, env var or file path"
            )


def _parse_row(
    cells: list[str], line: int, path: str, width: int
) -> tuple[DeprecationRow | None, list[Finding]]:
    """One data row of a table whose header has ``width`` columns (7 or more)."""
    label = _label(cells[0]) if cells else "a row without an item"
    if not len(COLUMNS) <= len(cells) <= width:
        extra = width > len(COLUMNS)
        expected = f"{len(COLUMNS)} to {width}" if extra else str(width)
        fix = (
            "add the missing cells (they may be empty)"
            if len(cells) < len(COLUMNS)
            else "remove the extra cells, or escape a literal | as \\|"
        )
        columns = " | ".join(COLUMNS) + (", then the extra columns" if extra else "")
        message = f"{label}: row has {len(cells)} cells, expected {expected} ({columns}): {fix}"
        return None, [_dep003(path, line, message)]
    parser = _RowParser(cells)
    item = parser.item()
    kind = parser.choice("Type", TYPES)
    status = parser.choice("Status", STATUSES)
    since = parser.since()
    removal = parser.removal(since)
    parser.check_term(item, kind)
    if parser.errors or since is None:
        return None, [_dep003(path, line, f"{label}: {message}") for message in parser.errors]
    row = DeprecationRow(
        item=item,
        type=kind,
        status=status,
        since=since,
        removal=removal,
        replacement=cells[5],
        notes=cells[6],
        line=line,
        removal_text=cells[4],
        extra=tuple(cells[len(COLUMNS) :]),
    )
    return row, []


def _separator_findings(
    lines: list[str], header: int, path: str, width: int
) -> tuple[int, list[Finding]]:
    """Index of the first data line, and a DEP003 when the separator row is missing or wrong."""
    index = header + 1
    cells = _cells(lines[index]) if index < len(lines) else None
    if cells is not None and _is_separator(cells):
        if len(cells) == width:
            return index + 1, []
        message = f"the separator row has {len(cells)} cells, expected {width} (one per column)"
        return index + 1, [_dep003(path, index + 1, message)]
    line = index + 1 if index < len(lines) else header + 1
    separator = "|" + "---|" * width
    message = f"the header must be followed by the separator row {separator}"
    return index, [_dep003(path, line, message)]


def parse_deprecations(text: str, path: str) -> DeprecationTable:
    """Parse the one deprecations table in ``text``; ``path`` is used for the findings."""
    lines = _split_lines(text)
    header = next((i for i, line in enumerate(lines) if _is_header(_cells(line))), None)
    if header is None:
        return DeprecationTable((), (_missing_header(lines, path),), None)
    width = len(_cells(lines[header]) or ())
    index, findings = _separator_findings(lines, header, path, width)
    rows: list[DeprecationRow] = []
    while index < len(lines):
        cells = _cells(lines[index])
        if cells is None:
            break
        row, problems = _parse_row(cells, index + 1, path, width)
        findings.extend(problems)
        if row is not None:
            rows.append(row)
        index += 1
    findings.extend(
        _dep003(path, i + 1, "a second deprecations table: keep every row in the first table")
        for i in range(index, len(lines))
        if _is_header(_cells(lines[i]))
    )
    return DeprecationTable(tuple(rows), tuple(findings), header + 1)
