"""``g6 config show|check`` and the environment's validation, as real processes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from g6runtime.cli import main

from .support import clean_env, run_g6

SECRET = "hmac-S3cr3t-Zq9w"


def test_check_refuses_the_issue_values_one_line_each(tmp_path: Path) -> None:
    env = clean_env(G6_RISK_FREE_RATE="5", G6_DIVIDEND_YIELD="-1")
    done = run_g6("config", "check", cwd=tmp_path, env=env)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 2, done.stderr
    assert lines[0].startswith("g6: G6_RISK_FREE_RATE: risk_free_rate: 5 is greater than")
    assert lines[1].startswith("g6: G6_DIVIDEND_YIELD: dividend_yield: -1 is less than")
    assert all("; expected a number from" in line for line in lines)
    assert "Traceback" not in done.stderr


def test_simulate_refuses_an_environment_value_the_file_refuses(tmp_path: Path) -> None:
    env = clean_env(G6_RISK_FREE_RATE="5")
    done = run_g6("simulate", "--cycles", "1", "--csv-dir", "out", cwd=tmp_path, env=env)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "G6_RISK_FREE_RATE" in done.stderr
    assert not (tmp_path / "out").exists()


def test_check_gives_one_line_per_problem_from_file_and_environment(tmp_path: Path) -> None:
    config = tmp_path / "g6.yaml"
    config.write_text("seed: 1\nstrikes_per_side: 0\nmetrics:\n  prot: 1\n", encoding="utf-8")
    env = clean_env(G6_METRICS_PORT="70000")
    done = run_g6("config", "check", "--config", str(config), cwd=tmp_path, env=env)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 3, done.stderr
    assert lines[0].startswith(f"g6: {config}:2: strikes_per_side: 0 is less than the minimum")
    assert lines[1].startswith(f"g6: {config}:4: metrics.prot: unknown key (did you mean 'port'?)")
    assert lines[2].startswith("g6: G6_METRICS_PORT: metrics.port: 70000 is greater than")


def test_check_of_a_valid_configuration_exits_0(tmp_path: Path) -> None:
    config = tmp_path / "g6.json"
    config.write_text('{"seed": 4}', encoding="utf-8")
    done = run_g6("config", "check", "--config", str(config), cwd=tmp_path, env=clean_env())
    assert (done.returncode, done.stderr) == (0, "")
    assert "ok" in done.stdout


def test_unknown_variable_is_one_warning_line_naming_the_closest(tmp_path: Path) -> None:
    env = clean_env(G6_STRIKES_PER_SIDES="2", G6_PANELS_HMAC_KEYY=SECRET)
    done = run_g6("config", "check", cwd=tmp_path, env=env)
    assert done.returncode == 0
    lines = done.stderr.splitlines()
    assert len(lines) == 2, done.stderr
    assert "G6_PANELS_HMAC_KEYY" in lines[0] and "did you mean G6_PANELS_HMAC_KEY?" in lines[0]
    assert "G6_STRIKES_PER_SIDES" in lines[1] and "did you mean G6_STRIKES_PER_SIDE?" in lines[1]
    assert SECRET not in done.stderr + done.stdout


def test_show_json_gives_every_value_with_its_source(tmp_path: Path) -> None:
    config = tmp_path / "g6.yaml"
    config.write_text("seed: 5\nmetrics:\n  port: 9300\nstrikes_per_side: 4\n", encoding="utf-8")
    env = clean_env(G6_SEED="9", G6_PANELS_HMAC_KEY=SECRET, G6_STRIKE_STEP_NIFTY="100")
    done = run_g6("config", "show", "--json", "--config", str(config), cwd=tmp_path, env=env)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert SECRET not in done.stdout
    report = json.loads(done.stdout)
    assert report["config_file"] == str(config)
    got = report["settings"]
    assert got["seed"] == {"value": 9, "source": "G6_SEED"}  # env over file
    assert got["metrics.port"] == {"value": 9300, "source": f"{config}:3"}
    assert got["strikes_per_side"] == {"value": 4, "source": f"{config}:4"}
    assert got["interval_seconds"] == {"value": 60.0, "source": "default"}
    assert got["strike_steps.NIFTY"] == {"value": 100, "source": "G6_STRIKE_STEP_NIFTY"}
    assert got["strike_steps.SENSEX"] == {"value": 100, "source": "default"}
    assert got["panels.hmac_key"] == {"value": "***", "source": "G6_PANELS_HMAC_KEY"}
    assert got["resilience.faults"] == {"value": [], "source": "default"}


def test_show_text_masks_secrets_and_names_sources(tmp_path: Path) -> None:
    key = tmp_path / "hmac.key"
    key.write_text(SECRET + "\n", encoding="utf-8")
    env = clean_env(G6_PANELS_HMAC_KEY_FILE=str(key), G6_CSV_DIR="/srv/csv")
    done = run_g6("config", "show", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert SECRET not in done.stdout + done.stderr
    rows = {line.split()[0]: line for line in done.stdout.splitlines()}
    assert re.fullmatch(r'csv_dir\s+"/srv/csv"\s+\(G6_CSV_DIR\)', rows["csv_dir"])
    assert re.fullmatch(r"seed\s+42\s+\(default\)", rows["seed"])
    assert f'"{key}"' in rows["panels.hmac_key_file"]  # a path, not the secret


def test_show_refuses_an_invalid_configuration(tmp_path: Path) -> None:
    done = run_g6("config", "show", cwd=tmp_path, env=clean_env(G6_INDICES="NIFTY,DOW"))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("g6: G6_INDICES: indices.1: 'DOW' is not one of")


def test_check_json_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("G6_SEED", "x")
    assert main(["config", "check", "--json"]) == 2
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["ok"] is False
    assert report["problems"] == [
        "G6_SEED: seed: 'x' is not of type 'integer'; expected an integer"
    ]
    assert err == "g6: " + report["problems"][0] + "\n"
