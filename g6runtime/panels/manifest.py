"""``<panels-dir>/manifest.json``: which panel bytes belong to a cycle (SPEC §2).

::

    {"schema_version": 1, "generator": "g6runtime", "cycle": 12, "generated_at": "...",
     "files": {"system.json": {"sha256": "<hex>", "bytes": 512}},
     "signature": {"alg": "hmac-sha256", "value": "<hex>"}}

The file is written in one exact form (:func:`encode`: SPEC key order, two-space
indent, final newline), and :func:`parse` accepts only that form: a file whose bytes
differ from the re-encoding of its own content has been edited, so no single changed
byte can go unnoticed. The structure check is hand-written (``g6 integrity`` must
start fast; importing jsonschema costs more than hashing a thousand panels) and
mirrors ``g6runtime/schemas/manifest.schema.json``; a test keeps the two in step.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from ..errors import IntegrityError
from .envelope import FILE_NAME, MANIFEST_NAME
from .signing import sign
from .version import PANEL_SCHEMA_VERSION

GENERATOR = "g6runtime"
ACCEPTED_VERSIONS = (PANEL_SCHEMA_VERSION - 1, PANEL_SCHEMA_VERSION)
_HEX_DIGITS = "0123456789abcdef"
_KEYS = ("schema_version", "generator", "cycle", "generated_at", "files", "signature")


class ManifestError(IntegrityError):
    """A manifest that cannot be trusted as written: unparsable, malformed or edited."""


class Entry(NamedTuple):
    sha256: str
    bytes: int


@dataclass(frozen=True)
class Manifest:
    schema_version: int
    cycle: int
    generated_at: str
    files: Mapping[str, Entry]
    signed: bool
    document: Mapping[str, Any]  # the parsed JSON, for signature verification


def build(
    cycle: int, generated_at: str, files: Mapping[str, Entry], key: bytes | None
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema_version": PANEL_SCHEMA_VERSION,
        "generator": GENERATOR,
        "cycle": cycle,
        "generated_at": generated_at,
        "files": {n: {"sha256": e.sha256, "bytes": e.bytes} for n, e in sorted(files.items())},
    }
    if key is not None:
        doc["signature"] = sign(doc, key)
    return doc


def encode(doc: Mapping[str, Any]) -> bytes:
    """One line, as in SPEC §2 (and json's C encoder makes the re-encoding check cheap)."""
    return (json.dumps(doc, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check(doc: object) -> str | None:
    """The first structural problem of a parsed manifest, or None.

    (``type(x) is int`` on purpose: JSON gives exact types, and a bool is no integer.)
    """
    if not isinstance(doc, dict):
        return "not a JSON object"
    extra = sorted(set(doc) - set(_KEYS))
    if extra:
        return f"unknown key {extra[0]!r}"
    missing = [k for k in _KEYS[:5] if k not in doc]
    if missing:
        return f"missing key {missing[0]!r}"
    version = doc["schema_version"]
    if not _is_int(version) or version not in ACCEPTED_VERSIONS:
        return f"unsupported schema_version {version!r} (accepted: {ACCEPTED_VERSIONS})"
    if not isinstance(doc["generator"], str) or not isinstance(doc["generated_at"], str):
        return "generator and generated_at must be strings"
    if not _is_int(doc["cycle"]) or doc["cycle"] < 0:
        return "cycle must be an integer >= 0"
    files = doc["files"]
    if not isinstance(files, dict):
        return "files must be an object"
    for name, entry in files.items():
        if name == MANIFEST_NAME or not FILE_NAME.fullmatch(name):
            return f"file name {name!r} is not a panel file name"
        if type(entry) is not dict or len(entry) != 2:
            return f"{name}: an entry is exactly {{sha256, bytes}}"
        sha, size = entry.get("sha256"), entry.get("bytes")
        if type(sha) is not str or len(sha) != 64 or sha.strip(_HEX_DIGITS):
            return f"{name}: sha256 must be 64 lowercase hex digits"
        if type(size) is not int or size < 0:
            return f"{name}: bytes must be an integer >= 0"
    sig = doc.get("signature")
    if "signature" in doc and not (
        isinstance(sig, dict)
        and set(sig) == {"alg", "value"}
        and all(isinstance(v, str) for v in sig.values())
    ):
        return "signature must be {alg, value} strings"
    return None


def parse(data: bytes) -> Manifest:
    """The manifest in ``data``; :class:`ManifestError` when it is not one, exactly."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ManifestError("not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise ManifestError(f"invalid JSON at line {exc.lineno}: {exc.msg}") from None
    problem = _check(doc)
    if problem is not None:
        raise ManifestError(problem)
    if encode(doc) != data:
        raise ManifestError("not in the form the writer produces (edited by hand or a tool?)")
    files = {n: Entry(e["sha256"], e["bytes"]) for n, e in doc["files"].items()}
    return Manifest(
        doc["schema_version"], doc["cycle"], doc["generated_at"], files, "signature" in doc, doc
    )
