"""The exporter of ``g6 collect`` (SPEC §2 "Metrics endpoint"), over real HTTP on 127.0.0.1.

/metrics through prometheus_client's WSGI exposition (text 0.0.4, OpenMetrics on request,
gzip on request), /healthz, /readyz, /, the standard collectors, ``g6_build_info`` with
its ``config_hash``, labelled counters at 0 from the start, duplicate registrations
counted. The real Prometheus scraping a real ``g6 collect`` is in test_prometheus.py.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families as om_parse
from prometheus_client.parser import text_string_to_metric_families

from g6runtime.config import Settings
from g6runtime.known_labels import label_sets
from g6runtime.metrics.http import MetricsServer, Readiness, serve
from g6runtime.metrics.registry import Metrics
from g6runtime.provenance import build_labels, config_hash
from g6runtime.runner import OUTPUT_NAMES, build_metrics

OM = "application/openmetrics-text; version=1.0.0; charset=utf-8"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def exporter(clock: Clock) -> Iterator[tuple[Metrics, Readiness, MetricsServer]]:
    metrics = build_metrics(Settings())
    readiness = Readiness(60.0, clock)
    running = serve(metrics, "127.0.0.1", 0, readiness)
    try:
        yield metrics, readiness, running
    finally:
        running.close()
    assert not running.thread.is_alive()


def get(port: int, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, dict(exc.headers), exc.read()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_metrics_is_the_text_format_by_default_with_standard_collectors(exporter) -> None:
    _, _, running = exporter
    status, headers, body = get(running.port, "/metrics")
    assert status == 200
    assert headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    names = {name for name, _ in samples(body.decode())}
    for standard in ("process_cpu_seconds_total", "process_resident_memory_bytes", "python_info"):
        assert standard in names
    assert any(name.startswith("python_gc_") for name in names)
    info = [
        labels for (name, labels), v in samples(body.decode()).items() if name == "g6_build_info"
    ]
    assert info == [tuple(sorted(build_labels(Settings()).items()))]


def test_openmetrics_when_asked_and_counted(exporter) -> None:
    _, _, running = exporter
    status, headers, body = get(running.port, "/metrics", Accept=OM)
    assert status == 200
    assert headers["Content-Type"].startswith("application/openmetrics-text; version=1.0.0")
    text = body.decode()
    assert text.endswith("# EOF\n")
    families = {f.name for f in om_parse(text)}  # the OpenMetrics parser accepts it
    assert "g6_cycles" in families
    get(running.port, "/metrics")
    _, _, body = get(running.port, "/metrics")
    scraped = samples(body.decode())
    # this request is counted before its exposition is made: 1 OpenMetrics, 2 text so far
    assert scraped[("g6_exporter_scrapes_total", (("format", "openmetrics"),))] == 1
    assert scraped[("g6_exporter_scrapes_total", (("format", "text"),))] == 2


def test_gzip_when_accepted_and_plain_otherwise(exporter) -> None:
    _, _, running = exporter
    status, headers, body = get(running.port, "/metrics", **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert b"g6_cycles_total" in gzip.decompress(body)
    _, headers, body = get(running.port, "/metrics", **{"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in headers and b"g6_cycles_total" in body


def test_healthz_index_and_unknown_paths(exporter) -> None:
    _, _, running = exporter
    assert get(running.port, "/healthz")[::2] == (200, b"ok\n")
    status, headers, body = get(running.port, "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    for link in (b'href="/metrics"', b'href="/healthz"', b'href="/readyz"'):
        assert link in body
    assert get(running.port, "/nothing")[0] == 404
    request = urllib.request.Request(
        f"http://127.0.0.1:{running.port}/healthz", data=b"x", method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=10)
    assert info.value.code == 405
    info.value.close()


def test_readyz_follows_the_last_cycle(exporter, clock: Clock) -> None:
    _, readiness, running = exporter
    status, _, body = get(running.port, "/readyz")
    assert (status, body) == (503, b"not ready: no cycle has ended yet\n")
    readiness.cycle_ended([])
    clock.now += 119.0  # within two intervals of 60 s
    status, _, body = get(running.port, "/readyz")
    assert status == 200 and body.startswith(b"ready: ")
    clock.now += 2.0  # 121 s: the cycles stopped
    status, _, body = get(running.port, "/readyz")
    assert status == 503 and b"over 2 intervals" in body
    readiness.cycle_ended(["csv", "influx"])  # recent, but an output failed
    status, _, body = get(running.port, "/readyz")
    assert (status, body) == (503, b"not ready: the last cycle did not write: csv, influx\n")
    readiness.cycle_ended([])
    assert get(running.port, "/readyz")[0] == 200


def test_known_label_values_start_at_zero() -> None:
    settings = Settings()
    metrics = build_metrics(settings)
    scraped = samples(metrics_text(metrics))
    errors = [v for (name, _), v in scraped.items() if name == "g6_errors_total"]
    assert errors and sum(errors) == 0  # sum(rate(g6_errors_total[1m])) has series to sum
    for name, sets in label_sets(settings, OUTPUT_NAMES).items():
        for labels in sets:
            assert scraped[(name, tuple(sorted(labels.items())))] == 0, (name, labels)
    collected = {
        dict(k)["index"] + " " + dict(k)["expiry"]
        for (n, k) in scraped
        if n == "g6_options_collected_total"
    }
    assert "NIFTY this_week" in collected and "SENSEX next_week" in collected
    assert "BANKNIFTY this_week" not in collected  # monthly-only: no weekly series
    assert "BANKNIFTY next_month" in collected
    # the indices of the settings, not a fixed list
    only = build_metrics(replace(settings, indices=("FINNIFTY",)))
    rows = {k for (n, k) in samples(metrics_text(only)) if n == "g6_csv_rows_written_total"}
    assert rows == {(("index", "FINNIFTY"),)}


def metrics_text(metrics: Metrics) -> str:
    from g6runtime.metrics import exposition

    return exposition(metrics).decode()


def test_a_duplicate_registration_is_counted_not_fatal(caplog: pytest.LogCaptureFixture) -> None:
    metrics = build_metrics(Settings())
    first = serve(metrics)
    first.close()
    second = serve(metrics)  # the standard collectors again: refused, counted, logged
    try:
        _, _, body = get(second.port, "/metrics")
    finally:
        second.close()
    scraped = samples(body.decode())
    assert scraped[("g6_metric_duplicates_total", ())] == 3  # process, platform, gc
    assert body.decode().count("# TYPE process_cpu_seconds_total counter") == 1
    assert sum("not registered twice" in r.getMessage() for r in caplog.records) == 3


def test_config_hash_is_stable_across_processes_and_ignores_secret_values(tmp_path: Path) -> None:
    settings = Settings(enable_groups=frozenset({"cycle", "storage", "errors", "options"}))
    code = (
        "from g6runtime.config import Settings;from g6runtime.provenance import config_hash;"
        "print(config_hash(Settings(enable_groups=frozenset({'cycle','storage','errors','options'}))))"
    )
    hashes = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
        ).stdout.strip()
        for seed in ("1", "2", "3")
    }
    assert hashes == {config_hash(settings)}
    a = replace(settings, hmac_key=b"first-secret-key")
    b = replace(settings, hmac_key=b"other-secret-key")
    assert config_hash(a) == config_hash(b) != config_hash(settings)  # set, value unseen
    assert config_hash(replace(settings, seed=7)) != config_hash(settings)
    metrics = build_metrics(a)
    assert b"first-secret-key" not in metrics_text(metrics).encode()
