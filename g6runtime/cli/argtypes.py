"""Argument types shared by every ``g6`` subcommand (argparse ``type=`` callables).

The one module of them: each turns a bad value into argparse's one-line usage error
(exit 2) and leaves the meaning of the value to the feature package.
"""

from __future__ import annotations

import argparse
import math
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..resilience.fault_spec import FaultSpec

__all__ = [
    "faults",
    "iso_start",
    "memory_tier",
    "non_negative_int",
    "port",
    "positive_float",
    "positive_int",
]


def _integer(text: str, low: int, high: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"must be {what}, got {value}")
    return value


def positive_int(text: str) -> int:
    return _integer(text, 1, 2**63, ">= 1")


def non_negative_int(text: str) -> int:
    """0..100000 (a number of days)."""
    return _integer(text, 0, 100_000, "between 0 and 100000")


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return value


def port(text: str) -> int:
    return _integer(text, 0, 65535, "a port number 0..65535")


def iso_start(text: str) -> datetime:
    """An ISO 8601 instant; without a UTC offset it is Asia/Kolkata time."""
    from ..market.calendar import IST  # zoneinfo on first use only

    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 date-time (example: 2026-11-26T09:15)"
        ) from None
    if not 1971 <= value.year <= 2099:
        raise argparse.ArgumentTypeError(f"{text!r}: the year must be between 1971 and 2099")
    return value.replace(tzinfo=IST) if value.tzinfo is None else value


def faults(text: str) -> tuple[FaultSpec, ...]:
    """``--faults SPEC``: comma-separated fault specs (syntax in resilience/fault_spec.py)."""
    from ..resilience.fault_spec import FaultSpecError, parse_faults

    try:
        return parse_faults(text)
    except FaultSpecError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def memory_tier(text: str) -> int:
    if text not in ("0", "1", "2", "3"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a memory tier (0, 1, 2 or 3)")
    return int(text)
