"""The typed settings of one g6 process: frozen dataclasses, built by :mod:`g6runtime.config`.

A field declared ``repr=False`` is a secret: it never appears in a repr, ``config show``
prints it as ``***``, and :mod:`g6runtime.provenance` leaves its value out of
``config_hash``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from .market.expiries import EXPIRY_RULES
from .market.indices import INDEX_NAMES

if TYPE_CHECKING:
    from .resilience.fault_spec import FaultSpec

__all__ = ["InfluxSettings", "KiteSettings", "ResilienceSettings", "RetentionSettings", "Settings"]


@dataclass(frozen=True)
class RetentionSettings:
    enabled: bool = False
    dry_run: bool = True
    max_age_days: int = 45
    protect_today: bool = True
    prune_csv: bool = True
    prune_influx: bool = False


@dataclass(frozen=True)
class InfluxSettings:
    """The InfluxDB sink (SPEC §2 "InfluxDB sink"): off unless enabled or G6_INFLUX_URL set."""

    enabled: bool = False
    url: str | None = None
    database: str = "g6"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout_seconds: float = 5.0
    batch_points: int = 5000
    spool_dir: Path = Path("data/influx_spool")
    spool_max_mb: float = 512.0


@dataclass(frozen=True)
class KiteSettings:
    """Kite Connect (SPEC §2 "Kite provider"); secrets never in repr or output."""

    api_key: str | None = None
    api_secret: str | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)
    token_file: Path = Path("data/kite_token.json")
    root: str | None = None  # None: the client's default, Kite's public API
    timeout_seconds: float = 7.0


@dataclass(frozen=True)
class ResilienceSettings:
    """The fault budget, adaptive detail and memory tiers (see g6runtime/resilience)."""

    sla_fraction: float = 0.8
    window_cycles: int = 20
    allowed_breaches: int = 4
    degrade_after: int = 2
    band_strikes: int = 2
    memory_tier_mb: tuple[float, float, float] = (1024.0, 1536.0, 2048.0)
    memory_hysteresis_percent: float = 10.0
    force_memory_tier: int | None = None
    faults: tuple[FaultSpec, ...] = ()


@dataclass(frozen=True)
class Settings:
    csv_dir: Path = Path("data/g6_data")
    panels_dir: Path = Path("data/panels")
    indices: tuple[str, ...] = INDEX_NAMES
    expiries: tuple[str, ...] = EXPIRY_RULES
    strikes_per_side: int = 10
    interval_seconds: float = 60.0
    seed: int = 42
    risk_free_rate: float = 0.065
    dividend_yield: float = 0.012
    strike_steps: Mapping[str, int] = field(default_factory=dict)
    extra_holidays: tuple[date, ...] = ()  # market.extra_holidays: closed on NSE and BSE
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 9108
    enable_groups: frozenset[str] | None = None
    disable_groups: frozenset[str] = frozenset()
    hmac_key: bytes | None = field(default=None, repr=False)
    integrity_every_cycles: int = 10
    max_failed_cycles: int = 3  # storage.max_failed_cycles: g6 collect's consecutive limit
    influx: InfluxSettings = InfluxSettings()
    provider: str = "synthetic"
    kite: KiteSettings = KiteSettings()
    retention: RetentionSettings = RetentionSettings()
    resilience: ResilienceSettings = ResilienceSettings()
