"""Black-Scholes-Merton pricing, Greeks and implied volatility: scalar and vectorised APIs."""

from __future__ import annotations

import math
import subprocess
import sys
import warnings
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import product

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from g6runtime.analytics import _common as c
from g6runtime.analytics._iv_vec import corrado_miller as corrado_miller_vec
from g6runtime.analytics.black_scholes import Greeks, bs_price, greeks
from g6runtime.analytics.iv import IVResult, corrado_miller, implied_vol, normalised_price
from g6runtime.analytics.time import MIN_YEAR_FRACTION, year_fraction_to_expiry
from g6runtime.analytics.vector import GREEK_NAMES, greeks_vec, iv_vec, price_vec

IST = timezone(timedelta(hours=5, minutes=30))
MONEYNESS = (0.7, 0.8, 0.9, 0.95, 1.0, 1.05, 1.1, 1.2, 1.3)
EXPIRIES = (1 / 365, 2 / 365, 7 / 365, 30 / 365, 90 / 365, 0.5, 1.0)
VOLS = (0.05, 0.1, 0.2, 0.4, 0.8, 1.5)
SPOT, RATE, DIV = 24_000.0, 0.065, 0.012


def _grid() -> list[tuple[bool, float, float, float, float]]:
    """(is_call, strike, t, sigma, price) over the moneyness × expiry × vol grid."""
    rows = []
    for is_call, m, t, sigma in product((True, False), MONEYNESS, EXPIRIES, VOLS):
        strike = SPOT * m
        rows.append(
            (is_call, strike, t, sigma, bs_price(is_call, SPOT, strike, t, RATE, DIV, sigma))
        )
    return rows


# --- prices ---------------------------------------------------------------------------


def test_hull_textbook_values() -> None:
    # Hull, Options, Futures and Other Derivatives, example 15.6.
    assert round(bs_price(True, 42, 40, 0.5, 0.10, 0.0, 0.20), 2) == 4.76
    assert round(bs_price(False, 42, 40, 0.5, 0.10, 0.0, 0.20), 2) == 0.81
    vec = price_vec(np.array([True, False]), 42, 40, 0.5, 0.10, 0.0, 0.20)
    assert np.round(vec, 2).tolist() == [4.76, 0.81]


@pytest.mark.parametrize(("m", "t", "q"), list(product(MONEYNESS, EXPIRIES, (0.0, 0.02, 0.08))))
def test_put_call_parity_with_dividends(m: float, t: float, q: float) -> None:
    strike = SPOT * m
    call = bs_price(True, SPOT, strike, t, RATE, q, 0.25)
    put = bs_price(False, SPOT, strike, t, RATE, q, 0.25)
    forward_gap = SPOT * math.exp(-q * t) - strike * math.exp(-RATE * t)
    assert call - put == pytest.approx(forward_gap, abs=1e-9 * SPOT)


def test_degenerate_and_invalid_inputs_never_raise() -> None:
    assert bs_price(True, 100, 90, 0.0, 0.05, 0.0, 0.2) == 10.0
    assert bs_price(False, 100, 90, 0.0, 0.05, 0.0, 0.2) == 0.0
    assert bs_price(True, 100, 90, 1.0, 0.05, 0.0, 0.0) == pytest.approx(100 - 90 * math.exp(-0.05))
    for bad in ((-1, 90, 1, 0.2), (100, 0, 1, 0.2), (100, 90, -1, 0.2), (100, 90, 1, math.nan)):
        spot, strike, t, sigma = bad
        assert math.isnan(bs_price(True, spot, strike, t, 0.05, 0.0, sigma))
        assert math.isnan(greeks(True, spot, strike, t, 0.05, 0.0, sigma).delta)
    limit = greeks(True, 100, 90, 0.0, 0.05, 0.0, 0.2)
    assert (limit.delta, limit.gamma, limit.vega) == (1.0, 0.0, 0.0)
    assert greeks(False, 100, 90, 0.0, 0.05, 0.0, 0.2) == Greeks(0.0, 0.0, 0.0, 0.0, 0.0)


