"""The critical modules' figures, computed by coverage.py itself from measured data.

Whoever measured (the plugin, pytest-cov, or an outer ``coverage run``), the figures
come from one place: a private, never-started ``Coverage`` object carrying a copy of
the measuring side's configuration (branch, exclusions, ``[paths]``, plugins), fed a
copy of the data, asked for ``report(morfs=[file])``. That is what ``coverage report``
computes, ``[paths]`` remapping included, so the figures agree with it.

Which modules ``coverage report`` would list at all is decided by the same
configuration: ``[run] source``/``source_pkgs``/``source_dirs``/``include``/``omit``
and ``[report] include``/``omit``. A module the project's configuration leaves out is
*unmeasured* (with the reason), never a made-up 0 %.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import importlib.util
import io
import os
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import coverage
from coverage.exceptions import CoverageException, CoverageWarning
from coverage.files import GlobMatcher, PathAliases, TreeMatcher, prep_patterns


@dataclass
class Measurement:
    """Percent per configured module (None: the project's coverage leaves it out), notes."""

    percents: dict[str, float | None]
    notes: dict[str, str] = field(default_factory=dict)
    source: str = "own"


class QuietCoverage(coverage.Coverage):
    """A ``Coverage`` whose warnings are kept, never issued into the user's run."""

    def __init__(self, **kwargs: Any) -> None:
        self.g6_warnings: list[str] = []
        super().__init__(**kwargs)

    def _warn(self, msg: str, slug: str | None = None, once: bool = False) -> None:
        text = f"{msg} ({slug})" if slug else msg
        if text not in self.g6_warnings:
            self.g6_warnings.append(text)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """No coverage.py warning reaches the user's run (``filterwarnings = error`` included)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CoverageWarning)
        yield


def _norm(path: str) -> str:
    return os.path.normcase(os.path.realpath(path))


def aliases_of(config: Any) -> PathAliases:
    """The ``[paths]`` aliases exactly as ``coverage combine``/``report`` build them."""
    aliases = PathAliases(relative=bool(config.relative_files))
    for paths in config.paths.values():
        for pattern in paths[1:]:
            aliases.add(pattern, paths[0])
    return aliases


def _package_dirs(names: Iterable[str]) -> list[str]:
    """Folders (or files) of importable packages or modules, as coverage's source does."""
    out = []
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError, AttributeError):
            continue
        if spec is None:
            continue
        if spec.submodule_search_locations:
            out.extend(spec.submodule_search_locations)
        elif spec.origin:
            out.append(spec.origin)
    return out


def run_exclusion(path: str, config: Any) -> str | None:
    """Why ``coverage run`` with ``config`` would not measure ``path`` (None: it would)."""
    if config.run_omit and GlobMatcher(prep_patterns(config.run_omit)).match(path):
        return "omitted by the project's coverage [run] omit"
    sources = list(config.source or []) + list(getattr(config, "source_dirs", None) or [])
    if sources or config.source_pkgs:
        dirs = [os.path.abspath(s) for s in sources if os.path.isdir(s)]
        names = [s for s in sources if not os.path.isdir(s)] + list(config.source_pkgs or [])
        roots = dirs + _package_dirs(names)
        if not (roots and TreeMatcher(roots).match(path)):
            return "outside the project's coverage [run] source"
        return None
    if config.run_include and not GlobMatcher(prep_patterns(config.run_include)).match(path):
        return "not in the project's coverage [run] include"
    return None


def report_exclusion(path: str, config: Any) -> str | None:
    """Why ``coverage report`` with ``config`` would not list ``path`` (None: it would)."""
    if config.report_include and not GlobMatcher(prep_patterns(config.report_include)).match(path):
        return "not in the project's coverage [report] include"
    if config.report_omit and GlobMatcher(prep_patterns(config.report_omit)).match(path):
        return "omitted by the project's coverage [report] omit"
    return None


