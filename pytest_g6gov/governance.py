"""One session's governance: run the checks, update baselines, decide the outcome.

Plain logic with no pytest objects; ``plugin.py`` feeds it and prints what it returns.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from .api import Check, Context, Result, SessionData
from .atomic import write_atomic
from .baselines import BaselineUpdate, baseline_path, load_baseline, ratchet, write_baseline
from .config import CheckConfig, GovConfig
from .findings import CheckResult, Finding, InputError, Mode
from .registry import finding_problem, result_problem
from .report import dump_report, report_json
from .scan import FileIndex
from .staging import decide_mode
from .suppress import Suppressor, split

if TYPE_CHECKING:
    from .coverage_figures import Measurement

Measured: TypeAlias = "Measurement | BaseException | None"


@dataclass(frozen=True)
class Flags:
    enforce: bool = False
    update_baselines: bool = False
    accept_regressions: bool = False
    report: Path | None = None
    outputs: tuple[Path, ...] = ()  # other files this run writes (never scanned)


@dataclass
class Outcome:
    results: list[CheckResult]
    updates: list[BaselineUpdate]
    messages: list[str] = field(default_factory=list)
    write_failed: bool = False  # a baseline or the report was asked for and not written

    @property
    def failing(self) -> bool:
        return self.write_failed or any(r.failing for r in self.results)


def crash_finding(check: str, exc: BaseException) -> Finding:
    return Finding("G6G000", f"check {check} failed internally: {type(exc).__name__}: {exc}")


_NEVER_CAUGHT = (KeyboardInterrupt, SystemExit, GeneratorExit)


def run_isolated(
    check: str, fn: Callable[[], list[Finding] | Result], codes: Collection[str] = ()
) -> Result:
    """A check that raises (``pytest.fail``/``skip`` inside it included) or returns
    something malformed becomes one G6G000 finding; it never crashes the session.
    ``codes``: the check's rule codes (empty: not checked)."""
    try:
        raw: object = fn()
    except InputError as exc:
        return Result([exc.finding()])
    except _NEVER_CAUGHT:
        raise
    except BaseException as exc:  # the isolation boundary SPEC requires
        return Result([crash_finding(check, exc)])
    if isinstance(raw, list | tuple) and all(isinstance(f, Finding) for f in raw):
        raw = Result(list(raw))
    if not isinstance(raw, Result):
        problem = f"run() returned {type(raw).__name__}, not findings"
        return Result([crash_finding(check, TypeError(problem))])
    found = result_problem(raw)
    if found is None and codes:
        found = next((p for f in raw.findings if (p := finding_problem(f, codes))), None)
    return raw if found is None else Result([crash_finding(check, TypeError(found))])


def _rel(root: Path, path: Path) -> str | None:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None


