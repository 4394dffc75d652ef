"""critical_coverage end to end (subprocess runs: coverage's tracer is per process)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from .helpers import XDIST, governance_lines, make_project, read_report

pytestmark = pytest.mark.slow  # every test here runs pytest in subprocesses

CFG = """[tool.g6gov.critical_coverage]
modules = ["pkg/a.py", "pkg/b.py", "pkg/never.py"]
min_percent = 70

[tool.coverage.run]
branch = true
"""

A = "def f(x):\n    if x:\n        return 1\n    return 2\n"
B = "def g():\n    return 3\n\n\ndef h():\n    return 4\n"
TESTS = (
    "from pkg.a import f\nfrom pkg.b import g\n\n\ndef test_a():\n    assert f(1) == 1\n\n\n"
    "def test_b():\n    assert g() == 3\n"
)


def project(pytester: pytest.Pytester, extra: str = "") -> None:
    make_project(pytester, CFG.replace("min_percent = 70\n", "min_percent = 70\n" + extra))
    pkg = pytester.mkpydir("pkg")
    (pkg / "a.py").write_text(A)
    (pkg / "b.py").write_text(B)
    (pkg / "never.py").write_text("X = 1\nY = 2\n")
    pytester.makepyfile(test_x=TESTS)


def run(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, dict[str, object]]:
    report = pytester.path / "r.json"
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--g6-report={report}", *args)
    return result, read_report(report)["checks"]["critical_coverage"]


def coverage_report_percents(pytester: pytest.Pytester) -> dict[str, float]:
    """What `coverage report` says for the same suite, measured by coverage itself."""
    env_cmd = [
        sys.executable,
        "-m",
        "coverage",
        "run",
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:g6gov",
        "-p",
        "no:cacheprovider",
    ]
    subprocess.run(env_cmd, cwd=pytester.path, check=True, capture_output=True)
    out = subprocess.run(
        [sys.executable, "-m", "coverage", "report", "--precision=1", "--include=pkg/*"],
        cwd=pytester.path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {
        m.group(1): float(m.group(2)) for m in re.finditer(r"^(pkg/\S+)\s.*?(\d+\.\d)%$", out, re.M)
    }


@pytest.mark.parametrize("xdist", XDIST)
def test_own_measurement_matches_coverage_report(
    pytester: pytest.Pytester, xdist: list[str]
) -> None:
    project(pytester)
    result, check = run(pytester, *xdist)
    assert result.ret == 0
    assert check["measured"] == {"pkg/a.py": 66.7, "pkg/b.py": 75.0, "pkg/never.py": 0.0}
    codes = sorted((f["code"], f["path"]) for f in check["findings"])
    assert codes == [("COV001", "pkg/a.py"), ("COV001", "pkg/never.py")]
    lines = governance_lines(result.outlines)
    assert any(x.startswith("COV001 warning pkg/a.py") and "66.7%" in x for x in lines)
    leftovers = [p.name for p in pytester.path.iterdir() if p.name.startswith(".coverage")]
    assert leftovers == []
    if not xdist:
        expected = coverage_report_percents(pytester)
        assert expected["pkg/a.py"] == 66.7 and expected["pkg/b.py"] == 75.0


@pytest.mark.parametrize("xdist", XDIST)
def test_with_pytest_cov_uses_its_combined_data(
    pytester: pytest.Pytester, xdist: list[str]
) -> None:
    project(pytester)
    result, check = run(pytester, "--cov=pkg", *xdist, "--g6-enforce")
    assert result.ret == 1
    assert check["measured"] == {"pkg/a.py": 66.7, "pkg/b.py": 75.0, "pkg/never.py": 0.0}
    result, check = run(pytester, "--cov=pkg.a", *xdist)
    unmeasured = sorted(f["path"] for f in check["findings"] if "unmeasured" in f["message"])
    assert unmeasured == ["pkg/b.py", "pkg/never.py"]


def test_partial_run_is_skipped(pytester: pytest.Pytester) -> None:
    project(pytester)
    result, check = run(pytester, "-k", "test_a", "--g6-enforce")
    assert result.ret == 0
    assert check["status"] == "skipped"
    assert "partial run" in str(check["note"])


def test_baseline_ratchets_up_and_refuses_drops(pytester: pytest.Pytester) -> None:
    project(pytester, "mode = 'enforce'\n")
    (pytester.path / "pyproject.toml").write_text(
        (pytester.path / "pyproject.toml")
        .read_text()
        .replace("min_percent = 70", "min_percent = 0")
    )
    result, _ = run(pytester, "--g6-update-baselines")
    base = pytester.path / "baselines" / "critical_coverage.json"
    assert json.loads(base.read_text())["entries"] == {
        "pkg/a.py": 66.667,
        "pkg/b.py": 75.0,
        "pkg/never.py": 0.0,
    }
    # b drops: COV002 in enforce mode, and an update refuses to record it
    pytester.makepyfile(test_x=TESTS.replace("assert g() == 3", "pass"))
    result, check = run(pytester, "--g6-update-baselines")
    assert result.ret == 1
    assert [(f["code"], f["path"]) for f in check["findings"]] == [("COV002", "pkg/b.py")]
    assert "75.0%" in check["findings"][0]["message"]
    assert json.loads(base.read_text())["entries"]["pkg/b.py"] == 75.0
    # accepted with the flag; then improving tightens
    run(pytester, "--g6-update-baselines", "--g6-accept-regressions")
    assert json.loads(base.read_text())["entries"]["pkg/b.py"] == 50.0
    pytester.makepyfile(test_x=TESTS + "\n\ndef test_h():\n    from pkg.b import h\n    h()\n")
    result, _ = run(pytester, "--g6-update-baselines")
    assert json.loads(base.read_text())["entries"]["pkg/b.py"] == 100.0
    result.stdout.fnmatch_lines(["*tightened pkg/b.py: 50.0% -> 100.0%"])


def test_module_imported_before_measurement_gets_a_note(pytester: pytest.Pytester) -> None:
    project(pytester)
    _, check = run(pytester, "-p", "pkg.a")
    a = [f for f in check["findings"] if f["path"] == "pkg/a.py"]
    assert a and "import-time lines were not measured" in a[0]["message"]
