"""``g6 simulate --cycles 300`` end to end against its own cycle times plus interpreter start.

  python benchmarks/bench_simulate.py [--rounds 15] [--cycles 300] [--baseline REV]

Each round runs, alternating (so both see the same machine load):

* ``python -c pass`` and ``python -c "import g6runtime"`` (interpreter start, wall);
* ``python -m g6runtime simulate --cycles N --json`` into a fresh CSV and panels folder
  (seed 42, start 2026-11-26 09:15 IST), its wall time and child CPU time; the sum of
  its cycles' own times is the sum of the ``ms`` of each cycle in its ``--json``
  (collect plus every output: CSV, metrics, panels);
* with ``--baseline REV``: the same simulate from ``REV`` exported by ``git archive``.

overhead ratio = wall / (sum of cycle times + start), where start is the wall of
``python -c pass`` plus the ``import g6runtime`` on top of it (the second command's wall).
Quoted: per side the median and minimum over the rounds; the judged figure is the
median ratio. Target (exit 1 when missed): ratio <= 1.3.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TARGET = 1.3


def timed(cmd: list[str], tree: Path) -> tuple[float, float, str]:
    """(wall s, child cpu s, stdout) of ``cmd`` with ``tree`` on PYTHONPATH."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"bench_simulate: {' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stdout


def simulate(tree: Path, cycles: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="g6-sim-") as tmp:
        cmd = [
            sys.executable, "-m", "g6runtime", "simulate", "--cycles", str(cycles), "--json",
            "--csv-dir", f"{tmp}/csv", "--panels-dir", f"{tmp}/panels", "--seed", "42",
            "--start", "2026-11-26T09:15:00+05:30",
        ]  # fmt: skip
        wall, cpu, out = timed(cmd, tree)
    doc = json.loads(out)
    if len(doc["cycles"]) != cycles or not all(c["ok"] for c in doc["cycles"]):
        raise SystemExit(f"bench_simulate: {tree}: not every cycle ran and wrote")
    cycles_s = sum(c["ms"] for c in doc["cycles"]) / 1e3
    return {"wall": wall, "cpu": cpu, "cycles": cycles_s}


def export(rev: str, into: Path) -> Path:
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--cycles", type=int, default=300)
    ap.add_argument("--baseline", metavar="REV", help="git revision to compare with")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="g6-bench-base-") as tmp:
        sides = {"candidate": ROOT}
        if args.baseline:
            sides = {"baseline": export(args.baseline, Path(tmp)), **sides}
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
        for _ in range(args.rounds):
            for name, tree in sides.items():
                bare = timed([sys.executable, "-c", "pass"], tree)[0]
                imported = timed([sys.executable, "-c", "import g6runtime"], tree)[0]
                run = simulate(tree, args.cycles)
                run["start"] = bare + imported  # python -c pass + (pass + import g6runtime)
                run["ratio"] = run["wall"] / (run["cycles"] + run["start"])
                runs[name].append(run)
    print(f"g6 simulate --cycles {args.cycles}: {args.rounds} alternating rounds")
    print(f"{'side':<10} {'wall med':>9} {'min':>7} {'cpu min':>8} {'cycles med':>11} "
          f"{'start med':>10} {'ratio med':>10} {'min':>6}")  # fmt: skip
    med = {}
    for name, rs in runs.items():

        def m(key: str, rs: list[dict[str, float]] = rs) -> float:
            return statistics.median(r[key] for r in rs)

        med[name] = {k: m(k) for k in ("wall", "cycles", "start", "ratio")}
        print(
            f"{name:<10} {m('wall'):>8.3f}s {min(r['wall'] for r in rs):>6.3f}s "
            f"{min(r['cpu'] for r in rs):>7.3f}s {m('cycles'):>10.3f}s {m('start'):>9.3f}s "
            f"{m('ratio'):>10.3f} {min(r['ratio'] for r in rs):>6.3f}"
        )
    if "baseline" in med:
        b, c = med["baseline"], med["candidate"]
        cpu_b = min(r["cpu"] for r in runs["baseline"])
        cpu_c = min(r["cpu"] for r in runs["candidate"])
        print(
            f"ratio candidate/baseline: median wall {c['wall'] / b['wall']:.3f}, "
            f"min cpu {cpu_c / cpu_b:.3f}"
        )
    ratio = med["candidate"]["ratio"]
    ok = ratio <= TARGET
    print(
        f"target: wall <= {TARGET:g} x (cycle times + start) (median ratio {ratio:.3f}): "
        f"{'met' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
