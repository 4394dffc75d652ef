"""The keys of the checks whose modules read their own defaults (env_docs, metrics_spec).

Kept apart from ``builtin.py`` so those modules can read them without importing the
declarations that import them (data flows one way: builtin -> check module -> keysets).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..config_rules import folders, non_empty, percent, prefixes
from ..keys import Key

ENV_DOCS_KEYS: Mapping[str, Key] = {
    "doc": Key("str", "docs/env_dict.md"),
    "prefix": Key("prefix", "G6_", prefixes),  # one prefix or a list of them
    "sources": Key("list", ["."], folders),
    "allow": Key("list", []),
}

METRICS_SPEC_KEYS: Mapping[str, Key] = {
    "spec": Key("str", "docs/metrics_spec.yaml"),
    "registry": Key("str", ""),
    "prefix": Key("str", "g6_", non_empty),
    "max_growth_percent": Key("number", 10.0, percent),
    "changelog": Key("str", "CHANGELOG.md"),
}
