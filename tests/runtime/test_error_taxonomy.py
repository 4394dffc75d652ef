"""Every exception class defined in ``g6runtime`` is a :class:`g6runtime.errors.G6Error`.

The CLI turns a ``G6Error`` into one line on stderr and exit 2, and its ``category``
labels ``g6_errors_total``; a class outside the taxonomy would escape both. Classes
that callers catch as ``ValueError`` keep that base too (``FaultSpecError``,
``ExpiryResolutionError``, ``UnknownIndexError``). Precondition checks on a
function's arguments (a naive datetime, a negative step) still raise the builtin
``ValueError``: they are programming errors, not conditions a user can cause.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import g6runtime
from g6runtime.errors import G6Error


def _modules() -> list[str]:
    names = [g6runtime.__name__]
    for info in pkgutil.walk_packages(g6runtime.__path__, prefix=f"{g6runtime.__name__}."):
        if not info.name.endswith(".__main__"):  # importing it runs the command
            names.append(info.name)
    return sorted(names)


def _exception_classes() -> list[type[BaseException]]:
    found: list[type[BaseException]] = []
    for name in _modules():
        module = importlib.import_module(name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseException) and value.__module__ == name:
                found.append(value)
    return found


def test_the_walk_finds_the_package_s_exceptions() -> None:
    names = {cls.__qualname__ for cls in _exception_classes()}
    assert {"G6Error", "ConfigError", "FaultSpecError", "MetricsSpecError"} <= names


def test_every_exception_class_is_a_g6error() -> None:
    outside = [
        f"{cls.__module__}.{cls.__qualname__}{tuple(b.__name__ for b in cls.__bases__)}"
        for cls in _exception_classes()
        if not issubclass(cls, G6Error)
    ]
    assert not outside, "exception classes outside the G6Error taxonomy: " + ", ".join(outside)


def test_one_class_per_error_name() -> None:
    by_name: dict[str, list[str]] = {}
    for cls in _exception_classes():
        by_name.setdefault(cls.__name__, []).append(cls.__module__)
    assert {n: m for n, m in by_name.items() if len(m) > 1} == {}


def test_the_provider_error_everyone_imports_is_the_taxonomy_s() -> None:
    from g6runtime import errors, providers
    from g6runtime.providers import base

    assert providers.ProviderError is base.ProviderError is errors.ProviderError
    assert issubclass(providers.ProviderTimeout, errors.ProviderError)
    assert errors.ProviderError("x", index="NIFTY").index == "NIFTY"


@pytest.mark.parametrize(
    ("name", "base"),
    [
        ("g6runtime.resilience.fault_spec:FaultSpecError", "ConfigError"),
        ("g6runtime.market.expiries:ExpiryResolutionError", "DataError"),
        ("g6runtime.market.indices:UnknownIndexError", "ConfigError"),
    ],
)
def test_user_facing_value_errors_keep_both_bases(name: str, base: str) -> None:
    module, _, attr = name.partition(":")
    cls = getattr(importlib.import_module(module), attr)
    assert issubclass(cls, getattr(importlib.import_module("g6runtime.errors"), base))
    assert issubclass(cls, ValueError)
