"""The Influx sink against a local influxd: cycle cost with the sink on vs off, and replay
throughput against curl posting the same line protocol (the server's limit).

  python benchmarks/bench_influx.py [--rounds 15] [--cycles 20] [--replay-cycles 100]

1. Cycle wall time of the default universe (CSV and metrics included), the
   sink off and on: each round starts one worker process per side
   (``Runtime.from_settings``, a fresh CSV folder and spool) and alternates them cycle
   by cycle, so both sides see the machine's speed of the same moment (it drifts by
   tens of percent over seconds here). Each side's cycles are ``--pace`` seconds apart
   (default 0.25 s, 240 times the default interval's rate), the other side's cycle half
   way between: a cycle runs once per interval, and the sender posts its points in a
   few milliseconds after it. Target: on/off median wall <= 1.10 (minimum CPU per
   cycle quoted beside it). The same back to back, one side after the other in this
   process (the sender's post and influxd's ingest then overlap the next cycle on the
   same two cores, which no deployment does) is quoted, not judged.
2. Replay: a spool of ``--replay-cycles`` cycles (as an outage leaves it: the sender has
   converted each CSV segment into a gzip member of its points) drained by the sender
   (gzip, up to batch_points per request) into a fresh database, alternating with
   ``curl --data-binary @file`` posting the same points as one file into another fresh
   database. Target: sender points/s >= 0.8 x curl's (best of the rounds each).
Needs ``influxd`` and ``curl`` on PATH; exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from g6runtime.config import InfluxSettings, Settings  # noqa: E402
from g6runtime.influx.client import InfluxClient  # noqa: E402
from g6runtime.influx.sink import Sender, batches, segment_body, segment_gzip  # noqa: E402
from g6runtime.influx.spool import Spool  # noqa: E402
from g6runtime.market.calendar import IST  # noqa: E402
from g6runtime.runner import Runtime, build_metrics  # noqa: E402
from g6runtime.storage.csv_format import cycle_lines  # noqa: E402
from tests.runtime.influx_server import InfluxServer  # noqa: E402

CYCLE_TARGET = 1.10
REPLAY_TARGET = 0.8
START = datetime(2026, 11, 26, 9, 15, tzinfo=IST)


def cycles(settings: Settings, n: int, offset: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of ``n`` cycles back to back after one warm-up (sink drained
    at close)."""
    rt = Runtime.from_settings(settings, outputs=("csv", "influx", "metrics"))
    base = START + timedelta(days=offset)
    rt.cycle(0, base)
    walls, cpus = [], []
    for i in range(n):
        c0, t0 = time.process_time(), time.perf_counter()
        out = rt.cycle(i + 1, base + timedelta(minutes=i + 1))
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        if out.failed_outputs:
            raise SystemExit(f"bench_influx: {out.storage_error}")
    rt.close()
    return walls, cpus


def worker(side: str, folder: Path, url: str, offset: int) -> int:
    """One side of a paced round: a cycle for each line on stdin, its figures on stdout."""
    settings = replace(Settings(), csv_dir=folder / "csv")
    outputs: tuple[str, ...] = ("csv", "metrics")
    if side == "on":
        influx = InfluxSettings(enabled=True, url=url, spool_dir=folder / "spool")
        settings = replace(settings, influx=influx)
        outputs = ("csv", "influx", "metrics")
    rt = Runtime.from_settings(settings, outputs=outputs)
    base = START + timedelta(days=offset)
    rt.cycle(0, base)
    print("ready", flush=True)
    for i, _ in enumerate(sys.stdin):
        c0, t0 = time.process_time(), time.perf_counter()
        out = rt.cycle(i + 1, base + timedelta(minutes=i + 1))
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        if out.failed_outputs:
            raise SystemExit(f"bench_influx: {out.storage_error}")
        print(json.dumps([wall, cpu]), flush=True)
    rt.close()
    return 0


def paced_round(
    base: Path, url: str, n: int, offset: int, pace: float, first: str
) -> dict[str, tuple[list[float], list[float]]]:
    """One round: an off and an on worker, alternating cycle by cycle (``first`` first)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = {}
    for side in ("off", "on"):
        cmd = [sys.executable, __file__, "--worker", side, str(base / f"{side}{offset}")]
        procs[side] = subprocess.Popen(
            [*cmd, url, str(offset)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
            text=True,
        )  # fmt: skip
    order = [first, "on" if first == "off" else "off"]
    out: dict[str, tuple[list[float], list[float]]] = {side: ([], []) for side in order}
    try:
        for side in order:
            assert procs[side].stdout is not None
            if procs[side].stdout.readline().strip() != "ready":
                raise SystemExit(f"bench_influx: the {side} worker did not start")
        for _ in range(n):
            for side in order:
                proc = procs[side]
                assert proc.stdin is not None and proc.stdout is not None
                proc.stdin.write("cycle\n")
                proc.stdin.flush()
                reply = proc.stdout.readline()
                if not reply:
                    raise SystemExit(f"bench_influx: the {side} worker stopped")
                wall, cpu = json.loads(reply)
                out[side][0].append(wall)
                out[side][1].append(cpu)
                time.sleep(pace / 2)
    finally:
        for proc in procs.values():
            assert proc.stdin is not None
            proc.stdin.close()
        for side, proc in procs.items():
            if proc.wait(60) != 0:
                raise SystemExit(f"bench_influx: the {side} worker failed")
    return out


def spool_of(folder: Path, n: int) -> tuple[int, bytes]:
    """A spool of ``n`` cycles' rows as an outage leaves it (each CSV segment converted by
    the sender into a gzip member of its points); also their points as one
    line-protocol body (for curl)."""
    rt = Runtime.from_settings(replace(Settings(), csv_dir=folder / "csv"), outputs=())
    spool = Spool(folder / "spool", 10**10)
    spool.open()
    whole: list[bytes] = []
    points = 0
    for i in range(n):
        out = rt.cycle(i + 1, START + timedelta(minutes=i))
        lines = cycle_lines(out.options, out.overview)
        for body, count in batches((*lines.options, *lines.overview), 5000):
            segment = spool.append(body, count, "csv")
            assert segment is not None
            whole.append(segment_body(spool, segment))
            spool.convert(segment, segment_gzip(spool, segment), "gz")  # as the sender does
            points += count
    spool.close()
    return points, b"".join(whole)


def replay(server: InfluxServer, folder: Path, db: str, batch_points: int) -> float:
    """Seconds for the sender to drain a copy of ``folder``'s spool into ``db``."""
    work = folder.with_name(folder.name + "-" + db)
    shutil.copytree(folder, work)
    client = InfluxClient(server.url, db, None, None, 30.0)
    client.create_database()
    spool = Spool(work, 10**10)
    spool.open()
    sender = Sender(client, spool, build_metrics(Settings()), batch_points)
    t0 = time.perf_counter()
    sender.start()
    while spool.pending():
        time.sleep(0.002)
    seconds = time.perf_counter() - t0
    sender.stop(0)
    spool.close()
    client.close()
    shutil.rmtree(work)
    return seconds


