"""The analytics stage: implied volatility and Greeks for every priced leg of a cycle at once.

One vectorised IV solve and one Greeks evaluation over all legs with a price; the
results come back per chain as plain tuples (no per-leg objects), which is what the
row builder reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from .stages import ValidChain

GREEKS = ("delta", "gamma", "theta", "vega", "rho")

#: ``(iv, delta, gamma, theta, vega, rho)`` of one leg, in the market's units (IV an
#: annualised fraction, theta per calendar day, vega and rho per percentage point; see
#: ``analytics.vector.market_units``); all None when IV did not solve
LegValues = tuple[
    float | None, float | None, float | None, float | None, float | None, float | None
]
UNSOLVED: Final[LegValues] = (None, None, None, None, None, None)


@dataclass(frozen=True)
class ChainAnalytics:
    """One chain's priced legs: ``values[(strike, kind)]`` and each leg's solver iterations
    (``solved`` and ``failed`` count the legs; ``iterations`` those of the solved ones)."""

    index: str
    expiry_tag: str
    values: dict[tuple[int, str], LegValues]
    solved: int
    failed: int
    iterations: tuple[int, ...]


@dataclass(frozen=True)
class Analytics:
    """The analytics of each chain that had a priced leg, keyed by (index, expiry_tag)."""

    chains: dict[tuple[str, str], ChainAnalytics]

    def get(self, index: str, tag: str, strike: int, kind: str) -> LegValues | None:
        """The leg's values (UNSOLVED when its IV failed); None when it had no price."""
        chain = self.chains.get((index, tag))
        return None if chain is None else chain.values.get((strike, kind))


def compute(
    chains: Sequence[ValidChain],
    spots: dict[str, float],
    now: datetime,
    r: float,
    q: float,
) -> Analytics:
    """One vectorised IV solve and one Greeks evaluation over all legs with a price."""
    import numpy as np

    from ..analytics.time import year_fraction_to_expiry
    from ..analytics.vector import greeks_vec, iv_vec, market_units

    keys: list[tuple[int, str]] = []
    price: list[float] = []
    is_call: list[bool] = []
    strike: list[float] = []
    spot: list[float] = []
    t: list[float] = []
    bounds: list[tuple[ValidChain, int, int]] = []
    for chain in chains:
        tau = year_fraction_to_expiry(now, chain.expiry)
        first = len(keys)
        for key, leg in chain.legs.items():
            p = leg.price
            if p is None:
                continue
            keys.append(key)
            price.append(p)
            is_call.append(key[1] == "CE")
            strike.append(float(key[0]))
        n = len(keys) - first
        if n:
            spot.extend([spots[chain.index]] * n)
            t.extend([tau] * n)
            bounds.append((chain, first, len(keys)))
    if not keys:
        return Analytics({})
    args = (np.asarray(is_call), np.asarray(spot), np.asarray(strike), np.asarray(t), r, q)
    batch = iv_vec(np.asarray(price), *args)
    sigma = np.where(batch.success, batch.iv, np.nan)
    g = market_units(greeks_vec(*args, sigma))  # theta per day, vega and rho per point
    ok: list[bool] = batch.success.tolist()
    its: list[int] = batch.iterations.tolist()
    solved = zip(
        batch.iv.tolist(),
        g["delta"].tolist(),
        g["gamma"].tolist(),
        g["theta"].tolist(),
        g["vega"].tolist(),
        g["rho"].tolist(),
        strict=True,
    )
    values: list[LegValues] = [v if good else UNSOLVED for v, good in zip(solved, ok, strict=True)]
    out: dict[tuple[str, str], ChainAnalytics] = {}
    for chain, lo, hi in bounds:
        good = ok[lo:hi]
        n_ok = sum(good)
        out[(chain.index, chain.expiry_tag)] = ChainAnalytics(
            chain.index,
            chain.expiry_tag,
            dict(zip(keys[lo:hi], values[lo:hi], strict=True)),
            n_ok,
            hi - lo - n_ok,
            tuple(i for i, y in zip(its[lo:hi], good, strict=True) if y),
        )
    return Analytics(out)
