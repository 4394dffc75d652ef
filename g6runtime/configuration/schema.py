"""The one JSON Schema of the configuration, and the one wording of its problems.

A config file and the environment are both turned into a document of the schema's
shape and checked here, so a value is accepted or refused the same way, with the
same words, wherever it comes from. Only the origin at the start of the line
differs (``g6.yaml:3`` or ``G6_RISK_FREE_RATE``).
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "Key",
    "dotted",
    "expectation",
    "leaf_keys",
    "problems",
    "schema",
    "secret_keys",
    "subschema",
]

Key = tuple[str, ...]


@cache
def schema() -> dict[str, Any]:
    text = resources.files("g6runtime").joinpath("schemas", "config.schema.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def dotted(key: tuple[str | int, ...]) -> str:
    return ".".join(str(part) for part in key)


def subschema(key: Key) -> dict[str, Any]:
    """The schema of one key (``("metrics", "port")``); ``{}`` when the key is unknown."""
    node = schema()
    for part in key:
        props = node.get("properties", {})
        if part in props:
            node = props[part]
        elif isinstance(node.get("additionalProperties"), dict):
            node = node["additionalProperties"]
        else:
            return {}
    return node


def leaf_keys() -> list[Key]:
    """Every settable key, in schema order (``strike_steps`` expands to its indices)."""
    out: list[Key] = []

    def walk(node: Mapping[str, Any], prefix: Key) -> None:
        if "properties" in node:
            for name, child in node["properties"].items():
                walk(child, (*prefix, name))
        elif isinstance(node.get("additionalProperties"), dict):
            for name in node.get("propertyNames", {}).get("enum", []):
                out.append((*prefix, name))
        else:
            out.append(prefix)

    walk(schema(), ())
    return out


def secret_keys() -> frozenset[Key]:
    """Keys marked ``writeOnly`` in the schema: never printed, never echoed in a problem."""
    return frozenset(k for k in leaf_keys() if subschema(k).get("writeOnly"))


def _types(node: Mapping[str, Any]) -> list[str]:
    kind = node.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


def _range(node: Mapping[str, Any]) -> str:
    low = node.get("minimum", node.get("exclusiveMinimum"))
    high = node.get("maximum", node.get("exclusiveMaximum"))
    low_op = ">" if "exclusiveMinimum" in node else ">="
    if low is not None and high is not None:
        if "exclusiveMinimum" in node:
            return f" > {low:g} and <= {high:g}"
        return f" from {low:g} to {high:g}"
    if low is not None:
        return f" {low_op} {low:g}"
    if high is not None:
        return f" <= {high:g}"
    return ""


def expectation(node: Mapping[str, Any]) -> str:
    """What a valid value looks like, in words, from the key's schema."""
    if "errorMessage" in node:  # the schema's own words (a pattern has no readable form)
        return str(node["errorMessage"])
    if "enum" in node:
        return "one of " + ", ".join(str(v) for v in node["enum"])
    words: list[str] = []
    for kind in _types(node):
        if kind == "integer":
            words.append("an integer" + _range(node))
        elif kind == "number":
            words.append("a number" + _range(node))
        elif kind == "string":
            words.append("a non-empty string" if node.get("minLength") else "a string")
        elif kind == "boolean":
            words.append("true or false")
        elif kind == "array":
            size = ""
            if node.get("minItems") and node.get("minItems") == node.get("maxItems"):
                size = f"{node['minItems']} "
            elif node.get("minItems"):
                size = "one or more " if node["minItems"] == 1 else f"{node['minItems']}+ "
            items = node.get("items", {})
            distinct = ", distinct" if node.get("uniqueItems") else ""
            words.append(f"a list of {size}items ({expectation(items)}{distinct})")
        elif kind == "object":
            words.append("a mapping")
    return " or ".join(w for w in words if w) or "a valid value"


def _close(name: str, known: Mapping[str, Any]) -> str:
    match = difflib.get_close_matches(name, list(known), n=1)
    hint = f" (did you mean {match[0]!r}?)" if match else ""
    return f"unknown key{hint}; expected one of " + ", ".join(known)


def _non_finite(value: Any, key: tuple[str | int, ...]) -> Iterator[tuple[str | int, ...]]:
    if isinstance(value, float) and not math.isfinite(value):
        yield key
    elif isinstance(value, dict):
        for name, child in value.items():
            yield from _non_finite(child, (*key, name))
    elif isinstance(value, list):
        for position, child in enumerate(value):
            yield from _non_finite(child, (*key, position))


def problems(document: Any) -> list[tuple[tuple[str | int, ...], str]]:
    """Every schema problem of a document: ``(key path, "key: what is wrong; expected …")``.

    The wording depends only on the key and the value, never on where the document
    came from; the caller puts the origin (file:line, variable) in front.
    """
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    found: list[tuple[tuple[str | int, ...], str]] = []
    for error in validator.iter_errors(document):
        path: tuple[str | int, ...] = tuple(error.absolute_path)
        node = error.schema if isinstance(error.schema, dict) else {}
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = node.get("properties", {})
            for name in sorted(set(error.instance) - set(known)):
                where = dotted((*path, name))
                found.append(((*path, name), f"{where}: {_close(name, known)}"))
            continue
        where = dotted(path) or "top level"
        if error.validator in ("required", "type") and not path:
            found.append((path, f"{where}: the config must be a mapping of keys to values"))
            continue
        secret = bool(subschema(tuple(str(p) for p in path)).get("writeOnly"))
        what = "invalid value (not shown: a secret)" if secret else error.message
        if error.validator == "pattern" and not secret:
            what = f"{error.instance!r} is not valid"
        found.append((path, f"{where}: {what}; expected {expectation(node)}"))
    reported = {path for path, _ in found}
    for path in _non_finite(document, ()):
        if path not in reported:
            node = subschema(tuple(str(p) for p in path if isinstance(p, str)))
            if isinstance(path[-1], int):
                node = node.get("items", {})
            what = "not a finite number"
            found.append((path, f"{dotted(path)}: {what}; expected {expectation(node)}"))
    return found
