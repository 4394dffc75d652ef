"""A deterministic synthetic market: the provider behind ``g6 simulate`` and the tests.

Every answer is a pure function of the seed, the index and the ``now`` passed
in (to the second), identical across processes: no wall clock, no global
random state, no ``hash()`` of strings (see ``_noise``).

* Index level: ``base_price · exp(B·tanh(σW(t)/B))`` — a geometric Brownian
  motion with zero median drift, anchored at ``base_price`` on 2026-01-01
  09:15 IST, whose log-distance from it is softly bounded (B = 0.4) so levels
  stay representative for decades. ``W`` is evaluated per second through a
  Brownian bridge, so ``spot(index, t)`` needs no history.
* Expiries: the last ``expiry_weekday`` of this month and the next two (the
  monthly contracts) and, for an index whose exchange lists weekly contracts
  (NIFTY, SENSEX: ``IndexSpec.weekly_listed``), that weekday for 8 weeks from the
  market date; an expiry falling on a holiday of the index's exchange (the shipped
  calendar, g6runtime.market.holidays) moves to the previous trading day.
* Quotes: Black-Scholes mids on a volatility surface (skew and curvature in
  standardised log-moneyness; a short-dated term premium; a daily ATM level),
  bid/ask on the 0.05 tick around the model price (which always lies within
  them), volume and open interest peaking at the money and on the OTM side,
  volume accumulating through the session.
* Faults: a ``FaultPlan`` (see ``faults``).

Strikes are listed on the index's strike grid (``step_overrides`` applied);
asking for an off-grid strike or an unlisted expiry raises ``ProviderError``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence, Set
from datetime import date, datetime, timedelta

from g6runtime.analytics.black_scholes import norm_cdf
from g6runtime.analytics.time import year_fraction_to_expiry
from g6runtime.market.calendar import IST, market_date, previous_trading_day, session_bounds
from g6runtime.market.holidays import exchange_holidays
from g6runtime.market.indices import IndexSpec, UnknownIndexError, index_registry
from g6runtime.providers import _surface as surface
from g6runtime.providers._noise import brownian, mix, mix64, normal, stable_root
from g6runtime.providers.base import (
    OneByOne,
    OptionKind,
    ProviderError,
    ProviderTimeout,
    Quote,
    quote,
)
from g6runtime.providers.faults import FaultPlan, FaultRule, FaultTarget, apply_quote_faults

__all__ = ["SyntheticMarket"]

_EPOCH = math.floor(datetime(2026, 1, 1, 9, 15, tzinfo=IST).timestamp())
_SECONDS_PER_YEAR = 365.0 * 86_400.0
_WEEKS_LISTED = 8
_MONTHS_LISTED = 3
_CACHE_LIMIT = 4096
_IV_PREMIUM = 1.05  # implied volatility trades a little above realised
_BAND = 0.4  # log-distance from base_price is squashed by tanh: the level stays in ≈ ×0.67…×1.49


def _second(now: datetime) -> int:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {now.isoformat()}")
    return math.floor(now.timestamp())


def _last_weekday_of_month(year: int, month: int, weekday: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    last = following - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


class SyntheticMarket(OneByOne):
    """A deterministic ``Provider``; see the module docstring.

    ``r`` and ``q`` are the risk-free rate and dividend yield used for prices;
    ``holidays`` are Asia/Kolkata dates without a session: left out (None), each
    index's exchange calendar (shipped table) plus ``extra_holidays``.
    """

    def __init__(
        self,
        seed: int,
        faults: FaultPlan | None = None,
        *,
        step_overrides: Mapping[str, int] | None = None,
        holidays: Set[date] | None = None,
        extra_holidays: Iterable[date] = (),
        r: float = 0.065,
        q: float = 0.012,
    ) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"seed must be an int, got {seed!r}")
        self._seed = seed
        self._faults = faults if faults is not None else FaultPlan()
        self._registry = index_registry(step_overrides)
        extra = frozenset(extra_holidays)
        self._holidays = {
            name: exchange_holidays(spec.exchange, extra)
            if holidays is None
            else frozenset(holidays) | extra
            for name, spec in self._registry.items()
        }
        self._r = r
        self._q = q
        self._roots: dict[tuple[str, str], int] = {}
        self._spots: dict[tuple[str, int], float] = {}
        self._listed: dict[tuple[str, date], tuple[date, ...]] = {}
        self._activity_tables: dict[tuple[str, date, date], surface.ActivityTable] = {}

    @property
    def seed(self) -> int:
        return self._seed

    @property
    def faults(self) -> FaultPlan:
        return self._faults

    @property
    def indices(self) -> tuple[str, ...]:
        """The indices this market quotes, in canonical order."""
        return tuple(self._registry)

    def index_spec(self, index: str) -> IndexSpec:
        """The registry entry used for ``index`` (strike-step overrides applied)."""
        try:
            return self._registry[index.upper()]
        except KeyError:
            raise UnknownIndexError(index) from None

    # -- the Provider protocol -------------------------------------------------

    def spot(self, index: str, now: datetime) -> float:
        """The index level at ``now`` (constant within each second)."""
        name = self.index_spec(index).name
        rule = self._call_fault(name, "spot", now)
        if rule is not None:
            now = now - timedelta(seconds=rule.lag_seconds)
        return self._spot(name, _second(now))

    def expiries(self, index: str, now: datetime) -> list[date]:
        """The listed expiries on the market date of ``now``, ascending."""
        name = self.index_spec(index).name
        self._call_fault(name, "expiries", now)
        return list(self._expiries(name, market_date(now)))

    def option_quotes(
        self, index: str, expiry: date, strikes: Sequence[int], now: datetime
    ) -> list[Quote]:
        """Quotes for ``strikes`` of ``expiry``: CE then PE for each strike, in order."""
        spec = self.index_spec(index)
        name = spec.name
        if expiry not in self._expiries(name, market_date(now)):
            listed_at = f"not listed at {now.isoformat()}"
            raise ProviderError(f"{name}: expiry {expiry} is {listed_at}", index=name)
        off_grid = [k for k in strikes if k <= 0 or k % spec.strike_step]
        if off_grid:
            grid = f"multiples of {spec.strike_step}"
            raise ProviderError(f"{name}: strikes {off_grid} are not listed ({grid})", index=name)
        rule = self._call_fault(name, "quotes", now, salt=expiry.toordinal())
        if rule is not None:
            return self._quotes(name, expiry, strikes, now - timedelta(seconds=rule.lag_seconds))
        quotes = self._quotes(name, expiry, strikes, now)
        quote_rules = self._faults.quote_rules(name, now)
        if quote_rules:
            root = mix(self._root(name, "faults"), expiry.toordinal(), _second(now))
            quotes = apply_quote_faults(quote_rules, root, quotes)
        return quotes

    # -- model -------------------------------------------------------------------

    def volatility(self, index: str, expiry: date, strike: float, now: datetime) -> float:
        """The model's implied volatility for one strike (what an IV solver should recover)."""
        name = self.index_spec(index).name
        second = _second(now)
        as_of = datetime.fromtimestamp(second, IST)
        t = year_fraction_to_expiry(as_of, expiry)
        forward = self._spot(name, second) * math.exp((self._r - self._q) * t)
        atm = surface.atm_vol(self._day_vol(name, as_of.date()), t)
        return surface.smile_vol(atm, math.log(strike / forward) / surface.moneyness_scale(t))

    def _root(self, name: str, domain: str) -> int:
        key = (name, domain)
        root = self._roots.get(key)
        if root is None:
            root = self._roots[key] = stable_root(self._seed, domain, name)
        return root

    def _call_fault(
        self, name: str, target: FaultTarget, now: datetime, salt: int = 0
    ) -> FaultRule | None:
        """Raise the call fault that fires, or return a stale rule (or None)."""
        if not self._faults.rules:
            return None
        rule = self._faults.call_fault(self._root(name, "faults"), name, target, now, salt)
        if rule is None or rule.kind == "stale":
            return rule
        where = f"{name} {target} at {now.isoformat()}"
        if rule.kind == "timeout":
            raise ProviderTimeout(f"synthetic timeout: {where}", index=name)
        raise ProviderError(f"synthetic provider error: {where}", index=name)

    def _spot(self, name: str, second: int) -> float:
        key = (name, second)
        value = self._spots.get(key)
        if value is None:
            if len(self._spots) >= _CACHE_LIMIT:
                self._spots.clear()
            spec = self._registry[name]
            sigma = surface.PROFILES.get(name, surface.DEFAULT_PROFILE).path_vol
            w = brownian(self._root(name, "path"), second - _EPOCH)
            log_move = sigma * w / math.sqrt(_SECONDS_PER_YEAR)
            banded = _BAND * math.tanh(log_move / _BAND)
            value = self._spots[key] = round(spec.base_price * math.exp(banded), 2)
        return value

    def _expiries(self, name: str, day: date) -> tuple[date, ...]:
        key = (name, day)
        listed = self._listed.get(key)
        if listed is None:
            if len(self._listed) >= _CACHE_LIMIT:
                self._listed.clear()
            spec = self._registry[name]
            weekday = spec.expiry_weekday
            first = day + timedelta(days=(weekday - day.weekday()) % 7)
            weeks = _WEEKS_LISTED if spec.weekly_listed else 0
            dates = {first + timedelta(weeks=k) for k in range(weeks)}
            for m in range(_MONTHS_LISTED):
                year, month = day.year + (day.month - 1 + m) // 12, (day.month - 1 + m) % 12 + 1
                dates.add(_last_weekday_of_month(year, month, weekday))
            holidays = self._holidays[name]
            shifted = {previous_trading_day(d, holidays=holidays) for d in dates}
            listed = self._listed[key] = tuple(sorted(d for d in shifted if d >= day))
        return listed

    def _day_vol(self, name: str, day: date) -> float:
        """The day's base ATM volatility: the path's, with a premium and a daily wobble."""
        sigma = surface.PROFILES.get(name, surface.DEFAULT_PROFILE).path_vol * _IV_PREMIUM
        return sigma * math.exp(0.1 * normal(mix(self._root(name, "vol"), day.toordinal())))

    def _activity(self, name: str, expiry: date, day: date) -> surface.ActivityTable:
        """The day's volume/OI table, fixed from the open (volume only grows in a session)."""
        key = (name, expiry, day)
        table = self._activity_tables.get(key)
        if table is None:
            if len(self._activity_tables) >= _CACHE_LIMIT:
                self._activity_tables.clear()
            opening = session_bounds(day)[0]
            t = year_fraction_to_expiry(opening, expiry)
            forward = self._spot(name, _second(opening)) * math.exp((self._r - self._q) * t)
            table = self._activity_tables[key] = surface.ActivityTable(
                surface.PROFILES.get(name, surface.DEFAULT_PROFILE),
                forward=forward,
                t=t,
                atm=surface.atm_vol(self._day_vol(name, day), t),
                root=mix(self._root(name, "activity"), expiry.toordinal(), day.toordinal()),
            )
        return table

    def _quotes(
        self, name: str, expiry: date, strikes: Sequence[int], now: datetime
    ) -> list[Quote]:
        second = _second(now)
        as_of = datetime.fromtimestamp(second, IST)
        day = as_of.date()
        r, q = self._r, self._q
        spot = self._spot(name, second)
        t = year_fraction_to_expiry(as_of, expiry)
        disc_spot, disc_strike = spot * math.exp(-q * t), math.exp(-r * t)
        sqrt_t, log_spot, log = math.sqrt(t), math.log(spot), math.log
        forward = spot * math.exp((r - q) * t)
        atm = surface.atm_vol(self._day_vol(name, day), t)
        fraction = surface.session_fraction((as_of - session_bounds(day)[0]).total_seconds())
        oi_fraction = 0.85 + 0.15 * fraction
        activity = self._activity(name, expiry, day)
        h_quote = mix(self._root(name, "quotes"), expiry.toordinal(), second)
        tpp = surface.TICKS_PER_POINT
        scale = surface.moneyness_scale(t)
        out: list[Quote] = []
        for strike in strikes:
            x = math.log(strike / forward) / scale
            sigma = surface.smile_vol(atm, x)
            # Price the OTM side with Black-Scholes and the other by put-call parity; the
            # inputs are valid by construction, so bs_price's terms are written out here
            # (the same operations: the same floats) without its checks.
            disc_k = strike * disc_strike
            parity = disc_spot - disc_k
            vol_t = sigma * sqrt_t
            d1 = (log_spot - log(strike) + (r - q + 0.5 * sigma * sigma) * t) / vol_t
            d2 = d1 - vol_t
            if x >= 0.0:
                call = disc_spot * norm_cdf(d1) - disc_k * norm_cdf(d2)
                put = max(call - parity, 0.0)
            else:
                put = disc_k * norm_cdf(-d2) - disc_spot * norm_cdf(-d1)
                call = max(put + parity, 0.0)
            ce_volume, pe_volume, ce_oi, pe_oi = activity.row(strike)
            h = mix64(h_quote ^ strike)
            sides: tuple[tuple[OptionKind, float, int, float, float], ...] = (
                ("CE", call, h & 0xFFFFFFFF, ce_volume, ce_oi),
                ("PE", put, h >> 32, pe_volume, pe_oi),
            )
            relative = surface.relative_spread(x)
            for kind, fair, bits, volume, oi in sides:
                bid, ask, last = surface.two_sided(fair, relative, bits)
                volume_now, oi_now = int(volume * fraction), int(oi * oi_fraction)
                out.append(
                    quote(name, expiry, strike, kind, bid / tpp, ask / tpp, last / tpp,
                          volume_now, oi_now, as_of)
                )  # fmt: skip
        return out
