"""Argument types shared by every ``g6`` subcommand (argparse ``type=`` callables).

Plain functions with no dependency on the CLI, so a feature package's ``cli.py`` can
use them without importing :mod:`g6runtime.cli` (which imports it by name).
"""

from __future__ import annotations

import argparse
import math
from datetime import datetime

__all__ = ["iso_start", "port", "positive_float", "positive_int"]


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return value


def port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number 0..65535, got {value}")
    return value


def iso_start(text: str) -> datetime:
    """An ISO 8601 instant; without a UTC offset it is Asia/Kolkata time."""
    from .market.calendar import IST  # zoneinfo on first use only

    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 date-time (example: 2026-11-26T09:15)"
        ) from None
    if not 1971 <= value.year <= 2099:
        raise argparse.ArgumentTypeError(f"{text!r}: the year must be between 1971 and 2099")
    return value.replace(tzinfo=IST) if value.tzinfo is None else value
