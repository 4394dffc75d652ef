"""A third-party check package, really installed: examples/g6gov-example built into a wheel
by pip and installed into a folder that the pytest sessions get on PYTHONPATH (its
dist-info carries the ``g6gov`` and ``pytest11`` entry points)."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import XDIST, governance_lines, make_project, one_error_line, read_report, write

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "g6gov-example"

GOV = """
[tool.g6gov.todo_markers]
{todo}
[tool.g6gov.test_count]
{count}
"""
MODULE = "def f():\n    # TODO(alice): no issue\n    # TODO(#7): fine\n    return 1\n"
TESTS = "def test_a():\n    pass\n\n\ndef test_b():\n    pass\n\n\ndef test_c():\n    pass\n"
QUIET = ("-p", "no:cacheprovider", "-p", "no:benchmark", "-p", "no:randomly")


@pytest.fixture(scope="session")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example package installed with pip (once per session, from a copy, so the
    build leaves nothing in the checkout)."""
    if importlib.util.find_spec("setuptools") is None:
        pytest.fail("building the example package needs setuptools (the test extra has it)")
    own = importlib.util.find_spec("setuptools.command.bdist_wheel") is not None  # >= 70.1
    if not own and importlib.util.find_spec("wheel") is None:
        pytest.fail("building the example package needs setuptools>=70.1, or wheel installed")
    base = tmp_path_factory.mktemp("example")
    source = base / "src"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    site = base / "site"
    command = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation"]
    proc = subprocess.run(
        [*command, "--quiet", "--target", str(site), str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (info,) = site.glob("g6gov_example-*.dist-info")
    assert (info / "WHEEL").is_file()  # built as a wheel, not copied
    entry_points = (info / "entry_points.txt").read_text()
    assert "[g6gov]\nexample = g6gov_example.plugin" in entry_points
    assert "[pytest11]\ng6gov_example = g6gov_example.plugin" in entry_points
    return site


@pytest.fixture
def installed(example_site: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PYTHONPATH", str(example_site))
    return example_site


def project(
    pytester: pytest.Pytester, todo: str = "", count: str = "", version: str = "1.0.0"
) -> Path:
    """A project whose todo_markers scans src/ (unless ``todo`` sets paths)."""
    todo = todo if "paths" in todo else f'paths = ["src"]\n{todo}'
    root = make_project(pytester, GOV.format(todo=todo, count=count), version=version)
    write(root, "src/mod.py", MODULE)
    write(root, "test_x.py", TESTS)
    return root


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(*QUIET, *args)


def baseline(root: Path) -> object:
    return json.loads((root / "baselines" / "test_count.json").read_text())["entries"]


@pytest.mark.slow
@pytest.mark.parametrize("xdist", XDIST)
def test_findings_in_section_and_report(
    pytester: pytest.Pytester, installed: Path, xdist: list[str]
) -> None:
    root = project(pytester)
    report = root / "r.json"
    result = run(pytester, *xdist, f"--g6-report={report}")
    assert result.ret == 0
    lines = governance_lines(result.outlines)
    assert "TODO001 warning src/mod.py:2: TODO(alice) names no issue: write e.g. TODO(#123)" in (
        lines
    )
    assert "todo_markers (warn): 1 finding (warning only)" in lines
    assert "test_count (warn): ok" in lines
    assert "  3 tests ran" in lines
    checks = read_report(report)["checks"]
    assert [(f["code"], f["path"], f["line"]) for f in checks["todo_markers"]["findings"]] == [
        ("TODO001", "src/mod.py", 2)
    ]
    assert checks["todo_markers"]["files"] == 1
    assert checks["test_count"]["tests"] == 3 and checks["test_count"]["status"] == "ok"


@pytest.mark.slow
def test_loaded_as_pytest_plugin_and_entry_point_counts_once(
    pytester: pytest.Pytester, installed: Path
) -> None:
    """The package is a pytest11 plugin (pytest lists it) and a g6gov entry point: the
    same check classes from both are one check each, not 'provided twice'."""
    project(pytester)
    result = run(pytester, "--co")
    assert result.ret == 0, result.stderr.str()
    assert "g6gov-example-0.1.0" in result.stdout.str()  # the "plugins:" header line
    assert "provided twice" not in result.stderr.str()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("todo", "expected"),
    [
        ("max_per_files = 3", "unknown key (known keys: ignore, introduced_in, max_per_file, "),
        ('max_per_file = "3"', "[tool.g6gov.todo_markers] max_per_file: must be a number"),
        ("max_per_file = 0", "must be a whole number of at least 1, got 0"),
        ("max_per_file = 2.5", "must be a whole number of at least 1, got 2.5"),
        ('paths = "src"', "paths: must be a list of strings, got str 'src'"),
    ],
)
def test_own_keys_validated(
    pytester: pytest.Pytester, installed: Path, todo: str, expected: str
) -> None:
    project(pytester, todo=todo)
    line = one_error_line(run(pytester))
    assert expected in line
    assert "pyproject.toml:" in line  # the file and line of the key


@pytest.mark.slow
@pytest.mark.parametrize(
    ("todo", "version", "args", "mode", "ret"),
    [
        ("", "1.0.0", [], "warn", 0),
        ("", "1.0.0", ["--g6-enforce"], "enforce", 1),
        ('mode = "enforce"', "1.0.0", [], "enforce", 1),
        ('mode = "off"', "1.0.0", ["--g6-enforce"], "off", 0),
        ('introduced_in = "1.0.0"', "1.0.0", [], "warn", 0),
        ('introduced_in = "1.0.0"', "1.1.0", [], "enforce", 1),
    ],
)
def test_staging(
    pytester: pytest.Pytester,
    installed: Path,
    todo: str,
    version: str,
    args: list[str],
    mode: str,
    ret: int,
) -> None:
    report = project(pytester, todo=todo, version=version) / "r.json"
    result = run(pytester, *args, f"--g6-report={report}")
    assert result.ret == ret
    check = read_report(report)["checks"]["todo_markers"]
    assert check["mode"] == mode
    if mode == "enforce":
        assert "TODO001 ERROR src/mod.py:2: " in result.stdout.str()
        assert "todo_markers (enforce): 1 finding (fails the run)" in result.stdout.str()
    assert check["status"] == ("skipped" if mode == "off" else "findings")


@pytest.mark.slow
@pytest.mark.parametrize("xdist", XDIST)
def test_baseline_created_ratchets_and_refuses_regressions(
    pytester: pytest.Pytester, installed: Path, xdist: list[str]
) -> None:
    root = project(pytester)
    result = run(pytester, *xdist, "--g6-update-baselines")
    assert "baseline test_count.json: created with 1 entry" in result.stdout.str()
    assert baseline(root) == {"tests": 3}
    write(root, "test_y.py", "def test_d():\n    pass\n")
    result = run(pytester, *xdist, "--g6-update-baselines")
    assert "baseline test_count.json: tightened tests: 3 -> 4" in result.stdout.str()
    assert baseline(root) == {"tests": 4}
    (root / "test_y.py").unlink()
    (root / "test_x.py").write_text("def test_a():\n    pass\n")
    result = run(pytester, *xdist, "--g6-update-baselines", "--g6-enforce")
    out = result.stdout.str()
    assert "TCNT001 ERROR 1 tests ran, the baseline records 4: " in out
    assert "baseline test_count.json: refused regression tests: 4 -> 1" in out
    assert result.ret == 1
    assert baseline(root) == {"tests": 4}
    result = run(pytester, *xdist, "--g6-update-baselines", "--g6-accept-regressions")
    assert "baseline test_count.json: accepted regression tests: 4 -> 1" in result.stdout.str()
    assert result.ret == 0  # warn mode
    assert baseline(root) == {"tests": 1}
    result = run(pytester, *xdist)
    assert "test_count (warn): ok" in result.stdout.str()


@pytest.mark.slow
@pytest.mark.parametrize(
    "entries",
    [{"count": 3}, {"tests": 2.5}, {}],
    ids=["unknown-key", "not-integer", "missing-key"],
)
def test_baseline_breaking_the_checks_schema_is_g6g000(
    pytester: pytest.Pytester, installed: Path, entries: dict[str, float]
) -> None:
    root = project(pytester)
    text = json.dumps({"schema_version": 1, "check": "test_count", "entries": entries})
    write(root, "baselines/test_count.json", text)
    report = root / "r.json"
    result = run(pytester, f"--g6-report={report}", "--g6-update-baselines")
    lines = governance_lines(result.outlines)
    assert any(
        line.startswith("G6G000 warning baselines/test_count.json: baseline breaks its schema at ")
        for line in lines
    ), lines
    checks = read_report(report)["checks"]
    assert checks["test_count"]["status"] == "error"
    assert [f["code"] for f in checks["test_count"]["findings"]] == ["G6G000"]
    assert checks["todo_markers"]["status"] == "findings"  # the other check still ran
    assert (root / "baselines" / "test_count.json").read_text() == text  # never overwritten


@pytest.mark.slow
def test_partial_run_skips_test_count(pytester: pytest.Pytester, installed: Path) -> None:
    root = project(pytester)
    write(root, "baselines/test_count.json", '{"schema_version": 1, "check": "test_count", '
          '"entries": {"tests": 3}}')  # fmt: skip
    result = run(pytester, "test_x.py::test_a", "--g6-enforce")
    assert result.ret == 1  # todo_markers still enforces; test_count does not judge
    out = result.stdout.str()
    assert "test_count (enforce): skipped: partial run (" in out
    assert "TCNT001" not in out


@pytest.mark.slow
@pytest.mark.parametrize("xdist", XDIST)
@pytest.mark.parametrize("how", ["ignore-key", "comment"])
def test_suppression_is_counted(
    pytester: pytest.Pytester, installed: Path, xdist: list[str], how: str
) -> None:
    root = project(pytester, todo='ignore = ["TODO001"]' if how == "ignore-key" else "")
    if how == "comment":
        write(root, "src/mod.py", MODULE.replace("issue\n", "issue  # g6gov: ignore[TODO001]\n"))
    report = root / "r.json"
    result = run(pytester, *xdist, "--g6-enforce", f"--g6-report={report}")
    assert result.ret == 0
    assert "todo_markers (enforce): ok, 1 suppressed" in governance_lines(result.outlines)
    check = read_report(report)["checks"]["todo_markers"]
    assert check["findings"] == [] and check["suppressed"] == 1


@pytest.mark.slow
def test_unknown_table_names_the_installed_checks(
    pytester: pytest.Pytester, installed: Path
) -> None:
    project(pytester, count="[tool.g6gov.todo_marker]")
    line = one_error_line(run(pytester))
    assert "[tool.g6gov.todo_marker]: unknown check 'todo_marker' (known checks: " in line
    assert "test_count" in line and "todo_markers" in line and "env_docs" in line


@pytest.mark.slow
def test_plugin_works_with_g6gov_disabled(pytester: pytest.Pytester, installed: Path) -> None:
    """The example's hook is marked optional (checks_hookimpl): with ``-p no:g6gov``
    pytest does not call it an unknown hook."""
    project(pytester)
    result = run(pytester, "-p", "no:g6gov")
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    result.assert_outcomes(passed=3)
    assert "g6 governance" not in result.stdout.str()
