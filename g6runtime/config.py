"""Settings: defaults, then an optional JSON/YAML config file, then the environment.

The environment comes from :func:`g6runtime.environment.read_environment`, the one
reader of ``os.environ`` in g6runtime. Every variable is listed in :data:`ENV_VARS`
with the config-file key it sets and is documented in ``docs/env_dict.md`` (the
repository's own ``env_docs`` governance check keeps the two in step). File and
environment are validated by the one JSON Schema (:mod:`g6runtime.configuration.schema`),
with the same words for the same problem.
"""

from __future__ import annotations

import difflib
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .configuration.aliases import ENV_ALIASES, env_aliases
from .configuration.layers import Layer, env_layer, file_layer, flatten, merge, nest
from .configuration.schema import Key, secret_keys
from .environment import CONFIG_FILE_VAR, LOG_LEVEL_VAR, PREFIX, read_environment
from .errors import ConfigError
from .market.indices import INDEX_NAMES
from .settings import (
    InfluxSettings,
    KiteSettings,
    ResilienceSettings,
    RetentionSettings,
    Settings,
)

# The env-var registry: name → the config-file key it sets. Documented in docs/env_dict.md.
ENV_VARS: dict[str, str] = {
    "G6_CSV_DIR": "csv_dir",
    "G6_PANELS_DIR": "panels_dir",
    "G6_INDICES": "indices",
    "G6_EXPIRIES": "expiries",
    "G6_STRIKES_PER_SIDE": "strikes_per_side",
    "G6_INTERVAL_SECONDS": "interval_seconds",
    "G6_SEED": "seed",
    "G6_RISK_FREE_RATE": "risk_free_rate",
    "G6_DIVIDEND_YIELD": "dividend_yield",
    "G6_METRICS_HOST": "metrics.host",
    "G6_METRICS_PORT": "metrics.port",
    "G6_ENABLE_METRIC_GROUPS": "metrics.enable_groups",
    "G6_DISABLE_METRIC_GROUPS": "metrics.disable_groups",
    "G6_PANELS_HMAC_KEY": "panels.hmac_key",
    "G6_PANELS_HMAC_KEY_FILE": "panels.hmac_key_file",
    "G6_INFLUX_URL": "storage.influx.url",
    "G6_INFLUX_DATABASE": "storage.influx.database",
    "G6_INFLUX_USERNAME": "storage.influx.username",
    "G6_INFLUX_PASSWORD": "storage.influx.password",
    "G6_INFLUX_PASSWORD_FILE": "storage.influx.password_file",
    "G6_PROVIDER": "provider",
    "G6_KITE_API_KEY": "kite.api_key",
    "G6_KITE_API_SECRET": "kite.api_secret",
    "G6_KITE_API_SECRET_FILE": "kite.api_secret_file",
    "G6_KITE_ACCESS_TOKEN": "kite.access_token",
    "G6_KITE_TOKEN_FILE": "kite.token_file",
    "G6_KITE_ROOT": "kite.root",
}
INFLUX_URL_VAR = "G6_INFLUX_URL"  # setting it enables the sink (SPEC §2)
__all__ = [
    "CONFIG_FILE_VAR",
    "ENV_VARS",
    "INFLUX_URL_VAR",
    "LOG_LEVEL_VAR",
    "PREFIX",
    "Effective",
    "InfluxSettings",
    "KiteSettings",
    "ResilienceSettings",
    "RetentionSettings",
    "Settings",
    "load_settings",
    "read_environment",
    "resolve",
]

log = logging.getLogger(__name__)


def strike_step_var(index: str) -> str:
    """The per-index strike-step override variable (family ``G6_STRIKE_STEP_<INDEX>``)."""
    return f"G6_STRIKE_STEP_{index}"


