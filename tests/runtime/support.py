"""Helpers shared by the runtime tests: the ``g6`` command in a subprocess, clean env."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any G6_ variable, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("G6_")}
    env.update(extra)
    return env


def run_g6(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m g6runtime ARGS`` with a clean environment unless one is given."""
    return subprocess.run(
        [sys.executable, "-m", "g6runtime", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env=clean_env() if env is None else env,
    )
