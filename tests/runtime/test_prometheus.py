"""A real Prometheus scraping a real ``g6 collect`` (issue 15, SPEC §2 "Metrics endpoint"),
and /readyz end to end on real processes.

One ``g6 collect --ignore-market-hours --interval 1`` and one ``prometheus`` (1 s scrapes) are
shared by the module (fixtures in conftest.py); the tests read Prometheus' HTTP API: the
target is up, cycles have a rate, ``sum(rate(g6_errors_total[5s]))`` is 0 and the labelled
counters were there at the first scrape, build and process information arrive, the scrape is
OpenMetrics and its sample count is exactly what a direct OpenMetrics GET shows. Every direct
GET of /metrics here asks for OpenMetrics, so the ``format="text"`` count stays Prometheus'
alone to disprove.

/readyz: 200 while cycles run; 503 naming the output when the CSV folder becomes a file
(and the process then stops after ``storage.max_failed_cycles`` with one line); 503 "over 2
intervals" while the provider stalls (the local Kite server delays its answers), with
/healthz and /metrics still served, and 200 again when cycles resume.
"""

from __future__ import annotations

import platform
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import g6runtime
from g6runtime.testing.kite_server import KiteServer

from .prometheus_server import OPENMETRICS, CollectProcess, PrometheusServer, values
from .support import clean_env

pytestmark = pytest.mark.slow


def om_samples(run: CollectProcess) -> list[str]:
    """The sample lines of a direct OpenMetrics GET of /metrics (no comments, no # EOF)."""
    status, headers, body = run.get("/metrics", Accept=OPENMETRICS)
    assert status == 200
    assert headers["Content-Type"].startswith("application/openmetrics-text; version=1.0.0;")
    text = body.decode()
    assert text.endswith("\n# EOF\n")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def first_scrape(prometheus: PrometheusServer) -> float:
    """The time of the first successful scrape of job g6 (waits for two scrapes)."""
    up = prometheus.wait_for(
        'up{job="g6"}[1h]', lambda r: len(r) == 1 and len(r[0]["values"]) >= 2, timeout=30
    )
    assert [float(v) for _, v in up[0]["values"]] == [1.0] * len(up[0]["values"])
    return float(up[0]["values"][0][0])


def test_the_target_is_up_and_cycles_have_a_rate(
    prometheus: PrometheusServer, g6_collect: CollectProcess
) -> None:
    first_scrape(prometheus)
    assert values(prometheus.query('up{job="g6"}')) == [1.0]
    [target] = prometheus.active_targets()
    assert target["health"] == "up" and target["lastError"] == ""
    assert target["scrapeUrl"] == f"http://{g6_collect.target}/metrics"
    assert target["scrapeInterval"] == "1s"
    # 5 s is five scrapes at 1 s; once the window is full (rate() divides by the range and
    # extrapolates little past the samples), one cycle a second shows as a rate near 1
    full = 'count_over_time(g6_cycles_total{job="g6"}[5s])'
    prometheus.wait_for(full, lambda r: len(r) == 1 and values(r)[0] >= 5, timeout=15)
    rate = values(prometheus.query('rate(g6_cycles_total{job="g6"}[5s])'))
    assert len(rate) == 1 and 0.5 < rate[0] < 1.5, rate


def test_errors_sum_to_zero_from_the_first_scrape(prometheus: PrometheusServer) -> None:
    t0 = first_scrape(prometheus)
    # the labelled error counters are in the very first scrape, at 0 ...
    errors = prometheus.query('g6_errors_total{job="g6"}', at=t0)
    assert errors and all(float(e["value"][0]) == t0 for e in errors)
    assert set(values(errors)) == {0.0}
    assert {e["metric"]["component"] for e in errors} >= {"provider", "csv"}
    assert values(prometheus.query('sum(g6_errors_total{job="g6"})', at=t0)) == [0.0]
    # ... so the operator's query is a number (0), not an empty result
    ready = prometheus.wait_for(
        'sum(rate(g6_errors_total{job="g6"}[5s]))', lambda r: len(r) == 1, timeout=10
    )
    assert ready[0]["metric"] == {} and values(ready) == [0.0]


def test_build_process_and_python_information(
    prometheus: PrometheusServer, g6_collect: CollectProcess
) -> None:
    first_scrape(prometheus)
    [info] = prometheus.query('g6_build_info{job="g6"}')
    labels = info["metric"]
    assert labels["version"] == g6runtime.__version__
    assert labels["python"] == platform.python_version()  # the same interpreter runs g6
    assert re.fullmatch(r"[0-9a-f]{12}", labels["config_hash"]), labels
    assert values([info]) == [1.0]
    direct = [s for s in om_samples(g6_collect) if s.startswith("g6_build_info{")]
    assert len(direct) == 1 and f'config_hash="{labels["config_hash"]}"' in direct[0]
    [cpu] = prometheus.query('process_cpu_seconds_total{job="g6"}')
    assert float(cpu["value"][1]) > 0
    [python] = prometheus.query('python_info{job="g6"}')
    assert python["metric"]["version"] == platform.python_version()
    assert prometheus.query('process_resident_memory_bytes{job="g6"} > 0')


