"""A real Prometheus server, and a real ``g6 collect`` for it to scrape, for the tests.

``PrometheusServer(folder, targets).start()`` writes ``folder/prometheus.yml`` (one job ``g6``,
``scrape_interval`` and ``scrape_timeout`` 1 s, static targets), starts ``prometheus`` with its
TSDB, console folders and log under ``folder`` and its web listener on a free 127.0.0.1 port,
and waits for ``/-/ready``. ``query(expr)`` (``/api/v1/query``) and ``active_targets()``
(``/api/v1/targets``) use the HTTP API with the standard library; ``wait_for(expr, predicate)``
polls a query until its result satisfies ``predicate``.

``CollectProcess(folder, *args).start()`` runs ``python -m g6runtime collect ARGS`` in
``folder`` (stdout and stderr to files there) and waits for its "metrics on
http://HOST:PORT/metrics" line, from which it takes the port (``--metrics-port 0`` picks one).

This is test support: it never imports the exporter, so a bug there cannot hide behind it.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .support import free_port, wait_started

START_TIMEOUT = 30.0
OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8"
_PORT_LINE = re.compile(r"metrics on http://[^\s/]+:(\d+)/metrics")

Result = list[dict[str, Any]]


def prometheus_path() -> str | None:
    """The ``prometheus`` binary on PATH (Debian installs /usr/bin/prometheus), or None."""
    return shutil.which("prometheus")


def http_get(
    url: str, headers: Mapping[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """``(status, headers, body)`` of a GET, for any status (4xx/5xx included)."""
    request = urllib.request.Request(url, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status), dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, dict(exc.headers), exc.read()


def _tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no output)"
    return "\n".join(text.splitlines()[-lines:])


def _terminate(process: subprocess.Popen[bytes], timeout: float) -> int:
    """SIGTERM and wait; SIGKILL when it does not exit in time. The exit status."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)
    return int(process.returncode)


class PrometheusError(RuntimeError):
    """The server could not start, or a query failed (its log tail is in the message)."""


