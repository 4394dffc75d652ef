"""``g6 simulate``: N cycles against the synthetic market on a simulated clock (no waiting)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError, StorageError
from ..resilience.fault_syntax import SYNTAX
from . import argtypes
from .common import add_common, add_folders, add_market, check_output_file, settings
from .cycles import cycle_summary, failed_line, line, log_cycle

if TYPE_CHECKING:
    from ..providers.faults import FaultPlan
    from ..resilience.fault_spec import FaultSpec


def configure(p: argparse.ArgumentParser) -> None:
    """The arguments of ``g6 simulate`` (its one-line help is in main.SUBCOMMANDS)."""
    p.description = (
        "Run N collection cycles against the deterministic synthetic market on a "
        "simulated clock (no waiting), writing CSV and panels. The clock steps over nights, "
        "weekends and exchange holidays unless --ignore-market-hours. Same seed and start "
        "into an empty folder give byte-identical CSV."
    )
    p.add_argument(
        "--cycles", type=argtypes.positive_int, default=1, help="cycles to run (default: 1)"
    )
    add_folders(p)
    p.add_argument(
        "--start",
        type=argtypes.iso_start,
        metavar="ISO",
        help="first cycle, ISO 8601; without an offset Asia/Kolkata (default: today 09:15 IST)",
    )
    add_market(p, "simulated seconds per cycle")
    p.add_argument(
        "--ignore-market-hours",
        action="store_true",
        help="advance the clock by --interval through nights, weekends and holidays too "
        "(default: step over non-trading time to the next 09:15 open)",
    )
    p.add_argument(
        "--metrics-out",
        type=Path,
        metavar="FILE",
        help="write the final Prometheus text exposition to FILE (default: not written)",
    )
    p.add_argument(
        "--faults",
        type=argtypes.faults,
        action="append",
        metavar="SPEC",
        help=f"inject faults into the synthetic market: {SYNTAX}; comma-separated or "
        "repeated (default: config resilience.faults, none)",
    )
    p.add_argument(
        "--memory-tier",
        type=argtypes.memory_tier,
        metavar="TIER",
        help="force the memory-pressure tier 0-3, strike depth x1, x0.85, x0.6, x0.4 "
        "(default: measured)",
    )
    add_common(p)
    p.set_defaults(func=run)


def _start(args: argparse.Namespace) -> datetime:
    from ..market.calendar import IST, market_date

    if args.start is not None:
        start: datetime = args.start
        return start
    today = market_date(datetime.now(IST))
    return datetime.combine(today, datetime.min.time(), IST).replace(hour=9, minute=15)


def _stepped_faults(
    specs: Sequence[FaultSpec], instants: Sequence[datetime], interval: float
) -> FaultPlan:
    """The fault plan on a calendar-stepped clock: cycle k's window starts at the k-th
    instant and a range ends at the instant after its last cycle (or one interval after
    the run's last instant), so a fault still covers exactly the cycles it names."""
    from ..providers.faults import FaultPlan, FaultRule

    def at(cycle: int) -> datetime:  # the instant of cycle ``cycle`` (1-based)
        if cycle <= len(instants):
            return instants[cycle - 1]
        return instants[-1] + timedelta(seconds=interval * (cycle - len(instants)))

    rules = []
    for f in specs:
        end = None if f.last is None else at(f.last + 1)
        rules.append(FaultRule(f.kind, f.index, at(f.first), end, rate=f.rate, target=f.target))
    return FaultPlan(tuple(rules))


def run(args: argparse.Namespace) -> int:
    from ..market.holidays import market_holidays
    from ..metrics.registry import exposition
    from ..resilience.fault_spec import fault_plan
    from ..runner import Runtime, simulated_clock
    from ..storage.atomic import write_atomic

    s = replace(settings(args), provider="synthetic")  # a simulation is synthetic
    if args.metrics_out is not None:
        check_output_file(args.metrics_out, "--metrics-out")
    start = _start(args)
    instants = list(
        simulated_clock(
            start,
            s.interval_seconds,
            args.cycles,
            market_hours=not args.ignore_market_hours,
            holidays=market_holidays(s.extra_holidays),
        )
    )
    try:
        instants[-1] + timedelta(seconds=s.interval_seconds)
        faults = fault_plan(s.resilience.faults, start, s.interval_seconds)
        if not args.ignore_market_hours:
            faults = _stepped_faults(s.resilience.faults, instants, s.interval_seconds)
    except OverflowError:
        raise ConfigError(
            f"{args.cycles} cycles of {s.interval_seconds:g} s from {start.isoformat()} "
            "(or a fault's cycle range) run the simulated clock past the year 9999"
        ) from None
    runtime = Runtime.from_settings(s, clock="simulated", faults=faults)
    results = []
    try:
        for number, now in enumerate(instants, 1):
            result = runtime.cycle(number, now)
            results.append(result)
            if not args.json:
                print(line(result), flush=True)
            log_cycle(result, outputs=False)  # a failed output is the one error line below
            if result.failed_outputs:  # SPEC: simulate exits 2 at the first failed write
                break
    finally:
        runtime.close()
    if args.metrics_out is not None:
        try:
            write_atomic(args.metrics_out, exposition(runtime.metrics))
        except OSError as exc:
            raise StorageError(f"{args.metrics_out}: cannot write: {exc.strerror}") from None
    if args.json:
        summary = {"csv_dir": str(s.csv_dir), "cycles": [cycle_summary(r) for r in results]}
        print(json.dumps(summary, indent=2))
    if results[-1].failed_outputs:
        raise StorageError(failed_line(results[-1]))
    return 0
