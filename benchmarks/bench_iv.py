"""Implied-volatility throughput of ``g6runtime.analytics.vector.iv_vec``.

Usage: ``python benchmarks/bench_iv.py [--n 200000] [--runs 5] [--json]``

Solves the IV of N random, realistic Indian index options (NIFTY, BANKNIFTY,
FINNIFTY, SENSEX levels; strikes on the exchange grid within ±15 % of spot; 1 to
90 days; a volatility smile; r = 6.5 %) priced by ``price_vec``, and reports the
median of ``--runs`` timed runs (after one warm-up) in options per second, on one
core (NumPy's element-wise kernels are single-threaded). It also times one
cycle's chain (672 options: IV + Greeks), the latency the collector pays.

If ``py_vollib`` (Jäckel's "Let's Be Rational", scalar; or ``vollib``, which
``py_vollib`` now wraps) or ``py_vollib_vectorized`` is importable, it solves the
same inputs and the ratio is printed. Neither is a project dependency: install
them by hand to get the comparison (``pip install py_vollib``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from g6runtime.analytics.vector import greeks_vec, iv_vec, price_vec

F64 = NDArray[np.float64]
TARGET_PER_S = 200_000
CHAIN_SIZE = 672
INDICES = ((24_000.0, 50.0), (52_000.0, 100.0), (23_500.0, 50.0), (80_000.0, 100.0))


def make_options(n: int, seed: int) -> dict[str, Any]:
    """N priced options: arrays for is_call, spot, strike, t, r, q, sigma, price."""
    out = _draw(int(n * 1.25) + 100, seed)
    return {k: v[:n] for k, v in out.items()}


def _draw(n: int, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(INDICES), n)
    level = np.array([lvl for lvl, _ in INDICES])[pick]
    step = np.array([stp for _, stp in INDICES])[pick]
    spot = level * rng.uniform(0.95, 1.05, n)
    strike = np.round(spot * rng.uniform(0.85, 1.15, n) / step) * step
    t = rng.integers(1, 91, n) / 365.0 - rng.uniform(0.0, 6.25 / 24, n) / 365.0
    log_m = np.log(strike / spot)
    sigma = np.clip(0.12 + rng.uniform(-0.03, 0.12, n) + 1.5 * log_m**2 - 0.1 * log_m, 0.05, 1.0)
    is_call = rng.random(n) < 0.5
    r, q = np.full(n, 0.065), rng.uniform(0.0, 0.015, n)
    price = price_vec(is_call, spot, strike, t, r, q, sigma)
    vega = greeks_vec(is_call, spot, strike, t, r, q, sigma)["vega"]
    keep = price >= 0.05  # one tick: nothing cheaper is quoted
    cols = {"is_call": is_call, "spot": spot, "strike": strike, "t": t, "r": r, "q": q}
    out: dict[str, Any] = {k: v[keep] for k, v in cols.items()}
    out["sigma"], out["price"] = sigma[keep], price[keep]
    # Deep in the money the price is intrinsic to rounding: no IV can be recovered.
    out["recoverable"] = vega[keep] > 1e-6 * spot[keep]
    return out


def timed(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    """(median seconds over ``runs`` timed calls after one warm-up, last result)."""
    result = fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def bench_g6(o: dict[str, Any], runs: int) -> tuple[float, F64]:
    def run() -> F64:
        return iv_vec(o["price"], o["is_call"], o["spot"], o["strike"], o["t"], o["r"], o["q"]).iv

    seconds, iv = timed(run, runs)
    return seconds, np.asarray(iv)


def bench_chain(o: dict[str, Any], runs: int) -> float:
    c = {k: v[:CHAIN_SIZE] for k, v in o.items()}

    def run() -> object:
        batch = iv_vec(c["price"], c["is_call"], c["spot"], c["strike"], c["t"], c["r"], c["q"])
        return greeks_vec(c["is_call"], c["spot"], c["strike"], c["t"], c["r"], c["q"], batch.iv)

    return timed(run, runs)[0]


def _load_vollib() -> tuple[str, Callable[..., float], tuple[type[BaseException], ...]] | None:
    """py_vollib's (or vollib's) scalar BSM implied_volatility and its error types."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for pkg in ("py_vollib", "vollib"):
            try:
                mod = importlib.import_module(f"{pkg}.black_scholes_merton.implied_volatility")
            except ImportError:
                continue
            errors: list[type[BaseException]] = [ZeroDivisionError, ValueError, OverflowError]
            for name in ("helpers.exceptions", "lets_be_rational"):
                try:
                    errmod = importlib.import_module(f"{pkg}.{name}")
                except ImportError:
                    continue
                errors += [v for v in vars(errmod).values() if _is_exception_type(v)]
            return pkg, mod.implied_volatility, tuple(errors)
    return None


def _is_exception_type(value: object) -> bool:
    return isinstance(value, type) and issubclass(value, Exception)


