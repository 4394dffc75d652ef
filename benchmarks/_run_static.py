"""Run the two static checks (env_docs, deprecations) once over a project root; print counts."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from packaging.version import Version

from pytest_g6gov.checks import CheckContext, load_static
from pytest_g6gov.config import CHECK_KEYS


def main(root: Path) -> int:
    total = 0
    for name in ("env_docs", "deprecations"):
        options = {k: v.default for k, v in CHECK_KEYS[name].items()}
        ctx = CheckContext(root, options, Version("1.0"), date(2026, 11, 26))
        findings = load_static(name)(ctx)
        total += len(findings)
    print(total)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1])))
