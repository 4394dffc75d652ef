"""The `storage.influx` block and its G6_INFLUX_ variables (SPEC §2 "InfluxDB sink")."""

from __future__ import annotations

from pathlib import Path

import pytest

from g6runtime.config import InfluxSettings, load_settings, resolve
from g6runtime.errors import ConfigError

from .support import run_g6

INFLUX_CASES: dict[str, tuple[str, str, object]] = {
    "G6_INFLUX_URL": ("http://10.0.0.5:8086", "url", "http://10.0.0.5:8086"),
    "G6_INFLUX_DATABASE": ("options", "database", "options"),
    "G6_INFLUX_USERNAME": ("writer", "username", "writer"),
    "G6_INFLUX_PASSWORD": ("pa55-word", "password", "pa55-word"),
}


@pytest.mark.parametrize("name", sorted(INFLUX_CASES))
def test_each_influx_variable_overrides_its_setting(name: str) -> None:
    raw, attribute, expected = INFLUX_CASES[name]
    environ = {name: raw} if name == "G6_INFLUX_URL" else {name: raw, "G6_INFLUX_URL": "http://h"}
    value = getattr(load_settings(environ=environ).influx, attribute)
    assert value == expected and value != getattr(InfluxSettings(), attribute)


def test_setting_the_url_variable_enables_the_sink_and_the_file_url_does_not(
    tmp_path: Path,
) -> None:
    assert load_settings(environ={}).influx.enabled is False
    assert load_settings(environ={"G6_INFLUX_URL": "http://h:8086"}).influx.enabled is True
    path = tmp_path / "g6.yaml"
    path.write_text("storage:\n  influx:\n    url: http://h:8086\n", encoding="utf-8")
    assert load_settings(path, environ={}).influx.enabled is False
    path.write_text(
        "storage:\n  influx:\n    url: http://h:8086\n    enabled: false\n", encoding="utf-8"
    )
    off = resolve(path, environ={"G6_INFLUX_URL": "http://other:8086"})
    assert off.settings().influx.enabled is False  # said so in the file: the env does not win
    on = resolve(None, environ={"G6_INFLUX_URL": "http://other:8086"})
    assert on.sources[("storage", "influx", "enabled")] == "G6_INFLUX_URL"


def test_enabled_without_a_url_names_the_line_and_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "g6.yaml"
    path.write_text("seed: 1\nstorage:\n  influx:\n    enabled: true\n", encoding="utf-8")
    with pytest.raises(ConfigError) as excinfo:
        load_settings(path, environ={})
    assert str(excinfo.value) == (
        f"{path}:4: storage.influx.enabled is true but storage.influx.url is not set; set it "
        "(or G6_INFLUX_URL) to the server, e.g. http://127.0.0.1:8086"
    )


@pytest.mark.parametrize(
    "url", ["ftp://h", "http://", "http://h:8086/x?db=1", "h:8086", "http://a b"]
)
def test_a_bad_url_is_refused_the_same_way_from_file_and_environment(
    tmp_path: Path, url: str
) -> None:
    path = tmp_path / "g6.yaml"
    path.write_text(f"storage:\n  influx:\n    url: {url!r}\n", encoding="utf-8")
    from_file = resolve(path, environ={}).problems
    from_env = resolve(None, environ={"G6_INFLUX_URL": url}).problems
    assert len(from_file) == len(from_env) == 1
    assert from_file[0] == f"{path}:3: " + from_env[0].removeprefix("G6_INFLUX_URL: ")
    assert from_env[0] == (
        f"G6_INFLUX_URL: storage.influx.url: {url!r} is not valid; expected an http:// or "
        "https:// URL: host, optional port and path, no query (e.g. http://127.0.0.1:8086)"
    )


def test_the_password_file_wins_and_the_password_is_never_shown(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("from-file-Zq9\n", encoding="utf-8")
    env = {"G6_INFLUX_URL": "http://h", "G6_INFLUX_PASSWORD": "inline-Zq9"}
    s = load_settings(environ=env | {"G6_INFLUX_PASSWORD_FILE": str(secret)})
    assert s.influx.password == "from-file-Zq9"
    assert "Zq9" not in repr(s) and "Zq9" not in repr(s.influx)
    shown = run_g6("config", "show", "--json", cwd=tmp_path, env=_env(env))
    assert shown.returncode == 0, shown.stderr
    assert "inline-Zq9" not in shown.stdout + shown.stderr and '"***"' in shown.stdout
    bad = run_g6("config", "check", cwd=tmp_path, env=_env(env | {"G6_INFLUX_TIMEOUT": "x"}))
    assert "inline-Zq9" not in bad.stdout + bad.stderr
    assert "did you mean" in bad.stderr  # an unknown G6_INFLUX_ variable is a warning


def _env(extra: dict[str, str]) -> dict[str, str]:
    from .support import clean_env

    return clean_env(**extra)
