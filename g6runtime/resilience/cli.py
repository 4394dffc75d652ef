"""``g6 simulate --faults SPEC --memory-tier N``: the resilience flags (argparse only).

Registered through ``g6runtime.cli.FEATURE_CLIS``; adds flags to ``simulate`` and no
subcommand of its own. The syntax of SPEC is in :mod:`.fault_spec`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from .fault_spec import SYNTAX, FaultSpec, FaultSpecError, parse_faults

Common = Callable[[argparse.ArgumentParser], None]


def faults_arg(text: str) -> tuple[FaultSpec, ...]:
    try:
        return parse_faults(text)
    except FaultSpecError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def memory_tier(text: str) -> int:
    if text not in ("0", "1", "2", "3"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a memory tier (0, 1, 2 or 3)")
    return int(text)


def add_parsers(sub: Any, common: Common) -> None:
    sim = sub.choices.get("simulate")
    if sim is None:
        return
    sim.add_argument(
        "--faults",
        type=faults_arg,
        action="append",
        metavar="SPEC",
        help=f"inject faults into the synthetic market: {SYNTAX}; comma-separated or repeated",
    )
    sim.add_argument(
        "--memory-tier",
        type=memory_tier,
        metavar="TIER",
        help="force the memory-pressure tier 0-3 (strike depth x1, x0.85, x0.6, x0.4)",
    )
