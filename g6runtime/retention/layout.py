"""The shape of a G6 CSV tree, as the retention guards understand it.

**The "looks like a G6 CSV tree" rule.** Pruning refuses a ``csv-dir`` unless every
*folder level* has exactly the shape the CSV sink writes (SPEC §2 "CSV layout"):

* ``csv-dir`` holds only INDEX folders (an upper-case symbol: ``[A-Z][A-Z0-9]*``,
  e.g. ``NIFTY``), the folder ``overview``, and retention's own dot-files
  (:data:`LOCK_NAME`, :data:`AUDIT_NAME`) and the CSV sink's (its writer lock and
  cycle journal, g6runtime/storage/journal.py); ``lost+found`` (a mount point) is
  tolerated and never entered;
* an INDEX folder holds only expiry-tag folders (``this_week next_week this_month
  next_month``); an expiry-tag folder holds only OFFSET folders (``0``, ``+100``,
  ``-50``: a signed integer, no leading zeros); ``overview`` holds only INDEX folders.

Any other entry at those levels (a file, an unknown name such as ``Documents`` or
``.bashrc``) means the root is not a G6 tree, and ``prune`` refuses before removing
anything. Symbolic links are allowed anywhere: they are reported, never followed
and never removed. A folder on another file system (a mount inside the tree) is
skipped in the same way. Inside the leaf folders (``<OFFSET>/`` and
``overview/<INDEX>/``) only regular files named ``YYYY-MM-DD.csv`` (a real
calendar date) are day-files; anything else there is reported as foreign and
left alone.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Final

from ..market.expiries import EXPIRY_RULES
from ..storage.journal import OWN_FILES as CSV_SINK_FILES

LOCK_NAME: Final = ".g6_retention.lock"
AUDIT_NAME: Final = ".g6_retention_audit.jsonl"
OWN_FILES: Final = frozenset({LOCK_NAME, AUDIT_NAME, *CSV_SINK_FILES})
TOLERATED: Final = frozenset({"lost+found"})
OVERVIEW: Final = "overview"
EXPIRY_TAGS: Final = frozenset(EXPIRY_RULES)

_INDEX = re.compile(r"[A-Z][A-Z0-9]{0,31}")
_OFFSET = re.compile(r"0|[+-][1-9][0-9]{0,8}")
_DAY_FILE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\.csv")

# Folder levels: what a child folder's name must look like, and the level it opens.
ROOT, INDEX_DIR, EXPIRY_DIR, OVERVIEW_DIR, LEAF = "root", "index", "expiry", "overview", "leaf"
EXPECTED: Final = {
    ROOT: "an INDEX folder (e.g. NIFTY) or 'overview'",
    INDEX_DIR: "an expiry-tag folder (this_week, next_week, this_month, next_month)",
    EXPIRY_DIR: "an OFFSET folder (a signed integer such as +100, -50 or 0)",
    OVERVIEW_DIR: "an INDEX folder (e.g. NIFTY)",
}


def child_level(level: str, name: str) -> str | None:
    """The level a child folder called ``name`` opens, or None when it does not belong."""
    if level == ROOT:
        if name == OVERVIEW:
            return OVERVIEW_DIR
        return INDEX_DIR if _INDEX.fullmatch(name) else None
    if level == INDEX_DIR:
        return EXPIRY_DIR if name in EXPIRY_TAGS else None
    if level == EXPIRY_DIR:
        return LEAF if _OFFSET.fullmatch(name) else None
    if level == OVERVIEW_DIR:
        return LEAF if _INDEX.fullmatch(name) else None
    return None


def day_of(name: str) -> str | None:
    """``'YYYY-MM-DD'`` when ``name`` is a day-file name with a real calendar date."""
    if not _DAY_FILE.fullmatch(name):
        return None
    try:
        date.fromisoformat(name[:10])
    except ValueError:
        return None
    return name[:10]


def cutoff_for(today: date, max_age_days: int) -> date:
    """Files dated strictly before the cutoff expire (``today - max_age_days``)."""
    if max_age_days < 0:
        raise ValueError(f"max_age_days must be >= 0, got {max_age_days}")
    try:
        return today - timedelta(days=max_age_days)
    except OverflowError:
        return date.min


def first_kept_day(today: date, cutoff: date, protect_today: bool) -> str:
    """The one rule of what expires: a day-file dated (as ISO text) before this goes.

    Files dated strictly before the cutoff expire; while ``protect_today`` holds, nothing
    dated today or later does either, whatever the cutoff. ``scan`` plans with it and
    ``prune`` re-checks each file against it just before the ``unlink``, so the two can
    never disagree on a file (ISO dates compare as text exactly as they do as dates).
    """
    limit = cutoff.isoformat()
    if protect_today:
        limit = min(limit, today.isoformat())
    return limit


def may_remove(day: str, today: date, cutoff: date, protect_today: bool) -> str | None:
    """The rule on one file's date: None when it may go, else why it must stay."""
    if day < first_kept_day(today, cutoff, protect_today):
        return None
    if not day < cutoff.isoformat():
        return f"dated {day}, not before the cutoff {cutoff}"
    return f"dated {day}, today or later (protect_today)"


def group_of(parts: tuple[str, ...]) -> tuple[str, str]:
    """(index, expiry) of a leaf folder's parts; overview files have expiry ``overview``."""
    if parts[0] == OVERVIEW:
        return parts[1], OVERVIEW
    return parts[0], parts[1]
