"""pytest hooks only: options, configuration, and registering the session's plugin objects.

Registered as ``pytest11: g6gov``. With no ``[tool.g6gov]`` table nothing is registered
beyond the options and nothing heavy is imported, so the plugin costs nothing and prints
nothing; the session's objects live in ``session.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .config import GovConfig
    from .coverage_measure import OuterCoverage, OwnCoverage

_PARSER: list[pytest.Parser] = []
_GOV: pytest.StashKey[tuple[GovConfig | None, str | None]] = pytest.StashKey()
_OWN_COV: pytest.StashKey[OwnCoverage | OuterCoverage] = pytest.StashKey()
_FLAGS = ("g6_enforce", "g6_update_baselines", "g6_accept_regressions", "g6_report")


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
    _PARSER[:] = [parser]


def _pytest_cov_active(config: pytest.Config) -> bool:
    ns = config.known_args_namespace
    return bool(getattr(ns, "cov_source", None)) and not getattr(ns, "no_cov", False)


def _load(root: Path) -> tuple[GovConfig | None, str | None]:
    """The ``[tool.g6gov]`` settings (or None) and a config error line (or None).

    A pyproject.toml that never mentions g6gov is not parsed at all.
    """
    try:
        if b"g6gov" not in (root / "pyproject.toml").read_bytes():
            return None, None
    except FileNotFoundError:
        return None, None
    except OSError:
        pass  # load_config reports it
    from .config import ConfigError, load_config

    try:
        return load_config(root), None
    except ConfigError as exc:
        return None, f"g6gov: {exc}"


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
        early_config.stash[_GOV] = (None, problem)
        return
    modules = critical_modules(early_config.rootpath)
    if modules and not _pytest_cov_active(early_config):
        from .coverage_measure import OuterCoverage, OwnCoverage, active_measurement

        outer = active_measurement()
        root = early_config.rootpath
        measurement = OuterCoverage(root, modules, outer) if outer else OwnCoverage(root, modules)
        measurement.start()
        early_config.stash[_OWN_COV] = measurement
    early_config.stash[_GOV] = _load(early_config.rootpath)


def pytest_configure(config: pytest.Config) -> None:
    gov, error = config.stash[_GOV] if _GOV in config.stash else _load(config.rootpath)
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

    register(config, gov, config.stash.get(_OWN_COV, None), _PARSER[0])


class _NoTableNotice:
    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        terminalreporter.write_line(
            "g6gov: --g6-* option given, but pyproject.toml has no [tool.g6gov] table: "
            "nothing checked"
        )
