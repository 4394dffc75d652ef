"""The plain, frozen data one collection cycle produces; sinks and panels consume it."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime

from ..market.expiries import EXPIRY_RULES


@dataclass(frozen=True)
class OptionRow:
    """One strike of one expiry of one index in one cycle: a CSV row."""

    timestamp: datetime
    index: str
    expiry_tag: str
    expiry_date: date
    offset: int
    index_price: float
    atm: int
    strike: int
    ce: float | None
    pe: float | None
    ce_vol: int
    pe_vol: int
    ce_oi: int
    pe_oi: int
    ce_iv: float | None = None
    pe_iv: float | None = None
    ce_delta: float | None = None
    pe_delta: float | None = None
    ce_gamma: float | None = None
    pe_gamma: float | None = None
    ce_theta: float | None = None
    pe_theta: float | None = None
    ce_vega: float | None = None
    pe_vega: float | None = None
    ce_rho: float | None = None
    pe_rho: float | None = None


_OPTION_FIELDS = tuple(f.name for f in fields(OptionRow))
_new = object.__new__


def option_row(*values: object) -> OptionRow:
    """``OptionRow(*values)`` (every field, in order) without the frozen dataclass's
    ``__init__``, which costs one ``object.__setattr__`` per field (26): a cycle builds
    hundreds of rows. The result is an ordinary OptionRow, equal to the one ``__init__``
    builds."""
    if len(values) != len(_OPTION_FIELDS):
        raise TypeError(f"option_row takes {len(_OPTION_FIELDS)} values, got {len(values)}")
    row: OptionRow = _new(OptionRow)
    row.__dict__.update(zip(_OPTION_FIELDS, values, strict=True))
    return row


@dataclass(frozen=True)
class OverviewRow:
    """One index in one cycle: put/call ratio per expiry and the expiry masks."""

    timestamp: datetime
    index: str
    index_price: float
    atm: int
    pcr: dict[str, float | None] = field(default_factory=dict)
    expected_mask: int = 0
    collected_mask: int = 0

    @property
    def missing_mask(self) -> int:
        return self.expected_mask & ~self.collected_mask

    @property
    def expiries_expected(self) -> int:
        return bin(self.expected_mask).count("1")

    @property
    def expiries_collected(self) -> int:
        return bin(self.collected_mask).count("1")


def tag_bit(tag: str) -> int:
    """Mask bit of an expiry tag: bit 0 this_week … bit 3 next_month."""
    return 1 << EXPIRY_RULES.index(tag)
