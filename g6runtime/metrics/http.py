"""The exporter of ``g6 collect``: prometheus_client's own WSGI exposition behind four paths.

* ``/metrics``: ``prometheus_client.make_wsgi_app`` over the runtime's registry, so the
  content negotiation (Prometheus text 0.0.4, or OpenMetrics when the scraper's
  ``Accept`` asks for it) and gzip (when ``Accept-Encoding`` allows it) are the
  library's; each request counts in ``g6_exporter_scrapes_total{format}``.
* ``/healthz``: 200 while the process serves.
* ``/readyz``: 200 when the last cycle ended within two intervals and wrote every
  output, else 503 with the reason (:class:`Readiness`).
* ``/``: a short HTML page linking the three.

:func:`serve` adds the standard ``process_*`` and ``python_*`` collectors to the
registry (through :meth:`Metrics.register`, which counts a duplicate registration in
``g6_metric_duplicates_total`` instead of failing) and runs a threading WSGI server on
``host:port`` from a daemon thread. Nothing here knows about cycles beyond
:class:`Readiness`, which the command feeds.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, Any, NamedTuple
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import (
    CollectorRegistry,
    GCCollector,
    PlatformCollector,
    ProcessCollector,
    make_wsgi_app,
)
from prometheus_client.exposition import choose_encoder

from .registry import Metrics

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["METRICS_PATH", "MetricsServer", "Readiness", "exporter_app", "serve"]

METRICS_PATH = "/metrics"
_log = logging.getLogger(__name__)
_TEXT = "text/plain; charset=utf-8"
_INDEX = b"""<!doctype html>
<html><head><meta charset="utf-8"><title>g6 exporter</title></head>
<body><h1>g6 exporter</h1><ul>
<li><a href="/metrics">/metrics</a> (Prometheus text, or OpenMetrics when asked)</li>
<li><a href="/healthz">/healthz</a> (200 while the process runs)</li>
<li><a href="/readyz">/readyz</a> (200 when the last cycle is recent and wrote every output)</li>
</ul></body></html>
"""


class Readiness:
    """Whether the collection is ready: its last cycle ended within two intervals of
    now and wrote every output. Fed by the command after each cycle; thread-safe."""

    def __init__(self, interval_seconds: float, clock: Callable[[], float] = time.monotonic):
        self.interval_seconds = interval_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._ended: float | None = None
        self._failed: tuple[str, ...] = ()

    def cycle_ended(self, failed_outputs: Iterable[str] = ()) -> None:
        """A cycle ended now; ``failed_outputs`` names the outputs it could not write."""
        with self._lock:
            self._ended = self._clock()
            self._failed = tuple(failed_outputs)

    def status(self) -> tuple[bool, str]:
        """``(ready, reason)``: the reason is one line for the /readyz body."""
        with self._lock:
            ended, failed = self._ended, self._failed
        if ended is None:
            return False, "no cycle has ended yet"
        age = self._clock() - ended
        limit = 2 * self.interval_seconds
        if age > limit:
            return False, f"the last cycle ended {age:.1f} s ago (over 2 intervals, {limit:g} s)"
        if failed:
            return False, f"the last cycle did not write: {', '.join(failed)}"
        return True, f"the last cycle ended {age:.1f} s ago and wrote every output"


def _plain(
    start_response: StartResponse, status: str, body: bytes, kind: str = _TEXT
) -> list[bytes]:
    start_response(status, [("Content-Type", kind), ("Content-Length", str(len(body)))])
    return [body]


def exporter_app(metrics: Metrics, readiness: Readiness) -> WSGIApplication:
    """The WSGI application of the four paths (see the module docstring)."""
    exposition = make_wsgi_app(metrics.registry)
    scrapes = metrics.counter("g6_exporter_scrapes_total")

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        if path == METRICS_PATH:
            if environ.get("REQUEST_METHOD") == "GET":
                _, content_type = choose_encoder(environ.get("HTTP_ACCEPT") or "")
                om = content_type.startswith("application/openmetrics-text")
                scrapes.labels(format="openmetrics" if om else "text").inc()
            result: Iterable[bytes] = exposition(environ, start_response)
            return result
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _plain(start_response, "405 Method Not Allowed", b"use GET\n")
        if path == "/healthz":
            return _plain(start_response, "200 OK", b"ok\n")
        if path == "/readyz":
            ready, reason = readiness.status()
            status = "200 OK" if ready else "503 Service Unavailable"
            body = f"{'ready' if ready else 'not ready'}: {reason}\n".encode()
            return _plain(start_response, status, body)
        if path == "/":
            return _plain(start_response, "200 OK", _INDEX, "text/html; charset=utf-8")
        return _plain(start_response, "404 Not Found", b"not found; see / for the paths served\n")

    return app


class _Handler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        _log.debug("%s - " + format, self.address_string(), *args)


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a slow scraper never holds the process at exit


class MetricsServer(NamedTuple):
    """What `serve` returns; unpacks as `(server, thread, port)`."""

    server: WSGIServer
    thread: threading.Thread
    port: int

    def close(self, timeout: float = 5.0) -> None:
        """Stop serving, close the socket and wait for the serving thread."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout)


def standard_collectors(metrics: Metrics) -> None:
    """Add prometheus_client's ``process_*`` and ``python_*`` collectors to ``metrics``."""
    metrics.register(ProcessCollector(registry=None))
    metrics.register(PlatformCollector(registry=None))
    metrics.register(GCCollector(registry=CollectorRegistry()))  # it insists on a registry


def serve(
    metrics: Metrics,
    host: str = "127.0.0.1",
    port: int = 0,
    readiness: Readiness | None = None,
) -> MetricsServer:
    """Serve `metrics` on `host:port` (0 = a free port) from a daemon thread.

    Returns `MetricsServer(server, thread, actual_port)`; call `.close()` to stop.
    Raises OSError when the address cannot be bound.
    """
    standard_collectors(metrics)
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0][0]

    class Server(_Server):
        address_family = family

    app = exporter_app(metrics, readiness or Readiness(float("inf")))
    server = make_server(host, port, app, Server, handler_class=_Handler)
    thread = threading.Thread(
        target=server.serve_forever, name=f"g6-metrics-http-{server.server_port}", daemon=True
    )
    thread.start()
    return MetricsServer(server, thread, int(server.server_port))
