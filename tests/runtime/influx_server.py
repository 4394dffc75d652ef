"""A real ``influxd`` (InfluxDB 1.x) for the tests: free ports, its own folder, optional auth.

``InfluxServer(folder).start()`` writes ``folder/influxd.conf`` (meta, data and WAL inside
``folder``, reporting and the monitor store disabled, HTTP and RPC bound to 127.0.0.1 on free
ports), starts ``influxd -config`` with its output in ``folder/influxd.log`` and waits for
``/ping``. With ``auth=True`` it enables ``auth_enabled`` and creates the admin user
(``ADMIN_USER``/``ADMIN_PASSWORD``) through ``/query``, which InfluxDB allows without
credentials only while no user exists.

This is test support: it talks to the server with the standard library directly, never
through ``g6runtime.influx``, so a bug in the client cannot hide behind the fixture.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from .support import free_port, wait_started

ADMIN_USER = "g6admin"
ADMIN_PASSWORD = "s3cret-admin-pw"  # a throwaway test credential
START_TIMEOUT = 20.0


def influxd_path() -> str | None:
    """The ``influxd`` binary on PATH (Debian installs /usr/bin/influxd), or None."""
    return shutil.which("influxd")


class InfluxServerError(RuntimeError):
    """The test server could not start or answer (its log tail is in the message)."""


class InfluxServer:
    """One ``influxd`` process with its config, data and log under ``folder``."""

    def __init__(self, folder: Path, *, auth: bool = False) -> None:
        self.folder = folder
        self.auth = auth
        self.http_port = free_port()
        self.rpc_port = free_port()
        self.log_path = folder / "influxd.log"
        self.config_path = folder / "influxd.conf"
        self._process: subprocess.Popen[bytes] | None = None
        self._paused = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def pid(self) -> int:
        assert self._process is not None, "the server is not running"
        return self._process.pid

    def _write_config(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(
            "\n".join(
                [
                    "reporting-disabled = true",
                    f'bind-address = "127.0.0.1:{self.rpc_port}"',
                    "[meta]",
                    f'  dir = "{self.folder / "meta"}"',
                    "  logging-enabled = false",
                    "[data]",
                    f'  dir = "{self.folder / "data"}"',
                    f'  wal-dir = "{self.folder / "wal"}"',
                    "  query-log-enabled = false",
                    '  wal-fsync-delay = "0s"',
                    "[http]",
                    f'  bind-address = "127.0.0.1:{self.http_port}"',
                    f"  auth-enabled = {'true' if self.auth else 'false'}",
                    "  log-enabled = false",
                    "[monitor]",
                    "  store-enabled = false",
                    "[continuous_queries]",
                    "  enabled = false",
                    "",
                ]
            ),
            encoding="utf-8",
        )

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> InfluxServer:
        binary = influxd_path()
        if binary is None:
            raise InfluxServerError("influxd is not on PATH")
        first = not self.config_path.exists()
        self._write_config()
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [binary, "-config", str(self.config_path)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, "INFLUXDB_DATA_QUERY_LOG_ENABLED": "false"},
            )
        self._paused = False
        self._wait_ready()
        if self.auth and first:
            self._create_admin()
        return self

    def _wait_ready(self) -> None:
        assert self._process is not None
        wait_started(
            self._process,
            self.ping,
            what=f"influxd on {self.url} (/ping)",
            timeout=START_TIMEOUT,
            log_tail=self.log_tail,
            kill=self.kill,
            error=InfluxServerError,
        )

    def ping(self, timeout: float = 0.5) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/ping", timeout=timeout) as response:
                return int(response.status) == 204
        except (OSError, urllib.error.URLError):
            return False

    def _create_admin(self) -> None:
        self.query(
            f"CREATE USER {ADMIN_USER} WITH PASSWORD '{ADMIN_PASSWORD}' WITH ALL PRIVILEGES",
            auth=False,
        )

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM (after SIGCONT if paused) and wait; SIGKILL if it does not exit."""
        process = self._process
        if process is None or process.poll() is not None:
            self._process = None
            return
        if self._paused:
            self.resume()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)
        self._process = None

    def kill(self) -> None:
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=15)
        self._process = None
        self._paused = False

    def pause(self) -> None:
        os.kill(self.pid, signal.SIGSTOP)
        self._paused = True

    def resume(self) -> None:
        os.kill(self.pid, signal.SIGCONT)
        self._paused = False

    def restart(self) -> InfluxServer:
        """Stop (if running) and start again on the same ports and folders."""
        self.stop()
        return self.start()

    # -- queries -----------------------------------------------------------------------

    def _headers(self, auth: bool) -> dict[str, str]:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if auth and self.auth:
            token = base64.b64encode(f"{ADMIN_USER}:{ADMIN_PASSWORD}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        return headers

    def query(self, q: str, db: str | None = None, *, auth: bool = True) -> dict[str, Any]:
        """POST /query with ``q`` (and ``db``); the parsed JSON; raises on an error."""
        form = {"q": q, "epoch": "s"}
        if db is not None:
            form["db"] = db
        request = urllib.request.Request(
            f"{self.url}/query",
            data=urllib.parse.urlencode(form).encode(),
            headers=self._headers(auth),
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                result: dict[str, Any] = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise InfluxServerError(f"{q!r}: HTTP {exc.code}: {exc.read()!r}") from exc
        for item in result.get("results", []):
            if "error" in item:
                raise InfluxServerError(f"{q!r}: {item['error']}")
        return result

    def write(self, body: bytes, db: str, precision: str = "s") -> None:
        """POST /write (plain, uncompressed): for seeding data without the client."""
        params = urllib.parse.urlencode({"db": db, "precision": precision})
        request = urllib.request.Request(
            f"{self.url}/write?{params}", data=body, headers=self._headers(True), method="POST"
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert int(response.status) == 204

    def create_database(self, db: str) -> None:
        self.query(f'CREATE DATABASE "{db}"')

    def rows(self, q: str, db: str) -> list[dict[str, Any]]:
        """The rows of a one-statement query as dicts (column name → value), all series."""
        out: list[dict[str, Any]] = []
        for item in self.query(q, db).get("results", []):
            for series in item.get("series", []):
                columns = series["columns"]
                for values in series["values"]:
                    out.append(dict(zip(columns, values, strict=True)))
        return out

    def count(self, measurement: str, db: str) -> int:
        """Points in ``measurement`` (every field counted per point: COUNT of the max)."""
        rows = self.rows(f'SELECT COUNT(*) FROM "{measurement}"', db)
        if not rows:
            return 0
        return max(int(v) for k, v in rows[0].items() if k != "time")
