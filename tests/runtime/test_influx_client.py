"""The InfluxDB v1 client against a real ``influxd``: writes and queries, gzip, auth, a hung
server, a dead one, rejected points, a missing database; and the bytes it puts on the wire."""

from __future__ import annotations

import base64
import gzip
import http.server
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import pytest

from g6runtime.errors import ConfigError, StorageError
from g6runtime.influx import line_protocol as lp
from g6runtime.influx.client import InfluxClient
from g6runtime.influx.errors import (
    InfluxAuthError,
    InfluxDatabaseMissing,
    InfluxRejected,
    InfluxUnavailable,
)

from .influx_server import ADMIN_PASSWORD, ADMIN_USER, InfluxServer

T0 = 1_700_000_000


def _body(count: int, start: int = T0) -> bytes:
    return lp.lines(
        lp.point("g6_option", {"index": "NIFTY", "offset": str(i % 7)}, {"ce": i + 0.5}, start + i)
        for i in range(count)
    )


def _client(server: InfluxServer, db: str, timeout: float = 2.0, **kw: Any) -> InfluxClient:
    return InfluxClient(server.url, db, kw.get("username"), kw.get("password"), timeout)


def test_write_then_query_reads_the_points_back(influx: InfluxServer) -> None:
    client = _client(influx, "client_rw")
    client.create_database()
    client.write(_body(700))
    client.write(_body(700))  # the same points again: idempotent, still 700
    result = client.query('SELECT COUNT("ce") FROM "g6_option"')
    assert result["results"][0]["series"][0]["values"] == [[0, 700]]
    rows = influx.rows('SELECT * FROM "g6_option" WHERE time = 1700000003s', "client_rw")
    assert rows == [{"time": T0 + 3, "ce": 3.5, "index": "NIFTY", "offset": "3"}]
    client.close()


def test_the_gzip_body_is_decoded_by_the_server(influx: InfluxServer) -> None:
    """The body on the wire is gzip (see the capture test): the server storing every point
    proves it honours ``Content-Encoding: gzip`` — undecoded, the bytes do not parse."""
    client = _client(influx, "client_gzip")
    client.create_database()
    client.write(_body(50))
    assert influx.count("g6_option", "client_gzip") == 50
    with pytest.raises(Exception) as caught:  # the same gzip bytes sent as plain text fail
        influx.write(gzip.compress(_body(50)), "client_gzip")
    assert "400" in str(caught.value)


def test_ping_and_create_database(influx: InfluxServer) -> None:
    client = _client(influx, "client_ping")
    assert client.ping() is True
    client.create_database()
    client.create_database()  # idempotent
    names = {row["name"] for row in influx.rows("SHOW DATABASES", "client_ping")}
    assert "client_ping" in names


def test_a_bad_point_is_rejected_with_the_server_s_message(influx: InfluxServer) -> None:
    client = _client(influx, "client_bad")
    client.create_database()
    with pytest.raises(InfluxRejected) as caught:
        client.write(b"g6_option ce=1.5 1700000000\ng6_option this is not line protocol\n")
    text = str(caught.value)
    assert "unable to parse" in text and "this is not line protocol" in text
    assert caught.value.retryable is False and "\n" not in text
    client.write(b"g6_option ce=2.5 1700000001\n")
    with pytest.raises(InfluxRejected, match="field type conflict"):
        client.write(b'g6_option ce="text" 1700000002\n')


def test_a_missing_database_is_its_own_error(influx: InfluxServer) -> None:
    client = _client(influx, "client_no_such_db")
    with pytest.raises(InfluxDatabaseMissing) as caught:
        client.write(_body(1))
    assert "database not found" in str(caught.value) and caught.value.retryable is False
    with pytest.raises(InfluxDatabaseMissing):
        client.query('SELECT * FROM "g6_option"')


def test_a_query_error_raises(influx: InfluxServer) -> None:
    client = _client(influx, "client_q")
    client.create_database()
    with pytest.raises(InfluxRejected, match="error parsing query"):
        client.query("SELEC nonsense")


def test_a_killed_server_is_unavailable_and_a_restart_recovers(
    influx_factory: Callable[..., InfluxServer],
) -> None:
    server = influx_factory()
    client = _client(server, "client_kill")
    client.create_database()
    client.write(_body(10))  # the kept-alive connection is now open
    server.kill()
    with pytest.raises(InfluxUnavailable) as caught:
        client.write(_body(10, T0 + 100))
    assert caught.value.retryable is True and "refused" in str(caught.value)
    assert client.ping() is False
    server.start()
    client.write(_body(10, T0 + 100))  # reconnects by itself
    assert server.count("g6_option", "client_kill") == 20


