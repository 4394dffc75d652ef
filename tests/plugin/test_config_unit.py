"""Unit tests of ``[tool.g6gov]`` loading: value ranges, module floors, the dynamic release."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import pytest
from packaging.version import Version

from pytest_g6gov.config import ConfigError, GovConfig, load_config

REPO = Path(__file__).resolve().parents[2]


def project(
    root: Path, body: str, head: str = '[project]\nname = "demo"\nversion = "1.0.0"\n'
) -> Path:
    (root / "pkg").mkdir(exist_ok=True)
    (root / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    (root / "pkg" / "a.py").write_text("A = 1\n", encoding="utf-8")
    (root / "pkg" / "b.py").write_text("B = 2\n", encoding="utf-8")
    (root / "pkg" / "data.txt").write_text("text\n", encoding="utf-8")
    (root / "pyproject.toml").write_text(head + body, encoding="utf-8")
    return root


def load(root: Path, body: str, **kw: str) -> GovConfig:
    gov = load_config(project(root, body, **kw))
    assert gov is not None
    return gov


def error(root: Path, body: str, **kw: str) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(project(root, body, **kw))
    return str(info.value)


def line_of(root: Path, needle: str) -> int:
    text = (root / "pyproject.toml").read_text("utf-8").splitlines()
    return next(i for i, line in enumerate(text, start=1) if needle in line)


# --------------------------------------------------------------------------- value ranges

CC = "[tool.g6gov.critical_coverage]\nmodules = ['pkg/a.py']\n"
MS = "[tool.g6gov.metrics_spec]\nregistry = 'm:f'\n"
ST = "[tool.g6gov.slow_tests]\n"
ED = "[tool.g6gov.env_docs]\nsources = ['pkg']\n"

OUT_OF_RANGE = [
    (CC + "min_percent = 150\n", "min_percent = 150", "min_percent", "0 and 100"),
    (CC + "min_percent = -1\n", "min_percent = -1", "min_percent", "0 and 100"),
    (CC + "min_percent = nan\n", "min_percent = nan", "min_percent", "0 and 100"),
    (CC + "min_percent = inf\n", "min_percent = inf", "min_percent", "0 and 100"),
    (MS + "max_growth_percent = 101\n", "max_growth_percent", "max_growth_percent", "0 and 100"),
    (MS + "max_growth_percent = nan\n", "max_growth_percent", "max_growth_percent", "0 and 100"),
    (ST + "threshold_seconds = nan\n", "threshold_seconds", "threshold_seconds", "positive"),
    (ST + "threshold_seconds = inf\n", "threshold_seconds", "threshold_seconds", "positive"),
    (ST + "threshold_seconds = -inf\n", "threshold_seconds", "threshold_seconds", "positive"),
    (ST + "threshold_seconds = 0\n", "threshold_seconds", "threshold_seconds", "positive"),
    (ST + "threshold_seconds = -1\n", "threshold_seconds", "threshold_seconds", "positive"),
    (ST + "slowdown_factor = nan\n", "slowdown_factor", "slowdown_factor", "finite"),
    (ST + "slowdown_factor = inf\n", "slowdown_factor", "slowdown_factor", "finite"),
    (ST + "slowdown_factor = 0\n", "slowdown_factor", "slowdown_factor", "positive"),
    (ST + "slowdown_factor = -1\n", "slowdown_factor", "slowdown_factor", "positive"),
    (ST + "slowdown_factor = 'x'\n", "slowdown_factor", "slowdown_factor", "a number"),
    (ST + "marker = ''\n", "marker", "marker", "empty"),
    (ST + "marker = 'my slow'\n", "marker", "marker", "identifier"),
    (ED + "prefix = ''\n", "prefix", "prefix", "empty"),
    (ED + "prefix = '  '\n", "prefix", "prefix", "empty"),
    (MS + "prefix = ''\n", "prefix", "prefix", "empty"),
    (ED + "prefix = []\n", "prefix", "prefix", "must not be an empty list"),
    (ED + "prefix = ['G6_', '']\n", "prefix", "prefix", "empty prefix ''"),
    (ED + "prefix = ['G6_', '  ']\n", "prefix", "prefix", "empty prefix '  '"),
    (ED + "prefix = [\n  'G6_',\n  'APP_',\n  \"G6_\",\n]\n", '"G6_"', "prefix", "more than once"),
    (ED + "prefix = ['G6_', 3]\n", "prefix", "prefix", "a string or a list of strings"),
    (ED + "prefix = 3\n", "prefix", "prefix", "a string"),
    ("[tool.g6gov.env_docs]\nsources = ['pkg', 'nosuch']\n", "sources", "sources", "'nosuch'"),
    ("[tool.g6gov.env_docs]\nsources = ['pkg/a.py']\n", "sources", "sources", "not a folder"),
]


@pytest.mark.parametrize(("body", "at", "key", "says"), OUT_OF_RANGE)
def test_a_value_out_of_range_is_one_clear_line(
    tmp_path: Path, body: str, at: str, key: str, says: str
) -> None:
    message = error(tmp_path, body)
    assert "\n" not in message
    assert message.startswith(f"pyproject.toml:{line_of(tmp_path, at)}: "), message
    assert f"] {key}:" in message and says in message, message


@pytest.mark.parametrize("value", ["0", "100", "0.0", "99.5", "70"])
def test_percent_bounds_are_inclusive(tmp_path: Path, value: str) -> None:
    gov = load(tmp_path, CC + f"min_percent = {value}\n")
    assert gov.checks["critical_coverage"].options["min_percent"] == float(value)


def test_slow_tests_defaults_include_the_slowdown_factor(tmp_path: Path) -> None:
    options = load(tmp_path, ST).checks["slow_tests"].options
    assert options["slowdown_factor"] == 2.0 and options["threshold_seconds"] == 2.0
    assert options["marker"] == "slow"
    options = (
        load(tmp_path, ST + "slowdown_factor = 3\nthreshold_seconds = 0.001\n")
        .checks["slow_tests"]
        .options
    )
    assert options["slowdown_factor"] == 3.0 and options["threshold_seconds"] == 0.001
    # SPEC: a factor is wrong only when it is not a finite positive number
    options = load(tmp_path, ST + "slowdown_factor = 0.5\n").checks["slow_tests"].options
    assert options["slowdown_factor"] == 0.5


def test_env_docs_prefix_stays_a_string(tmp_path: Path) -> None:
    options = load(tmp_path, ED + "prefix = 'APP_'\n").checks["env_docs"].options
    assert options["prefix"] == "APP_" and options["sources"] == ["pkg"]


# --------------------------------------------------------------------------- critical modules


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ("'pkg/typo.py'", "does not exist"),
        ("'/etc/passwd'", "inside the rootdir"),
        ("'../outside.py'", "inside the rootdir"),
        ("'pkg'", "not a file"),
        ("'pkg/data.txt'", "not a .py file"),
        ("''", "does not exist"),
        ("3", "a string or a table"),
        ("{path = 'pkg/b.py', floor = 90}", "unknown key 'floor'"),
        ("{min_percent = 90}", "needs a path"),
        ("{path = 'pkg/b.py', min_percent = 120}", "0 and 100"),
        ("{path = 'pkg/b.py', min_percent = nan}", "0 and 100"),
        ("{path = 'pkg/b.py', min_percent = '90'}", "a number"),
        ("{path = 'pkg/nope.py', min_percent = 90}", "does not exist"),
        ("'pkg/a.py'", "more than once"),
    ],
)
def test_a_bad_module_entry_names_its_line(tmp_path: Path, entry: str, says: str) -> None:
    (tmp_path.parent / "outside.py").write_text("X = 1\n", encoding="utf-8")
    body = f"[tool.g6gov.critical_coverage]\nmodules = [\n    'pkg/a.py',\n    {entry},\n]\n"
    message = error(tmp_path, body)
    # the entry's own line when it names a path; the line of `modules =` otherwise
    line = 7 if "'" in entry else 5
    assert message.startswith(f"pyproject.toml:{line}: "), message
    assert "] modules:" in message and says in message, message
    assert "\n" not in message


def test_a_symlink_leaving_the_rootdir_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "secret.py").write_text("X = 1\n", encoding="utf-8")
    project(root, "")
    (root / "pkg" / "link.py").symlink_to(tmp_path / "secret.py")
    message = error(root, "[tool.g6gov.critical_coverage]\nmodules = ['pkg/link.py']\n")
    assert "inside the rootdir" in message


def test_modules_may_be_tables_with_their_own_floor(tmp_path: Path) -> None:
    body = (
        "[tool.g6gov.critical_coverage]\n"
        "modules = ['pkg/a.py', {path = 'pkg/b.py', min_percent = 90}, {path = 'pkg/__init__.py'}]\n"
        "min_percent = 60\n"
    )
    options = load(tmp_path, body).checks["critical_coverage"].options
    assert options["modules"] == ["pkg/a.py", "pkg/b.py", "pkg/__init__.py"]
    assert all(isinstance(m, str) for m in options["modules"])
    assert options["floors"] == {"pkg/b.py": 90.0}
    assert options["min_percent"] == 60.0


def test_modules_as_an_array_of_tables(tmp_path: Path) -> None:
    body = (
        "[tool.g6gov.critical_coverage]\nmin_percent = 60\n\n"
        "[[tool.g6gov.critical_coverage.modules]]\npath = 'pkg/a.py'\nmin_percent = 95\n"
    )
    options = load(tmp_path, body).checks["critical_coverage"].options
    assert options["modules"] == ["pkg/a.py"] and options["floors"] == {"pkg/a.py": 95.0}


def test_floors_are_empty_without_per_module_floors(tmp_path: Path) -> None:
    options = load(tmp_path, CC).checks["critical_coverage"].options
    assert options["modules"] == ["pkg/a.py"] and options["floors"] == {}
    options = load(tmp_path, "[tool.g6gov.critical_coverage]\n").checks["critical_coverage"].options
    assert options["modules"] == [] and options["floors"] == {}


# --------------------------------------------------------------------------- release


def dynamic(name: str) -> str:
    return f'[project]\nname = "{name}"\ndynamic = ["version"]\n'


def test_a_dynamic_version_is_the_installed_distributions(tmp_path: Path) -> None:
    gov = load(tmp_path, ST, head=dynamic("pytest"))
    assert gov.release == Version(importlib.metadata.version("pytest"))
    assert load(tmp_path, ST + "introduced_in = '0.1'\n", head=dynamic("pytest")).checks


def test_an_explicit_release_wins_over_the_installed_version(tmp_path: Path) -> None:
    gov = load(tmp_path, "[tool.g6gov]\nrelease = '7.7.7'\n" + ST, head=dynamic("pytest"))
    assert gov.release == Version("7.7.7")


def test_a_dynamic_version_not_installed_is_no_release(tmp_path: Path) -> None:
    name = "g6-demo-never-installed"
    assert load(tmp_path, ST, head=dynamic(name)).release is None
    message = error(tmp_path, ST + "introduced_in = '0.1'\n", head=dynamic(name))
    assert message.startswith(f"pyproject.toml:{line_of(tmp_path, 'introduced_in')}: ")
    assert name in message and "not installed" in message
    assert re.search(r"install the project.*\[tool\.g6gov\] release", message), message


def test_a_dynamic_version_without_a_name_says_so(tmp_path: Path) -> None:
    head = '[project]\ndynamic = ["version"]\n'
    message = error(tmp_path, ST + "introduced_in = '0.1'\n", head=head)
    assert "[project].name" in message and "[tool.g6gov] release" in message


def test_the_repository_config_stays_valid() -> None:
    gov = load_config(REPO)
    assert gov is not None and gov.release is not None
    assert {"env_docs", "slow_tests", "critical_coverage"} <= set(gov.checks)
    assert gov.checks["critical_coverage"].options["floors"] == {}
