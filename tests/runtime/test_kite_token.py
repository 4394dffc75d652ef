"""The Kite token (SPEC §2 "Kite provider"): env or file, expiry at 06:00 IST the next day,
the token file's form, mode and atomicity, and `g6 token status --json` in each state."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from g6runtime.errors import ConfigError
from g6runtime.market.calendar import IST
from g6runtime.providers.kite_token import expiry_of, read_token, write_token_file

from .support import clean_env, run_g6

KEYS = {"provider", "valid", "user_id", "expires_at", "source", "checked"}
SECRET = "tok-Secret-9Zq"


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 30)))
def test_a_token_expires_at_0600_ist_on_the_day_after_its_creation(naive: datetime) -> None:
    created = naive.replace(tzinfo=UTC)
    expires = expiry_of(created)
    local = expires.astimezone(IST)
    assert (local.hour, local.minute, local.second) == (6, 0, 0)
    assert local.date() == created.astimezone(IST).date() + timedelta(days=1)
    assert timedelta(hours=6) <= expires - created <= timedelta(hours=30)


def test_the_token_file_is_json_mode_0600_and_written_atomically(tmp_path: Path) -> None:
    path = tmp_path / "data" / "kite_token.json"
    now = datetime(2026, 11, 26, 23, 40, tzinfo=IST)
    token = write_token_file(path, SECRET, "AB1234", now)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert list(doc) == ["access_token", "user_id", "created_at", "expires_at"]
    assert doc["expires_at"] == "2026-11-27T06:00:00+05:30" and doc["user_id"] == "AB1234"
    assert [p.name for p in path.parent.iterdir()] == ["kite_token.json"]  # no temporary left
    assert SECRET not in repr(token)
    again = read_token(None, path)
    assert again is not None and again.access_token == SECRET and again.source == "file"
    assert again.expires_at == token.expires_at


def test_the_configured_token_wins_over_the_file(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    write_token_file(path, "from-file", "U", datetime(2026, 11, 26, 10, 0, tzinfo=IST))
    token = read_token("from-env", path)
    assert token is not None and token.access_token == "from-env" and token.source == "env"
    assert read_token(None, tmp_path / "absent.json") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", ":1: not JSON; run g6 token login again"),
        ('{"user_id": "U"}', ": no access_token string; run g6 token login again"),
        ('{"access_token": "x", "expires_at": "soon"}', ": expires_at 'soon' is not an ISO 8601"),
        ('{"access_token": "x", "created_at": "2026-11-26T10:00"}', ": created_at has no UTC"),
    ],
)
def test_a_broken_token_file_is_one_clear_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "t.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as excinfo:
        read_token(None, path)
    assert str(excinfo.value).startswith(f"{path}") and message in str(excinfo.value)


def _status(tmp_path: Path, **env: str) -> tuple[int, dict[str, object], str]:
    run = run_g6("token", "status", "--json", cwd=tmp_path, env=clean_env(**env))
    assert "Traceback" not in run.stderr and SECRET not in run.stdout + run.stderr
    return run.returncode, json.loads(run.stdout) if run.stdout else {}, run.stderr


def test_token_status_missing_env_file_and_expired(tmp_path: Path) -> None:
    code, doc, _ = _status(tmp_path)
    assert code == 1 and set(doc) == KEYS
    assert doc == {"provider": "kite", "valid": False, "user_id": None, "expires_at": None,
                   "source": None, "checked": False}  # fmt: skip

    code, doc, _ = _status(tmp_path, G6_KITE_ACCESS_TOKEN=SECRET)  # no api key: not checked
    assert code == 0 and doc["valid"] is True and doc["source"] == "env"
    assert doc["checked"] is False and doc["expires_at"] is None

    path = tmp_path / "data" / "kite_token.json"
    write_token_file(path, SECRET, "AB1234", datetime.now(IST))
    code, doc, _ = _status(tmp_path)
    assert code == 0 and doc["valid"] is True and doc["source"] == "file"
    assert doc["user_id"] == "AB1234" and str(doc["expires_at"]).endswith("T06:00:00+05:30")

    write_token_file(path, SECRET, "AB1234", datetime.now(IST) - timedelta(days=2))
    code, doc, _ = _status(tmp_path)
    assert code == 1 and doc["valid"] is False and doc["source"] == "file"

    path.write_text("{broken", encoding="utf-8")
    code, doc, err = _status(tmp_path)
    assert code == 2 and doc == {} and err.count("\n") == 1 and "run g6 token login" in err


def test_token_status_text_and_file_location_from_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.json"
    write_token_file(path, SECRET, "XY9", datetime.now(IST))
    run = run_g6("token", "status", cwd=tmp_path, env=clean_env(G6_KITE_TOKEN_FILE=str(path)))
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("kite token: valid for XY9 (file), expires ")
    assert SECRET not in run.stdout and os.fspath(tmp_path / "data") not in run.stdout
