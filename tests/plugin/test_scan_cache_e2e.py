"""The scan cache through real pytest runs: unchanged files are reused, every edit is seen.

Files written less than two seconds before a session are never stored (see
``scan_cache.RACY_NS``), so each test waits that long once after building its project.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from .helpers import XDIST, make_project, read_report

TABLE = """| Item | Type | Status | Deprecated Since | Planned Removal | Replacement | Notes |
|---|---|---|---|---|---|---|
| `pkg.old_helper` | function | Removed | 0.8.0 | 0.9.0 | - | - |
"""
DOC = "# Env\n\n- `APP_MODE` – str – dev – run mode\n"
CLEAN = 'import os\n\nMODE = os.environ.get("APP_MODE")\n\n\ndef helper():\n    return 1\n'


def project(pytester: pytest.Pytester, files: int = 20) -> None:
    make_project(
        pytester,
        "[tool.g6gov.deprecations]\n[tool.g6gov.env_docs]\nprefix = 'APP_'\nsources = ['pkg']\n",
    )
    (pytester.path / "DEPRECATIONS.md").write_text(TABLE, encoding="utf-8")
    pytester.mkdir("docs")
    (pytester.path / "docs" / "env_dict.md").write_text(DOC, encoding="utf-8")
    pytester.mkdir("pkg")
    for i in range(files):
        (pytester.path / "pkg" / f"m{i:02d}.py").write_text(CLEAN, encoding="utf-8")
    pytester.makepyfile(test_ok="def test_ok():\n    pass\n")
    time.sleep(2.1)  # older than the racy window, so the first session may store them


def run(pytester: pytest.Pytester, xdist: list[str], *args: str) -> dict[str, Any]:
    report = pytester.path / "r.json"
    result = pytester.runpytest(*xdist, f"--g6-report={report}", *args)
    assert result.ret == 0, result.outlines
    checks: dict[str, Any] = read_report(report)["checks"]
    return checks


def codes(check: dict[str, Any]) -> list[tuple[str, str, int]]:
    return sorted((f["code"], f["path"], f["line"]) for f in check["findings"])


def rewrite_keeping_size_and_mtime(path: Path, new: str) -> None:
    """An edit that ``ls -l`` cannot tell from no edit: same size, mtime put back."""
    before = path.stat()
    assert len(new.encode()) == before.st_size
    path.write_text(new, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


@pytest.mark.slow
@pytest.mark.parametrize("xdist", XDIST)
def test_a_second_session_reuses_and_an_edit_is_still_found(
    pytester: pytest.Pytester, xdist: list[str]
) -> None:
    project(pytester)
    first = run(pytester, xdist)
    scanned = first["deprecations"]["files"]["scanned"]
    assert scanned >= 20 and first["deprecations"]["files"]["reused"] == 0
    assert first["env_docs"]["files"] == {"scanned": 20, "reused": 0}
    assert first["deprecations"]["status"] == first["env_docs"]["status"] == "ok"

    second = run(pytester, xdist)
    assert second["env_docs"]["files"] == {"scanned": 0, "reused": 20}
    assert second["deprecations"]["files"]["reused"] >= 20
    assert second["deprecations"]["status"] == second["env_docs"]["status"] == "ok"

    # same size, same mtime: only the ctime tells; the removed name and a new variable appear
    edited = CLEAN.replace("def helper():\n    return 1", "from pkg import old_helper")
    edited = edited.replace('"APP_MODE"', '"APP_XYZZ"')
    rewrite_keeping_size_and_mtime(pytester.path / "pkg" / "m07.py", edited)
    third = run(pytester, xdist)
    assert codes(third["deprecations"]) == [("DEP001", "pkg/m07.py", 6)]
    assert codes(third["env_docs"]) == [("ENV002", "pkg/m07.py", 3)]
    assert third["env_docs"]["files"] == {"scanned": 1, "reused": 19}


@pytest.mark.slow
def test_a_new_removed_item_rescans_unchanged_files(pytester: pytest.Pytester) -> None:
    project(pytester, files=5)
    assert run(pytester, [])["deprecations"]["status"] == "ok"
    table = pytester.path / "DEPRECATIONS.md"
    table.write_text(
        TABLE + "| `os.environ.get` | function | Removed | 0.8.0 | 0.9.0 | - | - |\n",
        encoding="utf-8",
    )
    after = run(pytester, [])["deprecations"]
    assert after["files"]["reused"] == 0
    assert [c for c in codes(after) if c[1].startswith("pkg/")] == [
        ("DEP001", f"pkg/m{i:02d}.py", 3) for i in range(5)
    ]


@pytest.mark.slow
def test_without_the_cacheprovider_every_file_is_scanned(pytester: pytest.Pytester) -> None:
    project(pytester, files=5)
    run(pytester, [])
    again = run(pytester, [], "-p", "no:cacheprovider")
    assert again["env_docs"]["files"] == {"scanned": 5, "reused": 0}


@pytest.mark.slow
def test_a_corrupt_cache_is_ignored(pytester: pytest.Pytester) -> None:
    project(pytester, files=3)
    run(pytester, [])
    for stored in (pytester.path / ".pytest_cache" / "d" / "g6gov").glob("*.json"):
        stored.write_bytes(b'{"format": 1, "files": [')
    again = run(pytester, [])
    assert again["env_docs"]["files"] == {"scanned": 3, "reused": 0}
    assert again["env_docs"]["status"] == again["deprecations"]["status"] == "ok"
