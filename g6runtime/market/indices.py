"""The index registry: strike step, expiry weekday and a representative price.

Expiry weekdays (``expiry_weekday``, Monday = 0) follow the exchanges' rules
since September 2025: NSE contracts (NIFTY, BANKNIFTY, FINNIFTY) expire on
Tuesday, BSE's SENSEX on Thursday (moved to the previous trading day when that
is a holiday). Only NIFTY (NSE) and SENSEX (BSE) list weekly contracts;
BANKNIFTY and FINNIFTY are monthly-only (``weekly_listed`` is False), so for
them only the monthly rules are collected (:func:`expiry_rules`) and the
synthetic market lists only their monthly expiries.

Strike-step overrides (``G6_STRIKE_STEP_<INDEX>``) are read by
``g6runtime.config`` and passed in here as a plain mapping; this module never
reads the environment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType

from ..errors import ConfigError
from .expiries import EXPIRY_RULES, ExpiryRule

__all__ = [
    "DEFAULT_INDICES",
    "INDEX_NAMES",
    "WEEKLY_RULES",
    "IndexSpec",
    "UnknownIndexError",
    "expiry_rules",
    "get_index",
    "index_names",
    "index_registry",
]

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY = range(5)


class UnknownIndexError(ConfigError, ValueError):
    """An index name that the registry does not know."""

    def __init__(self, name: str) -> None:
        known = ", ".join(DEFAULT_INDICES)
        super().__init__(f"unknown index {name!r} (known: {known})")
        self.name = name


@dataclass(frozen=True, slots=True)
class IndexSpec:
    """Static facts about one index.

    ``strike_step`` is in index points; ``expiry_weekday`` uses ``date.weekday()``
    numbering (Monday = 0); ``base_price`` is a representative level used to
    anchor the synthetic market; ``weekly_listed`` says whether the exchange
    lists weekly contracts (without them only the monthly rules apply).
    """

    name: str
    strike_step: int
    expiry_weekday: int
    base_price: float
    exchange: str
    weekly_listed: bool
    index_symbol: str = ""  # the exchange's own name of the index (Kite: "NSE:NIFTY 50")


_DEFAULTS: tuple[IndexSpec, ...] = (
    IndexSpec("NIFTY", 50, TUESDAY, 24000.0, "NSE", True, "NIFTY 50"),
    IndexSpec("BANKNIFTY", 100, TUESDAY, 52000.0, "NSE", False, "NIFTY BANK"),
    IndexSpec("FINNIFTY", 50, TUESDAY, 23500.0, "NSE", False, "NIFTY FIN SERVICE"),
    IndexSpec("SENSEX", 100, THURSDAY, 80000.0, "BSE", True, "SENSEX"),
)

DEFAULT_INDICES: Mapping[str, IndexSpec] = MappingProxyType({s.name: s for s in _DEFAULTS})
"""The default universe, in its canonical order (read-only)."""

INDEX_NAMES: tuple[str, ...] = tuple(DEFAULT_INDICES)
"""The index names the runtime knows, in canonical order (the one definition)."""


def index_names() -> tuple[str, ...]:
    """The default universe's index names, in canonical order."""
    return INDEX_NAMES


def _validated_step(name: str, step: object) -> int:
    if isinstance(step, bool) or not isinstance(step, int) or step <= 0:
        raise ValueError(f"strike step override for {name} must be a positive integer: {step!r}")
    return step


def index_registry(step_overrides: Mapping[str, int] | None = None) -> Mapping[str, IndexSpec]:
    """The registry with strike-step overrides applied (e.g. ``{"NIFTY": 100}``).

    Override keys are index names (case-insensitive); an unknown name raises
    ``UnknownIndexError`` and a non-positive or non-integer step ``ValueError``.
    """
    if not step_overrides:
        return DEFAULT_INDICES
    specs = dict(DEFAULT_INDICES)
    for raw_name, step in step_overrides.items():
        name = raw_name.upper()
        if name not in specs:
            raise UnknownIndexError(raw_name)
        specs[name] = replace(specs[name], strike_step=_validated_step(name, step))
    return MappingProxyType(specs)


def get_index(name: str, step_overrides: Mapping[str, int] | None = None) -> IndexSpec:
    """One index's spec (name case-insensitive), with an optional step override applied."""
    registry = index_registry(step_overrides)
    try:
        return registry[name.upper()]
    except KeyError:
        raise UnknownIndexError(name) from None


WEEKLY_RULES: tuple[ExpiryRule, ...] = EXPIRY_RULES[:2]
"""The rules that need weekly contracts (``this_week``, ``next_week``)."""


def expiry_rules(index: str, rules: Sequence[str]) -> tuple[str, ...]:
    """The rules of ``rules`` collected for ``index``, in their order: all of them where
    the exchange lists weekly contracts, only the monthly ones where it does not."""
    if get_index(index).weekly_listed:
        return tuple(rules)
    return tuple(r for r in rules if r not in WEEKLY_RULES)
