"""Which checks exist: the built-in ones, those of installed packages (entry-point group
``g6gov``) and those pytest plugins and conftests return from ``pytest_g6gov_checks``.

Every contributed check is validated here; a broken one is a :class:`RegistryError`
(a configuration error: one line, exit 4) naming the check and who provided it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pluggy

from . import hookspecs
from .api import Baseline, Check
from .keys import Key

CODE = re.compile(r"^[A-Z][A-Z0-9]*[0-9]{3}$")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
COMMON = frozenset({"mode", "introduced_in", "ignore"})
ENTRY_POINT_GROUP = "g6gov"


class RegistryError(Exception):
    """A contributed check that cannot be used, in one line."""


class _Manager(pluggy.PluginManager):
    """Accepts unmarked ``pytest_g6gov_*`` functions as hook implementations, as pytest does,
    so one module serves as a pytest plugin and as a ``g6gov`` entry point."""

    def parse_hookimpl_opts(self, plugin: Any, name: str) -> Any:
        opts = super().parse_hookimpl_opts(plugin, name)
        if opts is None and name.startswith("pytest_g6gov_") and callable(getattr(plugin, name)):
            return {}
        return opts


def entry_point_checks() -> list[tuple[str, Check]]:
    """(provider, check) for every check of an installed package's ``g6gov`` entry point."""
    pm = _Manager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    try:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    except Exception as exc:  # an installed package that fails to import: one config line
        raise RegistryError(
            f"an entry point of the group {ENTRY_POINT_GROUP!r} cannot be loaded: "
            f"{type(exc).__name__}: {exc}: fix or uninstall that package"
        ) from None
    found: list[tuple[str, Check]] = []
    for plugin, dist in pm.list_plugin_distinfo():
        provider = f"{dist.project_name} (entry point {pm.get_name(plugin)})"
        impl = getattr(plugin, "pytest_g6gov_checks", None)
        if impl is not None:
            found += [(provider, c) for c in _call(impl, provider)]
    return found


def _call(impl: Any, provider: str) -> list[Any]:
    try:
        checks = impl()
    except Exception as exc:  # a broken hook is the provider's config problem, not a crash
        raise RegistryError(
            f"pytest_g6gov_checks of {provider} failed: {type(exc).__name__}: {exc}"
        ) from None
    if not isinstance(checks, list | tuple):
        raise RegistryError(f"pytest_g6gov_checks of {provider} must return a list of checks")
    return list(checks)


def hook_checks(impls: Iterable[tuple[str, Callable[[], Any]]]) -> list[tuple[str, Check]]:
    """(provider, check) from the pytest hook's implementations, given as (plugin name,
    function)."""
    found: list[tuple[str, Check]] = []
    for provider, function in impls:
        found += [(provider, c) for c in _call(function, provider)]
    return found


def validate(check: Any, provider: str) -> Check:
    """``check`` if it has every attribute a check needs, else RegistryError."""
    name = getattr(check, "name", None)
    who = f"check {name!r} from {provider}" if isinstance(name, str) else f"a check from {provider}"
    if not isinstance(name, str) or not NAME.match(name):
        raise RegistryError(f"{who}: name must be snake_case, e.g. 'my_check'")
    rules = getattr(check, "rules", None)
    if not isinstance(rules, Mapping) or not rules:
        raise RegistryError(f"{who}: rules must map its codes to one-line descriptions")
    for code, text in rules.items():
        if not isinstance(code, str) or not CODE.match(code) or code == "G6G000":
            raise RegistryError(
                f"{who}: rule code {code!r} must be capitals and digits ending in three digits, "
                "e.g. 'ABC001' (G6G000 is the framework's)"
            )
        if not isinstance(text, str) or not text.strip():
            raise RegistryError(f"{who}: rule {code} needs a one-line description")
    keys = getattr(check, "keys", None)
    if not isinstance(keys, Mapping) or not all(
        isinstance(k, str) and isinstance(v, Key) for k, v in keys.items()
    ):
        raise RegistryError(f"{who}: keys must map key names to pytest_g6gov.api.Key")
    clash = COMMON & set(keys)
    if clash:
        raise RegistryError(f"{who}: key {sorted(clash)[0]!r} is common to every check")
    if not isinstance(getattr(check, "static", None), bool):
        raise RegistryError(f"{who}: static must be True or False")
    baseline = getattr(check, "baseline", None)
    if baseline is not None and not isinstance(baseline, Baseline):
        raise RegistryError(f"{who}: baseline must be None or a pytest_g6gov.api.Baseline")
    if not callable(getattr(check, "run", None)):
        raise RegistryError(f"{who}: needs a run(ctx) method")
    return check  # type: ignore[no-any-return]


def assemble(contributed: Iterable[tuple[str, Any]]) -> dict[str, Check]:
    """The built-in checks plus the contributed ones, validated; names and codes unique.

    The same check class contributed twice (a package that is both an entry point and a
    pytest plugin) counts once."""
    from .checks.builtin import BUILTIN

    checks: dict[str, Check] = {c.name: c for c in BUILTIN}
    providers = {c.name: "pytest_g6gov" for c in BUILTIN}
    owner = {code: c.name for c in BUILTIN for code in c.rules}
    for provider, raw in contributed:
        check = validate(raw, provider)
        if check.name in checks:
            if type(checks[check.name]) is type(check) and providers[check.name] != "pytest_g6gov":
                continue
            raise RegistryError(
                f"check {check.name!r} is provided twice, by {providers[check.name]} and "
                f"{provider}: rename one"
            )
        for code in check.rules:
            if code in owner:
                raise RegistryError(
                    f"check {check.name!r} from {provider}: rule code {code} is already "
                    f"used by check {owner[code]!r}: choose another code"
                )
        checks[check.name] = check
        providers[check.name] = provider
        owner.update({code: check.name for code in check.rules})
    return checks


def all_rules(checks: Mapping[str, Check]) -> dict[str, str]:
    """Every rule code with its description, G6G000 first."""
    from .findings import FRAMEWORK_RULES

    out = dict(FRAMEWORK_RULES)
    for check in checks.values():
        out.update(check.rules)
    return out
