"""One metrics-spec schema and one parser for both packages (issue 12, item 5).

A spec the governance check (``pytest_g6gov``'s ``metrics_spec``) accepts is one the
runtime accepts; a spec either refuses is refused by both, the runtime naming the check's
first problem (same line, same message). Compared through the two public loaders as they
existed before the change (``pytest_g6gov.checks.metrics_spec.load_spec`` and
``g6runtime.metrics.load_spec``), so the tests also ran against the two-schema code.
"""

from __future__ import annotations

import ast
import json
import math
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from g6runtime.metrics import MetricsSpecError
from g6runtime.metrics import load_spec as runtime_load
from pytest_g6gov.checks.metrics_spec import load_spec as plugin_load
from pytest_g6gov.findings import InputError

from .support import clean_env

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_ID = "https://g6.invalid/schemas/metrics_spec.schema.json"
Outcome = tuple[int | None, str] | None


def outcomes(path: Path) -> tuple[Outcome, Outcome]:
    """(the check's first problem, the runtime's refusal); None for "accepted"."""
    rel = str(path)
    try:
        findings = sorted(plugin_load(path, rel).findings, key=lambda f: (f.line or 0, f.message))
        plugin: Outcome = (findings[0].line, findings[0].message) if findings else None
    except InputError as exc:  # G6G000: not YAML at all
        plugin = (exc.line, exc.message)
    try:
        runtime_load(path)
        runtime: Outcome = None
    except MetricsSpecError as exc:
        runtime = (exc.line, exc.message)
    return plugin, runtime


def entry(name: str = "g6_a_total", **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"name": name, "type": "counter", "labels": ["index"], "group": "core"}
    data.update(stability="stable", description="what it counts")
    data.update(extra)
    return data


def write_spec(path: Path, *entries: Mapping[str, Any]) -> Path:
    path.write_text(yaml.safe_dump([dict(e) for e in entries], sort_keys=False), "utf-8")
    return path


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"group": "iv-estimation"}, "is not a group name"),  # issue 12: the check took it
        ({"group": "Core"}, "is not a group name"),
        ({"group": "core groups"}, "is not a group name"),
        ({"group": ""}, "is not a group name"),
        ({"group": "core\n"}, "is not a group name"),  # Python's $ matches before a \n
        ({"name": "g6_a_total\n"}, "is not a Prometheus metric name"),
        ({"name": "g6-a-total"}, "is not a Prometheus metric name"),
        ({"name": "g6 a"}, "is not a Prometheus metric name"),
        ({"labels": ["__index"]}, "is not a Prometheus label name"),
        ({"labels": ["in-dex"]}, "is not a Prometheus label name"),
        ({"description": "   "}, "description is blank"),
        ({"type": "histogram", "name": "g6_a_seconds", "buckets": [1, math.nan]}, "not NaN"),
        ({"buckets": [1, 2]}, "for histograms only"),
    ],
)
def test_a_spec_the_check_refuses_the_runtime_refuses_with_the_same_message(
    tmp_path: Path, changes: dict[str, Any], fragment: str
) -> None:
    plugin, runtime = outcomes(write_spec(tmp_path / "spec.yaml", entry(**changes)))
    assert plugin is not None and fragment in plugin[1], plugin
    assert runtime == plugin


def test_a_bucket_too_large_for_a_float_is_infinite_in_both(tmp_path: Path) -> None:
    path = write_spec(
        tmp_path / "spec.yaml", entry("g6_a_seconds", type="histogram", buckets=[1, 10**400])
    )
    assert outcomes(path) == (None, None)
    assert runtime_load(path)[0].buckets == (1.0, math.inf)


def test_the_runtime_names_the_first_problem_by_line(tmp_path: Path) -> None:
    # entry 1: lines 1-7, its group at line 5; entry 2 (unsorted) from line 8
    path = write_spec(tmp_path / "spec.yaml", entry("g6_b_total", group="A-B"), entry())
    plugin, runtime = outcomes(path)
    assert runtime == plugin and runtime is not None and runtime[0] == 5
    with pytest.raises(MetricsSpecError) as info:
        runtime_load(path)
    assert str(info.value).startswith(f"{path}:5: entry 'g6_b_total' field 'group': 'A-B' ")


