"""One cycle pipeline (SPEC §2 "Nothing lost silently"): pure cycle, ordered outputs, one
failure path; a storage failure is loud, fails the command, and is not a provider fault."""

from __future__ import annotations

import ast
import json
from dataclasses import replace
from pathlib import Path

import pytest

from g6runtime.config import Settings
from g6runtime.errors import StorageError
from g6runtime.outputs import CycleOutcome, OutputReport
from g6runtime.runner import Runtime, simulated_clock

from .support import run_g6
from .test_panels_support import START, START_ISO

ROOT = Path(__file__).resolve().parents[2]
# this_month: listed for every index (BANKNIFTY and FINNIFTY have no weekly expiries)
SMALL = {"expiries": ("this_month",), "strikes_per_side": 2}


def blocked(tmp_path: Path) -> Path:
    """A regular file where the data folder is expected: nothing can be written under it."""
    data = tmp_path / "data"
    data.write_text("not a folder\n")
    return data


def json_lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


# --- through the CLI, real processes ----------------------------------------------------


def test_simulate_into_an_unwritable_data_folder_fails_loudly_budget_untouched(
    tmp_path: Path,
) -> None:
    data = blocked(tmp_path)
    args = ["simulate", "--cycles", "2", "--start", START_ISO, "--csv-dir", str(data)]
    run = run_g6(*args, "--panels-dir", "panels", "--json", cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    failed = [line for line in run.stderr.splitlines() if "csv output failed" in line]
    assert len(failed) == 1 and str(data) in failed[0] and failed[0].startswith("g6: cycle 1: ")
    (cycle,) = json.loads(run.stdout)["cycles"]  # exits at the first failed write
    assert cycle["ok"] is False and cycle["outputs"]["csv"]["ok"] is False
    assert cycle["outputs"]["metrics"]["ok"] is True and cycle["outputs"]["panels"]["ok"]
    resilience = cycle["resilience"]
    assert resilience["budget_remaining"] == 4 and resilience["breached"] is False
    assert set(resilience["detail"].values()) == {"full"}
    assert data.read_text() == "not a folder\n"

    text = run_g6(*args, "--panels-dir", "panels2", cwd=tmp_path)
    assert text.returncode == 2 and "0 failures" not in text.stdout
    assert "NOT WRITTEN to csv" in text.stdout.splitlines()[0]


@pytest.mark.slow
def test_collect_into_an_unwritable_data_folder_is_not_0_failures_and_exit_0(
    tmp_path: Path,
) -> None:
    data = blocked(tmp_path)
    run = run_g6(
        "collect", "--cycles", "2", "--interval", "1", "--ignore-market-hours",
        "--metrics-port", "0", "--csv-dir", str(data), "--panels-dir", "panels", "--json",
        cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 2, run.stderr
    assert "0 failures" not in run.stdout and "Traceback" not in run.stderr
    failed = [line for line in run.stderr.splitlines() if "csv output failed" in line]
    assert [line.split(":")[1] for line in failed] == [" cycle 1", " cycle 2"]
    assert all(str(data) in line for line in failed)
    assert "2 of 2 cycles had a failed output" in run.stderr.splitlines()[-1]
    cycles = json_lines(run.stdout)
    assert [c["cycle"] for c in cycles] == [1, 2]
    breaches = 0
    for c in cycles:
        assert c["ok"] is False and c["outputs"]["csv"]["ok"] is False  # type: ignore[index]
        resilience = c["resilience"]
        # Only a slow cycle (the provider side, judged before any output ran) may use the
        # budget: on a loaded machine a real-clock cycle can exceed its 0.8 s SLA. The
        # failed CSV writes never do.
        breaches += bool(resilience["breached"])  # type: ignore[index]
        assert resilience["budget_remaining"] == 4 - breaches  # type: ignore[index]
        if not breaches:
            assert set(resilience["detail"].values()) == {"full"}  # type: ignore[index]


@pytest.mark.slow
def test_collect_stops_with_exit_2_after_3_consecutive_failed_cycles(tmp_path: Path) -> None:
    data = blocked(tmp_path)
    run = run_g6(
        "collect", "--cycles", "6", "--interval", "0.5", "--ignore-market-hours",
        "--metrics-port", "0", "--csv-dir", str(data), "--panels-dir", "panels", "--json",
        cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 2
    assert [c["cycle"] for c in json_lines(run.stdout)] == [1, 2, 3]
    assert "3 consecutive cycles with a failed output" in run.stderr


def test_rerunning_an_interval_counts_the_skipped_rows(tmp_path: Path) -> None:
    args = ["simulate", "--cycles", "2", "--start", START_ISO, "--csv-dir", "csv"]
    first = run_g6(*args, "--metrics-out", "one.prom", cwd=tmp_path)
    again = run_g6(*args, "--metrics-out", "two.prom", cwd=tmp_path)
    assert first.returncode == 0 and again.returncode == 0, again.stderr
    one, two = (tmp_path / "one.prom").read_text(), (tmp_path / "two.prom").read_text()
    # the reasons are known in advance, so their series exist at 0 from the start
    assert 'g6_csv_rows_skipped_total{reason="out_of_order"} 0.0' in one
    assert 'g6_csv_rows_skipped_total{reason="duplicate"} 0.0' in one
    assert 'g6_csv_rows_written_total{index="NIFTY"} 170.0' in one
    # cycle 1 (09:15) is earlier than the files' last rows (09:16), cycle 2 the same time
    assert 'g6_csv_rows_skipped_total{reason="out_of_order"} 256.0' in two  # 252 + 4
    assert 'g6_csv_rows_skipped_total{reason="duplicate"} 256.0' in two
    for index in ("NIFTY", "BANKNIFTY", "FINNIFTY", "SENSEX"):
        assert f'g6_csv_rows_written_total{{index="{index}"}} 0.0' in two
    assert "rows written" in first.stdout and "rows written" not in again.stdout
    assert again.stdout.count("skipped (256 CSV rows not later than their files' last rows)") == 2


# --- the Runtime: ordered outputs behind one interface, one failure path -------------------


class Recorder:
    """An output like the Influx sink of the next issue: it plugs in without the cycle."""

    def __init__(self, name: str, error: Exception | None = None) -> None:
        self.name = name
        self.error = error
        self.seen: list[tuple[str, ...]] = []
        self.closed = False

    def publish(self, outcome: CycleOutcome) -> OutputReport:
        self.seen.append(tuple(r.name for r in outcome.reports))
        if self.error is not None:
            raise self.error
        return OutputReport(self.name)

    def close(self) -> None:
        self.closed = True


def small_runtime(tmp_path: Path) -> Runtime:
    s = replace(Settings(), csv_dir=tmp_path / "csv", panels_dir=tmp_path / "panels", **SMALL)
    return Runtime.from_settings(s, clock="simulated")


def sample(rt: Runtime, name: str, **labels: str) -> float | None:
    value: float | None = rt.metrics.registry.get_sample_value(name, labels)
    return value


@pytest.mark.parametrize(
    "error",
    [StorageError("spool: disk full"), OSError(28, "No space left on device", "/spool/x")],
)
def test_an_added_output_fails_the_same_way_as_every_other(
    tmp_path: Path, error: Exception
) -> None:
    rt = small_runtime(tmp_path)
    influx = Recorder("influx", error)
    rt.outputs.append(influx)
    outcomes = [rt.cycle(k, now) for k, now in enumerate(simulated_clock(START, 60.0, 2), 1)]
    assert influx.seen == [("csv", "metrics", "panels")] * 2  # in order, after the others
    for o in outcomes:
        assert o.collected and not o.ok
        (report,) = o.failed_outputs
        assert (report.name, report.category) == ("influx", "storage")
        assert o.storage_error is not None and o.storage_error.startswith("influx: ")
        assert o.resilience is not None and o.resilience.reasons == ()
    assert sample(rt, "g6_errors_total", component="influx", category="storage") == 2
    assert sample(rt, "g6_fault_budget_remaining") == 4
    assert (rt.failed_streak, rt.failed_cycles) == (2, 2)
    assert len(list((tmp_path / "csv").rglob("*.csv"))) == 4 * 6  # the CSV still got its rows
    rt.outputs[-1] = Recorder("influx")
    assert rt.cycle(3, START.replace(minute=17)).ok and rt.failed_streak == 0
    rt.close()
    assert rt.outputs[-1].closed  # type: ignore[attr-defined]


def test_the_outputs_run_in_order_and_see_the_reports_before_them(tmp_path: Path) -> None:
    rt = small_runtime(tmp_path)
    assert [o.name for o in rt.outputs] == ["csv", "metrics", "panels"]
    outcome = rt.cycle(1, START)
    assert [r.name for r in outcome.reports] == ["csv", "metrics", "panels"]
    assert outcome.ok and outcome.written is not None and outcome.written.rows == 4 * 6
    assert sample(rt, "g6_csv_rows_written_total", index="NIFTY") == 6  # metrics saw the CSV
    only = Runtime.from_settings(rt.settings, outputs=("metrics",))
    assert [o.name for o in only.outputs] == ["metrics"]
    assert only.cycle(1, START).written is None


# --- structure: the one wiring, no collectors in the resilience state --------------------


def _calls_named(tree: ast.AST, name: str) -> int:
    return sum(
        isinstance(n, ast.Call)
        and (
            (isinstance(n.func, ast.Name) and n.func.id == name)
            or (isinstance(n.func, ast.Attribute) and n.func.attr == name)
        )
        for n in ast.walk(tree)
    )


def test_runtime_from_settings_is_the_one_wiring() -> None:
    """No ``Runtime(...)`` and no hand-made CsvSink+run_cycle outside runner.py."""
    offenders = []
    for folder in ("g6runtime", "benchmarks", "tests"):
        for path in (ROOT / folder).rglob("*.py"):
            if ".cache" in path.parts or path.name == "runner.py":
                continue
            calls = _calls_named(ast.parse(path.read_text(encoding="utf-8")), "Runtime")
            if calls:
                offenders.append(f"{path.relative_to(ROOT)}: {calls} Runtime(...)")
    assert offenders == []


@pytest.mark.parametrize("module", ["state", "budget"])
def test_the_resilience_state_does_not_import_the_collectors(module: str) -> None:
    path = ROOT / "g6runtime" / "resilience" / f"{module}.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)] + [
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    ]
    assert not [m for m in imported if "collectors" in m]


def test_a_failed_csv_write_counts_in_g6_csv_write_errors_total(tmp_path: Path) -> None:
    rt = small_runtime(tmp_path)
    assert rt.cycle(1, START).ok
    assert sample(rt, "g6_csv_write_errors_total", index="NIFTY") == 0  # exported from the start
    (tmp_path / "csv").rename(tmp_path / "away")
    (tmp_path / "csv").write_text("a file where the data folder was\n")
    outcome = rt.cycle(2, START.replace(minute=16))
    assert [r.name for r in outcome.failed_outputs] == ["csv"]
    for index in rt.settings.indices:
        assert sample(rt, "g6_csv_write_errors_total", index=index) == 1
    assert sample(rt, "g6_errors_total", component="csv", category="storage") == 1
    rt.close()
