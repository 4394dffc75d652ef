"""YAML inputs read with limits: a byte-size cap, an alias count and an alias expansion budget.

PyYAML builds an alias as a shared reference, so a "billion laughs" document (each
level a list of aliases of the level before) loads quickly, but everything that then
walks the data as a tree (JSON Schema validation, error messages, comparisons) does
the exponential work. :class:`CappedLoader` counts, while composing, how many nodes
every alias stands for and refuses the document once the aliases would add more than
:data:`MAX_ALIAS_NODES` nodes, or once there are more than :data:`MAX_ALIASES`
aliases, or when an alias points into its own anchor (a recursive document). Every
problem, from the size cap to a YAML syntax error, is one :class:`InputError`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .findings import InputError

__all__ = ["MAX_ALIASES", "MAX_ALIAS_NODES", "MAX_BYTES", "compose_yaml", "load_yaml", "read_text"]

#: Inputs larger than this are not parsed at all (8 MiB).
MAX_BYTES = 8 * 1024 * 1024
#: Aliases (``*name``) allowed in one document.
MAX_ALIASES = 1_000
#: Nodes all the aliases of one document may stand for, counted as if expanded.
MAX_ALIAS_NODES = 100_000


class _LimitError(yaml.YAMLError):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class CappedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses alias bombs and recursive aliases while composing."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0
        self.alias_nodes = 0
        self._sizes: dict[int, int] = {}  # id(node) -> nodes in it, aliases expanded

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if not self.check_event(yaml.AliasEvent):
            node = super().compose_node(parent, index)
            if node is not None:
                self._sizes[id(node)] = 1 + sum(self._sizes[id(c)] for c in _children(node))
            return node
        event: yaml.AliasEvent = self.current_event  # what check_event just peeked at
        mark = event.start_mark
        line = None if mark is None else mark.line + 1
        node = super().compose_node(parent, index)  # the anchored node (or a ComposerError)
        self.aliases += 1
        if self.aliases > MAX_ALIASES:
            raise _LimitError(f"has more than {MAX_ALIASES} YAML aliases", line)
        size = None if node is None else self._sizes.get(id(node))
        if size is None:
            raise _LimitError(
                f"has a recursive YAML alias (*{event.anchor} inside its own anchor)",
                line,
            )
        self.alias_nodes += size
        if self.alias_nodes > MAX_ALIAS_NODES:
            raise _LimitError(
                f"uses YAML aliases that expand to more than {MAX_ALIAS_NODES} nodes"
                " (an alias bomb?): write the repeated parts out",
                line,
            )
        return node


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def compose_yaml(text: str, rel: str) -> tuple[Any, yaml.Node | None]:
    """The single document in ``text``: its data and its node tree (None, None when empty).

    Any problem is an :class:`InputError` naming ``rel`` and, when known, the line.
    """
    if len(text) > MAX_BYTES:
        raise InputError(rel, None, _too_large(rel))
    loader: CappedLoader | None = None
    try:
        loader = CappedLoader(text)  # the reader refuses non-printable characters here
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    except _LimitError as exc:
        raise InputError(rel, exc.line, f"{rel} {exc.message}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise InputError(rel, line, f"{rel} is not valid YAML: {exc.problem or exc}") from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise InputError(rel, line, f"{rel} is not valid YAML: {exc.reason}") from None
    except yaml.YAMLError as exc:
        raise InputError(rel, None, f"{rel} is not valid YAML: {exc}") from None
    except ValueError as exc:  # SafeConstructor: e.g. a timestamp like 2026-13-45
        raise InputError(rel, None, f"{rel} holds an invalid YAML value: {exc}") from None
    except RecursionError:
        raise InputError(rel, None, f"{rel} nests too deeply to be read") from None
    finally:
        if loader is not None:
            loader.dispose()


def load_yaml(text: str, rel: str) -> Any:
    """Like ``yaml.safe_load`` of one document, within the limits; else an InputError."""
    return compose_yaml(text, rel)[0]


def _too_large(rel: str, size: int | None = None) -> str:
    mib = MAX_BYTES // (1024 * 1024)
    given = "" if size is None else f" ({size} bytes)"
    return f"{rel} is larger than {mib} MiB{given}: YAML inputs that large are not read"


def read_text(path: Path, rel: str, what: str) -> str:
    """The UTF-8 text of a YAML input (a BOM is dropped), reading at most the size cap.

    ``what`` names the input in messages ("the metrics spec"). InputError when the file
    cannot be read, is over :data:`MAX_BYTES`, or is not UTF-8.
    """
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(rel, None, f"cannot read {what} {rel}: {exc}") from None
    if len(data) > MAX_BYTES:
        raise InputError(rel, None, _too_large(rel, _size(path, len(data))))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(rel, line, f"{rel} is not UTF-8 ({exc.reason})") from None


def _size(path: Path, at_least: int) -> int:
    try:
        return max(path.stat().st_size, at_least)
    except OSError:
        return at_least
