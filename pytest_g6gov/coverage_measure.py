"""Getting coverage data for the critical modules: the plugin's own measurement, or a
measurement that is already running (an outer ``coverage run``, a subprocess patch).

Imported at ``pytest_load_initial_conftests`` before the plugin's configuration is
validated, so it imports nothing but the standard library and coverage.py: a project
may list any module as critical, even one the plugin itself depends on.

* **Own**: a quiet ``Coverage`` (no data file, warnings kept, not issued) with the
  project's configuration, narrowed to the critical files: ``include`` becomes their
  paths, plus the places ``[paths]`` says the same files live (``*/site-packages/…``)
  and any installed copy of the same module; ``source``/``source_pkgs``/``omit`` are
  cleared for measuring (the project's own rules still decide what is listed, see
  ``coverage_figures``). On Python 3.12+ the ``sys.monitoring`` core is used when it
  can measure what the project asks for.
* **Outer**: ``coverage.Coverage.current()`` is a running measurement started before
  pytest: the plugin starts none; at the end it copies that measurement's data
  (``get_data()`` flushes it, as its own save would) and never stops, erases or
  changes it.
"""

from __future__ import annotations

import base64
import copy
import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import coverage
import coverage.exceptions

from .coverage_figures import Measurement, QuietCoverage, aliases_of, figures, quiet

QUIET = [
    "already-imported",
    "couldnt-parse",
    "module-not-imported",
    "module-not-measured",
    "module-not-python",
    "no-ctracer",
    "no-data-collected",
    "no-sysmon",
    "include-ignored",
]
# What only applies to running code, or starts measuring in other processes.
_NOT_FOR_OWN: dict[str, list[str] | None] = {
    "run:dynamic_context": None,
    "run:patch": [],
    "run:context": None,
}


def project_config_file(root: Path) -> str | bool:
    """The coverage configuration file ``coverage`` run in ``root`` would read."""
    rcfile = os.environ.get("COVERAGE_RCFILE")
    if rcfile:
        return rcfile
    if (root / ".coveragerc").is_file():
        return str(root / ".coveragerc")
    for name, marker in (
        ("setup.cfg", "[coverage:"),
        ("tox.ini", "[coverage:"),
        ("pyproject.toml", "[tool.coverage"),
    ):
        try:
            if marker in (root / name).read_text(encoding="utf-8"):
                return str(root / name)
        except (OSError, UnicodeDecodeError):
            continue
    return False


def module_names(root: Path, module: str) -> list[str]:
    """The dotted name a rootdir-relative module path is imported as: from the topmost
    package folder (one with ``__init__.py``) down. A module outside any package has no
    name here: a bare top-level name is too ambiguous to look for copies of."""
    folders = list(Path(module).parent.parts)
    top = len(folders)
    while top > 0 and (root.joinpath(*folders[:top]) / "__init__.py").is_file():
        top -= 1
    names = folders[top:]
    if Path(module).name != "__init__.py":
        names.append(Path(module).stem)
    if not names or not all(p.isidentifier() for p in names) or top == len(folders):
        return []
    return [".".join(names)]


def installed_copies(root: Path, module: str) -> list[str]:
    """Other files that are the same module: e.g. ``src/pkg/m.py`` installed in
    site-packages. Only top-level packages are looked up, which imports nothing."""
    own = os.path.realpath(root / module)
    is_init = Path(module).name == "__init__.py"
    out = []
    for name in module_names(root, module):
        top, _, rest = name.partition(".")
        try:
            spec = importlib.util.find_spec(top)
        except (ImportError, ValueError):
            continue
        if spec is None:
            continue
        if not rest and not is_init:  # a top-level module: its own file
            candidates = [spec.origin] if spec.origin else []
        else:
            tail = rest.replace(".", os.sep)
            bases = [
                os.path.join(loc, tail) if tail else loc
                for loc in spec.submodule_search_locations or []
            ]
            candidates = [os.path.join(b, "__init__.py") if is_init else b + ".py" for b in bases]
        for candidate in candidates:
            if os.path.isfile(candidate) and os.path.realpath(candidate) != own:
                out.append(os.path.abspath(candidate))
    return sorted(set(out))


def include_patterns(root: Path, modules: Sequence[str], config: Any) -> dict[str, list[str]]:
    """Per module: every file pattern under which the same file may execute."""
    out: dict[str, list[str]] = {}
    for module in modules:
        path = str((root / module).resolve())
        pats = [path, *installed_copies(root, module)]
        for paths in config.paths.values():
            result = os.path.abspath(paths[0])
            if not path.startswith(result.rstrip(os.sep) + os.sep):
                continue
            rest = path[len(result.rstrip(os.sep)) + 1 :]
            for pattern in paths[1:]:
                pat = pattern.rstrip("/\\")
                if not pat.startswith(("*", "?")):
                    pat = os.path.abspath(pat)
                pats.append(f"{pat}/{rest}")
        out[module] = pats
    return out


def _sysmon_usable(config: Any) -> bool:
    if sys.version_info < (3, 12) or sys.implementation.name != "cpython":
        return False
    if config.branch and sys.version_info < (3, 14):
        return False  # sys.monitoring measures branches from 3.14 on
    return not (set(config.concurrency or []) & {"greenlet", "eventlet", "gevent"})