class Governance:
    def __init__(
        self,
        gov: GovConfig,
        flags: Flags,
        known: Mapping[str, Check],
        today: date | None = None,
        cache_dir: Callable[[], Path | None] | None = None,
    ) -> None:
        self.gov = gov
        self.known = known
        self._cache_dir = cache_dir
        self.flags = flags
        self.today = today or date.today()
        self._seconds: dict[str, float] = {}
        self._marked: set[str] = set()
        self._where: dict[str, tuple[str | None, int | None]] = {}
        self.files = FileIndex(gov.root)
        self.suppressor = Suppressor(gov.root)

    def mode(self, check: CheckConfig) -> Mode:
        enforce_all = self.flags.enforce or self.gov.enforce
        return decide_mode(check.mode, check.introduced_in, self.gov.release, enforce_all)

    def never_scan(self) -> frozenset[str]:
        paths = {_rel(self.gov.root, self.gov.baseline_dir)}
        for out in (self.flags.report, *self.flags.outputs):
            if out is not None:
                paths.add(_rel(self.gov.root, out))
        return frozenset(p for p in paths if p)

    def add_timing(self, nodeid: str, seconds: float, path: str | None, line: int | None) -> None:
        """Add one phase (setup, call or teardown) of a test's time."""
        self._seconds[nodeid] = self._seconds.get(nodeid, 0.0) + seconds
        if nodeid not in self._where:
            self._where[nodeid] = (path, line)

    def set_marked(self, nodeids: set[str]) -> None:
        """The tests that carry the slow marker (exempt from the threshold)."""
        self._marked = set(nodeids)

    def _baseline(self, check: str) -> tuple[dict[str, float] | None, Finding | None]:
        path = baseline_path(self.gov.baseline_dir, check)
        rel = _rel(self.gov.root, path) or str(path)
        try:
            return load_baseline(path, check, rel, self.known[check].baseline), None
        except InputError as exc:
            return None, exc.finding()

    def run_check(
        self, name: str, config: CheckConfig, session: SessionData | None
    ) -> tuple[CheckResult, BaselineUpdate | None]:
        """One check, isolated: its findings (suppressions applied) and baseline update."""
        check = self.known[name]
        result = CheckResult(name, self.mode(config))
        if result.mode == "off":
            return result, None
        baseline, error = (None, None) if check.baseline is None else self._baseline(name)
        ctx = Context(
            self.gov.root,
            config.options,
            self.gov.release,
            self.today,
            self.never_scan(),
            self.files,
            None if self._cache_dir is None else self._cache_dir(),
            baseline=baseline,
            session=session,
            accept_regressions=self.flags.accept_regressions,
        )
        out = run_isolated(name, lambda: check.run(ctx), check.rules)
        result.extra.update(ctx.stats)
        result.extra.update(out.extra)
        result.notes = list(out.notes)
        result.skipped_reason = out.skipped
        if out.skipped is not None:
            return result, None
        findings = [error] if error is not None else out.findings
        kept, result.suppressed = split(findings, config.ignore, self.suppressor)
        result.findings = sorted(set(kept), key=Finding.sort_key)
        if error is not None or check.baseline is None:
            return result, None
        if out.update is not None:
            return result, out.update
        if out.entries is None:
            return result, None
        update = ratchet(
            name,
            baseline,
            out.entries,
            higher_is_better=check.baseline.higher_is_better,
            accept=self.flags.accept_regressions,
            keep_missing=lambda key: session is not None and session.partial is not None,
        )
        return result, update

    def session_data(self, partial: str | None, measured: Measured, exitstatus: int) -> SessionData:
        return SessionData(
            partial,
            dict(self._seconds),
            exitstatus,
            locations=dict(self._where),
            marked=frozenset(self._marked),
            coverage=measured,
        )

    def finish(
        self, partial: str | None, measured: Measured = None, exitstatus: int = 0
    ) -> Outcome:
        """Every configured check (static ones too) at the end of a test session."""
        return self._run(self.session_data(partial, measured, exitstatus), static_only=False)

    def run_static(self) -> Outcome:
        """The configured checks that need no test run (``g6gov check``)."""
        return self._run(None, static_only=True)

    def _run(self, session: SessionData | None, static_only: bool) -> Outcome:
        results: list[CheckResult] = []
        updates: list[BaselineUpdate] = []
        for name, config in self.gov.checks.items():
            if static_only and not self.known[name].static:
                continue
            result, upd = self.run_check(name, config, None if self.known[name].static else session)
            results.append(result)
            if upd is not None:
                updates.append(upd)
        outcome = Outcome(results, updates)
        if self.flags.update_baselines:
            self._write_baselines(outcome)
        if self.flags.report is not None:
            self._write_report(outcome)
        return outcome

    def _write_baselines(self, outcome: Outcome) -> None:
        """Write what changed; a write that fails is a G6G000 of its check and fails the
        run (and the section does not claim the baseline was created or changed)."""
        written = []
        for upd in outcome.updates:
            if not (upd.created or upd.changed or upd.accepted):
                written.append(upd)
                continue
            path = baseline_path(self.gov.baseline_dir, upd.check)
            try:
                write_baseline(path, upd.check, upd.entries)
            except OSError as exc:
                rel = _rel(self.gov.root, path) or str(path)
                message = (
                    f"cannot write baseline {rel}: {exc.strerror or exc}: make its folder "
                    "writable or set [tool.g6gov] baseline_dir"
                )
                outcome.messages.append(message)
                outcome.write_failed = True
                for result in outcome.results:
                    if result.check == upd.check:
                        result.findings.append(Finding("G6G000", message, rel))
                continue
            written.append(upd)
        outcome.updates[:] = written

    def _write_report(self, outcome: Outcome) -> None:
        assert self.flags.report is not None
        data = report_json(outcome.results, self.gov.release)
        try:
            write_atomic(self.flags.report, dump_report(data))
        except OSError as exc:
            outcome.messages.append(f"cannot write report {self.flags.report}: {exc}")
            outcome.write_failed = True
