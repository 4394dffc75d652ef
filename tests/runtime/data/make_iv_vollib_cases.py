"""Regenerate ``iv_vollib_cases.json`` (needs py_vollib): ``python tests/runtime/data/make_iv_vollib_cases.py``.

The benchmark's options (``benchmarks/bench_iv.py``, n = 200,000, its default seed): every
one where py_vollib returns a number and ``iv_vec`` does not (95, all priced at their
intrinsic value to rounding), 200 with tiny vega where py_vollib still recovers sigma,
and 905 more at random; with py_vollib's answer (None where it raised).
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "benchmarks"))
COLUMNS = ("is_call", "spot", "strike", "t", "r", "q", "sigma", "price", "py_vollib_iv")


def main() -> None:
    import bench_iv as b

    warnings.simplefilter("ignore", DeprecationWarning)
    o = b.make_options(200_000, 20_240_601)
    _, batch = b.bench_g6(o, 1)
    vollib = b.bench_vollib(o, 1)
    if vollib is None:
        sys.exit("py_vollib is not importable: pip install py_vollib")
    vl = vollib[2]
    only = np.flatnonzero(np.isfinite(vl) & ~batch.success)
    tiny = np.flatnonzero((np.abs(vl - o["sigma"]) <= 1e-6) & ~o["recoverable"])[:200]
    rest = np.setdiff1d(np.arange(o["price"].size), np.concatenate([only, tiny]))
    picked = np.random.default_rng(7).choice(rest, 905, replace=False)
    lines = []
    for i in np.unique(np.concatenate([only, tiny, picked])):
        values = [float(o[k][i]) for k in COLUMNS[1:-1]]
        answer = float(vl[i]) if np.isfinite(vl[i]) else None
        lines.append(json.dumps([bool(o["is_call"][i]), *values, answer]))
    about = (
        "bench_iv.py options (n=200000, seed 20240601) where py_vollib returns a number and"
        " iv_vec does not, 200 with tiny vega, 905 at random; py_vollib_iv null = it raised."
        " Regenerate: python tests/runtime/data/make_iv_vollib_cases.py"
    )
    head = (
        f'{{"about": {json.dumps(about)},\n "columns": {json.dumps(list(COLUMNS))},\n "rows": [\n'
    )
    path = Path(__file__).with_name("iv_vollib_cases.json")
    path.write_text(head + ",\n".join(lines) + "\n]}\n", encoding="utf-8")
    print(f"{path}: {len(lines)} rows, {only.size} where only py_vollib answers")


if __name__ == "__main__":
    main()
