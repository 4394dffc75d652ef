"""pytest hooks only: options, configuration, reports from workers, the section, exit status.

Registered as ``pytest11: g6gov``. With no ``[tool.g6gov]`` table nothing is registered
beyond the options, so the plugin costs nothing and prints nothing.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import pytest

from .config import ConfigError, GovConfig, load_config
from .governance import Flags, Governance, Measured, Outcome
from .report import SECTION_TITLE, section_lines
from .runinfo import partial_reason

if TYPE_CHECKING:
    from .checks.critical_coverage import OwnCoverage

_PARSER: list[pytest.Parser] = []
_GOV = pytest.StashKey["GovConfig | None"]()
_OWN_COV = pytest.StashKey["OwnCoverage"]()


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


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    """Start measuring critical modules before conftests and collection import them."""
    try:
        gov = load_config(early_config.rootpath)
    except ConfigError:
        return  # reported as a usage error by pytest_configure
    early_config.stash[_GOV] = gov
    check = None if gov is None else gov.checks.get("critical_coverage")
    if gov is None or check is None or check.mode == "off" or _pytest_cov_active(early_config):
        return
    from .checks.critical_coverage import OwnCoverage

    own = OwnCoverage(gov.root, list(check.options["modules"]))
    own.start()
    early_config.stash[_OWN_COV] = own


def _flags(config: pytest.Config) -> Flags:
    report = config.getoption("g6_report")
    return Flags(
        enforce=bool(config.getoption("g6_enforce")),
        update_baselines=bool(config.getoption("g6_update_baselines")),
        accept_regressions=bool(config.getoption("g6_accept_regressions")),
        report=None if report is None else config.invocation_params.dir / report,
    )


def _any_flag(flags: Flags) -> bool:
    return flags.enforce or flags.update_baselines or flags.accept_regressions or bool(flags.report)


def pytest_configure(config: pytest.Config) -> None:
    flags = _flags(config)
    try:
        gov = config.stash[_GOV] if _GOV in config.stash else load_config(config.rootpath)
    except ConfigError as exc:
        raise pytest.UsageError(f"g6gov: {exc}") from None
    worker = hasattr(config, "workerinput")
    if gov is None:
        if _any_flag(flags) and not worker:
            config.pluginmanager.register(_NoTableNotice(), "g6gov-notice")
        return
    if flags.accept_regressions and not flags.update_baselines:
        raise pytest.UsageError(
            "g6gov: --g6-accept-regressions needs --g6-update-baselines (it records regressions "
            "while updating the baselines)"
        )
    slow_cfg = gov.checks.get("slow_tests")
    if slow_cfg is not None:
        marker = str(slow_cfg.options["marker"])
        config.addinivalue_line("markers", f"{marker}: exempt from the g6gov slow_tests threshold")
        config.pluginmanager.register(_MarkerAnnotator(marker), "g6gov-slow-marker")
    own = config.stash.get(_OWN_COV, None)
    if own is not None:
        config.pluginmanager.register(_CoverageStopper(own), "g6gov-coverage")
        if config.pluginmanager.hasplugin("xdist"):
            config.pluginmanager.register(_XdistCoverage(own), "g6gov-xdist-coverage")
    if not worker:
        config.pluginmanager.register(_Controller(config, gov, flags), "g6gov-controller")


class _NoTableNotice:
    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        terminalreporter.write_line(
            "g6gov: --g6-* option given, but pyproject.toml has no [tool.g6gov] table: "
            "nothing checked"
        )


class _MarkerAnnotator:
    """Puts the marker verdict on each report so it crosses from xdist workers."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        report.g6_marked = item.get_closest_marker(self.marker) is not None  # type: ignore[attr-defined]
        return report


class _CoverageStopper:
    """Stops the plugin's own measurement; an xdist worker sends its data to the controller."""

    def __init__(self, own: OwnCoverage) -> None:
        self.own = own

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        workeroutput = getattr(session.config, "workeroutput", None)
        if workeroutput is not None:
            workeroutput["g6gov_coverage"] = self.own.dump()
        else:
            self.own.stop()

    def pytest_unconfigure(self) -> None:
        self.own.stop()


class _XdistCoverage:
    """Merges the workers' coverage data on the controller (registered only with xdist)."""

    def __init__(self, own: OwnCoverage) -> None:
        self.own = own

    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        blob = getattr(node, "workeroutput", {}).get("g6gov_coverage")
        if blob:
            self.own.merge(blob)


def _measure(config: pytest.Config, gov: GovConfig) -> Measured:
    check = gov.checks.get("critical_coverage")
    if check is None:
        return None
    modules = list(check.options["modules"])
    own = config.stash.get(_OWN_COV, None)
    try:
        if own is not None:
            return own.measure()
        plugin = config.pluginmanager.getplugin("_cov")
        controller = getattr(plugin, "cov_controller", None)
        if controller is not None and getattr(controller, "cov", None) is not None:
            from .checks.critical_coverage import measure_pytest_cov

            return measure_pytest_cov(controller.cov, gov.root, modules)
        return RuntimeError("coverage measurement did not start (is the check off?)")
    except Exception as exc:  # coverage.py failing must not crash the session: G6G000
        return exc


class _Controller:
    """The session's governance on the controller (or the only process without xdist)."""

    def __init__(self, config: pytest.Config, gov: GovConfig, flags: Flags) -> None:
        self.config = config
        self.gov = gov
        self.governance = Governance(gov, flags)
        self.outcome: Outcome | None = None
        self.timed = "slow_tests" in gov.checks

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not self.timed:
            return
        fspath, lineno, _ = report.location
        self.governance.add_timing(
            report.nodeid,
            report.duration,
            bool(getattr(report, "g6_marked", False)),
            fspath,
            None if lineno is None else lineno + 1,
        )

    def _partial(self, session: pytest.Session, exitstatus: int) -> str | None:
        cmdline = _PARSER[0].parse_known_args(list(self.config.invocation_params.args))
        stopped = bool(session.shouldfail or session.shouldstop) or exitstatus == 2
        return partial_reason(
            cmdline,
            self.config.invocation_params.dir,
            self.config.rootpath,
            self.config.getini("testpaths"),
            stopped,
        )

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        measured = _measure(self.config, self.gov)
        self.outcome = self.governance.finish(self._partial(session, exitstatus), measured)
        if self.outcome.failing and session.exitstatus in (0, 5):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.outcome is None:
            return
        terminalreporter.section(SECTION_TITLE)
        updating = self.governance.flags.update_baselines
        for line in section_lines(self.outcome.results, self.outcome.updates, updating):
            terminalreporter.write_line(line, red=" ERROR " in line)
        for message in self.outcome.messages:
            terminalreporter.write_line(f"g6gov: {message}", red=True)
