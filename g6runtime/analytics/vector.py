"""Vectorised Black-Scholes-Merton over NumPy arrays: a whole option chain at once.

The same maths and conventions as the scalar API (:mod:`.black_scholes`,
:mod:`.iv`): inputs broadcast together (scalars are fine), outputs have the
broadcast shape. Units of :func:`greeks_vec` are those of
:class:`g6runtime.analytics.black_scholes.Greeks` (theta per year, vega and rho
per 1.0); :func:`market_units` converts them to the units the market quotes and
the CSV carries (theta per calendar day, vega and rho per percentage point) —
the one place that conversion happens. Invalid inputs give NaN, never an
exception or a NumPy warning; a NaN volatility (a failed IV) gives NaN Greeks.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from g6runtime.analytics._common import MAX_EXPONENT
from g6runtime.analytics._iv_vec import IVBatch, broadcast_inputs, iv_vec
from g6runtime.analytics._normal import norm_cdf, norm_pdf
from g6runtime.analytics.black_scholes import DAYS_PER_YEAR

__all__ = [
    "GREEK_NAMES",
    "MARKET_UNITS",
    "IVBatch",
    "greeks_vec",
    "iv_vec",
    "market_units",
    "price_vec",
]

F64 = NDArray[np.float64]

GREEK_NAMES = ("delta", "gamma", "theta", "vega", "rho")
"""The keys of :func:`greeks_vec`'s result, in the order of the scalar ``Greeks``."""

MARKET_UNITS: dict[str, float] = {
    "delta": 1.0,
    "gamma": 1.0,
    "theta": 1.0 / DAYS_PER_YEAR,  # per year -> per calendar day (ACT/365)
    "vega": 0.01,  # per 1.0 of volatility -> per volatility point (σ + 0.01)
    "rho": 0.01,  # per 1.0 of rate -> per percentage point (r + 0.01)
}
"""The factor taking each Greek of :func:`greeks_vec` to the market's unit."""


class _Terms:
    """The pieces shared by the price and the Greeks of a batch."""

    def __init__(
        self,
        is_call: ArrayLike,
        spot: ArrayLike,
        strike: ArrayLike,
        t: ArrayLike,
        r: ArrayLike,
        q: ArrayLike,
        sigma: ArrayLike,
    ) -> None:
        self.shape, call, (s, k, tt, rr, qq, vol) = broadcast_inputs(
            is_call, spot, strike, t, r, q, sigma
        )
        self.spot, self.strike, self.t, self.r, self.q, self.sigma = s, k, tt, rr, qq, vol
        finite = np.isfinite(s) & np.isfinite(k) & np.isfinite(tt)
        finite &= np.isfinite(rr) & np.isfinite(qq) & np.isfinite(vol)
        self.invalid = ~finite | (s <= 0.0) | (k <= 0.0) | (tt < 0.0) | (vol < 0.0)
        self.invalid |= (np.abs(rr * tt) > MAX_EXPONENT) | (np.abs(qq * tt) > MAX_EXPONENT)
        self.sign = np.where(call, 1.0, -1.0)
        self.ed_q = np.exp(-qq * tt)
        self.ed_r = np.exp(-rr * tt)
        self.disc_s = s * self.ed_q
        self.disc_k = k * self.ed_r
        self.sqrt_t = np.sqrt(tt)
        vol_t = vol * self.sqrt_t
        self.limit = vol_t == 0.0
        self.d1 = (np.log(s) - np.log(k) + (rr - qq + 0.5 * vol * vol) * tt) / vol_t
        self.n1 = norm_cdf(self.sign * self.d1)
        self.n2 = norm_cdf(self.sign * (self.d1 - vol_t))
        # Deterministic limit (σ·√t == 0): exercised iff in the money.
        self.itm = np.where(self.sign * (self.disc_s - self.disc_k) > 0.0, 1.0, 0.0)

    def finish(self, value: F64, limit_value: F64) -> F64:
        out = np.where(self.limit, limit_value, value)
        return np.where(self.invalid, np.nan, out).reshape(self.shape)


def price_vec(
    is_call: ArrayLike,
    spot: ArrayLike,
    strike: ArrayLike,
    t: ArrayLike,
    r: ArrayLike,
    q: ArrayLike,
    sigma: ArrayLike,
) -> F64:
    """Black-Scholes-Merton prices; the vectorised :func:`.black_scholes.bs_price`."""
    with np.errstate(all="ignore"):
        m = _Terms(is_call, spot, strike, t, r, q, sigma)
        value = m.sign * (m.disc_s * m.n1 - m.disc_k * m.n2)
        limit = np.maximum(m.sign * (m.disc_s - m.disc_k), 0.0)
        return m.finish(value, limit)


def greeks_vec(
    is_call: ArrayLike,
    spot: ArrayLike,
    strike: ArrayLike,
    t: ArrayLike,
    r: ArrayLike,
    q: ArrayLike,
    sigma: ArrayLike,
) -> dict[str, F64]:
    """Greeks keyed by :data:`GREEK_NAMES`; the vectorised :func:`.black_scholes.greeks`."""
    with np.errstate(all="ignore"):
        m = _Terms(is_call, spot, strike, t, r, q, sigma)
        sign, ed_q, ed_r = m.sign, m.ed_q, m.ed_r
        pdf1 = norm_pdf(m.d1)
        zero = np.zeros_like(pdf1)
        discounted_pdf = m.disc_s * pdf1
        theta = (
            -discounted_pdf * m.sigma / (2.0 * m.sqrt_t)
            - sign * m.r * m.disc_k * m.n2
            + sign * m.q * m.disc_s * m.n1
        )
        rho_scale = sign * m.strike * m.t * ed_r
        limit_theta = sign * (m.q * m.disc_s - m.r * m.disc_k) * m.itm
        return {
            "delta": m.finish(sign * ed_q * m.n1, sign * ed_q * m.itm),
            "gamma": m.finish(ed_q * pdf1 / m.spot / (m.sigma * m.sqrt_t), zero),
            "theta": m.finish(theta, limit_theta),
            "vega": m.finish(discounted_pdf * m.sqrt_t, zero),
            "rho": m.finish(rho_scale * m.n2, rho_scale * m.itm),
        }


def market_units(greeks: dict[str, F64]) -> dict[str, F64]:
    """``greeks`` (of :func:`greeks_vec`) in the market's units: theta per calendar day,
    vega per volatility point, rho per percentage point of rate (see MARKET_UNITS)."""
    return {name: value * MARKET_UNITS[name] for name, value in greeks.items()}
