"""The demo: ``python -m g6runtime.testing.kite_server --port 0`` serves until SIGINT/SIGTERM.

It prints the root URL, the credentials and an ``export G6_KITE_...`` line on stdout, and at exit
the requests it served per endpoint on stderr.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from types import FrameType

from g6runtime.market.calendar import IST
from g6runtime.testing.kite_server import DEFAULT_RATE_LIMITS, KiteServer


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=IST)


def _fixed_clock(moment: datetime) -> Callable[[], datetime]:
    def clock() -> datetime:
        return moment

    return clock


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m g6runtime.testing.kite_server",
        description="A local Kite Connect protocol server with prices from the synthetic market.",
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default 0: free)")
    parser.add_argument("--seed", type=int, default=0, help="synthetic market seed (default 0)")
    parser.add_argument(
        "--at",
        type=_instant,
        default=None,
        help="price every request at this fixed instant (ISO 8601; no offset = Asia/Kolkata); "
        "default: the wall clock",
    )
    parser.add_argument("--api-key", default="g6-demo-api-key", help="default g6-demo-api-key")
    parser.add_argument(
        "--api-secret", default="g6-demo-api-secret", help="default g6-demo-api-secret"
    )
    parser.add_argument(
        "--access-token", default="g6-demo-access-token", help="default g6-demo-access-token"
    )
    parser.add_argument(
        "--request-token", default="g6-demo-request-token", help="default g6-demo-request-token"
    )
    parser.add_argument("--redirect-url", default=None, help="login redirect (default: none)")
    parser.add_argument(
        "--no-rate-limit", action="store_true", help="turn Kite's rate limit off (default: on)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    fixed: datetime | None = args.at
    server = KiteServer(
        api_key=args.api_key,
        api_secret=args.api_secret,
        access_token=args.access_token,
        request_token=args.request_token,
        seed=args.seed,
        clock=_fixed_clock(fixed) if fixed is not None else None,
        rate_limits=None if args.no_rate_limit else DEFAULT_RATE_LIMITS,
        port=args.port,
        redirect_url=args.redirect_url,
    ).start()
    done = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, _stop)
    lines = [
        f"root: {server.root}",
        f"api_key: {server.api_key}",
        f"api_secret: {server.api_secret}",
        f"access_token: {server.access_token}",
        f"request_token: {server.request_token}",
        f"export G6_KITE_ROOT={server.root} G6_KITE_API_KEY={server.api_key} "
        f"G6_KITE_ACCESS_TOKEN={server.access_token}",
    ]
    try:
        print("\n".join(lines), flush=True)
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    except BrokenPipeError:
        pass
    finally:
        server.stop()
    counts = ", ".join(f"{k}={v}" for k, v in sorted(server.counts.items())) or "none"
    print(f"kite server: stopped; requests served: {counts}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
