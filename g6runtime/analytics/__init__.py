"""Black-Scholes-Merton pricing, Greeks and implied volatility.

Two APIs over the same maths:

* scalar, plain floats and ``math`` only — :mod:`.black_scholes` (``bs_price``,
  ``greeks``, ``Greeks``) and :mod:`.iv` (``implied_vol``, ``IVResult``);
* vectorised over NumPy arrays for a whole chain — :mod:`.vector` (``price_vec``,
  ``greeks_vec``, ``iv_vec``, ``IVBatch``);

plus :mod:`.time` (``year_fraction_to_expiry``). Importing this package imports
nothing heavy: the names below are loaded on first use, so NumPy is imported only
when a vectorised function is first touched.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from g6runtime.analytics.black_scholes import Greeks, bs_price, greeks
    from g6runtime.analytics.iv import IVResult, implied_vol
    from g6runtime.analytics.time import year_fraction_to_expiry
    from g6runtime.analytics.vector import IVBatch, greeks_vec, iv_vec, price_vec

__all__ = [
    "Greeks",
    "IVBatch",
    "IVResult",
    "bs_price",
    "greeks",
    "greeks_vec",
    "implied_vol",
    "iv_vec",
    "price_vec",
    "year_fraction_to_expiry",
]

_HOME = {
    "Greeks": "black_scholes",
    "bs_price": "black_scholes",
    "greeks": "black_scholes",
    "IVResult": "iv",
    "implied_vol": "iv",
    "year_fraction_to_expiry": "time",
    "IVBatch": "vector",
    "greeks_vec": "vector",
    "iv_vec": "vector",
    "price_vec": "vector",
}


def __getattr__(name: str) -> object:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
