"""Which checks exist: the built-in ones, those of installed packages (entry-point group
``g6gov``) and those pytest plugins and conftests return from ``pytest_g6gov_checks``.

Every contributed check is validated here; a broken one is a :class:`RegistryError`
(a configuration error: one line, exit 4) naming the check and who provided it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any, get_args

import pluggy

from . import hookspecs
from .api import Baseline, Check, Result
from .baselines import BaselineUpdate
from .config import TOP_KEYS
from .findings import Finding
from .keys import Key, Kind

CODE = re.compile(r"^[A-Z][A-Z0-9]*[0-9]{3}$")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
COMMON = frozenset({"mode", "introduced_in", "ignore"})
RESERVED = frozenset(TOP_KEYS)  # [tool.g6gov] keys cannot be check names
PUBLIC_KINDS = ("str", "bool", "number", "list", "version")
ENTRY_POINT_GROUP = "g6gov"


class RegistryError(Exception):
    """A contributed check that cannot be used, in one line."""


def _why(exc: BaseException) -> str:
    """An exception as one line: its type and its message with the newlines folded."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class _Manager(pluggy.PluginManager):
    """Accepts unmarked ``pytest_g6gov_*`` functions as hook implementations, as pytest does,
    so one module serves as a pytest plugin and as a ``g6gov`` entry point."""

    def parse_hookimpl_opts(self, plugin: Any, name: str) -> Any:
        opts = super().parse_hookimpl_opts(plugin, name)
        if opts is None and name.startswith("pytest_g6gov_") and callable(getattr(plugin, name)):
            return {}
        return opts


def entry_point_checks() -> list[tuple[str, Check]]:
    """(provider, check) for every check of an installed package's ``g6gov`` entry point.

    Each entry point is loaded and registered with pluggy on its own, so a package that
    fails to import, or whose hook pluggy refuses, is named in the error. A distribution
    found twice on ``sys.path`` counts once (the first, as for imports)."""
    from importlib import metadata

    pm = _Manager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    found: list[tuple[str, Check]] = []
    seen: set[tuple[str, str]] = set()
    for dist in metadata.distributions():
        for ep in dist.entry_points:
            if ep.group != ENTRY_POINT_GROUP:
                continue
            project = str(dist.metadata["Name"] or "?")
            key = (project.lower().replace("_", "-"), ep.name)
            if key in seen:
                continue
            seen.add(key)
            provider = f"{project} (entry point {ep.name} = {ep.value})"
            found += [(provider, c) for c in _entry_point(pm, ep, provider)]
    return found


def _entry_point(pm: _Manager, ep: Any, provider: str) -> list[Any]:
    try:
        plugin = ep.load()
    except Exception as exc:  # an installed package that fails to import: one config line
        raise RegistryError(
            f"{provider} cannot be loaded: {_why(exc)}: fix or uninstall that package"
        ) from None
    if pm.is_registered(plugin):  # two entry points naming one module
        return []
    try:
        pm.register(plugin, name=provider)
        pm.check_pending()
    except pluggy.PluginValidationError as exc:  # e.g. a misspelt hook or wrong arguments
        raise RegistryError(f"{provider}: {' '.join(str(exc).split())}") from None
    impl = getattr(plugin, "pytest_g6gov_checks", None)
    if not callable(impl):
        raise RegistryError(
            f"{provider}: the entry point names no module or object with a "
            "pytest_g6gov_checks() function"
        )
    return _call(impl, provider)


def _call(impl: Any, provider: str) -> list[Any]:
    try:
        checks = impl()
    except Exception as exc:  # a broken hook is the provider's config problem, not a crash
        raise RegistryError(f"pytest_g6gov_checks of {provider} failed: {_why(exc)}") from None
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
    if name in RESERVED:
        raise RegistryError(f"{who}: {name!r} is a [tool.g6gov] key, not a check name: rename it")
    _validate_rules(who, getattr(check, "rules", None))
    _validate_keys(who, getattr(check, "keys", None))
    if not isinstance(getattr(check, "static", None), bool):
        raise RegistryError(f"{who}: static must be True or False")
    _validate_baseline(who, getattr(check, "baseline", None))
    run = getattr(check, "run", None)
    if not callable(run) or getattr(type(check), "run", None) is Check.run:
        raise RegistryError(f"{who}: needs a run(ctx) method")
    return check  # type: ignore[no-any-return]


