"""Unit tests of the ``metrics_spec`` check: MET001–MET007 and G6G000, on real registries."""

from __future__ import annotations

import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Counter, Enum, Gauge, Histogram, Info, Summary

from pytest_g6gov.checks import CheckContext
from pytest_g6gov.checks.metric_naming import naming_problems, naming_violations
from pytest_g6gov.checks.metrics_spec import (
    SpecMetric,
    compare,
    growth_findings,
    import_registry,
    load_spec,
    registry_families,
    run,
    series_counts,
    unreleased_lines,
)
from pytest_g6gov.findings import Finding, InputError

from .helpers import write

SPEC = "docs/metrics_spec.yaml"


def entry(
    name: str, mtype: str = "gauge", labels: Sequence[str] = (), **extra: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {"name": name, "type": mtype, "labels": list(labels), "group": "core"}
    data.update(stability="stable", description="what it measures")
    data.update(extra)
    return data


def spec_text(*entries: Mapping[str, Any]) -> str:
    return yaml.safe_dump([dict(e) for e in entries], sort_keys=False)


def load(root: Path, text: str | bytes) -> tuple[list[SpecMetric], list[Finding]]:
    metrics, findings = load_spec(write(root, SPEC, text), SPEC)
    return metrics, findings


def spec(*entries: Mapping[str, Any]) -> list[SpecMetric]:
    with tempfile.TemporaryDirectory() as tmp:
        metrics, findings = load(Path(tmp), spec_text(*entries))
    assert findings == []
    return metrics


def codes(findings: Sequence[Finding]) -> list[str]:
    return [f.code for f in findings]


def check(metrics: Sequence[SpecMetric], registry: CollectorRegistry) -> list[Finding]:
    return compare(metrics, registry_families(registry), "g6_", SPEC)


REGMOD_HEAD = """\
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

def build():
    r = CollectorRegistry()
"""


@pytest.fixture(autouse=True)
def _fresh_regmod() -> Iterator[None]:
    """Each test's ``regmod`` lives in its own tmp_path: never reuse a cached import."""
    sys.modules.pop("regmod", None)
    yield
    sys.modules.pop("regmod", None)


def regmod(root: Path, body: str, head: str = REGMOD_HEAD) -> None:
    write(root, "regmod.py", head + textwrap.indent(textwrap.dedent(body), "    "))


def project(root: Path, entries: Sequence[Mapping[str, Any]], body: str) -> None:
    write(root, SPEC, spec_text(*entries))
    regmod(root, body + "\nreturn r\n")


def run_project(root: Path, baseline: Mapping[str, float] | None = None, **options: Any) -> Any:
    opts = {"registry": "regmod:build", **options}
    return run(CheckContext(root, opts, None, date(2026, 6, 15)), baseline)


# --------------------------------------------------------------------------- MET004 naming


@pytest.mark.parametrize(
    ("name", "mtype", "labels"),
    [
        ("g6_rows_written_total", "counter", ["index"]),
        ("g6_queue_depth", "gauge", []),
        ("g6_cycle_duration_seconds", "histogram", ["stage"]),
        ("g6_rpc_latency_seconds", "summary", []),
        ("g6_payload_bytes", "gauge", []),
        ("g6_build", "info", ["version"]),
        ("g6_thermometers", "gauge", []),  # promlint: "thermometers" is not "meters"
    ],
)
def test_good_names_have_no_naming_problem(name: str, mtype: str, labels: list[str]) -> None:
    assert naming_problems(name, mtype, labels, "g6_") == []


@pytest.mark.parametrize(
    ("name", "mtype", "labels", "rule"),
    [
        ("iv_solves_total", "counter", [], "prefix"),
        ("g6_rowsWritten_total", "counter", [], "snake_case"),
        ("G6_ROWS_total", "counter", [], "snake_case"),
        ("g6_queue:depth", "gauge", [], "snake_case"),
        ("g6_depth", "gauge", ["queueName"], "snake_case"),
        ("g6_rows_written", "counter", [], "counter_total"),
        ("g6_depth_total", "gauge", [], "non_counter_total"),
        ("g6_build_total", "info", [], "non_counter_total"),
        ("g6_cycle_duration", "histogram", [], "duration_seconds"),
        ("g6_rpc_latency", "summary", [], "duration_seconds"),
        ("g6_wait_time_ms", "histogram", [], "duration_seconds"),
        ("g6_wait_ms", "gauge", [], "unit_abbreviation"),
        ("g6_size_kb", "gauge", [], "unit_abbreviation"),
        ("g6_wait_milliseconds", "gauge", [], "non_base_unit"),
        ("g6_age_minutes", "gauge", [], "non_base_unit"),
        ("g6_payload_kilobytes", "gauge", [], "non_base_unit"),
        ("g6_rows_bucket", "gauge", [], "reserved_suffix"),
        ("g6_rows_count", "gauge", [], "reserved_suffix"),
        ("g6_rows_sum", "gauge", [], "reserved_suffix"),
        ("g6_size_bucket", "histogram", [], "reserved_suffix"),
        ("g6_errors_counter_total", "counter", [], "type_in_name"),
        ("g6_depth_gauge", "gauge", [], "type_in_name"),
        ("g6_level", "gauge", ["le"], "reserved_label"),
        ("g6_level", "gauge", ["quantile"], "reserved_label"),
    ],
)
def test_each_naming_rule_fires(name: str, mtype: str, labels: list[str], rule: str) -> None:
    problems = naming_violations(name, mtype, labels, "g6_")
    assert rule in {p.rule for p in problems}
    assert naming_problems(name, mtype, labels, "g6_") == [p.message for p in problems]


def test_the_duration_rule_is_for_histograms_and_summaries_only() -> None:
    assert naming_problems("g6_last_cycle_duration", "gauge", [], "g6_") == []


def test_an_empty_prefix_disables_the_prefix_rule() -> None:
    assert naming_problems("iv_solves_total", "counter", [], "") == []


@settings(max_examples=150, deadline=None)
@given(
    st.text(max_size=40),
    st.one_of(st.sampled_from(["counter", "gauge", "histogram", "summary", "info"]), st.text()),
    st.lists(st.text(max_size=12), max_size=4),
    st.sampled_from(["", "g6_", "ü"]),
)
def test_naming_problems_never_raises(name: str, mtype: str, labels: list[str], pre: str) -> None:
    assert all(isinstance(p, str) for p in naming_problems(name, mtype, labels, pre))


def test_met004_findings_point_at_the_entry_line(tmp_path: Path) -> None:
    write(tmp_path, SPEC, spec_text(entry("g6_a_total", "counter"), entry("g6_b_ms")))
    regmod(
        tmp_path, "Counter('g6_a', 'x', registry=r)\nGauge('g6_b_ms', 'x', registry=r)\nreturn r\n"
    )
    result = run_project(tmp_path)
    assert [(f.code, f.line) for f in result.findings] == [("MET004", 7)]


# --------------------------------------------------------------------------- spec file (MET007)


def test_a_valid_spec_loads_with_lines(tmp_path: Path) -> None:
    text = textwrap.dedent(
        """\
        # comment
        - name: g6_a_seconds
          type: histogram
          labels: []
          group: cycle
          stability: beta
          description: A
          buckets: [0.1, 1]

        - name: g6_b_total
          type: counter
          labels: [index, expiry]
          group: iv
          stability: stable
          description: B
        """
    )
    metrics, findings = load(tmp_path, text)
    assert findings == []
    a, b = metrics
    assert (a.name, a.type, a.buckets, a.line, a.family) == (
        "g6_a_seconds",
        "histogram",
        (0.1, 1.0),
        2,
        "g6_a_seconds",
    )
    assert (b.labels, b.group, b.line, b.family) == (("index", "expiry"), "iv", 10, "g6_b")


@pytest.mark.parametrize(
    ("bad", "offset"),  # offset of the reported line from the broken entry's first line
    [
        ({"type": "timer"}, 1),
        ({"stability": "ga"}, 4),
        ({"labels": "index"}, 2),
        ({"labels": ["a", "a"]}, 2),
        ({"unit": "seconds"}, 0),  # an unknown key: reported at the entry
        ({"buckets": [1, 2]}, 1),  # a gauge with buckets: reported at its type
        ({"description": ""}, 5),
        ({"name": 12}, 0),
    ],
)
def test_schema_violations_are_met007_at_their_line(
    tmp_path: Path, bad: dict[str, Any], offset: int
) -> None:
    # a comment line, entry g6_a at lines 2-7, the broken entry from line 8
    text = "# spec\n" + spec_text(entry("g6_a"), {**entry("g6_b"), **bad})
    metrics, findings = load(tmp_path, text)
    assert findings and codes(findings) == ["MET007"] * len(findings)
    assert findings[0].line == 8 + offset, findings
    assert [m.name for m in metrics] == ["g6_a"]  # the broken entry is not compared


def test_a_missing_field_is_met007_and_the_entry_is_skipped(tmp_path: Path) -> None:
    broken = entry("g6_b")
    del broken["group"]
    metrics, findings = load(tmp_path, spec_text(entry("g6_a"), broken))
    assert codes(findings) == ["MET007"] and "group" in findings[0].message
    assert findings[0].line == 7 and [m.name for m in metrics] == ["g6_a"]


def test_duplicates_and_unsorted_names_are_met007(tmp_path: Path) -> None:
    _, findings = load(tmp_path, spec_text(entry("g6_b"), entry("g6_a"), entry("g6_a")))
    assert [(f.code, f.line) for f in findings] == [("MET007", 7), ("MET007", 13)]
    assert "sorted" in findings[0].message and "more than once" in findings[1].message


def test_sorting_is_plain_string_order(tmp_path: Path) -> None:
    _, findings = load(tmp_path, spec_text(entry("g6_B"), entry("g6_a"), entry("g6_a_b")))
    assert findings == []


def test_duplicate_keys_and_unsorted_buckets_are_met007(tmp_path: Path) -> None:
    text = spec_text(entry("g6_a_seconds", "histogram", buckets=[1, 0.5])) + "  group: other\n"
    metrics, findings = load(tmp_path, text)
    # the buckets at the entry, the repeated key at its second occurrence (line 10)
    assert [(f.code, f.line) for f in findings] == [("MET007", 1), ("MET007", 10)]
    assert "buckets must increase strictly" in findings[0].message
    assert "has the key 'group' more than once" in findings[1].message
    assert [m.group for m in metrics] == ["other"]


def test_a_bucket_too_large_for_a_float_is_infinite(tmp_path: Path) -> None:
    huge = 10**400
    metrics, findings = load(
        tmp_path, spec_text(entry("g6_a_seconds", "histogram", buckets=[1, huge]))
    )
    assert findings == [] and metrics[0].buckets == (1.0, float("inf"))


@pytest.mark.parametrize("text", ["{}\n", "just text\n", "", "# only a comment\n", "42\n"])
def test_a_spec_that_is_not_a_list_is_met007(tmp_path: Path, text: str) -> None:
    metrics, findings = load(tmp_path, text)
    assert metrics == [] and codes(findings) == ["MET007"]


def test_an_empty_list_is_a_valid_spec(tmp_path: Path) -> None:
    assert load(tmp_path, "[]\n") == ([], [])


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ("- name: g6_a\n  type: [gauge\n", 3),  # YAML syntax error
        ("- name: g6_a\n\tlabels: []\n", 2),  # a tab
        (b"- name: g6_\xff\n", 1),  # not UTF-8
        ("- name: g6_a\x07\n", 1),  # a control character
        ("- a\n---\n- b\n", 2),  # two documents
        ("- name: 2026-13-45\n", None),  # an impossible timestamp
        ("[" * 600 + "]" * 600, None),  # nested beyond the composer's recursion
    ],
    ids=["syntax", "tab", "not-utf8", "control-char", "two-documents", "bad-date", "deep"],
)
def test_unparsable_specs_raise_input_error(
    tmp_path: Path, content: str | bytes, line: int | None
) -> None:
    with pytest.raises(InputError) as info:
        load(tmp_path, content)
    assert info.value.path == SPEC and info.value.line == line
    assert info.value.finding().code == "G6G000"


