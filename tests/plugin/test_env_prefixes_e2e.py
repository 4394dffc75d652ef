"""env_docs with several prefixes (``prefix = ["G6_", "APP_"]``) through real pytest runs:
names, f-string families, doc entries and ``allow`` of every prefix; the scan cache follows
the list (a changed list rescans, a reordered one reuses)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from .helpers import XDIST, governance_lines, make_project, read_report, write

DOC = """\
# Environment

- `G6_HOST` – str – localhost – where to bind
- `APP_MODE` – str – dev – run mode
- `APP_STEP_<N>` – int – 1 – a family of the second prefix
- `G6_STALE` – bool – false – nobody reads this
- `APP_STALE` – bool – false – nobody reads this either
- `APP_MODE` – str – dev – a second entry
- `APP_BROKEN` – only two parts
- `OTHER_THING` – str – x – no configured prefix: prose
"""

APP = """\
import os

HOST = os.environ["G6_HOST"]
MODE = os.environ["APP_MODE"]


def step(n: int) -> str | None:
    return os.environ.get(f"APP_STEP_{n}")


UNDOC_G6 = os.environ["G6_UNDOC"]
UNDOC_APP = os.environ["APP_UNDOC"]
DYNAMIC = os.environ.get(f"APP_DYN_{MODE}")
OTHER = os.environ["OTHER_UNDOC"]
ALLOWED = os.environ["APP_ALLOWED"]
"""

BOTH = [
    ("ENV001", "docs/env_dict.md", 8),
    ("ENV002", "app/main.py", 11),
    ("ENV002", "app/main.py", 12),
    ("ENV002", "app/main.py", 13),
    ("ENV003", "docs/env_dict.md", 6),
    ("ENV003", "docs/env_dict.md", 7),
    ("ENV004", "docs/env_dict.md", 9),
]
# with "G6_" alone, the APP_ bullets are prose and the APP_ literals are nobody's business
G6_ONLY = [
    ("ENV002", "app/main.py", 11),
    ("ENV003", "docs/env_dict.md", 6),
]


def table(prefix: str) -> str:
    return f'[tool.g6gov.env_docs]\nsources = ["app"]\nprefix = {prefix}\nallow = ["APP_ALLOWED"]\n'


def project(pytester: pytest.Pytester, prefix: str, modules: int = 0) -> None:
    make_project(pytester, table(prefix))
    write(pytester.path, "docs/env_dict.md", DOC)
    write(pytester.path, "app/main.py", APP)
    for i in range(modules):  # files with no prefixed literal: cached as "nothing used"
        write(pytester.path, f"app/m{i}.py", f"VALUE = {i}\n")
    pytester.makepyfile(test_ok="def test_ok():\n    pass\n")


def run(pytester: pytest.Pytester, xdist: list[str]) -> tuple[dict[str, Any], list[str]]:
    report = pytester.path / "r.json"
    result = pytester.runpytest(*xdist, f"--g6-report={report}")
    assert result.ret == 0, result.outlines
    env: dict[str, Any] = read_report(report)["checks"]["env_docs"]
    return env, governance_lines(result.outlines)


def found(env: dict[str, Any]) -> list[tuple[str, str, int]]:
    return sorted((f["code"], f["path"], f["line"]) for f in env["findings"])


@pytest.mark.parametrize("xdist", XDIST)
def test_every_prefix_of_the_list_is_checked(pytester: pytest.Pytester, xdist: list[str]) -> None:
    project(pytester, '["G6_", "APP_"]')
    env, lines = run(pytester, xdist)
    assert found(env) == BOTH
    messages = {(f["code"], f["line"]): f["message"] for f in env["findings"]}
    assert "G6_UNDOC is used in code" in messages[("ENV002", 11)]
    assert "APP_UNDOC is used in code" in messages[("ENV002", 12)]
    assert "APP_DYN_{...} is built in code" in messages[("ENV002", 13)]
    assert "expected `- APP_NAME – type" in messages[("ENV004", 9)]
    assert "env_docs (warn): 7 findings (warning only)" in lines
    shown = "\n".join(lines)
    for quiet in ("OTHER_", "APP_ALLOWED", "APP_STEP", "G6_HOST"):
        assert quiet not in shown, quiet


@pytest.mark.slow  # waits out the scan cache's racy window once
@pytest.mark.parametrize("xdist", XDIST)
def test_a_changed_prefix_list_rescans_and_a_reordered_one_reuses(
    pytester: pytest.Pytester, xdist: list[str]
) -> None:
    project(pytester, '"G6_"', modules=5)
    time.sleep(2.1)  # older than the racy window (scan_cache.RACY_NS): the session stores them
    files = 6

    first, _ = run(pytester, xdist)
    assert found(first) == G6_ONLY
    assert first["files"] == {"scanned": files, "reused": 0}
    again, _ = run(pytester, xdist)
    assert again["files"] == {"scanned": 0, "reused": files}

    (pytester.path / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "1.0.0"\n' + table('["G6_", "APP_"]'), "utf-8"
    )
    second, _ = run(pytester, xdist)
    assert found(second) == BOTH
    assert second["files"] == {"scanned": files, "reused": 0}

    (pytester.path / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "1.0.0"\n' + table('["APP_", "G6_"]'), "utf-8"
    )
    third, _ = run(pytester, xdist)
    assert found(third) == BOTH
    assert third["files"] == {"scanned": 0, "reused": files}

    (pytester.path / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "1.0.0"\n' + table('["G6_"]'), "utf-8"
    )
    fourth, _ = run(pytester, xdist)
    assert found(fourth) == G6_ONLY
    assert fourth["files"] == {"scanned": files, "reused": 0}


@pytest.mark.parametrize(
    ("prefix", "says"),
    [
        ("[]", "must not be an empty list"),
        ('["G6_", ""]', "the list holds an empty prefix ''"),
        ('["G6_", "APP_", "G6_"]', "'G6_' is listed more than once"),
        ('["G6_", 1]', "must be a string or a list of strings"),
    ],
)
def test_a_bad_prefix_list_is_one_line_and_exit_4(
    pytester: pytest.Pytester, prefix: str, says: str
) -> None:
    project(pytester, prefix)
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = [line for line in result.stderr.lines if line.strip()]
    assert len(err) == 1, err
    assert "pyproject.toml:6: [tool.g6gov.env_docs] prefix:" in err[0] and says in err[0], err
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