class OwnCoverage:
    """The plugin's own in-memory measurement of the critical modules."""

    source = "own"

    def __init__(self, root: Path, modules: Sequence[str]) -> None:
        self.root = root
        self.modules = list(modules)
        self.cov = QuietCoverage(data_file=None, config_file=project_config_file(root))
        self.project = copy.deepcopy(self.cov.config)  # the project's view, for reporting
        self.patterns = include_patterns(root, self.modules, self.project)
        self.cov.set_option("run:source", None)
        self.cov.set_option("run:source_pkgs", [])
        if hasattr(self.cov.config, "source_dirs"):
            self.cov.set_option("run:source_dirs", [])
        self.cov.set_option("run:omit", None)
        self.cov.set_option("run:include", sorted({p for v in self.patterns.values() for p in v}))
        self.cov.set_option("run:disable_warnings", QUIET)
        concurrency = [c for c in self.project.concurrency or [] if c != "multiprocessing"]
        self.cov.set_option("run:concurrency", concurrency)
        for option, value in _NOT_FOR_OWN.items():
            try:
                self.cov.set_option(option, value)
            except coverage.exceptions.ConfigError:  # an option this coverage lacks
                continue
        if self.project.core is None and _sysmon_usable(self.project):
            self.cov.set_option("run:core", "sysmon")
        self.pre_imported = self._imported_already()
        self.running = False
        self.failure: BaseException | None = None

    def _imported_already(self) -> list[str]:
        from coverage.files import GlobMatcher

        found = []
        files = [
            os.path.abspath(f)
            for mod in list(sys.modules.values())
            if isinstance(f := getattr(mod, "__file__", None), str)
        ]
        for module, pats in self.patterns.items():
            matcher = GlobMatcher(pats)
            if any(matcher.match(f) for f in files):
                found.append(module)
        return sorted(found)

    def start(self) -> None:
        """Start measuring; a coverage.py failure is kept for the check (one G6G000)."""
        try:
            with quiet():
                self.cov.start()
        except Exception as exc:  # coverage.py rejecting the project's config: reported later
            self.failure = exc
            return
        self.running = True

    def stop(self) -> None:
        if self.running:
            with quiet():
                self.cov.stop()
            self.running = False

    def data(self) -> coverage.CoverageData:
        self.stop()
        with quiet():
            return self.cov.get_data()

    def dump(self) -> str:
        """This process's data, for the xdist controller."""
        return base64.b64encode(self.data().dumps()).decode("ascii")

    def merge(self, blob: str) -> None:
        other = coverage.CoverageData(no_disk=True)
        other.loads(base64.b64decode(blob))
        self.data().update(other)

    def measure(self) -> Measurement:
        if self.failure is not None:
            raise self.failure
        result = figures(
            self.project,
            self.data(),
            self.root,
            self.modules,
            copies={m: p[1:] for m, p in self.patterns.items()},
            pre_imported=self.pre_imported,
        )
        warned = [w for w in self.cov.g6_warnings if "no-sysmon" not in w]
        for module in self.modules:
            if warned and module not in result.notes and result.percents.get(module) == 0.0:
                result.notes[module] = "coverage said: " + "; ".join(warned)
        return result


class OuterCoverage:
    """A measurement that was running before pytest started: read, never changed."""

    source = "outer"

    def __init__(self, root: Path, modules: Sequence[str], outer: coverage.Coverage) -> None:
        self.root = root
        self.modules = list(modules)
        self.outer = outer
        self.extra = coverage.CoverageData(no_disk=True)

    def _copy(self) -> coverage.CoverageData:
        with quiet():
            out = coverage.CoverageData(no_disk=True)
            out.update(self.outer.get_data())
        return out

    def start(self) -> None:
        """Nothing to start: the outer measurement is already running."""

    def stop(self) -> None:
        """Nothing to stop: the outer measurement belongs to whoever started it."""

    def dump(self) -> str:
        return base64.b64encode(self._copy().dumps()).decode("ascii")

    def merge(self, blob: str) -> None:
        other = coverage.CoverageData(no_disk=True)
        other.loads(base64.b64decode(blob))
        self.extra.update(other)

    def measure(self) -> Measurement:
        data = self._copy()
        data.update(self.extra)
        copies = {m: installed_copies(self.root, m) for m in self.modules}
        return figures(
            self.outer.config,
            data,
            self.root,
            self.modules,
            copies=copies,
            source="outer",
            trust_data=True,
        )


def measure_pytest_cov(cov: coverage.Coverage, root: Path, modules: Sequence[str]) -> Measurement:
    """Figures from pytest-cov's combined data (read after it combined and reported)."""
    with quiet():
        data = cov.get_data()
    copies = {m: installed_copies(root, m) for m in modules}
    return figures(
        cov.config, data, root, modules, copies=copies, source="pytest-cov", trust_data=True
    )


def active_measurement() -> coverage.Coverage | None:
    """A coverage measurement already running in this process (outer ``coverage run``)."""
    current = coverage.Coverage.current()
    return current if current is not None and not isinstance(current, QuietCoverage) else None


__all__ = [
    "Measurement",
    "OuterCoverage",
    "OwnCoverage",
    "active_measurement",
    "aliases_of",
    "measure_pytest_cov",
    "project_config_file",
]
