"""`g6 collect` as a service (issue 15, item 5): the shipped systemd unit (the real
`systemd-analyze`), the example configuration (the real loader), and the signals an operator
sends, to real `g6 collect` processes: SIGTERM/SIGINT finish the cycle in progress and exit 0
with whole outputs, SIGHUP checks the config file and keeps running."""

from __future__ import annotations

import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

import pytest
import yaml

from g6runtime.config import resolve
from g6runtime.configuration.schema import dotted, leaf_keys, secret_keys
from g6runtime.market.calendar import IST
from g6runtime.testing.kite_server import KiteServer

from .influx_server import InfluxServer
from .support import clean_env, run_g6

REPO = Path(__file__).resolve().parents[2]
UNIT = REPO / "deploy" / "systemd" / "g6-collect.service"
EXAMPLE = REPO / "deploy" / "g6.example.yaml"
FOLDERS = ("--csv-dir", "csv", "--panels-dir", "panels")
LIVE = ("--ignore-market-hours", "--metrics-port", "0", *FOLDERS)
COMMENTED = re.compile(r"^(\s*)#([a-z_]+:.*)$", re.MULTILINE)  # `#key: value`, optional
# Leaves of the schema the example leaves out, each for a reason an operator would accept.
NOT_IN_EXAMPLE = {
    "seed": "the synthetic market's seed",
    "strike_steps.NIFTY": "the index registry's strike steps",
    "strike_steps.BANKNIFTY": "the index registry's strike steps",
    "strike_steps.FINNIFTY": "the index registry's strike steps",
    "strike_steps.SENSEX": "the index registry's strike steps",
    "panels.hmac_key": "a secret: hmac_key_file instead",
    "kite.api_secret": "a secret: api_secret_file instead",
    "kite.access_token": "a secret: g6 token login writes token_file",
    "kite.root": "Kite's public API by default; a test server's root",
    "storage.influx.password": "a secret: password_file instead",
    "resilience.force_memory_tier": "a test override (also --memory-tier)",
    "resilience.faults": "g6 simulate only",
}


# --- the systemd unit ------------------------------------------------------------------------


def unit_settings(text: str) -> dict[str, list[str]]:
    """``Section.Key`` → every value it is given (systemd keys may repeat), comments dropped."""
    out: dict[str, list[str]] = {}
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        out.setdefault(f"{section}.{key.strip()}", []).append(value.strip())
    return out


def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        pytest.skip("systemd-analyze is not on PATH (package systemd): cannot verify the unit")
    return found


def runnable_copy(folder: Path, extra: str = "") -> Path:
    """The unit with ExecStart pointing at this environment's ``g6`` (the unit's
    /opt/g6/venv does not exist here), so verify checks everything else."""
    script = Path(sys.executable).parent / "g6"
    command = f"{script} collect" if script.exists() else f"{sys.executable} -m g6runtime collect"
    text = re.sub(r"^ExecStart=.*$", f"ExecStart={command}", UNIT.read_text(), flags=re.M)
    copy = folder / UNIT.name
    copy.write_text(text + extra, encoding="utf-8")
    return copy


