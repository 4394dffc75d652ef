"""Validation against the official SARIF 2.1.0 JSON Schema (kept in data/, see its README)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA_FILE = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"


@functools.cache
def _validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )


def validate_sarif(log: Any) -> None:
    """Raise jsonschema.ValidationError when ``log`` is not a valid SARIF 2.1.0 log."""
    _validator().validate(log)


def read_sarif(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    validate_sarif(data)
    return data
