"""Reading panels: JSON Schema validation, and versions N and N-1 (an upgrade shim).

A reader accepts panels of the current :data:`PANEL_SCHEMA_VERSION` (N) and of the
version before it (N-1, upgraded here before validation), and refuses anything else
with a clear reason. Reading never raises for a bad panel: a missing, unreadable or
invalid file comes back as a :class:`PanelRead` saying so, for the caller to show.

Version history (each upgrade step lives in :data:`UPGRADES`):

* 0 — the draft envelope ``{"schema_version": 0, "panel", "generated_at", "data"}``
  carried the cycle number inside ``data["cycle"]``.
* 1 — ``cycle`` moved into the envelope, so any panel file names the cycle it belongs
  to whatever its data shape (``g6 integrity`` uses it to name an interrupted cycle).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .envelope import PANEL_NAMES, file_name
from .version import PANEL_SCHEMA_VERSION

Document = dict[str, Any]


def _from_v0(doc: Document) -> Document:
    data, cycle = doc.get("data"), None
    if isinstance(data, dict):
        data = dict(data)
        cycle = data.pop("cycle", None)
    return {
        "schema_version": 1,
        "panel": doc.get("panel"),
        "generated_at": doc.get("generated_at"),
        "cycle": cycle,
        "data": data,
    }


#: version v → a function turning a version-v document into a version v+1 one.
UPGRADES: dict[int, Callable[[Document], Document]] = {0: _from_v0}


@dataclass(frozen=True)
class PanelRead:
    """One panel as read: ``status`` is ``ok``, ``missing`` or ``invalid``."""

    name: str
    status: str
    document: Document | None = None
    error: str | None = None
    upgraded_from: int | None = None

    @property
    def data(self) -> Document:
        return dict(self.document["data"]) if self.document else {}


@cache
def _validator() -> Any:
    from importlib import resources

    import jsonschema

    text = resources.files("g6runtime").joinpath("schemas", "panel.schema.json").read_text("utf-8")
    schema = json.loads(text)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _first_error(doc: Document) -> str | None:
    errors = sorted(_validator().iter_errors(doc), key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    err = errors[0]
    where = "/".join(str(p) for p in err.absolute_path) or "top level"
    return f"{where}: {err.message}"


def upgrade(doc: object) -> tuple[Document, int | None]:
    """``doc`` at the current version, and the version it was upgraded from (or None).

    Raises ValueError naming the problem for a document this reader cannot accept.
    """
    if not isinstance(doc, dict):
        raise ValueError("not a JSON object")
    version = doc.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValueError(f"schema_version {version!r} is not an integer")
    oldest = PANEL_SCHEMA_VERSION - 1
    if not oldest <= version <= PANEL_SCHEMA_VERSION:
        raise ValueError(
            f"schema_version {version} is not supported "
            f"(this reader accepts {oldest} and {PANEL_SCHEMA_VERSION})"
        )
    original = version
    while version < PANEL_SCHEMA_VERSION:
        doc = UPGRADES[version](doc)
        version += 1
    return doc, (original if original != PANEL_SCHEMA_VERSION else None)


def validate(doc: object, expect_panel: str | None = None) -> tuple[Document, int | None]:
    """The validated, current-version document; ValueError with one reason otherwise."""
    current, upgraded_from = upgrade(doc)
    if expect_panel is not None and current.get("panel") != expect_panel:
        raise ValueError(f"holds panel {current.get('panel')!r}, expected {expect_panel!r}")
    error = _first_error(current)
    if error is not None:
        raise ValueError(error)
    return current, upgraded_from


def parse_panel(data: bytes, name: str) -> PanelRead:
    try:
        doc = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        return PanelRead(name, "invalid", error="not UTF-8")
    except json.JSONDecodeError as exc:
        return PanelRead(name, "invalid", error=f"invalid JSON at line {exc.lineno}: {exc.msg}")
    try:
        current, upgraded_from = validate(doc, name)
    except ValueError as exc:
        return PanelRead(name, "invalid", error=str(exc))
    return PanelRead(name, "ok", current, upgraded_from=upgraded_from)


def read_panel(folder: Path, name: str) -> PanelRead:
    path = folder / file_name(name)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return PanelRead(name, "missing", error=f"{path} does not exist")
    except OSError as exc:
        return PanelRead(name, "invalid", error=f"cannot read {path}: {exc.strerror or exc}")
    return parse_panel(data, name)


def read_panels(folder: Path, names: Iterable[str] = PANEL_NAMES) -> dict[str, PanelRead]:
    return {name: read_panel(folder, name) for name in names}
