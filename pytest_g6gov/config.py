"""``[tool.g6gov]`` from the rootdir's pyproject.toml → typed, validated settings.

Every problem is one :class:`ConfigError` naming the file, line and key, and how
to fix it; the plugin turns it into a usage error (exit status 4).
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.version import InvalidVersion, Version

from . import config_rules as rules
from .findings import Mode
from .keys import Key

if TYPE_CHECKING:
    from .api import Check

COMMON_KEYS: dict[str, Key] = {
    "mode": Key("mode", None),
    "introduced_in": Key("version", None),
    "ignore": Key("codes", []),
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
    ignore: frozenset[str] = frozenset()


@dataclass(frozen=True)
class GovConfig:
    root: Path
    release: Version | None
    baseline_dir: Path
    enforce: bool
    checks: dict[str, CheckConfig] = field(default_factory=dict)


_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


def _key_line(text: str, table: str, key: str | None) -> int | None:
    """Best-effort line of ``key`` in ``[table]`` (or of the table header when key is None)."""
    current = None
    for number, line in enumerate(text.splitlines(), start=1):
        m = _HEADER.match(line)
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


def _needle_line(text: str, start: int, table: str, needle: str, occurrence: int) -> int | None:
    """Best-effort line of the ``occurrence``-th quoted ``needle`` from line ``start`` on,
    within ``[table]`` and its sub-tables."""
    quoted = (f"'{needle}'", f'"{needle}"')
    lines = text.splitlines()
    for number in range(start, len(lines) + 1):
        line = lines[number - 1]
        m = _HEADER.match(line)
        if m and number > start:
            name = m.group(1).replace('"', "").replace(" ", "")
            if name != table and not name.startswith(table + "."):
                return None
        occurrence -= sum(line.count(q) for q in quoted)
        if occurrence <= 0:
            return number
    return None


class _Validator:
    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text

    def error(
        self, table: str, key: str | None, message: str, at: rules.RuleError | None = None
    ) -> ConfigError:
        line = _key_line(self.text, table, key) or _key_line(self.text, table, None)
        if line and at is not None and at.needle is not None:
            line = _needle_line(self.text, line, table, at.needle, at.occurrence) or line
        where = f"{self.path.name}:{line}" if line else self.path.name
        name = f"[{table}] {key}" if key else f"[{table}]"
        return ConfigError(f"{where}: {name}: {message}")

    def value(self, table: str, key: str, spec: Key, raw: Any, root: Path) -> Any:
        value = self._typed(table, key, spec, raw)
        if spec.rule is None:
            return value
        try:
            return spec.rule(value, rules.RuleContext(root, spec.default))
        except rules.RuleError as exc:
            raise self.error(table, key, exc.message, exc) from None

    def _typed(self, table: str, key: str, spec: Key, raw: Any) -> Any:
        kind = spec.kind
        if kind in ("str", "prefix") and isinstance(raw, str):
            return raw
        if kind == "prefix" and isinstance(raw, list) and all(isinstance(x, str) for x in raw):
            return list(raw)
        if kind == "bool" and isinstance(raw, bool):
            return raw
        if kind == "number" and isinstance(raw, int | float) and not isinstance(raw, bool):
            return float(raw)
        if kind == "list" and isinstance(raw, list) and all(isinstance(x, str) for x in raw):
            return list(raw)
        if kind == "codes" and isinstance(raw, list) and all(isinstance(x, str) for x in raw):
            return list(raw)
        if kind == "modules" and isinstance(raw, list):
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
            "prefix": "a string or a list of strings",
            "modules": f"a list of paths or tables {rules.TABLE_FORM}",
            "bool": "true or false",
            "number": "a number",
            "list": "a list of strings",
            "codes": "a list of rule codes",
            "version": 'a version string such as "1.4.0"',
        }[kind]
        raise self.error(table, key, f"must be {expected}, got {type(raw).__name__} {raw!r}")

    def table(
        self, table: str, raw: Mapping[str, Any], keys: Mapping[str, Key], root: Path
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in raw.items():
            if key not in keys:
                known = ", ".join(sorted(keys))
                raise self.error(table, key, f"unknown key (known keys: {known})")
            out[key] = self.value(table, key, keys[key], value, root)
        for key, spec in keys.items():
            out.setdefault(key, copy.deepcopy(spec.default))
            if isinstance(out[key], rules.ModuleList):
                out[key], out["floors"] = out[key].paths, out[key].floors
            elif spec.kind == "modules":
                out["floors"] = {}
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


def _project_release(v: _Validator, project: Any, root: Path) -> tuple[Version | None, str]:
    """The release from ``[project]``: its version, or, when ``version`` is dynamic, the
    installed distribution's; else None and what to do about it."""
    if not isinstance(project, dict):
        return None, "set [project].version or [tool.g6gov] release"
    raw = project.get("version")
    if raw is not None:
        return v.value("project", "version", Key("version", None), raw, root), ""
    dynamic = project.get("dynamic")
    if not (isinstance(dynamic, list) and "version" in dynamic):
        return None, "set [project].version or [tool.g6gov] release"
    name = project.get("name")
    if not isinstance(name, str) or not name:
        return None, (
            "[project].version is dynamic but [project].name is missing: set [tool.g6gov] release"
        )
    from importlib import metadata

    try:
        installed = metadata.version(name)
    except metadata.PackageNotFoundError:
        return None, (
            f"[project].version is dynamic and the distribution {name!r} is not installed: "
            "install the project (e.g. pip install -e .) or set [tool.g6gov] release"
        )
    try:
        return Version(installed), ""
    except InvalidVersion:
        raise v.error(
            "project",
            "dynamic",
            f"the installed distribution {name!r} has version {installed!r}, not a PEP 440 "
            "version: set [tool.g6gov] release",
        ) from None


