"""The vectorised implied-volatility solver behind :func:`g6runtime.analytics.vector.iv_vec`.

The same method as the scalar :mod:`g6runtime.analytics.iv` (read its docstring),
step for step, over NumPy arrays: every option runs the same safeguarded Newton
iteration; the ones that have converged leave the working set after each
iteration, so the cost follows the slowest few only in the last iterations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from g6runtime.analytics import _common as c
from g6runtime.analytics._normal import norm_cdf

__all__ = ["IVBatch", "broadcast_inputs", "iv_vec"]

F64 = NDArray[np.float64]
Bool = NDArray[np.bool_]

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2PI = math.sqrt(2.0 * math.pi)
_AT_INTRINSIC = c.AT_INTRINSIC_ULPS * 2.0**-52


@dataclass(frozen=True, slots=True)
class IVBatch:
    """Results of :func:`iv_vec`, each array shaped like the broadcast inputs.

    ``iv`` is NaN where ``success`` is False; ``iterations`` counts solver
    iterations (0 when an input check failed); ``reason`` holds codes into
    ``g6runtime.analytics.iv.REASONS`` (0 = "ok").
    """

    iv: F64
    success: Bool
    iterations: NDArray[np.int64]
    reason: NDArray[np.int8]

    def reasons(self) -> list[str]:
        """The reason strings, flattened in C order."""
        return [c.REASONS[int(code)] for code in self.reason.ravel()]


def broadcast_inputs(
    is_call: ArrayLike, *values: ArrayLike
) -> tuple[tuple[int, ...], Bool, list[F64]]:
    """Broadcast the inputs together: (shape, flat is_call, flat float arrays)."""
    arrays = np.broadcast_arrays(
        np.asarray(is_call, dtype=np.bool_), *(np.asarray(v, dtype=np.float64) for v in values)
    )
    return arrays[0].shape, arrays[0].ravel(), [arr.ravel() for arr in arrays[1:]]


def normalised_price(a: F64, s: F64) -> F64:
    """Vectorised :func:`g6runtime.analytics.iv.normalised_price`."""
    x = a / s
    h = 0.5 * s
    n = x.size
    cdf = norm_cdf(np.concatenate((x + h, x - h)))  # one call: half the per-call overhead
    b: F64 = np.exp(0.5 * a) * cdf[:n] - np.exp(-0.5 * a) * cdf[n:]
    return b


def normalised_vega(a: F64, s: F64) -> F64:
    """Vectorised :func:`g6runtime.analytics.iv.normalised_vega`."""
    x = a / s
    return _INV_SQRT_2PI * np.exp(-0.5 * x * x - 0.125 * s * s)


def corrado_miller(a: F64, beta: F64) -> F64:
    """Vectorised :func:`g6runtime.analytics.iv.corrado_miller`."""
    up, down = np.exp(0.5 * a), np.exp(-0.5 * a)
    d = up - down
    m = beta - 0.5 * d
    root = np.sqrt(np.maximum(m * m - d * d * (1.0 / math.pi), 0.0))
    guess: F64 = _SQRT_2PI / (up + down) * (m + root)
    return guess


def _proposal(lower: Bool, s: F64, b: F64, vega: F64, beta: F64) -> F64:
    """Newton candidates (NaN where the derivative is unusable)."""
    usable = vega > 0.0
    den = s * s * s * vega
    u = 1.0 / (s * s) + 2.0 * (np.log(b) - np.log(beta)) * b / den
    low = np.where((b > 0.0) & (den > 0.0) & (u > 0.0), 1.0 / np.sqrt(u), np.nan)
    up = np.where(usable, s - (b - beta) / vega, np.nan)
    return np.where(lower, low, up)


def _reduce(
    price: F64, call: Bool, spot: F64, strike: F64, t: F64, r: F64, q: F64
) -> tuple[NDArray[np.int8], F64, F64]:
    """Input checks and reduction to (reason codes, a, β); see the scalar ``_reduce``."""
    reason = np.zeros(price.shape, dtype=np.int8)
    finite = np.isfinite(price) & np.isfinite(spot) & np.isfinite(strike)
    finite &= np.isfinite(t) & np.isfinite(r) & np.isfinite(q)
    drift = (r - q) * t
    forward = spot * np.exp(drift)
    undiscounted = price * np.exp(r * t)
    x = np.log(spot) - np.log(strike) + drift
    intrinsic = np.where(call, np.maximum(forward - strike, 0.0), np.maximum(strike - forward, 0.0))
    time_value = undiscounted - intrinsic
    beta = time_value / (np.sqrt(forward) * np.sqrt(strike))
    overflow = (np.abs(r * t) > c.MAX_EXPONENT) | (np.abs(drift) > c.MAX_EXPONENT)
    overflow |= ~((forward > 0.0) & (forward < np.inf) & (undiscounted < np.inf))
    checks = (
        (~finite | (spot <= 0.0) | (strike <= 0.0), c.INVALID_INPUT),
        (t <= 0.0, c.EXPIRED),
        (price <= 0.0, c.NON_POSITIVE_PRICE),
        (overflow | ~(np.abs(x) <= c.MAX_EXPONENT), c.INVALID_INPUT),
        (undiscounted >= np.where(call, forward, strike), c.ABOVE_UPPER_BOUND),
        (time_value < -_AT_INTRINSIC * np.maximum(forward, strike), c.BELOW_INTRINSIC),
        (beta <= 0.0, c.BELOW_MIN_VOL),  # at intrinsic to rounding
    )
    for failed, name in reversed(checks):  # the first failing check wins
        reason[failed] = c.CODE[name]
    return reason, -np.abs(x), beta


def _solve(
    a: F64, beta: F64, sqrt_t: F64, tol: float, max_iter: int
) -> tuple[F64, NDArray[np.int64], NDArray[np.int8]]:
    """Solve every element; returns (s / √T or NaN, iterations, reason codes)."""
    n = a.size
    iv = np.full(n, np.nan)
    iters = np.zeros(n, dtype=np.int64)
    reason = np.full(n, c.CODE[c.NO_CONVERGENCE], dtype=np.int8)
    s_lo, s_hi = c.SIGMA_MIN * sqrt_t, c.SIGMA_MAX * sqrt_t
    s = np.minimum(np.maximum(np.sqrt(-2.0 * a), s_lo), s_hi)
    b = normalised_price(a, s)
    lower = beta <= b
    edge = normalised_price(a, np.where(lower, s_lo, s_hi))
    reason[lower & (beta < edge)] = c.CODE[c.BELOW_MIN_VOL]
    reason[~lower & (beta > edge)] = c.CODE[c.ABOVE_MAX_VOL]
    ids = np.flatnonzero(reason == c.CODE[c.NO_CONVERGENCE])
    a, beta, sqrt_t, s, b, lower = a[ids], beta[ids], sqrt_t[ids], s[ids], b[ids], lower[ids]
    lo, hi = np.where(lower, s_lo[ids], s), np.where(lower, s, s_hi[ids])
    guess = corrado_miller(a, beta)
    start = (lo < guess) & (guess < hi)
    if start.any():
        s = np.where(start, guess, s)
        b = np.where(start, normalised_price(a, s), b)
    s_tol = tol * sqrt_t
    prev = np.full(ids.size, np.inf)
    iters[ids] = max_iter
    for it in range(1, max_iter + 1):
        if ids.size == 0:
            break
        if it > 1:
            b = normalised_price(a, s)
        hi = np.where(b > beta, s, hi)
        lo = np.where(b < beta, s, lo)
        newton = _proposal(lower, s, b, normalised_vega(a, s), beta)
        step = newton - s
        converged = np.abs(step) < s_tol
        accept = (lo < newton) & (newton < hi) & (np.abs(step) <= 0.5 * np.abs(prev))
        cand = np.where(accept, newton, np.sqrt(lo) * np.sqrt(hi))
        prev = np.where(accept, step, np.inf)
        exact = b == beta
        done = exact | converged | (~accept & (hi - lo < s_tol))
        value = np.where(exact, s, np.where(converged, np.clip(newton, lo, hi), cand))
        if done.any():
            fin = np.flatnonzero(done)
            out = ids[fin]
            iv[out] = value[fin] / sqrt_t[fin]
            iters[out] = it
            reason[out] = 0
            keep = np.flatnonzero(~done)
            ids, lower = ids[keep], lower[keep]
            a, beta, sqrt_t, s_tol = a[keep], beta[keep], sqrt_t[keep], s_tol[keep]
            lo, hi, prev, cand = lo[keep], hi[keep], prev[keep], cand[keep]
        s = cand
    return iv, iters, reason


def iv_vec(
    price: ArrayLike,
    is_call: ArrayLike,
    spot: ArrayLike,
    strike: ArrayLike,
    t: ArrayLike,
    r: ArrayLike,
    q: ArrayLike,
    *,
    tol: float = 1e-8,
    max_iter: int = 100,
) -> IVBatch:
    """Implied volatilities of a whole chain; inputs broadcast together. Never raises."""
    shape, call, (prc, spt, stk, tt, rr, qq) = broadcast_inputs(
        is_call, price, spot, strike, t, r, q
    )
    max_iter = max(int(max_iter), 0)
    with np.errstate(all="ignore"):
        reason, a, beta = _reduce(prc, call, spt, stk, tt, rr, qq)
        todo = np.flatnonzero(reason == 0)
        sub_iv, sub_it, sub_reason = _solve(
            a[todo], beta[todo], np.sqrt(tt[todo]), float(tol), max_iter
        )
    iv = np.full(prc.shape, np.nan)
    iters = np.zeros(prc.shape, dtype=np.int64)
    iv[todo], iters[todo], reason[todo] = sub_iv, sub_it, sub_reason
    return IVBatch(
        iv=iv.reshape(shape),
        success=(reason == 0).reshape(shape),
        iterations=iters.reshape(shape),
        reason=reason.reshape(shape),
    )
