"""The plugin objects registered for a configured session (imported only then)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .api import Check
    from .coverage_measure import OuterCoverage, OwnCoverage

    Measuring = OwnCoverage | OuterCoverage

from .config import GovConfig
from .governance import Flags, Governance, Measured, Outcome
from .report import SECTION_TITLE, section_lines
from .runinfo import partial_reason


@dataclass(frozen=True)
class Formats:
    """The CI outputs of a session: SARIF file, GitHub annotations, step summary."""

    sarif: Path | None = None
    annotations: bool = False
    step_summary: Path | None = None  # appended to when annotations are on


def _flags(config: pytest.Config) -> tuple[Flags, Formats]:
    """The options, and the only place the plugin reads the environment (GitHub Actions)."""
    report = config.getoption("g6_report")
    sarif = config.getoption("g6_sarif")
    base = config.invocation_params.dir
    in_actions = os.environ.get("GITHUB_ACTIONS") == "true"
    annotations = bool(config.getoption("g6_annotations")) or in_actions
    summary = os.environ.get("GITHUB_STEP_SUMMARY") or None
    formats = Formats(
        sarif=None if sarif is None else base / sarif,
        annotations=annotations,
        step_summary=Path(summary) if summary is not None and annotations else None,
    )
    outputs = tuple(p for p in (formats.sarif, formats.step_summary) if p is not None)
    flags = Flags(
        enforce=bool(config.getoption("g6_enforce")),
        update_baselines=bool(config.getoption("g6_update_baselines")),
        accept_regressions=bool(config.getoption("g6_accept_regressions")),
        report=None if report is None else base / report,
        outputs=outputs,
    )
    return flags, formats


def _any_flag(flags: Flags) -> bool:
    return flags.enforce or flags.update_baselines or flags.accept_regressions or bool(flags.report)


class _MarkedTests:
    """Which collected tests carry the slow marker: worked out once at collection; an xdist
    worker sends its set to the controller at the end of its session."""

    def __init__(self, marker: str) -> None:
        self.marker = marker
        self.marked: set[str] = set()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.marked.update(
            item.nodeid for item in session.items if item.get_closest_marker(self.marker)
        )

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        workeroutput = getattr(session.config, "workeroutput", None)
        if workeroutput is not None:
            workeroutput["g6gov_marked"] = sorted(self.marked)


class _XdistMarked:
    """Merges the workers' marked tests on the controller (registered only with xdist)."""

    def __init__(self, marked: _MarkedTests) -> None:
        self.marked = marked

    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        self.marked.marked.update(getattr(node, "workeroutput", {}).get("g6gov_marked", ()))


class _CoverageStopper:
    """Stops the plugin's own measurement; an xdist worker sends its data to the controller."""

    def __init__(self, own: Measuring) -> None:
        self.own = own

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        # An xdist controller runs no tests: its workers measure, it only merges their data,
        # so tracing its own event loop (and execnet's threads) would be pure cost.
        config = session.config
        if not hasattr(config, "workerinput") and config.pluginmanager.has_plugin("dsession"):
            self.own.stop()

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

    def __init__(self, own: Measuring) -> None:
        self.own = own

    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        blob = getattr(node, "workeroutput", {}).get("g6gov_coverage")
        if blob:
            self.own.merge(blob)


def _measure(config: pytest.Config, gov: GovConfig, own: Measuring | None) -> Measured:
    check = gov.checks.get("critical_coverage")
    if check is None:
        return None
    modules = list(check.options["modules"])
    try:
        if own is not None:
            return own.measure()
        plugin = config.pluginmanager.getplugin("_cov")
        controller = getattr(plugin, "cov_controller", None)
        if controller is not None and getattr(controller, "cov", None) is not None:
            from .coverage_measure import measure_pytest_cov

            return measure_pytest_cov(controller.cov, gov.root, modules)
        return RuntimeError("coverage measurement did not start (is the check off?)")
    except Exception as exc:  # coverage.py failing must not crash the session: G6G000
        return exc


def _cache_dir(config: pytest.Config) -> Path | None:
    """Where the static checks keep per-file results: pytest's cache folder (none when the
    cacheprovider plugin is off, e.g. ``-p no:cacheprovider``)."""
    cache = getattr(config, "cache", None)
    if cache is None:
        return None
    try:
        directory: Path = cache.mkdir("g6gov")
    except OSError:  # a read-only checkout: scan everything, as without a cache
        return None
    return directory


