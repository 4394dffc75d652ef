"""``g6 collect``: the live loop on the real clock, gated by market hours, a cycle per interval.

Signals (see :mod:`g6runtime.cli.signals`): SIGTERM and SIGINT finish the cycle in
progress, flush and close every output, log ``stopped by SIGTERM after N cycles; outputs
flushed and closed`` and exit 0; SIGHUP does not reload: it checks the config file
against the running configuration and logs one line.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from datetime import datetime
from typing import TYPE_CHECKING

from ..errors import ConfigError, StorageError
from . import argtypes
from .common import add_common, add_folders, add_market, settings
from .cycles import cycle_summary, line, log_cycle
from .signals import ConfigCheck, Signals

if TYPE_CHECKING:
    from ..config import Settings
    from ..runner import Runtime

log = logging.getLogger("g6runtime.collect")


def configure(p: argparse.ArgumentParser) -> None:
    """The arguments of ``g6 collect`` (its one-line help is in main.SUBCOMMANDS)."""
    p.description = (
        "Collect one cycle per interval on the real clock while the market is "
        "open (09:15-15:30 Asia/Kolkata), serving /metrics, until SIGTERM/SIGINT (the cycle "
        "in progress finishes, every output is flushed, exit 0). SIGHUP checks the config "
        "file and logs what changed; a restart applies it."
    )
    p.add_argument(
        "--provider",
        choices=["synthetic", "kite"],
        help="market-data provider: the synthetic market or Kite Connect (default: config "
        "provider, synthetic)",
    )
    p.add_argument(
        "--cycles",
        type=argtypes.positive_int,
        help="stop after N cycles (default: run until stopped)",
    )
    add_folders(p)
    add_market(p, "seconds between cycles")
    p.add_argument(
        "--metrics-port",
        type=argtypes.port,
        help="port of /metrics; 0 picks a free one (default: config metrics.port, 9108)",
    )
    p.add_argument(
        "--ignore-market-hours",
        action="store_true",
        help="collect outside 09:15-15:30 IST and on holidays (default: gated)",
    )
    add_common(p)
    p.set_defaults(func=run)


def _check_panels(runtime: Runtime, s: Settings) -> None:
    """The periodic panels verification inside ``collect``; feeds g6_panels_integrity_*."""
    from ..errors import IntegrityError
    from ..panels.integrity import check_and_record

    try:
        report = check_and_record(runtime.metrics, s.panels_dir, s.hmac_key)
    except IntegrityError as exc:
        log.error("panels integrity: %s", exc)
        return
    if not report.ok:
        log.error("panels integrity: %s", report.headline())


def run(args: argparse.Namespace) -> int:
    from ..market.calendar import IST, is_market_open, next_open
    from ..market.holidays import market_holidays
    from ..metrics.http import Readiness, serve
    from ..retention.auto import AutoPrune
    from ..runner import Runtime

    signals = Signals()
    signals.install()  # before anything slow: a stop during startup ends before cycle 1
    s = settings(args)
    hangup = ConfigCheck(args)
    runtime = Runtime.from_settings(s)
    if s.resilience.faults:
        log.warning("resilience.faults apply to g6 simulate only")
    retention = AutoPrune(s, runtime.metrics)
    readiness = Readiness(s.interval_seconds)
    active = runtime.metrics.gauge("g6_collection_active")
    try:
        server = serve(runtime.metrics, s.metrics_host, s.metrics_port, readiness)
    except OSError as exc:
        runtime.close()  # the outputs opened (the Influx spool and sender) close first
        address = f"{s.metrics_host}:{s.metrics_port}"
        raise ConfigError(f"cannot serve metrics on {address}: {exc.strerror or exc}") from None
    log.info("metrics on http://%s:%d/metrics", s.metrics_host, server.port)
    number = 0
    try:
        tick = time.monotonic()
        while signals.stop is None and (args.cycles is None or number < args.cycles):
            now = datetime.now(IST)
            retention.tick(now)  # once per IST day; off (and a dry run) unless configured
            closed = market_holidays(s.extra_holidays)  # shipped + market.extra_holidays
            if not args.ignore_market_hours and not is_market_open(now, holidays=closed):
                active.set(0)
                opens = next_open(now, holidays=closed)
                log.info("market closed; next open %s", opens.isoformat(timespec="minutes"))
                wait = min((opens - now).total_seconds(), 300.0)
                signals.sleep_until(time.monotonic() + wait, hangup)
                tick = time.monotonic()
                continue
            number += 1
            active.set(1)
            result = runtime.cycle(number, now)
            readiness.cycle_ended(r.name for r in result.failed_outputs)
            print(json.dumps(cycle_summary(result)) if args.json else line(result), flush=True)
            log_cycle(result)
            if runtime.failed_streak >= s.max_failed_cycles:
                raise StorageError(
                    f"{runtime.failed_streak} consecutive cycles with a failed output "
                    f"(last: {result.storage_error}); stopping (storage.max_failed_cycles "
                    f"{s.max_failed_cycles})"
                )
            if number % s.integrity_every_cycles == 0:
                _check_panels(runtime, s)
            tick += s.interval_seconds
            if tick < time.monotonic():
                tick = time.monotonic()
            if args.cycles is None or number < args.cycles:
                signals.sleep_until(tick, hangup)
    finally:
        server.close()
        runtime.close()
    done = f"{number} cycle{'' if number == 1 else 's'}"
    if signals.stop is not None:
        log.info("stopped by %s after %s; outputs flushed and closed", signals.stop, done)
    else:
        log.info("finished %s (--cycles); outputs flushed and closed", done)
    if runtime.failed_cycles:  # never exit 0 after data was lost
        raise StorageError(
            f"{runtime.failed_cycles} of {number} cycles had a failed output; "
            "their data was not written (see the lines above)"
        )
    return 0
