"""slow_tests: SLOW001 and SLOW002 (a baselined test that got much slower), end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_g6gov.checks import slow_tests as slow

from .helpers import XDIST, governance_lines, make_project, read_report

CFG = "[tool.g6gov.slow_tests]\nthreshold_seconds = 0.1\nmode = 'enforce'\n"

# name -> (seconds slept, seconds in the baseline, marked)
TESTS = {
    "regressed": (0.4, 0.06, False),  # limit max(0.1, 2 x 0.06) = 0.12: SLOW002
    "within": (0.17, 0.15, False),  # limit 0.3: slower, within the factor
    "floor": (0.01, 0.001, False),  # 10x its baseline, yet under the threshold
    "marked": (0.4, 0.06, True),  # marked: exempt
}


def write_tests(pytester: pytest.Pytester, tests: dict[str, tuple[float, float, bool]]) -> None:
    body = ["import time\n\nimport pytest\n"]
    for name, (sleep, _, marked) in tests.items():
        mark = "@pytest.mark.slow\n" if marked else ""
        body.append(f"{mark}def test_{name}():\n    time.sleep({sleep})\n")
    pytester.makepyfile(test_x="\n".join(body))


def write_baseline(root: Path, entries: dict[str, float]) -> None:
    (root / "baselines").mkdir(exist_ok=True)
    data = {"schema_version": 1, "check": "slow_tests", "entries": entries}
    (root / "baselines" / "slow_tests.json").write_text(json.dumps(data), encoding="utf-8")


def entries(root: Path) -> dict[str, float]:
    data = json.loads((root / "baselines" / "slow_tests.json").read_text("utf-8"))
    return dict(data["entries"])


def project(pytester: pytest.Pytester, cfg: str = CFG) -> Path:
    root = make_project(pytester, cfg)
    write_tests(pytester, TESTS)
    write_baseline(root, {f"test_x.py::test_{n}": base for n, (_, base, _) in TESTS.items()})
    return root


@pytest.mark.parametrize("xdist", XDIST)
def test_a_baselined_test_that_got_much_slower_is_slow002(
    pytester: pytest.Pytester, xdist: list[str]
) -> None:
    root = project(pytester)
    report = root / "r.json"
    result = pytester.runpytest(*xdist, f"--g6-report={report}")
    assert result.ret == 1
    lines = [x for x in governance_lines(result.outlines) if x.startswith("SLOW")]
    assert len(lines) == 1, lines
    assert lines[0].startswith("SLOW002 ERROR test_x.py:")
    # both figures, and how to fix it
    assert "test_x.py::test_regressed took 0.4" in lines[0]
    assert "baseline 0.06s" in lines[0] and "limit 0.12s" in lines[0]
    assert "@pytest.mark.slow" in lines[0] and "--g6-accept-regressions" in lines[0]
    findings = read_report(report)["checks"]["slow_tests"]["findings"]
    assert [(f["code"], f["path"]) for f in findings] == [("SLOW002", "test_x.py")]


def test_the_slowdown_factor_is_configurable(pytester: pytest.Pytester) -> None:
    project(pytester, CFG + "slowdown_factor = 10\n")  # test_regressed: limit 0.6s
    result = pytester.runpytest()
    assert result.ret == 0
    result.stdout.fnmatch_lines(["slow_tests (enforce): ok"])


@pytest.mark.parametrize("xdist", XDIST)
def test_update_baselines_refuses_the_slower_time_unless_accepted(
    pytester: pytest.Pytester, xdist: list[str]
) -> None:
    root = project(pytester)
    result = pytester.runpytest(*xdist, "--g6-update-baselines")
    assert result.ret == 1
    # tightened (the marked and the fast test are dropped), the slower time never recorded
    assert entries(root) == {"test_x.py::test_regressed": 0.06, "test_x.py::test_within": 0.15}
    lines = governance_lines(result.outlines)
    assert any(
        x.startswith("baseline slow_tests.json: refused regression test_x.py::test_regressed:")
        and "0.06s -> 0.4" in x
        for x in lines
    ), lines
    result = pytester.runpytest(*xdist, "--g6-update-baselines", "--g6-accept-regressions")
    result.stdout.fnmatch_lines(
        ["baseline slow_tests.json: accepted regression test_x.py::test_regressed: 0.06s -> 0.4*"]
    )
    after = entries(root)
    assert after.pop("test_x.py::test_regressed") >= 0.4
    assert after == {"test_x.py::test_within": 0.15}
    assert pytester.runpytest(*xdist).ret == 0


# --------------------------------------------------------------------------- unit level


def timing(nodeid: str, seconds: float, marked: bool = False) -> slow.Timing:
    return slow.Timing(nodeid, seconds, marked, "t.py", 1)


@pytest.mark.parametrize(
    ("seconds", "base", "threshold", "factor", "codes"),
    [
        (0.5, 0.1, 0.05, 2.0, ["SLOW002"]),
        (0.2, 0.1, 0.05, 2.0, []),  # exactly the limit is not over it
        (0.21, 0.1, 0.05, 2.0, ["SLOW002"]),
        (0.5, 0.1, 1.0, 2.0, []),  # the threshold is the floor of the limit
        (0.5, 0.1, 0.05, 10.0, []),
        (0.5, None, 0.05, 2.0, ["SLOW001"]),
        (0.01, None, 0.05, 2.0, []),
    ],
)
def test_evaluate(
    seconds: float, base: float | None, threshold: float, factor: float, codes: list[str]
) -> None:
    timings = {"t": timing("t", seconds)}
    baseline = {} if base is None else {"t": base}
    found = slow.evaluate(timings, baseline, threshold, factor=factor)
    assert [f.code for f in found] == codes


def test_a_marked_test_is_never_slow002() -> None:
    found = slow.evaluate({"t": timing("t", 9.0, marked=True)}, {"t": 0.1}, 0.05, factor=2.0)
    assert found == []


def test_the_message_names_the_configured_marker() -> None:
    (finding,) = slow.evaluate({"t": timing("t", 9.0)}, {"t": 1.0}, 0.5, factor=2.0, marker="sl")
    assert "@pytest.mark.sl," in finding.message
    assert "9.00s" in finding.message and "baseline 1.00s" in finding.message


def test_update_keeps_the_old_time_of_a_regression_unless_accepted() -> None:
    timings = {"t": timing("t", 0.5), "u": timing("u", 0.15)}
    baseline = {"t": 0.1, "u": 0.1}
    refused = slow.update(timings, baseline, 0.05, factor=2.0, accept=False, partial=False)
    assert refused.entries == {"t": 0.1, "u": 0.1}
    assert refused.refused == ["t: 0.10s -> 0.50s"] and refused.accepted == []
    accepted = slow.update(timings, baseline, 0.05, factor=2.0, accept=True, partial=False)
    assert accepted.entries == {"t": 0.5, "u": 0.1}
    assert accepted.accepted == ["t: 0.10s -> 0.50s"] and accepted.refused == []