GROUPS = st.one_of(
    st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True),
    st.text(alphabet="azZ09_-. :,é\n", max_size=8),
)
NAMES = st.one_of(
    st.from_regex(r"g6_[a-z_]{1,8}", fullmatch=True),
    st.text(alphabet="g6_aZ:-. 0é\n", max_size=8),
)
LABELS = st.lists(
    st.one_of(
        st.sampled_from(["index", "expiry", "_x", "__x", "le"]), st.text("aZ_-0 ", max_size=4)
    ),
    max_size=3,
)
BUCKETS = st.lists(
    st.one_of(st.floats(), st.integers(min_value=-(10**400), max_value=10**400)), max_size=4
)
ENTRIES = st.fixed_dictionaries(
    {
        "name": NAMES,
        "type": st.sampled_from(["counter", "gauge", "histogram", "summary", "info", "timer"]),
        "labels": LABELS,
        "group": GROUPS,
        "stability": st.sampled_from(["stable", "beta", "ga"]),
        "description": st.sampled_from(["d", " ", "", "\tx"]),
    },
    optional={"buckets": BUCKETS},
)


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(st.lists(ENTRIES, max_size=3))
def test_the_check_and_the_runtime_agree_on_every_spec(entries: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        plugin, runtime = outcomes(write_spec(Path(tmp) / "spec.yaml", *entries))
    assert runtime == plugin


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(GROUPS)
def test_a_group_name_is_accepted_by_both_or_refused_by_both(group: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        plugin, runtime = outcomes(write_spec(Path(tmp) / "spec.yaml", entry(group=group)))
    assert runtime == plugin
    assert (plugin is None) == (re.fullmatch(r"[a-z][a-z0-9_]*", group) is not None)


def _repository_json_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "*.json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return [ROOT / name for name in listed if (ROOT / name).is_file()]


def test_exactly_one_schema_file_carries_the_metrics_spec_id() -> None:
    carrying: list[str] = []
    for path in _repository_json_files():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(data, dict) and data.get("$id") == SCHEMA_ID:
            carrying.append(path.relative_to(ROOT).as_posix())
    assert carrying == ["pytest_g6gov/schemas/metrics_spec.schema.json"]


def _imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif (
            isinstance(node, ast.Constant) and isinstance(node.value, str) and " " not in node.value
        ):
            names.add(node.value.partition(":")[0])  # "g6runtime.x:f", as import_module would
    return names


def test_the_plugin_never_imports_the_runtime() -> None:
    """The runtime may import the plugin's parser; never the other way round."""
    offenders = {
        path.relative_to(ROOT).as_posix(): sorted(
            n for n in names if n.split(".")[0] == "g6runtime"
        )
        for path in sorted((ROOT / "pytest_g6gov").rglob("*.py"))
        if (names := _imports_of(path))
    }
    assert {p: n for p, n in offenders.items() if n} == {}


@pytest.mark.slow
def test_the_installed_wheel_runs_g6_with_the_plugins_schema(tmp_path: Path) -> None:
    """Built and installed as a wheel: the schema is the plugin's package data, and only it;
    `g6 simulate --metrics-out` runs from the installed packages as a real process."""
    source = tmp_path / "src"
    source.mkdir()
    shutil.copy(ROOT / "pyproject.toml", source)
    shutil.copy(ROOT / "README.md", source)
    ignore = shutil.ignore_patterns("__pycache__")
    for package in ("pytest_g6gov", "g6runtime"):  # symlinks copied as files, as a build does
        shutil.copytree(ROOT / package, source / package, ignore=ignore)
    site = tmp_path / "site"
    command = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation"]
    built = subprocess.run(
        [*command, "--quiet", "--target", str(site), str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    carrying = sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*.json")
        if json.loads(p.read_text(encoding="utf-8")).get("$id") == SCHEMA_ID
    )
    assert carrying == ["pytest_g6gov/schemas/metrics_spec.schema.json"]
    run = tmp_path / "run"
    run.mkdir()
    env = clean_env(PYTHONPATH=str(site))
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import g6runtime, pytest_g6gov; print(g6runtime.__file__); "
            "print(pytest_g6gov.__file__)",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=run,
        env=env,
    )
    assert all(line.startswith(str(site)) for line in probe.stdout.splitlines()), probe.stdout
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "g6runtime",
            "simulate",
            "--cycles",
            "1",
            "--csv-dir",
            "c",
            "--panels-dir",
            "p",
            "--metrics-out",
            "m.prom",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=run,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "# TYPE g6_cycles_total counter" in (run / "m.prom").read_text(encoding="utf-8")