def reporter(config: Any) -> QuietCoverage:
    """A never-started Coverage carrying a copy of ``config``, for reporting only."""
    rep = QuietCoverage(data_file=None, config_file=False)
    rep.config = copy.deepcopy(config)
    for option in ("report:include", "report:omit"):
        rep.set_option(option, None)  # listing is decided by report_exclusion
    for option in ("report:skip_covered", "report:skip_empty"):
        rep.set_option(option, False)
    return rep


def percent(rep: coverage.Coverage, morf: str) -> float:
    """``coverage report`` percentage of one file (0 % when the data has nothing for it)."""
    with quiet():
        try:
            return float(rep.report(morfs=[morf], file=io.StringIO()))
        except CoverageException:  # no data at all
            return 0.0


def _ranges(lines: Sequence[int]) -> str:
    out: list[str] = []
    for line in sorted(lines):
        if out and "-" not in out[-1] and int(out[-1]) == line - 1:
            out[-1] = f"{out[-1]}-{line}"
        elif out and "-" in out[-1] and int(out[-1].split("-")[1]) == line - 1:
            out[-1] = f"{out[-1].split('-')[0]}-{line}"
        else:
            out.append(str(line))
    return ", ".join(out)


def import_time_lines(path: str) -> set[int]:
    """The lines of a module's top-level statements (what runs at import)."""
    try:
        tree = ast.parse(Path(path).read_bytes())
    except (OSError, SyntaxError, ValueError):
        return set()
    lines: set[int] = set()
    for node in tree.body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        body = getattr(node, "body", None)
        last = body[0].lineno - 1 if isinstance(body, list) and body else node.end_lineno
        lines.update(range(first, (last or node.lineno) + 1))
    return lines


def _unseen_note(rep: coverage.Coverage, morf: str) -> str:
    with quiet():
        try:
            _, _, _, missing, _ = rep.analysis2(morf)
        except CoverageException:
            missing = []
    unseen = sorted(set(missing) & import_time_lines(morf))
    note = "imported before measurement started (by pytest or a plugin)"
    if unseen:
        return f"{note}: its import-time lines were not measured (lines {_ranges(unseen)})"
    return f"{note}: its import-time lines were not measured"


def figures(
    config: Any,
    data: coverage.CoverageData,
    root: Path,
    modules: Sequence[str],
    *,
    copies: Mapping[str, Sequence[str]] | None = None,
    pre_imported: Iterable[str] = (),
    source: str = "own",
    trust_data: bool = False,
) -> Measurement:
    """Each module's ``coverage report`` figure from ``data`` under ``config``.

    ``copies`` maps a module to other files that are the same module (an installed copy
    in site-packages); ``trust_data``: the data was measured under ``config`` itself
    (pytest-cov, outer run), so a file present in it was measured by the project's rules.
    """
    rep = reporter(config)
    rep.get_data().update(data)
    aliases = aliases_of(config)
    measured = list(data.measured_files())
    mapped = {f: _norm(aliases.map(f)) if config.paths else _norm(f) for f in measured}
    result = Measurement({}, source=source)
    early = set(pre_imported)
    for module in modules:
        path = str((root / module).resolve())
        executed = [f for f in measured if mapped[f] == _norm(path)]
        morf = path
        if not executed:
            others = {_norm(c) for c in (copies or {}).get(module, ())}
            executed = [f for f in measured if _norm(f) in others]
            if executed:
                morf = executed[0]
                result.notes[module] = f"measured as its installed copy {morf}"
        candidates = executed or [path, *(copies or {}).get(module, ())]
        reasons = [
            None if trust_data and executed else run_exclusion(c, config) for c in candidates
        ]
        passing = [c for c, r in zip(candidates, reasons, strict=True) if r is None]
        if passing and not executed:
            morf = passing[0]  # never imported: listed (at 0 %) where the config looks
        reason = report_exclusion(morf, config) if passing else reasons[0]
        if reason is not None:
            result.percents[module] = None
            result.notes[module] = f"not measured: {reason}"
            continue
        result.percents[module] = percent(rep, morf) if executed else 0.0
        if module in early:
            result.notes[module] = _unseen_note(rep, morf)
    return result
