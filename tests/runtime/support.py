"""Helpers shared by the runtime tests: the ``g6`` command in a subprocess, clean env."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

# SPEC §2, written out here (not imported from the sink) so the tests pin the contract.
OPTION_HEADER = (
    "timestamp,index,expiry_tag,expiry_date,offset,index_price,atm,strike,ce,pe,tp,"
    "ce_vol,pe_vol,ce_oi,pe_oi,ce_iv,pe_iv,ce_delta,pe_delta,ce_gamma,pe_gamma,"
    "ce_theta,pe_theta,ce_vega,pe_vega,ce_rho,pe_rho"
)
OVERVIEW_HEADER = (
    "timestamp,index,index_price,atm,pcr_this_week,pcr_next_week,pcr_this_month,"
    "pcr_next_month,expiries_expected,expiries_collected,expected_mask,collected_mask,"
    "missing_mask"
)


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


def require_tool(name: str, tests: str, package: str) -> str:
    """The path of the program ``name``; skip when it is absent, except under CI
    (``CI=true``), where a missing tool fails: CI must run ``tests``."""
    found = shutil.which(name)
    if found is not None:
        return found
    if os.environ.get("CI") == "true":
        import pytest

        pytest.fail(
            f"{name} is not on PATH but CI=true: CI must run the {tests}"
            f" (.ci/run installs Debian's {package} package)",
            pytrace=False,
        )
    import pytest

    pytest.skip(f"{name} is not on PATH: install Debian's {package} package")


def wait_started(
    process: subprocess.Popen[bytes],
    ready: Callable[[], bool],
    *,
    what: str,
    timeout: float,
    log_tail: Callable[[], str],
    kill: Callable[[], None],
    error: type[Exception],
    every: float = 0.05,
) -> None:
    """Poll ``ready()`` until it is true; ``error`` (with the log's tail) when the server
    process exits first, or (after ``kill()``) when ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise error(
                f"{what}: the process exited with status {process.returncode} while starting;"
                f" log tail:\n{log_tail()}"
            )
        if ready():
            return
        time.sleep(every)
    kill()
    raise error(f"{what}: not ready within {timeout:.0f} s; log tail:\n{log_tail()}")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (for a test server's listen address)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