def _ignore(v: _Validator, table: str, codes: list[str], check: Check) -> frozenset[str]:
    known = ", ".join(sorted(check.rules))
    for code in codes:
        if code == "G6G000":
            message = f'G6G000 cannot be ignored: fix the input, or set mode = "off" ({known})'
            raise v.error(table, "ignore", message)
        if code not in check.rules:
            raise v.error(table, "ignore", f"{code!r} is not a rule of this check ({known})")
    return frozenset(codes)


def load_config(root: Path, known: Mapping[str, Check] | None = None) -> GovConfig | None:
    """Parse ``[tool.g6gov]``; None when the project has no such table.

    ``known``: the checks that exist (``registry.assemble``); the built-in ones by default.
    """
    if known is None:
        from .checks.builtin import BUILTIN

        known = {c.name: c for c in BUILTIN}
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
    top_raw = {k: val for k, val in gov.items() if k not in known and not isinstance(val, dict)}
    for key, val in gov.items():
        if isinstance(val, dict) and key not in known:
            names = ", ".join(sorted(known))
            raise v.error(
                f"tool.g6gov.{key}",
                None,
                f"unknown check {key!r} (known checks: {names}; a third-party check must be "
                "installed, or returned by pytest_g6gov_checks in a conftest)",
            )
        if key in known and not isinstance(val, dict):
            raise v.error(
                "tool.g6gov", key, "a check must be a table, e.g. [tool.g6gov." + key + "]"
            )
    top = v.table("tool.g6gov", top_raw, TOP_KEYS, root)
    release: Version | None = top["release"]
    missing = "set [project].version or [tool.g6gov] release"
    if release is None:
        release, missing = _project_release(v, data.get("project"), root)
    checks: dict[str, CheckConfig] = {}
    for name, check in known.items():
        raw = gov.get(name)
        if raw is None:
            continue
        table = f"tool.g6gov.{name}"
        opts = v.table(table, raw, {**COMMON_KEYS, **check.keys}, root)
        introduced = opts.pop("introduced_in")
        mode = opts.pop("mode")
        ignore = _ignore(v, table, opts.pop("ignore"), check)
        if introduced is not None and release is None:
            raise v.error(
                table,
                "introduced_in",
                f"needs a release to compare with: {missing}",
            )
        checks[name] = CheckConfig(name, mode, introduced, opts, ignore)
    return GovConfig(
        root=root,
        release=release,
        baseline_dir=root / str(top["baseline_dir"]),
        enforce=bool(top["enforce"]),
        checks=checks,
    )
