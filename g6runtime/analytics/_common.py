"""Constants shared by the scalar and the vectorised implied-volatility solvers."""

from __future__ import annotations

from typing import Final

SIGMA_MIN: Final = 1e-4
"""Lowest volatility the solver reports (per year, 1.0 = 100 %)."""

SIGMA_MAX: Final = 5.0
"""Highest volatility the solver reports."""

MAX_EXPONENT: Final = 700.0
"""Inputs with ``|r·t|``, ``|q·t|``, ``|(r-q)·t|`` or ``|ln(F/K)|`` above this would
overflow ``exp`` (e^709 is the largest double): they are invalid, not computed."""

AT_INTRINSIC_ULPS: Final = 8.0
"""A price whose time value is below zero by at most this many units in the last place
of ``max(F, K)`` is at intrinsic, not below it: the rounding of ``F = S·e^((r-q)T)``,
``price·e^(rT)`` and of the price's own computation (``S·e^(-qT)·Φ(d1) - K·e^(-rT)·Φ(d2)``)
is a few ulps of the larger of F and K (deep in the money the time value is lost in it)."""

# Failure reasons: the ``reason`` of an IVResult, and REASONS[code] for an IVBatch.
OK: Final = "ok"
INVALID_INPUT: Final = "invalid_input"
"""A non-finite input, a spot or strike that is not positive, or a rate, dividend
yield or moneyness beyond MAX_EXPONENT."""
EXPIRED: Final = "expired"
"""``t <= 0``: nothing left to solve for."""
NON_POSITIVE_PRICE: Final = "non_positive_price"
BELOW_INTRINSIC: Final = "below_intrinsic"
"""Price below the discounted forward intrinsic value by more than the rounding of
double arithmetic (AT_INTRINSIC_ULPS): no volatility fits."""
ABOVE_UPPER_BOUND: Final = "above_upper_bound"
"""Price at or above the no-arbitrage maximum (S·e^(-qT) for a call, K·e^(-rT) for a put)."""
BELOW_MIN_VOL: Final = "below_min_vol"
"""The volatility that fits is below SIGMA_MIN, or the price is at intrinsic: equal to it,
or below it by at most AT_INTRINSIC_ULPS (where Let's Be Rational answers 0.0)."""
ABOVE_MAX_VOL: Final = "above_max_vol"
"""The volatility that fits is above SIGMA_MAX."""
NO_CONVERGENCE: Final = "no_convergence"
"""``max_iter`` iterations were not enough to reach ``tol``."""

REASONS: Final[tuple[str, ...]] = (
    OK,
    INVALID_INPUT,
    EXPIRED,
    NON_POSITIVE_PRICE,
    BELOW_INTRINSIC,
    ABOVE_UPPER_BOUND,
    BELOW_MIN_VOL,
    ABOVE_MAX_VOL,
    NO_CONVERGENCE,
)
"""Reason strings by code: ``IVBatch.reason[i]`` indexes this tuple."""

CODE: Final[dict[str, int]] = {name: i for i, name in enumerate(REASONS)}
