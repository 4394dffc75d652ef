"""Suppression end to end: ``g6gov: ignore[CODE]`` comments in Python, TOML, YAML and
Markdown on a finding's line, the per-check ``ignore`` key, the counts in the report and
the summary line, enforcing runs, and ``ignore`` config errors."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import XDIST, governance_lines, make_project, read_report, write

# ------------------------------------------------------------------ one project, every file type

TOML = """\
[tool.g6gov.env_docs]
sources = ["app"]

[tool.g6gov.deprecations]
paths = ["app", "docs", "config"]

[tool.g6gov.metrics_spec]
registry = "metrics_registry:build"
prefix = "app_"
spec = "docs/metrics_spec.yaml"
"""

APP = """\
import os

SUPPRESSED = os.environ.get("G6_UNDOC_A")  # g6gov: ignore[ENV002]
OTHER_CODE = os.environ.get("G6_UNDOC_B")  # g6gov: ignore[ENV003]
SEVERAL = os.environ.get("G6_UNDOC_C")  # g6gov: ignore[ENV003, ENV002]
IN_A_STRING = os.environ.get("G6_UNDOC_D", "# g6gov: ignore[ENV002]")
USED = os.environ["G6_USED"]
"""

ENV_DOC = """\
# Environment

- `G6_USED` – str – x – read by the app
- `G6_STALE_A` – bool – false – stale, suppressed <!-- g6gov: ignore[ENV003] -->
- `G6_STALE_B` – bool – false – stale; a hash is no Markdown comment # g6gov: ignore[ENV003]
- `G6_STALE_C` – bool – false – stale; a code span is text `<!-- g6gov: ignore[ENV003] -->`
- `G6_USED` – str – x – a second entry <!-- g6gov: ignore[ENV001] -->
"""

DEPRECATIONS = """\
| Item | Type | Status | Deprecated Since | Planned Removal | Replacement | Notes |
|---|---|---|---|---|---|---|
| `pkg.legacy.old_function` | function | Removed | 0.5.0 | 0.6.0 | `new_function` | gone |
| `old_setting` | config | Removed | 0.5.0 | 0.6.0 | `new_setting` | gone |
| `pkg.due` | module | Active | 0.5.0 | 0.9.0 | - | known <!-- g6gov: ignore[DEP002] --> |
| `pkg.overdue` | module | Active | 0.5.0 | 0.9.0 | - | not suppressed |
| `pkg.odd` | module | Sunset | 0.5.0 | 0.9.0 | - | bad status <!-- g6gov: ignore[DEP003] --> |
"""

FILES = {
    "app/main.py": APP,
    # DEP001 in Python: a comment suppresses; another code, or a marker in a string, does not
    "app/uses_legacy.py": "from pkg.legacy import old_function  # g6gov: ignore[DEP001]\n",
    "app/other_code.py": "from pkg.legacy import old_function  # g6gov: ignore[ENV002]\n",
    "app/string_marker.py": 'NOTE = "pkg.legacy.old_function # g6gov: ignore[DEP001]"\n',
    # DEP001 in Markdown
    "docs/guide.md": "# Guide\n\npkg.legacy.old_function is gone <!-- g6gov: ignore[DEP001] -->\n",
    "docs/fenced.md": "```\npkg.legacy.old_function()  <!-- g6gov: ignore[DEP001] -->\n```\n",
    # DEP001 in TOML: after a # outside strings only
    "config/settings.toml": "[server]\nold_setting = true  # g6gov: ignore[DEP001]\n",
    "config/quoted.toml": '[server]\nold_setting = "# g6gov: ignore[DEP001]"\n',
    "config/multiline.toml": 'text = """\n# g6gov: ignore[DEP001] old_setting\n"""\n',
    "docs/env_dict.md": ENV_DOC,
    "DEPRECATIONS.md": DEPRECATIONS,
    # metrics_spec: MET001 (in the spec, not in the registry) carries the entry's line
    "docs/metrics_spec.yaml": """\
- name: app_gone_total  # g6gov: ignore[MET001]
  type: counter
  labels: []
  group: jobs
  stability: stable
  description: Removed from the registry, on purpose
- name: app_jobs_total
  type: counter
  labels: [queue]
  group: jobs
  stability: stable
  description: Jobs processed
- name: app_missing_total
  type: counter
  labels: []
  group: jobs
  stability: stable
  description: Forgotten # g6gov: ignore[MET001] (on another line than the finding's)
- {name: app_quoted_total, type: counter, labels: [], group: jobs, stability: stable, description: "quoted # g6gov: ignore[MET001]"}
""",
    "metrics_registry.py": """\
from prometheus_client import CollectorRegistry, Counter


def build():
    registry = CollectorRegistry()
    Counter("app_jobs_total", "Jobs processed", ["queue"], registry=registry)
    return registry
""",
}