def test_a_missing_spec_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        load_spec(tmp_path / SPEC, SPEC)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.one_of(
        st.text(),
        st.text(alphabet="- :[]{}#\n\t'\"&*!|>,?abcgnlt_0123456789"),
        st.lists(
            st.fixed_dictionaries(
                {"name": st.text(max_size=8), "type": st.sampled_from(["gauge", "counter", "x"])},
                optional={
                    "labels": st.lists(st.text(max_size=4)),
                    "buckets": st.lists(st.one_of(st.floats(), st.integers())),
                },
            )
        ).map(lambda items: yaml.safe_dump(items)),
    )
)
def test_loading_arbitrary_text_only_raises_input_error(tmp_path: Path, text: str) -> None:
    try:
        metrics, findings = load(tmp_path, text)
    except InputError as exc:
        assert exc.finding().code == "G6G000"
    else:
        assert all(f.code == "MET007" for f in findings)
        assert all(isinstance(m, SpecMetric) for m in metrics)


# --------------------------------------------------------------------------- YAML limits

ENTRIES = """\
# The metrics of the demo service.
- name: g6_cycles_total
  type: counter
  labels: []
  group: core
  stability: stable
  description: Collection cycles run since start
- name: g6_cycle_duration_seconds
  type: histogram
  labels: [index]
  group: core
  stability: stable
  description: Time one collection cycle took
  buckets: [0.01, 0.1, 1, 10]
- name: g6_rows_written_total
  type: counter
  labels: [index, expiry]
  group: storage
  stability: beta
  description: CSV rows written
"""


