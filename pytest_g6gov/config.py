"""``[tool.g6gov]`` from the rootdir's pyproject.toml → typed, validated settings.

Every problem is one :class:`ConfigError` naming the file, line and key, and how
to fix it; the plugin turns it into a usage error (exit status 4).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from packaging.version import InvalidVersion, Version

from .findings import Mode

Kind = Literal["str", "bool", "number", "list", "version", "mode"]


@dataclass(frozen=True)
class Key:
    kind: Kind
    default: Any


COMMON_KEYS: dict[str, Key] = {
    "mode": Key("mode", None),
    "introduced_in": Key("version", None),
}

# The checks this plugin knows, with their own keys and defaults (SPEC §1).
CHECK_KEYS: dict[str, dict[str, Key]] = {
    "env_docs": {
        "doc": Key("str", "docs/env_dict.md"),
        "prefix": Key("str", "G6_"),
        "sources": Key("list", ["."]),
        "allow": Key("list", []),
    },
    "deprecations": {
        "file": Key("str", "DEPRECATIONS.md"),
        "paths": Key("list", ["."]),
        "exclude": Key("list", []),
    },
    "metrics_spec": {
        "spec": Key("str", "docs/metrics_spec.yaml"),
        "registry": Key("str", ""),
        "prefix": Key("str", "g6_"),
        "max_growth_percent": Key("number", 10.0),
        "changelog": Key("str", "CHANGELOG.md"),
    },
    "critical_coverage": {
        "modules": Key("list", []),
        "min_percent": Key("number", 70.0),
    },
    "slow_tests": {
        "threshold_seconds": Key("number", 2.0),
        "marker": Key("str", "slow"),
    },
}

TOP_KEYS: dict[str, Key] = {
    "release": Key("version", None),
    "baseline_dir": Key("str", "baselines"),
    "enforce": Key("bool", False),
}


class ConfigError(Exception):
    """One clear line: where, what is wrong, how to fix it."""


@dataclass(frozen=True)
class CheckConfig:
    name: str
    mode: Mode | None
    introduced_in: Version | None
    options: Mapping[str, Any]


@dataclass(frozen=True)
class GovConfig:
    root: Path
    release: Version | None
    baseline_dir: Path
    enforce: bool
    checks: dict[str, CheckConfig] = field(default_factory=dict)


def _key_line(text: str, table: str, key: str | None) -> int | None:
    """Best-effort line of ``key`` in ``[table]`` (or of the table header when key is None)."""
    current = None
    header = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]\s*(#.*)?$")
    for number, line in enumerate(text.splitlines(), start=1):
        m = header.match(line)
        if m:
            current = m.group(1).replace('"', "").replace(" ", "")
            if key is None and current == table:
                return number
            continue
        if (
            key is not None
            and current == table
            and re.match(rf"^\s*\"?{re.escape(key)}\"?\s*=", line)
        ):
            return number
    return None


class _Validator:
    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text

    def error(self, table: str, key: str | None, message: str) -> ConfigError:
        line = _key_line(self.text, table, key) or _key_line(self.text, table, None)
        where = f"{self.path.name}:{line}" if line else self.path.name
        name = f"[{table}] {key}" if key else f"[{table}]"
        return ConfigError(f"{where}: {name}: {message}")

    def value(self, table: str, key: str, spec: Key, raw: Any) -> Any:
        kind = spec.kind
        if kind == "str" and isinstance(raw, str):
            return raw
        if kind == "bool" and isinstance(raw, bool):
            return raw
        if kind == "number" and isinstance(raw, int | float) and not isinstance(raw, bool):
            if raw < 0:
                raise self.error(table, key, f"must not be negative, got {raw}")
            return float(raw)
        if kind == "list" and isinstance(raw, list) and all(isinstance(x, str) for x in raw):
            return list(raw)
        if kind == "mode":
            if raw in ("warn", "enforce", "off"):
                return raw
            raise self.error(table, key, f'must be "warn", "enforce" or "off", got {raw!r}')
        if kind == "version" and isinstance(raw, str):
            try:
                return Version(raw)
            except InvalidVersion:
                raise self.error(
                    table, key, f'{raw!r} is not a PEP 440 version (write e.g. "1.4.0")'
                ) from None
        expected = {
            "str": "a string",
            "bool": "true or false",
            "number": "a number",
            "list": "a list of strings",
            "version": 'a version string such as "1.4.0"',
        }[kind]
        raise self.error(table, key, f"must be {expected}, got {type(raw).__name__} {raw!r}")

    def table(self, table: str, raw: Mapping[str, Any], keys: Mapping[str, Key]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in raw.items():
            if key not in keys:
                known = ", ".join(sorted(keys))
                raise self.error(table, key, f"unknown key (known keys: {known})")
            out[key] = self.value(table, key, keys[key], value)
        for key, spec in keys.items():
            out.setdefault(key, spec.default)
        return out


def read_pyproject(root: Path) -> tuple[Path, str, dict[str, Any]] | None:
    """The rootdir's pyproject.toml (path, text, parsed), or None when absent."""
    path = root / "pyproject.toml"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path.name}: cannot be read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path.name}: invalid TOML: {exc}") from None
    return path, text, data


def load_config(root: Path) -> GovConfig | None:
    """Parse ``[tool.g6gov]``; None when the project has no such table."""
    found = read_pyproject(root)
    if found is None:
        return None
    path, text, data = found
    tool = data.get("tool", {})
    gov = tool.get("g6gov") if isinstance(tool, dict) else None
    if gov is None:
        return None
    v = _Validator(path, text)
    if not isinstance(gov, dict):
        raise v.error("tool.g6gov", None, "must be a table")
    top_raw = {
        k: val for k, val in gov.items() if k not in CHECK_KEYS and not isinstance(val, dict)
    }
    for key, val in gov.items():
        if isinstance(val, dict) and key not in CHECK_KEYS:
            known = ", ".join(sorted(CHECK_KEYS))
            raise v.error(
                f"tool.g6gov.{key}", None, f"unknown check {key!r} (known checks: {known})"
            )
        if key in CHECK_KEYS and not isinstance(val, dict):
            raise v.error(
                "tool.g6gov", key, "a check must be a table, e.g. [tool.g6gov." + key + "]"
            )
    top = v.table("tool.g6gov", top_raw, TOP_KEYS)
    release: Version | None = top["release"]
    if release is None:
        project = data.get("project", {})
        raw_version = project.get("version") if isinstance(project, dict) else None
        if raw_version is not None:
            release = v.value("project", "version", Key("version", None), raw_version)
    checks: dict[str, CheckConfig] = {}
    for name, keys in CHECK_KEYS.items():
        raw = gov.get(name)
        if raw is None:
            continue
        table = f"tool.g6gov.{name}"
        opts = v.table(table, raw, {**COMMON_KEYS, **keys})
        introduced = opts.pop("introduced_in")
        mode = opts.pop("mode")
        if introduced is not None and release is None:
            raise v.error(
                table,
                "introduced_in",
                "needs a release to compare with: set [project].version or [tool.g6gov] release",
            )
        checks[name] = CheckConfig(name, mode, introduced, opts)
    return GovConfig(
        root=root,
        release=release,
        baseline_dir=root / str(top["baseline_dir"]),
        enforce=bool(top["enforce"]),
        checks=checks,
    )
