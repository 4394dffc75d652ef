"""g6runtime.metrics: the spec file, the registry built from it, gating, HTTP, promtool."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from dataclasses import FrozenInstanceError
from pathlib import Path

import jsonschema
import prometheus_client
import pytest

import g6runtime.metrics as metrics_pkg
from g6runtime.metrics import (
    Metrics,
    MetricSpec,
    MetricsSpecError,
    UnknownMetricGroupError,
    build_registry,
    default_spec_path,
    exposition,
    governance_registry,
    groups_of,
    load_spec,
)

ROOT = Path(__file__).resolve().parents[2]
DOCS_SPEC = ROOT / "docs" / "metrics_spec.yaml"
LABEL_VALUES = {"index": "NIFTY", "expiry": "this_week", "kind": "missing"}


@pytest.fixture(scope="module")
def specs() -> tuple[MetricSpec, ...]:
    return load_spec()


def populate(metrics: Metrics) -> None:
    """Give every enabled metric at least one sample (one child per labelled metric)."""
    for spec in metrics.specs.values():
        if not metrics.is_enabled(spec.name):
            continue
        kwargs = {label: LABEL_VALUES.get(label, "x") for label in spec.labels}
        if spec.type == "counter":
            c = metrics.counter(spec.name)
            (c.labels(**kwargs) if kwargs else c).inc(2)
        elif spec.type == "gauge":
            g = metrics.gauge(spec.name)
            (g.labels(**kwargs) if kwargs else g).set(1.5)
        elif spec.type == "histogram":
            h = metrics.histogram(spec.name)
            (h.labels(**kwargs) if kwargs else h).observe(0.2)
        elif spec.type == "summary":
            s = metrics.summary(spec.name)
            (s.labels(**kwargs) if kwargs else s).observe(0.2)
        else:
            i = metrics.info(spec.name)
            (i.labels(**kwargs) if kwargs else i).info({"version": "0"})


def exposed_families(metrics: Metrics) -> set[str]:
    text = exposition(metrics).decode()
    return set(re.findall(r"^# TYPE (\S+) ", text, flags=re.MULTILINE))


# --- the spec file ------------------------------------------------------------


def test_repo_spec_loads_sorted_unique(specs: tuple[MetricSpec, ...]) -> None:
    names = [s.name for s in specs]
    assert names == sorted(names)
    assert len(set(names)) == len(names)
    assert all(s.line is not None and s.path == str(DOCS_SPEC) for s in specs)
    with pytest.raises(FrozenInstanceError):
        specs[0].name = "g6_other"  # type: ignore[misc]


def test_packaged_spec_is_the_docs_spec() -> None:
    """One source: the package's metrics_spec.yaml is docs/metrics_spec.yaml (a symlink)."""
    packaged = Path(metrics_pkg.__file__).with_name("metrics_spec.yaml")
    assert packaged.read_bytes() == DOCS_SPEC.read_bytes()
    assert default_spec_path() == DOCS_SPEC


def test_the_one_schema_is_a_valid_json_schema() -> None:
    """The runtime validates with the plugin's schema (the runtime ships none of its own)."""
    from pytest_g6gov.metrics_doc import SCHEMA_RESOURCE, schema

    assert not Path(metrics_pkg.__file__).with_name("spec.schema.json").exists()
    shipped = ROOT / "pytest_g6gov" / SCHEMA_RESOURCE
    assert schema() == json.loads(shipped.read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema()).check_schema(schema())


