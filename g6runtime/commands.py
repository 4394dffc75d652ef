"""What each ``g6`` subcommand does, given parsed arguments."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from .config import Settings, load_settings
from .errors import ConfigError, StorageError
from .market.calendar import IST, is_market_open, market_date, next_open
from .runner import MAX_FAILED_CYCLES, Runtime, simulated_clock

if TYPE_CHECKING:
    from .outputs import CycleOutcome


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.config)
    changes: dict[str, Any] = {}
    if getattr(args, "csv_dir", None) is not None:
        changes["csv_dir"] = args.csv_dir
    if getattr(args, "interval", None) is not None:
        changes["interval_seconds"] = args.interval
    if getattr(args, "seed", None) is not None:
        changes["seed"] = args.seed
    if getattr(args, "metrics_port", None) is not None:
        changes["metrics_port"] = args.metrics_port
    if getattr(args, "panels_dir", None) is not None:
        changes["panels_dir"] = args.panels_dir
    guard: dict[str, Any] = {}
    if getattr(args, "faults", None) is not None:  # repeated flags, each a tuple of specs
        guard["faults"] = tuple(spec for specs in args.faults for spec in specs)
    if getattr(args, "memory_tier", None) is not None:
        guard["force_memory_tier"] = args.memory_tier
    if guard:
        changes["resilience"] = replace(settings.resilience, **guard)
    return replace(settings, **changes)


def _failed(result: CycleOutcome) -> str:
    """``cycle N: <output> output failed: <error>`` (joined by ``; `` for several)."""
    failed = "; ".join(f"{r.name} output failed: {r.error}" for r in result.failed_outputs)
    return f"cycle {result.cycle}: {failed}"


def _log(result: CycleOutcome, outputs: bool = True) -> None:
    """One stderr line per failed output, resilience event and detail change of a cycle."""
    lines = [f"{r.name} output failed: {r.error}" for r in result.failed_outputs if outputs]
    if result.resilience is not None:
        lines += result.resilience.log_lines()
    for line in lines:
        print(f"g6: cycle {result.cycle}: {line}", file=sys.stderr, flush=True)


def cycle_summary(result: CycleOutcome) -> dict[str, Any]:
    state = result.resilience
    return {
        "cycle": result.cycle,
        "timestamp": result.timestamp.astimezone(IST).isoformat(timespec="seconds"),
        "rows": len(result.options),
        "overview_rows": len(result.overview),
        "failures": [f"{f.index} {f.stage}: {f.message}" for f in result.failures],
        "data_quality_issues": len(result.issues),
        "ok": result.ok,
        "outputs": {r.name: {"ok": r.ok, "error": r.error} for r in result.reports},
        "csv_rows_written": None if result.written is None else result.written.rows,
        "csv_rows_skipped": None if result.written is None else dict(result.written.skipped),
        "storage_error": result.storage_error,
        "ms": round(result.timings["total"] * 1000, 2),
        "resilience": None
        if state is None
        else {
            "breached": state.breached,
            "memory_tier": state.tier,
            "detail": {index: s.mode for index, s in state.indices.items()},
            "budget_remaining": state.budget.remaining,
        },
    }


def _line(result: CycleOutcome) -> str:
    s = cycle_summary(result)
    failed = [r.name for r in result.failed_outputs]
    skipped = sum(result.written.skipped.values()) if result.written is not None else 0
    outputs = f"NOT WRITTEN to {', '.join(failed)}" if failed else "written"
    if not failed and skipped:
        outputs = f"skipped ({skipped} CSV rows not later than their files' last rows)"
    return (
        f"cycle {s['cycle']} {s['timestamp']}: {s['rows']} rows {outputs}, "
        f"{len(s['failures'])} provider failures, "
        f"{s['data_quality_issues']} data-quality issues, {s['ms']:.1f} ms"
    )


def write_file(path: Path, data: bytes) -> None:
    from .storage.atomic import write_atomic

    try:
        write_atomic(path, data)
    except OSError as exc:
        raise StorageError(f"{path}: cannot write: {exc.strerror}") from None


def cmd_simulate(args: argparse.Namespace) -> int:
    from .metrics.registry import exposition
    from .resilience.fault_spec import fault_plan

    settings = _settings(args)
    start = args.start or datetime.combine(
        market_date(datetime.now(IST)), datetime.min.time(), IST
    ).replace(hour=9, minute=15)
    try:
        start + timedelta(seconds=settings.interval_seconds * (args.cycles - 1))
    except OverflowError:
        raise ConfigError(
            f"{args.cycles} cycles of {settings.interval_seconds:g} s from {start.isoformat()} "
            "run the simulated clock past the year 9999"
        ) from None
    try:
        faults = fault_plan(settings.resilience.faults, start, settings.interval_seconds)
    except OverflowError:
        raise ConfigError(
            "a fault's cycle range runs the simulated clock past the year 9999"
        ) from None
    runtime = Runtime.from_settings(settings, clock="simulated", faults=faults)
    results = []
    for number, now in enumerate(simulated_clock(start, settings.interval_seconds, args.cycles), 1):
        result = runtime.cycle(number, now)
        results.append(result)
        if not args.json:
            print(_line(result), flush=True)
        _log(result, outputs=False)  # a failed output is the one error line below
        if result.failed_outputs:  # SPEC: simulate exits 2 at the first failed write
            break
    runtime.close()
    if args.metrics_out is not None:
        write_file(args.metrics_out, exposition(runtime.metrics))
    if args.json:
        print(
            json.dumps(
                {"csv_dir": str(settings.csv_dir), "cycles": [cycle_summary(r) for r in results]},
                indent=2,
            )
        )
    if results[-1].failed_outputs:
        raise StorageError(_failed(results[-1]))
    return 0


class _Stop:
    def __init__(self) -> None:
        self.requested = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True


def _sleep_until(deadline: float, stop: _Stop) -> None:
    while not stop.requested:
        left = deadline - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, 0.5))


def _check_panels(runtime: Runtime, settings: Settings) -> None:
    """The periodic panels verification inside ``collect``; feeds g6_panels_integrity_*."""
    from .errors import IntegrityError
    from .panels.integrity import check_and_record

    try:
        report = check_and_record(runtime.metrics, settings.panels_dir, settings.hmac_key)
    except IntegrityError as exc:
        print(f"g6: panels integrity: {exc}", file=sys.stderr, flush=True)
        return
    if not report.ok:
        print(f"g6: panels integrity: {report.headline()}", file=sys.stderr, flush=True)


def cmd_collect(args: argparse.Namespace) -> int:
    from .metrics.http import serve
    from .retention.auto import AutoPrune

    settings = _settings(args)
    runtime = Runtime.from_settings(settings)
    if settings.resilience.faults:
        print("g6: resilience.faults apply to g6 simulate only", file=sys.stderr, flush=True)
    retention = AutoPrune(settings, runtime.metrics)
    stop = _Stop()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server = serve(runtime.metrics, settings.metrics_host, settings.metrics_port)
    except OSError as exc:
        address = f"{settings.metrics_host}:{settings.metrics_port}"
        raise ConfigError(f"cannot serve metrics on {address}: {exc.strerror or exc}") from None
    print(f"g6: metrics on http://{settings.metrics_host}:{server.port}/metrics", flush=True)
    number = 0
    try:
        tick = time.monotonic()
        while not stop.requested and (args.cycles is None or number < args.cycles):
            now = datetime.now(IST)
            retention.tick(now)  # once per IST day; off (and a dry run) unless configured
            if not args.ignore_market_hours and not is_market_open(now):
                opens = next_open(now)
                print(
                    f"g6: market closed; next open {opens.isoformat(timespec='minutes')}",
                    flush=True,
                )
                wait = min((opens - now).total_seconds(), 300.0)
                _sleep_until(time.monotonic() + wait, stop)
                tick = time.monotonic()
                continue
            number += 1
            result = runtime.cycle(number, now)
            print(json.dumps(cycle_summary(result)) if args.json else _line(result), flush=True)
            _log(result)
            if runtime.failed_streak >= MAX_FAILED_CYCLES:  # SPEC storage.max_failed_cycles
                raise StorageError(
                    f"{runtime.failed_streak} consecutive cycles with a failed output "
                    f"(last: {result.storage_error}); stopping"
                )
            if number % settings.integrity_every_cycles == 0:
                _check_panels(runtime, settings)
            tick += settings.interval_seconds
            if tick < time.monotonic():
                tick = time.monotonic()
            if args.cycles is None or number < args.cycles:
                _sleep_until(tick, stop)
    finally:
        server.close()
        runtime.close()
    if runtime.failed_cycles:  # never exit 0 after data was lost
        raise StorageError(
            f"{runtime.failed_cycles} of {number} cycles had a failed output; "
            "their data was not written (see the lines above)"
        )
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from .bench import run_bench

    report = run_bench(_settings(args), args.repeat)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for key, value in report.items():
            print(f"{key:32} {value}")
    return 0


def cmd_version(args: argparse.Namespace) -> int:
    from . import __version__
    from .panels.version import PANEL_SCHEMA_VERSION

    info = {
        "g6runtime": __version__,
        "panel_schema_version": PANEL_SCHEMA_VERSION,
        "python": sys.version.split()[0],
    }
    if args.json:
        print(json.dumps(info))
    else:
        print(" ".join(f"{k} {v}" for k, v in info.items()))
    return 0
