"""`g6 dashboard` (issue 15, item 4): the Grafana dashboard generated from the metrics spec.

Checked against the spec (every metric in exactly one panel, in its group's row, with a
query fitting its type), against Grafana's dashboard JSON model (required fields and
their types, unique ids, a grid without overlaps), against the real `promtool` (every
query is valid PromQL) and through the real `g6` command.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from g6runtime.dashboard import DATASOURCE, RATE_WINDOW, build_dashboard, render
from g6runtime.errors import ConfigError
from g6runtime.metrics import MetricSpec, default_spec_path, load_spec

from .support import clean_env, run_g6

# The series each type exposes (prometheus_client's exposition), written out here.
SERIES_SUFFIXES = {
    "counter": ("",),
    "gauge": ("",),
    "histogram": ("_bucket", "_sum", "_count"),
    "summary": ("_sum", "_count"),
    "info": ("_info",),
}
IDENTIFIER = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
VARIABLE = re.compile(r"\$\{?(\w+)")
SELECTOR = '{job=~"$job", instance=~"$instance"}'


@pytest.fixture(scope="module")
def specs() -> tuple[MetricSpec, ...]:
    return load_spec()


@pytest.fixture(scope="module")
def dashboard(specs: tuple[MetricSpec, ...]) -> dict[str, Any]:
    return build_dashboard(specs)


def metric_panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in dashboard["panels"] if p["type"] != "row"]


def exprs(panel: dict[str, Any]) -> list[str]:
    return [target["expr"] for target in panel["targets"]]


def referenced(panel: dict[str, Any], specs: tuple[MetricSpec, ...]) -> set[str]:
    """The spec metrics whose series a panel's queries name."""
    series = {s.name + suffix: s.name for s in specs for suffix in SERIES_SUFFIXES[s.type]}
    names = {word for expr in exprs(panel) for word in IDENTIFIER.findall(expr)}
    return {series[word] for word in names if word in series}