REQUIRED = {
    "g6_cycle_duration_seconds": ("histogram", (), "cycle"),
    "g6_cycles_total": ("counter", (), "cycle"),
    "g6_cycle_failures_total": ("counter", (), "cycle"),
    "g6_last_cycle_timestamp_seconds": ("gauge", (), "cycle"),
    "g6_csv_rows_written_total": ("counter", ("index",), "storage"),
    "g6_iv_estimation_success_total": ("counter", ("index", "expiry"), "iv_estimation"),
    "g6_iv_estimation_failure_total": ("counter", ("index", "expiry"), "iv_estimation"),
    "g6_iv_solver_iterations": ("histogram", ("index",), "iv_estimation"),
    "g6_data_quality_issues_total": ("counter", ("index", "kind"), "data_quality"),
    "g6_provider_errors_total": ("counter", ("index", "kind"), "provider"),
    "g6_provider_request_duration_seconds": ("histogram", (), "provider"),
    "g6_options_collected_total": ("counter", ("index", "expiry"), "options"),
    "g6_index_price": ("gauge", ("index",), "options"),
    "g6_pcr": ("gauge", ("index", "expiry"), "options"),
    "g6_panels_integrity_ok": ("gauge", (), "panels"),
    "g6_panels_integrity_mismatches_total": ("counter", (), "panels"),
    "g6_panels_integrity_checks_total": ("counter", (), "panels"),
    "g6_errors_total": ("counter", ("component", "category"), "errors"),  # see g6runtime/errors.py
}


def test_spec_declares_the_runtime_families(specs: tuple[MetricSpec, ...]) -> None:
    by_name = {s.name: (s.type, s.labels, s.group) for s in specs}
    assert {name: by_name.get(name) for name in REQUIRED} == REQUIRED


def test_spec_names_follow_met004(specs: tuple[MetricSpec, ...]) -> None:
    bad_units = re.compile(
        r"_(ms|milliseconds|microseconds|nanoseconds|minutes|hours|days|kb|mb)(_|$)"
    )
    for s in specs:
        assert re.fullmatch(r"g6_[a-z0-9]+(_[a-z0-9]+)*", s.name), s.name
        assert s.name.endswith("_total") == (s.type == "counter"), s.name
        if s.type in ("histogram", "summary") and re.search("duration|latency|time", s.name):
            assert s.name.endswith("_seconds"), s.name
        assert not bad_units.search(s.name), s.name
        assert not re.search(r"_(bucket|count|sum|counter|gauge|histogram|summary)$", s.name)
        assert not {"le", "quantile"} & set(s.labels), s.name


# --- spec errors carry file and line ------------------------------------------

ENTRY = (
    "- name: {name}\n  type: counter\n  labels: []\n"
    "  group: g\n  stability: beta\n  description: d\n"
)


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        (ENTRY.format(name="g6_b_total") + ENTRY.format(name="g6_a_total"), 7, "must be sorted"),
        (ENTRY.format(name="g6_a_total") * 2, 7, "metric name 'g6_a_total' appears more than"),
        (ENTRY.format(name="g6_a_total").replace("counter", "countr"), 2, "'countr' is not one of"),
        (ENTRY.format(name="g6_a_total").replace("  group: g\n", ""), 1, "'group' is a required"),
        (ENTRY.format(name="g6_a_total") + "  unit: s\n", 1, "'unit' was unexpected"),
        (ENTRY.format(name="g6_a_total") + "  buckets: [1, 2]\n", 2, "for histograms only"),
        (
            ENTRY.format(name="g6_a_seconds").replace("counter", "histogram")
            + "  buckets: [2, 1]\n",
            1,
            "buckets must increase strictly",
        ),
        (ENTRY.format(name="g6_a_total").replace("labels: []", "labels: [le-x]"), 3, "labels[0]"),
        (ENTRY.format(name="g6_a_total") + "  group: h\n", 7, "has the key 'group' more than"),
        (ENTRY.format(name="g6_a_total") + "- name: [unclosed\n", 8, "is not valid YAML"),
        ("name: g6_a_total\n", 1, "must be a YAML list of metric entries"),
        ("# nothing here\n", 1, "must be a YAML list of metric entries"),
    ],
    ids=[
        "unsorted",
        "duplicate",
        "bad-type",
        "missing-key",
        "unknown-key",
        "buckets-on-counter",
        "buckets-order",
        "bad-label",
        "duplicate-key",
        "yaml-syntax",
        "not-a-list",
        "empty",
    ],
)
def test_bad_spec_raises_with_file_and_line(
    tmp_path: Path, text: str, line: int, fragment: str
) -> None:
    path = tmp_path / "metrics_spec.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MetricsSpecError) as info:
        load_spec(path)
    err = info.value
    assert (err.path, err.line) == (str(path), line)
    assert fragment in err.message
    assert str(err).startswith(f"{path}:{line}: ")


