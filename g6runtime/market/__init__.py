"""Market facts: the index registry, the Asia/Kolkata calendar, expiry rules and strikes."""

from g6runtime.market.calendar import (
    IST,
    MARKET_CLOSE,
    MARKET_OPEN,
    expiry_reference_date,
    is_market_open,
    is_trading_day,
    market_date,
    next_open,
    previous_trading_day,
    session_bounds,
)
from g6runtime.market.expiries import (
    EXPIRY_RULES,
    ExpiryResolutionError,
    ExpiryRule,
    resolve_expiry,
)
from g6runtime.market.indices import (
    DEFAULT_INDICES,
    INDEX_NAMES,
    IndexSpec,
    UnknownIndexError,
    get_index,
    index_names,
    index_registry,
)
from g6runtime.market.strikes import atm_strike, format_offset, ladder_offsets, strike_ladder

__all__ = [
    "DEFAULT_INDICES",
    "EXPIRY_RULES",
    "INDEX_NAMES",
    "IST",
    "MARKET_CLOSE",
    "MARKET_OPEN",
    "ExpiryResolutionError",
    "ExpiryRule",
    "IndexSpec",
    "UnknownIndexError",
    "atm_strike",
    "expiry_reference_date",
    "format_offset",
    "get_index",
    "index_names",
    "index_registry",
    "is_market_open",
    "is_trading_day",
    "ladder_offsets",
    "market_date",
    "next_open",
    "previous_trading_day",
    "resolve_expiry",
    "session_bounds",
    "strike_ladder",
]
