"""Differential: over generated coverage.py configurations, the plugin's figure for every
critical module equals coverage.py's own (``coverage run`` + ``coverage json``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .coverage_projects import coverage_json, percents, plugin_run, write_project

pytestmark = pytest.mark.slow  # each example runs pytest and coverage in subprocesses

PATTERNS = st.sampled_from(["*/mod.py", "*/util.py", "*/never.py", "*/pkg/*", "*/nothing/*"])


def toml_list(items: list[str]) -> str:
    return "[" + ", ".join(f'"{i}"' for i in items) + "]"


@st.composite
def configurations(draw: st.DrawFn) -> tuple[str, str]:
    layout = draw(st.sampled_from(["flat", "installed"]))
    run: list[str] = [f"branch = {str(draw(st.booleans())).lower()}"]
    source = draw(st.sampled_from(["none", "source", "source_pkgs", "include"]))
    if source == "source":
        run.append('source = ["pkg"]')
    elif source == "source_pkgs":
        run.append('source_pkgs = ["pkg"]')
    elif source == "include":
        run.append(f"include = {toml_list(draw(st.lists(PATTERNS, min_size=1, max_size=2)))}")
    if layout == "installed" and source in ("none", "include"):
        run.append('source_pkgs = ["pkg"]')  # site-packages is measured only when named
    omit = draw(st.lists(PATTERNS, max_size=1))
    if omit:
        run.append(f"omit = {toml_list(omit)}")
    report: list[str] = []
    if draw(st.booleans()):
        report.append(f"omit = {toml_list(draw(st.lists(PATTERNS, min_size=1, max_size=1)))}")
    if draw(st.booleans()):
        report.append('exclude_also = ["return -1"]')
    text = "[tool.coverage.run]\n" + "\n".join(run) + "\n"
    if report:
        text += "[tool.coverage.report]\n" + "\n".join(report) + "\n"
    if layout == "installed":
        text += '[tool.coverage.paths]\nsource = ["src", "*/site-packages"]\n'
    return layout, text


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(config=configurations())
def test_plugin_figure_equals_coverage_figure(
    tmp_path_factory: pytest.TempPathFactory, config: tuple[str, str]
) -> None:
    layout, coverage_toml = config
    root: Path = tmp_path_factory.mktemp("diff")
    base = "src/pkg" if layout == "installed" else "pkg"
    modules = [f"{base}/mod.py", f"{base}/util.py", f"{base}/never.py"]
    gov = f"[tool.g6gov.critical_coverage]\nmodules = {toml_list(modules)}\nmin_percent = 0\n"
    write_project(root, gov + coverage_toml, layout=layout)
    theirs = percents(coverage_json(root), root)
    proc, check = plugin_run(root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for module in modules:
        ours = check["measured"][module]
        if module in theirs:
            assert ours == theirs[module], (module, coverage_toml, check)
        else:  # coverage does not list it: unmeasured, or never imported (0 %)
            assert ours in (None, 0.0), (module, coverage_toml, theirs, check)
