"""The Kite Connect provider (``--provider kite``), through the official ``kiteconnect`` client.

SPEC §2 "Kite provider":

* option instruments come from the day's instrument dumps (``NFO`` for NIFTY, BANKNIFTY,
  FINNIFTY; ``BFO`` for SENSEX), fetched once per Asia/Kolkata day and cached atomically
  in ``cache_dir`` (a restart the same day reads the cache, not the API);
* index levels come from one ``ltp`` request for the index instruments;
* a cycle's option quotes are fetched in ⌈instruments / 500⌉ ``quote`` requests
  (:meth:`KiteProvider.chains`), within the API's rate limits (a client-side limiter:
  the quote endpoints, ``/quote/ltp`` included, one request per second between them, the
  others ten; Kite has answered LTP requests over that with 429), backing off on HTTP 429;
* quote depth → bid/ask, ``volume`` and ``oi`` in contracts (Kite reports units, i.e.
  contracts × lot size; the lot comes from the instrument dump), ``last_trade_time`` →
  ``as_of`` (validation catches stale quotes);
* every API failure is a :class:`ProviderError` (``ProviderTimeout`` for timeouts) of the
  indices it concerned, except a rejected or expired token: :class:`KiteTokenError`, which
  stops the command with one line naming ``g6 token login``. Never a fallback.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..errors import ConfigError, G6Error, ProviderError, ProviderTimeout
from ..market.calendar import IST
from ..market.indices import DEFAULT_INDICES
from .base import ChainRequest, Failed, Quote

__all__ = [
    "MAX_QUOTE_INSTRUMENTS",
    "KiteProvider",
    "KiteTokenError",
    "index_instrument",
    "option_exchange",
]

MAX_QUOTE_INSTRUMENTS = 500
# Kite's derivatives segment of each exchange (option instruments are listed there).
FNO_SEGMENT = {"NSE": "NFO", "BSE": "BFO"}


def option_exchange(index: str) -> str | None:
    """``NFO``/``BFO``: where Kite lists ``index``'s options (None: an unknown index)."""
    spec = DEFAULT_INDICES.get(index)
    return FNO_SEGMENT.get(spec.exchange) if spec is not None else None


def index_instrument(index: str) -> str | None:
    """``NSE:NIFTY 50``…: the Kite instrument of ``index``'s level (None: unknown)."""
    spec = DEFAULT_INDICES.get(index)
    return f"{spec.exchange}:{spec.index_symbol}" if spec and spec.index_symbol else None


RATES = {"quote": 1.0, "other": 10.0}  # requests per second (Kite's documented limits)
RETRIES_429 = 3


class KiteTokenError(G6Error):
    """The access token is missing, expired or rejected: a person must log in again."""

    category = "auth"


class RateLimiter:
    """At most ``rate`` requests per second per endpoint group (thread-safe).

    Requests are spaced ``margin`` wider than the limit: the server counts arrivals, and a
    request that left on time can arrive early (the one before it waited for a connection).
    """

    def __init__(
        self,
        rates: Mapping[str, float] = RATES,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        margin: float = 0.05,
    ) -> None:
        self.rates = {group: rate / (1 + margin) for group, rate in rates.items()}
        self.clock, self.sleep = clock, sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, group: str) -> None:
        """Sleep until the next request of ``group`` may go; the slot is taken from the
        moment it goes (a thread delayed after its slot does not shorten the next gap)."""
        with self._lock:
            now = self.clock()
            at = max(now, self._next.get(group, now))
            self._next[group] = at + 1.0 / self.rates[group]
        if at > now:
            self.sleep(at - now)
        with self._lock:
            sent = self.clock()
            self._next[group] = max(self._next[group], sent + 1.0 / self.rates[group])


def kite_client(api_key: str, token: str, root: str | None, timeout: float) -> Any:
    try:
        from kiteconnect import KiteConnect
    except ImportError:
        raise ConfigError(
            "the kite provider needs the kiteconnect package: pip install 'g6[kite]'"
        ) from None
    kwargs: dict[str, Any] = {"access_token": token, "timeout": timeout}
    if root:
        kwargs["root"] = root
    return KiteConnect(api_key, **kwargs)


