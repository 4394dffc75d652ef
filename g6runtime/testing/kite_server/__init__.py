"""A local Kite Connect v3 protocol server: real HTTP on 127.0.0.1, synthetic-market prices.

It speaks the REST protocol the official ``kiteconnect`` client uses (``KiteConnect(api_key,
root=server.root)``): every API request must carry ``X-Kite-Version: 3`` and, except
``/session/token``, ``Authorization: token <api_key>:<access_token>``. Answers are Kite's
envelopes, ``{"status": "success", "data": ...}`` or ``{"status": "error", "message": ...,
"data": null, "error_type": ...}`` with Kite's HTTP statuses (403 ``TokenException``, 400
``InputException``, 429/502/503 ``NetworkException``, 500 ``GeneralException``, 404 for an unknown
route). Endpoints:

* ``GET /instruments`` and ``GET /instruments/{exchange}``: the day's CSV dump (``text/csv``,
  gzip when the client accepts it), see ``_market``;
* ``GET /quote?i=EX:SYM&i=...`` (at most 500 instruments, else ``InputException``),
  ``GET /quote/ltp`` and ``GET /quote/ohlc`` (at most 1000); unknown instruments are left out of
  ``data``, as Kite does;
* ``GET /user/profile``;
* ``POST /session/token`` (``api_key``, ``request_token``, ``checksum = sha256(api_key +
  request_token + api_secret)``): a request token is good for one exchange; a new access token
  is issued and accepted from then on; ``DELETE /session/token`` invalidates one;
* ``GET /connect/login?api_key=...&v=3``: issues a request token and redirects to
  ``redirect_url`` (``?action=login&status=success&request_token=...``) when one is set.

Prices come from ``SyntheticMarket`` at ``clock()`` (an aware datetime; the wall clock unless one
is injected). Faults (``set_fault``/``add_fault``, see ``_control.FaultKind``), the rate
limit (Kite's: quotes 1 request/s, everything else 10/s; ``rate_limits=None`` turns it off) and
the request counts (``counts``, ``statuses``, ``quote_sizes``) are for tests. The credentials are
throwaway values for tests and demos; this is not a security boundary.

Demo: ``python -m g6runtime.testing.kite_server --port 0`` prints the root URL and credentials.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Any

from g6runtime.errors import G6Error
from g6runtime.market.calendar import IST
from g6runtime.providers.synthetic import SyntheticMarket
from g6runtime.testing.kite_server._control import (
    DEFAULT_RATE_LIMITS,
    Fault,
    FaultKind,
    Faults,
    RateLimiter,
    RequestLog,
)
from g6runtime.testing.kite_server._http import (
    MAX_LTP_INSTRUMENTS,
    MAX_QUOTE_INSTRUMENTS,
    TOKEN_EXPIRED,
    TOKEN_REJECTED,
    KiteAnswer,
    KiteHandler,
    KiteHTTPServer,
)
from g6runtime.testing.kite_server._market import KiteMarket, kite_time

__all__ = ["DEFAULT_RATE_LIMITS", "MAX_LTP_INSTRUMENTS", "MAX_QUOTE_INSTRUMENTS", "KiteServer"]


def _wall_clock() -> datetime:
    return datetime.now(IST)


class KiteServer:
    """A local Kite Connect server; see the module docstring. Use as a context manager or
    ``start()``/``stop()``."""

    def __init__(
        self,
        *,
        api_key: str = "g6-test-api-key",
        api_secret: str = "g6-test-api-secret",
        access_token: str = "g6-test-access-token",
        request_token: str = "g6-test-request-token",
        user_id: str = "G6TEST",
        seed: int = 0,
        market: SyntheticMarket | None = None,
        clock: Callable[[], datetime] | None = None,
        rate_limits: Mapping[str, int] | None = DEFAULT_RATE_LIMITS,
        strikes_per_side: int = 40,
        host: str = "127.0.0.1",
        port: int = 0,
        redirect_url: str | None = None,
        warm: bool = True,
    ) -> None:
        for name, value in (("api_key", api_key), ("api_secret", api_secret)):
            if not value:
                raise ValueError(f"{name} must not be empty")
        self.api_key = api_key
        self.api_secret = api_secret
        self.user_id = user_id
        self.redirect_url = redirect_url
        self.clock: Callable[[], datetime] = clock or _wall_clock
        self.market = KiteMarket(market or SyntheticMarket(seed), strikes_per_side=strikes_per_side)
        self.faults = Faults()
        self.limiter = RateLimiter(rate_limits)
        self.log = RequestLog()
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._access_tokens = {access_token}
        self._request_tokens = {request_token}
        self._address = (host, port)
        self._warm = warm
        self._httpd: KiteHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.access_token = access_token
        self.request_token = request_token

    # -- lifecycle -----------------------------------------------------------------

    def start(self) -> KiteServer:
        """Bind (a free port when ``port`` is 0) and serve in a background thread.

        With ``warm`` (the default) the day's listing is built first, as Kite generates its dump
        before the session: the first ``/instruments`` answer is then as quick as the others.
        """
        if self._httpd is not None:
            return self
        if self._warm:
            self.market.instruments(self.now())
        self.stopping.clear()
        httpd = KiteHTTPServer(self._address, KiteHandler)
        httpd.kite = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket (delayed answers are abandoned)."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self.stopping.set()
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> KiteServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise G6Error("the Kite server is not running (call start() first)")
        return int(self._httpd.server_address[1])

    @property
    def root(self) -> str:
        """The API root to pass as ``KiteConnect(..., root=...)`` (``G6_KITE_ROOT``)."""
        return f"http://127.0.0.1:{self.port}"

    def now(self) -> datetime:
        return self.clock()

    # -- test controls ----------------------------------------------------------------

    def set_fault(
        self,
        kind: FaultKind | None,
        *,
        endpoints: Collection[str] | None = None,
        times: int | None = None,
        seconds: float = 0.0,
        status: int | None = None,
    ) -> None:
        """Replace the active faults with one (``None``: clear them); see ``add_fault``."""
        self.faults.clear()
        if kind is not None:
            self.add_fault(kind, endpoints=endpoints, times=times, seconds=seconds, status=status)

    def add_fault(
        self,
        kind: FaultKind,
        *,
        endpoints: Collection[str] | None = None,
        times: int | None = None,
        seconds: float = 0.0,
        status: int | None = None,
    ) -> Fault:
        """Inject a fault for ``endpoints`` (default: every endpoint it makes sense for) and
        ``times`` requests (default: until cleared)."""
        return self.faults.add(
            kind, endpoints=endpoints, times=times, seconds=seconds, status=status
        )

    def clear_faults(self) -> None:
        self.faults.clear()

    @property
    def counts(self) -> dict[str, int]:
        """Requests received per endpoint (faulted and rate-limited ones included)."""
        return self.log.snapshot()[0]

    @property
    def statuses(self) -> dict[tuple[str, int], int]:
        """Answers sent per (endpoint, HTTP status)."""
        return self.log.snapshot()[1]

    @property
    def quote_sizes(self) -> list[int]:
        """The number of instruments asked for in each ``/quote`` request, in order."""
        return self.log.snapshot()[2]

    def reset_counts(self) -> None:
        self.log.reset()

    # -- sessions -------------------------------------------------------------------

    def check_authorization(self, header: str | None) -> None:
        scheme, _, credentials = (header or "").partition(" ")
        key, _, token = credentials.partition(":")
        with self._lock:
            valid = scheme == "token" and key == self.api_key and token in self._access_tokens
        if not valid:
            raise KiteAnswer(403, "TokenException", TOKEN_REJECTED)

    def issue_request_token(self) -> str:
        """A new one-use request token (what Kite's login redirect carries)."""
        token = secrets.token_hex(16)
        with self._lock:
            self._request_tokens.add(token)
        return token

    def invalidate(self, access_token: str) -> None:
        with self._lock:
            self._access_tokens.discard(access_token)

    def exchange(self, form: Mapping[str, str]) -> dict[str, Any]:
        """``POST /session/token``: a request token and its checksum for a session."""
        missing = [k for k in ("api_key", "request_token", "checksum") if not form.get(k)]
        if missing:
            raise KiteAnswer(400, "InputException", f"Missing `{missing[0]}`.")
        if form["api_key"] != self.api_key:
            raise KiteAnswer(403, "TokenException", "Invalid `api_key`.")
        request_token = form["request_token"]
        expected = hashlib.sha256(
            (self.api_key + request_token + self.api_secret).encode()
        ).hexdigest()
        if not hmac.compare_digest(expected, form["checksum"]):
            raise KiteAnswer(403, "TokenException", "Invalid `checksum`.")
        with self._lock:
            if request_token not in self._request_tokens:
                raise KiteAnswer(403, "TokenException", TOKEN_EXPIRED)
            self._request_tokens.discard(request_token)
            access_token = secrets.token_hex(16)
            self._access_tokens.add(access_token)
        session = self.profile()
        session.update(
            api_key=self.api_key,
            access_token=access_token,
            public_token=secrets.token_hex(16),
            refresh_token="",
            enctoken=secrets.token_hex(16),
            login_time=kite_time(self.now()),
        )
        return session

    def profile(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "user_type": "individual",
            "email": "g6-test@example.invalid",
            "user_name": "G6 Test User",
            "user_shortname": "G6",
            "broker": "ZERODHA",
            "exchanges": ["NSE", "BSE", "NFO", "BFO"],
            "products": ["CNC", "NRML", "MIS"],
            "order_types": ["MARKET", "LIMIT", "SL", "SL-M"],
            "avatar_url": None,
            "meta": {"demat_consent": "consent"},
        }