def variables() -> dict[str, Key]:
    """Every variable the runtime reads (but ``G6_CONFIG_FILE``) → the key it sets."""
    out = {name: tuple(key.split(".")) for name, key in ENV_VARS.items()}
    out.update({strike_step_var(i): ("strike_steps", i) for i in INDEX_NAMES})
    return out


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """One warning per ``G6_`` variable the runtime does not know (names only, never values)."""
    known = [*variables(), CONFIG_FILE_VAR, LOG_LEVEL_VAR]
    lines = []
    # A deprecated alias is known; a name close to one gets its replacement suggested.
    candidates = {n: n for n in known} | {old: new for old, (new, _) in ENV_ALIASES.items()}
    for name in sorted(n for n in environ if n.startswith(PREFIX) and n not in candidates):
        match = [candidates[m] for m in difflib.get_close_matches(name, candidates, n=1)]
        hint = f"did you mean {match[0]}?" if match else "see docs/env_dict.md for the known ones"
        lines.append(f"unknown environment variable {name} is ignored; {hint}")
    return lines


def _key_file(origin: str, raw: str) -> bytes:
    try:
        key = Path(raw).read_bytes().strip()
    except OSError as exc:
        raise ConfigError(f"{origin}: cannot read key file {raw!r}: {exc.strerror}") from None
    if not key:
        raise ConfigError(f"{origin}: key file {raw!r} is empty")
    return key


def read_config_file(path: Path) -> dict[str, Any]:
    """Parse and validate a JSON or YAML config file; one ConfigError line on any problem."""
    (values, _), found = file_layer(path)
    if found:
        raise ConfigError(found[0])
    return nest(values)


def _influx_defaults() -> dict[str, Any]:
    i = InfluxSettings()
    doc = {f: getattr(i, f) for f in InfluxSettings.__dataclass_fields__}
    doc.update(spool_dir=str(i.spool_dir), password_file=None)
    return doc


def _kite_defaults() -> dict[str, Any]:
    k = KiteSettings()
    doc = {f: getattr(k, f) for f in KiteSettings.__dataclass_fields__}
    doc.update(token_file=str(k.token_file), api_secret_file=None)
    return doc


def _default_values() -> dict[Key, Any]:
    s, r, t = Settings(), ResilienceSettings(), RetentionSettings()
    doc: dict[str, Any] = {
        "csv_dir": str(s.csv_dir),
        "panels_dir": str(s.panels_dir),
        "indices": list(s.indices),
        "expiries": list(s.expiries),
        "strikes_per_side": s.strikes_per_side,
        "interval_seconds": s.interval_seconds,
        "seed": s.seed,
        "risk_free_rate": s.risk_free_rate,
        "dividend_yield": s.dividend_yield,
        "market": {"extra_holidays": [d.isoformat() for d in s.extra_holidays]},
        "metrics": {"host": s.metrics_host, "port": s.metrics_port},
        "panels": {"integrity_every_cycles": s.integrity_every_cycles},
        "storage": {"max_failed_cycles": s.max_failed_cycles, "influx": _influx_defaults()},
        "provider": s.provider,
        "kite": _kite_defaults(),
        "retention": {f: getattr(t, f) for f in RetentionSettings.__dataclass_fields__},
        "resilience": {
            f: list(v) if isinstance(v, tuple) else v
            for f, v in ((f, getattr(r, f)) for f in ResilienceSettings.__dataclass_fields__)
        },
    }
    doc["metrics"].update(enable_groups=None, disable_groups=[])
    doc["panels"].update(hmac_key=None, hmac_key_file=None)
    return flatten(doc)


@dataclass(frozen=True)
class Effective:
    """The effective configuration: each leaf's value and source, and every problem found."""

    values: dict[Key, Any]
    sources: dict[Key, str]
    problems: list[str]
    warnings: list[str]
    config_file: Path | None
    result: Settings | None = None

    def settings(self) -> Settings:
        """The :class:`Settings`; a ConfigError (the first problem's line) when invalid."""
        if self.problems or self.result is None:
            raise ConfigError(self.problems[0] if self.problems else "invalid configuration")
        return self.result

    def shown(self, key: Key) -> Any:
        """The value as ``config show`` prints it: secrets as ``***``."""
        value = self.values.get(key)
        if key in secret_keys() and value is not None:
            return "***"
        if key[0] == "strike_steps" and value is None:
            from .market.indices import get_index

            return get_index(key[1], {}).strike_step
        return value


