"""The Kite provider against the local Kite protocol server, through the official client
(issue 14): batching, the instrument cache, the rate limit, and every failure's category."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from g6runtime.errors import ProviderError, ProviderTimeout
from g6runtime.market.calendar import IST
from g6runtime.market.indices import get_index
from g6runtime.market.strikes import atm_strike, strike_ladder
from g6runtime.providers.base import ChainRequest
from g6runtime.providers.kite import KiteProvider, KiteTokenError, RateLimiter
from g6runtime.testing.kite_server import KiteServer

NOW = datetime(2026, 12, 2, 11, 0, tzinfo=IST)
INDICES = ("NIFTY", "BANKNIFTY", "FINNIFTY", "SENSEX")


@pytest.fixture
def server() -> Iterator[KiteServer]:
    with KiteServer(seed=3, clock=lambda: NOW, rate_limits=None, strikes_per_side=25) as s:
        yield s


def provider(server: KiteServer, tmp_path: Path, timeout: float = 5.0) -> KiteProvider:
    p = KiteProvider.connect(server.api_key, server.access_token, server.root, timeout, tmp_path)
    p.limiter = RateLimiter({"quote": 1000.0, "other": 1000.0})  # the server's limit is off
    p.sleep = lambda seconds: None
    return p


def requests_for(p: KiteProvider, strikes_per_side: int = 10) -> list[ChainRequest]:
    levels = p.spots(INDICES, NOW)
    out = []
    for index in INDICES:
        level = levels[index]
        assert isinstance(level, float)
        step = get_index(index, {}).strike_step
        ladder = tuple(strike_ladder(atm_strike(level, step), step, strikes_per_side))
        out += [ChainRequest(index, e, ladder) for e in p.expiries(index, NOW)[:4]]
    return out


def test_a_cycle_is_one_ltp_and_ceil_n_over_500_quote_requests(
    server: KiteServer, tmp_path: Path
) -> None:
    p = provider(server, tmp_path)
    wanted = requests_for(p)
    server.reset_counts()
    got = p.chains(wanted, NOW)
    instruments = sum(2 * len(r.strikes) for r in wanted)
    assert server.counts.get("quote") == math.ceil(instruments / 500)
    assert (
        sorted(server.quote_sizes, reverse=True)[0] <= 500
        and sum(server.quote_sizes) == instruments
    )
    for r in wanted:
        quotes = got[(r.index, r.expiry)]
        assert isinstance(quotes, list) and len(quotes) == 2 * len(r.strikes)
        assert [q.strike for q in quotes[::2]] == list(r.strikes)
        assert all(q.kind == ("CE" if i % 2 == 0 else "PE") for i, q in enumerate(quotes))
        priced = [q for q in quotes if q.bid is not None and q.ask is not None]
        assert priced and all(q.bid <= q.ask for q in priced)  # type: ignore[operator]
        assert all(q.as_of is not None and q.as_of.tzinfo is not None for q in priced)


def test_volume_and_open_interest_are_in_contracts_like_the_synthetic_market(
    server: KiteServer, tmp_path: Path
) -> None:
    # Kite reports units (contracts x lot size); the CSV holds contracts for every provider.
    p = provider(server, tmp_path)
    wanted = requests_for(p, strikes_per_side=2)[:1]
    (quotes,) = p.chains(wanted, NOW).values()
    assert isinstance(quotes, list)
    synthetic = server.market.market.option_quotes(
        wanted[0].index, wanted[0].expiry, wanted[0].strikes, NOW
    )
    assert [(q.volume, q.oi) for q in quotes] == [(q.volume, q.oi) for q in synthetic]


def test_instrument_dumps_are_fetched_once_a_day_and_cached_on_disk(
    server: KiteServer, tmp_path: Path
) -> None:
    p = provider(server, tmp_path)
    requests_for(p)
    requests_for(p)
    assert server.counts.get("instruments") == 2  # NFO and BFO, once each
    assert sorted(f.name for f in tmp_path.iterdir()) == [
        "instruments-BFO-2026-12-02.json",
        "instruments-NFO-2026-12-02.json",
    ]
    fresh = provider(server, tmp_path)  # a restart the same day reads the cache
    requests_for(fresh)
    assert server.counts.get("instruments") == 2


def test_a_429_storm_is_waited_out_and_a_lasting_one_is_a_provider_error(
    server: KiteServer, tmp_path: Path
) -> None:
    p = provider(server, tmp_path)
    wanted = requests_for(p)
    slept: list[float] = []
    p.sleep = slept.append
    server.set_fault("rate_limit", endpoints={"quote"}, times=2)
    got = p.chains(wanted, NOW)
    assert all(isinstance(v, list) for v in got.values())
    assert slept == [0.5, 1.0]  # backed off twice, then answered
    server.set_fault("rate_limit", endpoints={"quote"})
    got = p.chains(wanted, NOW)
    failures = [v for v in got.values() if not isinstance(v, list)]
    assert len(failures) == len(wanted)
    assert all(type(f) is ProviderError and "429" in str(f) for f in failures)


@pytest.mark.parametrize(
    ("fault", "kind"),
    [("network", ProviderError), ("server_error", ProviderError), ("delay", ProviderTimeout)],
)
def test_api_failures_are_provider_failures_of_their_category(
    server: KiteServer, tmp_path: Path, fault: str, kind: type[Exception]
) -> None:
    p = provider(server, tmp_path, timeout=0.5)
    wanted = requests_for(p)
    server.set_fault(fault, endpoints={"quote", "ltp"}, seconds=2.0)  # type: ignore[arg-type]
    got = p.chains(wanted, NOW)
    assert {type(v) for v in got.values()} == {kind}
    levels = p.spots(INDICES, NOW)
    assert {type(v) for v in levels.values()} == {kind}


def test_a_connection_refused_is_a_provider_error(server: KiteServer, tmp_path: Path) -> None:
    p = provider(server, tmp_path)
    server.stop()
    levels = p.spots(INDICES, NOW)
    assert all(type(v) is ProviderError and "ConnectionError" in str(v) for v in levels.values())


@pytest.mark.parametrize("fault", ["token_expired", "token_rejected"])
def test_a_rejected_token_stops_with_g6_token_login(
    server: KiteServer, tmp_path: Path, fault: str
) -> None:
    p = provider(server, tmp_path)
    server.set_fault(fault)  # type: ignore[arg-type]
    with pytest.raises(KiteTokenError, match="run g6 token login"):
        p.spots(INDICES, NOW)


def test_the_client_side_limiter_keeps_kites_rate(server: KiteServer) -> None:
    clock = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds

    limiter = RateLimiter(
        {"quote": 1.0, "other": 10.0}, clock=lambda: clock[0], sleep=sleep, margin=0.0
    )
    for _ in range(3):
        limiter.wait("quote")
    limiter.wait("other")
    assert waits == [1.0, 1.0]  # the third quote request waits two seconds in all


def test_a_failed_request_fails_only_the_chains_it_carried(
    server: KiteServer, tmp_path: Path
) -> None:
    p = provider(server, tmp_path)
    wanted = requests_for(p)
    server.reset_counts()
    server.set_fault("network", endpoints={"quote"}, times=1)  # the first of two requests
    got = p.chains(wanted, NOW)
    failed = [k for k, v in got.items() if not isinstance(v, list)]
    collected = [k for k, v in got.items() if isinstance(v, list)]
    assert all(type(got[k]) is ProviderError and "NetworkException" in str(got[k]) for k in failed)
    # Requests carry chains in order; the chains wholly in the second request still collect.
    per_chain = 2 * len(wanted[0].strikes)
    whole_in_last = server.quote_sizes[-1] // per_chain
    assert whole_in_last >= 1
    assert collected == [(r.index, r.expiry) for r in wanted[-whole_in_last:]]
