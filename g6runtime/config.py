"""Settings: defaults, then an optional JSON/YAML config file, then environment overrides.

This module is the only reader of ``os.environ`` in g6runtime. Every variable it
reads is listed in :data:`ENV_VARS` and documented in ``docs/env_dict.md`` (the
repository's own ``env_docs`` governance check keeps the two in step).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError
from .market.expiries import EXPIRY_RULES
from .market.indices import INDEX_NAMES

if TYPE_CHECKING:
    from .resilience.fault_spec import FaultSpec


@dataclass(frozen=True)
class RetentionSettings:
    enabled: bool = False
    dry_run: bool = True
    max_age_days: int = 45
    protect_today: bool = True
    prune_csv: bool = True
    prune_influx: bool = False


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
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 9108
    enable_groups: frozenset[str] | None = None
    disable_groups: frozenset[str] = frozenset()
    hmac_key: bytes | None = field(default=None, repr=False)
    integrity_every_cycles: int = 10
    retention: RetentionSettings = RetentionSettings()
    resilience: ResilienceSettings = ResilienceSettings()


def _int(name: str, raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise ConfigError(
            f"environment variable {name}={raw!r} is not an integer (example: {name}=10)"
        ) from None


def _float(name: str, raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise ConfigError(
            f"environment variable {name}={raw!r} is not a number (example: {name}=0.5)"
        ) from None
    if not math.isfinite(value):
        raise ConfigError(f"environment variable {name}={raw!r} is not a finite number")
    return value


def _names(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _choice_list(name: str, raw: str, allowed: tuple[str, ...], upper: bool) -> tuple[str, ...]:
    items = _names(raw.upper() if upper else raw)
    bad = [i for i in items if i not in allowed]
    if bad or not items:
        raise ConfigError(
            f"environment variable {name}={raw!r}: expected a comma-separated list "
            f"of {', '.join(allowed)}"
        )
    return items


def _key_file(name: str, raw: str) -> bytes:
    try:
        key = Path(raw).read_bytes().strip()
    except OSError as exc:
        raise ConfigError(
            f"environment variable {name}: cannot read key file {raw!r}: {exc.strerror}"
        ) from None
    if not key:
        raise ConfigError(f"environment variable {name}: key file {raw!r} is empty")
    return key


Apply = Callable[[Settings, str, str], Settings]

# The env-var registry: name → how it changes the settings. Documented in docs/env_dict.md.
ENV_VARS: dict[str, Apply] = {
    "G6_CSV_DIR": lambda s, n, v: replace(s, csv_dir=Path(v)),
    "G6_PANELS_DIR": lambda s, n, v: replace(s, panels_dir=Path(v)),
    "G6_INDICES": lambda s, n, v: replace(s, indices=_choice_list(n, v, INDEX_NAMES, True)),
    "G6_EXPIRIES": lambda s, n, v: replace(s, expiries=_choice_list(n, v, EXPIRY_RULES, False)),
    "G6_STRIKES_PER_SIDE": lambda s, n, v: replace(s, strikes_per_side=_int(n, v)),
    "G6_INTERVAL_SECONDS": lambda s, n, v: replace(s, interval_seconds=_float(n, v)),
    "G6_SEED": lambda s, n, v: replace(s, seed=_int(n, v)),
    "G6_RISK_FREE_RATE": lambda s, n, v: replace(s, risk_free_rate=_float(n, v)),
    "G6_DIVIDEND_YIELD": lambda s, n, v: replace(s, dividend_yield=_float(n, v)),
    "G6_METRICS_HOST": lambda s, n, v: replace(s, metrics_host=v),
    "G6_METRICS_PORT": lambda s, n, v: replace(s, metrics_port=_int(n, v)),
    "G6_ENABLE_METRIC_GROUPS": lambda s, n, v: replace(s, enable_groups=frozenset(_names(v))),
    "G6_DISABLE_METRIC_GROUPS": lambda s, n, v: replace(s, disable_groups=frozenset(_names(v))),
    "G6_PANELS_HMAC_KEY": lambda s, n, v: replace(s, hmac_key=v.encode("utf-8") or None),
    "G6_PANELS_HMAC_KEY_FILE": lambda s, n, v: replace(s, hmac_key=_key_file(n, v)),
}
CONFIG_FILE_VAR = "G6_CONFIG_FILE"


def strike_step_var(index: str) -> str:
    """The per-index strike-step override variable (family ``G6_STRIKE_STEP_<INDEX>``)."""
    return f"G6_STRIKE_STEP_{index}"


@cache
def _schema() -> dict[str, Any]:
    text = resources.files("g6runtime").joinpath("schemas", "config.schema.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def read_config_file(path: Path) -> dict[str, Any]:
    """Parse and validate a JSON or YAML config file; one ConfigError line on any problem."""
    import jsonschema
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from None
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            data = yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}{line}: invalid YAML: {getattr(exc, 'problem', exc)}") from None
    if data is None:
        data = {}
    try:
        jsonschema.validate(data, _schema())
    except jsonschema.ValidationError as exc:
        where = ".".join(str(p) for p in exc.absolute_path) or "top level"
        raise ConfigError(f"{path}: {where}: {exc.message}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the config must be a mapping")
    return data


def _from_file(base: Settings, data: Mapping[str, Any]) -> Settings:
    changes: dict[str, Any] = {}
    simple = ("strikes_per_side", "interval_seconds", "seed", "risk_free_rate", "dividend_yield")
    changes.update({key: data[key] for key in simple if key in data})
    changes.update({key: Path(data[key]) for key in ("csv_dir", "panels_dir") if key in data})
    changes.update({key: tuple(data[key]) for key in ("indices", "expiries") if key in data})
    if "strike_steps" in data:
        changes["strike_steps"] = dict(data["strike_steps"])
    metrics = data.get("metrics", {})
    if "host" in metrics:
        changes["metrics_host"] = metrics["host"]
    if "port" in metrics:
        changes["metrics_port"] = metrics["port"]
    if "enable_groups" in metrics:
        groups = metrics["enable_groups"]
        changes["enable_groups"] = None if groups is None else frozenset(groups)
    if "disable_groups" in metrics:
        changes["disable_groups"] = frozenset(metrics["disable_groups"])
    panels = data.get("panels", {})
    if panels.get("hmac_key_file"):
        changes["hmac_key"] = _key_file("panels.hmac_key_file", panels["hmac_key_file"])
    if "integrity_every_cycles" in panels:
        changes["integrity_every_cycles"] = panels["integrity_every_cycles"]
    if "retention" in data:
        changes["retention"] = RetentionSettings(**data["retention"])
    if "resilience" in data:
        changes["resilience"] = _resilience(data["resilience"])
    return replace(base, **changes)


def _resilience(block: Mapping[str, Any]) -> ResilienceSettings:
    from .resilience.fault_spec import FaultSpecError, parse_fault

    values = dict(block)
    if "memory_tier_mb" in values:
        values["memory_tier_mb"] = tuple(values["memory_tier_mb"])
    faults = []
    for position, text in enumerate(values.pop("faults", [])):
        try:
            faults.append(parse_fault(text))
        except FaultSpecError as exc:
            raise ConfigError(f"resilience.faults[{position}]: {exc}") from None
    return ResilienceSettings(**values, faults=tuple(faults))


def _validate(s: Settings) -> Settings:
    if not 1 <= s.strikes_per_side <= 100:
        raise ConfigError(f"strikes_per_side must be between 1 and 100, got {s.strikes_per_side}")
    if not 0 < s.interval_seconds < math.inf:
        raise ConfigError(
            f"interval_seconds must be positive and finite, got {s.interval_seconds:g}"
        )
    if not 0 <= s.metrics_port <= 65535:
        raise ConfigError(f"metrics port must be 0..65535, got {s.metrics_port}")
    for index, step in s.strike_steps.items():
        if step < 1:
            raise ConfigError(f"strike step for {index} must be a positive integer, got {step}")
    r = s.resilience
    if r.allowed_breaches > r.window_cycles:
        raise ConfigError(
            f"resilience.allowed_breaches ({r.allowed_breaches}) must not exceed "
            f"resilience.window_cycles ({r.window_cycles})"
        )
    limits = [round(mb * 1024 * 1024) for mb in r.memory_tier_mb]  # as the model reads them
    if len(limits) != 3 or limits != sorted(set(limits)) or limits[0] < 1:
        raise ConfigError(
            "resilience.memory_tier_mb must be three strictly increasing limits, got "
            + ", ".join(f"{mb:g}" for mb in r.memory_tier_mb)
        )
    return s


def load_settings(
    config_file: Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Defaults ← config file (argument, else ``G6_CONFIG_FILE``) ← environment."""
    env = os.environ if environ is None else environ
    settings = Settings()
    path = config_file
    if path is None and env.get(CONFIG_FILE_VAR):
        path = Path(env[CONFIG_FILE_VAR])
    if path is not None:
        settings = _from_file(settings, read_config_file(path))
    for name, apply in ENV_VARS.items():
        raw = env.get(name)
        if raw is not None and raw != "":
            settings = apply(settings, name, raw)
    steps = dict(settings.strike_steps)
    for index in INDEX_NAMES:
        raw = env.get(strike_step_var(index))
        if raw:
            steps[index] = _int(strike_step_var(index), raw)
    return _validate(replace(settings, strike_steps=steps))
