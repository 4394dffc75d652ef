"""The local Kite protocol server, spoken to through the REAL ``kiteconnect.KiteConnect`` client.

What the provider's tests rely on: Kite's instrument dumps parse with the client's own types,
quotes carry the synthetic market's prices in Kite's shape (depth, units, 19-character times the
client turns into datetimes), at most 500 instruments per ``/quote``, the session exchange checks
Kite's checksum, every injected fault reaches the client as the exception class Kite's would, the
server's own rate limit answers 429, and the request counts are exact under concurrency.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import kiteconnect
import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st
from kiteconnect import exceptions as kex

from g6runtime.market.calendar import IST
from g6runtime.providers.synthetic import SyntheticMarket
from g6runtime.testing.kite_server import KiteServer
from g6runtime.testing.kite_server._market import tradingsymbol

NOW = datetime(2026, 12, 2, 11, 0, tzinfo=IST)  # a Wednesday session
SEED = 7
LOTS = {"NIFTY": 65, "BANKNIFTY": 30, "FINNIFTY": 60, "SENSEX": 20}
WEEKLY = re.compile(
    r"^(?P<name>[A-Z]+)(?P<yy>\d\d)(?P<m>[1-9OND])(?P<dd>\d\d)(?P<strike>\d+)(?P<kind>CE|PE)$"
)
MONTHLY = re.compile(
    r"^(?P<name>[A-Z]+)(?P<yy>\d\d)(?P<mon>[A-Z]{3})(?P<strike>\d+)(?P<kind>CE|PE)$"
)
MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]


def _client(server: KiteServer, *, token: str | None = None, timeout: float = 5) -> Any:
    access = server.access_token if token is None else token
    return kiteconnect.KiteConnect(
        server.api_key, access_token=access, root=server.root, timeout=timeout
    )


@pytest.fixture(scope="module")
def shared() -> Iterator[KiteServer]:
    with KiteServer(seed=SEED, clock=lambda: NOW, rate_limits=None, strikes_per_side=25) as server:
        yield server


@pytest.fixture
def server(shared: KiteServer) -> Iterator[KiteServer]:
    shared.set_fault(None)
    shared.reset_counts()
    yield shared
    shared.set_fault(None)


@pytest.fixture(scope="module")
def nfo(shared: KiteServer) -> list[dict[str, Any]]:
    """The NFO rows as the client parses them (with the server's own listing, no HTTP)."""
    listed = shared.market.instruments(NOW).values()
    return [
        {
            "tradingsymbol": i.tradingsymbol,
            "name": i.index,
            "expiry": i.expiry,
            "strike": float(i.strike or 0),
            "instrument_type": i.kind,
            "instrument_token": i.instrument_token,
        }
        for i in listed
        if i.exchange == "NFO"
    ]


# -- instruments -----------------------------------------------------------------------------


@pytest.mark.slow  # parses ~2500 rows with the client's dateutil: about 1 s, more under load
def test_instrument_dumps_parse_with_the_client_s_types(server: KiteServer) -> None:
    kite = _client(server)
    nfo, bfo = kite.instruments("NFO"), kite.instruments("BFO")
    listed = server.market.instruments(NOW)
    assert {(r["tradingsymbol"], r["instrument_token"]) for r in nfo} == {
        (i.tradingsymbol, i.instrument_token) for i in listed.values() if i.exchange == "NFO"
    }
    assert {r["name"] for r in nfo} == {"NIFTY", "BANKNIFTY", "FINNIFTY"}
    assert {r["name"] for r in bfo} == {"SENSEX"}
    for row in nfo + bfo:
        assert isinstance(row["instrument_token"], int)
        assert isinstance(row["last_price"], float) and row["last_price"] >= 0
        assert isinstance(row["strike"], float) and row["strike"] > 0
        assert isinstance(row["lot_size"], int) and row["lot_size"] == LOTS[row["name"]]
        assert isinstance(row["expiry"], date) and row["expiry"] >= NOW.date()
        assert row["instrument_type"] in ("CE", "PE") and row["tick_size"] == 0.05
        assert row["segment"] == f"{row['exchange']}-OPT"
        # The tradingsymbol says the same contract as the columns do, in Kite's two formats.
        weekly, monthly = WEEKLY.match(row["tradingsymbol"]), MONTHLY.match(row["tradingsymbol"])
        match = weekly or monthly
        assert match is not None, row["tradingsymbol"]
        assert (match["name"], int(match["strike"]), match["kind"]) == (
            row["name"],
            int(row["strike"]),
            row["instrument_type"],
        )
        assert int(match["yy"]) == row["expiry"].year % 100
        if weekly:
            assert "123456789OND".index(weekly["m"]) + 1 == row["expiry"].month
            assert int(weekly["dd"]) == row["expiry"].day
        else:
            assert MONTHS.index(monthly["mon"]) + 1 == row["expiry"].month  # type: ignore[index]
    tokens = [r["instrument_token"] for r in nfo + bfo]
    assert len(set(tokens)) == len(tokens)
    # Weekly contracts only where the exchange lists them (NIFTY, SENSEX): one expiry a month for the others.
    for name in ("BANKNIFTY", "FINNIFTY"):
        expiries = {r["expiry"] for r in nfo if r["name"] == name}
        assert len({(d.year, d.month) for d in expiries}) == len(expiries) >= 2
        assert all(MONTHLY.match(r["tradingsymbol"]) for r in nfo if r["name"] == name)
    assert len({r["expiry"] for r in nfo if r["name"] == "NIFTY"}) > 4
    assert len({r["expiry"] for r in bfo}) > 4


def test_index_instruments_on_nse_and_bse(server: KiteServer) -> None:
    kite = _client(server)
    nse = {r["tradingsymbol"]: r for r in kite.instruments("NSE")}
    bse = {r["tradingsymbol"]: r for r in kite.instruments("BSE")}
    assert set(nse) == {"NIFTY 50", "NIFTY BANK", "NIFTY FIN SERVICE"} and set(bse) == {"SENSEX"}
    assert (
        nse["NIFTY 50"]["instrument_token"] == 256265 and bse["SENSEX"]["instrument_token"] == 265
    )
    assert all(
        r["segment"] == "INDICES" and r["expiry"] == "" for r in [*nse.values(), *bse.values()]
    )
    assert kite.instruments("MCX") == []
    assert server.counts == {"instruments": 3}


def test_the_dump_is_gzipped_when_the_client_accepts_it(server: KiteServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    headers = {
        "X-Kite-Version": "3",
        "Authorization": f"token {server.api_key}:{server.access_token}",
    }
    conn.request("GET", "/instruments/NFO", headers={**headers, "Accept-Encoding": "gzip"})
    packed = conn.getresponse()
    assert packed.status == 200 and packed.getheader("Content-Encoding") == "gzip"
    assert packed.getheader("Content-Type") == "text/csv"
    text = gzip.decompress(packed.read())
    conn.request("GET", "/instruments/NFO", headers=headers)
    plain = conn.getresponse()
    assert plain.getheader("Content-Encoding") is None and plain.read() == text
    assert text.startswith(
        b"instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange\n"
    )
    conn.close()


@given(
    name=st.sampled_from(["NIFTY", "BANKNIFTY", "FINNIFTY", "SENSEX"]),
    expiry=st.dates(date(2020, 1, 1), date(2099, 12, 31)),
    strike=st.integers(1, 999_999),
    kind=st.sampled_from(["CE", "PE"]),
    monthly=st.booleans(),
)
def test_tradingsymbols_decode_back_to_their_contract(
    name: str, expiry: date, strike: int, kind: str, monthly: bool
) -> None:
    symbol = tradingsymbol(name, expiry, strike, kind, monthly=monthly)
    match = (MONTHLY if monthly else WEEKLY).match(symbol)
    assert match is not None and (MONTHLY if not monthly else WEEKLY).match(symbol) is None
    assert (match["name"], int(match["strike"]), match["kind"], int(match["yy"])) == (
        name,
        strike,
        kind,
        expiry.year % 100,
    )
    if monthly:
        assert MONTHS.index(match["mon"]) + 1 == expiry.month
    else:
        assert ("123456789OND".index(match["m"]) + 1, int(match["dd"])) == (
            expiry.month,
            expiry.day,
        )


# -- quotes ----------------------------------------------------------------------------------


@pytest.mark.slow  # the day's listing, 500 quotes priced and parsed: about 1 s, more under load
def test_quote_of_500_instruments_carries_the_synthetic_market_s_prices(
    server: KiteServer, nfo: list[dict[str, Any]]
) -> None:
    rows = [r for r in nfo if r["name"] == "NIFTY"][:500]
    keys = [f"NFO:{r['tradingsymbol']}" for r in rows]
    data = _client(server).quote(keys)
    assert sorted(data) == sorted(keys)
    market = SyntheticMarket(SEED)
    by_contract: dict[tuple[date, int, str], Any] = {}
    for expiry in {r["expiry"] for r in rows}:
        strikes = sorted({int(r["strike"]) for r in rows if r["expiry"] == expiry})
        for q in market.option_quotes("NIFTY", expiry, strikes, NOW):
            by_contract[(expiry, q.strike, q.kind)] = q
    naive_now = NOW.replace(tzinfo=None)
    for row, key in zip(rows, keys, strict=True):
        got, want = (
            data[key],
            by_contract[(row["expiry"], int(row["strike"]), row["instrument_type"])],
        )
        assert got["instrument_token"] == row["instrument_token"]
        assert (
            got["timestamp"] == naive_now and got["last_trade_time"] == naive_now
        )  # parsed by the client
        buy, sell = got["depth"]["buy"], got["depth"]["sell"]
        assert len(buy) == len(sell) == 5
        assert buy[0]["price"] == pytest.approx(want.bid) and sell[0]["price"] == pytest.approx(
            want.ask
        )
        assert [b["price"] for b in buy] == sorted((b["price"] for b in buy), reverse=True)
        assert got["last_price"] == pytest.approx(want.last)
        assert (
            got["volume"] == want.volume * 65 and got["oi"] == want.oi * 65
        )  # units, as Kite reports
    assert server.quote_sizes == [500] and server.counts == {"quote": 1}


def test_501_instruments_are_an_input_exception(
    server: KiteServer, nfo: list[dict[str, Any]]
) -> None:
    keys = [f"NFO:{r['tradingsymbol']}" for r in nfo[:501]]
    with pytest.raises(kex.InputException) as caught:
        _client(server).quote(keys)
    assert caught.value.code == 400 and "500" in str(caught.value)
    with pytest.raises(kex.InputException):
        _client(server).quote([])
    assert server.statuses == {("quote", 400): 2}


def test_ltp_of_the_index_instruments_is_the_synthetic_level(server: KiteServer) -> None:
    names = {
        "NSE:NIFTY 50": "NIFTY",
        "NSE:NIFTY BANK": "BANKNIFTY",
        "NSE:NIFTY FIN SERVICE": "FINNIFTY",
        "BSE:SENSEX": "SENSEX",
    }
    data = _client(server).ltp(*names, "NSE:NOT LISTED", "NFO:NIFTY99JAN1CE")
    market = SyntheticMarket(SEED)
    assert set(data) == set(names)  # unknown instruments are left out, as Kite does
    for key, index in names.items():
        assert data[key]["last_price"] == market.spot(index, NOW)
    full = _client(server).quote("NSE:NIFTY 50")["NSE:NIFTY 50"]
    assert full["last_price"] == market.spot("NIFTY", NOW) and full["instrument_token"] == 256265
    assert server.counts == {"ltp": 1, "quote": 1}


# -- sessions ----------------------------------------------------------------------------------


def test_profile_needs_the_configured_key_and_token(server: KiteServer) -> None:
    assert _client(server).profile()["user_id"] == "G6TEST"
    for token in ("wrong-token", ""):
        with pytest.raises(kex.TokenException) as caught:
            _client(server, token=token).profile()
        assert caught.value.code == 403
    wrong_key = kiteconnect.KiteConnect(
        "other-key", access_token=server.access_token, root=server.root
    )
    with pytest.raises(kex.TokenException):
        wrong_key.instruments("NFO")


def test_generate_session_checks_the_checksum_and_issues_a_token(server: KiteServer) -> None:
    request_token = server.issue_request_token()
    kite = kiteconnect.KiteConnect(server.api_key, root=server.root)
    with pytest.raises(kex.TokenException) as caught:
        kite.generate_session(request_token, api_secret="not-the-secret")
    assert caught.value.code == 403 and "checksum" in str(caught.value)
    session = kite.generate_session(request_token, api_secret=server.api_secret)
    assert session["user_id"] == "G6TEST" and session["login_time"] == NOW.replace(tzinfo=None)
    assert session["access_token"] not in (server.access_token, request_token)
    assert kite.profile()["user_id"] == "G6TEST"  # the client set the issued token
    with pytest.raises(kex.TokenException):  # a request token is good for one exchange
        kite.generate_session(request_token, api_secret=server.api_secret)
    body = {
        "api_key": server.api_key,
        "request_token": "x",
        "checksum": hashlib.sha256(b"x").hexdigest(),
    }
    answer = requests.post(
        f"{server.root}/session/token", data=body, headers={"X-Kite-Version": "3"}, timeout=5
    )
    assert answer.status_code == 403 and answer.json()["error_type"] == "TokenException"


def test_the_login_redirect_carries_a_request_token_that_exchanges(server: KiteServer) -> None:
    server.redirect_url = "http://127.0.0.1:9/callback"
    try:
        answer = requests.get(
            f"{server.root}/connect/login",
            params={"api_key": server.api_key, "v": "3"},
            allow_redirects=False,
            timeout=5,
        )
    finally:
        server.redirect_url = None
    assert answer.status_code == 302
    token = re.search(r"[?&]request_token=([0-9a-f]+)", answer.headers["Location"])
    assert token is not None and "status=success" in answer.headers["Location"]
    kite = kiteconnect.KiteConnect(server.api_key, root=server.root)
    assert kite.generate_session(token[1], api_secret=server.api_secret)["access_token"]


def test_the_protocol_header_is_required_and_unknown_routes_are_404(server: KiteServer) -> None:
    auth = {"Authorization": f"token {server.api_key}:{server.access_token}"}
    answer = requests.get(f"{server.root}/user/profile", headers=auth, timeout=5)
    assert answer.status_code == 400 and answer.json()["error_type"] == "InputException"
    answer = requests.get(
        f"{server.root}/orders", headers={**auth, "X-Kite-Version": "3"}, timeout=5
    )
    assert answer.status_code == 404 and answer.json()["status"] == "error"


# -- faults ----------------------------------------------------------------------------------------

FAULTS = [
    ("token_expired", {}, kex.TokenException, 403),
    ("token_rejected", {}, kex.TokenException, 403),
    ("network", {"status": 502}, kex.NetworkException, 502),
    ("network", {"status": 503}, kex.NetworkException, 503),
    ("server_error", {}, kex.GeneralException, 500),
    ("rate_limit", {}, kex.NetworkException, 429),
]


@pytest.mark.parametrize(
    ("kind", "options", "exception", "status"), FAULTS, ids=[f"{f[0]}-{f[3]}" for f in FAULTS]
)
def test_each_fault_reaches_the_client_as_kite_s_exception(
    server: KiteServer, kind: Any, options: dict[str, Any], exception: type[Exception], status: int
) -> None:
    server.set_fault(kind, endpoints={"quote"}, times=2, **options)
    kite = _client(server)
    for _ in range(2):
        with pytest.raises(exception) as caught:
            kite.quote("NSE:NIFTY 50")
        assert type(caught.value) is exception and caught.value.code == status  # type: ignore[attr-defined]
    assert kite.ltp("NSE:NIFTY 50")  # other endpoints unaffected
    assert kite.quote("NSE:NIFTY 50")  # the fault was for two requests
    assert server.statuses[("quote", status)] == 2 and server.counts["quote"] == 3


def test_a_closed_connection_and_a_delay_are_requests_errors(server: KiteServer) -> None:
    server.set_fault("close", times=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        _client(server).ltp("NSE:NIFTY 50")
    server.set_fault("delay", seconds=1.0, times=1)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.Timeout):
        _client(server, timeout=0.2).ltp("NSE:NIFTY 50")
    assert time.monotonic() - started < 0.9
    server.set_fault("delay", seconds=0.2, times=1)
    assert _client(server).ltp("NSE:NIFTY 50")  # a short delay is only slow
    assert server.counts["ltp"] == 3


def test_a_stale_fault_prices_quotes_in_the_past(
    server: KiteServer, nfo: list[dict[str, Any]]
) -> None:
    server.set_fault("stale", seconds=300)
    key = f"NFO:{nfo[0]['tradingsymbol']}"
    quote = _client(server).quote(key, "NSE:NIFTY 50")
    then = (NOW - timedelta(seconds=300)).replace(tzinfo=None)
    assert quote[key]["last_trade_time"] == then and quote[key]["timestamp"] == NOW.replace(
        tzinfo=None
    )
    assert quote["NSE:NIFTY 50"]["last_price"] == SyntheticMarket(SEED).spot(
        "NIFTY", NOW - timedelta(seconds=300)
    )


def test_stop_does_not_wait_for_a_delayed_answer() -> None:
    server = KiteServer(rate_limits=None, warm=False).start()
    server.set_fault("delay", seconds=30)
    errors: list[Exception] = []

    def ask() -> None:
        try:
            _client(server, timeout=10).profile()
        except Exception as error:
            errors.append(error)

    worker = threading.Thread(target=ask)
    worker.start()
    time.sleep(0.2)
    started = time.monotonic()
    server.stop()
    worker.join(5)
    assert time.monotonic() - started < 2 and not worker.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], requests.exceptions.ConnectionError)


