"""`g6 collect --provider kite` and `g6 token` as real processes against the local Kite server
(issue 14): the SPEC CSV layout with the server's prices, the request budget per cycle, a
token rejected mid-run, status in each state, the login exchange, and no secret in any output."""

from __future__ import annotations

import json
import math
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from g6runtime.testing.kite_server import KiteServer

from .support import OPTION_HEADER, clean_env, run_g6

SECRET_KEYS = ("api_secret", "access_token")


@pytest.fixture
def server() -> Iterator[KiteServer]:
    with KiteServer(seed=5, rate_limits={"quote": 1, "default": 10}) as s:
        yield s


def kite_env(server: KiteServer, token: bool = True, **extra: str) -> dict[str, str]:
    env = {"G6_KITE_API_KEY": server.api_key, "G6_KITE_ROOT": server.root}
    if token:
        env["G6_KITE_ACCESS_TOKEN"] = server.access_token
    return clean_env(**(env | extra))


def no_secrets(server: KiteServer, *texts: str) -> None:
    for text in texts:
        for secret in (server.api_secret, server.access_token, server.request_token):
            assert secret not in text


COLLECT = ("collect", "--provider", "kite", "--ignore-market-hours", "--metrics-port", "0")
COLLECT += ("--csv-dir", "csv", "--panels-dir", "panels", "--json")


@pytest.mark.slow
def test_collect_writes_the_csv_layout_within_the_request_budget(
    server: KiteServer, tmp_path: Path
) -> None:
    # 5 s cycles: the rate limit (1 request/s) needs ~3 s of a cycle's 4 s SLA, so no breach
    # lowers the detail (which would ask for fewer strikes)
    run = run_g6(*COLLECT, "--cycles", "3", "--interval", "5", cwd=tmp_path, env=kite_env(server))
    assert run.returncode == 0, run.stderr
    no_secrets(server, run.stdout, run.stderr)
    cycles = [json.loads(line) for line in run.stdout.splitlines()]
    assert [c["ok"] for c in cycles] == [True, True, True]
    rows = cycles[0]["rows"]
    assert rows > 0 and all(c["failures"] == [] for c in cycles)
    instruments = 2 * rows
    counts, answered = server.counts, server.statuses
    # ceil(instruments / 500) quote calls a cycle answered (a loaded machine may see a 429
    # the client waits out; it is retried, not a failure)
    assert answered[("quote", 200)] == 3 * math.ceil(instruments / 500)
    assert [n for n in server.quote_sizes if n].count(500) >= 3
    assert not [k for k in answered if k[1] not in (200, 429)]
    assert answered[("ltp", 200)] == 3 and counts["instruments"] == 2  # NFO, BFO once a day
    files = sorted((tmp_path / "csv").rglob("*.csv"))
    option_files = [f for f in files if "overview" not in f.parts]
    header = option_files[0].read_text(encoding="utf-8").splitlines()[0]
    assert header == OPTION_HEADER
    indices = {f.relative_to(tmp_path / "csv").parts[0] for f in option_files}
    assert indices == {"NIFTY", "BANKNIFTY", "FINNIFTY", "SENSEX"}
    written = [p for p in tmp_path.rglob("*") if p.is_file()]  # CSV, panels, caches
    assert any(p.suffix == ".json" and "panels" in p.parts for p in written)
    no_secrets(server, *(p.read_bytes().decode("utf-8", "replace") for p in written))


@pytest.mark.slow
def test_a_token_rejected_mid_run_stops_collect_with_one_line(
    server: KiteServer, tmp_path: Path
) -> None:
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "g6runtime", *COLLECT, "--interval", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=kite_env(server),
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert json.loads(proc.stdout.readline())["ok"] is True
    server.set_fault("token_expired")
    assert proc.wait(timeout=30) == 2
    err = proc.stderr.read()
    last = err.strip().splitlines()[-1]
    assert last == ("g6: Kite rejected the access token (expired or revoked): run g6 token login")
    assert "Traceback" not in err
    no_secrets(server, err)