EXPECTED = {
    "env_docs": (
        [
            ("ENV002", "app/main.py", 4),
            ("ENV002", "app/main.py", 6),
            ("ENV003", "docs/env_dict.md", 5),
            ("ENV003", "docs/env_dict.md", 6),
        ],
        4,  # G6_UNDOC_A, G6_UNDOC_C (ENV002), G6_STALE_A (ENV003), the second G6_USED (ENV001)
    ),
    "deprecations": (
        [
            ("DEP001", "app/other_code.py", 1),
            ("DEP001", "app/string_marker.py", 1),
            ("DEP001", "config/multiline.toml", 2),
            ("DEP001", "config/quoted.toml", 2),
            ("DEP001", "docs/fenced.md", 2),
            ("DEP002", "DEPRECATIONS.md", 6),
        ],
        5,  # uses_legacy.py, guide.md, settings.toml (DEP001), the DEP002 and DEP003 rows
    ),
    "metrics_spec": (
        [("MET001", "docs/metrics_spec.yaml", 13), ("MET001", "docs/metrics_spec.yaml", 19)],
        1,  # app_gone_total
    ),
}


def found(check: dict[str, Any]) -> list[tuple[str, str, int]]:
    return sorted((f["code"], f["path"], f["line"]) for f in check["findings"])


def every_file_type(pytester: pytest.Pytester, toml: str = TOML) -> None:
    make_project(pytester, toml)
    for rel, text in FILES.items():
        write(pytester.path, rel, text)
    pytester.makepyfile(test_ok="def test_ok():\n    pass\n")


@pytest.mark.parametrize("xdist", XDIST)
def test_comments_suppress_their_line_in_each_file_type(
    pytester: pytest.Pytester, xdist: list[str]
) -> None:
    every_file_type(pytester)
    report = pytester.path / "r.json"
    result = pytester.runpytest(*xdist, f"--g6-report={report}")
    assert result.ret == 0, result.outlines
    checks = read_report(report)["checks"]
    for name, (findings, suppressed) in EXPECTED.items():
        assert found(checks[name]) == findings, name
        assert checks[name]["suppressed"] == suppressed, name
    lines = governance_lines(result.outlines)
    assert "env_docs (warn): 4 findings (warning only), 4 suppressed" in lines
    assert "deprecations (warn): 6 findings (warning only), 5 suppressed" in lines
    assert "metrics_spec (warn): 2 findings (warning only), 1 suppressed" in lines
    shown = "\n".join(lines)
    for gone in ("G6_UNDOC_A", "G6_UNDOC_C", "G6_STALE_A", "app_gone_total", "pkg.due", "pkg.odd"):
        assert gone not in shown, gone


def test_a_check_with_nothing_suppressed_reports_zero(pytester: pytest.Pytester) -> None:
    every_file_type(pytester)
    (pytester.path / "docs" / "metrics_spec.yaml").write_text(
        FILES["docs/metrics_spec.yaml"].replace("  # g6gov: ignore[MET001]", ""), "utf-8"
    )
    report = pytester.path / "r.json"
    result = pytester.runpytest(f"--g6-report={report}")
    checks = read_report(report)["checks"]
    assert checks["metrics_spec"]["suppressed"] == 0
    assert len(checks["metrics_spec"]["findings"]) == 3
    assert "metrics_spec (warn): 3 findings (warning only)" in governance_lines(result.outlines)


# ------------------------------------------------------------------ the ignore key

IGNORE_ENV003 = TOML.replace('sources = ["app"]\n', 'sources = ["app"]\nignore = ["ENV003"]\n')


