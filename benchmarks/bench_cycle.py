"""Full-cycle latency (CSV writes included), where it goes, and against a baseline revision.

  python benchmarks/bench_cycle.py [--rounds 15] [--cycles 20] [--baseline REV]

Default universe: 4 indices x 4 expiries x (ATM +/- 10) x CE/PE = 672 options. Each
round runs a fresh worker process per side (this tree, then ``REV`` exported with
``git archive``; alternating, so both see the same machine load): one warm-up cycle,
then ``--cycles`` cycles on a simulated clock one minute apart into a fresh CSV folder,
through ``Runtime.from_settings`` (outputs csv and metrics). Per cycle: wall and CPU
time (``time.process_time``) and the stage split (the pure cycle's fetch, validate,
analytics; then each output: ``csv`` is persist). Quoted: median and minimum over all
cycles of all rounds; the ratios candidate / baseline. Also ``import g6runtime``
(``python -X importtime``, median of 15) and the +/-20 and +/-40 depths (one round).

Targets (exit 1 when missed): median cycle wall <= 25 ms at +/-10; import <= 30 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TARGET_MS = 25.0
IMPORT_TARGET_MS = 30.0
STAGES = ("fetch", "validate", "analytics", "csv", "metrics")


def worker(strikes: int, cycles: int) -> int:
    """One side of a round: print the per-cycle figures as JSON."""
    from dataclasses import replace
    from datetime import datetime, timedelta

    from g6runtime.config import Settings
    from g6runtime.market.calendar import IST
    from g6runtime.runner import Runtime

    with tempfile.TemporaryDirectory(prefix="g6-cycle-") as tmp:
        s = replace(Settings(), csv_dir=Path(tmp), strikes_per_side=strikes, seed=42)
        rt = Runtime.from_settings(s, outputs=("csv", "metrics"))
        start = datetime(2026, 11, 26, 9, 15, tzinfo=IST)
        rt.cycle(0, start)
        samples = []
        for i in range(cycles):
            c0, t0 = time.process_time(), time.perf_counter()
            result = rt.cycle(i + 1, start + timedelta(minutes=i + 1))
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            if result.failed_outputs:
                raise SystemExit(f"bench_cycle: {result.storage_error}")
            stages = {k: v for k, v in result.result.timings.items() if k != "total"}
            stages.update({r.name: r.seconds for r in result.reports})
            samples.append({"wall": wall, "cpu": cpu, **stages})
        options = len(result.options) * 2
    print(json.dumps({"options": options, "samples": samples}))
    return 0


def run_side(tree: Path, strikes: int, cycles: int) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(strikes), str(cycles)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False, cwd=tree)
    if proc.returncode != 0:
        raise SystemExit(f"bench_cycle worker failed in {tree}:\n{proc.stderr[-2000:]}")
    out: dict[str, object] = json.loads(proc.stdout)
    return out


def import_ms(tree: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    cmd = [sys.executable, "-X", "importtime", "-c", "import g6runtime"]
    err = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stderr
    m = re.search(r"^import time:\s+\d+\s+\|\s+(\d+)\s+\|\s*g6runtime$", err, re.M)
    if m is None:
        raise SystemExit("bench_cycle: no import time reported for g6runtime")
    return int(m.group(1)) / 1e3


def export(rev: str, into: Path) -> Path:
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def summary(samples: list[dict[str, float]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for key in ("wall", "cpu", *STAGES):
        values = [s[key] * 1e3 for s in samples if key in s]
        if values:
            out[f"{key}_med"] = statistics.median(values)
            out[f"{key}_min"] = min(values)
    return out


def row(label: str, s: dict[str, float]) -> str:
    stages = " ".join(f"{s.get(f'{k}_med', float('nan')):>7.2f}" for k in STAGES)
    return (
        f"{label:<22} {s['wall_med']:>8.2f} {s['wall_min']:>7.2f} "
        f"{s['cpu_med']:>8.2f} {s['cpu_min']:>7.2f}  {stages}"
    )


def main() -> int:
    if sys.argv[1:2] == ["--worker"]:
        return worker(int(sys.argv[2]), int(sys.argv[3]))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--cycles", type=int, default=20, help="measured cycles per round")
    ap.add_argument("--baseline", metavar="REV", help="git revision to compare with")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="g6-bench-base-") as tmp:
        sides = {"candidate": ROOT}
        if args.baseline:
            sides = {"baseline": export(args.baseline, Path(tmp)), **sides}
        imports = {name: sorted(import_ms(tree) for _ in range(15)) for name, tree in sides.items()}
        samples: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
        for _ in range(args.rounds):
            for name, tree in sides.items():
                got = run_side(tree, 10, args.cycles)
                samples[name].extend(got["samples"])  # type: ignore[arg-type]
                options = got["options"]
        print(f"{args.rounds} alternating rounds x {args.cycles} cycles, +/-10 ({options} options)")
        head = " ".join(f"{k:>7}" for k in STAGES)
        print(f"{'ms per cycle':<22} {'wall med':>8} {'min':>7} {'cpu med':>8} {'min':>7}  {head}")
        stats = {name: summary(s) for name, s in samples.items()}
        for name in sides:
            print(row(f"{name} +/-10", stats[name]))
            mins = " ".join(f"{stats[name].get(f'{k}_min', float('nan')):>7.2f}" for k in STAGES)
            print(f"{'  (stage minimums)':<22} {'':>8} {'':>7} {'':>8} {'':>7}  {mins}")
        if "baseline" in stats:
            b, c = stats["baseline"], stats["candidate"]
            print(
                f"ratio candidate/baseline: median wall {c['wall_med'] / b['wall_med']:.3f}, "
                f"min cpu {c['cpu_min'] / b['cpu_min']:.3f}, median cpu "
                f"{c['cpu_med'] / b['cpu_med']:.3f}"
            )
        for depth in (20, 40):
            for name, tree in sides.items():
                print(
                    row(
                        f"{name} +/-{depth}", summary(run_side(tree, depth, args.cycles)["samples"])
                    )
                )  # type: ignore[arg-type]
        for name, values in imports.items():
            print(
                f"import g6runtime ({name}): median {statistics.median(values):.2f} ms "
                f"(min {values[0]:.2f} ms)"
            )
    wall = stats["candidate"]["wall_med"]
    imp = statistics.median(imports["candidate"])
    ok = wall <= TARGET_MS and imp <= IMPORT_TARGET_MS
    print(
        f"target: median cycle <= {TARGET_MS:g} ms at +/-10 (got {wall:.2f}), import <= "
        f"{IMPORT_TARGET_MS:g} ms (got {imp:.2f}): {'met' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