def spec_file(tmp_path: Path, extra: str) -> Path:
    """The real spec with ``extra`` entries appended (their names sort after every other)."""
    path = tmp_path / "metrics_spec.yaml"
    path.write_text(default_spec_path().read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path


# --- the spec, all of it, and nothing else ----------------------------------------------------


def test_every_spec_metric_is_in_exactly_one_panels_queries(
    specs: tuple[MetricSpec, ...], dashboard: dict[str, Any]
) -> None:
    panels = metric_panels(dashboard)
    hits = Counter(name for panel in panels for name in referenced(panel, specs))
    assert hits == Counter(spec.name for spec in specs)  # each once, and no other
    for panel in panels:
        assert referenced(panel, specs) == {panel["title"]}, panel["title"]
    assert len(panels) == len(specs)


def test_one_row_per_group_holding_the_panels_of_its_metrics(
    specs: tuple[MetricSpec, ...], dashboard: dict[str, Any]
) -> None:
    group_of = {spec.name: spec.group for spec in specs}
    rows: dict[str, list[str]] = {}
    current = None
    for panel in dashboard["panels"]:
        if panel["type"] == "row":
            assert panel["collapsed"] is False and panel["panels"] == []
            assert panel["title"] not in rows  # one row per group
            current = rows.setdefault(panel["title"], [])
        else:
            assert current is not None, "a panel before the first row"
            current.append(panel["title"])
    assert list(rows) == sorted({spec.group for spec in specs})  # groups sorted by name
    for group, titles in rows.items():
        assert titles == sorted(n for n, g in group_of.items() if g == group), group


def test_queries_and_legends_fit_the_metric(
    specs: tuple[MetricSpec, ...], dashboard: dict[str, Any]
) -> None:
    by_name = {spec.name: spec for spec in specs}
    seen = set()
    for panel in metric_panels(dashboard):
        spec = by_name[panel["title"]]
        seen.add(spec.type)
        queries = exprs(panel)
        if spec.type == "counter":
            assert spec.name.endswith("_total")
            (expr,) = queries
            by = f"sum by ({', '.join(spec.labels)}) " if spec.labels else "sum"
            assert expr == f"{by}(rate({spec.name}{SELECTOR}[{RATE_WINDOW}]))"
        elif spec.type == "histogram":
            assert len(queries) == 2
            for q, expr in zip(("0.95", "0.5"), queries, strict=True):
                assert expr.startswith(f"histogram_quantile({q}, sum by (le")
                assert f"rate({spec.name}_bucket{SELECTOR}[{RATE_WINDOW}])" in expr
                assert all(f"{label}" in expr.split(")")[0] for label in spec.labels)
        elif spec.type == "gauge":
            (expr,) = queries
            assert "rate(" not in expr and expr.startswith(f"{spec.name}{SELECTOR}")
        for target in panel["targets"]:  # the legend names every label of the spec
            shown = re.findall(r"\{\{(\w+)\}\}", target["legendFormat"])
            assert set(spec.labels) <= set(shown), spec.name
    assert seen == {"counter", "gauge", "histogram"}  # the types the spec has today


def test_panel_description_and_units_come_from_the_spec(
    specs: tuple[MetricSpec, ...], dashboard: dict[str, Any]
) -> None:
    by_name = {spec.name: spec for spec in specs}
    for panel in metric_panels(dashboard):
        spec = by_name[panel["title"]]
        assert panel["description"] == spec.description
        unit = panel["fieldConfig"]["defaults"].get("unit")
        if spec.name.endswith("_timestamp_seconds"):
            assert (panel["type"], unit) == ("stat", "dateTimeFromNow")
            assert exprs(panel)[0].endswith(" * 1000")  # Grafana's date units take ms
        elif spec.type == "counter":
            assert unit == ("Bps" if spec.name.endswith("_bytes_total") else "cps")
        elif spec.name.endswith("_seconds"):
            assert unit == "s"
        elif spec.name.endswith("_bytes"):
            assert unit == "bytes"
        elif spec.name.endswith("_percent"):
            assert unit == "percent"
        if panel["type"] == "stat":
            assert spec.name.endswith("_timestamp_seconds")


# --- Grafana's dashboard JSON model --------------------------------------------------------


def test_top_level_fields_of_the_model(dashboard: dict[str, Any]) -> None:
    types = {
        "title": str, "uid": str, "schemaVersion": int, "version": int, "panels": list,
        "time": dict, "timepicker": dict, "templating": dict, "annotations": dict,
        "refresh": str, "tags": list, "editable": bool, "graphTooltip": int, "timezone": str,
        "links": list, "description": str,
    }  # fmt: skip
    for key, kind in types.items():
        assert isinstance(dashboard[key], kind), key
    assert dashboard["id"] is None  # assigned by Grafana on import
    assert 8 <= len(dashboard["uid"]) <= 40 and re.fullmatch(r"[a-zA-Z0-9_-]+", dashboard["uid"])
    assert dashboard["schemaVersion"] >= 36
    assert dashboard["time"] == {"from": "now-6h", "to": "now"}
    assert isinstance(dashboard["templating"]["list"], list)
    (builtin,) = dashboard["annotations"]["list"]
    assert {"datasource", "enable", "iconColor", "name"} <= set(builtin)


def test_panel_fields_of_the_model(dashboard: dict[str, Any]) -> None:
    for panel in dashboard["panels"]:
        assert isinstance(panel["id"], int) and panel["id"] > 0
        assert isinstance(panel["title"], str) and panel["title"]
        assert set(panel["gridPos"]) == {"h", "w", "x", "y"}
        assert all(isinstance(v, int) for v in panel["gridPos"].values())
        if panel["type"] == "row":
            continue
        assert panel["type"] in ("timeseries", "stat")
        assert panel["datasource"] == DATASOURCE
        assert set(panel["fieldConfig"]) == {"defaults", "overrides"}
        assert isinstance(panel["options"], dict) and panel["transformations"] == []
        assert panel["transparent"] is False and isinstance(panel["description"], str)
        refs = [target["refId"] for target in panel["targets"]]
        assert refs and len(set(refs)) == len(refs)
        for target in panel["targets"]:
            assert target["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
            assert isinstance(target["expr"], str) and isinstance(target["legendFormat"], str)


def test_ids_are_unique(dashboard: dict[str, Any]) -> None:
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))


def test_the_grid_has_no_overlap(dashboard: dict[str, Any]) -> None:
    boxes = [panel["gridPos"] for panel in dashboard["panels"]]
    for box in boxes:
        assert box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["w"] <= 24 and box["h"] > 0
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart_x = a["x"] + a["w"] <= b["x"] or b["x"] + b["w"] <= a["x"]
            apart_y = a["y"] + a["h"] <= b["y"] or b["y"] + b["h"] <= a["y"]
            assert apart_x or apart_y, (a, b)
    # a row sits above its panels: y only grows along the list
    ys = [(box["y"], box["x"]) for box in boxes]
    assert ys == sorted(ys)


