"""Retention scan of a 100,000-file CSV tree against ``find <root> -name '*.csv'``.

  python benchmarks/bench_retention_scan.py [--files 100000] [--runs 15] [--tree DIR]

The tree has the sink's layout: 4 indices x 4 expiries x 21 offsets (ATM +/- 10) plus
4 overview folders, i.e. 340 leaf folders of consecutive day-files ending yesterday
(Asia/Kolkata). Two cases over the same tree:

* steady state: ``max_age_days`` leaves about 2 % of the files expired (what a daily
  prune meets); target: the scan takes at most 2x the time of ``find -name '*.csv'``;
* first prune of a never-pruned tree: every file expired, so every file must be
  ``lstat``-ed for its size; ``find -name`` never stats, so this case is compared with
  ``find -name '*.csv' -printf '%s\\n'`` (find doing the same stat work), target <= 2,
  and the ratio against plain ``find`` is printed as well.

The scan is timed in-process (``g6runtime.retention.scan.scan``, min and median of
``--runs`` runs, alternating with the find runs). The interpreter's start-up is a fixed
cost (``python -c pass`` alone takes longer than find's whole run on 100k files on
these machines), so the end-to-end ``python -m g6runtime retention scan`` is printed
beside it, for information, together with ``python -c pass``.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import Sample, run_once

from g6runtime.market.calendar import IST, market_date
from g6runtime.retention.scan import scan

INDICES = ("NIFTY", "BANKNIFTY", "FINNIFTY", "SENSEX")
TAGS = ("this_week", "next_week", "this_month", "next_month")
OFFSETS = ("0", *(f"{s}{k * 50}" for k in range(1, 11) for s in "+-"))


def make_tree(root: Path, files: int) -> int:
    """Day-files ending yesterday; returns the number of days per leaf folder."""
    leaves = [root / i / t / o for i in INDICES for t in TAGS for o in OFFSETS]
    leaves += [root / "overview" / i for i in INDICES]
    per_leaf = -(-files // len(leaves))
    yesterday = market_date(datetime.now(IST)) - timedelta(days=1)
    names = [f"{(yesterday - timedelta(days=d)).isoformat()}.csv" for d in range(per_leaf)]
    made = 0
    for leaf in leaves:
        leaf.mkdir(parents=True, exist_ok=True)
        for name in names:
            if made == files:
                return per_leaf
            (leaf / name).write_bytes(b"timestamp,index\n2026-01-01T09:15:00+05:30,NIFTY\n")
            made += 1
    return per_leaf


def in_process(fn: Callable[[], object]) -> Sample:
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    fn()
    wall = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    return Sample(cpu1.ru_utime - cpu0.ru_utime + cpu1.ru_stime - cpu0.ru_stime, wall)


def _fmt(label: str, samples: list[Sample]) -> str:
    walls = [s.wall for s in samples]
    cpus = [s.cpu for s in samples]
    return (
        f"  {label:<34} wall min {min(walls) * 1000:7.1f} ms  median "
        f"{statistics.median(walls) * 1000:7.1f} ms | cpu min {min(cpus) * 1000:7.1f} ms"
    )


def case(name: str, root: Path, max_age: int, runs: int, finds: dict[str, list[str]]) -> bool:
    """Alternate the commands and the in-process scan; the last ``finds`` entry is the target."""
    report = scan(root, max_age, lambda: datetime.now(IST))
    print(f"{name}: max_age_days {max_age}, {report.candidates:,} of {report.files_scanned:,}")
    e2e = [sys.executable, "-m", "g6runtime", "retention", "scan", "--csv-dir", str(root)]
    commands = {
        **finds,
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -m g6runtime retention scan": [*e2e, "--max-age-days", str(max_age)],
    }
    ours = "scan() in-process"
    samples: dict[str, list[Sample]] = {label: [] for label in [*commands, ours]}
    for _ in range(runs + 1):  # the first round warms the caches and is dropped
        for label, cmd in commands.items():
            samples[label].append(run_once(cmd, root))
        samples[ours].append(in_process(lambda: scan(root, max_age, lambda: datetime.now(IST))))
    for label, values in samples.items():
        del values[0]
        print(_fmt(label, values))
    best = min(s.wall for s in samples[ours])
    ratio = 0.0
    for label in finds:
        ratio = best / min(s.wall for s in samples[label])
        print(f"  ratio scan() / {label}: {ratio:.2f} (min wall)")
    print(f"  target: ratio to {list(finds)[-1]} <= 2 -> {'met' if ratio <= 2 else 'NOT met'}")
    return ratio <= 2


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--tree", type=Path, help="build (or reuse) the tree here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="g6-retention-") as tmp:
        root = args.tree or Path(tmp) / "g6_data"
        if not root.exists():
            t0 = time.perf_counter()
            make_tree(root, args.files)
            print(f"built {args.files:,} day-files in {time.perf_counter() - t0:.1f} s: {root}")
        per_leaf = -(-args.files // (len(INDICES) * len(TAGS) * len(OFFSETS) + len(INDICES)))
        find = ["find", str(root), "-name", "*.csv"]
        ok = case(
            "steady state (about 2 % expired)",
            root,
            max(0, round(per_leaf * 0.98)),
            args.runs,
            {"find -name '*.csv'": find},
        )
        ok &= case(
            "first prune (every file expired)",
            root,
            0,
            args.runs,
            {"find -name '*.csv'": find, "find ... -printf '%s'": [*find, "-printf", "%s\n"]},
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
