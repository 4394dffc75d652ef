"""The exporter of ``g6 collect`` (issue 15): /metrics latency, and its cost to a cycle.

  python benchmarks/bench_exporter.py [--rounds 15] [--requests 40] [--cycles 20]

1. ``/metrics`` for the default universe (a registry after 3 cycles: every label set
   present), served over HTTP on 127.0.0.1 with gzip off and on, against the limit:
   prometheus_client's own ``generate_latest`` on the same registry (plus
   ``gzip.compress`` for the gzip case), in the same rounds. Target: served median
   ≤ 5 ms for both; the served/limit ratio is quoted, and prometheus_client's own
   ``start_http_server`` on the same registry beside it (what the library alone costs).
2. Cycles of the default universe (CSV, metrics and panels into a temporary folder)
   with the exporter off and on — on: serving, and scraped once a second (the fastest
   scrape interval an operator uses, and the one of the tests) by a client thread —
   in alternating rounds of ``--cycles`` cycles. Target: on/off ≤ 1.02 on the minimum
   of the rounds' median cycle times (median of the medians quoted).
Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from prometheus_client import generate_latest, start_http_server  # noqa: E402

from g6runtime.config import Settings  # noqa: E402
from g6runtime.market.calendar import IST  # noqa: E402
from g6runtime.metrics.http import Readiness, serve  # noqa: E402
from g6runtime.runner import Runtime  # noqa: E402

LATENCY_TARGET_MS = 5.0
CYCLE_TARGET = 1.02
START = datetime(2026, 11, 26, 9, 15, tzinfo=IST)


def get(port: int, gz: bool) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/metrics", headers={"Accept-Encoding": "gzip" if gz else "identity"})
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise SystemExit(f"bench_exporter: /metrics answered {resp.status}")
        return body
    finally:
        conn.close()


def ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:.3f} ms, min {min(values) * 1000:.3f} ms"


def latency(base: Path, rounds: int, requests: int) -> bool:
    settings = replace(Settings(), csv_dir=base / "lat-csv", panels_dir=base / "lat-panels")
    runtime = Runtime.from_settings(settings, clock="simulated")  # g6 collect's outputs
    for i in range(3):
        runtime.cycle(i + 1, START + timedelta(minutes=i))
    server = serve(runtime.metrics, "127.0.0.1", 0, Readiness(60.0))
    registry = runtime.metrics.registry
    library, _ = start_http_server(0, addr="127.0.0.1", registry=registry)  # for reference
    times: dict[str, list[float]] = {
        "limit": [],
        "limit+gzip": [],
        "served": [],
        "served+gzip": [],
        "library": [],
    }
    try:
        size = len(get(server.port, False))
        for _ in range(rounds):
            for _ in range(requests):
                t0 = time.perf_counter()
                get(library.server_port, False)
                times["library"].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                generate_latest(registry)
                times["limit"].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                get(server.port, False)
                times["served"].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                gzip.compress(generate_latest(registry))
                times["limit+gzip"].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                get(server.port, True)
                times["served+gzip"].append(time.perf_counter() - t0)
    finally:
        library.shutdown()
        library.server_close()
        server.close()
        runtime.close()
    print(f"/metrics of the default universe: {size} bytes, {rounds} x {requests} requests each")
    ok = True
    for label, limit in (("served", "limit"), ("served+gzip", "limit+gzip")):
        median = statistics.median(times[label])
        ratio = median / statistics.median(times[limit])
        verdict = "met" if median * 1000 <= LATENCY_TARGET_MS else "MISSED"
        ok = ok and verdict == "met"
        print(f"  {limit:<11} generate_latest: {ms(times[limit])}")
        print(f"  {label:<11} over HTTP:       {ms(times[label])}  ratio to the limit "
              f"{ratio:.2f}  (target median <= {LATENCY_TARGET_MS} ms): {verdict}")  # fmt: skip
    ratio = statistics.median(times["served"]) / statistics.median(times["library"])
    print(f"  for reference, prometheus_client's own start_http_server on the same registry: "
          f"{ms(times['library'])} (ours/its {ratio:.2f})")  # fmt: skip
    return ok


class Scraper(threading.Thread):
    def __init__(self, port: int, every: float) -> None:
        super().__init__(daemon=True)
        self.port, self.every, self.stop, self.count = port, every, threading.Event(), 0

    def run(self) -> None:
        while not self.stop.wait(self.every):
            get(self.port, True)
            self.count += 1


def cycles(base: Path, rounds: int, n: int) -> bool:
    medians: dict[str, list[float]] = {"off": [], "on": []}
    scrapes = 0
    for r in range(rounds):
        for mode in ("off", "on") if r % 2 == 0 else ("on", "off"):
            folder = base / f"cyc-{r}-{mode}"
            settings = replace(Settings(), csv_dir=folder / "csv", panels_dir=folder / "panels")
            runtime = Runtime.from_settings(settings, clock="simulated")
            server = scraper = None
            if mode == "on":
                server = serve(runtime.metrics, "127.0.0.1", 0, Readiness(60.0))
                scraper = Scraper(server.port, 1.0)
                scraper.start()
            walls = []
            try:
                for i in range(n):
                    t0 = time.perf_counter()
                    out = runtime.cycle(i + 1, START + timedelta(minutes=i))
                    walls.append(time.perf_counter() - t0)
                    if out.failed_outputs:
                        raise SystemExit(f"bench_exporter: a cycle failed: {out.failed_outputs}")
            finally:
                if scraper is not None and server is not None:
                    scraper.stop.set()
                    scraper.join()
                    scrapes += scraper.count
                    server.close()
                runtime.close()
            medians[mode].append(statistics.median(walls))
    ratio = min(medians["on"]) / min(medians["off"])
    median_ratio = statistics.median(medians["on"]) / statistics.median(medians["off"])
    verdict = "met" if ratio <= CYCLE_TARGET else "MISSED"
    print(f"cycles of the default universe: {rounds} alternating rounds of {n} cycles, "
          f"{scrapes} scrapes while on")  # fmt: skip
    for mode in ("off", "on"):
        print(f"  exporter {mode:<3}: round medians min {min(medians[mode]) * 1000:.2f} ms, "
              f"median {statistics.median(medians[mode]) * 1000:.2f} ms")  # fmt: skip
    print(f"  on/off: {ratio:.4f} on the minimum (median of medians {median_ratio:.4f}) "
          f"(target <= {CYCLE_TARGET}): {verdict}")  # fmt: skip
    return verdict == "met"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--requests", type=int, default=40)
    ap.add_argument("--cycles", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="g6-bench-exporter-") as tmp:
        ok = latency(Path(tmp), args.rounds, args.requests)
        ok = cycles(Path(tmp), args.rounds, args.cycles) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
