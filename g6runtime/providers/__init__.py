"""Market-data providers: the ``Provider`` protocol, its quote type and typed errors.

The synthetic market lives in ``g6runtime.providers.synthetic`` (imported on
demand, so using the protocol does not load the pricing code); its injectable
faults in ``g6runtime.providers.faults``.
"""

from g6runtime.providers.base import OptionKind, Provider, ProviderError, ProviderTimeout, Quote
from g6runtime.providers.faults import FaultPlan, FaultRule

__all__ = [
    "FaultPlan",
    "FaultRule",
    "OptionKind",
    "Provider",
    "ProviderError",
    "ProviderTimeout",
    "Quote",
]