@pytest.mark.parametrize("xdist", XDIST)
def test_the_ignore_key_suppresses_a_code_for_its_check(
    pytester: pytest.Pytester, xdist: list[str]
) -> None:
    every_file_type(pytester, IGNORE_ENV003)
    report = pytester.path / "r.json"
    result = pytester.runpytest(*xdist, f"--g6-report={report}")
    checks = read_report(report)["checks"]
    env = checks["env_docs"]
    assert found(env) == [("ENV002", "app/main.py", 4), ("ENV002", "app/main.py", 6)]
    # the three stale entries (one of them also commented, counted once) join the four
    assert env["suppressed"] == 6
    assert "env_docs (warn): 2 findings (warning only), 6 suppressed" in governance_lines(
        result.outlines
    )
    # ignore is per check: the other checks are as before
    assert checks["deprecations"]["suppressed"] == EXPECTED["deprecations"][1]


# ------------------------------------------------------------------ enforcing runs

ONE_FINDING = 'import os\n\nVALUE = os.environ.get("G6_ONLY")  {comment}\n'


def lone_finding(pytester: pytest.Pytester, comment: str, mode: str = "") -> None:
    make_project(pytester, f'[tool.g6gov.env_docs]\nsources = ["app"]\n{mode}')
    write(pytester.path, "docs/env_dict.md", "# Env\n\nNone yet.\n")
    write(pytester.path, "app/main.py", ONE_FINDING.format(comment=comment))
    pytester.makepyfile(test_ok="def test_ok():\n    pass\n")


@pytest.mark.parametrize("xdist", XDIST)
def test_a_suppressed_finding_never_fails_an_enforcing_run(
    pytester: pytest.Pytester, xdist: list[str]
) -> None:
    lone_finding(pytester, "# g6gov: ignore[ENV002]")
    report = pytester.path / "r.json"
    result = pytester.runpytest(*xdist, "--g6-enforce", f"--g6-report={report}")
    assert result.ret == 0, result.outlines
    assert "env_docs (enforce): ok, 1 suppressed" in governance_lines(result.outlines)
    env = read_report(report)["checks"]["env_docs"]
    assert env["status"] == "ok" and env["findings"] == [] and env["suppressed"] == 1


@pytest.mark.parametrize("xdist", XDIST)
@pytest.mark.parametrize(
    "comment",
    ["", "# g6gov: ignore[ENV003]", "# g6gov: ignore[env002]", "# g6gov ignore[ENV002]"],
    ids=["none", "other-code", "lower-case", "no-colon"],
)
def test_without_a_matching_comment_the_enforcing_run_fails(
    pytester: pytest.Pytester, xdist: list[str], comment: str
) -> None:
    lone_finding(pytester, comment)
    result = pytester.runpytest(*xdist, "--g6-enforce")
    assert result.ret == 1
    lines = governance_lines(result.outlines)
    assert "env_docs (enforce): 1 finding (fails the run)" in lines
    assert any(line.startswith("ENV002 ERROR app/main.py:3:") for line in lines)


def test_mode_enforce_with_ignore_key_exits_0(pytester: pytest.Pytester) -> None:
    lone_finding(pytester, "", mode='mode = "enforce"\nignore = ["ENV002"]\n')
    result = pytester.runpytest()
    assert result.ret == 0
    assert "env_docs (enforce): ok, 1 suppressed" in governance_lines(result.outlines)


# ------------------------------------------------------------------ ignore: config errors


@pytest.mark.parametrize(
    ("ignore", "says"),
    [
        ('["ENV999"]', "'ENV999' is not a rule of this check"),
        ('["ENV002", "DEP001"]', "'DEP001' is not a rule of this check"),
        ('["G6G000"]', "G6G000 cannot be ignored"),
        ('"ENV002"', "must be a list of rule codes"),
    ],
)
def test_ignore_with_an_unknown_code_is_one_line_and_exit_4(
    pytester: pytest.Pytester, ignore: str, says: str
) -> None:
    lone_finding(pytester, "", mode=f"ignore = {ignore}\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = [line for line in result.stderr.lines if line.strip()]
    assert len(err) == 1, err
    assert "pyproject.toml:6: [tool.g6gov.env_docs] ignore:" in err[0], err
    assert says in err[0], err
    if "list" not in says:
        assert "ENV001, ENV002, ENV003, ENV004" in err[0], err
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
