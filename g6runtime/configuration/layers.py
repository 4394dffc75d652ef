"""Config documents: a file (with the line of each key), environment values, layering.

Every layer is a flat mapping ``key path → value`` of the schema's leaves; the
effective configuration is the layers applied in order, each value remembering
the layer (its *source*) it came from.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .aliases import file_aliases
from .schema import Key, leaf_keys, problems, subschema

__all__ = ["Layer", "decode", "env_layer", "file_layer", "flatten", "merge", "nest"]

Flat = dict[Key, Any]
Layer = tuple[Flat, dict[Key, str]]
"""A layer: values by key, and the source of each (``"default"``, ``"g6.yaml:3"``, …)."""

# A secret and its file: setting either in a layer replaces both from the layers below it.
_EXCLUSIVE: tuple[tuple[Key, Key], ...] = (
    (("panels", "hmac_key"), ("panels", "hmac_key_file")),
    (("storage", "influx", "password"), ("storage", "influx", "password_file")),
    (("kite", "api_secret"), ("kite", "api_secret_file")),
)


def flatten(document: Mapping[str, Any]) -> Flat:
    out: Flat = {}
    for key in leaf_keys():
        node: Any = document
        for part in key:
            if not isinstance(node, Mapping) or part not in node:
                break
            node = node[part]
        else:
            out[key] = node
    return out


def nest(flat: Mapping[Key, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in flat.items():
        node = out
        for part in key[:-1]:
            node = node.setdefault(part, {})
        node[key[-1]] = value
    return out


def merge(layers: Iterable[Layer]) -> Layer:
    values: Flat = {}
    sources: dict[Key, str] = {}
    for layer_values, layer_sources in layers:
        for pair in _EXCLUSIVE:
            if any(k in layer_values for k in pair):
                for k in pair:
                    values.pop(k, None)
                    sources.pop(k, None)
        values.update(layer_values)
        sources.update({k: layer_sources[k] for k in layer_values})
    return values, sources


def _scalar(kinds: list[str], raw: str) -> Any:
    text = raw.strip()
    if "integer" in kinds or "number" in kinds:
        for convert in (int, float):
            try:
                return convert(text)
            except ValueError:
                pass
    if "boolean" in kinds and text.lower() in ("true", "false"):
        return text.lower() == "true"
    return raw


def decode(key: Key, raw: str) -> Any:
    """An environment string as the JSON value the same key has in a config file.

    Numbers are parsed for numeric keys, lists are comma-separated (items stripped);
    anything that does not parse stays a string, so the schema refuses it with the
    words it uses for the same value in a file.
    """
    node = subschema(key)
    kinds = node.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    if "array" in kinds:
        items = node.get("items", {})
        item_kinds = items.get("type", [])
        item_kinds = [item_kinds] if isinstance(item_kinds, str) else list(item_kinds)
        return [_scalar(item_kinds, p.strip()) for p in raw.split(",") if p.strip()]
    return _scalar(kinds, raw)


def _lines(text: str) -> dict[tuple[str | int, ...], int]:
    """The 1-based line of every key and list item of a YAML (or JSON) text; best effort."""
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    out: dict[tuple[str | int, ...], int] = {}

    def walk(node: Any, prefix: tuple[str | int, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                path = (*prefix, str(key_node.value))
                out[path] = key_node.start_mark.line + 1
                walk(value_node, path)
        elif isinstance(node, yaml.SequenceNode):
            for position, item in enumerate(node.value):
                out[(*prefix, position)] = item.start_mark.line + 1
                walk(item, (*prefix, position))

    walk(root, ())
    return out


def _parse(path: Path) -> tuple[Any, str | None]:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"{path}: cannot read config file: {exc}"
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        return None, f"{path}:{exc.lineno}: invalid JSON: {exc.msg}"
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        return None, f"{path}{line}: invalid YAML: {getattr(exc, 'problem', exc)}"
    return ({} if data is None else data), text


def file_layer(path: Path) -> tuple[Layer, list[str]]:
    """A config file as a layer, and its problems (each one line: ``file:line: key: …``)."""
    data, text = _parse(path)
    if data is None:
        return ({}, {}), [str(text)]
    lines = _lines(str(text))

    def origin(key: tuple[str | int, ...]) -> str:
        for end in range(len(key), 0, -1):
            if key[:end] in lines:
                return f"{path}:{lines[key[:end]]}"
        return str(path)

    moved, found = file_aliases(data, origin)  # deprecated keys: their line stays theirs
    lines.update({new: lines[old] for new, old in moved.items() if old in lines})
    found += [f"{origin(key)}: {message}" for key, message in problems(data)]
    if found or not isinstance(data, dict):
        return ({}, {}), found or [f"{path}: the config must be a mapping of keys to values"]
    values = flatten(data)
    return (values, {key: origin(key) for key in values}), []


def env_layer(variables: Mapping[str, Key], environ: Mapping[str, str]) -> tuple[Layer, list[str]]:
    """The known variables that are set (non-empty) as a layer, and their problems."""
    values: Flat = {}
    sources: dict[Key, str] = {}
    found: list[str] = []
    for name, key in variables.items():
        raw = environ.get(name)
        if raw is None or raw == "":
            continue
        value = decode(key, raw)
        wrong = problems(nest({key: value}))
        if wrong:
            found += [f"{name}: {message}" for _, message in wrong]
        else:
            values[key] = value
            sources[key] = name
    return (values, sources), found
