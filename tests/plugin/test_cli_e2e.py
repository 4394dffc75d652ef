"""``g6gov check`` as a real process (console script and ``python -m pytest_g6gov``) on
throwaway projects: exit statuses, options, formats, and the same findings as the plugin."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest

from pytest_g6gov.report import validate_report

from .helpers import XDIST, governance_lines, write
from .sarif_helpers import validate_sarif

ENV_DOC = """# Environment

- `APP_HOST` – str – localhost – where to bind
- `APP_STALE` – bool – false – nobody reads this
"""

APP = """import os

HOST = os.environ.get("APP_HOST")
SECRET = os.environ["APP_SECRET"]
TOKEN = os.environ["APP_TOKEN"]  # g6gov: ignore[ENV002]
"""

TABLE = """# Deprecations

| Item | Type | Status | Deprecated Since | Planned Removal | Replacement | Notes |
|---|---|---|---|---|---|---|
| `oldpkg.helper` | function | Removed | 0.8.0 | 0.9.0 | - | gone |
"""

SPEC = """\
- name: app_jobs_total
  type: counter
  labels: [queue]
  group: jobs
  stability: stable
  description: Jobs processed
"""

REGISTRY = """\
from prometheus_client import CollectorRegistry, Counter, Gauge


def build():
    registry = CollectorRegistry()
    Counter("app_jobs_total", "Jobs processed", ["queue"], registry=registry)
    Gauge("app_undeclared", "not in the spec", registry=registry)
    return registry
