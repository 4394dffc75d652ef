"""Run every benchmark in turn: python benchmarks/run_all.py [--quick]."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = {
    "bench_iv.py": [],
    "bench_cycle.py": [],
    "bench_static_scan.py": [],
    "bench_plugin_overhead.py": [],
    "bench_coverage.py": [],
    "bench_coverage_thirdparty.py": [],
    "bench_check_cli.py": [],
}
QUICK = {
    "bench_static_scan.py": ["--runs", "5"],
    "bench_plugin_overhead.py": ["--runs", "5"],
    "bench_coverage.py": ["--runs", "3"],
    "bench_coverage_thirdparty.py": ["--quick"],
    "bench_check_cli.py": ["--quick"],
    "bench_cycle.py": ["--cycles", "10"],
    "bench_exporter.py": ["--rounds", "5"],
}


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    status = 0
    for script in sorted(HERE.glob("bench_*.py")):
        args = QUICK.get(script.name, []) if quick else SCRIPTS.get(script.name, [])
        print(f"== {script.name} {' '.join(args)}", flush=True)
        status |= subprocess.run([sys.executable, str(script), *args], check=False).returncode
    return status


if __name__ == "__main__":
    raise SystemExit(main())