def test_unreadable_spec_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(MetricsSpecError, match="cannot read") as info:
        load_spec(missing)
    assert info.value.path == str(missing)


def test_entry_refused_by_prometheus_client_names_its_line(tmp_path: Path) -> None:
    text = ENTRY.format(name="g6_a_seconds").replace("counter", "histogram")
    path = tmp_path / "spec.yaml"
    path.write_text(text.replace("labels: []", "labels: [le]"), encoding="utf-8")
    with pytest.raises(MetricsSpecError, match="g6_a_seconds") as info:
        build_registry(load_spec(path))
    assert (info.value.path, info.value.line) == (str(path), 1)


# --- the registry built from the spec -----------------------------------------


def test_every_spec_metric_is_registered_with_its_type_and_labels(
    specs: tuple[MetricSpec, ...],
) -> None:
    metrics = build_registry(specs)
    families = {f.name: f.type for f in metrics.registry.collect()}
    assert families == {s.family_name: s.type for s in specs}

    populate(metrics)
    labels_seen: dict[str, set[str]] = {}
    for family in metrics.registry.collect():
        for sample in family.samples:
            labels_seen.setdefault(family.name, set()).update(
                set(sample.labels) - {"le", "quantile"}
            )
    assert labels_seen == {s.family_name: set(s.labels) for s in specs}


def test_builds_are_private_and_independent(specs: tuple[MetricSpec, ...]) -> None:
    first, second = build_registry(specs), build_registry(specs)
    first.counter("g6_cycles_total").inc(3)
    assert b"g6_cycles_total 3.0" in exposition(first)
    assert b"g6_cycles_total 0.0" in exposition(second)
    global_names = {f.name for f in prometheus_client.REGISTRY.collect()}
    assert not any(name.startswith("g6_") for name in global_names)
    assert not any(name.startswith(("process_", "python_")) for name in exposed_families(first))


@pytest.mark.parametrize(
    ("enabled", "disabled", "expected"),
    [
        (None, frozenset(), lambda every: set(every)),
        (frozenset({"cycle", "storage"}), frozenset(), lambda _: {"cycle", "storage"}),
        (None, frozenset({"panels", "options"}), lambda every: every - {"panels", "options"}),
        (frozenset({"cycle", "storage"}), frozenset({"cycle"}), lambda _: {"storage"}),
        (frozenset(), frozenset(), lambda _: set()),
    ],
    ids=["all", "enable-list", "disable-list", "deny-wins", "none"],
)
def test_group_gating_changes_what_is_exposed(
    specs: tuple[MetricSpec, ...],
    enabled: frozenset[str] | None,
    disabled: frozenset[str],
    expected: Callable[[frozenset[str]], set[str]],
) -> None:
    groups = expected(groups_of(specs))  # a function of the spec's groups
    metrics = build_registry(specs, enabled, disabled)
    populate(metrics)  # also drives the no-op stand-ins of the disabled groups
    assert metrics.enabled_groups == groups
    want = {s.name if s.type != "info" else s.name + "_info" for s in specs if s.group in groups}
    assert exposed_families(metrics) == want


def test_disabled_metric_is_a_noop_that_still_checks_labels(
    specs: tuple[MetricSpec, ...],
) -> None:
    on = build_registry(specs)
    off = build_registry(specs, disabled_groups=frozenset({"storage"}))
    assert not off.is_enabled("g6_csv_rows_written_total")
    for metrics in (on, off):
        rows = metrics.counter("g6_csv_rows_written_total")
        rows.labels(index="NIFTY").inc(4)
        rows.labels("BANKNIFTY").inc()
        with pytest.raises(ValueError):
            rows.labels(idx="NIFTY")
        with pytest.raises(ValueError):
            rows.labels("NIFTY", "extra")
        with pytest.raises(ValueError):
            rows.inc()  # labelled metric used without label values
        with pytest.raises(ValueError):
            rows.labels(index="NIFTY").inc(-1)
        with pytest.raises(ValueError):
            metrics.counter("g6_cycles_total").labels("x")
    assert b"g6_csv_rows_written_total" not in exposition(off)


