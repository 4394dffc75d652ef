"""Deprecated configuration names still accepted, each an alias of a current one.

Each is a row of ``DEPRECATIONS.md``, warns once where it is accepted
(:func:`g6runtime.deprecations.warn_once`) and sets exactly what its replacement sets;
the source ``g6 config show`` prints is the old name (its variable, or its file:line).
Giving an old name together with its replacement is a problem that names both.

* ``G6_COLLECTION_INTERVAL`` (the original platform's variable) → ``G6_INTERVAL_SECONDS``;
* ``storage.csv_dir`` in a config file (the original platform's key) → ``csv_dir``.

The aliases are not in ``docs/env_dict.md``, which lists the current names only; hence
the ``ENV002`` suppressions on the lines that spell the old variable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..deprecations import warn_once
from .schema import Key, dotted

__all__ = ["ENV_ALIASES", "FILE_ALIASES", "env_aliases", "file_aliases"]


def _collection_interval() -> None:
    warn_once(
        "G6_COLLECTION_INTERVAL",  # g6gov: ignore[ENV002]
        "G6_COLLECTION_INTERVAL is deprecated and will be removed; "
        "set G6_INTERVAL_SECONDS instead (the same setting, interval_seconds)",
    )


def _storage_csv_dir(where: str) -> None:
    warn_once(
        "storage.csv_dir",
        f"{where}: storage.csv_dir is deprecated and will be removed; "
        "write csv_dir at the top level instead (the same setting)",
    )


# Deprecated variable → (the variable it stands for, its one-time warning).
ENV_ALIASES: dict[str, tuple[str, Callable[[], None]]] = {
    "G6_COLLECTION_INTERVAL": (  # g6gov: ignore[ENV002]
        "G6_INTERVAL_SECONDS",
        _collection_interval,
    ),
}

# Deprecated config-file key → (its replacement, its one-time warning given the file:line).
FILE_ALIASES: dict[Key, tuple[Key, Callable[[str], None]]] = {
    ("storage", "csv_dir"): (("csv_dir",), _storage_csv_dir),
}


def env_aliases(environ: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The deprecated variables set (non-empty) in ``environ`` → the variable each stands
    for, each warned once; and one problem per old name set together with its replacement."""
    used: dict[str, str] = {}
    found: list[str] = []
    for old, (new, warn) in ENV_ALIASES.items():
        if not environ.get(old):
            continue
        if environ.get(new):
            found.append(
                f"{old} and {new} are both set; unset {old} (deprecated: {new} replaces it)"
            )
            continue
        warn()
        used[old] = new
    return used, found


def _find(document: Any, key: Key) -> tuple[bool, Any]:
    node = document
    for part in key:
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def file_aliases(document: Any, origin: Callable[[Key], str]) -> tuple[dict[Key, Key], list[str]]:
    """Move each deprecated key of a parsed config ``document`` (in place) to its replacement.

    ``origin(key)`` is the ``file:line`` of a key. Returns ``replacement → old key`` for
    the keys moved (each warned once) and one problem per old key given together with
    its replacement (the old key is dropped then, so it is the one problem about it).
    """
    moved: dict[Key, Key] = {}
    found: list[str] = []
    for old, (new, warn) in FILE_ALIASES.items():
        present, value = _find(document, old)
        parent_ok, parent = _find(document, new[:-1])
        if not present or not parent_ok or not isinstance(parent, dict):
            continue
        del _find(document, old[:-1])[1][old[-1]]  # the schema does not know the old key
        if new[-1] in parent:
            found.append(
                f"{origin(old)}: {dotted(old)} and {dotted(new)} are both set; remove "
                f"{dotted(old)} (deprecated: {dotted(new)} replaces it)"
            )
            continue
        warn(origin(old))
        parent[new[-1]] = value
        moved[new] = old
    return moved, found
