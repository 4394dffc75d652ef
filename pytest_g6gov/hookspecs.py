"""The hook specification other packages implement to add checks (declared with pluggy).

pytest accepts it by its ``pytest_`` name (``pytest_addhooks`` adds it), so a pytest plugin or
a conftest implements it as a plain function; a module named by an entry point of the
group ``g6gov`` implements the same function for the standalone ``g6gov check``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import pluggy

if TYPE_CHECKING:
    from .api import Check

PROJECT = "g6gov"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
_pytest_hookimpl = pluggy.HookimplMarker("pytest")  # what ``pytest.hookimpl`` is, without pytest

F = TypeVar("F", bound=Callable[..., object])


def checks_hookimpl(function: F) -> F:
    """Mark a module's ``pytest_g6gov_checks`` as an optional pytest hook.

    A module that is also a pytest plugin (a ``pytest11`` entry point) needs it: with g6gov
    disabled (``-p no:g6gov``) pytest would otherwise call the function an unknown hook.
    The ``g6gov`` entry-point loader accepts the function with or without the mark. Importing
    this imports pluggy only, so the standalone ``g6gov check`` does not import pytest."""
    return _pytest_hookimpl(optionalhook=True)(function)


@hookspec
def pytest_g6gov_checks() -> list[Check]:  # type: ignore[empty-body]
    """Return the governance checks this plugin contributes (objects with the attributes
    of :class:`pytest_g6gov.api.Check`). Each check's ``name`` becomes a
    ``[tool.g6gov.<name>]`` table; a check runs only when its table exists."""