# -- rate limit and counting -----------------------------------------------------------------------


def test_the_rate_limit_answers_429_network_exception() -> None:
    with KiteServer(clock=lambda: NOW) as server:  # Kite's limits: quotes 1/s, others 10/s
        kite = _client(server)
        assert kite.ltp("NSE:NIFTY 50")
        with pytest.raises(kex.NetworkException) as caught:  # /quote shares the quote bucket
            kite.quote("NSE:NIFTY 50")
        assert caught.value.code == 429 and str(caught.value) == "Too many requests"
        for _ in range(10):
            kite.profile()
        with pytest.raises(kex.NetworkException):
            kite.profile()
        time.sleep(1.05)
        assert kite.quote("NSE:NIFTY 50") and kite.profile()
        assert server.statuses == {
            ("ltp", 200): 1,
            ("quote", 429): 1,
            ("profile", 200): 11,
            ("profile", 429): 1,
            ("quote", 200): 1,
        }


def test_counts_are_exact_under_concurrent_requests(server: KiteServer) -> None:
    def work() -> None:
        kite = _client(server)
        for _ in range(10):
            kite.ltp("BSE:SENSEX")

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert server.counts == {"ltp": 80} and server.statuses == {("ltp", 200): 80}


# -- the demo command ------------------------------------------------------------------------------


def test_the_demo_command_prints_its_root_and_credentials_and_serves() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "g6runtime.testing.kite_server",
            "--port",
            "0",
            "--at",
            "2026-12-02T11:00",
            "--seed",
            str(SEED),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = dict(
            line.rstrip("\n").split(": ", 1)
            for line in (process.stdout.readline() for _ in range(5))
        )
        assert lines["root"].startswith("http://127.0.0.1:")
        kite = kiteconnect.KiteConnect(
            lines["api_key"], access_token=lines["access_token"], root=lines["root"]
        )
        assert kite.ltp("NSE:NIFTY 50")["NSE:NIFTY 50"]["last_price"] == SyntheticMarket(SEED).spot(
            "NIFTY", NOW
        )
        assert process.stdout.readline().startswith(f"export G6_KITE_ROOT={lines['root']} ")
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "requests served: ltp=1" in err  # what the demo served, on stderr at exit
