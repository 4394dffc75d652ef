"""critical_coverage measuring a few modules itself, against pytest-cov measuring the package.

  python benchmarks/bench_coverage.py [--runs 15] [--suite "PATHS"] [-n 2]
  python benchmarks/bench_coverage.py --instructions -n 2 --suite tests/runtime/test_metrics.py

Both sides run this repository's tests that exercise the critical modules (the cycle,
CSV sink, IV solver, metrics registry and panel tests) with the g6gov plugin loaded:
  baseline:  pytest --cov=g6runtime          (pytest-cov measures the whole package)
  candidate: pytest                          (the plugin measures the critical modules)
Alternating runs, minimum CPU and median wall compared. Target: wall ratio <= 1.0.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import alternate, instructions

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument(
        "--suite",
        default="tests/runtime/test_cycle.py tests/runtime/test_csv_sink.py "
        "tests/runtime/test_analytics.py tests/runtime/test_metrics.py "
        "tests/runtime/test_panels.py",
        help="space-separated test paths (the tests that exercise the critical modules)",
    )
    ap.add_argument("-n", default="0", help="xdist workers ('0': no xdist)")
    ap.add_argument(
        "--instructions",
        action="store_true",
        help="instead: one run of each under callgrind, all processes counted (repeatable)",
    )
    args = ap.parse_args()
    # A path on the command line makes the run partial, which skips critical_coverage:
    # the suite is given as testpaths so both sides are standard runs.
    common = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-o",
        f"testpaths={args.suite}",
    ]
    if args.n != "0":
        common += ["-n", args.n]
    base = [*common, "--cov=g6runtime", "--cov-report="]
    cand = list(common)
    if args.instructions:
        # promtool (Go) cannot run under valgrind: its tests fail alike on both sides
        before = instructions(base, ROOT, children=True, allow_failure=True)
        after = instructions(cand, ROOT, children=True, allow_failure=True)
        print(f"instructions (callgrind, all processes): pytest-cov {before:,} -> own {after:,}")
        print(f"  ratio {after / before:.4f}  [target <= 1.0]")
        return 0
    cmp = alternate(
        "critical_coverage (own) vs pytest --cov=g6runtime", base, cand, ROOT, runs=args.runs
    )
    print("\n".join(cmp.lines()))
    print(f"  target: wall ratio <= 1.0 -> {cmp.ratio_median_wall:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
