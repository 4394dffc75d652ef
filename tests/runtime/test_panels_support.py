"""Shared helpers of the panels tests (no tests here): real cycles writing real panels."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from g6runtime.config import Settings
from g6runtime.market.calendar import IST
from g6runtime.outputs import CycleOutcome
from g6runtime.runner import Runtime, simulated_clock

from .support import clean_env, run_g6

START = datetime(2026, 11, 26, 9, 15, tzinfo=IST)
START_ISO = "2026-11-26T09:15"
SMALL = {"G6_INDICES": "NIFTY", "G6_EXPIRIES": "this_week", "G6_STRIKES_PER_SIDE": "2"}


def runtime(base: Path, key: bytes | None = None, **changes: object) -> Runtime:
    s = replace(
        Settings(), csv_dir=base / "csv", panels_dir=base / "panels", hmac_key=key, **changes
    )
    return Runtime.from_settings(s)


def run_cycles(
    base: Path, n: int, key: bytes | None = None, **changes: object
) -> tuple[Runtime, list[CycleOutcome]]:
    rt = runtime(base, key, **changes)
    clock = simulated_clock(START, rt.settings.interval_seconds, n)
    return rt, [rt.cycle(i, now) for i, now in enumerate(clock, 1)]


env = clean_env


def g6(
    *args: str, cwd: Path, environ: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_g6(*args, cwd=cwd, env=environ)


def flip(path: Path, position: int, xor: int) -> bytes:
    """XOR one byte of ``path`` (``xor`` != 0); returns the original bytes."""
    original = path.read_bytes()
    data = bytearray(original)
    data[position % len(data)] ^= xor
    path.write_bytes(bytes(data))
    return original
