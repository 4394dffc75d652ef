"""pytest hooks only: options, configuration, and registering the session's plugin objects.

Registered as ``pytest11: g6gov``. With no ``[tool.g6gov]`` table nothing is registered
beyond the options and nothing heavy is imported, so the plugin costs nothing and prints
nothing; the session's objects live in ``session.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .api import Check
    from .config import GovConfig
    from .coverage_measure import OuterCoverage, OwnCoverage

Loaded = tuple["GovConfig | None", "dict[str, Check]", "str | None"]
_PARSER: list[pytest.Parser] = []
_PROBLEM: pytest.StashKey[str] = pytest.StashKey()
_OWN_COV: pytest.StashKey[OwnCoverage | OuterCoverage] = pytest.StashKey()
_FLAGS = (
    "g6_enforce",
    "g6_update_baselines",
    "g6_accept_regressions",
    "g6_report",
    "g6_sarif",
    "g6_annotations",
)


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from . import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("g6gov", "repository governance (g6gov)")
    group.addoption(
        "--g6-enforce",
        action="store_true",
        default=False,
        help="every g6gov check that is not off fails the run on findings",
    )
    group.addoption(
        "--g6-update-baselines",
        action="store_true",
        default=False,
        help="create or tighten the g6gov baseline files from this run",
    )
    group.addoption(
        "--g6-accept-regressions",
        action="store_true",
        default=False,
        help="with --g6-update-baselines: also record what got worse",
    )
    group.addoption(
        "--g6-report", metavar="PATH", default=None, help="write the g6gov JSON report to PATH"
    )
    group.addoption(
        "--g6-sarif",
        metavar="PATH",
        default=None,
        help="write the g6gov findings to PATH as SARIF 2.1.0 (for code scanning)",
    )
    group.addoption(
        "--g6-annotations",
        action="store_true",
        default=False,
        help="print the g6gov findings as GitHub Actions workflow commands (on by default "
        "when GITHUB_ACTIONS=true; then also a table in $GITHUB_STEP_SUMMARY)",
    )
    _PARSER[:] = [parser]


def _pytest_cov_active(config: pytest.Config) -> bool:
    ns = config.known_args_namespace
    return bool(getattr(ns, "cov_source", None)) and not getattr(ns, "no_cov", False)


def _load(config: pytest.Config) -> Loaded:
    """The ``[tool.g6gov]`` settings (or None), the checks that exist, and a config error
    line (or None). A pyproject.toml that never mentions g6gov is not parsed at all, and
    then no check is looked for."""
    root = config.rootpath
    try:
        if b"g6gov" not in (root / "pyproject.toml").read_bytes():
            return None, {}, None
    except FileNotFoundError:
        return None, {}, None
    except OSError:
        pass  # load_config reports it
    from .config import ConfigError, load_config
    from .registry import RegistryError, assemble, entry_point_checks, hook_checks

    try:
        impls = config.pluginmanager.hook.pytest_g6gov_checks.get_hookimpls()
        known = assemble(
            [
                *entry_point_checks(),
                *hook_checks((impl.plugin_name, impl.function) for impl in impls),
            ]
        )
        return load_config(root, known), known, None
    except (ConfigError, RegistryError) as exc:
        return None, {}, f"g6gov: {exc}"


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    """Start measuring critical modules before conftests and collection import them.

    Measuring starts before the configuration is validated (which imports ``packaging``
    and the checks): the critical modules are read from the raw TOML first, so the
    plugin imports none of them itself before measuring.
    """
    from .early import critical_modules, path_option_problem

    problem = path_option_problem(early_config)
    if problem is not None:
        early_config.stash[_PROBLEM] = problem
        return
    modules = critical_modules(early_config.rootpath)
    if modules and not _pytest_cov_active(early_config):
        from .coverage_measure import OuterCoverage, OwnCoverage, active_measurement

        outer = active_measurement()
        root = early_config.rootpath
        measurement = OuterCoverage(root, modules, outer) if outer else OwnCoverage(root, modules)
        measurement.start()
        early_config.stash[_OWN_COV] = measurement


def pytest_configure(config: pytest.Config) -> None:
    """Validate the configuration once the initial conftests (which may contribute checks
    through ``pytest_g6gov_checks``) are loaded."""
    gov, known, error = (
        (None, {}, config.stash[_PROBLEM]) if _PROBLEM in config.stash else _load(config)
    )
    if error is not None:
        own = config.stash.get(_OWN_COV, None)
        if own is not None:
            own.stop()
        raise pytest.UsageError(error)
    if gov is None:
        given = any(config.getoption(name) for name in _FLAGS)
        if given and not hasattr(config, "workerinput"):
            config.pluginmanager.register(_NoTableNotice(), "g6gov-notice")
        return
    from .session import register

    register(config, gov, known, config.stash.get(_OWN_COV, None), _PARSER[0])


class _NoTableNotice:
    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        terminalreporter.write_line(
            "g6gov: --g6-* option given, but pyproject.toml has no [tool.g6gov] table: "
            "nothing checked"
        )