def test_undeclared_name_is_a_key_error_and_wrong_accessor_a_type_error(
    specs: tuple[MetricSpec, ...],
) -> None:
    metrics = build_registry(specs, disabled_groups=frozenset({"cycle"}))
    with pytest.raises(KeyError, match="not declared"):
        metrics.counter("g6_made_up_total")
    with pytest.raises(KeyError):
        metrics.is_enabled("g6_made_up_total")
    with pytest.raises(TypeError, match="is a counter"):
        metrics.gauge("g6_cycles_total")
    with pytest.raises(TypeError):
        metrics.counter("g6_cycle_duration_seconds")  # disabled group: still type-checked


def test_unknown_group_is_refused(specs: tuple[MetricSpec, ...]) -> None:
    with pytest.raises(UnknownMetricGroupError, match="cylce"):
        build_registry(specs, disabled_groups=frozenset({"cylce"}))
    with pytest.raises(UnknownMetricGroupError):
        build_registry(specs, enabled_groups=frozenset({"cycle", "nope"}))


CREATED_SAMPLE = re.compile(rb"^[a-zA-Z_:][a-zA-Z0-9_:]*_created[{ ]", re.MULTILINE)


def test_no_created_series(specs: tuple[MetricSpec, ...]) -> None:
    prometheus_client.enable_created_metrics()  # type: ignore[no-untyped-call]
    control = prometheus_client.CollectorRegistry()
    prometheus_client.Counter("g6_control_total", "Control.", registry=control).inc()
    assert CREATED_SAMPLE.search(prometheus_client.generate_latest(control))  # the check bites
    metrics = build_registry(specs)  # switches _created off again
    populate(metrics)
    assert not CREATED_SAMPLE.search(exposition(metrics))
    assert not CREATED_SAMPLE.search(prometheus_client.generate_latest(control))


def test_governance_registry_holds_every_spec_family(specs: tuple[MetricSpec, ...]) -> None:
    names = {f.name for f in governance_registry().collect()}
    assert names == {s.family_name for s in specs}


# --- promtool -------------------------------------------------------------------


def promtool_check(promtool: str, exposition_bytes: bytes, tmp_path: Path) -> tuple[int, str]:
    file = tmp_path / "exposition.prom"
    file.write_bytes(exposition_bytes)
    with file.open("rb") as stdin:
        done = subprocess.run(
            [promtool, "check", "metrics"], stdin=stdin, capture_output=True, timeout=60
        )
    return done.returncode, (done.stdout + done.stderr).decode()


def test_promtool_accepts_the_full_exposition(
    promtool: str, specs: tuple[MetricSpec, ...], tmp_path: Path
) -> None:
    metrics = build_registry(specs)
    populate(metrics)
    text = exposition(metrics)
    for s in specs:  # every metric has at least one sample line
        assert re.search(rf"^{s.name}(_bucket|_count|_sum|_info)?[{{ ]", text.decode(), re.M)
    assert promtool_check(promtool, text, tmp_path) == (0, "")


def test_promtool_negative_control_complains(promtool: str, tmp_path: Path) -> None:
    bad = (
        b"# HELP g6_requests Requests.\n# TYPE g6_requests counter\ng6_requests 1\n"
        b"# HELP g6_foo_milliseconds Foo.\n# TYPE g6_foo_milliseconds gauge\n"
        b"g6_foo_milliseconds 3\n"
    )
    code, output = promtool_check(promtool, bad, tmp_path)
    assert code != 0
    assert 'g6_requests counter metrics should have "_total" suffix' in output
    assert "g6_foo_milliseconds" in output


def test_promtool_catches_a_bad_spec_built_through_the_registry(
    promtool: str, tmp_path: Path
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        ENTRY.format(name="g6_latency_milliseconds").replace("counter", "gauge"), encoding="utf-8"
    )
    metrics = build_registry(load_spec(spec))
    populate(metrics)
    code, output = promtool_check(promtool, exposition(metrics), tmp_path)
    assert code != 0 and "g6_latency_milliseconds" in output
