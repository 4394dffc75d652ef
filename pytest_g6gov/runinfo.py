"""Is this run the project's standard run, or a partial one? (SPEC §1 "Partial runs")."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path


def _same_paths(args: Sequence[str], base: Path, expected: Sequence[str], root: Path) -> bool:
    def norm(items: Sequence[str], where: Path) -> set[str]:
        return {os.path.normpath(where / item.split("::", 1)[0]) for item in items}

    if any("::" in a for a in args):
        return False
    wanted = norm(expected, root) if expected else {os.path.normpath(root)}
    return norm(args, base) == wanted


def partial_reason(
    cmdline: argparse.Namespace,
    invocation_dir: Path,
    root: Path,
    testpaths: Sequence[str],
    stopped_early: bool,
) -> str | None:
    """Why the run is partial (None for a standard run).

    ``cmdline`` is the command line alone parsed by pytest's parser: selection in
    the configured ``addopts`` is the standard run and is not looked at here.
    """
    args = [str(a) for a in getattr(cmdline, "file_or_dir", None) or []]
    if args and not _same_paths(args, invocation_dir, testpaths, root):
        return "test paths or node ids narrowed on the command line"
    if getattr(cmdline, "keyword", ""):
        return "-k given"
    if getattr(cmdline, "markexpr", ""):
        return "-m given"
    if getattr(cmdline, "lf", False):
        return "--lf given"
    if getattr(cmdline, "deselect", None):
        return "--deselect given"
    if getattr(cmdline, "ignore", None) or getattr(cmdline, "ignore_glob", None):
        return "--ignore given"
    if getattr(cmdline, "stepwise", False):
        return "--stepwise given"
    if stopped_early:
        return "the session stopped early"
    return None