# --- Greeks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("is_call", "m", "t", "sigma"),
    list(product((True, False), (0.8, 1.0, 1.15), (7 / 365, 0.25, 1.0), (0.12, 0.35))),
)
def test_greeks_match_finite_differences(is_call: bool, m: float, t: float, sigma: float) -> None:
    strike, r, q = SPOT * m, RATE, DIV

    def px(s: float = SPOT, tt: float = t, rr: float = r, vol: float = sigma) -> float:
        return bs_price(is_call, s, strike, tt, rr, q, vol)

    hs, ht, hr, hv = SPOT * 1e-4, 1e-5, 1e-5, 1e-5
    g = greeks(is_call, SPOT, strike, t, r, q, sigma)
    scale = SPOT * 1e-7
    assert g.delta == pytest.approx((px(SPOT + hs) - px(SPOT - hs)) / (2 * hs), abs=1e-6)
    fd_gamma = (px(SPOT + hs) - 2 * px() + px(SPOT - hs)) / hs**2
    assert g.gamma == pytest.approx(fd_gamma, rel=1e-3, abs=1e-9)
    assert g.vega == pytest.approx((px(vol=sigma + hv) - px(vol=sigma - hv)) / (2 * hv), abs=scale)
    assert g.rho == pytest.approx((px(rr=r + hr) - px(rr=r - hr)) / (2 * hr), abs=scale)
    # theta is per year of calendar time passing: -dV/dT.
    assert g.theta == pytest.approx(-(px(tt=t + ht) - px(tt=t - ht)) / (2 * ht), abs=SPOT * 1e-5)
    assert g.theta_per_day == pytest.approx(g.theta / 365.0)


# --- implied volatility: round trips --------------------------------------------------


def test_iv_round_trip_over_grid_scalar_and_vector() -> None:
    rows = _grid()
    call, strike, t, sigma, price = (np.array(col) for col in zip(*rows, strict=True))
    vega = greeks_vec(call, SPOT, strike, t, RATE, DIV, sigma)["vega"]
    batch = iv_vec(price, call, SPOT, strike, t, RATE, DIV)
    solvable = vega > 1e-6 * SPOT
    assert solvable.sum() > 0.7 * len(rows)  # the rest: far wings of short expiries
    assert batch.success[solvable].all()
    assert np.abs(batch.iv[solvable] - sigma[solvable]).max() < 1e-6
    assert batch.iterations[solvable].max() <= 15
    for i in np.flatnonzero(solvable):
        res = implied_vol(price[i], bool(call[i]), SPOT, strike[i], t[i], RATE, DIV)
        assert res.success and res.reason == "ok" and res.iv is not None
        assert abs(res.iv - sigma[i]) < 1e-6
        assert res.iterations == batch.iterations[i] <= 100


def test_near_the_money_solves_start_from_corrado_miller_and_take_few_iterations() -> None:
    # Started from the inflection point s*, these took a median of 5-6 iterations (max 8).
    rng = np.random.default_rng(1)
    n = 4000
    strike = SPOT * np.exp(rng.uniform(-0.05, 0.05, n))
    t, sigma = rng.uniform(2 / 365, 0.5, n), rng.uniform(0.08, 0.6, n)
    call = rng.random(n) < 0.5
    batch = iv_vec(
        price_vec(call, SPOT, strike, t, RATE, DIV, sigma), call, SPOT, strike, t, RATE, DIV
    )
    assert batch.success.all() and np.abs(batch.iv - sigma).max() < 1e-6
    assert np.median(batch.iterations) <= 3 and batch.iterations.max() <= 5


@given(
    st.floats(-3.0, 0.0),
    st.floats(1e-4, 3.0),
)
def test_property_corrado_miller_scalar_and_vector_agree_and_start_close_at_the_money(
    a: float, s: float
) -> None:
    beta = normalised_price(a, s)
    assume(beta > 0.0)
    guess = corrado_miller(a, beta)
    assert math.isfinite(guess) and guess >= 0.0
    assert float(corrado_miller_vec(np.array([a]), np.array([beta]))[0]) == pytest.approx(
        guess, rel=1e-12, abs=1e-300
    )
    if abs(a) < 0.01 * s and s < 0.5:  # near the money: within 1 % of the root
        assert guess == pytest.approx(s, rel=1e-2)


