"""The `g6` command: in-process through cli.main and end to end through `python -m g6runtime`."""

from __future__ import annotations

import json
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO

import pytest

import g6runtime
from g6runtime.cli import main
from g6runtime.market.calendar import IST
from g6runtime.panels.version import PANEL_SCHEMA_VERSION

from .support import OPTION_HEADER, OVERVIEW_HEADER, clean_env, run_g6

START = "2026-11-26T09:15"
INDICES = ("NIFTY", "BANKNIFTY", "FINNIFTY", "SENSEX")
TAGS = ("this_week", "next_week", "this_month", "next_month")
Tree = dict[str, bytes]


def g6(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def tree(root: Path) -> Tree:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def assert_one_line_error(err: str, out: str = "") -> str:
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err and err.strip()
    assert out == ""
    return err.strip()


pytestmark = pytest.mark.usefixtures("isolated")


@pytest.fixture(scope="module")
def simulated(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """`python -m g6runtime simulate --cycles 2` once, in a fresh interpreter."""
    base = tmp_path_factory.mktemp("simulated")
    proc = run_g6("simulate", "--cycles", "2", "--csv-dir", "csv", "--start", START, cwd=base)
    return base / "csv", proc


# --- g6 simulate -------------------------------------------------------------------------


def test_simulate_writes_the_spec_layout(
    simulated: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    root, proc = simulated
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    lines = proc.stdout.splitlines()
    assert [line.split(":")[0][:7] for line in lines] == ["cycle 1", "cycle 2"]
    assert "252 rows" in lines[0] and "2026-11-26T09:16:00+05:30" in lines[1]

    files = tree(root)
    options = [p for p in files if not p.startswith("overview/")]
    overview = sorted(p for p in files if p.startswith("overview/"))
    assert overview == [f"overview/{i}/2026-11-26.csv" for i in sorted(INDICES)]
    assert len(options) >= 252  # 21 offsets × 12 chains, more if ATM moved
    for rel in options:
        index, tag, offset, name = rel.split("/")
        assert index in INDICES and tag in TAGS and name == "2026-11-26.csv"
        # SPEC: BANKNIFTY and FINNIFTY have monthly expiries only
        assert index in ("NIFTY", "SENSEX") or tag in ("this_month", "next_month")
        assert offset == "0" or (offset[0] in "+-" and int(offset) != 0)
    rows = 0
    for rel, data in files.items():
        assert b"\r" not in data
        lines = data.decode("utf-8").splitlines()
        assert lines[0] == (OVERVIEW_HEADER if rel.startswith("overview/") else OPTION_HEADER)
        rows += len(lines) - 1
        assert all(
            line[:25] in {f"{START}:00+05:30", "2026-11-26T09:16:00+05:30"} for line in lines[1:]
        )
    assert rows == 2 * (252 + 4)


def test_same_seed_and_start_give_byte_identical_trees(
    simulated: tuple[Path, subprocess.CompletedProcess[str]],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    reference, _ = simulated
    status, _, _ = g6(capsys, "simulate", "--cycles", "2", "--csv-dir", "again", "--start", START)
    assert status == 0
    # A fresh interpreter (random hash seed) and this one wrote the same bytes.
    assert tree(tmp_path / "again") == tree(reference)


def test_a_different_seed_gives_different_bytes(
    simulated: tuple[Path, subprocess.CompletedProcess[str]],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    reference, _ = simulated
    args = ("simulate", "--cycles", "2", "--csv-dir", "other", "--start", START, "--seed", "7")
    assert g6(capsys, *args)[0] == 0
    other, ref = tree(tmp_path / "other"), tree(reference)
    assert other != ref
    overview = "overview/NIFTY/2026-11-26.csv"
    assert other[overview] != ref[overview]


def test_start_with_utc_offset_equals_the_ist_start(
    simulated: tuple[Path, subprocess.CompletedProcess[str]],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    reference, _ = simulated
    utc = "2026-11-26T03:45:00+00:00"
    status, _, _ = g6(capsys, "simulate", "--cycles", "2", "--csv-dir", "utc", "--start", utc)
    assert status == 0
    assert tree(tmp_path / "utc") == tree(reference)


def test_seed_from_the_environment_and_flags_win_over_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    base = ("simulate", "--cycles", "1", "--start", START)
    assert g6(capsys, *base, "--csv-dir", "flag7", "--seed", "7")[0] == 0
    monkeypatch.setenv("G6_SEED", "7")
    monkeypatch.setenv("G6_CSV_DIR", str(tmp_path / "from-env"))
    assert g6(capsys, *base)[0] == 0
    assert tree(tmp_path / "from-env") == tree(tmp_path / "flag7")
    assert g6(capsys, *base, "--csv-dir", "flag", "--seed", "42")[0] == 0
    assert tree(tmp_path / "flag") != tree(tmp_path / "flag7")


def test_interval_advances_the_simulated_clock(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    args = ("simulate", "--cycles", "2", "--interval", "300", "--start", START)
    assert g6(capsys, *args, "--csv-dir", "d")[0] == 0
    lines = (tmp_path / "d" / "overview" / "NIFTY" / "2026-11-26.csv").read_text().splitlines()
    assert [line[:25] for line in lines[1:]] == [
        "2026-11-26T09:15:00+05:30",
        "2026-11-26T09:20:00+05:30",
    ]


def test_default_start_is_today_0915_in_asia_kolkata(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    before = datetime.now(IST).date()
    status, _, _ = g6(capsys, "simulate", "--cycles", "1", "--csv-dir", "d")
    after = datetime.now(IST).date()
    assert status == 0
    (path,) = (tmp_path / "d" / "overview" / "NIFTY").iterdir()
    assert path.name in {f"{before}.csv", f"{after}.csv"}
    row = path.read_text().splitlines()[1]
    assert row.startswith(f"{path.stem}T09:15:00+05:30,NIFTY,")


def test_simulate_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    args = ("simulate", "--cycles", "2", "--csv-dir", "d", "--start", START, "--json")
    status, out, err = g6(capsys, *args)
    assert status == 0 and err == ""
    report = json.loads(out)
    assert report["csv_dir"] == "d"
    cycles = report["cycles"]
    assert [c["cycle"] for c in cycles] == [1, 2]
    assert [c["timestamp"] for c in cycles] == [
        "2026-11-26T09:15:00+05:30",
        "2026-11-26T09:16:00+05:30",
    ]
    for c in cycles:
        assert (c["rows"], c["overview_rows"], c["ok"]) == (252, 4, True)
        assert c["failures"] == [] and c["data_quality_issues"] == 0
        assert c["storage_error"] is None


def test_metrics_out_exposition(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_file = tmp_path / "m.prom"
    args = ("simulate", "--cycles", "2", "--start", START, "--csv-dir", "d")
    status, _, _ = g6(capsys, *args, "--metrics-out", str(out_file))
    assert status == 0
    text = out_file.read_text(encoding="utf-8")
    assert "_created" not in text
    for family, kind in [
        ("g6_cycles_total", "counter"),
        ("g6_csv_rows_written_total", "counter"),
        ("g6_iv_estimation_success_total", "counter"),
        ("g6_iv_solver_iterations", "histogram"),
        ("g6_data_quality_issues_total", "counter"),
        ("g6_provider_errors_total", "counter"),
    ]:
        assert f"# TYPE {family} {kind}\n" in text
    lines = text.splitlines()
    assert "g6_cycles_total 2.0" in lines
    assert 'g6_csv_rows_written_total{index="NIFTY"} 170.0' in lines
    assert 'g6_iv_estimation_success_total{expiry="this_week",index="NIFTY"} 84.0' in lines
    assert not list(tmp_path.glob(".m.prom.*"))  # the atomic write left no temp file

    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (CI installs it)")
    with out_file.open("rb") as fh:
        check = subprocess.run(
            [promtool, "check", "metrics"], stdin=fh, capture_output=True, timeout=30
        )
    assert check.returncode == 0, check.stdout + check.stderr


# --- usage and I/O errors: exit 2, one line, no traceback ----------------------------------

USAGE_ERRORS: list[tuple[list[str], str]] = [
    (["simulate", "--cycles", "0"], "--cycles"),
    (["simulate", "--cycles", "two"], "--cycles"),
    (["simulate", "--start", "nonsense"], "--start"),
    (["simulate", "--interval", "0"], "--interval"),
    (["simulate", "--interval", "inf"], "--interval"),
    (["simulate", "--interval", "nan"], "--interval"),
    (["simulate", "--cycles", "3", "--interval", "1e300"], "simulated clock"),
    (["simulate", "--bogus"], "--bogus"),
    (["frobnicate"], "frobnicate"),
    ([], "command"),
    (["collect", "--metrics-port", "70000"], "--metrics-port"),
    (["bench", "--repeat", "0"], "--repeat"),
    (["version", "--bogus"], "--bogus"),
]


@pytest.mark.parametrize(("args", "named"), USAGE_ERRORS)
def test_usage_errors_in_process(
    capsys: pytest.CaptureFixture[str], args: list[str], named: str
) -> None:
    status, out, err = g6(capsys, *args)
    assert status == 2
    assert named in assert_one_line_error(err, out)


@pytest.mark.parametrize(
    "args", [["simulate", "--cycles", "0"], ["simulate", "--bogus"], ["frobnicate"]]
)
def test_usage_errors_in_a_subprocess(tmp_path: Path, args: list[str]) -> None:
    proc = run_g6(*args, cwd=tmp_path)
    assert proc.returncode == 2
    assert_one_line_error(proc.stderr, proc.stdout)
    assert tree(tmp_path) == {}  # nothing written


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("bad.yaml", "seed: 1\nindices: [NIFTY\nexpiries: x: y\n", "bad.yaml:3:"),
        ("bad.json", '{"seed": 1,\n "seed2": }\n', "bad.json:2:"),
        ("schema.json", '{"strikes_per_side": "many"}', "strikes_per_side"),
        ("absent.yaml", None, "absent.yaml"),
    ],
)
def test_bad_config_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, text: str | None, where: str
) -> None:
    path = tmp_path / name
    if text is not None:
        path.write_text(text, encoding="utf-8")
    status, out, err = g6(capsys, "simulate", "--config", str(path), "--csv-dir", "d")
    assert status == 2
    assert where in assert_one_line_error(err, out)
    assert not (tmp_path / "d").exists()


def test_bad_config_file_in_a_subprocess(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("seed: [1,\n", encoding="utf-8")
    proc = run_g6("simulate", "--config", str(path), cwd=tmp_path)
    assert proc.returncode == 2
    assert str(path) in assert_one_line_error(proc.stderr, proc.stdout)


def test_bad_environment_value_in_a_subprocess(tmp_path: Path) -> None:
    proc = run_g6("simulate", "--csv-dir", "d", cwd=tmp_path, env=clean_env(G6_SEED="forty"))
    assert proc.returncode == 2
    assert "G6_SEED" in assert_one_line_error(proc.stderr, proc.stdout)


def test_unwritable_csv_dir_in_a_subprocess(tmp_path: Path) -> None:
    blocker = tmp_path / "plain-file"
    blocker.write_text("", encoding="utf-8")
    csv_dir = blocker / "csv"
    proc = run_g6("simulate", "--start", START, "--csv-dir", str(csv_dir), cwd=tmp_path)
    assert proc.returncode == 2
    message = assert_one_line_error(proc.stderr)  # stdout: the cycle line, marked
    assert str(csv_dir) in message and "NOT WRITTEN to csv" in proc.stdout
    assert blocker.read_bytes() == b""


def test_csv_dir_that_cannot_be_created(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "missing" / "target")
    status, out, err = g6(capsys, "simulate", "--start", START, "--csv-dir", str(dangling))
    assert status == 2
    assert str(dangling) in assert_one_line_error(err) and "NOT WRITTEN to csv" in out


def test_foreign_csv_file_stops_simulate(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    foreign = tmp_path / "d" / "overview" / "NIFTY" / "2026-11-26.csv"
    foreign.parent.mkdir(parents=True)
    foreign.write_bytes(b"something,else\n")
    status, out, err = g6(capsys, "simulate", "--start", START, "--csv-dir", "d")
    assert status == 2
    assert "overview/NIFTY/2026-11-26.csv:1:" in assert_one_line_error(err)
    assert "NOT WRITTEN to csv" in out
    assert foreign.read_bytes() == b"something,else\n"


# --- version and bench -------------------------------------------------------------------


def test_version_json(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = g6(capsys, "version", "--json")
    assert status == 0 and err == ""
    info = json.loads(out)
    assert info["g6runtime"] == g6runtime.__version__
    assert info["panel_schema_version"] == PANEL_SCHEMA_VERSION
    assert isinstance(info["panel_schema_version"], int)
    assert info["python"] == sys.version.split()[0]
    status, out, _ = g6(capsys, "version")
    assert status == 0 and out.count("\n") == 1 and g6runtime.__version__ in out


def test_console_script_is_the_same_command(tmp_path: Path) -> None:
    script = shutil.which("g6")
    if script is None:
        pytest.skip("the g6 console script is not on PATH")
    proc = subprocess.run(
        [script, "version", "--json"], capture_output=True, text=True, timeout=30, cwd=tmp_path
    )
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["g6runtime"] == g6runtime.__version__


@pytest.mark.slow
def test_bench_json(tmp_path: Path) -> None:
    proc = run_g6("bench", "--repeat", "2", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert set(report) == {
        "import_ms_median",
        "cycle_ms_median",
        "cycle_ms_min",
        "options_per_cycle",
        "repeat",
    }
    assert report["repeat"] == 2 and report["options_per_cycle"] == 672
    assert 0 < report["cycle_ms_min"] <= report["cycle_ms_median"]
    assert report["import_ms_median"] > 0
    assert tree(tmp_path) == {}  # the bench cleans up after itself


# --- g6 collect: the live loop -----------------------------------------------------------


class Collect:
    """A `g6 collect` subprocess whose stdout and stderr lines arrive on two queues."""

    def __init__(self, cwd: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "g6runtime", "collect", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
            env=clean_env(),
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.errors: queue.Queue[str] = queue.Queue()
        self.pumps = [
            threading.Thread(target=self._pump, args=(stream, into), daemon=True)
            for stream, into in ((self.proc.stdout, self.lines), (self.proc.stderr, self.errors))
        ]
        for pump in self.pumps:
            pump.start()

    @staticmethod
    def _pump(stream: IO[str] | None, into: queue.Queue[str]) -> None:
        assert stream is not None
        for line in stream:
            into.put(line.rstrip("\n"))

    def stderr(self) -> str:
        """Every stderr line not yet taken (after the process has exited: all of them)."""
        self.pumps[1].join(timeout=10)
        return "\n".join(self.errors.queue)

    def next_line(self, timeout: float = 20.0) -> str:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no output within {timeout} s") from None

    def port(self) -> int:
        """The port of /metrics: the first line on stderr (a diagnostic, not the result)."""
        try:
            first = self.errors.get(timeout=20.0)
        except queue.Empty:
            raise AssertionError("no stderr line within 20 s") from None
        prefix = "g6: metrics on http://127.0.0.1:"
        assert first.startswith(prefix) and first.endswith("/metrics"), first
        return int(first[len(prefix) : -len("/metrics")])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def collect(tmp_path: Path) -> Iterator[list[Collect]]:
    started: list[Collect] = []
    yield started
    for c in started:
        c.stop()


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        assert response.status == 200
        body: bytes = response.read()
    return body.decode("utf-8")


@pytest.mark.slow
def test_collect_serves_metrics_while_running_then_exits(
    tmp_path: Path, collect: list[Collect]
) -> None:
    args = ("--cycles", "3", "--interval", "1", "--ignore-market-hours", "--metrics-port", "0")
    c = Collect(tmp_path, *args, "--csv-dir", "d")
    collect.append(c)
    port = c.port()

    def cycles_done(body: str) -> float:
        (line,) = [x for x in body.splitlines() if x.startswith("g6_cycles_total ")]
        return float(line.split()[1])

    deadline = time.monotonic() + 20
    body = scrape(port)
    assert "# TYPE g6_cycles_total counter" in body
    while cycles_done(body) < 1 and time.monotonic() < deadline:
        time.sleep(0.1)
        body = scrape(port)
    assert cycles_done(body) >= 1
    assert c.proc.poll() is None  # we scraped a live process

    assert c.proc.wait(timeout=30) == 0
    lines = [c.next_line(5) for _ in range(3)]
    assert [line.split(" ")[:2] for line in lines] == [
        ["cycle", "1"],
        ["cycle", "2"],
        ["cycle", "3"],
    ]
    assert all("252 rows" in line for line in lines)
    rows = sum(
        len(p.read_text().splitlines()) - 1
        for p in (tmp_path / "d").rglob("*.csv")
        if "overview" not in p.parts
    )
    assert rows == 3 * 252
    with pytest.raises(OSError):  # the server is gone with the process
        scrape(port)


@pytest.mark.slow
def test_collect_exits_0_promptly_on_sigterm_during_the_sleep(
    tmp_path: Path, collect: list[Collect]
) -> None:
    args = ("--cycles", "5", "--interval", "60", "--ignore-market-hours", "--metrics-port", "0")
    c = Collect(tmp_path, *args, "--csv-dir", "d")
    collect.append(c)
    c.port()
    assert c.next_line().startswith("cycle 1 ")
    time.sleep(0.2)  # now sleeping until the next cycle
    sent = time.monotonic()
    c.proc.send_signal(signal.SIGTERM)
    assert c.proc.wait(timeout=10) == 0
    assert time.monotonic() - sent < 2.0
    assert c.lines.empty() or not c.next_line(1).startswith("cycle 2")
    assert "Traceback" not in c.stderr()


def test_collect_with_a_busy_port_is_one_line_exit_2(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = run_g6(
            "collect",
            "--cycles",
            "1",
            "--ignore-market-hours",
            "--metrics-port",
            str(port),
            "--csv-dir",
            "d",
            cwd=tmp_path,
        )
    assert proc.returncode == 2
    assert str(port) in assert_one_line_error(proc.stderr, proc.stdout)
