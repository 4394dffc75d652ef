"""Run the two static checks (env_docs, deprecations) once over a project root; print counts.

  python benchmarks/_run_static.py ROOT [CACHE_DIR]

With CACHE_DIR the checks keep and reuse per-file results there, as a pytest
session does in ``.pytest_cache/d/g6gov``.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from packaging.version import Version

from pytest_g6gov.api import Context
from pytest_g6gov.checks.builtin import Deprecations, EnvDocs
from pytest_g6gov.scan import FileIndex


def run_checks(root: Path, cache_dir: Path | None = None) -> int:
    """Both static checks over root with one shared file index; the number of findings."""
    total = 0
    files = FileIndex(root)  # one walk and one read per file, as in a pytest session
    for check in (EnvDocs(), Deprecations()):
        options = {k: v.default for k, v in check.keys.items()}
        ctx = Context(
            root, options, Version("1.0"), date(2026, 11, 26), files=files, cache_dir=cache_dir
        )
        total += len(check.run(ctx))
    return total


def main(argv: list[str]) -> int:
    cache = Path(argv[2]) if len(argv) > 2 else None
    print(run_checks(Path(argv[1]), cache))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
