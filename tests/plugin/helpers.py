"""Throwaway projects for end-to-end plugin tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

# Each end-to-end check runs plain and under xdist; the xdist runs take seconds.
XDIST = [
    pytest.param([], id="plain"),
    pytest.param(["-n", "2"], id="xdist", marks=pytest.mark.slow),
]

SLOW_TEST = """
import time

def test_fast():
    pass

def test_slow():
    time.sleep(0.05)
"""


def make_project(pytester: pytest.Pytester, gov_toml: str, version: str = "1.0.0") -> Path:
    """A project with a pyproject.toml holding ``gov_toml`` (and [project] version)."""
    project = f'[project]\nname = "demo"\nversion = "{version}"\n' if version else ""
    pytester.makefile(".toml", pyproject=project + gov_toml)
    return pytester.path


def read_report(path: Path) -> dict[str, Any]:
    from pytest_g6gov.report import validate_report

    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    validate_report(data)
    return data


def governance_lines(output: list[str]) -> list[str]:
    """The lines of the ``g6 governance`` section (without its title)."""
    start = next((i for i, line in enumerate(output) if " g6 governance " in line), None)
    if start is None:
        return []
    lines = []
    for line in output[start + 1 :]:
        if line.startswith("=") or line.startswith("-"):
            break
        if line.strip():
            lines.append(line)
    return lines


def write(root: Path, rel: str, content: str | bytes) -> Path:
    """Write a file under ``root`` (text as UTF-8), creating its folders."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def one_error_line(result: pytest.RunResult) -> str:
    """The single g6gov line of a usage error (exit 4), with no traceback."""
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str() + result.stderr.str()
    err = result.stderr.str()
    assert "Traceback" not in err + result.stdout.str()
    lines = [line for line in err.splitlines() if "g6gov" in line]
    assert len(lines) == 1, err
    return lines[0]
