"""A configuration key's type, default and range rule: what a check declares for its table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from . import config_rules as rules

Kind = Literal["str", "bool", "number", "list", "version", "mode", "modules", "prefix", "codes"]


@dataclass(frozen=True)
class Key:
    """``kind`` is the TOML type (``"str"``, ``"bool"``, ``"number"``, ``"list"`` of strings,
    ``"version"``; the rest are the built-in checks' own), ``default`` the value when the key
    is absent, ``rule`` an optional range rule (``config_rules``) the typed value must pass."""

    kind: Kind
    default: Any
    rule: rules.Rule | None = None