@pytest.mark.slow
def test_a_hung_server_is_unavailable_within_the_timeout(
    influx_factory: Callable[..., InfluxServer],
) -> None:
    server = influx_factory()
    client = _client(server, "client_hang", timeout=1.0)
    client.create_database()
    client.write(_body(10))
    server.pause()
    try:
        started = time.monotonic()
        with pytest.raises(InfluxUnavailable) as caught:
            client.write(_body(700, T0 + 100))
        elapsed = time.monotonic() - started
        assert 0.9 <= elapsed <= 2.0, elapsed  # timeout + 1 s at most
        assert caught.value.retryable is True and "1 s" in str(caught.value)
        fresh = _client(server, "client_hang", timeout=1.0)  # a new connection hangs too
        started = time.monotonic()
        with pytest.raises(InfluxUnavailable):
            fresh.write(_body(1, T0 + 900))
        assert time.monotonic() - started <= 2.0
    finally:
        server.resume()
    client.write(_body(700, T0 + 100))
    assert server.count("g6_option", "client_hang") >= 710


def test_wrong_credentials_give_one_clear_line_without_the_password(
    influx_factory: Callable[..., InfluxServer],
) -> None:
    server = influx_factory(auth=True)
    wrong = "wr0ng-pa55word-xyz"
    client = _client(server, "client_auth", username=ADMIN_USER, password=wrong)
    for call in (lambda: client.write(_body(1)), lambda: client.query("SHOW DATABASES")):
        with pytest.raises(InfluxAuthError) as caught:
            call()
        text = str(caught.value)
        assert wrong not in text and ADMIN_PASSWORD not in text and "\n" not in text
        assert "storage.influx.username" in text and "G6_INFLUX_USERNAME" in text
        assert "password file" in text and caught.value.retryable is False
    assert wrong not in repr(client)
    anonymous = _client(server, "client_auth")
    with pytest.raises(InfluxAuthError, match="requires credentials"):
        anonymous.write(_body(1))
    good = _client(server, "client_auth", username=ADMIN_USER, password=ADMIN_PASSWORD)
    good.create_database()
    good.write(_body(5))
    assert server.count("g6_option", "client_auth") == 5


def test_every_client_error_is_a_storage_error() -> None:
    for cls in (InfluxUnavailable, InfluxAuthError, InfluxRejected, InfluxDatabaseMissing):
        assert issubclass(cls, StorageError)
    assert InfluxUnavailable.retryable and not InfluxRejected.retryable


@pytest.mark.parametrize(
    "url",
    ["", "127.0.0.1:8086", "ftp://host", "http://", "http://host:notaport", "http://h/?x=1"],
)
def test_a_bad_url_is_a_config_error(url: str) -> None:
    with pytest.raises(ConfigError, match="G6_INFLUX_URL") as caught:
        InfluxClient(url, "g6", None, None, 1.0)
    assert "\n" not in str(caught.value)


def test_credentials_in_the_url_are_refused_without_echoing_them() -> None:
    with pytest.raises(ConfigError) as caught:
        InfluxClient("http://user:hunter2@host:8086", "g6", None, None, 1.0)
    assert "hunter2" not in str(caught.value) and "password file" in str(caught.value)


def test_url_forms() -> None:
    assert InfluxClient("http://h", "g6", None, None, 1).url == "http://h:8086"
    assert InfluxClient("https://h/influx/", "g6", None, None, 1).url == "https://h:443/influx"
    with pytest.raises(ConfigError):
        InfluxClient("http://h", "", None, None, 1)
    with pytest.raises(ConfigError):
        InfluxClient("http://h", "g6", None, None, 0)


# -- the request on the wire ----------------------------------------------------------------


class _Capture(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[tuple[str, str, dict[str, str], bytes]]] = []
    status = 204

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.seen.append((self.command, self.path, dict(self.headers), self.rfile.read(length)))
        self.send_response(self.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def capture() -> Iterator[tuple[str, type[_Capture]]]:
    handler = type("Handler", (_Capture,), {"seen": [], "status": 204})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/prefix", handler
    server.shutdown()
    server.server_close()


def test_the_write_request_is_gzip_with_basic_auth_on_one_connection(
    capture: tuple[str, type[_Capture]],
) -> None:
    url, handler = capture
    client = InfluxClient(url, "my db", "ops", "pa:ss", 1.0)
    body = _body(30)
    client.write(body)
    client.write(body)
    assert len(handler.seen) == 2
    method, path, headers, sent = handler.seen[0]
    assert (method, path) == ("POST", "/prefix/write?db=my+db&precision=s")
    assert headers["Content-Encoding"] == "gzip" and gzip.decompress(sent) == body
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"ops:pa:ss").decode()
    assert headers.get("Connection", "keep-alive").lower() != "close"
    anonymous = InfluxClient(url, "g6", None, None, 1.0)
    anonymous.write(body)
    assert "Authorization" not in handler.seen[2][2]


def test_a_5xx_answer_is_retryable(capture: tuple[str, type[_Capture]]) -> None:
    url, handler = capture
    handler.status = 503
    with pytest.raises(InfluxUnavailable) as caught:
        InfluxClient(url, "g6", None, None, 1.0).write(_body(1))
    assert "503" in str(caught.value) and caught.value.retryable
