"""The one panel shape: ``{"schema_version", "panel", "generated_at", "cycle", "data"}``.

A panel is written to ``<panels-dir>/<panel>.json`` as UTF-8 JSON (two-space indent,
keys in envelope order, a final newline). Its ``cycle`` is in the envelope, not in
``data``, so a verifier can tell which cycle any panel file belongs to without knowing
that panel's data shape (that is how an interrupted cycle is named, see integrity.py).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .version import PANEL_SCHEMA_VERSION

#: The panels every cycle writes, in write order.
PANEL_NAMES: tuple[str, ...] = ("system", "indices", "analytics", "storage", "resilience")
MANIFEST_NAME = "manifest.json"
#: A panel or listed file name: no folders, no hidden files, always ``.json``.
FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}\.json")


def file_name(panel: str) -> str:
    return f"{panel}.json"


def iso(ts: datetime) -> str:
    """ISO 8601 with its UTC offset, to the second (``2026-11-26T09:15:00+05:30``)."""
    from ..market.calendar import IST

    if ts.tzinfo is None:
        raise ValueError("panel timestamps must be timezone-aware")
    return ts.astimezone(IST).isoformat(timespec="seconds")


def envelope(panel: str, cycle: int, generated_at: str, data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "schema_version": PANEL_SCHEMA_VERSION,
        "panel": panel,
        "generated_at": generated_at,
        "cycle": cycle,
        "data": dict(data),
    }


def encode(document: Mapping[str, Any]) -> bytes:
    """The exact bytes written for a panel (NaN and infinity are refused: not JSON)."""
    return (json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode(
        "utf-8"
    )


def num(value: float | None, digits: int) -> float | None:
    """A float rounded for display and diffing; None for a missing or non-finite value."""
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)
