"""warn/enforce staging, exit status and the JSON report, end to end."""

from __future__ import annotations

import pytest

from .helpers import SLOW_TEST, XDIST, governance_lines, make_project, read_report

ALWAYS_SLOW = "[tool.g6gov.slow_tests]\nthreshold_seconds = 0.001\n"
# Every test here takes longer than ALWAYS_SLOW's threshold (it must be positive).
ALL_SLOW_TEST = "import time\n\ndef test_fast():\n    time.sleep(0.01)\n\ndef test_slow():\n    time.sleep(0.05)\n"


@pytest.mark.parametrize(
    ("extra", "version", "args", "expected_mode"),
    [
        ("", "1.0.0", [], "warn"),  # default
        ("", "1.0.0", ["--g6-enforce"], "enforce"),  # flag
        ("mode = 'off'\n", "1.0.0", ["--g6-enforce"], "off"),  # off is never overridden
        ("mode = 'warn'\n", "1.0.0", ["--g6-enforce"], "enforce"),  # flag beats mode
        ("mode = 'enforce'\n", "1.0.0", [], "enforce"),  # explicit mode
        ("mode = 'warn'\nintroduced_in = '0.9'\n", "1.0.0", [], "warn"),  # mode beats R+1
        ("introduced_in = '1.0.0'\n", "1.0.0", [], "warn"),  # release == introduced: warn
        ("introduced_in = '1.0.0'\n", "1.0.1", [], "enforce"),  # one release later
        ("introduced_in = '1.10'\n", "1.9", [], "warn"),  # compared as versions, not text
        ("introduced_in = '1.0.0rc1'\n", "1.0.0", [], "enforce"),  # PEP 440 ordering
    ],
)
def test_mode_precedence(
    pytester: pytest.Pytester, extra: str, version: str, args: list[str], expected_mode: str
) -> None:
    make_project(pytester, ALWAYS_SLOW + extra, version=version)
    pytester.makepyfile(test_x=SLOW_TEST)
    report = pytester.path / "report.json"
    result = pytester.runpytest(*args, f"--g6-report={report}")
    check = read_report(report)["checks"]["slow_tests"]
    assert check["mode"] == expected_mode
    if expected_mode == "off":
        assert check["status"] == "skipped"
        assert result.ret == 0
    elif expected_mode == "enforce":
        assert check["status"] == "findings"
        assert result.ret == 1
        assert any(line.startswith("SLOW001 ERROR") for line in governance_lines(result.outlines))
    else:
        assert result.ret == 0
        assert any(line.startswith("SLOW001 warning") for line in governance_lines(result.outlines))


def test_enforce_key_in_config_enforces(pytester: pytest.Pytester) -> None:
    make_project(pytester, "[tool.g6gov]\nenforce = true\n" + ALWAYS_SLOW)
    pytester.makepyfile(test_x=SLOW_TEST)
    result = pytester.runpytest()
    assert result.ret == 1
    result.stdout.fnmatch_lines(["slow_tests (enforce): * (fails the run)"])


def test_release_key_overrides_project_version(pytester: pytest.Pytester) -> None:
    make_project(
        pytester,
        "[tool.g6gov]\nrelease = '2.0'\n" + ALWAYS_SLOW + "introduced_in = '1.5'\n",
        version="1.0.0",
    )
    pytester.makepyfile(test_x=SLOW_TEST)
    report = pytester.path / "r.json"
    result = pytester.runpytest(f"--g6-report={report}")
    data = read_report(report)
    assert data["release"] == "2.0"
    assert data["checks"]["slow_tests"]["mode"] == "enforce"
    assert result.ret == 1


def test_enforce_fails_the_session_even_when_tests_pass_and_keeps_test_failures(
    pytester: pytest.Pytester,
) -> None:
    make_project(pytester, ALWAYS_SLOW + "mode = 'enforce'\n")
    pytester.makepyfile(test_x=SLOW_TEST + "\ndef test_broken():\n    assert False\n")
    result = pytester.runpytest()
    assert result.ret == 1
    result.assert_outcomes(passed=2, failed=1)