def _validate_rules(who: str, rules: Any) -> None:
    if not isinstance(rules, Mapping) or not rules:
        raise RegistryError(f"{who}: rules must map its codes to one-line descriptions")
    for code, text in rules.items():
        if not isinstance(code, str) or not CODE.match(code) or code == "G6G000":
            raise RegistryError(
                f"{who}: rule code {code!r} must be capitals and digits ending in three digits, "
                "e.g. 'ABC001' (G6G000 is the framework's)"
            )
        if not isinstance(text, str) or not text.strip() or "\n" in text.strip():
            raise RegistryError(f"{who}: rule {code} needs a one-line description")


def _validate_keys(who: str, keys: Any) -> None:
    if not isinstance(keys, Mapping) or not all(
        isinstance(k, str) and k and isinstance(v, Key) for k, v in keys.items()
    ):
        raise RegistryError(f"{who}: keys must map key names to pytest_g6gov.api.Key")
    clash = COMMON & set(keys)
    if clash:
        raise RegistryError(f"{who}: key {sorted(clash)[0]!r} is common to every check")
    kinds = get_args(Kind)
    for key, spec in keys.items():
        if spec.kind not in kinds:
            raise RegistryError(
                f"{who}: key {key!r} has kind {spec.kind!r}; use one of: "
                + ", ".join(k for k in kinds if k in PUBLIC_KINDS)
            )
        if spec.rule is not None and not callable(spec.rule):
            raise RegistryError(f"{who}: key {key!r}: rule must be a function (value, ctx)")


def _validate_baseline(who: str, baseline: Any) -> None:
    if baseline is None:
        return
    if not isinstance(baseline, Baseline):
        raise RegistryError(f"{who}: baseline must be None or a pytest_g6gov.api.Baseline")
    if baseline.schema is None:
        return
    if not isinstance(baseline.schema, Mapping):
        raise RegistryError(f"{who}: the baseline's schema must be a JSON Schema object")
    import jsonschema

    schema = dict(baseline.schema)
    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise RegistryError(
            f"{who}: the baseline's schema is not a valid JSON Schema: {exc.message}"
        ) from None


def finding_problem(f: Finding, codes: Collection[str]) -> str | None:
    """What is wrong with one finding a check returned (None: nothing): its code must be
    one of the check's rules (or G6G000), its message a non-empty string, its path a
    string or None and its line a positive whole number or None."""
    if not isinstance(f.code, str) or (f.code not in codes and f.code != "G6G000"):
        known = ", ".join(sorted(codes))
        return f"run() returned a finding with code {f.code!r}, not one of its rules ({known})"
    if not isinstance(f.message, str) or not f.message.strip():
        return f"run() returned a {f.code} finding without a message"
    if f.path is not None and not isinstance(f.path, str):
        return f"run() returned a {f.code} finding whose path is not a string"
    line = f.line
    if line is not None and (isinstance(line, bool) or not isinstance(line, int) or line < 1):
        return f"run() returned a {f.code} finding whose line is not a positive whole number"
    return None


def result_problem(out: Result) -> str | None:
    """What is wrong with a check's :class:`Result` (None: nothing), so that a check
    returning a malformed one is a G6G000 like a crash, not a session crash later."""
    if not isinstance(out.findings, list | tuple) or not all(
        isinstance(f, Finding) for f in out.findings
    ):
        return "run() returned a Result whose findings are not a list of Finding"
    if out.entries is not None and not (
        isinstance(out.entries, Mapping)
        and all(
            isinstance(k, str)
            and isinstance(v, int | float)
            and not isinstance(v, bool)
            and math.isfinite(v)
            for k, v in out.entries.items()
        )
    ):
        return "run() returned a Result whose entries are not {name: finite number}"
    if out.update is not None and not isinstance(out.update, BaselineUpdate):
        return "run() returned a Result whose update is not a BaselineUpdate"
    if out.skipped is not None and not isinstance(out.skipped, str):
        return "run() returned a Result whose skipped is not a string"
    if not all(isinstance(n, str) for n in out.notes) or not isinstance(out.extra, dict):
        return "run() returned a Result whose notes are not strings or extra not a dict"
    return None


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
