"""A small InfluxDB v1 HTTP client on the standard library (``http.client``, ``gzip``).

Why not a package: ``influxdb-client`` writes to ``/api/v2/write``, which InfluxDB 1.6 does
not serve; the old ``influxdb`` 1.x package is unmaintained and pulls ``requests``, ``pytz``
and ``msgpack``; and the v1 write API is one POST. This client does four things: ``write``
(``POST /write?db=…&precision=s``, a gzip-compressed line-protocol body), ``query``
(``POST /query``, form-encoded, parsed JSON), ``ping`` and ``create_database``.

One persistent HTTP connection is reused across requests (a keep-alive connection the server
closed meanwhile is reopened once, transparently; writes are idempotent in InfluxDB, so that
resend cannot duplicate a point). ``timeout`` bounds every socket operation: connecting,
sending, and waiting for the answer. Failures are the :mod:`g6runtime.influx.errors` classes,
each with ``retryable``; the password is only ever held inside the prepared ``Authorization``
header and never appears in a message, an exception or ``repr``.
"""

from __future__ import annotations

import base64
import gzip
import http.client
import json
import socket
import threading
import urllib.parse
from typing import Any

from g6runtime.errors import ConfigError
from g6runtime.influx.errors import (
    InfluxAuthError,
    InfluxDatabaseMissing,
    InfluxError,
    InfluxRejected,
    InfluxUnavailable,
)

_URL_SETTING = "storage.influx.url / G6_INFLUX_URL"
_AUTH_HINT = (
    "check storage.influx.username / G6_INFLUX_USERNAME and the password file"
    " (storage.influx.password_file / G6_INFLUX_PASSWORD_FILE)"
)
# Errors on a reused keep-alive connection that mean "the server closed it": reopen once.
_STALE = (ConnectionResetError, BrokenPipeError, ConnectionAbortedError, http.client.BadStatusLine)
_MAX_ERROR_TEXT = 300


def parse_url(url: str) -> tuple[str, str, int, str]:
    """``(scheme, host, port, path_prefix)`` of an ``http(s)://host[:port][/prefix]`` URL;
    anything else is a :class:`ConfigError` (credentials in the URL are refused unshown)."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is not None and (parts.username is not None or parts.password is not None):
        raise ConfigError(
            f"{_URL_SETTING}: the URL contains credentials; put the user in"
            " storage.influx.username / G6_INFLUX_USERNAME and the password in a password file"
        )
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
    ):
        raise ConfigError(
            f"{_URL_SETTING}: {url!r} is not an InfluxDB URL;"
            " expected http(s)://host[:port][/path-prefix], e.g. http://127.0.0.1:8086"
        )
    default = 443 if parts.scheme == "https" else 8086
    return parts.scheme, parts.hostname, port or default, parts.path.rstrip("/")


def _quote_identifier(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_ERROR_TEXT else text[: _MAX_ERROR_TEXT - 1] + "…"


def _server_error(body: bytes, headers: http.client.HTTPMessage) -> str:
    """The server's error text: the JSON ``error``, else the header, else the body."""
    try:
        decoded = json.loads(body)
        if isinstance(decoded, dict) and isinstance(decoded.get("error"), str):
            return _one_line(decoded["error"])
    except ValueError:
        pass
    header = headers.get("X-Influxdb-Error")
    if header:
        return _one_line(header)
    return _one_line(body.decode("utf-8", errors="replace")) or "(no error text)"