def test_collect_without_a_token_is_one_line_before_any_cycle(
    server: KiteServer, tmp_path: Path
) -> None:
    run = run_g6(*COLLECT, "--cycles", "1", cwd=tmp_path, env=kite_env(server, token=False))
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.endswith(": run g6 token login\n") and run.stderr.count("\n") == 1
    assert server.counts.get("quote", 0) == 0 and not (tmp_path / "csv").exists()


def test_token_status_checked_valid_and_rejected(server: KiteServer, tmp_path: Path) -> None:
    ok = run_g6("token", "status", "--json", cwd=tmp_path, env=kite_env(server))
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout) == {
        "provider": "kite",
        "valid": True,
        "user_id": server.user_id,
        "expires_at": None,
        "source": "env",
        "checked": True,
    }
    bad = run_g6(
        "token", "status", "--json", cwd=tmp_path,
        env=kite_env(server, G6_KITE_ACCESS_TOKEN="not-the-token"),
    )  # fmt: skip
    assert bad.returncode == 1
    doc = json.loads(bad.stdout)
    assert doc["valid"] is False and doc["checked"] is True
    no_secrets(server, ok.stdout, ok.stderr, bad.stdout, bad.stderr)


def test_token_login_with_a_request_token_writes_the_token_file(
    server: KiteServer, tmp_path: Path
) -> None:
    env = kite_env(server, token=False, G6_KITE_API_SECRET=server.api_secret)
    run = run_g6("token", "login", "--request-token", server.request_token, cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stderr
    assert "kite.zerodha.com/connect/login?api_key=" in run.stdout
    assert "written to data/kite_token.json (mode 0600)" in run.stdout
    no_secrets(server, run.stdout, run.stderr)
    doc = json.loads((tmp_path / "data" / "kite_token.json").read_text(encoding="utf-8"))
    assert doc["user_id"] == server.user_id and doc["access_token"]
    status = run_g6("token", "status", "--json", cwd=tmp_path, env=kite_env(server, token=False))
    assert status.returncode == 0 and json.loads(status.stdout)["source"] == "file"

    again = run_g6("token", "login", "--request-token", server.request_token, cwd=tmp_path, env=env)
    assert again.returncode == 2  # a request token is good once
    assert again.stderr.strip().endswith("run g6 token login again")


def test_token_login_through_the_one_shot_listener(server: KiteServer, tmp_path: Path) -> None:
    import socket
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = kite_env(server, token=False, G6_KITE_API_SECRET=server.api_secret)
    proc = subprocess.Popen(
        [sys.executable, "-m", "g6runtime", "token", "login", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=env,
    )  # fmt: skip

    def redirect() -> None:
        url = f"http://127.0.0.1:{port}/?action=login&status=success&request_token="
        for _ in range(100):
            try:
                urllib.request.urlopen(url + server.request_token, timeout=2).read()
                return
            except OSError:
                time.sleep(0.1)

    threading.Thread(target=redirect, daemon=True).start()
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert (tmp_path / "data" / "kite_token.json").exists()
    no_secrets(server, out, err)


def test_the_configured_provider_is_the_runtime_wiring_but_simulate_stays_synthetic(
    server: KiteServer, tmp_path: Path
) -> None:
    env = kite_env(server, token=False, G6_PROVIDER="kite")
    collect = run_g6("collect", "--cycles", "1", "--ignore-market-hours", "--metrics-port", "0",
                     cwd=tmp_path, env=env)  # fmt: skip
    assert collect.returncode == 2 and collect.stderr.endswith(": run g6 token login\n")
    sim = run_g6("simulate", "--csv-dir", "csv", "--panels-dir", "panels", cwd=tmp_path, env=env)
    assert sim.returncode == 0, sim.stderr  # a simulation never asks Kite
    assert server.counts.get("quote", 0) == 0 and server.counts.get("ltp", 0) == 0
