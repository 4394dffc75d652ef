"""The analytics stage: implied volatility and Greeks for every priced leg of a cycle at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from .stages import ValidChain

GREEKS = ("delta", "gamma", "theta", "vega", "rho")


@dataclass(frozen=True)
class LegAnalytics:
    iv: float | None
    iterations: int
    greeks: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Analytics:
    """Per (index, expiry_tag, strike, kind): the solved IV and Greeks of each leg."""

    legs: dict[tuple[str, str, int, str], LegAnalytics]

    def get(self, index: str, tag: str, strike: int, kind: str) -> LegAnalytics | None:
        return self.legs.get((index, tag, strike, kind))


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
    from ..analytics.vector import greeks_vec, iv_vec

    keys: list[tuple[str, str, int, str]] = []
    price, is_call, spot, strike, t = [], [], [], [], []
    for chain in chains:
        tau = year_fraction_to_expiry(now, chain.expiry)
        for (k, kind), leg in chain.legs.items():
            if leg.price is None:
                continue
            keys.append((chain.index, chain.expiry_tag, k, kind))
            price.append(leg.price)
            is_call.append(kind == "CE")
            spot.append(spots[chain.index])
            strike.append(float(k))
            t.append(tau)
    if not keys:
        return Analytics({})
    args = (np.asarray(is_call), np.asarray(spot), np.asarray(strike), np.asarray(t), r, q)
    batch = iv_vec(np.asarray(price), *args)
    sigma = np.where(batch.success, batch.iv, np.nan)
    greek_arrays = greeks_vec(*args, sigma)
    legs: dict[tuple[str, str, int, str], LegAnalytics] = {}
    iv_list = batch.iv.tolist()
    ok = batch.success.tolist()
    its = batch.iterations.tolist()
    columns = {name: greek_arrays[name].tolist() for name in GREEKS}
    for i, key in enumerate(keys):
        if ok[i]:
            legs[key] = LegAnalytics(iv_list[i], its[i], {g: columns[g][i] for g in GREEKS})
        else:
            legs[key] = LegAnalytics(None, its[i])
    return Analytics(legs)
