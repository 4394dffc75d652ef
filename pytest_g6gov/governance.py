"""One session's governance: run the checks, update baselines, decide the outcome.

Plain logic with no pytest objects; ``plugin.py`` feeds it and prints what it returns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from .atomic import write_atomic
from .baselines import BaselineUpdate, baseline_path, load_baseline, ratchet, write_baseline
from .checks import STATIC_CHECKS, CheckContext, load_static
from .checks import slow_tests as slow
from .config import CheckConfig, GovConfig
from .findings import CheckResult, Finding, InputError, Mode
from .report import dump_report, report_json
from .scan import FileIndex
from .staging import decide_mode

if TYPE_CHECKING:
    from .coverage_figures import Measurement

Measured: TypeAlias = "Measurement | BaseException | None"


@dataclass(frozen=True)
class Flags:
    enforce: bool = False
    update_baselines: bool = False
    accept_regressions: bool = False
    report: Path | None = None


@dataclass
class Outcome:
    results: list[CheckResult]
    updates: list[BaselineUpdate]
    messages: list[str] = field(default_factory=list)
    write_failed: bool = False  # a baseline or the report was asked for and not written

    @property
    def failing(self) -> bool:
        return self.write_failed or any(r.failing for r in self.results)


def cardinality_update(
    baseline: Mapping[str, float] | None,
    counts: Mapping[str, int],
    max_growth_percent: float,
    accept: bool,
) -> BaselineUpdate:
    """Series counts per group only ratchet down; growth within the allowance is not recorded."""
    current: dict[str, float] = {}
    for group, count in counts.items():
        old = None if baseline is None else baseline.get(group)
        within = old is not None and old < count <= old * (1 + max_growth_percent / 100)
        current[group] = old if within and old is not None else float(count)
    return ratchet(
        "metrics_spec",
        baseline,
        current,
        higher_is_better=False,
        accept=accept,
        keep_missing=lambda group: False,
        fmt=lambda v: f"{v:.0f} series",
    )


def crash_finding(check: str, exc: BaseException) -> Finding:
    return Finding("G6G000", f"check {check} failed internally: {type(exc).__name__}: {exc}")


def run_isolated(check: str, fn: Callable[[], list[Finding]]) -> list[Finding]:
    """A check that raises becomes one G6G000 finding; it never crashes the session."""
    try:
        return fn()
    except InputError as exc:
        return [exc.finding()]
    except Exception as exc:  # the isolation boundary SPEC requires
        return [crash_finding(check, exc)]


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
        today: date | None = None,
        cache_dir: Callable[[], Path | None] | None = None,
    ) -> None:
        self.gov = gov
        self._cache_dir = cache_dir
        self.flags = flags
        self.today = today or date.today()
        self._seconds: dict[str, float] = {}
        self._marked: set[str] = set()
        self._where: dict[str, tuple[str | None, int | None]] = {}
        self.files = FileIndex(gov.root)

    def mode(self, check: CheckConfig) -> Mode:
        enforce_all = self.flags.enforce or self.gov.enforce
        return decide_mode(check.mode, check.introduced_in, self.gov.release, enforce_all)

    def never_scan(self) -> frozenset[str]:
        paths = {_rel(self.gov.root, self.gov.baseline_dir)}
        if self.flags.report is not None:
            paths.add(_rel(self.gov.root, self.flags.report))
        return frozenset(p for p in paths if p)

    def add_timing(self, nodeid: str, seconds: float, path: str | None, line: int | None) -> None:
        """Add one phase (setup, call or teardown) of a test's time."""
        self._seconds[nodeid] = self._seconds.get(nodeid, 0.0) + seconds
        if nodeid not in self._where:
            self._where[nodeid] = (path, line)

    def set_marked(self, nodeids: set[str]) -> None:
        """The tests that carry the slow marker (exempt from the threshold)."""
        self._marked = set(nodeids)

    @property
    def timings(self) -> dict[str, slow.Timing]:
        return {
            nodeid: slow.Timing(nodeid, secs, nodeid in self._marked, *self._where[nodeid])
            for nodeid, secs in self._seconds.items()
        }

    def _context(self, check: CheckConfig) -> CheckContext:
        return CheckContext(
            self.gov.root,
            check.options,
            self.gov.release,
            self.today,
            self.never_scan(),
            self.files,
            None if self._cache_dir is None else self._cache_dir(),
        )

    def _static_check(self, name: str, check: CheckConfig) -> CheckResult:
        result = CheckResult(name, self.mode(check))
        if result.mode == "off":
            return result
        ctx = self._context(check)
        result.findings = sorted(
            run_isolated(name, lambda: load_static(name)(ctx)), key=Finding.sort_key
        )
        result.extra.update(ctx.stats)
        return result

    def _baseline(self, check: str) -> tuple[dict[str, float] | None, Finding | None]:
        path = baseline_path(self.gov.baseline_dir, check)
        rel = _rel(self.gov.root, path) or str(path)
        try:
            return load_baseline(path, check, rel), None
        except InputError as exc:
            return None, exc.finding()

    def _slow_tests(
        self, check: CheckConfig, partial: str | None
    ) -> tuple[CheckResult, BaselineUpdate | None]:
        result = CheckResult("slow_tests", self.mode(check))
        if result.mode == "off":
            return result, None
        threshold = float(check.options["threshold_seconds"])
        factor = float(check.options["slowdown_factor"])
        marker = str(check.options["marker"])
        baseline, error = self._baseline("slow_tests")
        timings = self.timings
        result.extra["slowest"] = slow.slowest(timings)
        result.notes = [
            f"slowest: {entry['seconds']:.2f}s {entry['nodeid']}"
            for entry in result.extra["slowest"][:5]
        ]
        if error is not None:
            result.findings = [error]
            return result, None
        result.findings = run_isolated(
            "slow_tests",
            lambda: slow.evaluate(timings, baseline, threshold, factor=factor, marker=marker),
        )
        upd = slow.update(
            timings,
            baseline,
            threshold,
            factor=factor,
            accept=self.flags.accept_regressions,
            partial=partial is not None,
        )
        return result, upd

    def _metrics_spec(self, check: CheckConfig) -> tuple[CheckResult, BaselineUpdate | None]:
        result = CheckResult("metrics_spec", self.mode(check))
        if result.mode == "off":
            return result, None
        baseline, error = self._baseline("metrics_spec")
        if error is not None:
            result.findings = [error]
            return result, None
        ctx = self._context(check)
        counts: dict[str, int] = {}

        def run() -> list[Finding]:
            from .checks import metrics_spec

            out = metrics_spec.run(ctx, baseline)
            counts.update(out.counts)
            return out.findings

        result.findings = sorted(run_isolated("metrics_spec", run), key=Finding.sort_key)
        result.extra["series"] = dict(sorted(counts.items()))
        if not counts:  # nothing measured (the registry could not be read): keep the baseline
            return result, None
        limit = float(check.options["max_growth_percent"])
        return result, cardinality_update(baseline, counts, limit, self.flags.accept_regressions)

    def _critical_coverage(
        self, check: CheckConfig, partial: str | None, measured: Measured
    ) -> tuple[CheckResult, BaselineUpdate | None]:
        result = CheckResult("critical_coverage", self.mode(check))
        if result.mode == "off":
            return result, None
        if partial is not None:
            result.skipped_reason = f"partial run ({partial}): coverage is judged on full runs"
            return result, None
        from .checks import critical_coverage as cc

        if not isinstance(measured, cc.Measurement):
            result.findings = [
                crash_finding(
                    "critical_coverage", measured or RuntimeError("no coverage data was gathered")
                )
            ]
            return result, None
        result.extra["measured"] = {
            k: None if v is None else round(v, 1) for k, v in measured.percents.items()
        }
        baseline, error = self._baseline("critical_coverage")
        if error is not None:
            result.findings = [error]
            return result, None
        minimum = float(check.options["min_percent"])
        floors = check.options.get("floors") or {}
        result.findings = run_isolated(
            "critical_coverage", lambda: cc.evaluate(measured, baseline, minimum, floors)
        )
        return result, cc.update(measured, baseline, self.flags.accept_regressions)

    def finish(self, partial: str | None, measured: Measured = None) -> Outcome:
        results: list[CheckResult] = []
        updates: list[BaselineUpdate] = []
        for name, check in self.gov.checks.items():
            if name in STATIC_CHECKS:
                results.append(self._static_check(name, check))
            elif name == "critical_coverage":
                result, upd = self._critical_coverage(check, partial, measured)
                results.append(result)
                if upd is not None:
                    updates.append(upd)
            elif name == "metrics_spec":
                result, upd = self._metrics_spec(check)
                results.append(result)
                if upd is not None:
                    updates.append(upd)
            elif name == "slow_tests":
                result, upd = self._slow_tests(check, partial)
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
