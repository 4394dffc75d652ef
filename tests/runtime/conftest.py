"""Fixtures for the runtime tests."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .influx_server import InfluxServer
from .prometheus_server import CollectProcess, PrometheusServer
from .support import clean_env, require_tool


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
    require_tool("influxd", "InfluxDB tests", "influxdb")


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


# -- a real Prometheus scraping a real g6 collect (test_prometheus.py) ----------------------


@pytest.fixture(scope="module")
def prometheus_binary() -> str:
    """The ``prometheus`` binary; skips when absent, except under CI (``CI=true``): fails."""
    return require_tool("prometheus", "Prometheus tests", "prometheus")


@pytest.fixture(scope="session")
def promtool() -> str:
    """The ``promtool`` binary; skips when absent, except under CI (``CI=true``): fails."""
    return require_tool("promtool", "promtool tests", "prometheus")


@pytest.fixture(scope="module")
def g6_collect(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CollectProcess]:
    """One ``g6 collect --ignore-market-hours --interval 1 --metrics-port 0`` per module
    (synthetic market, folders in a temporary directory); ``.process`` and ``.port``.
    Stopped with SIGTERM at the end, which must exit 0."""
    folder = tmp_path_factory.mktemp("collect")
    run = CollectProcess(
        folder,
        *("--ignore-market-hours", "--interval", "1", "--metrics-port", "0"),
        *("--csv-dir", str(folder / "csv"), "--panels-dir", str(folder / "panels")),
        env=clean_env(),
    ).start()
    yield run
    status = run.stop()
    assert status == 0, f"g6 collect exited {status} on SIGTERM; stderr:\n{run.stderr()}"


@pytest.fixture(scope="module")
def prometheus(
    prometheus_binary: str,
    g6_collect: CollectProcess,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[PrometheusServer]:
    """A real Prometheus (job ``g6``, 1 s scrapes) scraping the module's ``g6_collect``."""
    server = PrometheusServer(tmp_path_factory.mktemp("prometheus"), [g6_collect.target])
    yield server.start()
    server.stop()
