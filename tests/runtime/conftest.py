"""Fixtures for the runtime tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """In-process runs read the environment and default folders: keep both out of the repo
    (a module opts in with ``pytestmark = pytest.mark.usefixtures("isolated")``)."""
    for name in list(os.environ):
        if name.startswith("G6_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