def alias_bomb(levels: int = 8, width: int = 9) -> str:
    """A "billion laughs" spec: each level is ``width`` aliases of the one before."""
    rows = [f"- &a0 [{', '.join(['lol'] * width)}]\n"]
    rows += [f"- &a{i} [{', '.join([f'*a{i - 1}'] * width)}]\n" for i in range(1, levels)]
    return ENTRIES + "".join(rows)


def test_a_billion_laughs_spec_is_one_g6g000_fast(tmp_path: Path) -> None:
    bomb = alias_bomb()
    assert len(bomb.encode()) < 1000  # 9**8 = 43 million leaves from under a kilobyte
    project(tmp_path, [], "Gauge('g6_x', 'x', registry=r)")
    write(tmp_path, SPEC, bomb)
    started = time.perf_counter()
    result = run_project(tmp_path)
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0, f"{elapsed:.1f}s"
    (finding,) = result.findings
    assert finding.code == "G6G000" and finding.path == SPEC
    assert finding.message.startswith(f"{SPEC} ") and "alias" in finding.message
    assert finding.line is not None and finding.line > ENTRIES.count("\n")


def test_few_aliases_nested_deep_exhaust_the_node_budget(tmp_path: Path) -> None:
    bomb = alias_bomb(levels=24, width=2)  # 46 aliases, 2**23 nodes once expanded
    started = time.perf_counter()
    with pytest.raises(InputError, match="alias") as info:
        load(tmp_path, bomb)
    assert time.perf_counter() - started < 2.0
    assert info.value.path == SPEC and "nodes" in info.value.message


