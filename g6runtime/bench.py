"""``g6 bench``: import latency and cycle latency, medians of repeated runs."""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .config import Settings
from .market.calendar import IST


def import_seconds(module: str = "g6runtime") -> float:
    """Cumulative import time of ``module`` in a fresh interpreter (``-X importtime``)."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
    )
    pattern = re.compile(rf"^import time:\s+\d+\s+\|\s+(\d+)\s+\|\s*{re.escape(module)}$")
    for line in proc.stderr.splitlines():
        m = pattern.match(line.strip())
        if m:
            return int(m.group(1)) / 1e6
    raise RuntimeError(f"no import time reported for {module}")


def cycle_seconds(settings: Settings, repeat: int) -> list[float]:
    """Wall time of ``repeat`` full cycles (CSV writes included) after one warm-up cycle."""
    from .runner import Runtime

    with tempfile.TemporaryDirectory(prefix="g6-bench-") as tmp:
        s = replace(settings, csv_dir=Path(tmp))
        rt = Runtime.from_settings(s, outputs=("csv", "metrics"))
        start = datetime(2026, 11, 26, 9, 15, tzinfo=IST)
        rt.cycle(0, start)
        out = []
        for i in range(repeat):
            t0 = time.perf_counter()
            rt.cycle(i + 1, start + timedelta(minutes=i + 1))
            out.append(time.perf_counter() - t0)
        return out


def run_bench(settings: Settings, repeat: int) -> dict[str, Any]:
    imports = [import_seconds() for _ in range(repeat)]
    cycles = cycle_seconds(settings, repeat)
    options = (
        len(settings.indices) * len(settings.expiries) * (2 * settings.strikes_per_side + 1) * 2
    )
    return {
        "import_ms_median": round(statistics.median(imports) * 1000, 2),
        "cycle_ms_median": round(statistics.median(cycles) * 1000, 2),
        "cycle_ms_min": round(min(cycles) * 1000, 2),
        "options_per_cycle": options,
        "repeat": repeat,
    }