def test_report_without_findings_is_ok_and_valid(pytester: pytest.Pytester) -> None:
    make_project(pytester, "[tool.g6gov.slow_tests]\nthreshold_seconds = 30\n")
    pytester.makepyfile(test_x=SLOW_TEST)
    out = pytester.path / "sub" / "report.json"
    result = pytester.runpytest(f"--g6-report={out}", "--g6-enforce")
    assert result.ret == 0
    check = read_report(out)["checks"]["slow_tests"]
    assert check["status"] == "ok"
    assert check["findings"] == []
    assert check["slowest"][0]["nodeid"] == "test_x.py::test_slow"
    result.stdout.fnmatch_lines(["  slowest: 0.*s test_x.py::test_slow", "  slowest: *test_fast"])
    assert not list(out.parent.glob("*.tmp"))


def test_report_schema_rejects_a_broken_report() -> None:
    import jsonschema

    from pytest_g6gov.report import validate_report

    with pytest.raises(jsonschema.ValidationError):
        validate_report({"schema_version": 1, "release": None, "checks": {"x": {"mode": "loud"}}})


@pytest.mark.parametrize("xdist", XDIST)
def test_marked_test_is_exempt(pytester: pytest.Pytester, xdist: list[str]) -> None:
    make_project(pytester, ALWAYS_SLOW + "mode = 'enforce'\n")
    pytester.makepyfile(test_x="import pytest\n\n@pytest.mark.slow\ndef test_a():\n    pass\n")
    result = pytester.runpytest(*xdist, "-W", "error::pytest.PytestUnknownMarkWarning")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["slow_tests (enforce): ok"])


@pytest.mark.parametrize("xdist", XDIST)
def test_custom_marker_name(pytester: pytest.Pytester, xdist: list[str]) -> None:
    make_project(pytester, ALWAYS_SLOW + "marker = 'sluggish'\nmode = 'enforce'\n")
    pytester.makepyfile(
        test_x="import time\nimport pytest\n\n@pytest.mark.sluggish\ndef test_a():\n"
        "    time.sleep(0.01)\n\n@pytest.mark.slow\ndef test_b():\n    time.sleep(0.01)\n"
    )
    result = pytester.runpytest(*xdist)
    assert result.ret == 1
    lines = governance_lines(result.outlines)
    assert any("test_b" in line for line in lines if line.startswith("SLOW001"))
    assert not any("test_a" in line for line in lines if line.startswith("SLOW001"))


def test_a_crashing_check_is_one_g6g000_finding(pytester: pytest.Pytester) -> None:
    make_project(pytester, ALWAYS_SLOW + "mode = 'enforce'\n")
    pytester.makeconftest(
        "import pytest_g6gov.checks.slow_tests as s\n\n"
        "def boom(*args, **kwargs):\n    raise RuntimeError('kaboom')\n\n"
        "s.evaluate = boom\n"
    )
    pytester.makepyfile(test_x=SLOW_TEST)
    report = pytester.path / "r.json"
    result = pytester.runpytest_subprocess(f"--g6-report={report}")
    assert result.ret == 1
    assert "Traceback" not in result.stdout.str()
    result.stdout.fnmatch_lines(["G6G000 ERROR check slow_tests failed internally: *kaboom*"])
    assert read_report(report)["checks"]["slow_tests"]["status"] == "error"


@pytest.mark.slow
def test_same_findings_under_xdist(pytester: pytest.Pytester) -> None:
    make_project(pytester, ALWAYS_SLOW)
    pytester.makepyfile(test_x=ALL_SLOW_TEST, test_y=ALL_SLOW_TEST)
    plain, dist = pytester.path / "plain.json", pytester.path / "dist.json"
    pytester.runpytest(f"--g6-report={plain}")
    result = pytester.runpytest("-n", "2", f"--g6-report={dist}")
    assert result.ret == 0
    assert result.stdout.str().count(" g6 governance ") == 1

    def codes(path: object) -> list[tuple[str, str]]:
        data = read_report(pytester.path / str(path))
        found = data["checks"]["slow_tests"]["findings"]
        return sorted((f["code"], f["path"]) for f in found)

    assert codes(plain) == codes(dist)
    assert len(codes(dist)) == 4