class KiteProvider:
    """Index levels, expiries and batched option quotes from Kite Connect."""

    def __init__(
        self,
        client: Any,
        cache_dir: Path,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.cache_dir = cache_dir
        self.limiter = limiter or RateLimiter()
        self.sleep = sleep
        self.token_expires_at: datetime | None = None  # set by kite_auth.kite_provider
        self._dumps: dict[tuple[str, date], dict[str, dict[date, dict[tuple[int, str], str]]]] = {}
        self._lots: dict[str, int] = {}  # instrument → lot size (Kite counts volume in units)

    @classmethod
    def connect(
        cls, api_key: str | None, token: str, root: str | None, timeout: float, cache_dir: Path
    ) -> KiteProvider:
        if not api_key:
            raise ConfigError("the kite provider needs kite.api_key (G6_KITE_API_KEY)")
        return cls(kite_client(api_key, token, root, timeout), cache_dir)

    # --- the API, one place for its errors ------------------------------------------

    def call(self, group: str, what: str, call: Callable[[], Any], indices: str) -> Any:
        import requests
        from kiteconnect import exceptions as kex

        for attempt in range(RETRIES_429 + 1):
            self.limiter.wait(group)
            try:
                return call()
            except kex.TokenException:
                raise KiteTokenError(
                    "Kite rejected the access token (expired or revoked): run g6 token login"
                ) from None
            except kex.KiteException as exc:
                if getattr(exc, "code", None) == 429 and attempt < RETRIES_429:
                    self.sleep(0.5 * 2**attempt)  # Kite's rate limit: back off, then again
                    continue
                kind = type(exc).__name__
                raise ProviderError(
                    f"Kite {what} for {indices}: {kind} {exc.code}: {exc}"
                ) from None
            except requests.Timeout:
                raise ProviderTimeout(f"Kite {what} for {indices}: no answer in time") from None
            except requests.RequestException as exc:
                reason = type(exc).__name__
                raise ProviderError(f"Kite {what} for {indices}: {reason}") from None
        raise ProviderError(f"Kite {what} for {indices}: still rate-limited (HTTP 429)")

    def _quote(self, batch: list[str], names: str) -> dict[str, Any]:
        got: dict[str, Any] = self.call("quote", "quote", lambda: self.client.quote(batch), names)
        return got

    # --- instruments ----------------------------------------------------------------

    def _dump(self, exchange: str, day: date) -> dict[str, dict[date, dict[tuple[int, str], str]]]:
        """index → expiry → (strike, CE|PE) → ``EXCHANGE:TRADINGSYMBOL`` for one day."""
        key = (exchange, day)
        if key in self._dumps:
            return self._dumps[key]
        cache = self.cache_dir / f"instruments-{exchange}-{day.isoformat()}.json"
        rows: list[dict[str, Any]]
        try:
            rows = json.loads(cache.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            fetched = self.call(
                "other", "instruments", lambda: self.client.instruments(exchange), exchange
            )
            rows = [
                {
                    "name": r.get("name"),
                    "expiry": str(r.get("expiry") or ""),
                    "strike": r.get("strike"),
                    "type": r.get("instrument_type"),
                    "symbol": r.get("tradingsymbol"),
                    "lot": r.get("lot_size"),
                }
                for r in fetched
                if r.get("instrument_type") in ("CE", "PE")
            ]
            from ..storage.atomic import write_atomic

            # the cache saves a restart the same day a request; the dump is in memory anyway
            with contextlib.suppress(OSError):
                write_atomic(cache, json.dumps(rows).encode("utf-8"))
        table: dict[str, dict[date, dict[tuple[int, str], str]]] = {}
        for r in rows:
            try:
                expiry = date.fromisoformat(r["expiry"][:10])
                strike = round(float(r["strike"]))
            except (TypeError, ValueError, KeyError):
                continue
            chain = table.setdefault(str(r["name"]), {}).setdefault(expiry, {})
            instrument = f"{exchange}:{r['symbol']}"
            chain[(strike, str(r["type"]))] = instrument
            lot = r.get("lot")
            self._lots[instrument] = lot if isinstance(lot, int) and lot > 0 else 1
        self._dumps = {k: v for k, v in self._dumps.items() if k[1] == day}
        self._dumps[key] = table
        return table

    def _chains_of(self, index: str, now: datetime) -> dict[date, dict[tuple[int, str], str]]:
        exchange = option_exchange(index)
        if exchange is None:
            raise ProviderError(f"Kite has no option instruments for {index}", index=index)
        return self._dump(exchange, now.astimezone(IST).date()).get(index, {})

    # --- the Provider protocol ------------------------------------------------------

    def spot(self, index: str, now: datetime) -> float:
        got = self.spots([index], now)[index]
        if isinstance(got, float):
            return got
        raise got

    def spots(self, indices: Sequence[str], now: datetime) -> dict[str, float | Failed]:
        """All index levels in one ``ltp`` request."""
        keys = {i: key for i in indices if (key := index_instrument(i)) is not None}
        out: dict[str, float | Failed] = {
            i: ProviderError(f"Kite has no index instrument for {i}", index=i)
            for i in indices
            if i not in keys
        }
        if not keys:
            return out
        names = ", ".join(keys)
        try:
            data = self.call("quote", "ltp", lambda: self.client.ltp(list(keys.values())), names)
        except ProviderError as exc:
            return {**out, **{i: exc for i in keys}}
        for index, key in keys.items():
            price = (data.get(key) or {}).get("last_price")
            out[index] = (
                float(price)
                if isinstance(price, int | float)
                else ProviderError(f"Kite ltp has no price for {key}", index=index)
            )
        return out

    def expiries(self, index: str, now: datetime) -> list[date]:
        today = now.astimezone(IST).date()
        return sorted(e for e in self._chains_of(index, now) if e >= today)

    def option_quotes(
        self, index: str, expiry: date, strikes: Sequence[int], now: datetime
    ) -> list[Quote]:
        got = self.chains([ChainRequest(index, expiry, tuple(strikes))], now)[(index, expiry)]
        if isinstance(got, list):
            return got
        raise got

    def chains(
        self, requests: Sequence[ChainRequest], now: datetime
    ) -> dict[tuple[str, date], list[Quote] | Failed]:
        """Every requested chain's quotes in ⌈instruments / 500⌉ ``quote`` requests."""
        wanted: list[tuple[ChainRequest, int, str, str | None]] = []
        out: dict[tuple[str, date], list[Quote] | Failed] = {}
        gathered: dict[tuple[str, date], list[Quote]] = {}
        for req in requests:
            try:
                listed = self._chains_of(req.index, now).get(req.expiry, {})
            except ProviderError as exc:
                out[(req.index, req.expiry)] = exc
                continue
            for strike in req.strikes:
                for kind in ("CE", "PE"):
                    wanted.append((req, strike, kind, listed.get((strike, kind))))
        # in request order (chain after chain), so a request carries whole chains but for
        # the one that straddles its end: a failed request fails as few chains as it can
        keys = list(dict.fromkeys(k for _, _, _, k in wanted if k is not None))
        data: dict[str, Any] = {}
        failed: dict[str, ProviderError] = {}
        for start in range(0, len(keys), MAX_QUOTE_INSTRUMENTS):
            batch = keys[start : start + MAX_QUOTE_INSTRUMENTS]
            names = ", ".join(sorted({r.index for r, _, _, k in wanted if k in set(batch)}))
            try:
                data.update(self._quote(batch, names))
            except ProviderError as exc:
                failed.update(dict.fromkeys(batch, exc))
        for req, strike, kind, key in wanted:
            slot = (req.index, req.expiry)
            if slot in out:
                continue
            if key is not None and key in failed:
                out[slot] = failed[key]
                gathered.pop(slot, None)
                continue
            quotes = gathered.setdefault(slot, [])
            lot = self._lots.get(key, 1) if key else 1
            quotes.append(_quote(req, strike, kind, data.get(key) if key else None, lot))
        return {**gathered, **out}


def _price(levels: Any) -> float | None:
    """The best price of one side of the depth (None when the side is empty)."""
    if not levels:
        return None
    best = levels[0]
    price, quantity = best.get("price"), best.get("quantity")
    return float(price) if price and quantity else None


def _quote(
    req: ChainRequest, strike: int, kind: str, q: Mapping[str, Any] | None, lot: int = 1
) -> Quote:
    """One Kite quote as a :class:`Quote`; volume and OI in contracts (Kite's units / lot)."""
    if q is None:  # not listed, or not in the answer: an empty quote validation refuses
        return Quote(req.index, req.expiry, strike, kind, None, None, None, 0, 0)  # type: ignore[arg-type]
    depth = q.get("depth") or {}
    traded = q.get("last_trade_time")
    as_of = None
    if isinstance(traded, datetime):
        as_of = traded.replace(tzinfo=IST) if traded.tzinfo is None else traded
    last = q.get("last_price")
    return Quote(
        req.index,
        req.expiry,
        strike,
        kind,  # type: ignore[arg-type]
        _price(depth.get("buy")),
        _price(depth.get("sell")),
        float(last) if isinstance(last, int | float) else None,
        int(q.get("volume") or 0) // lot,
        int(q.get("oi") or 0) // lot,
        as_of,
    )
