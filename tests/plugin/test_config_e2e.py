"""Configuration loading and validation, end to end through a real pytest run."""

from __future__ import annotations

import importlib.metadata

import pytest

from .helpers import SLOW_TEST, make_project, read_report


def test_no_table_prints_nothing_and_changes_nothing(pytester: pytest.Pytester) -> None:
    make_project(pytester, "")
    pytester.makepyfile(test_x="def test_a(): pass")
    result = pytester.runpytest()
    assert result.ret == 0
    out = result.stdout.str() + result.stderr.str()
    assert "g6 governance" not in out and "g6gov" not in out


def test_flag_without_table_says_so_once(pytester: pytest.Pytester) -> None:
    make_project(pytester, "")
    pytester.makepyfile(test_x="def test_a(): pass")
    result = pytester.runpytest("--g6-enforce")
    assert result.ret == 0
    assert result.stdout.str().count("no [tool.g6gov] table") == 1
    assert " g6 governance " not in result.stdout.str()


@pytest.mark.parametrize(
    ("toml", "named"),
    [
        ("[tool.g6gov.nosuch]\nmode = 'warn'\n", "nosuch"),
        ("[tool.g6gov]\nbogus = 1\n", "bogus"),
        ("[tool.g6gov.slow_tests]\nthreshold = 1\n", "threshold"),
        ("[tool.g6gov.slow_tests]\nthreshold_seconds = 'fast'\n", "threshold_seconds"),
        ("[tool.g6gov.slow_tests]\nmode = 'loud'\n", "mode"),
        ("[tool.g6gov]\nrelease = 'not a version'\n", "release"),
        ("[tool.g6gov]\nenforce = 'yes'\n", "enforce"),
        ("[tool.g6gov.slow_tests]\nintroduced_in = 'x.y'\n", "introduced_in"),
        ("[tool.g6gov.env_docs]\nsources = 'g6runtime'\n", "sources"),
        ("[tool.g6gov]\nslow_tests = 3\n", "slow_tests"),
        # value ranges (SPEC: a config error, not a silently odd run)
        ("[tool.g6gov.critical_coverage]\nmin_percent = 150\n", "min_percent"),
        ("[tool.g6gov.metrics_spec]\nmax_growth_percent = -5\n", "max_growth_percent"),
        (
            "[tool.g6gov.critical_coverage]\nmodules = [{path = 'x.py', min_percent = 101}]\n",
            "modules",
        ),
        ("[tool.g6gov.slow_tests]\nthreshold_seconds = nan\n", "threshold_seconds"),
        ("[tool.g6gov.slow_tests]\nthreshold_seconds = inf\n", "threshold_seconds"),
        ("[tool.g6gov.slow_tests]\nthreshold_seconds = 0\n", "threshold_seconds"),
        ("[tool.g6gov.slow_tests]\nslowdown_factor = -1\n", "slowdown_factor"),
        ("[tool.g6gov.env_docs]\nprefix = ''\n", "prefix"),
        ("[tool.g6gov.slow_tests]\nmarker = ''\n", "marker"),
        ("[tool.g6gov.critical_coverage]\nmodules = ['pkg/misspelt.py']\n", "misspelt"),
        ("[tool.g6gov.critical_coverage]\nmodules = ['/etc/passwd']\n", "/etc/passwd"),
        ("[tool.g6gov.critical_coverage]\nmodules = ['../x.py']\n", "../x.py"),
        ("[tool.g6gov.env_docs]\nsources = ['nosuch']\n", "nosuch"),
    ],
)
def test_config_error_is_one_line_and_exit_4(
    pytester: pytest.Pytester, toml: str, named: str
) -> None:
    make_project(pytester, toml)
    pytester.makepyfile(test_x="def test_a(): pass")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = [line for line in result.stderr.lines if line.strip()]
    assert len(err) == 1, err
    assert named in err[0] and "pyproject.toml:" in err[0]
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


def test_introduced_in_without_release_is_a_config_error(pytester: pytest.Pytester) -> None:
    make_project(pytester, "[tool.g6gov.slow_tests]\nintroduced_in = '1.0'\n", version="")
    pytester.makepyfile(test_x="def test_a(): pass")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*introduced_in*needs a release*"])


def test_accept_without_update_is_a_usage_error(pytester: pytest.Pytester) -> None:
    make_project(pytester, "[tool.g6gov.slow_tests]\n")
    pytester.makepyfile(test_x=SLOW_TEST)
    result = pytester.runpytest("--g6-accept-regressions")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--g6-accept-regressions needs --g6-update-baselines*"])


def test_invalid_toml_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", pyproject="[tool.g6gov\n")
    pytester.makepyfile(test_x="def test_a(): pass")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "Traceback" not in result.stderr.str()


def test_plugin_loads_with_autoload_disabled(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_project(pytester, "[tool.g6gov.slow_tests]\nthreshold_seconds = 0.01\n")
    pytester.makepyfile(test_x=SLOW_TEST)
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    result = pytester.runpytest_subprocess("-p", "g6gov", "-p", "no:cacheprovider")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*g6 governance*", "SLOW001 warning*test_slow*"])


def test_a_dynamic_version_is_the_installed_distributions(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".toml",
        pyproject='[project]\nname = "pytest"\ndynamic = ["version"]\n\n'
        "[tool.g6gov.slow_tests]\nintroduced_in = '0.1'\n",
    )
    pytester.makepyfile(test_x="def test_a(): pass")
    report = pytester.path / "r.json"
    result = pytester.runpytest(f"--g6-report={report}")
    assert result.ret == 0
    assert read_report(report)["release"] == importlib.metadata.version("pytest")
    result.stdout.fnmatch_lines(["slow_tests (enforce): ok"])


def test_a_dynamic_version_not_installed_needs_a_release(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".toml",
        pyproject='[project]\nname = "g6-never-installed"\ndynamic = ["version"]\n\n'
        "[tool.g6gov.slow_tests]\nintroduced_in = '0.1'\n",
    )
    pytester.makepyfile(test_x="def test_a(): pass")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = [line for line in result.stderr.lines if line.strip()]
    assert len(err) == 1, err
    assert "g6-never-installed" in err[0] and "install the project" in err[0]
    assert "[tool.g6gov] release" in err[0]
