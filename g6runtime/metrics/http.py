"""Serve the exposition over HTTP with the standard library (thin adapter).

`GET /metrics` (a query string is ignored) answers 200 with the text format
0.0.4; every other path answers 404. The logic is `registry.exposition`; this
module only translates HTTP.
"""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple

from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4

from .registry import Metrics, exposition

__all__ = ["METRICS_PATH", "MetricsServer", "serve"]

METRICS_PATH = "/metrics"
_log = logging.getLogger(__name__)


class MetricsServer(NamedTuple):
    """What `serve` returns; unpacks as `(server, thread, port)`."""

    server: ThreadingHTTPServer
    thread: threading.Thread
    port: int

    def close(self, timeout: float = 5.0) -> None:
        """Stop serving, close the socket and wait for the serving thread."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout)


class _Handler(BaseHTTPRequestHandler):
    server_version = "g6-metrics"

    def __init__(self, *args: Any, metrics: Metrics, **kwargs: Any) -> None:
        self._metrics = metrics  # set before super().__init__, which handles the request
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def _respond(self, *, send_body: bool) -> None:
        if self.path.partition("?")[0] == METRICS_PATH:
            status, content_type, body = 200, CONTENT_TYPE_PLAIN_0_0_4, exposition(self._metrics)
        else:
            status, content_type, body = 404, "text/plain; charset=utf-8", b"not found\n"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        _log.debug("%s - " + format, self.address_string(), *args)


def serve(metrics: Metrics, host: str = "127.0.0.1", port: int = 0) -> MetricsServer:
    """Serve `metrics` on `host:port` (0 = a free port) from a daemon thread.

    Returns `MetricsServer(server, thread, actual_port)`; call `.close()` to stop.
    Raises OSError when the address cannot be bound.
    """

    def handler(*args: Any, **kwargs: Any) -> _Handler:
        return _Handler(*args, metrics=metrics, **kwargs)

    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, name=f"g6-metrics-http-{server.server_address[1]}", daemon=True
    )
    thread.start()
    return MetricsServer(server, thread, int(server.server_address[1]))