def resolve(
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    flags: Mapping[str, tuple[str, Any]] | None = None,
) -> Effective:
    """Defaults ← config file (argument, else ``G6_CONFIG_FILE``) ← environment ← flags.

    ``flags`` maps a dotted key to ``(flag name, value)``. Nothing is raised: every
    problem is one line in :attr:`Effective.problems`.
    """
    env = read_environment() if environ is None else environ
    defaults = _default_values()
    layers: list[Layer] = [(defaults, dict.fromkeys(defaults, "default"))]
    found: list[str] = []
    path = config_file
    if path is None and env.get(CONFIG_FILE_VAR):
        path = Path(env[CONFIG_FILE_VAR])
    if path is not None:
        layer, wrong = file_layer(path)
        layers.append(layer)
        found += wrong
    names = variables()
    aliases, wrong = env_aliases(env)  # deprecated names: read as the variable they stand for
    names.update({old: names[new] for old, new in aliases.items()})
    found += wrong
    layer, wrong = env_layer(names, env)
    layers.append(layer)
    found += wrong
    if flags:
        flag_values = {tuple(k.split(".")): v for k, (_, v) in flags.items()}
        flag_sources = {tuple(k.split(".")): f"flag {n}" for k, (n, _) in flags.items()}
        layers.append((flag_values, flag_sources))
    values, sources = merge(layers)
    _url_enables_influx(values, sources)
    result = None
    if not found:
        try:
            result = _validate(_to_settings(values, sources), sources)
        except ConfigError as exc:
            found.append(str(exc))
    return Effective(values, sources, found, unknown_variables(env), path, result)


def _url_enables_influx(values: dict[Key, Any], sources: dict[Key, str]) -> None:
    """SPEC: setting G6_INFLUX_URL enables the sink (unless a file or flag said otherwise)."""
    enabled = ("storage", "influx", "enabled")
    url = ("storage", "influx", "url")
    if sources.get(url) == INFLUX_URL_VAR and sources.get(enabled, "default") == "default":
        values[enabled] = True
        sources[enabled] = INFLUX_URL_VAR


def _to_settings(v: Mapping[Key, Any], sources: Mapping[Key, str]) -> Settings:
    metrics_groups = v[("metrics", "enable_groups")]
    hmac_key: bytes | None = None
    if v.get(("panels", "hmac_key_file")):
        origin = sources[("panels", "hmac_key_file")]
        hmac_key = _key_file(origin, v[("panels", "hmac_key_file")])
    elif v.get(("panels", "hmac_key")):
        hmac_key = str(v[("panels", "hmac_key")]).encode("utf-8")
    block = {k[1]: value for k, value in v.items() if k[0] == "resilience"}
    return Settings(
        csv_dir=Path(v[("csv_dir",)]),
        panels_dir=Path(v[("panels_dir",)]),
        indices=tuple(v[("indices",)]),
        expiries=tuple(v[("expiries",)]),
        strikes_per_side=v[("strikes_per_side",)],
        interval_seconds=v[("interval_seconds",)],
        seed=v[("seed",)],
        risk_free_rate=v[("risk_free_rate",)],
        dividend_yield=v[("dividend_yield",)],
        strike_steps={k[1]: value for k, value in v.items() if k[0] == "strike_steps"},
        extra_holidays=_holidays(v[("market", "extra_holidays")], sources),
        metrics_host=v[("metrics", "host")],
        metrics_port=v[("metrics", "port")],
        enable_groups=None if metrics_groups is None else frozenset(metrics_groups),
        disable_groups=frozenset(v[("metrics", "disable_groups")]),
        hmac_key=hmac_key,
        integrity_every_cycles=v[("panels", "integrity_every_cycles")],
        max_failed_cycles=v[("storage", "max_failed_cycles")],
        influx=_influx(v, sources),
        provider=v[("provider",)],
        kite=_kite(v, sources),
        retention=RetentionSettings(**{k[1]: x for k, x in v.items() if k[0] == "retention"}),
        resilience=_resilience(block),
    )