def test_too_many_aliases_is_input_error(tmp_path: Path) -> None:
    text = "- &x g6_a\n" + "- *x\n" * 5000
    with pytest.raises(InputError, match="aliases") as info:
        load(tmp_path, text)
    assert info.value.path == SPEC and info.value.line is not None


def test_a_few_aliases_load_as_usual(tmp_path: Path) -> None:
    text = (
        "- name: g6_a\n  type: gauge\n  labels: &labels [index, expiry]\n  group: core\n"
        "  stability: stable\n  description: x\n"
        "- name: g6_b\n  type: gauge\n  labels: *labels\n  group: core\n"
        "  stability: stable\n  description: x\n"
    )
    metrics, findings = load(tmp_path, text)
    assert findings == [] and [m.labels for m in metrics] == [("index", "expiry")] * 2


def test_a_recursive_alias_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="alias") as info:
        load(tmp_path, "- &a [g6_x, *a]\n")
    assert info.value.line == 1


def test_a_spec_over_the_size_cap_is_not_parsed(tmp_path: Path) -> None:
    from pytest_g6gov.yaml_safe import MAX_BYTES

    path = write(tmp_path, SPEC, b"- " + b"a" * MAX_BYTES + b"\n")
    started = time.perf_counter()
    with pytest.raises(InputError, match="MiB") as info:
        load_spec(path, SPEC)
    assert time.perf_counter() - started < 1.0
    assert info.value.path == SPEC