def test_hull_iv_recovers_sigma() -> None:
    res = implied_vol(bs_price(True, 42, 40, 0.5, 0.1, 0.0, 0.2), True, 42, 40, 0.5, 0.1, 0.0)
    assert res.success and res.iv == pytest.approx(0.2, abs=1e-10)


def test_newton_step_an_ulp_outside_the_bracket_still_converges() -> None:
    # The last Newton step lands one ulp past the bracket edge: clip, don't bisect.
    args = (
        True,
        20233.452409706413,
        55000.22601229582,
        0.5689665390144695,
        0.0023220951593244145,
        0.08286333619170941,
    )
    price = bs_price(*args, 1.886305148643196)
    res = implied_vol(price, *args)
    assert res.success and res.iterations <= 5
    assert res.iv == pytest.approx(1.886305148643196, abs=1e-9)
    assert int(iv_vec(price, *args).iterations) == res.iterations


@pytest.mark.slow  # 1-2 s idle, 12 s on a loaded 2-core machine
@settings(max_examples=200, deadline=None)
@given(
    is_call=st.booleans(),
    spot=st.floats(1.0, 1e5),
    z=st.floats(-5.0, 5.0),
    t=st.floats(MIN_YEAR_FRACTION, 3.0),
    r=st.floats(-0.02, 0.15),
    q=st.floats(0.0, 0.1),
    sigma=st.floats(0.05, 2.0),
)
def test_property_round_trip(
    is_call: bool, spot: float, z: float, t: float, r: float, q: float, sigma: float
) -> None:
    # z: the strike's distance from the forward in standard deviations; |ln(K/S)| <= 1
    # keeps the price's rounding (relative to max(S, K)) within what vega > 1e-6·S resolves.
    strike = spot * math.exp(min(max((r - q) * t + z * sigma * math.sqrt(t), -1.0), 1.0))
    assume(greeks(is_call, spot, strike, t, r, q, sigma).vega > 1e-6 * spot)
    price = bs_price(is_call, spot, strike, t, r, q, sigma)
    res = implied_vol(price, is_call, spot, strike, t, r, q)
    assert res.success and res.iv is not None and abs(res.iv - sigma) < 1e-6
    batch = iv_vec(price, is_call, spot, strike, t, r, q)
    assert batch.success and abs(float(batch.iv) - sigma) < 1e-6


finite_or_not = st.floats(allow_nan=True, allow_infinity=True)


@pytest.mark.slow  # 1-2 s idle, 12 s on a loaded 2-core machine
@settings(max_examples=200, deadline=None)
@given(
    price=finite_or_not,
    is_call=st.booleans(),
    spot=finite_or_not,
    strike=finite_or_not,
    t=finite_or_not,
    r=st.floats(-1.0, 1.0) | finite_or_not,
    q=st.floats(-1.0, 1.0),
    max_iter=st.integers(0, 30),
    tol=st.floats(0.0, 1e-2),
)
def test_property_solver_never_raises_nor_exceeds_max_iter(
    price: float,
    is_call: bool,
    spot: float,
    strike: float,
    t: float,
    r: float,
    q: float,
    max_iter: int,
    tol: float,
) -> None:
    res = implied_vol(price, is_call, spot, strike, t, r, q, tol=tol, max_iter=max_iter)
    assert isinstance(res, IVResult) and 0 <= res.iterations <= max_iter
    assert res.reason in c.REASONS and res.success == (res.reason == "ok")
    assert (res.iv is not None) == res.success
    batch = iv_vec(price, is_call, spot, strike, t, r, q, tol=tol, max_iter=max_iter)
    assert 0 <= int(batch.iterations) <= max_iter
    assert bool(batch.success) == math.isfinite(float(batch.iv))
    # Checks on the inputs alone agree exactly; the price bounds may differ by one ulp of exp.
    if res.reason in (c.INVALID_INPUT, c.EXPIRED, c.NON_POSITIVE_PRICE):
        assert batch.reasons() == [res.reason]


# --- implied volatility: failures -----------------------------------------------------