def _holidays(raw: list[str], sources: Mapping[Key, str]) -> tuple[date, ...]:
    """``market.extra_holidays``: real dates (the schema checked the shape), sorted."""
    days = []
    for position, text in enumerate(raw):
        try:
            days.append(date.fromisoformat(text))
        except ValueError:
            origin = _origin(sources, ("market", "extra_holidays"))
            raise ConfigError(
                f"{origin}market.extra_holidays[{position}]: {text!r} is not a calendar date; "
                "write it as YYYY-MM-DD, e.g. 2026-12-25"
            ) from None
    return tuple(sorted(days))


def _influx(v: Mapping[Key, Any], sources: Mapping[Key, str]) -> InfluxSettings:
    def get(name: str) -> Any:
        return v.get(("storage", "influx", name))

    password = get("password")
    if get("password_file"):
        origin = sources[("storage", "influx", "password_file")]
        password = _key_file(origin, get("password_file")).decode("utf-8", "replace")
    enabled = bool(get("enabled"))
    if enabled and not get("url"):
        origin = _origin(sources, ("storage", "influx", "enabled"))
        raise ConfigError(
            f"{origin}storage.influx.enabled is true but storage.influx.url is not set; "
            f"set it (or {INFLUX_URL_VAR}) to the server, e.g. http://127.0.0.1:8086"
        )
    return InfluxSettings(
        enabled=enabled,
        url=get("url"),
        database=get("database"),
        username=get("username"),
        password=password,
        timeout_seconds=get("timeout_seconds"),
        batch_points=get("batch_points"),
        spool_dir=Path(get("spool_dir")),
        spool_max_mb=get("spool_max_mb"),
    )


def _kite(v: Mapping[Key, Any], sources: Mapping[Key, str]) -> KiteSettings:
    def get(name: str) -> Any:
        return v.get(("kite", name))

    secret = get("api_secret")
    if get("api_secret_file"):
        origin = sources[("kite", "api_secret_file")]
        secret = _key_file(origin, get("api_secret_file")).decode("utf-8", "replace")
    return KiteSettings(
        api_key=get("api_key"),
        api_secret=secret,
        access_token=get("access_token"),
        token_file=Path(get("token_file")),
        root=get("root"),
        timeout_seconds=get("timeout_seconds"),
    )


def _resilience(block: Mapping[str, Any]) -> ResilienceSettings:
    from .resilience.fault_spec import FaultSpecError, parse_fault

    values = dict(block)
    values["memory_tier_mb"] = tuple(values["memory_tier_mb"])
    faults = []
    for position, text in enumerate(values.pop("faults", [])):
        try:
            faults.append(parse_fault(text))
        except FaultSpecError as exc:
            raise ConfigError(f"resilience.faults[{position}]: {exc}") from None
    return ResilienceSettings(**values, faults=tuple(faults))


def _origin(sources: Mapping[Key, str], *keys: Key) -> str:
    """``"g6.yaml:4: "`` for the first of ``keys`` not left at its default, else ``""``."""
    for key in keys:
        if sources.get(key, "default") != "default":
            return f"{sources[key]}: "
    return ""


def _validate(s: Settings, sources: Mapping[Key, str] | None = None) -> Settings:
    where = sources or {}
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
        origin = _origin(where, ("resilience", "allowed_breaches"), ("resilience", "window_cycles"))
        raise ConfigError(
            f"{origin}resilience.allowed_breaches ({r.allowed_breaches}) must not exceed "
            f"resilience.window_cycles ({r.window_cycles}); lower it or widen the window"
        )
    limits = [round(mb * 1024 * 1024) for mb in r.memory_tier_mb]  # as the model reads them
    if len(limits) != 3 or limits != sorted(set(limits)) or limits[0] < 1:
        origin = _origin(where, ("resilience", "memory_tier_mb"))
        raise ConfigError(
            f"{origin}resilience.memory_tier_mb must be three strictly increasing limits, got "
            + ", ".join(f"{mb:g}" for mb in r.memory_tier_mb)
        )
    return s


def load_settings(
    config_file: Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Defaults ← config file (argument, else ``G6_CONFIG_FILE``) ← environment.

    Unknown ``G6_`` variables are logged as warnings (one line each, through ``logging``).
    """
    effective = resolve(config_file, environ)
    for line in effective.warnings:
        log.warning("%s", line)
    return effective.settings()
