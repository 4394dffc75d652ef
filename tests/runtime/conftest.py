"""Fixtures for the runtime tests."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .influx_server import InfluxServer, influxd_path


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """In-process runs read the environment and default folders: keep both out of the repo
    (a module opts in with ``pytestmark = pytest.mark.usefixtures("isolated")``)."""
    for name in list(os.environ):
        if name.startswith("G6_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def _require_influxd() -> None:
    """Skip when ``influxd`` is absent, except under CI (``CI=true``), which must not skip."""
    if influxd_path() is not None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(
            "influxd is not on PATH but CI=true: CI must run the InfluxDB tests"
            " (.ci/run installs Debian's influxdb package)",
            pytrace=False,
        )
    pytest.skip("influxd (InfluxDB 1.x) is not on PATH: install Debian's influxdb package")


@pytest.fixture(scope="session")
def influx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InfluxServer]:
    """One real influxd per test session (per xdist worker), shared: each test uses its own
    database names. Tests that pause, kill, restart or need auth use ``influx_factory``."""
    _require_influxd()
    server = InfluxServer(tmp_path_factory.mktemp("influxd")).start()
    yield server
    server.stop()


@pytest.fixture
def influx_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., InfluxServer]]:
    """``influx_factory(auth=False)`` starts a private influxd, stopped after the test."""
    _require_influxd()
    servers: list[InfluxServer] = []

    def start(*, auth: bool = False) -> InfluxServer:
        server = InfluxServer(tmp_path_factory.mktemp("influxd"), auth=auth)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.kill()
