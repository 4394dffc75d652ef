"""critical_coverage agrees with coverage.py on real projects' coverage configurations.

Each test rebuilds a configuration seen on a real project and compares the plugin's
figures with ``coverage run`` + ``coverage json`` for the same suite, run in the test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .coverage_projects import (
    SITE,
    coverage_json,
    percents,
    plugin_run,
    run,
    write_project,
)
from .helpers import XDIST

pytestmark = pytest.mark.slow  # every test runs pytest and coverage in subprocesses

SRC_MODULES = (
    'modules = ["src/pkg/mod.py", "src/pkg/util.py", "src/pkg/never.py"]\nmin_percent = 0\n'
)
FLAT_MODULES = 'modules = ["pkg/mod.py", "pkg/util.py", "pkg/never.py"]\nmin_percent = 0\n'


def gov(modules: str) -> str:
    return "[tool.g6gov.critical_coverage]\n" + modules


@pytest.mark.parametrize("xdist", XDIST)
def test_paths_remap_from_site_packages_equals_coverage_report(
    tmp_path: Path, xdist: list[str]
) -> None:
    """[tool.coverage.paths] source = ["src", "*/site-packages"]: the tests import the
    installed copy; coverage reports it under src/ (it read 0.0 % before)."""
    write_project(
        tmp_path,
        gov(SRC_MODULES)
        + '[tool.coverage.run]\nbranch = true\nsource_pkgs = ["pkg"]\n'
        + '[tool.coverage.paths]\nsource = ["src", "*/site-packages"]\n',
        layout="installed",
    )
    expected = percents(coverage_json(tmp_path), tmp_path)
    assert expected["src/pkg/mod.py"] > 50  # the suite exercises it
    proc, check = plugin_run(tmp_path, *xdist)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert check["measured"] == {m: expected[m] for m in check["measured"]}


def test_report_include_into_site_packages_equals_coverage_report(tmp_path: Path) -> None:
    """setup.cfg: [coverage:run] source = pkg, [coverage:report] include = */site-packages/*:
    coverage reports the installed copy; the plugin gives its figure for src/pkg/…"""
    write_project(tmp_path, gov(SRC_MODULES), layout="installed")
    (tmp_path / "setup.cfg").write_text(
        "[coverage:run]\nsource = pkg\n\n[coverage:report]\ninclude = */site-packages/*\n"
    )
    expected = percents(coverage_json(tmp_path), tmp_path)
    installed = {k.rsplit("site-packages/", 1)[1]: v for k, v in expected.items()}
    proc, check = plugin_run(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert check["measured"] == {
        "src/pkg/mod.py": installed["pkg/mod.py"],
        "src/pkg/util.py": installed["pkg/util.py"],
        "src/pkg/never.py": installed["pkg/never.py"],
    }
    assert installed["pkg/mod.py"] > 50


@pytest.mark.parametrize("xdist", XDIST)
def test_source_pkgs_with_filterwarnings_error(tmp_path: Path, xdist: list[str]) -> None:
    """[tool.coverage.run] source_pkgs and filterwarnings = ["error"]: no CoverageWarning from
    the plugin's measurement (it crashed the session before), same figures as coverage."""
    write_project(
        tmp_path,
        gov(FLAT_MODULES)
        + '[tool.coverage.run]\nsource_pkgs = ["pkg"]\nbranch = true\n'
        + '[tool.pytest.ini_options]\nfilterwarnings = ["error"]\n',
    )
    expected = percents(coverage_json(tmp_path), tmp_path)
    proc, check = plugin_run(tmp_path, *xdist)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "CoverageWarning" not in proc.stdout + proc.stderr
    assert check["measured"] == {m: expected[m] for m in check["measured"]}


def test_omitted_module_is_unmeasured_not_zero(tmp_path: Path) -> None:
    """A critical module the project's own coverage config omits is not made up as 0 %."""
    write_project(tmp_path, gov(FLAT_MODULES) + '[tool.coverage.run]\nomit = ["*/util.py"]\n')
    expected = percents(coverage_json(tmp_path), tmp_path)
    assert "pkg/util.py" not in expected
    _, check = plugin_run(tmp_path)
    assert check["measured"]["pkg/util.py"] is None
    assert check["measured"]["pkg/mod.py"] == expected["pkg/mod.py"]
    util = [f for f in check["findings"] if f["path"] == "pkg/util.py"]
    assert util and "[run] omit" in util[0]["message"]


