"""The Kite login flow and the token's status (behind ``g6 token`` and ``g6 collect``).

Login: the login URL (Kite's, with the API key) → the user logs in → Kite redirects to
the app's redirect URL with a ``request_token`` → ``generate_session`` exchanges it (with
the API secret's checksum) for an access token → the token file. Status: the token in
use (env or file), its expiry, and optionally the profile endpoint's verdict.
"""

from __future__ import annotations

import threading
import urllib.parse
from datetime import datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError, ProviderError
from .kite import KiteTokenError, kite_client
from .kite_token import Token, read_token, write_token_file

if TYPE_CHECKING:
    from ..config import KiteSettings
    from .kite import KiteProvider

__all__ = [
    "check_token",
    "kite_provider",
    "login_url",
    "token_status",
    "wait_for_request_token",
    "write_session",
]


def _client(kite: KiteSettings, token: str | None = None) -> Any:
    if not kite.api_key:
        raise ConfigError("kite.api_key is not set (G6_KITE_API_KEY): it names the Kite app")
    return kite_client(kite.api_key, token or "", kite.root, kite.timeout_seconds)


def check_token(kite: KiteSettings, token: Token) -> str:
    """The user id the profile endpoint gives for ``token``; KiteTokenError when rejected."""
    from .kite import KiteProvider

    provider = KiteProvider(_client(kite, token.access_token), kite.token_file.parent)
    profile = provider.call("other", "profile", provider.client.profile, "the token")
    return str((profile or {}).get("user_id") or token.user_id or "")


def token_status(kite: KiteSettings, now: datetime, check: bool) -> dict[str, Any]:
    """SPEC's ``g6 token status --json`` document (plus nothing else)."""
    token = read_token(kite.access_token, kite.token_file)
    doc: dict[str, Any] = {
        "provider": "kite",
        "valid": False,
        "user_id": None,
        "expires_at": None,
        "source": None,
        "checked": False,
    }
    if token is None:
        return doc
    doc.update(
        user_id=token.user_id,
        expires_at=token.expires_at.isoformat() if token.expires_at else None,
        source=token.source,
    )
    if token.expired(now):
        return doc
    doc["valid"] = True
    if check and kite.api_key:
        try:
            doc["user_id"] = check_token(kite, token) or doc["user_id"]
            doc["checked"] = True
        except KiteTokenError:
            doc.update(valid=False, checked=True)
        except ProviderError:
            pass  # the API did not answer: not checked, the file's verdict stands
    return doc


def login_url(kite: KiteSettings) -> str:
    url: str = _client(kite).login_url()
    return url


class _Got:
    """The request token the one-shot listener received (None until then)."""

    token: str | None = None


class _Redirect(BaseHTTPRequestHandler):
    got: _Got

    def do_GET(self) -> None:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        tokens = query.get("request_token") or []
        token = tokens[0] if tokens else None
        ok = token is not None and (query.get("status") or ["success"])[0] == "success"
        self.send_response(200 if ok else 400)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.end_headers()
        text = "g6: logged in; you can close this window" if ok else "g6: no request_token"
        self.wfile.write(text.encode())
        if ok:
            self.got.token = token

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the token is in the URL
        return


def wait_for_request_token(port: int, timeout: float) -> str:
    """Serve 127.0.0.1:``port`` until Kite's redirect brings a request token (or timeout)."""
    got = _Got()
    handler = type("Redirect", (_Redirect,), {"got": got})
    try:
        server = HTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise ConfigError(
            f"cannot listen on 127.0.0.1:{port} for Kite's redirect ({exc.strerror}); "
            "pass --port or --request-token"
        ) from None
    done = threading.Event()

    def serve() -> None:
        while not done.is_set() and got.token is None:
            server.handle_request()

    server.timeout = 0.5
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    thread.join(timeout)
    done.set()
    server.server_close()
    if got.token is None:
        raise ConfigError(
            f"no redirect from Kite within {timeout:g} s; log in again or pass --request-token"
        )
    return got.token


def write_session(kite: KiteSettings, request_token: str, now: datetime) -> Token:
    """Exchange ``request_token`` for an access token and write the token file."""
    if not kite.api_secret:
        raise ConfigError(
            "kite.api_secret is not set (G6_KITE_API_SECRET_FILE or G6_KITE_API_SECRET): "
            "the login needs it"
        )
    from .kite import KiteProvider

    provider = KiteProvider(_client(kite), kite.token_file.parent)
    try:
        session = provider.call(
            "other",
            "login",
            lambda: provider.client.generate_session(request_token, kite.api_secret),
            "the request token",
        )
    except KiteTokenError:
        raise KiteTokenError(
            "Kite refused the request token (single-use, valid a few minutes): run g6 token "
            "login again"
        ) from None
    access = session.get("access_token") if isinstance(session, dict) else None
    if not isinstance(access, str) or not access:
        raise ProviderError("Kite's session answer has no access_token")
    return write_token_file(kite.token_file, access, str(session.get("user_id") or ""), now)


def kite_provider(kite: KiteSettings, now: datetime) -> KiteProvider:
    """The Kite provider of ``kite``, its token checked against the API first.

    A missing, expired or rejected token is a :class:`KiteTokenError` naming
    ``g6 token login`` before any cycle runs; instruments are cached in
    ``<token file's folder>/kite_instruments``.
    """
    from .kite import KiteProvider

    token = read_token(kite.access_token, kite.token_file)
    if token is None:
        raise KiteTokenError(
            "no Kite access token (kite.access_token / G6_KITE_ACCESS_TOKEN, or the token "
            f"file {kite.token_file}): run g6 token login"
        )
    if token.expired(now):
        when = token.expires_at.isoformat() if token.expires_at else "?"
        raise KiteTokenError(f"the Kite access token expired at {when}: run g6 token login")
    check_token(kite, token)
    cache = kite.token_file.parent / "kite_instruments"
    provider = KiteProvider.connect(
        kite.api_key, token.access_token, kite.root, kite.timeout_seconds, cache
    )
    provider.token_expires_at = token.expires_at
    return provider
