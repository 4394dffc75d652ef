"""``critical_coverage``: per-module coverage floors for the modules that matter.

Either pytest-cov's combined data is read, or the plugin measures the critical
modules itself with coverage.py (``include`` = just those files, no data file on
disk, data from xdist workers merged in memory). The project's own coverage.py
configuration (branch, exclusions) applies, so the percentages equal what
``coverage report`` says for the same run.
"""

from __future__ import annotations

import base64
import io
import os
import sys
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..baselines import BaselineUpdate, ratchet
from ..findings import Finding

QUIET = ["no-data-collected", "module-not-measured", "module-not-imported", "already-imported"]


@dataclass
class Measurement:
    """Percent per configured module (None: not measured by pytest-cov), with notes."""

    percents: dict[str, float | None]
    notes: dict[str, str] = field(default_factory=dict)


def config_file(root: Path) -> str | bool:
    """The project's coverage.py configuration file, as ``coverage`` would find it in root."""
    rc = root / ".coveragerc"
    if rc.is_file():
        return str(rc)
    for name, marker in (
        ("setup.cfg", "[coverage:"),
        ("tox.ini", "[coverage:"),
        ("pyproject.toml", "[tool.coverage"),
    ):
        path = root / name
        try:
            if marker in path.read_text(encoding="utf-8"):
                return str(path)
        except (OSError, UnicodeDecodeError):
            continue
    return False


class OwnCoverage:
    """Measures only the critical modules, in memory; started before collection."""

    def __init__(self, root: Path, modules: Sequence[str]) -> None:
        import coverage

        self.root = root
        self.modules = list(modules)
        self.paths = [str((root / m).resolve()) for m in self.modules]
        self.cov = coverage.Coverage(
            data_file=None, include=self.paths, config_file=config_file(root), messages=False
        )
        self.cov.set_option("run:disable_warnings", QUIET)
        wanted = {os.path.normcase(p): m for p, m in zip(self.paths, self.modules, strict=True)}
        self.pre_imported = sorted(
            wanted[f]
            for mod in list(sys.modules.values())
            if (f := os.path.normcase(os.path.realpath(getattr(mod, "__file__", None) or "")))
            in wanted
        )
        self.running = False

    def start(self) -> None:
        self.cov.start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.cov.stop()
            self.running = False

    def dump(self) -> str:
        """This process's data, for the xdist controller."""
        self.stop()
        return base64.b64encode(self.cov.get_data().dumps()).decode("ascii")

    def merge(self, blob: str) -> None:
        from coverage import CoverageData

        data = CoverageData(no_disk=True)
        data.loads(base64.b64decode(blob))
        self.cov.get_data().update(data)

    def measure(self) -> Measurement:
        self.stop()
        result = Measurement(
            {m: percent(self.cov, p) for m, p in zip(self.modules, self.paths, strict=True)}
        )
        for module in self.pre_imported:
            result.notes[module] = (
                "imported before measurement started (by pytest or a plugin): its import-time "
                "lines were not measured"
            )
        return result


def percent(cov: Any, path: str) -> float:
    """``coverage report`` percentage of one file; a file never executed is 0 %."""
    from coverage.exceptions import CoverageException

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return float(cov.report(morfs=[path], file=io.StringIO()))
        except CoverageException:  # no data at all for it: never imported
            return 0.0


def _source_paths(source: str, root: Path) -> list[str]:
    """Files or folders a ``--cov`` source names: a path, or a dotted module/package name."""
    if os.path.exists(source):
        return [os.path.abspath(source)]
    rel = source.replace(".", "/")
    out = []
    for base in (root, root / "src"):
        out += [str((base / rel).resolve()) + ".py", str((base / rel).resolve())]
    mod = sys.modules.get(source)
    file = getattr(mod, "__file__", None) if mod else None
    if file:
        is_pkg = hasattr(mod, "__path__")
        out.append(os.path.dirname(os.path.realpath(file)) if is_pkg else os.path.realpath(file))
    return out


def _in_sources(path: str, sources: Sequence[str], measured: set[str], root: Path) -> bool:
    if os.path.normcase(path) in measured:
        return True
    for source in sources:
        for target in _source_paths(source, root):
            if path == target or path.startswith(target.rstrip(os.sep) + os.sep):
                return True
    return False


def measure_pytest_cov(cov: Any, root: Path, modules: Sequence[str]) -> Measurement:
    """Percentages from pytest-cov's combined Coverage object."""
    sources = [str(s) for s in (cov.config.source or [])]
    measured = {os.path.normcase(f) for f in cov.get_data().measured_files()}
    result = Measurement({})
    for module in modules:
        path = str((root / module).resolve())
        if sources and not _in_sources(path, sources, measured, root):
            result.percents[module] = None
            result.notes[module] = "not measured: outside pytest-cov's --cov sources"
        else:
            result.percents[module] = percent(cov, path)
    return result


def evaluate(
    m: Measurement, baseline: Mapping[str, float] | None, min_percent: float
) -> list[Finding]:
    findings = []
    for module, pc in sorted(m.percents.items()):
        note = f" ({m.notes[module]})" if module in m.notes else ""
        if pc is None:
            findings.append(
                Finding("COV001", f"{module} is unmeasured{note}: add it to --cov", module)
            )
            continue
        if pc < min_percent:
            findings.append(
                Finding(
                    "COV001",
                    f"{module} is at {pc:.1f}%, below the floor of {min_percent:.1f}%{note}: "
                    "add tests that exercise it",
                    module,
                )
            )
        before = None if baseline is None else baseline.get(module)
        if before is not None and round(pc, 3) < before:  # the baseline stores 3 decimals
            findings.append(
                Finding(
                    "COV002",
                    f"{module} dropped to {pc:.1f}% from its baseline {before:.1f}%: restore the "
                    "tests, or record it with --g6-update-baselines --g6-accept-regressions",
                    module,
                )
            )
    return findings


def update(m: Measurement, baseline: Mapping[str, float] | None, accept: bool) -> BaselineUpdate:
    current = {k: round(v, 3) for k, v in m.percents.items() if v is not None}
    return ratchet(
        "critical_coverage",
        baseline,
        current,
        higher_is_better=True,
        accept=accept,
        keep_missing=lambda module: False,
        fmt=lambda v: f"{v:.1f}%",
    )
