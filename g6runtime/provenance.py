"""What a running g6 is: its version, its Python, and a hash of its effective settings.

``config_hash`` is the first 12 hex digits of the sha256 of the settings serialised as
canonical JSON (sorted keys, no spaces) with every secret left out: a field declared
``repr=False`` in :mod:`g6runtime.config` (the HMAC key, the Influx password, the Kite
secret and token) is written as ``true``/``false`` (set or not), never its value. Two
processes with the same effective settings show the same hash, whatever the order of
their sets or the source of each value; any change of a non-secret setting changes it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import platform
from collections.abc import Mapping
from datetime import date
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config import Settings

__all__ = ["HASH_DIGITS", "build_labels", "config_hash", "public_settings"]

HASH_DIGITS = 12


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            out[f.name] = (item is not None) if not f.repr else _plain(item)
        return out
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, frozenset | set):
        return sorted(_plain(v) for v in value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, PurePath | date):
        return str(value)
    return value


def public_settings(settings: Settings) -> dict[str, Any]:
    """``settings`` as plain JSON values, secrets replaced by whether they are set."""
    plain = _plain(settings)
    assert isinstance(plain, dict)
    return plain


def config_hash(settings: Settings) -> str:
    text = json.dumps(public_settings(settings), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:HASH_DIGITS]


def build_labels(settings: Settings) -> dict[str, str]:
    """The labels of ``g6_build_info``: ``version``, ``python``, ``config_hash``."""
    from . import __version__

    return {
        "version": __version__,
        "python": platform.python_version(),
        "config_hash": config_hash(settings),
    }
