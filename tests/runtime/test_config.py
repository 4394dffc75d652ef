"""g6runtime.config: defaults, config files, environment overrides, the env-var registry."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import fields
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from g6runtime.config import (
    CONFIG_FILE_VAR,
    ENV_VARS,
    LOG_LEVEL_VAR,
    InfluxSettings,
    RetentionSettings,
    Settings,
    load_settings,
    resolve,
    strike_step_var,
)
from g6runtime.errors import ConfigError
from g6runtime.market import EXPIRY_RULES, INDEX_NAMES

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "g6runtime"
ENV_DOC = ROOT / "docs" / "env_dict.md"

FULL_CONFIG: dict[str, Any] = {
    "csv_dir": "out/csv",
    "panels_dir": "out/panels",
    "indices": ["NIFTY", "SENSEX"],
    "expiries": ["this_week", "next_month"],
    "strikes_per_side": 3,
    "interval_seconds": 15.5,
    "seed": 7,
    "risk_free_rate": 0.05,
    "dividend_yield": 0.0,
    "strike_steps": {"NIFTY": 100},
    "market": {"extra_holidays": ["2026-12-31", "2026-12-24"]},
    "metrics": {
        "host": "0.0.0.0",
        "port": 9200,
        "enable_groups": ["cycle", "provider"],
        "disable_groups": ["provider"],
    },
    "panels": {"integrity_every_cycles": 3},
    "storage": {
        "max_failed_cycles": 5,
        "influx": {
            "url": "http://db.example:8086/influx",
            "database": "opts",
            "username": "g6",
            "timeout_seconds": 2.5,
            "batch_points": 1000,
            "spool_dir": "out/spool",
            "spool_max_mb": 64,
        },
    },
    "retention": {"enabled": True, "dry_run": False, "max_age_days": 10},
    "resilience": {"window_cycles": 10, "allowed_breaches": 3, "faults": ["error:NIFTY:2-3"]},
}


def expect_full_config(s: Settings) -> None:
    assert s.csv_dir == Path("out/csv") and s.panels_dir == Path("out/panels")
    assert s.indices == ("NIFTY", "SENSEX")
    assert s.expiries == ("this_week", "next_month")
    assert (s.strikes_per_side, s.interval_seconds, s.seed) == (3, 15.5, 7)
    assert (s.risk_free_rate, s.dividend_yield) == (0.05, 0.0)
    assert dict(s.strike_steps) == {"NIFTY": 100}
    assert s.extra_holidays == (date(2026, 12, 24), date(2026, 12, 31))  # sorted
    assert (s.metrics_host, s.metrics_port) == ("0.0.0.0", 9200)
    assert s.enable_groups == frozenset({"cycle", "provider"})
    assert s.disable_groups == frozenset({"provider"})
    assert s.integrity_every_cycles == 3
    assert s.max_failed_cycles == 5
    assert s.influx == InfluxSettings(
        enabled=False,  # a URL in the file does not switch the sink on; enabled or the env does
        url="http://db.example:8086/influx",
        database="opts",
        username="g6",
        timeout_seconds=2.5,
        batch_points=1000,
        spool_dir=Path("out/spool"),
        spool_max_mb=64,
    )
    assert s.retention == RetentionSettings(enabled=True, dry_run=False, max_age_days=10)
    r = s.resilience
    assert (r.window_cycles, r.allowed_breaches) == (10, 3)
    assert [f.text for f in r.faults] == ["error:NIFTY:2-3"]


def one_line(exc: pytest.ExceptionInfo[ConfigError]) -> str:
    message = str(exc.value)
    assert message and "\n" not in message
    return message


# --- defaults ---------------------------------------------------------------------------


def test_defaults_without_file_or_environment() -> None:
    s = load_settings(environ={})
    assert s == Settings()
    assert s.csv_dir == Path("data/g6_data") and s.panels_dir == Path("data/panels")
    assert s.indices == ("NIFTY", "BANKNIFTY", "FINNIFTY", "SENSEX") == INDEX_NAMES
    assert s.expiries == ("this_week", "next_week", "this_month", "next_month") == EXPIRY_RULES
    assert (s.strikes_per_side, s.interval_seconds, s.seed) == (10, 60.0, 42)
    assert (s.risk_free_rate, s.dividend_yield) == (0.065, 0.012)
    assert dict(s.strike_steps) == {}
    assert (s.metrics_host, s.metrics_port) == ("127.0.0.1", 9108)
    assert s.enable_groups is None and s.disable_groups == frozenset()
    assert s.hmac_key is None
    assert s.retention == RetentionSettings(
        enabled=False,
        dry_run=True,
        max_age_days=45,
        protect_today=True,
        prune_csv=True,
        prune_influx=False,
    )


def test_empty_environment_values_are_ignored() -> None:
    assert load_settings(environ={name: "" for name in ENV_VARS}) == Settings()


# --- config files -------------------------------------------------------------------------


def test_json_config_file(tmp_path: Path) -> None:
    path = tmp_path / "g6.json"
    path.write_text(json.dumps(FULL_CONFIG), encoding="utf-8")
    expect_full_config(load_settings(path, environ={}))


@pytest.mark.parametrize("suffix", [".yaml", ".yml"])
def test_yaml_config_file(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"g6{suffix}"
    path.write_text(yaml.safe_dump(FULL_CONFIG), encoding="utf-8")
    expect_full_config(load_settings(path, environ={}))


def test_empty_yaml_file_gives_defaults(tmp_path: Path) -> None:
    path = tmp_path / "g6.yaml"
    path.write_text("# nothing here\n", encoding="utf-8")
    assert load_settings(path, environ={}) == Settings()


def test_config_file_from_environment_variable(tmp_path: Path) -> None:
    path = tmp_path / "g6.yaml"
    path.write_text("seed: 11\n", encoding="utf-8")
    assert load_settings(environ={CONFIG_FILE_VAR: str(path)}).seed == 11


def test_explicit_config_file_wins_over_the_environment_variable(tmp_path: Path) -> None:
    chosen, other = tmp_path / "chosen.yaml", tmp_path / "other.yaml"
    chosen.write_text("seed: 1\n", encoding="utf-8")
    other.write_text("seed: 2\n", encoding="utf-8")
    assert load_settings(chosen, environ={CONFIG_FILE_VAR: str(other)}).seed == 1


def test_hmac_key_file_from_config(tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_bytes(b"from-file-key\n")
    path = tmp_path / "g6.yaml"
    path.write_text(f"panels:\n  hmac_key_file: {key}\n", encoding="utf-8")
    assert load_settings(path, environ={}).hmac_key == b"from-file-key"


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ({"strikes_per_side": "ten"}, "strikes_per_side"),
        ({"strikes_per_side": 0}, "strikes_per_side"),
        ({"indices": ["NIFTY", "DOW"]}, "indices.1"),
        ({"expiries": []}, "expiries"),
        ({"bogus_key": 1}, "bogus_key"),
        ({"metrics": {"port": 70000}}, "metrics.port"),
        ({"metrics": {"colour": "red"}}, "colour"),
        ({"retention": {"max_age_days": -1}}, "retention.max_age_days"),
        ({"strike_steps": {"DOW": 10}}, "DOW"),
        ({"interval_seconds": 0}, "interval_seconds"),
    ],
)
@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_schema_violation_names_the_key(
    tmp_path: Path, data: dict[str, Any], named: str, suffix: str
) -> None:
    path = tmp_path / f"bad{suffix}"
    text = json.dumps(data) if suffix == ".json" else yaml.safe_dump(data)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as excinfo:
        load_settings(path, environ={})
    message = one_line(excinfo)
    assert re.match(rf"{re.escape(str(path))}:\d+: ", message), message
    assert named in message
    assert "; expected " in message  # how to fix it


def test_config_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- seed\n- 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as excinfo:
        load_settings(path, environ={})
    assert one_line(excinfo).startswith(f"{path}: ")


def test_json_syntax_error_gives_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  "seed": 1,\n  "indices": [}\n', encoding="utf-8")
    with pytest.raises(ConfigError) as excinfo:
        load_settings(path, environ={})
    message = one_line(excinfo)
    assert message.startswith(f"{path}:3: invalid JSON")


def test_yaml_syntax_error_gives_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("seed: 1\nindices: [NIFTY\nexpiries: x: y\n", encoding="utf-8")
    with pytest.raises(ConfigError) as excinfo:
        load_settings(path, environ={})
    message = one_line(excinfo)
    assert message.startswith(f"{path}:3: invalid YAML"), message


def test_yaml_tab_indentation_error_gives_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "tabs.yaml"
    path.write_text("seed: 1\nmetrics:\n\tport: 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as excinfo:
        load_settings(path, environ={})
    assert one_line(excinfo).startswith(f"{path}:3: invalid YAML")


def test_missing_config_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    with pytest.raises(ConfigError) as excinfo:
        load_settings(path, environ={})
    assert one_line(excinfo).startswith(f"{path}: cannot read config file")


def test_config_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("csv_dir: d\xe9j\xe0\n".encode("latin-1"))
    with pytest.raises(ConfigError) as excinfo:
        load_settings(path, environ={})
    assert one_line(excinfo).startswith(f"{path}: ")


# --- environment overrides ----------------------------------------------------------------

# name → (raw value, Settings attribute, expected value). Every ENV_VARS entry must be here.
ENV_CASES: dict[str, tuple[str, str, object]] = {
    "G6_CSV_DIR": ("/srv/g6/csv", "csv_dir", Path("/srv/g6/csv")),
    "G6_PANELS_DIR": ("/srv/g6/panels", "panels_dir", Path("/srv/g6/panels")),
    "G6_INDICES": (" NIFTY , SENSEX ", "indices", ("NIFTY", "SENSEX")),
    "G6_EXPIRIES": ("next_week,this_month", "expiries", ("next_week", "this_month")),
    "G6_STRIKES_PER_SIDE": ("4", "strikes_per_side", 4),
    "G6_INTERVAL_SECONDS": ("2.5", "interval_seconds", 2.5),
    "G6_SEED": ("-3", "seed", -3),
    "G6_RISK_FREE_RATE": ("0.07", "risk_free_rate", 0.07),
    "G6_DIVIDEND_YIELD": ("0", "dividend_yield", 0.0),
    "G6_METRICS_HOST": ("0.0.0.0", "metrics_host", "0.0.0.0"),
    "G6_METRICS_PORT": ("0", "metrics_port", 0),
    "G6_ENABLE_METRIC_GROUPS": (
        "cycle, iv_estimation",
        "enable_groups",
        {"cycle", "iv_estimation"},
    ),
    "G6_DISABLE_METRIC_GROUPS": ("provider", "disable_groups", {"provider"}),
    "G6_PANELS_HMAC_KEY": ("k3y", "hmac_key", b"k3y"),
}


def test_every_registered_variable_has_an_override_test() -> None:
    from .test_config_influx import INFLUX_CASES

    others = {"G6_PANELS_HMAC_KEY_FILE", "G6_INFLUX_PASSWORD_FILE"}
    others |= {"G6_PROVIDER", "G6_KITE_API_KEY", "G6_KITE_API_SECRET", "G6_KITE_API_SECRET_FILE"}
    others |= {"G6_KITE_ACCESS_TOKEN", "G6_KITE_TOKEN_FILE", "G6_KITE_ROOT"}  # test_config_kite
    assert set(ENV_CASES) | set(INFLUX_CASES) | others == set(ENV_VARS)


@pytest.mark.parametrize("name", sorted(ENV_CASES))
def test_each_environment_variable_overrides_its_setting(name: str) -> None:
    raw, attribute, expected = ENV_CASES[name]
    value = getattr(load_settings(environ={name: raw}), attribute)
    assert value == expected
    assert value != getattr(Settings(), attribute)


def test_hmac_key_file_variable_wins_over_the_key_variable(tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_bytes(b"  file-key \n")
    s = load_settings(environ={"G6_PANELS_HMAC_KEY": "inline", "G6_PANELS_HMAC_KEY_FILE": str(key)})
    assert s.hmac_key == b"file-key"


@pytest.mark.parametrize("index", INDEX_NAMES)
def test_strike_step_family(index: str) -> None:
    name = strike_step_var(index)
    assert name == f"G6_STRIKE_STEP_{index}"
    s = load_settings(environ={name: "250"})
    assert dict(s.strike_steps) == {index: 250}


def test_strike_step_variable_wins_over_the_file(tmp_path: Path) -> None:
    path = tmp_path / "g6.json"
    path.write_text('{"strike_steps": {"NIFTY": 100, "SENSEX": 200}}', encoding="utf-8")
    s = load_settings(path, environ={"G6_STRIKE_STEP_NIFTY": "25"})
    assert dict(s.strike_steps) == {"NIFTY": 25, "SENSEX": 200}


@pytest.mark.parametrize(
    ("name", "raw", "fragment"),
    [
        ("G6_STRIKES_PER_SIDE", "ten", "'ten' is not of type 'integer'"),
        ("G6_STRIKES_PER_SIDE", "0", "strikes_per_side"),
        ("G6_STRIKES_PER_SIDE", "101", "strikes_per_side"),
        ("G6_SEED", "4.2", "4.2 is not of type 'integer'"),
        ("G6_INTERVAL_SECONDS", "soon", "'soon' is not of type 'number'"),
        ("G6_INTERVAL_SECONDS", "nan", "G6_INTERVAL_SECONDS"),
        ("G6_INTERVAL_SECONDS", "inf", "G6_INTERVAL_SECONDS"),
        ("G6_INTERVAL_SECONDS", "-1", "interval_seconds"),
        ("G6_RISK_FREE_RATE", "high", "'high' is not of type 'number'"),
        ("G6_DIVIDEND_YIELD", "-inf", "G6_DIVIDEND_YIELD"),
        ("G6_METRICS_PORT", "http", "'http' is not of type 'integer'"),
        ("G6_METRICS_PORT", "65536", "port"),
        ("G6_INDICES", "NIFTY,DOW", "G6_INDICES"),
        ("G6_INDICES", " , ", "G6_INDICES"),
        ("G6_EXPIRIES", "this_year", "G6_EXPIRIES"),
        ("G6_PANELS_HMAC_KEY_FILE", "/nonexistent/g6.key", "cannot read key file"),
        ("G6_STRIKE_STEP_NIFTY", "fifty", "G6_STRIKE_STEP_NIFTY"),
        ("G6_STRIKE_STEP_BANKNIFTY", "0", "BANKNIFTY"),
        ("G6_STRIKE_STEP_SENSEX", "-100", "SENSEX"),
    ],
)
def test_bad_environment_value_is_one_line_config_error(name: str, raw: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as excinfo:
        load_settings(environ={name: raw})
    assert fragment in one_line(excinfo)


def test_empty_hmac_key_file_is_an_error(tmp_path: Path) -> None:
    key = tmp_path / "empty.key"
    key.write_bytes(b"\n")
    with pytest.raises(ConfigError) as excinfo:
        load_settings(environ={"G6_PANELS_HMAC_KEY_FILE": str(key)})
    assert "is empty" in one_line(excinfo)


def test_bad_config_file_named_by_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("seed: [\n", encoding="utf-8")
    with pytest.raises(ConfigError) as excinfo:
        load_settings(environ={CONFIG_FILE_VAR: str(path)})
    assert one_line(excinfo).startswith(f"{path}:")


# --- precedence ---------------------------------------------------------------------------


def test_precedence_defaults_then_file_then_environment(tmp_path: Path) -> None:
    path = tmp_path / "g6.yaml"
    path.write_text("seed: 5\nstrikes_per_side: 4\ncsv_dir: from-file\n", encoding="utf-8")
    s = load_settings(path, environ={"G6_SEED": "9", "G6_METRICS_PORT": "9999"})
    assert s.seed == 9  # env over file
    assert s.strikes_per_side == 4  # file over default
    assert s.csv_dir == Path("from-file")  # file, no env
    assert s.metrics_port == 9999  # env over default
    assert s.interval_seconds == 60.0  # default


def test_environment_validation_applies_after_the_file(tmp_path: Path) -> None:
    path = tmp_path / "g6.yaml"
    path.write_text("strikes_per_side: 4\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="strikes_per_side"):
        load_settings(path, environ={"G6_STRIKES_PER_SIDE": "0"})


# --- secrets --------------------------------------------------------------------------------


def test_hmac_key_never_appears_in_repr(tmp_path: Path) -> None:
    secret = "s3cr3t-hmac-Zq9"
    s = load_settings(environ={"G6_PANELS_HMAC_KEY": secret})
    assert s.hmac_key == secret.encode()
    for text in (repr(s), str(s), f"{s!r}"):
        assert secret not in text
        assert secret.encode().hex() not in text
    assert "hmac_key" not in repr(s)

    key = tmp_path / "key"
    key.write_bytes(b"file-secret-Xy7\n")
    from_file = load_settings(environ={"G6_PANELS_HMAC_KEY_FILE": str(key)})
    assert "file-secret-Xy7" not in repr(from_file)


def test_settings_fields_are_all_covered_by_the_full_config() -> None:
    # A new Settings field should come with a config-file key and a test here.
    configured = {f.name for f in fields(Settings)} - {"hmac_key"}
    assert configured == {
        "csv_dir",
        "panels_dir",
        "indices",
        "expiries",
        "strikes_per_side",
        "interval_seconds",
        "seed",
        "risk_free_rate",
        "dividend_yield",
        "strike_steps",
        "extra_holidays",
        "metrics_host",
        "metrics_port",
        "enable_groups",
        "disable_groups",
        "integrity_every_cycles",
        "max_failed_cycles",
        "influx",
        "provider",
        "kite",
        "retention",
        "resilience",
    }


# --- the env-var registry against docs/env_dict.md and the code -----------------------------

_ENTRY = re.compile(r"^\s*[-*]\s+`?(G6_[A-Z0-9_<>]+)`?\s+[–-]\s+\S")


def documented_names() -> list[str]:
    return [
        m.group(1)
        for line in ENV_DOC.read_text(encoding="utf-8").splitlines()
        if (m := _ENTRY.match(line))
    ]


def test_env_doc_entries_match_the_registry_exactly() -> None:
    names = documented_names()
    assert len(names) == len(set(names)), "duplicate entries in docs/env_dict.md"
    family = strike_step_var("<INDEX>")
    assert set(names) == set(ENV_VARS) | {CONFIG_FILE_VAR, LOG_LEVEL_VAR, family}


def test_env_doc_entries_have_four_fields() -> None:
    for line in ENV_DOC.read_text(encoding="utf-8").splitlines():
        if _ENTRY.match(line):
            assert len(re.split(r" [–-] ", line, maxsplit=3)) == 4, line


_ENV_READERS = {"environ", "environb", "getenv", "getenvb"}


def environment_reads(path: Path) -> list[int]:
    """Line numbers where ``path`` reads the process environment through ``os``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    os_names = {"os"}
    lines: list[int] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            os_names |= {a.asname or a.name for a in node.names if a.name == "os"}
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            lines += [node.lineno for a in node.names if a.name in _ENV_READERS]
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in _ENV_READERS
            and isinstance(node.value, ast.Name)
            and node.value.id in os_names
        ):
            lines.append(node.lineno)
    return sorted(lines)


