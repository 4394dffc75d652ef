"""``g6 token status [--json]`` and ``g6 token login [--request-token T]`` (Kite Connect).

``status`` exits 0 when the token is valid, 1 when it is missing, expired or rejected
(``checked``: it was validated against the API's profile endpoint, which needs
``kite.api_key``). ``login`` prints the login URL, then exchanges the request token
(``--request-token``, or the one Kite's redirect brings to a one-shot listener on
127.0.0.1) for an access token and writes the token file (mode 0600, atomically).
No token or secret is ever printed.
"""

from __future__ import annotations

import argparse
import json
import logging
from datetime import datetime

from . import argtypes
from .common import add_common, settings

log = logging.getLogger("g6runtime.token")

_HELP = {
    "status": "the Kite access token's state: valid, missing, expired or rejected",
    "login": "obtain a Kite access token and write the token file",
}


def configure(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``g6 token`` (its one-line help is in main.SUBCOMMANDS)."""
    actions = parser.add_subparsers(dest="action", required=True, metavar="{status,login}")
    status_p = actions.add_parser("status", help=_HELP["status"], description=_HELP["status"])
    status_p.add_argument(
        "--no-check",
        action="store_true",
        help="do not ask the API's profile endpoint (default: check when kite.api_key is set)",
    )
    add_common(status_p)
    status_p.set_defaults(func=status)
    login_p = actions.add_parser("login", help=_HELP["login"], description=_HELP["login"])
    login_p.add_argument(
        "--request-token",
        metavar="T",
        help="the request_token of Kite's login redirect (default: wait for the redirect "
        "on 127.0.0.1:--port)",
    )
    login_p.add_argument(
        "--port",
        type=argtypes.port,
        default=5000,
        help="port of the one-shot listener for Kite's redirect (default: 5000)",
    )
    login_p.add_argument(
        "--timeout",
        type=argtypes.positive_float,
        default=300.0,
        metavar="S",
        help="seconds to wait for the redirect (default: 300)",
    )
    add_common(login_p)
    login_p.set_defaults(func=login)


def _now() -> datetime:
    from ..market.calendar import IST

    return datetime.now(IST)


def status(args: argparse.Namespace) -> int:
    from ..providers.kite_auth import token_status

    report = token_status(settings(args).kite, _now(), check=not args.no_check)
    if args.json:
        print(json.dumps(report))
    else:
        state = "valid" if report["valid"] else report.get("reason", "invalid")
        who = f" for {report['user_id']}" if report["user_id"] else ""
        until = f", expires {report['expires_at']}" if report["expires_at"] else ""
        source = f" ({report['source']})" if report["source"] else ""
        checked = "checked against the API" if report["checked"] else "not checked"
        print(f"kite token: {state}{who}{source}{until}; {checked}")
    return 0 if report["valid"] else 1


def login(args: argparse.Namespace) -> int:
    from ..providers.kite_auth import login_url, wait_for_request_token, write_session

    kite = settings(args).kite
    url = login_url(kite)
    print(f"open this URL, log in, and let Kite redirect to http://127.0.0.1:{args.port}/:")
    print(url, flush=True)
    request_token = args.request_token
    if request_token is None:
        request_token = wait_for_request_token(args.port, args.timeout)
    token = write_session(kite, request_token, _now())
    print(
        f"token for {token.user_id} written to {kite.token_file} (mode 0600), valid until "
        f"{token.expires_at.isoformat() if token.expires_at else 'unknown'}"
    )
    return 0