def test_a_dependency_of_the_plugin_as_critical_module(tmp_path: Path) -> None:
    """The project *is* a package the plugin depends on (pypa/packaging's layout): the
    plugin must not import it before measuring (it read 67.8 % where coverage read 100 %)."""
    import packaging

    installed = Path(packaging.__file__).parent
    src = tmp_path / "src" / "packaging"
    src.mkdir(parents=True)
    for file in installed.glob("*.py"):
        (src / file.name).write_text(file.read_text())
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "packaging"\nversion = "1.0"\n'
        '[tool.pytest.ini_options]\npythonpath = ["src"]\n'
        '[tool.g6gov.critical_coverage]\nmodules = ["src/packaging/version.py"]\nmin_percent = 0\n'
    )
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_v.py").write_text(
        "from packaging.version import Version\n\n\n"
        "def test_v():\n    assert Version('1.0') < Version('1.1')\n"
    )
    expected = percents(coverage_json(tmp_path), tmp_path)
    _, check = plugin_run(tmp_path)
    figure = check["measured"]["src/packaging/version.py"]
    assert figure == expected["src/packaging/version.py"]
    assert not [f for f in check["findings"] if "before measurement" in f["message"]]


def test_inside_an_outer_coverage_run(tmp_path: Path) -> None:
    """``coverage run -m pytest`` with the plugin: the outer report is the one it would be
    without the plugin (it said "No data to report" before), and the figures agree."""
    write_project(tmp_path, gov(FLAT_MODULES) + "[tool.coverage.run]\nbranch = true\n")
    without = coverage_json(tmp_path)
    with_plugin = coverage_json(tmp_path, plugin=True)
    assert "error" not in with_plugin, with_plugin.get("error")
    # the outer run also measures the plugin's own code, which ran: compare the project's
    project = {k: v for k, v in percents(with_plugin, tmp_path).items() if not k.startswith("/")}
    assert project == percents(without, tmp_path)
    assert project["pkg/mod.py"] > 50
    for old in tmp_path.glob(".coverage*"):
        old.unlink()
    proc, check = plugin_run(tmp_path, prefix=("-m", "coverage", "run"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    outer = percents(json.loads(_json_after(tmp_path)), tmp_path)
    assert check["measured"] == {
        "pkg/mod.py": outer["pkg/mod.py"],
        "pkg/util.py": outer["pkg/util.py"],
        "pkg/never.py": 0.0,
    }


def _json_after(root: Path) -> str:
    out = root / "after.json"
    run(root, "-m", "coverage", "json", "-o", str(out), check=True)
    return out.read_text()


@pytest.mark.parametrize("xdist", XDIST)
def test_under_pytest_cov_equals_its_own_report(tmp_path: Path, xdist: list[str]) -> None:
    write_project(
        tmp_path,
        gov(SRC_MODULES)
        + "[tool.coverage.run]\nbranch = true\n"
        + '[tool.coverage.paths]\nsource = ["src", "*/site-packages"]\n',
        layout="installed",
    )
    out = tmp_path / "cov.json"
    proc, check = plugin_run(tmp_path, "--cov=pkg", f"--cov-report=json:{out}", *xdist)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    theirs = percents(json.loads(out.read_text()), tmp_path)
    assert check["measured"] == {m: theirs[m] for m in check["measured"]}


def test_site_layout_is_what_the_tests_import(tmp_path: Path) -> None:
    """Guard for the fixtures above: the tests really run the installed copy."""
    write_project(tmp_path, gov(SRC_MODULES), layout="installed")
    (tmp_path / "tests" / "test_where.py").write_text(
        "import pkg\n\n\ndef test_where():\n    assert 'site-packages' in pkg.__file__\n"
    )
    proc = run(tmp_path, "-m", "pytest", "-q", "-p", "no:g6gov", "tests/test_where.py")
    assert proc.returncode == 0, proc.stdout
    assert (tmp_path / SITE / "pkg" / "mod.py").is_file()
