"""ATM strike and the strike ladder around it.

Strikes and steps are integers in index points. An *offset* is a strike minus
the ATM strike, a signed integer in index points (``-100``, ``0``, ``+50``).
"""

from __future__ import annotations

import math

__all__ = ["atm_strike", "format_offset", "ladder_offsets", "strike_ladder"]


def _check_step(step: int) -> None:
    if isinstance(step, bool) or not isinstance(step, int) or step <= 0:
        raise ValueError(f"strike step must be a positive integer, got {step!r}")


def atm_strike(spot: float, step: int) -> int:
    """The strike nearest to ``spot`` on the ``step`` grid, halves rounding up.

    Exact for any float: ``24025.0`` with step 50 gives 24050, ``24024.99`` gives 24000.
    """
    _check_step(step)
    if not math.isfinite(spot) or spot <= 0:
        raise ValueError(f"spot must be a positive finite number, got {spot!r}")
    steps, remainder = divmod(spot, step)  # float divmod is exact here
    return (int(steps) + (1 if 2 * remainder >= step else 0)) * step


def ladder_offsets(step: int, n: int) -> tuple[int, ...]:
    """The signed offsets ``-n*step … 0 … +n*step`` (2n+1 of them), ascending."""
    _check_step(step)
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"ladder half-width must be a non-negative integer, got {n!r}")
    return tuple(k * step for k in range(-n, n + 1))


def strike_ladder(atm: int, step: int, n: int) -> tuple[int, ...]:
    """The 2n+1 strikes ``atm - n*step … atm + n*step``, ascending.

    Raises ``ValueError`` when the lowest strike would not be positive.
    """
    strikes = tuple(atm + offset for offset in ladder_offsets(step, n))
    if strikes[0] <= 0:
        raise ValueError(f"strike ladder around {atm} (step {step}, n={n}) reaches {strikes[0]}")
    return strikes


def format_offset(offset: int) -> str:
    """An offset as written in CSV paths: ``+100``, ``-50``, ``0``."""
    return f"{offset:+d}" if offset else "0"