class _Controller:
    """The session's governance on the controller (or the only process without xdist)."""

    def __init__(
        self,
        config: pytest.Config,
        gov: GovConfig,
        known: Mapping[str, Check],
        flags: Flags,
        own: Measuring | None,
        parser: pytest.Parser,
        marked: _MarkedTests | None,
        formats: Formats = Formats(),
    ) -> None:
        self.config = config
        self.known = known
        self.formats = formats
        self.marked = marked
        self.own = own
        self.parser = parser
        self.gov = gov
        self.governance = Governance(gov, flags, known, cache_dir=lambda: _cache_dir(config))
        self.outcome: Outcome | None = None
        self.timed = any(not known[name].static for name in gov.checks)
        self.collection_errors = 0

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not self.timed:
            return
        fspath, lineno, _ = report.location
        self.governance.add_timing(
            report.nodeid,
            report.duration,
            fspath,
            None if lineno is None else lineno + 1,
        )

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """Collection errors (xdist forwards its workers' to the controller)."""
        if report.failed:
            self.collection_errors += 1

    def _partial(self, session: pytest.Session, exitstatus: int) -> str | None:
        option = self.config.option
        for name, flag in (("collectonly", "--co"), ("setupplan", "--setup-plan")):
            if getattr(option, name, False):
                return f"{flag} given: no test ran"
        if getattr(option, "setuponly", False):
            return "--setup-only given: no test ran"
        if self.collection_errors:
            return f"{self.collection_errors} collection error(s): not every test ran"
        cmdline = self.parser.parse_known_args(list(self.config.invocation_params.args))
        stopped = bool(session.shouldfail or session.shouldstop) or exitstatus == 2
        return partial_reason(
            cmdline,
            self.config.invocation_params.dir,
            self.config.rootpath,
            self.config.getini("testpaths"),
            stopped,
        )

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """The outcome, before pytest's ``LogXML`` writes ``--junitxml`` in its own (plain)
        ``pytest_sessionfinish``. Everything measured is in by now: pytest-cov finishes
        in ``pytest_runtestloop``, xdist workers send their data before that loop ends, and
        the plugin's own measurement stops when it is read."""
        measured = _measure(self.config, self.gov, self.own)
        if self.marked is not None:
            self.governance.set_marked(self.marked.marked)
        partial = self._partial(session, exitstatus)
        self.outcome = outcome = self.governance.finish(partial, measured, int(exitstatus))
        self._write_formats(outcome)
        from .junit import feed_junit

        feed_junit(self.config, outcome.results, outcome.messages, outcome.write_failed)
        if outcome.failing and session.exitstatus in (0, 5):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def _write_formats(self, outcome: Outcome) -> None:
        """The SARIF file (a failed write fails the run, like the report) and the step
        summary (a failed append is only a message: it is the CI runner's file)."""
        if self.formats.sarif is not None:
            from . import __version__
            from .registry import all_rules
            from .sarif import config_anchors, rule_checks, sarif_log, write_sarif

            root = self.gov.root
            rules = all_rules(self.known)
            owners = rule_checks(self.known)
            anchors = config_anchors(root)
            log = sarif_log(outcome.results, rules, root, __version__, owners, anchors)
            error = write_sarif(self.formats.sarif, log)
            if error is not None:
                outcome.messages.append(error)
                outcome.write_failed = True
        if self.formats.step_summary is not None:
            from .github import append_summary, summary_markdown

            error = append_summary(self.formats.step_summary, summary_markdown(outcome.results))
            if error is not None:
                outcome.messages.append(error)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.outcome is None:
            return
        terminalreporter.section(SECTION_TITLE)
        updating = self.governance.flags.update_baselines
        for line in section_lines(self.outcome.results, self.outcome.updates, updating):
            terminalreporter.write_line(line, red=" ERROR " in line)
        for message in self.outcome.messages:
            terminalreporter.write_line(f"g6gov: {message}", red=True)
        if self.formats.annotations:
            from .github import annotation_lines

            for line in annotation_lines(self.outcome.results):
                terminalreporter.write_line(line)


def _check_outputs(gov: GovConfig, flags: Flags, formats: Formats) -> None:
    """What this run was asked to write must be writable: known now, a usage error now."""
    from .atomic import unwritable

    if flags.update_baselines:
        why = unwritable(gov.baseline_dir)
        if why is not None:
            raise pytest.UsageError(
                f"g6gov: --g6-update-baselines: the baseline folder {gov.baseline_dir} cannot be "
                f"written ({why}): make it writable or set [tool.g6gov] baseline_dir"
            )
    for option, path in (("--g6-report", flags.report), ("--g6-sarif", formats.sarif)):
        if path is None:
            continue
        why = "it is a folder" if path.is_dir() else unwritable(path.parent)
        if why is not None:
            raise pytest.UsageError(
                f"g6gov: {option} {path}: cannot be written ({why}): give a writable file path"
            )


def register(
    config: pytest.Config,
    gov: GovConfig,
    known: Mapping[str, Check],
    own: Measuring | None,
    parser: pytest.Parser,
) -> None:
    """Register what a session with a ``[tool.g6gov]`` table needs (workers: no controller)."""
    flags, formats = _flags(config)
    if flags.accept_regressions and not flags.update_baselines:
        raise pytest.UsageError(
            "g6gov: --g6-accept-regressions needs --g6-update-baselines (it records regressions "
            "while updating the baselines)"
        )
    if not hasattr(config, "workerinput"):
        _check_outputs(gov, flags, formats)
    slow_cfg = gov.checks.get("slow_tests")
    marked = None
    if slow_cfg is not None:
        marker = str(slow_cfg.options["marker"])
        config.addinivalue_line("markers", f"{marker}: exempt from the g6gov slow_tests threshold")
        marked = _MarkedTests(marker)
        config.pluginmanager.register(marked, "g6gov-slow-marker")
        if config.pluginmanager.hasplugin("xdist"):
            config.pluginmanager.register(_XdistMarked(marked), "g6gov-xdist-marked")
    if own is not None:
        config.pluginmanager.register(_CoverageStopper(own), "g6gov-coverage")
        if config.pluginmanager.hasplugin("xdist"):
            config.pluginmanager.register(_XdistCoverage(own), "g6gov-xdist-coverage")
    if not hasattr(config, "workerinput"):
        controller = _Controller(config, gov, known, flags, own, parser, marked, formats)
        config.pluginmanager.register(controller, "g6gov-controller")
