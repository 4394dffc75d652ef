"""The hook specification other packages implement to add checks (declared with pluggy).

pytest accepts it by its ``pytest_`` name (``pytest_addhooks`` adds it), so a pytest plugin or
a conftest implements it as a plain function; a module named by an entry point of the
group ``g6gov`` implements the same function for the standalone ``g6gov check``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from .api import Check

PROJECT = "g6gov"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def pytest_g6gov_checks() -> list[Check]:  # type: ignore[empty-body]
    """Return the governance checks this plugin contributes (objects with the attributes
    of :class:`pytest_g6gov.api.Check`). Each check's ``name`` becomes a
    ``[tool.g6gov.<name>]`` table; a check runs only when its table exists."""
