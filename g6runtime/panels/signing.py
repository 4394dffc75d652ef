"""HMAC-SHA256 over the canonical manifest (SPEC §2 "Panels").

The signed bytes are the manifest without its ``signature`` key, serialised as JSON
with sorted keys, separators ``(",", ":")`` and UTF-8. Comparison is constant-time
(:func:`hmac.compare_digest`). The key is only ever passed in: nothing here reads the
environment, and no function returns, prints or stores it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

ALGORITHM = "hmac-sha256"


def canonical(manifest: Mapping[str, Any]) -> bytes:
    """The bytes the signature covers: everything but ``signature``, canonical JSON."""
    body = {k: v for k, v in manifest.items() if k != "signature"}
    return json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sign(manifest: Mapping[str, Any], key: bytes) -> dict[str, str]:
    """The ``signature`` object for ``manifest``."""
    digest = hmac.new(key, canonical(manifest), hashlib.sha256).hexdigest()
    return {"alg": ALGORITHM, "value": digest}


def verify(manifest: Mapping[str, Any], key: bytes) -> bool:
    """True when ``manifest["signature"]`` is a valid HMAC-SHA256 of it under ``key``."""
    sig = manifest.get("signature")
    if not isinstance(sig, dict) or sig.get("alg") != ALGORITHM:
        return False
    value = sig.get("value")
    if not isinstance(value, str):
        return False
    expected = hmac.new(key, canonical(manifest), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode("ascii"), value.encode("utf-8", "surrogatepass"))