def bench_vollib(o: dict[str, Any], runs: int) -> tuple[str, float, F64] | None:
    loaded = _load_vollib()
    if loaded is None:
        return None
    name, implied_volatility, errors = loaded
    rows = list(
        zip(
            o["price"].tolist(),
            o["spot"].tolist(),
            o["strike"].tolist(),
            o["t"].tolist(),
            o["r"].tolist(),
            o["q"].tolist(),
            ["c" if c else "p" for c in o["is_call"].tolist()],
            strict=True,
        )
    )

    def run() -> F64:
        out = np.full(len(rows), np.nan)
        failed = 0
        for i, (price, s, k, t, r, q, flag) in enumerate(rows):
            try:
                out[i] = implied_volatility(price, s, k, t, r, q, flag)
            except errors:
                failed += 1
        return out

    seconds, iv = timed(run, runs)
    return name, seconds, np.asarray(iv)


def bench_vollib_vectorized(o: dict[str, Any], runs: int) -> tuple[float, F64] | None:
    try:
        mod = importlib.import_module("py_vollib_vectorized")
    except ImportError:
        return None
    flags = np.where(o["is_call"], "c", "p")

    def run() -> F64:
        iv = mod.vectorized_implied_volatility(
            o["price"], o["spot"], o["strike"], o["t"], o["r"], flags, q=o["q"],
            model="black_scholes_merton", return_as="numpy", on_error="ignore",
        )  # fmt: skip
        return np.asarray(iv, dtype=np.float64)

    seconds, iv = timed(run, runs)
    return seconds, np.asarray(iv)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Implied-volatility throughput of iv_vec.")
    parser.add_argument("--n", type=int, default=200_000, help="options (default 200000)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs, median (default 5)")
    parser.add_argument("--seed", type=int, default=20_240_601)
    parser.add_argument("--no-vollib", action="store_true", help="skip the py_vollib comparison")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if args.n < 1 or args.runs < 1:
        parser.error("--n and --runs must be >= 1")

    o = make_options(args.n, args.seed)
    n = int(o["price"].size)
    g6_s, g6_iv = bench_g6(o, args.runs)
    ok = np.isfinite(g6_iv)
    rec = o.pop("recoverable") & ok
    rows: list[dict[str, Any]] = [
        {"impl": "g6runtime iv_vec", "options": n, "median_s": g6_s, "per_s": n / g6_s,
         "solved": int(ok.sum()), "max_abs_err": float(np.max(np.abs(g6_iv - o["sigma"])[rec]))},
    ]  # fmt: skip
    others: list[tuple[str, float, F64]] = []
    if not args.no_vollib:
        vollib = bench_vollib(o, args.runs)
        if vollib is not None:
            others.append((f"{vollib[0]} (scalar loop)", vollib[1], vollib[2]))
        vec = bench_vollib_vectorized(o, args.runs)
        if vec is not None:
            others.append(("py_vollib_vectorized", vec[0], vec[1]))
    for name, seconds, iv in others:
        both = rec & np.isfinite(iv)
        rows.append({
            "impl": name, "options": n, "median_s": seconds, "per_s": n / seconds,
            "solved": int(np.isfinite(iv).sum()), "speedup_of_g6": seconds / g6_s,
            "max_abs_diff_vs_g6": float(np.max(np.abs(iv - g6_iv)[both])) if both.any() else None,
        })  # fmt: skip
    chain_s = bench_chain(o, max(args.runs, 50))
    result = {
        "n": n, "runs": args.runs, "target_per_s": TARGET_PER_S,
        "meets_target": n / g6_s >= TARGET_PER_S, "results": rows,
        "chain": {"options": CHAIN_SIZE, "iv_and_greeks_median_ms": chain_s * 1e3},
        "compared_with": [name for name, _, _ in others],
    }  # fmt: skip
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"IV throughput, {n} options, median of {args.runs} runs, one core")
    head = f"{'implementation':<26}{'median s':>9}{'options/s':>12}{'solved':>8}{'g6 faster':>11}"
    print(f"{head}  err")
    for row in rows:
        speedup = f"{row['speedup_of_g6']:.1f}x" if "speedup_of_g6" in row else "-"
        err = row.get("max_abs_err", row.get("max_abs_diff_vs_g6"))
        print(
            f"{row['impl']:<26}{row['median_s']:>9.4f}{row['per_s']:>12,.0f}"
            f"{row['solved']:>8}{speedup:>11}  {err:.1e}"
        )
    print("err: max |iv - true sigma| for g6, max |iv - g6 iv| for the others (recoverable IVs)")
    if not others and not args.no_vollib:
        print("py_vollib / py_vollib_vectorized: not importable (pip install py_vollib)")
    verdict = "meets" if result["meets_target"] else "MISSES"
    print(f"target {TARGET_PER_S:,} options/s: {verdict}")
    print(f"one cycle's chain ({CHAIN_SIZE} options, IV + Greeks): {chain_s * 1e3:.2f} ms median")
    return 0


if __name__ == "__main__":
    sys.exit(main())
