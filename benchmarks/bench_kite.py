"""A default-universe cycle against the local Kite server with its rate limit on (issue 14).

  python benchmarks/bench_kite.py [--cycles 10]

The server enforces Kite's limits (``/quote`` one request per second, the rest ten); the
provider's own limiter keeps to them. A cycle needs one ``ltp`` request and
⌈instruments / 500⌉ ``quote`` requests, so the rate limit alone sets a floor of
(quote requests − 1) seconds per cycle once cycles run back to back (the first quote
request of a cycle waits for the previous cycle's last one). Prints the measured median
cycle wall time beside that bound; target: measured ≤ 1.1 × bound. Exits 1 when missed.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from g6runtime.config import KiteSettings, Settings  # noqa: E402
from g6runtime.market.calendar import IST  # noqa: E402
from g6runtime.providers.kite_auth import kite_provider  # noqa: E402
from g6runtime.runner import Runtime  # noqa: E402
from g6runtime.testing.kite_server import KiteServer  # noqa: E402

TARGET = 1.1
NOW = datetime(2026, 12, 2, 11, 0, tzinfo=IST)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cycles", type=int, default=10)
    args = ap.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="g6-bench-kite-") as tmp,
        KiteServer(seed=1, clock=lambda: NOW) as server,
    ):
        base = Path(tmp)
        kite = KiteSettings(
            api_key=server.api_key,
            access_token=server.access_token,
            root=server.root,
            token_file=base / "kite_token.json",
        )
        s = replace(Settings(), csv_dir=base / "csv", provider="kite", kite=kite)
        rt = Runtime.from_settings(s, provider=kite_provider(kite, NOW), outputs=("csv", "metrics"))
        rt.cycle(0, NOW)  # instrument dumps (once a day) and the first requests
        server.reset_counts()
        walls = []
        for i in range(args.cycles):
            t0 = time.perf_counter()
            out = rt.cycle(i + 1, NOW)
            walls.append(time.perf_counter() - t0)
            if out.failures or out.failed_outputs:
                raise SystemExit(f"bench_kite: cycle {i + 1} failed: {out.failures}")
        rt.close()
        counts = server.counts
    quotes = counts.get("quote", 0) / args.cycles
    instruments = 2 * len(out.options)
    ltps = counts.get("ltp", 0) / args.cycles
    # ltp shares the quote endpoints' bucket (1 request/s); back to back, each request
    # of that bucket waits a second for the one before it
    bound = (quotes + ltps) * 1.0
    median = statistics.median(walls)
    print(
        f"{args.cycles} cycles of {instruments} option instruments: "
        f"{quotes:g} quote + {ltps:g} ltp requests a cycle "
        f"(ceil({instruments}/500) = {math.ceil(instruments / 500)})"
    )
    print(f"  rate-limit bound {bound:.2f} s a cycle; measured median {median:.3f} s "
          f"(min {min(walls):.3f} s)")  # fmt: skip
    ratio = median / bound if bound else float("inf")
    verdict = "met" if ratio <= TARGET else "MISSED"
    print(f"  measured/bound {ratio:.3f} (target <= {TARGET}): {verdict}")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
