"""Implied-volatility throughput of ``g6runtime.analytics.vector.iv_vec``.

Usage: ``python benchmarks/bench_iv.py [--n 200000] [--runs 5] [--vollib-runs 3] [--json]``

Solves the IV of N random, realistic Indian index options (NIFTY, BANKNIFTY,
FINNIFTY, SENSEX levels; strikes on the exchange grid within ±15 % of spot; 1 to
90 days; a volatility smile; r = 6.5 %) priced by ``price_vec``, and reports the
median of ``--runs`` timed runs (after one warm-up) in options per second, on one
core (NumPy's element-wise kernels are single-threaded). It also times one
cycle's chain (672 options: IV + Greeks), the latency the collector pays.

``py_vollib`` (Jäckel's "Let's Be Rational", scalar; or ``vollib``, which
``py_vollib`` now wraps) solves the same inputs in a Python loop, and
``py_vollib_vectorized`` too if importable. Neither is a project dependency:
``pip install py_vollib``. Targets (exit 1 when one is missed, or cannot be
measured because py_vollib is missing; ``--no-vollib`` checks throughput only):

- throughput >= 200,000 options/s;
- 0 misses: no option where py_vollib recovers the volatility (its answer within
  1e-6 of the sigma that priced the option) and iv_vec does not (within 1e-6, or
  repricing the option at least as closely where vega is tiny), and none where
  py_vollib returns a number and iv_vec fails for any reason other than
  ``below_min_vol`` (the price is at intrinsic, where Let's Be Rational returns 0.0);
- iv_vec >= 10x faster than py_vollib's scalar loop.

Every option where py_vollib returns a number and iv_vec does not is classified:
py_vollib's 0.0 (the price is intrinsic to rounding), a number off the true sigma
(the same prices: any volatility small enough reprices them, so py_vollib's value
is rounding noise), or a miss.
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

from g6runtime.analytics._common import REASONS
from g6runtime.analytics.vector import IVBatch, greeks_vec, iv_vec, price_vec

F64 = NDArray[np.float64]
TARGET_PER_S = 200_000
TARGET_SPEEDUP = 10.0
RECOVERED = 1e-6  # |iv - sigma| at most this: the volatility is recovered
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
    vega = _vega(spot, strike, t, r, q, sigma)
    keep = price >= 0.05  # one tick: nothing cheaper is quoted
    cols = {"is_call": is_call, "spot": spot, "strike": strike, "t": t, "r": r, "q": q}
    out: dict[str, Any] = {k: v[keep] for k, v in cols.items()}
    out["sigma"], out["price"] = sigma[keep], price[keep]
    # Deep in the money the price is intrinsic to rounding: no IV can be recovered.
    out["recoverable"] = vega[keep] > 1e-6 * spot[keep]
    return out


def _vega(spot: F64, strike: F64, t: F64, r: F64, q: F64, sigma: F64) -> F64:
    """dPrice/dsigma per unit of volatility (1.0 = 100 %), whatever units greeks_vec uses."""
    sd = sigma * np.sqrt(t)
    d1 = (np.log(spot / strike) + (r - q) * t) / sd + 0.5 * sd
    vega: F64 = spot * np.exp(-q * t - 0.5 * d1 * d1) / np.sqrt(2.0 * np.pi) * np.sqrt(t)
    return vega


def timed(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    """(median seconds over ``runs`` timed calls after one warm-up, last result)."""
    result = fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def bench_g6(o: dict[str, Any], runs: int) -> tuple[float, IVBatch]:
    def run() -> IVBatch:
        return iv_vec(o["price"], o["is_call"], o["spot"], o["strike"], o["t"], o["r"], o["q"])

    seconds, batch = timed(run, runs)
    assert isinstance(batch, IVBatch)
    return seconds, batch


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


def compare(o: dict[str, Any], batch: IVBatch, vl_iv: F64) -> dict[str, int]:
    """Where py_vollib returns a number and iv_vec does not, and the misses (see above)."""
    sigma = o["sigma"]
    g6_ok = np.asarray(batch.success)
    vl_ok = np.isfinite(vl_iv)
    vl_rec = vl_ok & (np.abs(vl_iv - sigma) <= RECOVERED)
    g6_rec = g6_ok & (np.abs(batch.iv - sigma) <= RECOVERED)
    # Where vega is tiny, volatilities a little apart give the same price: g6 matches
    # py_vollib's recovery if its IV reprices the option at least as closely (to 4 ulps).
    args = (o["is_call"], o["spot"], o["strike"], o["t"], o["r"], o["q"])
    with np.errstate(all="ignore"):
        g6_res = np.abs(price_vec(*args, np.where(g6_ok, batch.iv, sigma)) - o["price"])
        vl_res = np.abs(price_vec(*args, np.where(vl_ok, vl_iv, sigma)) - o["price"])
    ulps = 4.0 * np.spacing(np.maximum(o["spot"], o["strike"]))
    g6_matches = g6_rec | (g6_ok & (g6_res <= np.maximum(vl_res, ulps)))
    only_vl = vl_ok & ~g6_ok
    at_intrinsic = np.asarray(batch.reason) == REASONS.index("below_min_vol")
    missed = (vl_rec & ~g6_matches) | (only_vl & ~at_intrinsic)
    return {
        "py_vollib_numbers": int(vl_ok.sum()),
        "py_vollib_recovered": int(vl_rec.sum()),
        "g6_recovered": int(g6_rec.sum()),
        "only_py_vollib_number": int(only_vl.sum()),
        "only_py_vollib_zero": int((only_vl & (vl_iv == 0.0)).sum()),
        "only_py_vollib_noise": int((only_vl & (vl_iv != 0.0) & ~vl_rec).sum()),
        "only_g6_recovered": int((g6_rec & ~vl_rec).sum()),
        "misses": int(missed.sum()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Implied-volatility throughput of iv_vec.")
    parser.add_argument("--n", type=int, default=200_000, help="options (default 200000)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs, median (default 5)")
    parser.add_argument("--vollib-runs", type=int, default=3, help="py_vollib's (default 3)")
    parser.add_argument("--seed", type=int, default=20_240_601, help="(default 20240601)")
    parser.add_argument("--no-vollib", action="store_true", help="skip the py_vollib comparison")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if args.n < 1 or args.runs < 1 or args.vollib_runs < 1:
        parser.error("--n, --runs and --vollib-runs must be >= 1")

    o = make_options(args.n, args.seed)
    n = int(o["price"].size)
    g6_s, batch = bench_g6(o, args.runs)
    g6_iv = np.asarray(batch.iv)
    ok = np.isfinite(g6_iv)
    rec = o.pop("recoverable") & ok
    rows: list[dict[str, Any]] = [
        {"impl": "g6runtime iv_vec", "options": n, "median_s": g6_s, "per_s": n / g6_s,
         "solved": int(ok.sum()), "max_abs_err": float(np.max(np.abs(g6_iv - o["sigma"])[rec]))},
    ]  # fmt: skip
    others: list[tuple[str, float, F64]] = []
    vs_vollib: dict[str, Any] | None = None
    if not args.no_vollib:
        vollib = bench_vollib(o, args.vollib_runs)
        if vollib is not None:
            others.append((f"{vollib[0]} (scalar loop)", vollib[1], vollib[2]))
            vs_vollib = {"speedup": vollib[1] / g6_s, **compare(o, batch, vollib[2])}
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
    failed = [] if n / g6_s >= TARGET_PER_S else [f"throughput < {TARGET_PER_S:,}/s"]
    if vs_vollib is not None:
        failed += [f"{vs_vollib['misses']} misses vs py_vollib"] if vs_vollib["misses"] else []
        slow = vs_vollib["speedup"] < TARGET_SPEEDUP
        failed += [f"< {TARGET_SPEEDUP:g}x py_vollib"] if slow else []
    elif not args.no_vollib:
        failed.append("py_vollib not importable: misses and speedup unmeasured")
    result = {
        "n": n, "runs": args.runs, "target_per_s": TARGET_PER_S,
        "meets_target": n / g6_s >= TARGET_PER_S, "results": rows, "vs_py_vollib": vs_vollib,
        "chain": {"options": CHAIN_SIZE, "iv_and_greeks_median_ms": chain_s * 1e3},
        "compared_with": [name for name, _, _ in others], "targets_missed": failed,
    }  # fmt: skip
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print(result, vs_vollib, no_vollib=args.no_vollib)
    return 1 if failed else 0


def _print(result: dict[str, Any], vs: dict[str, Any] | None, *, no_vollib: bool) -> None:
    rows = result["results"]
    print(f"IV throughput, {result['n']} options, median of {result['runs']} runs, one core")
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
    if vs is not None:
        print(
            f"vs py_vollib: it recovers sigma (±{RECOVERED:g}) for {vs['py_vollib_recovered']}, "
            f"g6 for {vs['g6_recovered']}; a number from py_vollib only: "
            f"{vs['only_py_vollib_number']} (0.0 at intrinsic: {vs['only_py_vollib_zero']}, "
            f"rounding noise: {vs['only_py_vollib_noise']}, g6 below_min_vol for all but misses)"
        )
        print(
            f"misses (target 0): {vs['misses']}; g6 {vs['speedup']:.1f}x faster than "
            f"py_vollib's scalar loop (target >= {TARGET_SPEEDUP:g}x)"
        )
    elif not no_vollib:
        print("py_vollib / py_vollib_vectorized: not importable (pip install py_vollib)")
    verdict = "meets" if result["meets_target"] else "MISSES"
    print(f"target {TARGET_PER_S:,} options/s: {verdict}")
    chain_ms = result["chain"]["iv_and_greeks_median_ms"]
    print(f"one cycle's chain ({CHAIN_SIZE} options, IV + Greeks): {chain_ms:.2f} ms median")
    missed = result["targets_missed"]
    print("targets: " + ("all met" if not missed else "MISSED: " + "; ".join(missed)))


if __name__ == "__main__":
    sys.exit(main())
