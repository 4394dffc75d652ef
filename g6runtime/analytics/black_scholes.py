"""Black-Scholes-Merton price and Greeks for one option (plain floats, ``math`` only).

Model: a European option on an underlying paying a continuous dividend yield ``q``
(for an index: its dividend yield), with a continuously compounded risk-free rate
``r``. All times are year fractions (ACT/365, see :mod:`g6runtime.analytics.time`).

Greeks conventions (:class:`Greeks`):

* ``delta`` — dV/dS.
* ``gamma`` — d²V/dS².
* ``theta`` — the value's change per **year** of calendar time passing, i.e.
  ``-dV/dT``. Per calendar day (ACT/365): ``theta / 365``, also available as
  :attr:`Greeks.theta_per_day`.
* ``vega`` — dV/dσ per **1.0** of volatility (divide by 100 for "per vol point").
* ``rho`` — dV/dr per **1.0** of rate (divide by 100 for "per 1 %").

Degenerate inputs never raise: ``t == 0`` or ``sigma == 0`` give the deterministic
limit (the discounted forward intrinsic value and its derivatives, gamma = vega = 0);
non-finite inputs, a non-positive spot or strike, a negative ``t`` or ``sigma``, or
``|r·t|`` or ``|q·t|`` beyond ``MAX_EXPONENT`` give NaN everywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from g6runtime.analytics._common import MAX_EXPONENT

__all__ = ["DAYS_PER_YEAR", "Greeks", "bs_price", "greeks", "norm_cdf", "norm_pdf"]

DAYS_PER_YEAR = 365.0
"""ACT/365: the day count behind every year fraction and ``theta_per_day``."""

_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_NAN = math.nan


def norm_cdf(x: float) -> float:
    """Standard normal CDF, accurate in both tails (via ``math.erfc``)."""
    return 0.5 * math.erfc(-x * _INV_SQRT_2)


def norm_pdf(x: float) -> float:
    """Standard normal density."""
    return _INV_SQRT_2PI * math.exp(-0.5 * x * x)


@dataclass(frozen=True, slots=True)
class Greeks:
    """Sensitivities of one option; see the module docstring for units."""

    delta: float
    gamma: float
    theta: float
    vega: float
    rho: float

    @property
    def theta_per_day(self) -> float:
        """Theta per calendar day (ACT/365): ``theta / 365``."""
        return self.theta / DAYS_PER_YEAR


_NAN_GREEKS = Greeks(_NAN, _NAN, _NAN, _NAN, _NAN)


def _invalid(spot: float, strike: float, t: float, r: float, q: float, sigma: float) -> bool:
    isfinite = math.isfinite
    if not (
        isfinite(spot)
        and isfinite(strike)
        and isfinite(t)
        and isfinite(r)
        and isfinite(q)
        and isfinite(sigma)
    ):
        return True
    if spot <= 0.0 or strike <= 0.0 or t < 0.0 or sigma < 0.0:
        return True
    return abs(r * t) > MAX_EXPONENT or abs(q * t) > MAX_EXPONENT


def _d1(
    spot: float, strike: float, t: float, r: float, q: float, sigma: float, vol_t: float
) -> float:
    log_moneyness = math.log(spot) - math.log(strike)  # no under/overflow of spot / strike
    return (log_moneyness + (r - q + 0.5 * sigma * sigma) * t) / vol_t


def bs_price(
    is_call: bool, spot: float, strike: float, t: float, r: float, q: float, sigma: float
) -> float:
    """Black-Scholes-Merton price of a European call (``is_call``) or put."""
    if _invalid(spot, strike, t, r, q, sigma):
        return _NAN
    disc_s = spot * math.exp(-q * t)
    disc_k = strike * math.exp(-r * t)
    vol_t = sigma * math.sqrt(t)
    if vol_t == 0.0:
        return max(disc_s - disc_k, 0.0) if is_call else max(disc_k - disc_s, 0.0)
    d1 = _d1(spot, strike, t, r, q, sigma, vol_t)
    d2 = d1 - vol_t
    if is_call:
        return disc_s * norm_cdf(d1) - disc_k * norm_cdf(d2)
    return disc_k * norm_cdf(-d2) - disc_s * norm_cdf(-d1)


def _limit_greeks(
    is_call: bool, spot: float, strike: float, t: float, r: float, q: float
) -> Greeks:
    """Greeks of the deterministic limit (σ·√t == 0)."""
    ed_q = math.exp(-q * t)
    ed_r = math.exp(-r * t)
    disc_s = spot * ed_q
    disc_k = strike * ed_r
    sign = 1.0 if is_call else -1.0
    # Exercised for sure when the discounted forward is in the money (ties: not exercised).
    if sign * (disc_s - disc_k) <= 0.0:
        return Greeks(0.0, 0.0, 0.0, 0.0, 0.0)
    delta = sign * ed_q
    theta = sign * (q * disc_s - r * disc_k)
    rho = sign * strike * t * ed_r
    return Greeks(delta, 0.0, theta, 0.0, rho)


def greeks(
    is_call: bool, spot: float, strike: float, t: float, r: float, q: float, sigma: float
) -> Greeks:
    """Analytic Black-Scholes-Merton Greeks; units in the module docstring."""
    if _invalid(spot, strike, t, r, q, sigma):
        return _NAN_GREEKS
    sqrt_t = math.sqrt(t)
    vol_t = sigma * sqrt_t
    if vol_t == 0.0:
        return _limit_greeks(is_call, spot, strike, t, r, q)
    ed_q = math.exp(-q * t)
    ed_r = math.exp(-r * t)
    d1 = _d1(spot, strike, t, r, q, sigma, vol_t)
    d2 = d1 - vol_t
    pdf1 = norm_pdf(d1)
    gamma = ed_q * pdf1 / spot / vol_t
    vega = spot * ed_q * pdf1 * sqrt_t
    decay = -spot * ed_q * pdf1 * sigma / (2.0 * sqrt_t)
    if is_call:
        n1, n2 = norm_cdf(d1), norm_cdf(d2)
        delta = ed_q * n1
        theta = decay - r * strike * ed_r * n2 + q * spot * ed_q * n1
        rho = strike * t * ed_r * n2
    else:
        n1, n2 = norm_cdf(-d1), norm_cdf(-d2)
        delta = -ed_q * n1
        theta = decay + r * strike * ed_r * n2 - q * spot * ed_q * n1
        rho = -strike * t * ed_r * n2
    return Greeks(delta, gamma, theta, vega, rho)