class PrometheusServer:
    """One ``prometheus`` process with its config, TSDB and log under ``folder``."""

    def __init__(
        self,
        folder: Path,
        targets: Sequence[str],
        *,
        job: str = "g6",
        scrape_interval: str = "1s",
        scrape_timeout: str = "1s",
    ) -> None:
        self.folder = folder
        self.targets = list(targets)
        self.job = job
        self.scrape_interval = scrape_interval
        self.scrape_timeout = scrape_timeout  # Prometheus refuses one over the interval
        self.port = free_port()
        self.config_path = folder / "prometheus.yml"
        self.log_path = folder / "prometheus.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _write_config(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        targets = ", ".join(json.dumps(t) for t in self.targets)
        self.config_path.write_text(
            "\n".join(
                [
                    "global:",
                    f"  scrape_interval: {self.scrape_interval}",
                    f"  scrape_timeout: {self.scrape_timeout}",
                    "scrape_configs:",
                    f"  - job_name: {json.dumps(self.job)}",
                    "    static_configs:",
                    f"      - targets: [{targets}]",
                    "",
                ]
            ),
            encoding="utf-8",
        )

    def log_tail(self, lines: int = 30) -> str:
        return _tail(self.log_path, lines)

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> PrometheusServer:
        binary = prometheus_path()
        if binary is None:
            raise PrometheusError("prometheus is not on PATH")
        self._write_config()
        command = [
            binary,
            f"--config.file={self.config_path}",
            f"--storage.tsdb.path={self.folder / 'tsdb'}",
            "--storage.tsdb.retention.time=1h",
            f"--web.listen-address=127.0.0.1:{self.port}",
            f"--web.console.templates={self.folder / 'consoles'}",  # never /etc/prometheus
            f"--web.console.libraries={self.folder / 'console_libraries'}",
            "--log.level=info",
        ]
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        assert self._process is not None
        wait_started(
            self._process,
            self.ready,
            what=f"prometheus on {self.url} (/-/ready)",
            timeout=START_TIMEOUT,
            log_tail=self.log_tail,
            kill=self.kill,
            error=PrometheusError,
            every=0.1,
        )

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=1) as response:
                return int(response.status) == 200
        except OSError:  # refused, reset, or a 503 while the TSDB opens
            return False

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM and wait (SIGKILL when it hangs); its exit status, None if not running."""
        process, self._process = self._process, None
        return None if process is None else _terminate(process, timeout)

    def kill(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=15)

    # -- the HTTP API ------------------------------------------------------------------

    def api(self, path: str, **params: str) -> Any:
        """GET ``/api/v1/<path>?params``; the ``data`` of a ``success`` answer, else raises."""
        url = f"{self.url}/api/v1/{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        status, _, body = http_get(url)
        try:
            answer = json.loads(body)
        except ValueError:
            raise PrometheusError(f"{url}: HTTP {status}: {body[:200]!r}") from None
        if status != 200 or answer.get("status") != "success":
            raise PrometheusError(f"{url}: HTTP {status}: {answer.get('error', answer)}")
        return answer["data"]

    def query(self, expr: str, at: float | None = None) -> Result:
        """An instant query (at ``at``, a Unix time, or now): the result list of a vector or
        matrix (``{"metric": {...}, "value": [t, "v"]}`` or ``"values": [[t, "v"], ...]``);
        a scalar comes back as one result with no labels."""
        params = {"query": expr} if at is None else {"query": expr, "time": f"{at:.3f}"}
        data = self.api("query", **params)
        if data["resultType"] in ("scalar", "string"):
            return [{"metric": {}, "value": data["result"]}]
        result: Result = data["result"]
        return result

    def active_targets(self) -> Result:
        targets: Result = self.api("targets", state="active")["activeTargets"]
        return targets

    def wait_for(
        self,
        expr: str,
        predicate: Callable[[Result], bool],
        timeout: float = 20.0,
        poll: float = 0.25,
    ) -> Result:
        """Poll ``query(expr)`` until ``predicate(result)``; the result, or AssertionError
        with the last result and the log tail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            result = self.query(expr)
            if predicate(result):
                return result
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{expr!r} did not satisfy the condition within {timeout:g} s;"
                    f" last result: {result}; prometheus log tail:\n{self.log_tail(10)}"
                )
            time.sleep(poll)


def values(result: Result) -> list[float]:
    """The sample values of an instant-vector result, in order."""
    return [float(item["value"][1]) for item in result]


class CollectProcess:
    """``python -m g6runtime collect ARGS`` in ``folder``, its output in files there."""

    def __init__(self, folder: Path, *args: str, env: Mapping[str, str]) -> None:
        self.folder = folder
        self.args = args
        self.env = dict(env)
        self.stdout_path = folder / "collect.out"
        self.stderr_path = folder / "collect.err"
        self._process: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def process(self) -> subprocess.Popen[bytes]:
        assert self._process is not None, "not started"
        return self._process

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def stdout(self) -> str:
        return self.stdout_path.read_text(encoding="utf-8", errors="replace")

    def start(self) -> CollectProcess:
        self.folder.mkdir(parents=True, exist_ok=True)
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "g6runtime", "collect", *self.args],
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                cwd=self.folder,
                env=self.env,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            found = _PORT_LINE.search(self.stderr())
            if found:
                self.port = int(found.group(1))
                return self
            if self.process.poll() is not None:
                raise AssertionError(
                    f"g6 collect exited with status {self.process.returncode} before serving"
                    f" metrics; stderr:\n{_tail(self.stderr_path)}"
                )
            time.sleep(0.05)
        self.process.kill()
        self.process.wait(timeout=15)
        raise AssertionError(
            f"g6 collect logged no 'metrics on http://...' line within {START_TIMEOUT:.0f} s;"
            f" stderr:\n{_tail(self.stderr_path)}"
        )

    @property
    def target(self) -> str:
        """``127.0.0.1:PORT``, the scrape target."""
        return f"127.0.0.1:{self.port}"

    def get(self, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
        return http_get(f"http://{self.target}{path}", headers)

    def wait(self, timeout: float) -> int:
        return int(self.process.wait(timeout=timeout))

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM (the current cycle finishes) and wait; SIGKILL if it hangs. The status."""
        return _terminate(self.process, timeout)
