"""The HTTP side of the local Kite server: routing, Kite's envelopes, faults and the rate limit.

``KiteServer`` (the package) owns the state; ``KiteHandler`` answers one request against it:
route → count → fault → rate limit → ``X-Kite-Version`` → authorization → endpoint.
"""

from __future__ import annotations

import gzip
import json
import logging
import socket
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

from g6runtime.errors import G6Error
from g6runtime.testing.kite_server._control import AUTHENTICATED, Fault

if TYPE_CHECKING:
    from g6runtime.testing.kite_server import KiteServer

__all__ = [
    "MAX_LTP_INSTRUMENTS",
    "MAX_QUOTE_INSTRUMENTS",
    "TOKEN_EXPIRED",
    "TOKEN_REJECTED",
    "KiteAnswer",
    "KiteHTTPServer",
    "KiteHandler",
]

log = logging.getLogger(__name__)

MAX_QUOTE_INSTRUMENTS = 500
MAX_LTP_INSTRUMENTS = 1000
TOKEN_REJECTED = "Incorrect `api_key` or `access_token`."
TOKEN_EXPIRED = "Token is invalid or has expired."


class KiteAnswer(G6Error):
    """An error envelope to send (raised inside a handler, never escapes it)."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message


def _route(method: str, path: str) -> tuple[str, str | None] | None:
    parts = [p for p in path.split("/") if p]
    if method == "GET":
        if parts == ["instruments"]:
            return "instruments", None
        if len(parts) == 2 and parts[0] == "instruments":
            return "instruments", parts[1]
        table = {
            ("quote",): "quote",
            ("quote", "ltp"): "ltp",
            ("quote", "ohlc"): "ohlc",
            ("user", "profile"): "profile",
            ("connect", "login"): "login",
        }
        name = table.get(tuple(parts))
        return (name, None) if name else None
    if method in ("POST", "DELETE") and parts == ["session", "token"]:
        return "session", None
    return None


class KiteHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: KiteHTTPServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without this, Nagle's algorithm and the
        # client's delayed ACK stall every keep-alive answer by ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    # -- plumbing -----------------------------------------------------------------

    def _send(self, endpoint: str, status: int, body: bytes, content_type: str) -> None:
        # Logged before the answer leaves: a client that has its answer sees it counted
        # (logged after the write, a test reading the counts raced the handler thread).
        self.server.kite.log.answer(endpoint, status)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, endpoint: str, status: int, payload: Mapping[str, Any]) -> None:
        self._send(endpoint, status, json.dumps(payload).encode(), "application/json")

    def _error(self, endpoint: str, answer: KiteAnswer) -> None:
        body = {
            "status": "error",
            "message": answer.message,
            "data": None,
            "error_type": answer.error_type,
        }
        self._json(endpoint, answer.status, body)

    def _form(self) -> dict[str, list[str]]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        return parse_qs(raw, keep_blank_values=True)

    def _handle(self, method: str) -> None:
        kite = self.server.kite
        url = urlsplit(self.path)
        query = parse_qs(url.query, keep_blank_values=True)
        routed = _route(method, url.path)
        if routed is None:
            self._error("unknown", KiteAnswer(404, "GeneralException", "Route not found"))
            return
        endpoint, arg = routed
        kite.log.request(endpoint)
        fault = kite.faults.take(endpoint)
        stale = 0.0
        try:
            if fault is not None:
                if not self._apply(fault):
                    return
                stale = fault.seconds if fault.kind == "stale" else 0.0
            if not kite.limiter.allow(endpoint):
                raise KiteAnswer(429, "NetworkException", "Too many requests")
            if endpoint != "login" and self.headers.get("X-Kite-Version") != "3":
                raise KiteAnswer(400, "InputException", "Invalid or missing X-Kite-Version header.")
            if endpoint in AUTHENTICATED:
                kite.check_authorization(self.headers.get("Authorization"))
            self._dispatch(endpoint, arg, method, query, stale)
        except KiteAnswer as answer:
            self._error(endpoint, answer)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:
            log.exception("kite server: %s %s failed", method, url.path)
            self._error(endpoint, KiteAnswer(500, "GeneralException", "Internal server error"))

    def _apply(self, fault: Fault) -> bool:
        """Act on a fault; False when the request gets no (further) answer."""
        kind = fault.kind
        if kind == "close":
            self.close_connection = True
            return False
        if kind == "delay":
            if self.server.kite.stopping.wait(fault.seconds):
                self.close_connection = True
                return False
            return True
        if kind == "stale":
            return True
        raise {
            "token_expired": KiteAnswer(403, "TokenException", TOKEN_EXPIRED),
            "token_rejected": KiteAnswer(403, "TokenException", TOKEN_REJECTED),
            "network": KiteAnswer(fault.status, "NetworkException", "Couldn't reach the OMS."),
            "server_error": KiteAnswer(500, "GeneralException", "Something went wrong."),
            "rate_limit": KiteAnswer(429, "NetworkException", "Too many requests"),
        }[kind]

    def _dispatch(
        self,
        endpoint: str,
        arg: str | None,
        method: str,
        query: dict[str, list[str]],
        stale: float,
    ) -> None:
        kite = self.server.kite
        now = kite.now()
        if endpoint == "instruments":
            body = kite.market.instruments_csv(arg, now)
            if "gzip" in (self.headers.get("Accept-Encoding") or ""):
                self.send_response(200)
                packed = gzip.compress(body, mtime=0)
                self.send_header("Content-Type", "text/csv")
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(packed)))
                self.end_headers()
                self.wfile.write(packed)
                kite.log.answer(endpoint, 200)
                return
            self._send(endpoint, 200, body, "text/csv")
            return
        if endpoint in ("quote", "ltp", "ohlc"):
            keys = query.get("i", [])
            limit = MAX_QUOTE_INSTRUMENTS if endpoint == "quote" else MAX_LTP_INSTRUMENTS
            if not keys:
                raise KiteAnswer(400, "InputException", "No instruments specified.")
            if len(keys) > limit:
                message = f"Too many instruments: at most {limit} per request, got {len(keys)}."
                raise KiteAnswer(400, "InputException", message)
            if endpoint == "quote":
                kite.log.quote_size(len(keys))
            build = {"quote": kite.market.quote, "ltp": kite.market.ltp, "ohlc": kite.market.ohlc}
            data = build[endpoint](keys, now, stale_seconds=stale)
            self._json(endpoint, 200, {"status": "success", "data": data})
            return
        if endpoint == "profile":
            self._json(endpoint, 200, {"status": "success", "data": kite.profile()})
            return
        if endpoint == "session":
            form = self._form()
            if method == "DELETE":
                fields = {k: v[0] for k, v in (form or query).items() if v}
                kite.invalidate(fields.get("access_token", ""))
                self._json(endpoint, 200, {"status": "success", "data": True})
                return
            session = kite.exchange({k: v[0] for k, v in form.items() if v})
            self._json(endpoint, 200, {"status": "success", "data": session})
            return
        self._login(query)

    def _login(self, query: dict[str, list[str]]) -> None:
        kite = self.server.kite
        if query.get("api_key", [""])[0] != kite.api_key:
            raise KiteAnswer(400, "InputException", "Invalid `api_key`.")
        token = kite.issue_request_token()
        if kite.redirect_url is None:
            page = f"<html><body>request_token={token}</body></html>".encode()
            self._send("login", 200, page, "text/html")
            return
        params = urlencode(
            {"action": "login", "type": "login", "status": "success", "request_token": token}
        )
        separator = "&" if "?" in kite.redirect_url else "?"
        self.send_response(302)
        self.send_header("Location", f"{kite.redirect_url}{separator}{params}")
        self.send_header("Content-Length", "0")
        self.end_headers()
        kite.log.answer("login", 302)


class KiteHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    kite: KiteServer