FAILURES = [
    # (price, is_call, spot, strike, t, reason)
    (5.0, True, 120.0, 100.0, 0.5, c.BELOW_INTRINSIC),  # intrinsic ≈ 22
    (1.0, False, 80.0, 100.0, 0.5, c.BELOW_INTRINSIC),
    (130.0, True, 120.0, 100.0, 0.5, c.ABOVE_UPPER_BOUND),  # > S·e^(-qT)
    (100.0, False, 80.0, 100.0, 0.5, c.ABOVE_UPPER_BOUND),  # > K·e^(-rT)
    (0.0, True, 100.0, 100.0, 0.5, c.NON_POSITIVE_PRICE),
    (-1.0, False, 100.0, 100.0, 0.5, c.NON_POSITIVE_PRICE),
    (2.0, True, 100.0, 100.0, 0.0, c.EXPIRED),
    (2.0, True, 100.0, 100.0, -0.1, c.EXPIRED),
    (math.nan, True, 100.0, 100.0, 0.5, c.INVALID_INPUT),
    (2.0, True, -100.0, 100.0, 0.5, c.INVALID_INPUT),
    (2.0, True, 100.0, math.inf, 0.5, c.INVALID_INPUT),
    (95.0, True, 100.0, 100.0, 0.5, c.ABOVE_MAX_VOL),  # σ would be ≈ 10
    (1e-9, True, 100.0, 100.0 * math.exp(0.025), 0.5, c.BELOW_MIN_VOL),  # at the forward: σ < 1e-4
]


@pytest.mark.parametrize(("price", "is_call", "spot", "strike", "t", "reason"), FAILURES)
def test_failures_are_reported_not_raised(
    price: float, is_call: bool, spot: float, strike: float, t: float, reason: str
) -> None:
    res = implied_vol(price, is_call, spot, strike, t, 0.05, 0.0)
    assert res == IVResult(None, False, 0, reason)
    batch = iv_vec(price, is_call, spot, strike, t, 0.05, 0.0)
    assert not batch.success and math.isnan(float(batch.iv)) and batch.reasons() == [reason]


def test_iteration_cap_reports_no_convergence() -> None:
    price = bs_price(True, 100, 130, 0.3, 0.05, 0.0, 0.45)
    assert implied_vol(price, True, 100, 130, 0.3, 0.05, 0.0).iterations > 2
    res = implied_vol(price, True, 100, 130, 0.3, 0.05, 0.0, max_iter=2)
    assert res == IVResult(None, False, 2, c.NO_CONVERGENCE)
    batch = iv_vec(price, True, 100, 130, 0.3, 0.05, 0.0, max_iter=2)
    assert batch.reasons() == [c.NO_CONVERGENCE] and int(batch.iterations) == 2
    assert implied_vol(price, True, 100, 130, 0.3, 0.05, 0.0, max_iter=0).iterations == 0


@pytest.mark.parametrize("t", [1e-12, 1e-9, MIN_YEAR_FRACTION])
@pytest.mark.parametrize("m", [0.5, 0.999, 1.0, 1.001, 2.0])
def test_near_expiry_and_deep_wings_end_cleanly(t: float, m: float) -> None:
    for is_call, price in product((True, False), (1e-300, 1e-8, 0.01, 1.0, 60.0)):
        res = implied_vol(price, is_call, 100.0, 100.0 * m, t, 0.05, 0.01)
        assert res.iterations <= 100 and res.reason in c.REASONS
        if res.success:
            assert res.iv is not None
            assert c.SIGMA_MIN <= res.iv <= c.SIGMA_MAX
            back = bs_price(is_call, 100.0, 100.0 * m, t, 0.05, 0.01, res.iv)
            assert back == pytest.approx(price, rel=1e-6)


# --- vector API ------------------------------------------------------------------------