class InfluxClient:
    """InfluxDB's v1 HTTP API for one database. Safe to share between threads (one request
    at a time); call :meth:`close` when done."""

    def __init__(
        self,
        url: str,
        database: str,
        username: str | None,
        password: str | None,
        timeout: float,
    ) -> None:
        self._scheme, self._host, self._port, self._prefix = parse_url(url)
        if not isinstance(database, str) or not database or "\n" in database:
            raise ConfigError(
                "storage.influx.database / G6_INFLUX_DATABASE: must be a non-empty name"
            )
        if not timeout > 0:
            raise ConfigError(f"storage.influx.timeout_seconds: {timeout!r} must be above 0")
        self.url = f"{self._scheme}://{self._host}:{self._port}{self._prefix}"
        self.database = database
        self.username = username or None
        self.timeout = float(timeout)
        self._auth: str | None = None
        self._secret = password or ""  # only to scrub it from any text the server echoes
        if self.username is not None:
            token = f"{self.username}:{password or ''}".encode()
            self._auth = "Basic " + base64.b64encode(token).decode("ascii")
        self._write_path = f"{self._prefix}/write?" + urllib.parse.urlencode(
            {"db": database, "precision": "s"}
        )
        self._lock = threading.Lock()
        self._conn: http.client.HTTPConnection | None = None
        self._used = False

    def __repr__(self) -> str:
        return f"InfluxClient(url={self.url!r}, database={self.database!r}, user={self.username!r})"

    # -- the API -----------------------------------------------------------------------

    def write(self, body: bytes, *, gzipped: bool = False) -> None:
        """POST line protocol (``precision=s``) to the database, gzip-compressed here
        unless ``gzipped`` (one or more gzip members of it)."""
        payload = body if gzipped else gzip.compress(body, compresslevel=1, mtime=0)
        headers = {"Content-Type": "text/plain; charset=utf-8", "Content-Encoding": "gzip"}
        status, data, response_headers = self._request("POST", self._write_path, payload, headers)
        if status != 204:
            self._raise_for(status, data, response_headers, "write")

    def query(self, q: str, *, epoch: str | None = "s") -> dict[str, Any]:
        """POST ``q`` (InfluxQL) to ``/query`` on the database; the parsed JSON. Times come
        back as integers in ``epoch`` units (seconds by default; None: RFC 3339 text). An
        ``error`` in any statement's result raises."""
        form = {"q": q, "db": self.database}
        if epoch is not None:
            form["epoch"] = epoch
        body = urllib.parse.urlencode(form).encode("ascii")
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        status, data, response_headers = self._request(
            "POST", f"{self._prefix}/query", body, headers
        )
        if status != 200:
            self._raise_for(status, data, response_headers, "query")
        try:
            result = json.loads(data)
        except ValueError as exc:
            text = self._scrub(_one_line(data.decode("utf-8", errors="replace")))
            raise InfluxRejected(
                f"InfluxDB at {self.url}: the query answer is not JSON: {text}"
            ) from exc
        if not isinstance(result, dict):
            raise InfluxRejected(f"InfluxDB at {self.url}: the query answer is not a JSON object")
        for item in result.get("results", []):
            if isinstance(item, dict) and isinstance(item.get("error"), str):
                self._raise_statement_error(self._scrub(_one_line(item["error"])))
        return result

    def ping(self) -> bool:
        """True when the server answers ``/ping`` with 204 (no credentials needed)."""
        try:
            status, _, _ = self._request("GET", f"{self._prefix}/ping", None, {})
        except InfluxError:
            return False
        return status == 204

    def create_database(self) -> None:
        """``CREATE DATABASE`` (a no-op when it exists)."""
        self.query(f"CREATE DATABASE {_quote_identifier(self.database)}", epoch=None)

    def close(self) -> None:
        with self._lock:
            self._drop_connection()

    # -- HTTP --------------------------------------------------------------------------

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            if self._scheme == "https":
                self._conn = http.client.HTTPSConnection(
                    self._host, self._port, timeout=self.timeout
                )
            else:
                self._conn = http.client.HTTPConnection(
                    self._host, self._port, timeout=self.timeout
                )
            self._used = False
        return self._conn

    def _drop_connection(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _request(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, bytes, http.client.HTTPMessage]:
        if self._auth is not None:
            headers = {**headers, "Authorization": self._auth}
        with self._lock:
            for attempt in (1, 2):
                conn = self._connection()
                reused = self._used
                try:
                    conn.request(method, path, body=body, headers=headers)
                    response = conn.getresponse()
                    data = response.read()
                except _STALE as exc:
                    self._drop_connection()
                    if reused and attempt == 1:
                        continue  # the server closed an idle keep-alive connection
                    raise self._unavailable(exc) from None
                except (OSError, http.client.HTTPException) as exc:
                    self._drop_connection()
                    raise self._unavailable(exc) from None
                self._used = True
                if response.will_close:
                    self._drop_connection()
                return response.status, data, response.headers
        raise AssertionError("unreachable")  # pragma: no cover

    def _scrub(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text

    def _unavailable(self, exc: BaseException) -> InfluxUnavailable:
        if isinstance(exc, socket.timeout | TimeoutError):
            why = f"no answer within {self.timeout:g} s"
        elif isinstance(exc, ConnectionRefusedError):
            why = "connection refused"
        elif isinstance(exc, socket.gaierror):
            why = f"cannot resolve host {self._host!r}"
        else:
            detail = self._scrub(_one_line(str(exc))) or "connection failed"
            why = f"{type(exc).__name__}: {detail}"
        return InfluxUnavailable(f"InfluxDB at {self.url} is unavailable: {why}")

    def _raise_for(
        self, status: int, body: bytes, headers: http.client.HTTPMessage, what: str
    ) -> None:
        text = self._scrub(_server_error(body, headers))
        where = f"InfluxDB at {self.url} ({what}, database {self.database!r})"
        if status in (401, 403):
            raise self._auth_error(status, text)
        if status == 404 and "database not found" in text:
            raise InfluxDatabaseMissing(
                f"{where}: {text}; create it (CREATE DATABASE) or fix"
                " storage.influx.database / G6_INFLUX_DATABASE"
            )
        if status == 404:
            raise InfluxRejected(
                f"{where}: HTTP 404 {text}; is {_URL_SETTING} the server's root URL?"
            )
        if status == 413:
            raise InfluxRejected(f"{where}: HTTP 413 {text}; lower storage.influx.batch_points")
        if status == 429 or status >= 500:
            raise InfluxUnavailable(f"{where}: HTTP {status} {text}")
        raise InfluxRejected(f"{where}: HTTP {status} {text}")

    def _auth_error(self, status: int, text: str) -> InfluxAuthError:
        if self.username is None:
            return InfluxAuthError(
                f"InfluxDB at {self.url} requires credentials (HTTP {status}: {text}):"
                " set storage.influx.username / G6_INFLUX_USERNAME and the password file"
                " (storage.influx.password_file / G6_INFLUX_PASSWORD_FILE)"
            )
        return InfluxAuthError(
            f"InfluxDB at {self.url} refused user {self.username!r} (HTTP {status}: {text}):"
            f" {_AUTH_HINT}"
        )

    def _raise_statement_error(self, text: str) -> None:
        where = f"InfluxDB at {self.url} (query, database {self.database!r})"
        if text.startswith("database not found"):
            raise InfluxDatabaseMissing(f"{where}: {text}")
        if "authoriz" in text:
            raise self._auth_error(403, text)
        raise InfluxRejected(f"{where}: {text}")
