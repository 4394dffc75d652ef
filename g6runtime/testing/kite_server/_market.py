"""The local Kite server's market: instrument dumps and quote payloads from the synthetic market.

Instruments, as Kite lists them:

* index instruments on ``NSE`` (``NIFTY 50``, ``NIFTY BANK``, ``NIFTY FIN SERVICE``) and ``BSE``
  (``SENSEX``), segment ``INDICES``, with Kite's real instrument tokens;
* option instruments on ``NFO`` (NIFTY, BANKNIFTY, FINNIFTY; segment ``NFO-OPT``) and ``BFO``
  (SENSEX; ``BFO-OPT``) for every expiry the synthetic market lists that day, weekly ones only
  for indices whose exchange lists weeklies (``IndexSpec.weekly_listed``), strikes
  ``strikes_per_side`` steps either side of the ATM strike at the day's 09:15 open.

Tradingsymbols follow Kite: a monthly contract (the last listed expiry of its month) is
``NIFTY26DEC24000CE`` (YY, MMM, strike, type), a weekly one ``NIFTY26D0824000CE`` (YY, month code
``1``–``9``/``O``/``N``/``D``, DD, strike, type). ``instrument_token = exchange_token·256 +
segment id`` (NFO 2, BFO 5). A day's dump is built once per Asia/Kolkata date.

Quotes are ``SyntheticMarket.option_quotes`` at the asked instant: ``depth`` level 0 carries the
synthetic bid and ask exactly (further levels one tick away each), ``last_price`` the synthetic
last, and ``volume`` and ``oi`` are in **units** (contracts × lot size), as Kite reports F&O
volume and open interest. Times are Kite's ``YYYY-MM-DD HH:MM:SS`` in Asia/Kolkata time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from g6runtime.errors import ProviderError
from g6runtime.market.calendar import IST, market_date, session_bounds
from g6runtime.market.strikes import atm_strike
from g6runtime.providers.base import Quote
from g6runtime.providers.synthetic import SyntheticMarket
from g6runtime.testing.kite_server._csv import dump, header

__all__ = [
    "KITE_INDICES",
    "Instrument",
    "KiteIndex",
    "KiteMarket",
    "kite_time",
    "tradingsymbol",
]


@dataclass(frozen=True, slots=True)
class KiteIndex:
    """Kite's facts about one index: its index instrument and its options' lot size."""

    exchange: str
    tradingsymbol: str
    instrument_token: int
    exchange_token: int
    lot_size: int


KITE_INDICES: dict[str, KiteIndex] = {
    "NIFTY": KiteIndex("NSE", "NIFTY 50", 256265, 1001, 65),
    "BANKNIFTY": KiteIndex("NSE", "NIFTY BANK", 260105, 1016, 30),
    "FINNIFTY": KiteIndex("NSE", "NIFTY FIN SERVICE", 257801, 1007, 60),
    "SENSEX": KiteIndex("BSE", "SENSEX", 265, 1, 20),
}
"""Per index (keyed by the market's names; a test checks it covers exactly ``INDEX_NAMES``):
Kite's index instrument tokens and the lot sizes (units per lot) the exchanges set for 2026."""

_DERIVATIVES = {"NSE": ("NFO", 2, 35_000), "BSE": ("BFO", 5, 800_000)}  # segment id, first token
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_WEEKLY_MONTH_CODES = "123456789OND"
_TICK = 0.05


def kite_time(moment: datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in Asia/Kolkata time (19 characters: the client parses it)."""
    return moment.astimezone(IST).strftime("%Y-%m-%d %H:%M:%S")


def tradingsymbol(index: str, expiry: date, strike: int, kind: str, *, monthly: bool) -> str:
    """Kite's option tradingsymbol (see the module docstring)."""
    yy = f"{expiry.year % 100:02d}"
    if monthly:
        return f"{index}{yy}{_MONTHS[expiry.month - 1]}{strike}{kind}"
    return f"{index}{yy}{_WEEKLY_MONTH_CODES[expiry.month - 1]}{expiry.day:02d}{strike}{kind}"


@dataclass(frozen=True, slots=True)
class Instrument:
    """One row of an instrument dump; ``expiry``/``strike``/``kind`` are None for an index."""

    exchange: str
    tradingsymbol: str
    instrument_token: int
    exchange_token: int
    index: str
    lot_size: int
    expiry: date | None = None
    strike: int | None = None
    kind: str | None = None

    @property
    def key(self) -> str:
        """``EXCHANGE:TRADINGSYMBOL``, the form ``/quote?i=`` takes."""
        return f"{self.exchange}:{self.tradingsymbol}"


@dataclass(frozen=True, slots=True)
class _Day:
    instruments: dict[str, Instrument]  # key -> instrument
    csv: dict[str, bytes]  # exchange -> dump


def _monthly_only(expiries: Sequence[date]) -> list[date]:
    last: dict[tuple[int, int], date] = {}
    for d in expiries:
        last[(d.year, d.month)] = max(d, last.get((d.year, d.month), d))
    return sorted(last.values())


def _depth(price: float | None, qty_seed: int, lot: int, direction: int) -> list[dict[str, Any]]:
    levels: list[dict[str, Any]] = []
    for k in range(5):
        level_price = None if price is None else round(price + direction * k * _TICK, 2)
        if level_price is None or level_price <= 0:
            levels.append({"price": 0, "quantity": 0, "orders": 0})
            continue
        orders = 1 + (qty_seed >> (4 * k)) % 9
        levels.append({"price": level_price, "quantity": orders * lot * 2, "orders": orders})
    return levels


class KiteMarket:
    """Instrument dumps and quote payloads over one ``SyntheticMarket`` (thread-safe)."""

    def __init__(self, market: SyntheticMarket, *, strikes_per_side: int = 40) -> None:
        if strikes_per_side < 1:
            raise ValueError(f"strikes_per_side must be ≥ 1, got {strikes_per_side}")
        self.market = market
        self.strikes_per_side = strikes_per_side
        self._lock = threading.Lock()
        self._days: dict[date, _Day] = {}
        self._indices: dict[str, Instrument] = {}
        by_exchange: dict[str, list[tuple[Instrument, float]]] = {}
        for name in market.indices:
            kite = KITE_INDICES[name]
            row = Instrument(
                kite.exchange,
                kite.tradingsymbol,
                kite.instrument_token,
                kite.exchange_token,
                name,
                0,
            )
            self._indices[row.key] = row
            by_exchange.setdefault(kite.exchange, []).append((row, 0.0))
        self._index_csv = {exchange: dump(rows) for exchange, rows in by_exchange.items()}

    # -- instruments -------------------------------------------------------------

    def _build_day(self, day: date) -> _Day:
        opening = session_bounds(day)[0]
        instruments: dict[str, Instrument] = {}
        rows: dict[str, list[tuple[Instrument, float]]] = {}
        for name in self.market.indices:
            spec = self.market.index_spec(name)
            derivatives, segment_id, first_token = _DERIVATIVES[spec.exchange]
            listed = self.market.expiries(name, opening)
            expiries = listed if spec.weekly_listed else _monthly_only(listed)
            monthly = set(_monthly_only(expiries))
            atm = atm_strike(self.market.spot(name, opening), spec.strike_step)
            n = min(self.strikes_per_side, atm // spec.strike_step - 1)
            strikes = [atm + k * spec.strike_step for k in range(-n, n + 1)]
            out = rows.setdefault(derivatives, [])
            for expiry in expiries:
                try:
                    opening_quotes = self.market.option_quotes(name, expiry, strikes, opening)
                except ProviderError:
                    continue
                for quote in opening_quotes:
                    exchange_token = first_token + len(out)
                    symbol = tradingsymbol(
                        name, expiry, quote.strike, quote.kind, monthly=expiry in monthly
                    )
                    row = Instrument(
                        derivatives,
                        symbol,
                        exchange_token * 256 + segment_id,
                        exchange_token,
                        name,
                        KITE_INDICES[name].lot_size,
                        expiry,
                        quote.strike,
                        quote.kind,
                    )
                    instruments[row.key] = row
                    out.append((row, quote.last or 0.0))
        dumps = {exchange: dump(rows_) for exchange, rows_ in rows.items()}
        return _Day(instruments, dumps)

    def _day(self, now: datetime) -> _Day:
        day = market_date(now)
        with self._lock:
            found = self._days.get(day)
            if found is None:
                if len(self._days) > 4:
                    self._days.clear()
                found = self._days[day] = self._build_day(day)
            return found

    def instruments_csv(self, exchange: str | None, now: datetime) -> bytes:
        """The dump of one exchange (``None``: all of them); header only for another exchange."""
        if exchange is not None and exchange.upper() in self._index_csv:
            return self._index_csv[exchange.upper()]
        dumps = {**self._day(now).csv, **self._index_csv}
        if exchange is None:
            parts = [dumps[e].split(b"\n", 1)[1] for e in sorted(dumps)]
            return header() + b"".join(parts)
        return dumps.get(exchange.upper(), header())

    def instruments(self, now: datetime) -> dict[str, Instrument]:
        """Every instrument listed on the market date of ``now``, by ``EXCHANGE:SYMBOL``."""
        return {**self._indices, **self._day(now).instruments}

    # -- quotes ------------------------------------------------------------------

    def _resolve(self, keys: Iterable[str], now: datetime) -> list[Instrument]:
        keys = list(keys)
        known = self._indices
        if any(key not in known for key in keys):
            known = {**known, **self._day(now).instruments}
        seen: set[str] = set()
        found: list[Instrument] = []
        for key in keys:
            instrument = known.get(key)
            if instrument is not None and key not in seen:
                seen.add(key)
                found.append(instrument)
        return found

    def _option_quotes(self, options: list[Instrument], at: datetime) -> dict[str, Quote]:
        groups: dict[tuple[str, date], list[Instrument]] = {}
        for instrument in options:
            assert instrument.expiry is not None
            groups.setdefault((instrument.index, instrument.expiry), []).append(instrument)
        priced: dict[str, Quote] = {}
        for (index, expiry), members in groups.items():
            strikes = sorted({m.strike for m in members if m.strike is not None})
            try:
                with self._lock:
                    quotes = self.market.option_quotes(index, expiry, strikes, at)
            except ProviderError:
                continue  # expired or not listed at that instant: Kite leaves it out
            by_contract: dict[tuple[int | None, str | None], Quote] = {
                (q.strike, q.kind): q for q in quotes
            }
            for m in members:
                quote = by_contract.get((m.strike, m.kind))
                if quote is not None:
                    priced[m.key] = quote
        return priced

    def quote(
        self, keys: Sequence[str], now: datetime, *, stale_seconds: float = 0.0
    ) -> dict[str, dict[str, Any]]:
        """Full quotes (Kite's ``/quote`` data) for the known ``keys`` (unknown ones left out)."""
        at = now - timedelta(seconds=stale_seconds)
        instruments = self._resolve(keys, now)
        options = [i for i in instruments if i.expiry is not None]
        priced = self._option_quotes(options, at)
        data: dict[str, dict[str, Any]] = {}
        stamp = kite_time(now)
        traded: dict[datetime, str] = {}
        for instrument in instruments:
            if instrument.expiry is None:
                data[instrument.key] = self._index_quote(instrument, now, at)
                continue
            quote = priced.get(instrument.key)
            if quote is not None:
                moment = quote.as_of or at
                if moment not in traded:
                    traded[moment] = kite_time(moment)
                stamps = (stamp, traded[moment])
                data[instrument.key] = _option_payload(instrument, quote, at, stamps)
        return data

    def ltp(
        self, keys: Sequence[str], now: datetime, *, stale_seconds: float = 0.0
    ) -> dict[str, dict[str, Any]]:
        """Kite's ``/quote/ltp`` data: ``instrument_token`` and ``last_price`` per instrument."""
        full = self.quote(keys, now, stale_seconds=stale_seconds)
        return {
            k: {"instrument_token": v["instrument_token"], "last_price": v["last_price"]}
            for k, v in full.items()
        }

    def ohlc(
        self, keys: Sequence[str], now: datetime, *, stale_seconds: float = 0.0
    ) -> dict[str, dict[str, Any]]:
        """Kite's ``/quote/ohlc`` data: ``instrument_token``, ``last_price`` and ``ohlc``."""
        full = self.quote(keys, now, stale_seconds=stale_seconds)
        fields = ("instrument_token", "last_price", "ohlc")
        return {k: {f: v[f] for f in fields} for k, v in full.items()}

    def _index_quote(self, instrument: Instrument, now: datetime, at: datetime) -> dict[str, Any]:
        with self._lock:
            level = self.market.spot(instrument.index, at)
            opening = self.market.spot(instrument.index, session_bounds(market_date(at))[0])
            close = self.market.spot(instrument.index, _previous_close(at))
        return {
            "instrument_token": instrument.instrument_token,
            "timestamp": kite_time(now),
            "last_trade_time": kite_time(at),
            "last_price": level,
            "last_quantity": 0,
            "buy_quantity": 0,
            "sell_quantity": 0,
            "volume": 0,
            "average_price": 0,
            "oi": 0,
            "oi_day_high": 0,
            "oi_day_low": 0,
            "net_change": round(level - close, 2),
            "lower_circuit_limit": 0,
            "upper_circuit_limit": 0,
            "ohlc": {
                "open": opening,
                "high": max(opening, level),
                "low": min(opening, level),
                "close": close,
            },
            "depth": {"buy": _depth(None, 0, 0, -1), "sell": _depth(None, 0, 0, 1)},
        }


def _previous_close(at: datetime) -> datetime:
    day = market_date(at) - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return session_bounds(day)[1]


def _option_payload(
    instrument: Instrument, quote: Quote, at: datetime, stamps: tuple[str, str]
) -> dict[str, Any]:
    lot = instrument.lot_size
    last = quote.last if quote.last is not None else 0.0
    seed = (instrument.instrument_token * 2_654_435_761 + int(at.timestamp())) & 0xFFFFFFFF
    buy = _depth(quote.bid, seed, lot, -1)
    sell = _depth(quote.ask, seed >> 3, lot, 1)
    traded = [p for p in (last, quote.bid, quote.ask) if p]
    low, high = (round(min(traded), 2), round(max(traded), 2)) if traded else (0.0, 0.0)
    return {
        "instrument_token": instrument.instrument_token,
        "timestamp": stamps[0],
        "last_trade_time": stamps[1],
        "last_price": round(last, 2),
        "last_quantity": lot,
        "buy_quantity": sum(level["quantity"] for level in buy) * 10,
        "sell_quantity": sum(level["quantity"] for level in sell) * 10,
        "volume": quote.volume * lot,
        "average_price": round(last, 2),
        "oi": quote.oi * lot,
        "oi_day_high": quote.oi * lot,
        "oi_day_low": quote.oi * lot,
        "net_change": 0,
        "lower_circuit_limit": _TICK,
        "upper_circuit_limit": round(max(last, _TICK) * 3 + 20, 2),
        "ohlc": {"open": round(last, 2), "high": high, "low": low, "close": round(last, 2)},
        "depth": {"buy": buy, "sell": sell},
    }
