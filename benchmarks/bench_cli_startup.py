"""``g6 --version`` as a whole process against a bare interpreter (issue 12).

  python benchmarks/bench_cli_startup.py [--runs 15]

Alternates ``python -m g6runtime --version`` with ``python -c pass`` (the floor every
command pays: interpreter and site start-up) and ``python -c "import g6runtime"``.
Target: ``g6 --version`` median wall <= 150 ms; the ratio to the bare interpreter is
quoted (minimum CPU and median wall), so a slow machine shows as such. Exits 1 when the
target is missed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import alternate

TARGET_MS = 150.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    cwd = Path.cwd()
    bare = [sys.executable, "-c", "pass"]
    version = [sys.executable, "-m", "g6runtime", "--version"]
    importing = [sys.executable, "-c", "import g6runtime"]
    cmp = alternate("g6 --version vs python -c pass", bare, version, cwd, args.runs)
    for line in cmp.lines():
        print(line)
    imp = alternate("import g6runtime vs python -c pass", bare, importing, cwd, args.runs)
    for line in imp.lines():
        print(line)
    median_ms = statistics.median(s.wall for s in cmp.cand) * 1e3
    extra_ms = median_ms - statistics.median(s.wall for s in cmp.base) * 1e3
    ok = median_ms <= TARGET_MS
    print(
        f"g6 --version: median {median_ms:.1f} ms ({extra_ms:+.1f} ms over a bare interpreter);"
        f" target <= {TARGET_MS:g} ms: {'met' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