def _shared(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Lists and mappings that repeat one child object: safe_dump writes &id001 / *id001."""
    lists = st.lists(children, min_size=1, max_size=4).map(lambda xs: [*xs, xs[0]])
    maps = st.dictionaries(st.text("abk", min_size=1, max_size=3), children, max_size=3)
    return st.one_of(lists, maps.map(lambda d: {**d, "z": [d, d]}))


SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=6)
)
YAML_DOCS = st.one_of(
    st.text(max_size=60),
    st.text(alphabet="- :[]{}#\n'\"&*!|>,?<abz019.", max_size=60),
    st.recursive(SCALARS, _shared, max_leaves=12).map(lambda data: yaml.safe_dump(data)),
)


@settings(max_examples=300, deadline=None)
@given(YAML_DOCS)
def test_capped_loading_agrees_with_safe_load(text: str) -> None:
    from pytest_g6gov.yaml_safe import load_yaml

    try:
        expected = yaml.safe_load(text)
    except BaseException as exc:  # whatever safe_load raises, ours is the one InputError
        with pytest.raises(InputError) as info:
            load_yaml(text, "x.yaml")
        assert info.value.path == "x.yaml", exc
        return
    try:
        got = load_yaml(text, "x.yaml")
    except InputError as exc:  # only a limit may refuse what safe_load accepts
        assert "alias" in exc.message, exc.message
        return
    assert got == expected or repr(got) == repr(expected)


# --------------------------------------------------------------------------- registry (G6G000)


def test_import_registry_calls_the_target_and_restores_sys_path(tmp_path: Path) -> None:
    regmod(tmp_path, "Gauge('g6_x', 'x', registry=r)\nreturn r\n")
    before = list(sys.path)
    registry = import_registry(tmp_path, "regmod:build")
    assert isinstance(registry, CollectorRegistry)
    assert sys.path == before


@pytest.mark.parametrize(
    "target", ["regmod", "regmod:", ":build", "reg mod:build", "regmod:build()", "a..b:c"]
)
def test_a_malformed_target_is_input_error(tmp_path: Path, target: str) -> None:
    with pytest.raises(InputError, match=r"registry .* 'module:callable'"):
        import_registry(tmp_path, target)


BUILD = "from prometheus_client import CollectorRegistry\n\ndef build():\n"


@pytest.mark.parametrize(
    ("module", "target", "match"),
    [
        (
            BUILD + "    return CollectorRegistry()\n",
            "nomod:build",
            "cannot be imported: ModuleNotFoundError",
        ),
        (
            BUILD + "    return CollectorRegistry()\n",
            "regmod:nothing",
            "cannot be imported: AttributeError",
        ),
        (
            BUILD + "    return CollectorRegistry()\n1 / 0\n",
            "regmod:build",
            "cannot be imported: ZeroDivisionError",
        ),
        (BUILD + "    raise RuntimeError('boom')\n", "regmod:build", "raised RuntimeError: boom"),
        (BUILD + "    return {}\n", "regmod:build", "returned dict, not a CollectorRegistry"),
        ("VALUE = 3\n", "regmod:VALUE", "is not callable"),
    ],
)
def test_registry_problems_are_input_errors(
    tmp_path: Path, module: str, target: str, match: str
) -> None:
    write(tmp_path, "regmod.py", module)
    before = list(sys.path)
    with pytest.raises(InputError, match=match) as info:
        import_registry(tmp_path, target)
    assert "[tool.g6gov.metrics_spec] registry" in info.value.message
    assert info.value.finding().code == "G6G000"
    assert sys.path == before


def test_run_reports_registry_errors_as_g6g000_and_keeps_spec_findings(tmp_path: Path) -> None:
    project(tmp_path, [entry("g6_beta"), entry("g6_alpha")], "raise ValueError('no')")
    result = run_project(tmp_path)
    assert codes(result.findings) == ["G6G000", "MET007"]
    assert "raised ValueError: no" in result.findings[0].message and result.counts == {}


def test_an_unset_registry_is_g6g000(tmp_path: Path) -> None:
    write(tmp_path, SPEC, spec_text(entry("g6_a")))
    result = run_project(tmp_path, registry="")
    assert codes(result.findings) == ["G6G000"]
    assert "registry is not set" in result.findings[0].message


def test_an_unparsable_spec_stops_the_check(tmp_path: Path) -> None:
    project(tmp_path, [], "Gauge('g6_x', 'x', registry=r)")
    write(tmp_path, SPEC, "- name: [\n")
    result = run_project(tmp_path)
    assert codes(result.findings) == ["G6G000"] and result.findings[0].path == SPEC


# --------------------------------------------------------------------------- MET001–MET003, MET005


def test_a_matching_registry_has_no_findings() -> None:
    r = CollectorRegistry()
    Counter("g6_rows_total", "x", ["index"], registry=r)  # constructor name with _total
    Counter("g6_solves", "x", registry=r)  # ... and without
    Histogram("g6_cycle_seconds", "x", ["stage"], buckets=[0.1, 1], registry=r).labels("a").observe(
        1
    )
    Summary("g6_rpc_seconds", "x", registry=r).observe(2)
    Info("g6_build", "x", registry=r).info({"version": "1"})
    Gauge("other_depth", "x", registry=r)  # no prefix: not ours
    metrics = spec(
        entry("g6_build", "info", ["version"]),
        entry("g6_cycle_seconds", "histogram", ["stage"], buckets=[0.1, 1]),
        entry("g6_rows_total", "counter", ["index"]),
        entry("g6_rpc_seconds", "summary"),
        entry("g6_solves_total", "counter"),
    )
    assert check(metrics, r) == []


def test_met001_a_spec_metric_missing_from_the_registry() -> None:
    r = CollectorRegistry()
    findings = check(spec(entry("g6_gone_total", "counter")), r)
    assert [(f.code, f.path, f.line) for f in findings] == [("MET001", SPEC, 1)]


def test_met002_a_type_differs() -> None:
    r = CollectorRegistry()
    Gauge("g6_a", "x", registry=r)
    Counter("g6_b_total", "x", registry=r)
    Enum("g6_c", "x", states=["on", "off"], registry=r)
    metrics = spec(entry("g6_a_total", "counter"), entry("g6_b_total"), entry("g6_c"))
    findings = check(metrics, r)
    assert codes(findings) == ["MET002"] * 3
    assert "the spec says counter, the registry has a gauge" in findings[0].message
    assert "stateset" in findings[2].message


def test_met003_labels_differ_even_with_no_children() -> None:
    r = CollectorRegistry()
    Counter("g6_rows_total", "x", ["index", "expiry"], registry=r)  # no child yet: no samples
    Histogram("g6_wait_seconds", "x", ["stage"], registry=r)
    findings = check(
        spec(
            entry("g6_rows_total", "counter", ["index"]),
            entry("g6_wait_seconds", "histogram", ["stage"]),
        ),
        r,
    )
    assert codes(findings) == ["MET003"]
    assert "spec ['index'], registry ['expiry', 'index']" in findings[0].message


def test_labels_of_children_and_unlabelled_metrics_compare() -> None:
    r = CollectorRegistry()
    Gauge("g6_depth", "x", ["queue"], registry=r).labels("a").set(1)
    Gauge("g6_level", "x", registry=r).set(1)
    assert check(spec(entry("g6_depth", labels=["queue"]), entry("g6_level")), r) == []
    assert (
        codes(check(spec(entry("g6_depth"), entry("g6_level", labels=["x"])), r)) == ["MET003"] * 2
    )


def test_met005_a_prefixed_registry_metric_missing_from_the_spec() -> None:
    r = CollectorRegistry()
    Counter("g6_new_total", "x", registry=r)
    Gauge("process_depth", "x", registry=r)
    findings = check([], r)
    assert [(f.code, f.path, f.line) for f in findings] == [("MET005", SPEC, None)]
    assert (
        "g6_new_total (counter)" in findings[0].message
        and f"add an entry for it to {SPEC}" in findings[0].message
    )


# --------------------------------------------------------------------------- cardinality (MET006)


def test_series_counts_per_group_exclude_created() -> None:
    r = CollectorRegistry()
    Counter("g6_a_total", "x", registry=r).inc()  # 1 sample (+ _created, excluded)
    h = Histogram("g6_b_seconds", "x", ["stage"], buckets=[0.1, 1], registry=r)
    h.labels("x").observe(1)  # 3 buckets + sum + count (+ _created)
    c = Counter("g6_c_total", "x", ["k"], registry=r)  # no children: 0
    Gauge("g6_d", "x", ["k"], registry=r).labels("1").set(1)
    metrics = spec(
        entry("g6_a_total", "counter", group="one"),
        entry("g6_b_seconds", "histogram", ["stage"], group="one"),
        entry("g6_c_total", "counter", ["k"], group="two"),
        entry("g6_d", labels=["k"], group="two"),
        entry("g6_e", group="three"),
    )
    assert series_counts(r, metrics) == {"one": 6, "three": 0, "two": 1}
    c.labels("a").inc()
    c.labels("b").inc()
    assert series_counts(r, metrics)["two"] == 3


CHANGELOG = """\
# Changelog

## [Unreleased]
### Added
- more `provider` series for the new index

## [1.0.0] - 2026-01-01
- storage grew
"""


def growth_project(root: Path, children: int) -> None:
    body = (
        "c = Counter('g6_rows_total', 'x', ['i'], registry=r)\n"
        f"for i in range({children}):\n"
        "    c.labels(str(i)).inc()"
    )
    project(root, [entry("g6_rows_total", "counter", ["i"], group="storage")], body)


def test_met006_growth_beyond_the_limit(tmp_path: Path) -> None:
    growth_project(tmp_path, 12)
    result = run_project(tmp_path, {"storage": 10})
    assert result.counts == {"storage": 12}
    assert [(f.code, f.path, f.line) for f in result.findings] == [("MET006", SPEC, 1)]
    assert "12 series, baseline 10" in result.findings[0].message


def test_met006_silent_within_the_limit_or_for_an_absent_group(tmp_path: Path) -> None:
    growth_project(tmp_path, 11)
    assert run_project(tmp_path, {"storage": 10}).findings == []
    assert run_project(tmp_path, {"other": 1}).findings == []
    assert run_project(tmp_path, None).findings == []
    assert run_project(tmp_path, {"storage": 5}, max_growth_percent=200).findings == []


def test_met006_silent_when_the_unreleased_section_names_the_group(tmp_path: Path) -> None:
    growth_project(tmp_path, 12)
    write(tmp_path, "CHANGELOG.md", CHANGELOG.replace("provider", "storage"))
    assert run_project(tmp_path, {"storage": 10}).findings == []
    write(tmp_path, "docs/CHANGES.md", CHANGELOG.replace("provider", "storage"))
    assert run_project(tmp_path, {"storage": 10}, changelog="docs/CHANGES.md").findings == []


@pytest.mark.parametrize(
    "changelog",
    [
        CHANGELOG,  # storage is named only under a released version
        CHANGELOG.replace("provider", "storage_v2"),  # not as a whole word
        CHANGELOG.replace("[Unreleased]", "[0.9.0]").replace("provider", "storage"),
    ],
)
def test_met006_fires_when_unreleased_does_not_name_the_group(
    tmp_path: Path, changelog: str
) -> None:
    growth_project(tmp_path, 12)
    write(tmp_path, "CHANGELOG.md", changelog)
    assert codes(run_project(tmp_path, {"storage": 10}).findings) == ["MET006"]


def test_unreleased_lines(tmp_path: Path) -> None:
    assert unreleased_lines(tmp_path / "none.md", "none.md") == []
    path = write(tmp_path, "CHANGELOG.md", CHANGELOG)
    assert unreleased_lines(path, "CHANGELOG.md") == [
        "### Added",
        "- more `provider` series for the new index",
        "",
    ]
    write(tmp_path, "bad.md", b"## [Unreleased]\n\xff\n")
    with pytest.raises(InputError):
        unreleased_lines(tmp_path / "bad.md", "bad.md")


def test_growth_findings_from_a_zero_baseline() -> None:
    metrics = spec(entry("g6_a", group="g"))
    assert codes(growth_findings({"g": 1}, {"g": 0}, 10, [], metrics, SPEC)) == ["MET006"]
    assert growth_findings({"g": 0}, {"g": 0}, 10, [], metrics, SPEC) == []


# --------------------------------------------------------------------------- run() end to end


def test_run_end_to_end_sorted_findings(tmp_path: Path) -> None:
    body = """\
    Counter('g6_alpha', 'x', registry=r)
    Gauge('g6_beta', 'x', ['k'], registry=r)
    Gauge('g6_extra', 'x', registry=r)"""
    entries = [
        entry("g6_alpha_total", "counter"),
        entry("g6_beta", labels=["j"]),
        entry("g6_gamma_total"),
        {**entry("g6_zeta"), "type": "timer"},
    ]
    project(tmp_path, entries, textwrap.dedent(body))
    result = run_project(tmp_path)
    got = [(f.code, f.line) for f in result.findings]
    assert got == [("MET005", None), ("MET003", 7), ("MET001", 14), ("MET004", 14), ("MET007", 21)]
    assert result.counts == {"core": 1}
