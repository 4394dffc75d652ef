"""Greeks in the market's units (SPEC §2 "Market calendar"): theta per calendar day, vega and
rho per one percentage point, IV an annualised fraction, checked against an independent
textbook Black-Scholes-Merton (written out here with ``math.erf``) by finite differences:
one calendar day passing, one volatility point, one percentage point of rate."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest

from g6runtime.analytics.time import year_fraction_to_expiry
from g6runtime.collectors.analytics_stage import compute
from g6runtime.collectors.stages import Leg, ValidChain
from g6runtime.market.calendar import IST


def textbook(call: bool, s: float, k: float, t: float, r: float, q: float, v: float) -> float:
    """Hull's Black-Scholes-Merton with a continuous dividend yield."""

    def n(x: float) -> float:
        return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))

    d1 = (math.log(s / k) + (r - q + v * v / 2.0) * t) / (v * math.sqrt(t))
    d2 = d1 - v * math.sqrt(t)
    if call:
        return s * math.exp(-q * t) * n(d1) - k * math.exp(-r * t) * n(d2)
    return k * math.exp(-r * t) * n(-d2) - s * math.exp(-q * t) * n(-d1)


NOW = datetime(2026, 11, 26, 10, 0, tzinfo=IST)
EXPIRY = (NOW + timedelta(days=30)).date()
SPOT, R, Q, SIGMA = 24000.0, 0.065, 0.012, 0.14


@pytest.mark.parametrize(("strike", "kind"), [(24000, "CE"), (24000, "PE"), (23500, "PE")])
def test_the_cycles_greeks_are_per_day_and_per_point(strike: int, kind: str) -> None:
    call = kind == "CE"
    t = year_fraction_to_expiry(NOW, EXPIRY)
    price = textbook(call, SPOT, strike, t, R, Q, SIGMA)
    chain = ValidChain("NIFTY", "this_month", EXPIRY, {(strike, kind): Leg(price, 1, 1)})
    an = compute([chain], {"NIFTY": SPOT}, NOW, R, Q)
    iv, delta, _gamma, theta, vega, rho = an.chains[("NIFTY", "this_month")].values[(strike, kind)]
    assert iv == pytest.approx(SIGMA, abs=1e-9)  # an annualised fraction, not per cent
    day = 1.0 / 365.0
    # theta: what one calendar day passing does to the value (the day's decay, negative)
    one_day = textbook(call, SPOT, strike, t - day, R, Q, SIGMA) - price
    assert theta == pytest.approx(one_day, rel=0.02)
    assert -30.0 < theta < 0.0  # a NIFTY monthly near the money: a few points to ~20 a day
    # vega: one volatility point (0.14 -> 0.15); rho: one percentage point of rate
    up, down = SIGMA + 0.005, SIGMA - 0.005
    vol_point = textbook(call, SPOT, strike, t, R, Q, up) - textbook(
        call, SPOT, strike, t, R, Q, down
    )
    assert vega == pytest.approx(vol_point, rel=1e-3)
    rate_point = textbook(call, SPOT, strike, t, R + 0.005, Q, SIGMA) - textbook(
        call, SPOT, strike, t, R - 0.005, Q, SIGMA
    )
    assert rho == pytest.approx(rate_point, rel=1e-3)
    assert abs(delta) < 1.0  # delta and gamma keep their natural units