def curl(server: InfluxServer, body_file: Path, db: str) -> float:
    server.create_database(db)
    cmd = ["curl", "-s", "-f", "-XPOST", f"{server.url}/write?db={db}&precision=s"]
    cmd += ["--data-binary", f"@{body_file}"]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> int:
    if sys.argv[1:2] == ["--worker"]:
        side, folder, url, offset = sys.argv[2:6]
        return worker(side, Path(folder), url, int(offset))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--cycles", type=int, default=20)
    ap.add_argument("--replay-cycles", type=int, default=100)
    ap.add_argument("--pace", type=float, default=0.25, help="seconds between cycles")
    args = ap.parse_args()
    if shutil.which("influxd") is None or shutil.which("curl") is None:
        print("bench_influx: needs influxd and curl on PATH", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="g6-bench-influx-") as tmp:
        base = Path(tmp)
        server = InfluxServer(base / "influxd").start()
        try:
            return run(args, base, server)
        finally:
            server.stop()


def run(args: argparse.Namespace, base: Path, server: InfluxServer) -> int:
    off = replace(Settings(), csv_dir=base / "off")
    on = replace(
        Settings(),
        csv_dir=base / "on",
        influx=InfluxSettings(enabled=True, url=server.url, spool_dir=base / "spool"),
    )
    walls: dict[str, list[float]] = {"off": [], "on": [], "off b2b": [], "on b2b": []}
    cpus: dict[str, list[float]] = {k: [] for k in walls}
    for r in range(args.rounds):
        first = "off" if r % 2 == 0 else "on"
        paced = paced_round(base / "paced", server.url, args.cycles, r, args.pace, first)
        for name, (w, c) in paced.items():
            walls[name] += w
            cpus[name] += c
        order = [("off", off), ("on", on)] if r % 2 == 0 else [("on", on), ("off", off)]
        for name, settings in order:
            w, c = cycles(settings, args.cycles, offset=r)
            walls[name + " b2b"] += w
            cpus[name + " b2b"] += c
    med = {k: statistics.median(v) * 1e3 for k, v in walls.items()}
    cpu_min = {k: min(v) * 1e3 for k, v in cpus.items()}
    cycle_ratio = med["on"] / med["off"]
    print(
        f"{args.rounds} alternating rounds x {args.cycles} cycles of the default universe, "
        f"{args.pace:g} s apart, the sides alternating cycle by cycle (and back to back, "
        "quoted)"
    )
    for k in walls:
        print(f"  sink {k:<7}: median wall {med[k]:7.2f} ms, min CPU {cpu_min[k]:7.2f} ms")
    print(
        f"  on/off: median wall {cycle_ratio:.3f}, min CPU {cpu_min['on'] / cpu_min['off']:.3f}"
        f" (target <= {CYCLE_TARGET}); back to back {med['on b2b'] / med['off b2b']:.3f}"
    )

    points, body = spool_of(base / "replay", args.replay_cycles)
    body_file = base / "replay" / "all.lp"
    body_file.write_bytes(body)
    ours, theirs = [], []
    for r in range(args.rounds):
        ours.append(replay(server, base / "replay" / "spool", f"sender{r}", 5000))
        theirs.append(curl(server, body_file, f"curl{r}"))
    rate = points / min(ours)
    limit = points / min(theirs)
    replay_ratio = rate / limit
    print(f"replay of {points} points ({len(body) / 1e6:.1f} MB), best of {args.rounds} each")
    print(
        f"  sender: {rate:,.0f} points/s (median {points / statistics.median(ours):,.0f}); "
        f"curl: {limit:,.0f} points/s (median {points / statistics.median(theirs):,.0f})"
    )
    print(f"  sender/curl: {replay_ratio:.3f} (target >= {REPLAY_TARGET})")
    ok = cycle_ratio <= CYCLE_TARGET and replay_ratio >= REPLAY_TARGET
    print(f"targets: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