def verify(tool: str, unit: Path) -> tuple[int, list[str]]:
    done = subprocess.run([tool, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    about = [x for x in (done.stdout + done.stderr).splitlines() if unit.name in x]
    return done.returncode, about


def test_the_unit_passes_systemd_analyze_verify_and_security(tmp_path: Path) -> None:
    tool = systemd_analyze()
    assert verify(tool, runnable_copy(tmp_path)) == (0, [])
    # the check can fail: a key systemd does not know is reported against the unit
    (tmp_path / "bad").mkdir()
    _, about = verify(tool, runnable_copy(tmp_path / "bad", "Restrat=always\n"))
    assert any("Unknown key" in x and "Restrat" in x for x in about), about
    done = subprocess.run(
        [tool, "security", "--offline=yes", "--threshold=20", str(runnable_copy(tmp_path))],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:]  # exposure 2.0 or lower ("OK")
    assert re.search(r"Overall exposure level for g6-collect\.service: [0-2]\.\d OK", done.stdout)


def test_the_unit_runs_g6_collect_as_an_operator_expects() -> None:
    unit = unit_settings(UNIT.read_text(encoding="utf-8"))
    (start,) = unit["Service.ExecStart"]
    assert start == "/opt/g6/venv/bin/g6 collect"
    assert unit["Service.Type"] == ["exec"]
    assert unit["Service.User"] == unit["Service.Group"] == ["g6"]
    assert unit["Service.WorkingDirectory"] == ["/var/lib/g6"]
    assert unit["Service.StateDirectory"] == ["g6"] and unit["Service.ReadWritePaths"] == [
        "/var/lib/g6"
    ]
    (config,) = [x for x in unit["Service.Environment"] if x.startswith("G6_CONFIG_FILE=")]
    assert config == "G6_CONFIG_FILE=/etc/g6/g6.yaml"
    assert unit["Service.KillSignal"] == ["SIGTERM"]
    assert unit["Service.Restart"] == ["on-failure"] and unit["Service.RestartSec"]
    assert "2" in unit["Service.RestartPreventExitStatus"][0].split()  # config/token: a person
    assert "Service.ExecReload" not in unit  # SIGHUP checks, it does not reload
    for key, value in (("NoNewPrivileges", "yes"), ("ProtectSystem", "strict")):
        assert unit[f"Service.{key}"] == [value]
    for key in ("ProtectHome", "PrivateTmp", "PrivateDevices"):
        assert unit[f"Service.{key}"] == ["yes"]
    assert unit["Install.WantedBy"] == ["multi-user.target"]

    # the example is what the unit expects: its name, its folders, a stop within the timeout
    assert EXAMPLE.name.replace(".example", "") == Path(config.split("=", 1)[1]).name
    s = resolve(EXAMPLE, environ={}).settings()
    writable = Path(unit["Service.ReadWritePaths"][0])
    for path in (s.csv_dir, s.panels_dir, s.influx.spool_dir, s.kite.token_file):
        assert path.is_absolute() and writable in path.parents, path
    stop = int(unit["Service.TimeoutStopSec"][0].removesuffix("s"))
    # a cycle (at most the interval) + the Influx drain (its timeout, then the client's) + 1 s
    assert stop > s.interval_seconds + 2 * s.influx.timeout_seconds + 1


# --- the example configuration ---------------------------------------------------------------


def test_the_example_config_is_valid_through_the_cli_and_the_loader(tmp_path: Path) -> None:
    check = run_g6("config", "check", "--config", str(EXAMPLE), cwd=tmp_path)
    assert check.returncode == 0 and check.stderr == "", check.stderr
    assert check.stdout == f"configuration ok ({EXAMPLE}; environment checked)\n"
    # as the unit runs it: the file through G6_CONFIG_FILE, no flag
    via_env = run_g6("config", "check", cwd=tmp_path, env=clean_env(G6_CONFIG_FILE=str(EXAMPLE)))
    assert via_env.returncode == 0, via_env.stderr
    effective = resolve(EXAMPLE, environ={})
    assert effective.problems == [] and effective.warnings == []
    s = effective.settings()
    assert s.provider == "kite" and s.csv_dir == Path("/var/lib/g6/csv")
    assert s.metrics_host == "127.0.0.1" and s.metrics_port == 9108
    assert s.retention.enabled and s.retention.dry_run  # prunes only once the operator says
    assert (s.hmac_key, s.influx.password, s.kite.api_secret, s.kite.access_token) == (None,) * 4


def test_the_example_sets_what_an_operator_sets_and_no_secret(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    active = yaml.safe_load(text)
    secrets = {dotted(k) for k in secret_keys()}
    assert not {dotted(k) for k in leaf_keys() if _get(active, k) not in (None, _ABSENT)} & secrets
    # every optional `#key: value` line is valid once uncommented (its secret files existing)
    folder = tmp_path / "secrets"
    folder.mkdir()
    for name in ("panels_hmac_key", "kite_api_secret", "influx_password"):
        (folder / name).write_text(f"not-a-real-{name}\n", encoding="utf-8")
    full = COMMENTED.sub(r"\1\2", text).replace("/etc/g6/secrets/", f"{folder}/")
    (tmp_path / "g6.yaml").write_text(full, encoding="utf-8")
    s = resolve(tmp_path / "g6.yaml", environ={}).settings()
    assert s.hmac_key == b"not-a-real-panels_hmac_key" and s.kite.api_key
    assert (s.influx.username, s.kite.api_secret) == ("g6", "not-a-real-kite_api_secret")
    uncommented = yaml.safe_load(full)
    present = {dotted(k) for k in leaf_keys() if _get(uncommented, k) is not _ABSENT}
    assert {dotted(k) for k in leaf_keys()} - present == set(NOT_IN_EXAMPLE)
    assert not present & secrets  # secrets only through their *_file keys
    for line in text.splitlines():  # nothing that looks like a credential value
        assert not re.search(r"(secret|password|token|hmac_key):\s*[^\s#/]", line), line


_ABSENT = object()


def _get(doc: object, key: tuple[str, ...]) -> object:
    """The value at ``key`` of a loaded YAML document, ``_ABSENT`` when a part is missing."""
    for part in key:
        if not isinstance(doc, dict) or part not in doc:
            return _ABSENT
        doc = doc[part]
    return doc


def test_a_broken_copy_of_the_example_is_one_line_and_exit_2(tmp_path: Path) -> None:
    broken = tmp_path / "g6.yaml"
    broken.write_text(EXAMPLE.read_text(encoding="utf-8") + "interval_second: 30\n")
    run = run_g6("config", "check", "--config", str(broken), cwd=tmp_path)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and "interval_second: unknown key" in run.stderr
    assert "did you mean 'interval_seconds'?" in run.stderr


# --- signals, to real g6 collect processes ---------------------------------------------------


class Collect:
    """``python -m g6runtime collect ARGS``; stdout lines on a queue, stderr lines in a list."""

    def __init__(self, cwd: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.cwd = cwd
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "g6runtime", "collect", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
            text=True, cwd=cwd, env=clean_env() if env is None else env,
        )  # fmt: skip
        self.lines: queue.Queue[str] = queue.Queue()
        self.err: list[str] = []
        self.pumps = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, self.lines.put)),
            threading.Thread(target=self._pump, args=(self.proc.stderr, self.err.append)),
        ]
        for pump in self.pumps:
            pump.start()

    @staticmethod
    def _pump(stream: IO[str] | None, put: Callable[[str], None]) -> None:
        assert stream is not None
        for line in stream:
            put(line.rstrip("\n"))

    def line(self, timeout: float = 30.0) -> str:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no cycle within {timeout} s; stderr: {self.err}") from None

    def logged(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [x for x in self.err if text in x]
            if found:
                return found[0]
            time.sleep(0.05)
        raise AssertionError(f"no stderr line with {text!r} within {timeout} s: {self.err}")

    def finish(self, timeout: float = 30.0) -> tuple[int, list[str], list[str]]:
        """(exit status, every stdout line not yet taken, every stderr line)."""
        status = self.proc.wait(timeout=timeout)
        for pump in self.pumps:
            pump.join(timeout=10)
        return status, list(self.lines.queue), self.err

    def integrity(self) -> int:
        return run_g6("integrity", *FOLDERS, cwd=self.cwd).returncode


@pytest.fixture
def started() -> Iterator[list[Collect]]:
    runs: list[Collect] = []
    yield runs
    for run in runs:
        if run.proc.poll() is None:
            run.proc.kill()
            run.proc.wait(timeout=10)


def rows_per_folder(root: Path) -> set[int]:
    """The rows of each CSV series (a folder of day-files), header lines not counted."""
    totals: dict[Path, int] = {}
    for path in root.rglob("*.csv"):
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines and lines[-1] and "," in lines[-1], path  # no torn last line
        totals[path.parent] = totals.get(path.parent, 0) + len(lines) - 1
    return set(totals.values())


def stopped(err: list[str], name: str, cycles: int) -> None:
    """Exactly one line says it stopped, naming the signal; nothing else went wrong."""
    plural = "" if cycles == 1 else "s"
    want = f"g6: stopped by {name} after {cycles} cycle{plural}; outputs flushed and closed"
    assert [x for x in err if "stopped" in x] == [want], err
    assert not [x for x in err if "Traceback" in x or "Error" in x or "[error]" in x], err


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_signal_ends_after_whole_cycles_and_exits_0(
    tmp_path: Path, started: list[Collect], sig: signal.Signals
) -> None:
    c = Collect(tmp_path, *LIVE, "--interval", "1")
    started.append(c)
    c.line()
    second = c.line()
    began = time.monotonic() - float(second.rsplit(", ", 1)[1].removesuffix(" ms")) / 1000
    time.sleep(max(0.0, began + 1.04 - time.monotonic()))  # aim into cycle 3 (not assumed)
    c.proc.send_signal(sig)
    status, rest, err = c.finish()
    assert status == 0
    cycles = 2 + len(rest)
    assert all(x.startswith(f"cycle {n} ") for n, x in enumerate(rest, 3))
    stopped(err, sig.name, cycles)
    assert rows_per_folder(tmp_path / "csv") == {cycles}  # every series has every cycle
    assert c.integrity() == 0


@pytest.mark.slow
def test_a_stop_during_a_slow_cycle_finishes_it_and_a_second_signal_changes_nothing(
    tmp_path: Path, started: list[Collect]
) -> None:
    with KiteServer(seed=5) as server:
        env = {"G6_KITE_API_KEY": server.api_key, "G6_KITE_ROOT": server.root}
        env["G6_KITE_ACCESS_TOKEN"] = server.access_token
        # 5 s cycles: a Kite cycle (1 quote request/s) plus the delay fits its 4 s budget once
        args = ("--provider", "kite", *LIVE, "--interval", "5", "--json")
        c = Collect(tmp_path, *args, env=clean_env(**env))
        started.append(c)
        assert '"ok": true' in c.line(60)
        fault = server.add_fault("delay", endpoints=["quote"], times=1, seconds=3.0)
        deadline = time.monotonic() + 30
        while fault in server.faults.active and time.monotonic() < deadline:
            time.sleep(0.02)  # until cycle 2's first quote request is held by the server
        assert fault not in server.faults.active
        c.proc.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        time.sleep(0.5)
        c.proc.send_signal(signal.SIGINT)  # again, while stopping
        status, rest, err = c.finish(60)
    assert status == 0
    assert time.monotonic() - sent > 2.0  # it waited for the held request: the cycle finished
    assert len(rest) == 1 and '"cycle": 2' in rest[0] and '"ok": true' in rest[0]
    stopped(err, "SIGTERM", 2)
    assert c.integrity() == 0


@pytest.mark.slow
def test_sigterm_flushes_the_influx_sink_before_exit(
    tmp_path: Path, started: list[Collect], influx: InfluxServer
) -> None:
    db = f"service{time.monotonic_ns()}"
    influx.create_database(db)
    env = clean_env(G6_INFLUX_URL=influx.url, G6_INFLUX_DATABASE=db)
    c = Collect(tmp_path, *LIVE, "--interval", "1", env=env)
    started.append(c)
    c.line()
    c.line()
    c.proc.send_signal(signal.SIGTERM)
    status, rest, err = c.finish()
    assert status == 0
    cycles = 2 + len(rest)
    stopped(err, "SIGTERM", cycles)
    # at exit, not eventually: every CSV row is a point, nothing is left in the spool
    assert influx.count("g6_option", db) == cycles * 252
    assert influx.count("g6_overview", db) == cycles * 4
    assert [
        p
        for p in (tmp_path / "data" / "influx_spool").iterdir()
        if p.suffix in (".csv", ".gz", ".lp")
    ] == []


@pytest.mark.slow
def test_sighup_checks_the_config_file_and_keeps_collecting(
    tmp_path: Path, started: list[Collect]
) -> None:
    config = tmp_path / "g6.yaml"
    config.write_text("strikes_per_side: 10\ninterval_seconds: 60\n", encoding="utf-8")
    c = Collect(tmp_path, *LIVE, "--interval", "1", "--config", "g6.yaml")
    started.append(c)
    c.line()
    c.proc.send_signal(signal.SIGHUP)
    assert c.logged("SIGHUP") == "g6: SIGHUP: configuration checked (g6.yaml): unchanged"
    # interval_seconds is overridden by --interval 1: only strikes_per_side changes
    config.write_text("strikes_per_side: 8\ninterval_seconds: 30\n", encoding="utf-8")
    c.proc.send_signal(signal.SIGHUP)
    assert c.logged("key changed") == (
        "g6: SIGHUP: configuration checked (g6.yaml): 1 key changed (strikes_per_side); "
        "not reloaded: a restart applies it"
    )
    config.write_text("metrics:\n  port: 99999\n", encoding="utf-8")
    c.proc.send_signal(signal.SIGHUP)
    bad = c.logged("not valid")
    assert bad.startswith("g6: SIGHUP: configuration not valid, the running one stays: ")
    assert bad.endswith("g6.yaml:2: metrics.port: 99999 is greater than the maximum of 65535; "
                        "expected an integer from 0 to 65535")  # fmt: skip
    while not c.lines.empty():
        c.line()
    assert " 252 rows written" in c.line()  # still collecting, with the running settings
    assert c.proc.poll() is None
    c.proc.send_signal(signal.SIGTERM)
    status, _, err = c.finish()
    assert status == 0
    assert len([x for x in err if "SIGHUP" in x]) == 3
    assert not [x for x in err if "Traceback" in x], err


@pytest.mark.slow
def test_sigterm_while_waiting_for_the_market_to_open(
    tmp_path: Path, started: list[Collect]
) -> None:
    today = datetime.now(IST).date()
    closed = [(today + timedelta(days=d)).isoformat() for d in (-1, 0, 1)]  # IST midnight
    (tmp_path / "g6.yaml").write_text(f"market:\n  extra_holidays: {closed}\n".replace("'", '"'))
    c = Collect(tmp_path, "--metrics-port", "0", *FOLDERS, "--config", "g6.yaml")
    started.append(c)
    c.logged("market closed; next open")
    c.proc.send_signal(signal.SIGHUP)  # answered in the wait too
    c.logged("SIGHUP: configuration checked")
    sent = time.monotonic()
    c.proc.send_signal(signal.SIGTERM)
    status, rest, err = c.finish()
    assert status == 0 and rest == []
    assert time.monotonic() - sent < 3.0  # the wait (up to 300 s) ends on the signal
    stopped(err, "SIGTERM", 0)