def test_vector_matches_scalar() -> None:
    rng = np.random.default_rng(7)
    n = 400
    call = rng.random(n) < 0.5
    spot = rng.uniform(15_000, 80_000, n)
    strike = spot * rng.uniform(0.7, 1.3, n)
    t, r = rng.uniform(1 / 365, 1.0, n), rng.uniform(0.0, 0.1, n)
    q, sigma = rng.uniform(0.0, 0.05, n), rng.uniform(0.05, 1.0, n)
    prices = price_vec(call, spot, strike, t, r, q, sigma)
    g_vec = greeks_vec(call, spot, strike, t, r, q, sigma)
    batch = iv_vec(prices, call, spot, strike, t, r, q)
    for i in range(n):
        args = (bool(call[i]), spot[i], strike[i], t[i], r[i], q[i])
        assert prices[i] == pytest.approx(bs_price(*args, sigma[i]), rel=1e-12, abs=1e-9)
        g = greeks(*args, sigma[i])
        for name in GREEK_NAMES:
            assert g_vec[name][i] == pytest.approx(getattr(g, name), rel=1e-10, abs=1e-10)
        res = implied_vol(prices[i], *args)
        assert res.success == bool(batch.success[i]) and res.reason == batch.reasons()[i]
        if res.success:
            assert res.iv == pytest.approx(batch.iv[i], abs=1e-10)


def test_vector_shapes_nan_and_no_warnings() -> None:
    strikes = np.array([[90.0, 100.0, 110.0], [95.0, 105.0, 400.0]])
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        prices = price_vec(True, 100.0, strikes, 0.25, 0.05, 0.0, 0.3)
        prices[1, 2] = np.nan
        batch = iv_vec(prices, True, 100.0, strikes, 0.25, 0.05, 0.0)
        g = greeks_vec(True, 100.0, strikes, 0.25, 0.05, 0.0, batch.iv)
        limit = greeks_vec([True, False], 100.0, 90.0, [0.0, 0.5], 0.05, 0.0, [0.2, 0.0])
    assert prices.shape == batch.iv.shape == batch.success.shape == g["delta"].shape == (2, 3)
    assert batch.success.tolist() == [[True, True, True], [True, True, False]]
    assert batch.reasons()[-1] == c.INVALID_INPUT and np.isnan(g["gamma"][1, 2])
    assert np.allclose(batch.iv[batch.success], 0.3, atol=1e-9)
    assert limit["delta"].tolist() == [1.0, 0.0] and limit["vega"].tolist() == [0.0, 0.0]
    assert price_vec([], [], [], [], 0.05, 0.0, []).shape == (0,)
    assert iv_vec([], True, 100.0, 100.0, 0.5, 0.05, 0.0).iv.shape == (0,)


# --- time to expiry --------------------------------------------------------------------


def test_year_fraction_to_expiry() -> None:
    year = 365 * 24 * 3600
    open_ist = datetime(2026, 11, 26, 9, 15, tzinfo=IST)
    assert year_fraction_to_expiry(open_ist, date(2026, 11, 26)) == (6 * 3600 + 15 * 60) / year
    # 20:00 UTC is already 01:30 the next day in Asia/Kolkata.
    late_utc = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)
    assert year_fraction_to_expiry(late_utc, date(2026, 11, 26)) == 14 * 3600 / year
    week = (7 * 86400 + 6 * 3600 + 15 * 60) / year
    assert year_fraction_to_expiry(open_ist, date(2026, 12, 3)) == pytest.approx(week, rel=1e-15)
    after_close = datetime(2026, 11, 26, 15, 31, tzinfo=IST)
    assert year_fraction_to_expiry(after_close, date(2026, 11, 26)) == MIN_YEAR_FRACTION
    assert year_fraction_to_expiry(after_close, date(2026, 11, 20)) == MIN_YEAR_FRACTION
    assert year * MIN_YEAR_FRACTION == pytest.approx(300.0)
    with pytest.raises(ValueError, match="timezone-aware"):
        year_fraction_to_expiry(datetime(2026, 11, 26, 9, 15), date(2026, 11, 26))


# --- packaging -------------------------------------------------------------------------


def test_package_import_is_lazy_and_scalar_api_needs_no_numpy() -> None:
    code = (
        "import sys\n"
        "import g6runtime.analytics as a\n"
        "from g6runtime.analytics import black_scholes, iv, time\n"
        "assert 'numpy' not in sys.modules, 'numpy imported eagerly'\n"
        "assert a.bs_price is black_scholes.bs_price and a.implied_vol is iv.implied_vol\n"
        "assert a.iv_vec.__module__.startswith('g6runtime.analytics')\n"
        "assert 'numpy' in sys.modules\n"
        "try:\n    a.nope\nexcept AttributeError:\n    pass\nelse:\n    raise SystemExit(1)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