def test_template_variables(specs: tuple[MetricSpec, ...], dashboard: dict[str, Any]) -> None:
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert list(variables) == ["datasource", "job", "instance"]
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    for name in ("job", "instance"):
        variable = variables[name]
        assert variable["type"] == "query" and variable["datasource"] == DATASOURCE
        assert variable["includeAll"] is True and variable["multi"] is True
        assert re.fullmatch(rf"label_values\(g6_build_info.*, {name}\)", variable["query"])
    used = {
        name
        for panel in metric_panels(dashboard)
        for target in panel["targets"]
        for name in VARIABLE.findall(target["expr"]) + VARIABLE.findall(target["datasource"]["uid"])
    }
    assert used == {"job", "instance", "__rate_interval", "datasource"}
    assert used - {"__rate_interval"} <= set(variables)  # every variable used is defined


def test_the_model_survives_grafanas_own_types(dashboard: dict[str, Any]) -> None:
    """Decoded with `grafana-foundation-sdk` (Grafana's generated types) and encoded again,
    nothing we write is lost: every key is one Grafana's model knows."""
    pytest.importorskip("grafana_foundation_sdk", reason="optional: grafana-foundation-sdk absent")
    from grafana_foundation_sdk.cog.encoder import JSONEncoder
    from grafana_foundation_sdk.cog.plugins import register_default_plugins
    from grafana_foundation_sdk.models.dashboard import Dashboard

    register_default_plugins()
    back = json.loads(JSONEncoder().encode(Dashboard.from_json(json.loads(render(dashboard)))))
    assert set(dashboard) - set(back) == {"id"}  # null, which the SDK leaves out
    assert len(back["panels"]) == len(dashboard["panels"])
    for ours, theirs in zip(dashboard["panels"], back["panels"], strict=True):
        assert set(ours) <= set(theirs), ours["title"]
        assert {k: theirs[k] for k in ("id", "type", "title", "gridPos")} == {
            k: ours[k] for k in ("id", "type", "title", "gridPos")
        }
        for target, decoded in zip(ours.get("targets", []), theirs.get("targets", []), strict=True):
            assert decoded == target


# --- deterministic output ---------------------------------------------------------------------


def test_output_is_deterministic(specs: tuple[MetricSpec, ...]) -> None:
    text = render(build_dashboard(specs))
    assert text == render(build_dashboard(specs))
    assert text == render(build_dashboard(reversed(specs)))  # the spec's order does not matter
    assert text.endswith("}\n") and text.startswith('{\n  "annotations": {')
    assert text.isascii()
    assert json.loads(text) == build_dashboard(specs)


# --- the contract: the spec, not a list in the code -------------------------------------------


EXTRA = """
- {name: g6_zz_probe_latency_seconds, type: summary, labels: [probe], group: zz_probe,
   stability: experimental, description: A summary only this test declares}
- {name: g6_zz_probe_target, type: info, labels: [target], group: zz_probe,
   stability: experimental, description: An info metric only this test declares}
- {name: g6_zz_probe_total, type: counter, labels: [], group: cycle,
   stability: experimental, description: "A counter only this test declares, in a known group"}
"""


def test_a_metric_added_to_the_spec_gets_its_panel(
    tmp_path: Path, specs: tuple[MetricSpec, ...]
) -> None:
    grown = load_spec(spec_file(tmp_path, EXTRA))
    dashboard = build_dashboard(grown)
    panels = {p["title"]: p for p in metric_panels(dashboard)}
    assert set(panels) == {spec.name for spec in grown} and len(panels) == len(specs) + 3
    rows = [p["title"] for p in dashboard["panels"] if p["type"] == "row"]
    assert rows[-1] == "zz_probe" and rows.count("cycle") == 1
    assert [p["title"] for p in dashboard["panels"][-2:]] == [
        "g6_zz_probe_latency_seconds",
        "g6_zz_probe_target",
    ]  # the new group's row holds its two panels
    assert exprs(panels["g6_zz_probe_latency_seconds"]) == [
        f"sum by (probe) (rate(g6_zz_probe_latency_seconds_sum{SELECTOR}[{RATE_WINDOW}])) / "
        f"sum by (probe) (rate(g6_zz_probe_latency_seconds_count{SELECTOR}[{RATE_WINDOW}]))"
    ]
    assert panels["g6_zz_probe_latency_seconds"]["fieldConfig"]["defaults"]["unit"] == "s"
    assert exprs(panels["g6_zz_probe_target"]) == [f"g6_zz_probe_target_info{SELECTOR}"]
    assert exprs(panels["g6_zz_probe_total"]) == [
        f"sum(rate(g6_zz_probe_total{SELECTOR}[{RATE_WINDOW}]))"
    ]
    for panel in panels.values():
        assert referenced(panel, grown) == {panel["title"]}
    # and a metric taken out of the spec loses its panel
    fewer = [spec for spec in specs if spec.name != "g6_cycles_total"]
    assert "g6_cycles_total" not in {p["title"] for p in metric_panels(build_dashboard(fewer))}


