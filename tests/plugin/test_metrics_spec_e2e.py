"""metrics_spec through a real pytest run: spec vs live registry, cardinality baseline."""

from __future__ import annotations

import json

import pytest

from .helpers import XDIST, governance_lines, make_project, read_report

SPEC = """\
- name: app_jobs_total
  type: counter
  labels: [queue]
  group: jobs
  stability: stable
  description: Jobs processed
- name: app_queue_depth
  type: gauge
  labels: [queue]
  group: jobs
  stability: beta
  description: Jobs waiting
"""

REGISTRY = """\
from prometheus_client import CollectorRegistry, Counter, Gauge

QUEUES = {queues!r}


def build():
    registry = CollectorRegistry()
    jobs = Counter("app_jobs_total", "Jobs processed", ["queue"], registry=registry)
    depth = Gauge("app_queue_depth", "Jobs waiting", {depth_labels!r}, registry=registry)
    for q in QUEUES:
        jobs.labels(queue=q).inc()
    {extra}
    return registry
"""


def project(
    pytester: pytest.Pytester,
    module: str,
    queues: list[str],
    depth_labels: tuple[str, ...] = ("queue",),
    extra: str = "pass",
    spec: str = SPEC,
) -> None:
    make_project(
        pytester,
        f"[tool.g6gov.metrics_spec]\nregistry = '{module}:build'\nprefix = 'app_'\n"
        "max_growth_percent = 50\nspec = 'metrics.yaml'\n",
    )
    (pytester.path / "metrics.yaml").write_text(spec)
    (pytester.path / f"{module}.py").write_text(
        REGISTRY.format(queues=queues, depth_labels=list(depth_labels), extra=extra)
    )
    pytester.makepyfile(test_ok="def test_ok():\n    pass\n")


@pytest.mark.parametrize("xdist", XDIST)
def test_conforming_registry_is_ok(pytester: pytest.Pytester, xdist: list[str]) -> None:
    project(pytester, f"reg_ok_{len(xdist)}", ["a", "b"])
    result = pytester.runpytest(*xdist, "--g6-enforce")
    assert result.ret == 0
    assert governance_lines(result.outlines) == ["metrics_spec (enforce): ok"]


@pytest.mark.parametrize("xdist", XDIST)
def test_drift_types_and_labels_are_reported(pytester: pytest.Pytester, xdist: list[str]) -> None:
    extra = (
        "from prometheus_client import Histogram, Summary\n"
        "    Histogram('app_undeclared_seconds', 'x', registry=registry)\n"
        "    Summary('app_workers', 'x', registry=registry)"
    )
    module = f"reg_drift_{len(xdist)}"
    project(pytester, module, ["a"], depth_labels=("queue", "host"), extra=extra)
    spec = SPEC + (
        "- name: app_workers\n  type: gauge\n  labels: []\n  group: jobs\n"
        "  stability: beta\n  description: a summary in the registry\n"
        "- name: app_zmissing\n  type: gauge\n  labels: []\n  group: jobs\n"
        "  stability: beta\n  description: never registered\n"
    )
    (pytester.path / "metrics.yaml").write_text(spec)
    report = pytester.path / "r.json"
    result = pytester.runpytest(*xdist, "--g6-enforce", f"--g6-report={report}")
    assert result.ret == 1
    codes = sorted(f["code"] for f in read_report(report)["checks"]["metrics_spec"]["findings"])
    assert codes == ["MET001", "MET002", "MET003", "MET005"]


def test_spec_problems_point_at_the_spec_line(pytester: pytest.Pytester) -> None:
    bad = SPEC.replace("app_queue_depth", "app_a_depth_ms")  # unsorted and a non-base unit
    project(pytester, "reg_spec", ["a"], spec=bad)
    report = pytester.path / "r.json"
    pytester.runpytest(f"--g6-report={report}")
    found = read_report(report)["checks"]["metrics_spec"]["findings"]
    assert {("MET007", 7), ("MET004", 7)} <= {(f["code"], f["line"]) for f in found}
    assert all(f["path"] == "metrics.yaml" for f in found if f["code"] in ("MET004", "MET007"))


@pytest.mark.slow
def test_cardinality_baseline_ratchets(pytester: pytest.Pytester) -> None:
    project(pytester, "reg_card1", ["a", "b"])
    result = pytester.runpytest("--g6-update-baselines")
    base = pytester.path / "baselines" / "metrics_spec.json"
    assert json.loads(base.read_text())["entries"] == {"jobs": 2}
    result.stdout.fnmatch_lines(["baseline metrics_spec.json: created with 1 entry"])
    # growth beyond 50 % without a changelog line: MET006
    project(pytester, "reg_card2", ["a", "b", "c", "d"])
    result = pytester.runpytest("--g6-enforce")
    assert result.ret == 1
    assert any(x.startswith("MET006 ERROR") for x in governance_lines(result.outlines))
    # a changelog line naming the group under [Unreleased] allows it
    (pytester.path / "CHANGELOG.md").write_text("## [Unreleased]\n- more jobs queues\n\n## [1.0]\n")
    assert pytester.runpytest("--g6-enforce").ret == 0
    # update refuses to record growth without --g6-accept-regressions ...
    pytester.runpytest("--g6-update-baselines")
    assert json.loads(base.read_text())["entries"] == {"jobs": 2}
    # ... records it with the flag, and tightens when the count falls
    pytester.runpytest("--g6-update-baselines", "--g6-accept-regressions")
    assert json.loads(base.read_text())["entries"] == {"jobs": 4}
    project(pytester, "reg_card3", ["a"])
    result = pytester.runpytest("--g6-update-baselines")
    assert json.loads(base.read_text())["entries"] == {"jobs": 1}
    result.stdout.fnmatch_lines(
        ["baseline metrics_spec.json: tightened jobs: 4 series -> 1 series"]
    )


def test_registry_that_cannot_be_imported_is_g6g000(pytester: pytest.Pytester) -> None:
    project(pytester, "reg_broken", ["a"], extra="raise RuntimeError('no db')")
    report = pytester.path / "r.json"
    result = pytester.runpytest("--g6-enforce", f"--g6-report={report}")
    assert result.ret == 1
    assert read_report(report)["checks"]["metrics_spec"]["status"] == "error"
    assert "Traceback" not in result.stdout.str()