def test_only_the_environment_module_reads_the_environment() -> None:
    readers = {
        path.relative_to(ROOT).as_posix(): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if (lines := environment_reads(path))
    }
    assert list(readers) == ["g6runtime/environment.py"], readers


def test_environment_scanner_sees_aliases(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os as o\nfrom os import getenv\nx = o.environ.get('A')\ny = getenv('B')\n",
        encoding="utf-8",
    )
    assert environment_reads(sample) == [2, 3]


def test_cross_key_problems_name_the_file_line_or_variable(tmp_path: Path) -> None:
    path = tmp_path / "g6.yaml"
    path.write_text("seed: 1\nresilience:\n  memory_tier_mb: [3, 2, 1]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as excinfo:
        load_settings(path, environ={})
    assert one_line(excinfo).startswith(f"{path}:3: resilience.memory_tier_mb must be three")
    path.write_text("resilience:\n  window_cycles: 2\n  allowed_breaches: 3\n", encoding="utf-8")
    with pytest.raises(ConfigError) as excinfo:
        load_settings(path, environ={})
    assert one_line(excinfo).startswith(f"{path}:3: resilience.allowed_breaches (3) must not")


def test_flags_are_the_last_layer_and_named_as_the_source(tmp_path: Path) -> None:
    path = tmp_path / "g6.yaml"
    path.write_text("seed: 5\n", encoding="utf-8")
    effective = resolve(path, environ={"G6_SEED": "6"}, flags={"seed": ("--seed", 7)})
    assert effective.settings().seed == 7
    assert effective.sources[("seed",)] == "flag --seed"
    assert effective.sources[("strikes_per_side",)] == "default"


def test_an_environment_key_replaces_a_key_file_from_the_file(tmp_path: Path) -> None:
    # regression guard: the layer that sets either hmac setting replaces both below it
    key = tmp_path / "key"
    key.write_bytes(b"from-file\n")
    path = tmp_path / "g6.yaml"
    path.write_text(f"panels:\n  hmac_key_file: {key}\n", encoding="utf-8")
    s = load_settings(path, environ={"G6_PANELS_HMAC_KEY": "from-env"})
    assert s.hmac_key == b"from-env"
