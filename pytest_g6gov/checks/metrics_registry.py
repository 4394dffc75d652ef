"""The registry side of ``metrics_spec``: import the project's registry, read its families.

``prometheus_client`` and the project's module are imported only when called.
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..findings import InputError

# Label names a family type adds to its own samples, not registered by the user.
_RESERVED = {"histogram": "le", "gaugehistogram": "le", "summary": "quantile"}


@dataclass(frozen=True)
class Family:
    """One registry metric family: label names as registered, series without ``_created``."""

    name: str
    type: str
    labels: frozenset[str]
    series: int

    @property
    def shown(self) -> str:
        return f"{self.name}_total" if self.type == "counter" else self.name


_KEY = "[tool.g6gov.metrics_spec] registry"


def import_registry(root: Path, target: str) -> Any:
    """Call ``module:callable`` (imported with ``root`` first on ``sys.path``): the registry."""
    module_name, _, attr = target.partition(":")
    dotted = [*module_name.split("."), *attr.split(".")]
    if not module_name or not attr or not all(part.isidentifier() for part in dotted):
        raise InputError(None, None, f"{_KEY} = {target!r} is not of the form 'module:callable'")
    where = str(root)
    sys.path.insert(0, where)
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    # The user's module runs here: whatever it raises is an input problem, not our crash.
    except Exception as exc:
        raise InputError(
            None, None, f"{_KEY} = {target!r} cannot be imported: {type(exc).__name__}: {exc}"
        ) from None
    finally:
        if where in sys.path:
            sys.path.remove(where)
    if not callable(obj):
        raise InputError(None, None, f"{_KEY} = {target!r} is not callable")
    try:
        registry = obj()
    except Exception as exc:  # the user's callable: any error it raises becomes a G6G000
        message = f"{_KEY} = {target!r} raised {type(exc).__name__}: {exc}"
        raise InputError(None, None, message) from None
    from prometheus_client import CollectorRegistry

    if not isinstance(registry, CollectorRegistry):
        kind = type(registry).__name__
        raise InputError(
            None, None, f"{_KEY} = {target!r} returned {kind}, not a CollectorRegistry"
        )
    return registry


def _registered_labels(registry: Any) -> dict[str, set[str]]:
    """Label names of each metric object registered, by family name.

    A labelled metric with no children collects a family with no samples, so its
    label names exist only on the object (``MetricWrapperBase._labelnames``). That
    and ``CollectorRegistry._collector_to_names`` are private to prometheus_client
    (read from the 0.26 source; both are old and stable), hence the ``getattr``
    guards: a registry without them has only the labels seen on samples compared.
    """
    found: dict[str, set[str]] = {}
    for collector in list(getattr(registry, "_collector_to_names", {})):
        name = getattr(collector, "_name", None)
        labelnames = getattr(collector, "_labelnames", None)
        if isinstance(name, str) and isinstance(labelnames, tuple):
            found.setdefault(name, set()).update(str(n) for n in labelnames)
    return found


def registry_families(registry: Any) -> dict[str, Family]:
    """Every family the registry collects, by family name."""
    registered = _registered_labels(registry)
    families: dict[str, Family] = {}
    try:
        collected = list(registry.collect())
    except Exception as exc:  # the project's collectors run here: their errors are G6G000
        raise InputError(None, None, f"collecting the registry raised {exc!r}") from None
    for metric in collected:
        name, mtype = str(metric.name), str(metric.type)
        hidden = {_RESERVED.get(mtype, ""), name if mtype == "stateset" else ""}
        labels = {str(k) for s in metric.samples for k in s.labels} - hidden
        labels |= registered.get(name, set())
        series = sum(1 for s in metric.samples if s.name != f"{name}_created")
        if name in families:  # two collectors of one family: merge
            old = families[name]
            labels |= old.labels
            series += old.series
            mtype = old.type
        families[name] = Family(name, mtype, frozenset(labels), series)
    return families