def test_the_scrape_is_openmetrics_with_every_sample(
    prometheus: PrometheusServer, g6_collect: CollectProcess
) -> None:
    first_scrape(prometheus)
    prometheus.wait_for('sum_over_time(up{job="g6"}[1h])', lambda r: values(r) >= [3.0])
    # every Prometheus scrape was counted as OpenMetrics (the counter is incremented before
    # its exposition is made, so scrape k shows at least k); none as text
    now = time.time()
    scrapes = values(prometheus.query('sum_over_time(up{job="g6"}[1h])', at=now))
    om = values(prometheus.query('g6_exporter_scrapes_total{format="openmetrics"}', at=now))
    assert len(om) == 1 and om[0] >= scrapes[0] >= 3
    text = prometheus.query('max_over_time(g6_exporter_scrapes_total{format="text"}[1h])')
    assert values(text) == [0.0]
    # the series are fixed from the first scrape (labelled counters start at 0), so
    # Prometheus' sample count equals a direct OpenMetrics GET's exactly
    added = prometheus.query('scrape_series_added{job="g6"}[1h]')
    counts = prometheus.query('scrape_samples_scraped{job="g6"}[1h]')
    first_added, first_count = float(added[0]["values"][0][1]), float(counts[0]["values"][0][1])
    assert first_added == first_count > 0
    assert {float(v) for _, v in counts[0]["values"]} == {first_count}
    assert len(om_samples(g6_collect)) == first_count


def test_readyz_is_200_while_cycles_run(g6_collect: CollectProcess) -> None:
    deadline = time.monotonic() + 10
    status, body = 0, b""
    while time.monotonic() < deadline:
        status, _, body = g6_collect.get("/readyz")
        if status == 200:
            break
        time.sleep(0.1)
    assert status == 200, body
    assert re.fullmatch(
        rb"ready: the last cycle ended \d+\.\d s ago and wrote every output\n", body
    )
    assert g6_collect.get("/healthz")[::2] == (200, b"ok\n")


def poll_readyz(run: CollectProcess, want: int, timeout: float) -> bytes:
    """Poll /readyz until it answers ``want``; its body."""
    deadline = time.monotonic() + timeout
    seen: set[tuple[int, bytes]] = set()
    while time.monotonic() < deadline:
        assert run.process.poll() is None, f"g6 collect exited; stderr:\n{run.stderr()}"
        status, _, body = run.get("/readyz")
        if status == want:
            return body
        seen.add((status, body))
        time.sleep(0.1)
    raise AssertionError(f"/readyz never answered {want} in {timeout:g} s; saw {sorted(seen)}")


def test_readyz_503_when_the_csv_output_fails_then_collect_stops(tmp_path: Path) -> None:
    csv = tmp_path / "csv"
    run = CollectProcess(
        tmp_path,
        *("--ignore-market-hours", "--interval", "1", "--metrics-port", "0"),
        *("--csv-dir", str(csv), "--panels-dir", str(tmp_path / "panels")),
        env=clean_env(),
    ).start()
    try:
        poll_readyz(run, 200, timeout=15)
        csv.rename(tmp_path / "csv.away")
        csv.write_text("a file where the CSV folder was\n", encoding="utf-8")
        body = poll_readyz(run, 503, timeout=10)
        assert body == b"not ready: the last cycle did not write: csv\n"
        assert run.get("/healthz")[0] == 200  # not ready, but alive
        status = run.wait(timeout=20)  # storage.max_failed_cycles (3) in a row: it stops
    finally:
        run.stop()
    err = run.stderr()
    assert status == 2, err
    assert "Traceback" not in err
    last = err.rstrip("\n").splitlines()[-1]
    assert last.startswith("g6: 3 consecutive cycles with a failed output (last: csv")
    assert last.endswith("stopping (storage.max_failed_cycles 3)")
    assert err.count("consecutive cycles") == 1
    assert err.count("csv output failed") == 3


@pytest.fixture
def kite() -> Iterator[KiteServer]:
    with KiteServer(seed=5, rate_limits=None) as server:
        yield server


def test_readyz_503_while_the_provider_stalls_and_200_when_cycles_resume(
    kite: KiteServer, tmp_path: Path
) -> None:
    env = clean_env(
        G6_KITE_API_KEY=kite.api_key,
        G6_KITE_ROOT=kite.root,
        G6_KITE_ACCESS_TOKEN=kite.access_token,
        G6_INDICES="NIFTY",
    )
    run = CollectProcess(
        tmp_path,
        *("--provider", "kite", "--ignore-market-hours", "--interval", "2"),
        *("--metrics-port", "0", "--csv-dir", "csv", "--panels-dir", "panels"),
        env=env,
    ).start()
    try:
        poll_readyz(run, 200, timeout=20)
        # Kite answers the next index-level request after 5 s (under the client's 7 s
        # timeout, so nothing fails): no cycle ends for over two intervals (4 s)
        kite.set_fault("delay", endpoints=["ltp"], times=1, seconds=5)
        body = poll_readyz(run, 503, timeout=12)
        assert re.fullmatch(
            rb"not ready: the last cycle ended \d+\.\d s ago \(over 2 intervals, 4 s\)\n", body
        )
        assert run.get("/healthz")[::2] == (200, b"ok\n")  # the exporter still answers
        assert run.get("/metrics", Accept=OPENMETRICS)[0] == 200
        poll_readyz(run, 200, timeout=20)  # the delayed answers came: cycles end again
    finally:
        status = run.stop()
    assert status == 0, run.stderr()
    assert "Traceback" not in run.stderr()
