"""Implied volatility of one option (plain floats, ``math`` only); never raises.

Method (shared with :func:`g6runtime.analytics.vector.iv_vec`):

1. Checks: finite inputs, positive spot and strike (``invalid_input``), ``t > 0``
   (``expired``), ``price > 0`` (``non_positive_price``), price below the
   no-arbitrage maximum (``above_upper_bound``) and not below the discounted
   intrinsic value (``below_intrinsic``) by more than rounding: a price below it by
   at most ``AT_INTRINSIC_ULPS`` is at intrinsic (``below_min_vol``, as a price exactly
   at it; Let's Be Rational returns 0.0 for both). A price a few ulps *above*
   intrinsic is solved like any other (its volatility is then rounding noise).
2. Reduction: with forward ``F = S·e^((r-q)T)``, the undiscounted time value
   ``price·e^(rT) - intrinsic`` is the price of the *out-of-the-money* option at the
   same strike (put-call parity), so every option becomes an OTM call in the
   normalised Black form ``b(s) = e^(a/2)·Φ(a/s + s/2) - e^(-a/2)·Φ(a/s - s/2)``
   with ``a = -|ln(F/K)|`` and ``s = σ·√T``; the target is ``β = time value / √(FK)``.
3. Bracket: the root lies in ``[SIGMA_MIN, SIGMA_MAX]`` (else ``below_min_vol`` /
   ``above_max_vol``). ``b`` is convex below its inflection point
   ``s* = √(2|a|)`` and concave above it; the side of ``s*`` holding the root is the
   starting bracket. The starting point is the Corrado-Miller approximation (close
   near the money: two or three Newton steps from it converge) when it lies inside
   that bracket, else ``s*`` (clipped to the bounds).
4. Safeguarded Newton-Raphson: above ``s*`` plain Newton on ``b(s) - β``; below it
   Newton on ``ln b(s) - ln β`` in the variable ``1/s²`` (nearly linear in the deep
   wings, where plain Newton crawls). Every evaluation tightens the bracket; a step
   that leaves the bracket, or is not at most half the previous Newton step, is
   replaced by a geometric bisection of the bracket (and the next Newton step is
   judged afresh), so the bracket at least halves every second iteration.
   Convergence: a Newton step, or the bracket, smaller than ``tol`` in
   volatility. At most ``max_iter`` iterations, one price evaluation each (else
   ``no_convergence``), so the loop always ends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from g6runtime.analytics import _common as c
from g6runtime.analytics._common import REASONS, SIGMA_MAX, SIGMA_MIN
from g6runtime.analytics.black_scholes import norm_cdf

__all__ = [
    "REASONS",
    "SIGMA_MAX",
    "SIGMA_MIN",
    "IVResult",
    "corrado_miller",
    "implied_vol",
    "normalised_price",
    "normalised_vega",
]

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2PI = math.sqrt(2.0 * math.pi)
_AT_INTRINSIC = c.AT_INTRINSIC_ULPS * 2.0**-52


@dataclass(frozen=True, slots=True)
class IVResult:
    """Outcome of one solve: ``iv`` is None unless ``success``; ``reason`` is "ok" then."""

    iv: float | None
    success: bool
    iterations: int
    reason: str


def normalised_price(a: float, s: float) -> float:
    """Normalised OTM call ``b(s)`` for ``a = -|ln(F/K)| <= 0`` and ``s = σ√T > 0``."""
    ha = 0.5 * a
    return math.exp(ha) * norm_cdf(a / s + 0.5 * s) - math.exp(-ha) * norm_cdf(a / s - 0.5 * s)


def normalised_vega(a: float, s: float) -> float:
    """``db/ds`` of :func:`normalised_price`."""
    x = a / s
    return _INV_SQRT_2PI * math.exp(-0.5 * x * x - 0.125 * s * s)


def corrado_miller(a: float, beta: float) -> float:
    """The Corrado-Miller (1996) estimate of ``s`` with ``b(s) = β``, in the normalised form.

    With forward and strike divided by ``√(FK)`` (``e^(a/2)`` and ``e^(-a/2)``) and the
    call by it (``β``): ``s ≈ √(2π)/(F+K)·(m + √(max(m² - (F-K)²/π, 0)))``,
    ``m = β - (F-K)/2``. A starting point only: poor in the deep wings.
    """
    up, down = math.exp(0.5 * a), math.exp(-0.5 * a)
    d = up - down
    m = beta - 0.5 * d
    root = math.sqrt(max(m * m - d * d * (1.0 / math.pi), 0.0))
    return _SQRT_2PI / (up + down) * (m + root)


def _fail(reason: str, iterations: int = 0) -> IVResult:
    return IVResult(None, False, iterations, reason)


def _reduce(
    price: float, is_call: bool, spot: float, strike: float, t: float, r: float, q: float
) -> tuple[float, float] | str:
    """Steps 1-2 of the method: ``(a, β)`` or a failure reason."""
    if not all(math.isfinite(v) for v in (price, spot, strike, t, r, q)):
        return c.INVALID_INPUT
    if spot <= 0.0 or strike <= 0.0:
        return c.INVALID_INPUT
    if t <= 0.0:
        return c.EXPIRED
    if price <= 0.0:
        return c.NON_POSITIVE_PRICE
    drift = (r - q) * t
    if abs(r * t) > c.MAX_EXPONENT or abs(drift) > c.MAX_EXPONENT:
        return c.INVALID_INPUT
    forward = spot * math.exp(drift)
    undiscounted = price * math.exp(r * t)
    x = math.log(spot) - math.log(strike) + drift
    if not (0.0 < forward < math.inf and undiscounted < math.inf and abs(x) <= c.MAX_EXPONENT):
        return c.INVALID_INPUT
    if undiscounted >= (forward if is_call else strike):
        return c.ABOVE_UPPER_BOUND
    intrinsic = max(forward - strike, 0.0) if is_call else max(strike - forward, 0.0)
    time_value = undiscounted - intrinsic
    if time_value < -_AT_INTRINSIC * max(forward, strike):
        return c.BELOW_INTRINSIC
    beta = time_value / (math.sqrt(forward) * math.sqrt(strike))
    if beta <= 0.0:  # at intrinsic to rounding (or below the smallest double): volatility 0
        return c.BELOW_MIN_VOL
    return -abs(x), beta


def _proposal(lower: bool, s: float, b: float, vega: float, beta: float) -> float:
    """Newton candidate; NaN when the derivative is unusable."""
    if lower:
        den = s * s * s * vega
        if b <= 0.0 or den <= 0.0:
            return math.nan
        u = 1.0 / (s * s) + 2.0 * (math.log(b) - math.log(beta)) * b / den
        return 1.0 / math.sqrt(u) if u > 0.0 else math.nan
    if vega <= 0.0:
        return math.nan
    return s - (b - beta) / vega


def _solve(a: float, beta: float, sqrt_t: float, tol: float, max_iter: int) -> IVResult:
    s_lo, s_hi = c.SIGMA_MIN * sqrt_t, c.SIGMA_MAX * sqrt_t
    s = min(max(math.sqrt(-2.0 * a), s_lo), s_hi)
    b = normalised_price(a, s)
    lower = beta <= b
    if lower and beta < normalised_price(a, s_lo):
        return _fail(c.BELOW_MIN_VOL)
    if not lower and beta > normalised_price(a, s_hi):
        return _fail(c.ABOVE_MAX_VOL)
    lo, hi = (s_lo, s) if lower else (s, s_hi)
    guess = corrado_miller(a, beta)
    if lo < guess < hi:
        s = guess
        b = normalised_price(a, s)
    s_tol = tol * sqrt_t
    prev_step = math.inf
    for it in range(1, max_iter + 1):
        if it > 1:
            b = normalised_price(a, s)
        if b == beta:
            return IVResult(s / sqrt_t, True, it, c.OK)
        if b > beta:
            hi = s
        else:
            lo = s
        cand = _proposal(lower, s, b, normalised_vega(a, s), beta)
        step = cand - s
        if abs(step) < s_tol:  # clipped: rounding may put it an ulp past the bracket
            return IVResult(min(max(cand, lo), hi) / sqrt_t, True, it, c.OK)
        if lo < cand < hi and abs(step) <= 0.5 * abs(prev_step):
            prev_step = step
        else:  # Newton left the bracket or stalled: bisect, then give Newton a fresh start
            cand = math.sqrt(lo) * math.sqrt(hi)
            if hi - lo < s_tol:
                return IVResult(cand / sqrt_t, True, it, c.OK)
            prev_step = math.inf
        s = cand
    return _fail(c.NO_CONVERGENCE, max_iter)


def implied_vol(
    price: float,
    is_call: bool,
    spot: float,
    strike: float,
    t: float,
    r: float,
    q: float,
    *,
    tol: float = 1e-8,
    max_iter: int = 100,
) -> IVResult:
    """Black-Scholes-Merton implied volatility of ``price``; see the module docstring.

    ``tol`` is an absolute tolerance on the volatility; ``max_iter`` caps the
    solver's iterations (``iterations`` never exceeds it; 0 when an input check
    failed). Never raises: a bad input is a failed result whose ``reason`` is one
    of :data:`REASONS` (their meanings: :mod:`g6runtime.analytics._common`).
    """
    reduced = _reduce(price, is_call, spot, strike, t, r, q)
    if isinstance(reduced, str):
        return _fail(reduced)
    a, beta = reduced
    return _solve(a, beta, math.sqrt(t), tol, max(int(max_iter), 0))
