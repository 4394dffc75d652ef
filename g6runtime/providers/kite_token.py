"""The Kite access token: where it comes from, when it expires, the token file.

SPEC §2 "Kite provider": ``kite.access_token`` / ``G6_KITE_ACCESS_TOKEN`` wins (source
``env``), else the token file (``kite.token_file``, default ``data/kite_token.json``;
source ``file``): JSON ``{"access_token", "user_id", "created_at", "expires_at"}`` with ISO
8601 times, written atomically with mode 0600 by ``g6 token login``. A Kite token expires
at 06:00 Asia/Kolkata on the day after its creation. The token itself never appears in a
message, a ``repr`` or any output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal

from ..errors import ConfigError, StorageError
from ..market.calendar import IST

__all__ = ["Token", "expiry_of", "read_token", "write_token_file"]

Source = Literal["env", "file"]


@dataclass(frozen=True)
class Token:
    access_token: str = field(repr=False)
    source: Source
    user_id: str | None = None
    created_at: datetime | None = None
    expires_at: datetime | None = None

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at


def expiry_of(created: datetime) -> datetime:
    """06:00 Asia/Kolkata on the day after ``created`` (its Asia/Kolkata date)."""
    day = created.astimezone(IST).date() + timedelta(days=1)
    return datetime.combine(day, time(6, 0), IST)


def _when(path: Path, key: str, value: Any) -> datetime:
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(
            f"{path}: {key} {value!r} is not an ISO 8601 time; run g6 token login again"
        ) from None
    if when.tzinfo is None:
        raise ConfigError(f"{path}: {key} has no UTC offset; run g6 token login again")
    return when


def read_token(access_token: str | None, token_file: Path) -> Token | None:
    """The token in use: the configured one, else the token file's; None when neither."""
    if access_token:
        return Token(access_token, "env")
    try:
        text = token_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"{token_file}: cannot read the token file: {exc.strerror}") from None
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise ConfigError(
            f"{token_file}:{getattr(exc, 'lineno', 1)}: not JSON; run g6 token login again"
        ) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("access_token"), str):
        raise ConfigError(f"{token_file}: no access_token string; run g6 token login again")
    user = doc.get("user_id")
    return Token(
        doc["access_token"],
        "file",
        user if isinstance(user, str) else None,
        _when(token_file, "created_at", doc["created_at"]) if "created_at" in doc else None,
        _when(token_file, "expires_at", doc["expires_at"]) if "expires_at" in doc else None,
    )


def write_token_file(path: Path, access_token: str, user_id: str, now: datetime) -> Token:
    """Write the token file atomically, mode 0600; the token it holds."""
    from ..storage.atomic import write_atomic

    created = now.astimezone(IST).replace(microsecond=0)
    token = Token(access_token, "file", user_id, created, expiry_of(created))
    doc = {
        "access_token": access_token,
        "user_id": user_id,
        "created_at": created.isoformat(),
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
    }
    try:
        write_atomic(path, (json.dumps(doc, indent=2) + "\n").encode("utf-8"), mode=0o600)
    except OSError as exc:
        raise StorageError(f"{path}: cannot write the token file: {exc.strerror}") from None
    return token