def test_an_empty_spec_is_one_clear_error() -> None:
    with pytest.raises(ConfigError, match="declares no metric"):
        build_dashboard([])


# --- every query is PromQL, says the real promtool --------------------------------------------


def check_rules(
    promtool: str, queries: list[str], tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    """`promtool check rules` on one recording rule per query, Grafana's `$__rate_interval`
    replaced by a window as Grafana does before sending the query."""
    rules = [
        {"record": f"g6_dashboard:query_{n}", "expr": q.replace(RATE_WINDOW, "5m")}
        for n, q in enumerate(queries)
    ]
    path = tmp_path / "dashboard-rules.yml"
    path.write_text(json.dumps({"groups": [{"name": "dashboard", "rules": rules}]}))  # JSON is YAML
    return subprocess.run(
        [promtool, "check", "rules", str(path)], capture_output=True, text=True, timeout=60
    )


def test_promtool_accepts_every_query(
    promtool: str, tmp_path: Path, dashboard: dict[str, Any], specs: tuple[MetricSpec, ...]
) -> None:
    queries = [expr for panel in metric_panels(dashboard) for expr in exprs(panel)]
    queries += [
        expr
        for panel in metric_panels(build_dashboard(load_spec(spec_file(tmp_path, EXTRA))))
        for expr in exprs(panel)
    ]  # the summary and info forms too
    done = check_rules(promtool, queries, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(queries)} rules found" in done.stdout


def test_promtool_refuses_a_broken_query(promtool: str, tmp_path: Path) -> None:
    done = check_rules(
        promtool, ["sum by (index (rate(g6_cycles_total[$__rate_interval]))"], tmp_path
    )
    assert done.returncode == 1 and "parse error" in done.stdout + done.stderr


# --- the real command -------------------------------------------------------------------------


def test_g6_dashboard_output_writes_the_json(tmp_path: Path, specs: tuple[MetricSpec, ...]) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "g6runtime", "dashboard", "--output", "g6.json"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path, env=clean_env(),
    )  # fmt: skip
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")
    assert [p.name for p in tmp_path.iterdir()] == ["g6.json"]  # no temporary file left
    text = (tmp_path / "g6.json").read_text(encoding="ascii")
    assert json.loads(text)["uid"] == "g6-runtime"
    assert text == render(build_dashboard(specs))
    printed = run_g6("dashboard", cwd=tmp_path)
    assert (printed.returncode, printed.stderr) == (0, "") and printed.stdout == text
    again = run_g6("dashboard", "--output", "g6.json", cwd=tmp_path)  # replaces the file
    assert again.returncode == 0 and (tmp_path / "g6.json").read_text(encoding="ascii") == text


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("nowhere/d.json", "--output nowhere/d.json: nowhere does not exist; create it"),
        (".", "--output .: is a folder; name a file"),
        ("/proc/d.json", "--output /proc/d.json: cannot write in /proc: "),
    ],
)
def test_a_bad_output_path_is_one_line_exit_2(tmp_path: Path, target: str, message: str) -> None:
    run = run_g6("dashboard", "--output", target, cwd=tmp_path)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.startswith(f"g6: {message}") and run.stderr.count("\n") == 1
    assert "Traceback" not in run.stderr
    assert list(tmp_path.iterdir()) == []  # nothing half-written, no probe left


def test_a_closed_stdout_ends_quietly_with_141(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "g6runtime", "dashboard"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=clean_env(),
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read()
    assert (proc.wait(timeout=60), err) == (141, "")