"""

ENV = '[tool.g6gov.env_docs]\nprefix = "APP_"\nsources = ["app"]\n'
DEP = "[tool.g6gov.deprecations]\n"
CLEAN = DEP + 'paths = ["docs"]\n'  # nothing there refers to the removed item
ENV_FINDINGS = [("ENV002", "app/main.py", 4), ("ENV003", "docs/env_dict.md", 4)]
DEP_FINDINGS = [("DEP001", "app/legacy.py", 1)]


# Under GitHub Actions (CI) a command must not write into the job's real step summary.
CLEAN_ENV = {
    k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY")
}


def command(kind: str) -> list[str]:
    """The console script as installed beside this interpreter, or ``python -m``."""
    if kind == "module":
        return [sys.executable, "-m", "pytest_g6gov"]
    found = shutil.which("g6gov", path=sysconfig.get_path("scripts")) or shutil.which("g6gov")
    assert found, "the g6gov console script is not installed (pip install -e .)"
    return [found]


def g6gov(
    cwd: Path, *args: str, kind: str = "script", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command(kind), *args],
        cwd=cwd,
        env={**CLEAN_ENV, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def project(root: Path, tables: str, version: str = "1.0.0", registry: str = "") -> Path:
    """A project with env_docs, deprecations and metrics_spec inputs; ``tables`` is what
    follows ``[tool.g6gov]`` in its pyproject.toml."""
    write(root, "pyproject.toml", f'[project]\nname = "demo"\nversion = "{version}"\n\n' + tables)
    write(root, "docs/env_dict.md", ENV_DOC)
    write(root, "app/main.py", APP)
    write(root, "app/legacy.py", "from oldpkg import helper\n")
    write(root, "DEPRECATIONS.md", TABLE)
    write(root, "metrics.yaml", SPEC)
    if registry:
        write(root, f"{registry}.py", REGISTRY)
    return root


def found(report: dict[str, Any], check: str) -> list[tuple[str, str, int]]:
    return [(f["code"], f["path"], f["line"]) for f in report["checks"][check]["findings"]]


def one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 4, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("g6gov: "), proc.stderr
    assert proc.stdout == ""
    return lines[0]


@pytest.mark.parametrize("kind", ["script", "module"])
def test_warnings_only_exit_0_and_list_the_findings(tmp_path: Path, kind: str) -> None:
    project(tmp_path, "[tool.g6gov]\n" + ENV + DEP)
    proc = g6gov(tmp_path, "check", kind=kind)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "ENV002 warning app/main.py:4: APP_SECRET is used in code but has no entry in "
        "docs/env_dict.md: add an entry `- APP_SECRET – type – default – description` to "
        "docs/env_dict.md",
        "ENV003 warning docs/env_dict.md:4: APP_STALE has an entry in docs/env_dict.md but no "
        "code uses it: remove the entry, or add the name to [tool.g6gov.env_docs] allow",
        "DEP001 warning app/legacy.py:1: oldpkg.helper (function) is marked Removed in "
        "DEPRECATIONS.md but it is still referenced here: remove the remaining reference, or "
        "restore the item's status",
        "env_docs (warn): 2 findings (warning only), 1 suppressed",
        "deprecations (warn): 1 finding (warning only)",
    ]


@pytest.mark.parametrize(
    ("tables", "args", "status"),
    [
        pytest.param(CLEAN, ["--enforce"], 0, id="clean"),
        pytest.param(ENV.replace("]\n", ']\nmode = "enforce"\n', 1), [], 1, id="mode-enforce"),
        pytest.param(ENV, ["--enforce"], 1, id="flag-enforce"),
        pytest.param("[tool.g6gov]\nenforce = true\n" + ENV, [], 1, id="table-enforce"),
        pytest.param(ENV + 'introduced_in = "0.9.0"\n', [], 1, id="staged-enforce"),
        pytest.param(ENV + 'introduced_in = "1.0.0"\n', [], 0, id="staged-warn"),
        pytest.param(ENV + 'mode = "off"\n', ["--enforce"], 0, id="off-wins"),
        pytest.param(ENV + 'ignore = ["ENV002", "ENV003"]\n', ["--enforce"], 0, id="ignored"),
    ],
)
def test_exit_status_follows_the_staging(
    tmp_path: Path, tables: str, args: list[str], status: int
) -> None:
    project(tmp_path, tables)
    proc = g6gov(tmp_path, "check", *args)
    assert proc.returncode == status, proc.stdout + proc.stderr
    summary = proc.stdout.splitlines()[-1]
    if tables == CLEAN:
        assert proc.stdout == "deprecations (enforce): ok\n"
    if status == 1:
        assert summary == "env_docs (enforce): 2 findings (fails the run), 1 suppressed"
        assert proc.stdout.startswith("ENV002 ERROR app/main.py:4: ")
    assert "Traceback" not in proc.stderr


def test_ignored_rules_are_counted_as_suppressed(tmp_path: Path) -> None:
    project(tmp_path, ENV + 'ignore = ["ENV003"]\n')
    report = json.loads(g6gov(tmp_path, "check", "--format", "json").stdout)
    assert found(report, "env_docs") == [("ENV002", "app/main.py", 4)]
    assert report["checks"]["env_docs"]["suppressed"] == 2


@pytest.mark.parametrize(
    ("tables", "needle"),
    [
        pytest.param(ENV + "bogus = 1\n", "[tool.g6gov.env_docs] bogus: unknown key", id="key"),
        pytest.param("[tool.g6gov.nope]\n", "unknown check 'nope'", id="check"),
        pytest.param("[tool.g6gov]\nrelease = 'x'\n", "is not a PEP 440 version", id="version"),
        pytest.param("[tool.g6gov\n", "invalid TOML", id="toml"),
    ],
)
def test_configuration_error_is_one_line_and_exit_4(
    tmp_path: Path, tables: str, needle: str
) -> None:
    project(tmp_path, tables)
    assert needle in one_error_line(g6gov(tmp_path, "check"))


def test_only_narrows_and_refuses_unknown_or_run_time_checks(tmp_path: Path) -> None:
    project(tmp_path, ENV + DEP + "[tool.g6gov.slow_tests]\n")
    proc = g6gov(tmp_path, "check", "--only", "deprecations", "--format", "json")
    assert proc.returncode == 0
    assert list(json.loads(proc.stdout)["checks"]) == ["deprecations"]
    line = one_error_line(g6gov(tmp_path, "check", "--only", "deprecations,nope"))
    assert line == (
        "g6gov: --only nope: unknown check (static checks: deprecations, env_docs, metrics_spec)"
    )
    line = one_error_line(g6gov(tmp_path, "check", "--only", "slow_tests"))
    assert "--only slow_tests: a run-time check" in line and "env_docs" in line
    proc = g6gov(tmp_path, "check", "--only", "metrics_spec")
    assert proc.returncode == 0 and proc.stdout == ""
    assert "no [tool.g6gov.metrics_spec] table" in proc.stderr


def test_no_table_and_no_pyproject_say_so_and_exit_0(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[project]\nname = "demo"\nversion = "1.0.0"\n')
    proc = g6gov(tmp_path, "check", "--format", "json")
    assert (proc.returncode, proc.stdout) == (0, "")
    assert proc.stderr.splitlines() == [
        f"g6gov: {tmp_path / 'pyproject.toml'} has no [tool.g6gov] table: nothing checked"
    ]
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = g6gov(tmp_path, "check", "--root", str(empty))
    assert (proc.returncode, proc.stdout) == (0, "")
    assert proc.stderr.splitlines() == [f"g6gov: no pyproject.toml in {empty}: nothing checked"]
    assert "--root" in one_error_line(g6gov(tmp_path, "check", "--root", str(tmp_path / "x")))


def test_root_is_the_nearest_folder_with_a_pyproject(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", "[tool.g6gov.env_docs]\n")  # an outer project
    inner = project(tmp_path / "inner", ENV)
    proc = g6gov(inner / "app", "check", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert found(json.loads(proc.stdout), "env_docs") == ENV_FINDINGS
    proc = g6gov(tmp_path, "check", "--root", "inner", "--format", "json")
    assert found(json.loads(proc.stdout), "env_docs") == ENV_FINDINGS


@pytest.mark.slow  # a pytest session beside the command
@pytest.mark.parametrize("xdist", XDIST)
def test_same_findings_in_every_format_as_the_plugin(
    pytester: pytest.Pytester,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    xdist: list[str],
) -> None:
    """One plugin session (--g6-report, --g6-sarif, --g6-annotations, step summary) and
    ``g6gov check`` in each format over the same project give the same findings."""
    module = f"reg_cli_{len(xdist)}"
    metrics = f'[tool.g6gov.metrics_spec]\nregistry = "{module}:build"\nprefix = "app_"\n'
    metrics += 'spec = "metrics.yaml"\nmode = "enforce"\n'
    project(pytester.path, ENV + DEP + metrics + 'ignore = ["MET004"]\n', registry=module)
    pytester.makepyfile(test_ok="def test_ok():\n    pass\n")
    out = tmp_path_factory.mktemp("outputs")  # outside the project: g6gov would scan them
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(out / "plugin.md"))
    result = pytester.runpytest(
        *xdist,
        "-p",
        "no:benchmark",
        "--g6-annotations",
        *("--g6-report", str(out / "plugin.json"), "--g6-sarif", str(out / "plugin.sarif")),
    )
    assert result.ret == 1
    plugin = json.loads((out / "plugin.json").read_text())

    def cli(fmt: str) -> str:
        summary = {"GITHUB_STEP_SUMMARY": str(out / "cli.md")}
        proc = g6gov(pytester.path, "check", "--format", fmt, env=summary)
        assert proc.returncode == 1, proc.stderr
        return proc.stdout

    report = json.loads(cli("json"))
    validate_report(report)
    assert report["release"] == plugin["release"] == "1.0.0"
    assert list(report["checks"]) == ["env_docs", "deprecations", "metrics_spec"]
    assert list(plugin["checks"]) == list(report["checks"])
    for name, entry in report["checks"].items():
        same = ("mode", "status", "findings", "suppressed")
        assert {k: entry[k] for k in same} == {k: plugin["checks"][name][k] for k in same}
    assert found(report, "env_docs") == ENV_FINDINGS
    assert found(report, "deprecations") == DEP_FINDINGS
    assert [f["code"] for f in report["checks"]["metrics_spec"]["findings"]] == ["MET005"]

    section = governance_lines(result.outlines)
    text = cli("text")
    assert "MET005 ERROR" in text
    assert text.splitlines() == [line for line in section if not line.startswith("::")]

    sarif = json.loads(cli("sarif"))
    validate_sarif(sarif)
    assert sarif == json.loads((out / "plugin.sarif").read_text())
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == [
        "DEP001",
        "ENV002",
        "ENV003",
        "MET005",
    ]

    github = cli("github").splitlines()
    assert github == [line for line in result.outlines if line.startswith("::")]
    assert len(github) == 4 and github[-1].startswith("::error file=metrics.yaml,title=MET005::")
    assert (out / "cli.md").read_text() == (out / "plugin.md").read_text()
    assert "| metrics_spec | enforce | findings | 1 | 0 |" in (out / "cli.md").read_text()


def test_output_is_written_atomically_and_never_scanned(tmp_path: Path) -> None:
    project(tmp_path, DEP)
    for _ in range(2):  # the second run would find oldpkg.helper in the first one's output
        proc = g6gov(tmp_path, "check", "--output", "out/findings.txt")
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    text = (tmp_path / "out" / "findings.txt").read_text()
    assert text.splitlines()[-1] == "deprecations (warn): 1 finding (warning only)"
    assert "oldpkg.helper" in text and "findings.txt" not in text
    assert not [p for p in (tmp_path / "out").iterdir() if p.name != "findings.txt"]


@pytest.mark.parametrize("target", ["folder", "under-a-file"])
def test_unwritable_output_is_exit_4_before_checking(tmp_path: Path, target: str) -> None:
    project(tmp_path, DEP.replace("]\n", ']\nmode = "enforce"\n'))
    path = "app" if target == "folder" else "app/main.py/out.json"
    line = one_error_line(g6gov(tmp_path, "check", "--output", path, "--format", "json"))
    assert line.startswith(f"g6gov: --output {path}: cannot be written (")
    assert not (tmp_path / ".g6gov_cache").exists()  # nothing was checked


def test_scan_cache_folder(tmp_path: Path) -> None:
    """Its own git-ignored folder, or pytest's cache folder when the project has one."""
    project(tmp_path, ENV + DEP)
    g6gov(tmp_path, "check")
    own = tmp_path / ".g6gov_cache"
    assert (own / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (
        (own / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    )
    assert {p.name for p in own.glob("*.json")} == {"env_docs.json", "deprecations.json"}
    other = project(tmp_path / "other", ENV + DEP)
    (other / ".pytest_cache").mkdir()
    g6gov(other, "check", "--no-cache")
    assert not (other / ".g6gov_cache").exists() and not (other / ".pytest_cache" / "d").exists()
    g6gov(other, "check")
    assert not (other / ".g6gov_cache").exists()
    assert (other / ".pytest_cache" / "d" / "g6gov" / "env_docs.json").is_file()


def test_broken_pipe_is_quiet(tmp_path: Path) -> None:
    """More output than a pipe holds, and the reader leaves after one line (``| head -1``)."""
    uses = "".join(f'os.environ["APP_VAR_{i}"]\n' for i in range(3000))
    project(tmp_path, ENV.replace("]\n", ']\nmode = "enforce"\n', 1))
    write(tmp_path, "app/many.py", "import os\n" + uses)
    proc = subprocess.Popen(
        [*command("script"), "check"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 1
    assert first.startswith(b"ENV002 ERROR app/main.py:4: ")
    assert err == ""


def test_help_version_and_no_pytest_at_start_up(tmp_path: Path) -> None:
    proc = g6gov(tmp_path, "check", "--help")
    assert proc.returncode == 0
    for option in ("--root", "--only", "--enforce", "--format", "--output", "--no-cache"):
        block = proc.stdout.split(f"  {option}", 1)[1].split("\n  --", 1)[0]
        assert "(default: " in block, option
    assert "--g6-update-baselines" in proc.stdout  # says that baselines are a session thing
    from pytest_g6gov import __version__

    assert g6gov(tmp_path, "--version").stdout == f"g6gov {__version__}\n"
    assert g6gov(tmp_path).returncode == 4
    assert "--bogus" in one_error_line(g6gov(tmp_path, "check", "--bogus"))
    project(tmp_path, ENV + DEP)
    for args in (["check", "--help"], ["check"]):
        traced = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "pytest_g6gov", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        modules = {line.rsplit("|", 1)[-1].strip() for line in traced.stderr.splitlines()}
        assert "pytest_g6gov.cli" in modules
        assert not {m for m in modules if m.split(".")[0] in ("pytest", "_pytest")}, args


THIRD_PARTY = """
from pytest_g6gov.api import Check, Finding, Key


class Todo(Check):
    name = "todo_notes"
    rules = {"TDO001": "a TODO note in a source file"}
    keys = {"word": Key("str", "TODO")}

    def run(self, ctx):
        word = ctx.options["word"]
        found = []
        for path in sorted(ctx.root.glob("app/*.py")):
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if word in line:
                    found.append(Finding("TDO001", f"{word} left", f"app/{path.name}", number))
        return found


class Timed(Check):
    name = "timed_thing"
    static = False
    rules = {"TIM001": "judged at the end of a test session"}

    def run(self, ctx):
        raise AssertionError("g6gov check must not run a run-time check")


def pytest_g6gov_checks():
    return [Todo(), Timed()]
"""


def test_installed_third_party_checks(tmp_path: Path) -> None:
    """A package's ``g6gov`` entry point: its static check runs with its own keys and staging;
    its run-time check is configured but not run, and refused by --only."""
    site = tmp_path / "site"
    write(site, "todo_check.py", THIRD_PARTY)
    info = "todo_check-1.0.dist-info"
    write(site, f"{info}/METADATA", "Metadata-Version: 2.1\nName: todo-check\nVersion: 1.0\n")
    write(site, f"{info}/entry_points.txt", "[g6gov]\ntodo = todo_check\n")
    root = project(tmp_path / "proj", '[tool.g6gov.todo_notes]\nword = "FIXME"\nmode = "enforce"\n')
    write(
        root, "pyproject.toml", (root / "pyproject.toml").read_text() + "[tool.g6gov.timed_thing]\n"
    )
    write(root, "app/notes.py", "x = 1\n# FIXME: later\n# TODO: fine\n")
    env = {"PYTHONPATH": str(site)}
    proc = g6gov(root, "check", env=env)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.splitlines() == [
        "TDO001 ERROR app/notes.py:2: FIXME left",
        "todo_notes (enforce): 1 finding (fails the run)",
    ]
    line = one_error_line(g6gov(root, "check", "--only", "timed_thing", env=env))
    assert line.startswith("g6gov: --only timed_thing: a run-time check")
    assert "todo_notes" in line
    assert "unknown check 'todo_notes'" in one_error_line(g6gov(root, "check"))  # not installed


def test_unreadable_current_directory_is_one_line(tmp_path: Path) -> None:
    script = 'mkdir gone && cd gone && rmdir ../gone && exec "$0" check'
    proc = subprocess.run(
        ["sh", "-c", script, *command("script")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "the current directory cannot be read" in one_error_line(proc)
    assert "give --root DIR" in proc.stderr
