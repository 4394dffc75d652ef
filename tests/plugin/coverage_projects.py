"""Tiny projects with real coverage.py configurations, and coverage.py's own figures for them.

Every figure the plugin gives is compared with ``coverage json`` (the numbers of
``coverage report``) for the same suite, measured by coverage.py itself in the same test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from .helpers import read_report

MOD = (
    "def f(x):\n    if x > 0:\n        return 1\n    return 2\n\n\n"
    "def g(y):\n    for i in range(y):\n        if i == 3:\n            return i\n    return -1\n\n\n"
    "def never():\n    return 0\n"
)
UTIL = "VALUE = 1\n\n\ndef h(a):\n    if a:\n        return VALUE\n    return 0\n"
TESTS = (
    "from pkg.mod import f, g\nfrom pkg.util import h\n\n\n"
    "def test_f():\n    assert f(1) == 1\n\n\n"
    "def test_g():\n    assert g(5) == 3\n\n\n"
    "def test_h():\n    assert h(1) == 1\n"
)
SITE = "venv/lib/python3/site-packages"
# pytest-benchmark, where installed, warns under xdist: not what these tests look at.
QUIET = ("-q", "-p", "no:cacheprovider", "-p", "no:benchmark")


def write_package(base: Path) -> None:
    pkg = base / "pkg"
    pkg.mkdir(parents=True, exist_ok=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "mod.py").write_text(MOD)
    (pkg / "util.py").write_text(UTIL)
    (pkg / "never.py").write_text("A = 1\nB = 2\n")


def write_project(root: Path, pyproject: str, *, layout: str = "flat", tests: str = TESTS) -> None:
    """``layout``: ``flat`` (pkg/ at the root), ``src`` (src/pkg/ importable from src), or
    ``installed`` (src/pkg/ plus a copy in a site-packages folder the tests import)."""
    if layout == "flat":
        write_package(root)
    else:
        write_package(root / "src")
    if layout == "installed":
        write_package(root / SITE)
        (root / SITE.split("/")[0] / "pyvenv.cfg").write_text("home = /usr\n")
    path = {"flat": None, "src": "src", "installed": SITE}[layout]
    ini = f'[tool.pytest.ini_options]\npythonpath = ["{path}"]\n' if path else ""
    (root / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "1.0"\n' + ini + pyproject
    )
    tests_dir = root / "tests"
    tests_dir.mkdir(exist_ok=True)
    (tests_dir / "test_pkg.py").write_text(tests)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("COVERAGE_PROCESS_START", "COV_CORE_SOURCE", "COV_CORE_CONFIG", "COVERAGE_RCFILE"):
        env.pop(name, None)
    return env


def run(root: Path, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, *args], cwd=root, capture_output=True, text=True, env=_env()
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def coverage_json(root: Path, *pytest_args: str, plugin: bool = False) -> dict[str, Any]:
    """``coverage run -m pytest`` then ``coverage json``: coverage.py's own figures."""
    for old in root.glob(".coverage*"):
        old.unlink()
    gov = [] if plugin else ["-p", "no:g6gov"]
    run(root, "-m", "coverage", "run", "-m", "pytest", *QUIET, *gov, *pytest_args)
    out = root / "cov.json"
    proc = run(root, "-m", "coverage", "json", "-o", str(out))
    if proc.returncode != 0:
        return {"error": (proc.stdout + proc.stderr).strip(), "files": {}}
    data: dict[str, Any] = json.loads(out.read_text())
    out.unlink()
    return data


def percents(cov: dict[str, Any], root: Path) -> dict[str, float]:
    """Per reported file (rootdir-relative when inside it), percent to one decimal."""
    out = {}
    for name, entry in cov["files"].items():
        path = Path(name) if os.path.isabs(name) else root / name
        try:
            key = path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            key = str(path)
        out[key] = round(entry["summary"]["percent_covered"], 1)
    return out


def plugin_run(
    root: Path, *args: str, prefix: tuple[str, ...] = ()
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    report = root / "g6.json"
    if report.exists():
        report.unlink()
    cmd = [*prefix, "-m", "pytest", *QUIET, f"--g6-report={report}", *args]
    proc = run(root, *cmd)
    if not report.exists():
        raise AssertionError(f"no report:\n{proc.stdout}\n{proc.stderr}")
    return proc, read_report(report)["checks"]["critical_coverage"]
