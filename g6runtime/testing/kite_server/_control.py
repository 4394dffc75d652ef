"""The local Kite server's controls: injectable faults, its rate limit and request counts.

Endpoints are named ``instruments``, ``quote``, ``ltp``, ``ohlc``, ``profile``, ``session`` and
``login``. Rate-limit categories follow Kite's documented limits: ``quote`` (``/quote``,
``/quote/ltp`` and ``/quote/ohlc`` share one bucket, 1 request/s) and ``default`` (every other
endpoint, 10 requests/s). A category allows ``n`` requests in any sliding one-second window;
a request over the limit is answered 429 and does not use up the window.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Literal, get_args

__all__ = [
    "AUTHENTICATED",
    "DEFAULT_RATE_LIMITS",
    "ENDPOINTS",
    "QUOTE_ENDPOINTS",
    "Fault",
    "FaultKind",
    "Faults",
    "RateLimiter",
    "RequestLog",
    "rate_category",
]

ENDPOINTS = ("instruments", "quote", "ltp", "ohlc", "profile", "session", "login")
QUOTE_ENDPOINTS = frozenset({"quote", "ltp", "ohlc"})
AUTHENTICATED = frozenset({"instruments", "quote", "ltp", "ohlc", "profile"})
DEFAULT_RATE_LIMITS: Mapping[str, int] = {"quote": 1, "default": 10}

FaultKind = Literal[
    "token_expired",  # 403 TokenException: the session expired
    "token_rejected",  # 403 TokenException: wrong api_key or access_token
    "network",  # NetworkException with ``status`` (502 or 503; default 503)
    "server_error",  # 500 GeneralException
    "rate_limit",  # 429 NetworkException "Too many requests" (a storm)
    "delay",  # answer normally after ``seconds`` (longer than the client timeout: a timeout)
    "close",  # close the connection without an answer
    "stale",  # quotes priced ``seconds`` ago, with that last_trade_time
]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)


def rate_category(endpoint: str) -> str:
    """The rate-limit bucket of an endpoint: ``quote`` or ``default``."""
    return "quote" if endpoint in QUOTE_ENDPOINTS else "default"


@dataclass(slots=True)
class Fault:
    """One injected fault: which endpoints it hits and how many more requests (None: all)."""

    kind: FaultKind
    endpoints: frozenset[str]
    remaining: int | None = None
    seconds: float = 0.0
    status: int = 503


def _default_endpoints(kind: FaultKind) -> frozenset[str]:
    if kind in ("token_expired", "token_rejected"):
        return AUTHENTICATED
    if kind == "stale":
        return QUOTE_ENDPOINTS
    return frozenset(ENDPOINTS)


class Faults:
    """The active faults, in order; the first one matching a request applies (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(
        self,
        kind: FaultKind,
        *,
        endpoints: Collection[str] | None = None,
        times: int | None = None,
        seconds: float = 0.0,
        status: int | None = None,
    ) -> Fault:
        """Add a fault (see ``FaultKind``); ``times`` limits it to that many requests."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r} (known: {', '.join(FAULT_KINDS)})")
        chosen = frozenset(endpoints) if endpoints is not None else _default_endpoints(kind)
        unknown = sorted(chosen - set(ENDPOINTS))
        if unknown:
            raise ValueError(f"unknown endpoints {unknown} (known: {', '.join(ENDPOINTS)})")
        if times is not None and times < 1:
            raise ValueError(f"times must be ≥ 1 or None, got {times}")
        if kind in ("delay", "stale") and seconds <= 0:
            raise ValueError(f"a {kind} fault needs seconds > 0, got {seconds}")
        if status is None:
            status = {"network": 503, "server_error": 500, "rate_limit": 429}.get(kind, 403)
        if kind == "network" and status not in (502, 503, 504):
            raise ValueError(f"a network fault answers 502, 503 or 504, not {status}")
        fault = Fault(kind, chosen, times, float(seconds), status)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, endpoint: str) -> Fault | None:
        """The fault that applies to one request to ``endpoint`` (using up one of its times)."""
        with self._lock:
            for fault in self._faults:
                if endpoint not in fault.endpoints:
                    continue
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                return fault
        return None

    @property
    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)


class RateLimiter:
    """Per-category sliding one-second windows (``limits``: category → requests per second)."""

    def __init__(
        self,
        limits: Mapping[str, int] | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        for category, limit in (limits or {}).items():
            if limit < 1:
                raise ValueError(f"rate limit for {category!r} must be ≥ 1, got {limit}")
        self._limits = dict(limits or {})
        self._clock = clock
        self._lock = threading.Lock()
        self._accepted: dict[str, deque[float]] = {}

    @property
    def limits(self) -> dict[str, int]:
        return dict(self._limits)

    def allow(self, endpoint: str) -> bool:
        """Whether one more request to ``endpoint`` fits its category's window (it is recorded)."""
        category = rate_category(endpoint)
        limit = self._limits.get(category, self._limits.get("default"))
        if limit is None:
            return True
        with self._lock:
            now = self._clock()
            window = self._accepted.setdefault(category, deque())
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) >= limit:
                return False
            window.append(now)
            return True


class RequestLog:
    """Thread-safe counts: requests per endpoint, answers per (endpoint, status), quote sizes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}
        self._statuses: dict[tuple[str, int], int] = {}
        self._quote_sizes: list[int] = []

    def request(self, endpoint: str) -> None:
        with self._lock:
            self._counts[endpoint] = self._counts.get(endpoint, 0) + 1

    def answer(self, endpoint: str, status: int) -> None:
        with self._lock:
            key = (endpoint, status)
            self._statuses[key] = self._statuses.get(key, 0) + 1

    def quote_size(self, n: int) -> None:
        with self._lock:
            self._quote_sizes.append(n)

    def snapshot(self) -> tuple[dict[str, int], dict[tuple[str, int], int], list[int]]:
        with self._lock:
            return dict(self._counts), dict(self._statuses), list(self._quote_sizes)

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
            self._statuses.clear()
            self._quote_sizes.clear()
