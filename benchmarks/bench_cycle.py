"""Full-cycle latency (CSV writes included) and how it grows with strike depth.

  python benchmarks/bench_cycle.py [--cycles 30]

Default universe: 4 indices x 4 expiries x (ATM +/- N) x CE/PE. Each depth runs in
its own fresh CSV folder: one warm-up cycle (imports, file creation), then N cycles
on a simulated clock one minute apart, through Runtime.from_settings (outputs csv and
metrics); median and min wall time per cycle, and the stage split (the pure cycle's
fetch, validate, analytics; then each output: persist is the CSV output). Also
`import g6runtime` via `python -X importtime` (median of 15).
Targets: median cycle <= 50 ms at +/-10; import <= 30 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from g6runtime.bench import import_seconds
from g6runtime.config import Settings
from g6runtime.market.calendar import IST
from g6runtime.runner import Runtime


def run_depth(strikes: int, cycles: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="g6-cycle-") as tmp:
        s = replace(Settings(), csv_dir=Path(tmp), strikes_per_side=strikes, seed=42)
        rt = Runtime.from_settings(s, outputs=("csv", "metrics"))
        start = datetime(2026, 11, 26, 9, 15, tzinfo=IST)
        rt.cycle(0, start)
        walls: list[float] = []
        stages: dict[str, list[float]] = {}
        for i in range(cycles):
            t0 = time.perf_counter()
            result = rt.cycle(i + 1, start + timedelta(minutes=i + 1))
            walls.append(time.perf_counter() - t0)
            if result.failed_outputs:
                raise SystemExit(f"bench_cycle: {result.storage_error}")
            for k, v in result.result.timings.items():  # the pure cycle's stages
                stages.setdefault(k, []).append(v)
            for report in result.reports:  # each output: csv is the persist stage
                stages.setdefault(report.name, []).append(report.seconds)
        options = len(result.options) * 2
    out = {
        "options": float(options),
        "median_ms": statistics.median(walls) * 1e3,
        "min_ms": min(walls) * 1e3,
    }
    out.update({f"{k}_ms": statistics.median(v) * 1e3 for k, v in stages.items() if k != "total"})
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cycles", type=int, default=30)
    args = ap.parse_args()
    imports = sorted(import_seconds() for _ in range(15))
    print(
        f"import g6runtime: median {statistics.median(imports) * 1e3:.2f} ms "
        f"(min {imports[0] * 1e3:.2f} ms) [target <= 30 ms]"
    )
    print(
        f"{'strikes':>8} {'options':>8} {'median ms':>10} {'min ms':>8} {'fetch':>7} "
        f"{'valid':>7} {'analyt':>7} {'persist':>8} {'metrics':>8}"
    )
    base = None
    for n in (10, 20, 40):
        r = run_depth(n, args.cycles)
        base = base or r["median_ms"]
        print(
            f"{'+/-' + str(n):>8} {int(r['options']):>8} {r['median_ms']:>10.2f} "
            f"{r['min_ms']:>8.2f} {r['fetch_ms']:>7.2f} {r['validate_ms']:>7.2f} "
            f"{r['analytics_ms']:>7.2f} {r['csv_ms']:>8.2f} {r['metrics_ms']:>8.2f}"
            f"  x{r['median_ms'] / base:.2f}"
        )
    print("target: median <= 50 ms at +/-10 (672 options)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
