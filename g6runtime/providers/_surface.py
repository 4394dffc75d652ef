"""The synthetic market's shapes: volatility surface, spreads, volume and open interest.

Pure functions of plain floats; the randomness comes in as integer bits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from g6runtime.providers._noise import mix64, normal

TICK = 0.05
TICKS_PER_POINT = 20  # 1 / TICK
SESSION_SECONDS = 22_500  # 09:15 → 15:30
_PRE_OPEN_SECONDS = 900  # volume already traded when the session opens (a pre-open auction)

SKEW = -0.8
"""Slope of the smile in standardised log-moneyness: OTM puts (k < 0) are richer."""
CURVATURE = 1.2
"""Convexity of the smile: both wings rise far from the money."""
_SMILE_FLOOR, _SMILE_CAP = 0.6, 3.0
_MIN_T = 1.0 / 365.0  # standardise moneyness with at least one day, so expiry day stays sane
_SHORT_FACTOR, _LONG_FACTOR, _TERM_DECAY = 1.08, 0.95, 0.08


@dataclass(frozen=True, slots=True)
class IndexProfile:
    """Synthetic per-index parameters: realised path volatility and activity scales."""

    path_vol: float
    volume_scale: float
    oi_scale: float


PROFILES: dict[str, IndexProfile] = {
    "NIFTY": IndexProfile(0.13, 2_000_000.0, 150_000.0),
    "BANKNIFTY": IndexProfile(0.16, 900_000.0, 60_000.0),
    "FINNIFTY": IndexProfile(0.15, 150_000.0, 20_000.0),
    "SENSEX": IndexProfile(0.13, 1_200_000.0, 90_000.0),
}
DEFAULT_PROFILE = IndexProfile(0.15, 500_000.0, 50_000.0)


def atm_vol(base: float, t: float) -> float:
    """ATM implied volatility for time ``t`` (years): short dates a little above long ones."""
    decay = math.exp(-t / _TERM_DECAY)
    return base * (_LONG_FACTOR + (_SHORT_FACTOR - _LONG_FACTOR) * decay)


def moneyness_scale(t: float) -> float:
    """``sqrt(t)`` floored at one day: divides ``ln(K/F)`` into standardised moneyness."""
    return math.sqrt(max(t, _MIN_T))


def smile_vol(atm: float, x: float) -> float:
    """Implied volatility at standardised log-moneyness ``x = ln(K/F) / moneyness_scale(t)``."""
    factor = 1.0 + SKEW * x + CURVATURE * x * x
    return atm * min(max(factor, _SMILE_FLOOR), _SMILE_CAP)


def session_fraction(seconds_since_open: float) -> float:
    """The share of the day's volume traded so far (pre-open auction included), 0..1."""
    elapsed = min(max(seconds_since_open, 0.0), SESSION_SECONDS)
    return (elapsed + _PRE_OPEN_SECONDS) / (SESSION_SECONDS + _PRE_OPEN_SECONDS)


def activity_weight(k: float, t: float, sigma: float, is_call: bool) -> float:
    """Relative activity of a strike at log-moneyness ``k``.

    Peaks at the money with fat (Cauchy-like) tails, half a standard deviation
    wide; in-the-money options trade less than out-of-the-money ones; far
    expiries trade less than near ones.
    """
    z = k / (0.5 * max(sigma * moneyness_scale(t), 0.004))
    out_of_money = (k > 0.0) if is_call else (k < 0.0)
    return (1.0 if out_of_money else 0.4) / ((1.0 + z * z) * (1.0 + 15.0 * t))


class ActivityTable:
    """Full-day volume and open interest per strike: ``(CE vol, PE vol, CE OI, PE OI)``.

    Computed once per strike from the day's opening forward, with lognormal noise
    drawn from ``root``; the caller scales volume by the session fraction.
    """

    __slots__ = ("_atm", "_forward", "_profile", "_root", "_rows", "_t")

    def __init__(
        self, profile: IndexProfile, *, forward: float, t: float, atm: float, root: int
    ) -> None:
        self._profile, self._forward, self._t, self._atm, self._root = (
            profile,
            forward,
            t,
            atm,
            root,
        )
        self._rows: dict[int, tuple[float, float, float, float]] = {}

    def row(self, strike: int) -> tuple[float, float, float, float]:
        row = self._rows.get(strike)
        if row is None:
            k = math.log(strike / self._forward)
            ce = activity_weight(k, self._t, self._atm, True)
            pe = activity_weight(k, self._t, self._atm, False)
            h1 = mix64(self._root ^ strike)
            h2, h3, h4 = mix64(h1), mix64(h1 ^ 1), mix64(h1 ^ 2)
            volume, oi = self._profile.volume_scale, self._profile.oi_scale
            row = self._rows[strike] = (
                volume * ce * _lognormal(h1),
                volume * pe * _lognormal(h2),
                oi * ce * _lognormal(h3),
                oi * pe * _lognormal(h4),
            )
        return row


def _lognormal(h: int) -> float:
    """exp(0.25·Z) for a standard normal Z drawn from 64 random bits."""
    return math.exp(0.25 * normal(h))


def relative_spread(x: float) -> float:
    """Quoted width as a share of the price: 0.2 % at the money to 1.4 % in the wings."""
    distance = -x if x < 0.0 else x
    return 0.002 + 0.004 * (3.0 if distance > 3.0 else distance)


def two_sided(fair: float, relative: float, bits: int) -> tuple[int, int, int]:
    """Bid, ask and last in ticks around the model price ``fair``.

    The width is ``relative · fair``, at least one tick. 32 random ``bits`` move
    the quote's centre by at most a quarter width, so ``fair`` always lies in
    ``[bid, ask]``; ``bid ≥ 0``; ``last`` is in ``[bid, ask]`` and at least a tick.
    """
    spread = fair * relative
    if spread < TICK:
        spread = TICK
    center = fair + (((bits & 0xFFFF) + 0.5) / 65536.0 - 0.5) * 0.5 * spread
    bid = math.floor((center - 0.5 * spread) * TICKS_PER_POINT)
    if bid < 0:
        bid = 0
    ask = math.ceil((center + 0.5 * spread) * TICKS_PER_POINT)
    if ask <= bid:
        ask = bid + 1
    last = bid + round((((bits >> 16) & 0xFFFF) + 0.5) / 65536.0 * (ask - bid))
    return bid, ask, last if last >= 1 else 1
