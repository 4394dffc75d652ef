"""The checks: plain functions from inputs to findings, no pytest objects inside."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from packaging.version import Version

from ..findings import Finding
from ..scan import FileIndex


@dataclass(frozen=True)
class CheckContext:
    """What a static check gets: the rootdir, its validated options, release and today.

    ``never_scan`` holds rootdir-relative POSIX paths that no check may read as a
    source (the ``--g6-report`` file, the baseline folder). ``cache_dir`` is where a
    check may keep per-file results between sessions (None: no cache); a check may
    put figures in ``stats`` (they go into the report).
    """

    root: Path
    options: Mapping[str, Any]
    release: Version | None
    today: date
    never_scan: frozenset[str] = field(default_factory=frozenset)
    files: FileIndex | None = None
    cache_dir: Path | None = None
    stats: dict[str, Any] = field(default_factory=dict)

    def file_index(self) -> FileIndex:
        """The session's shared file index (a private one when none was given)."""
        return self.files if self.files is not None else FileIndex(self.root)


StaticCheck = Callable[[CheckContext], list[Finding]]


STATIC_CHECKS = frozenset({"env_docs", "deprecations"})


def load_static(name: str) -> StaticCheck:
    """The ``run`` function of a static check, imported only when the check is configured."""
    module = importlib.import_module(f"{__name__}.{name}")
    run: StaticCheck = module.run
    return run
