"""The `provider` key and the `kite` block with their G6_ variables (SPEC §2 "Kite provider")."""

from __future__ import annotations

from pathlib import Path

import pytest

from g6runtime.config import KiteSettings, load_settings, resolve

from .support import clean_env, run_g6

KITE_CASES: dict[str, tuple[str, str, object]] = {
    "G6_KITE_API_KEY": ("k3y", "api_key", "k3y"),
    "G6_KITE_API_SECRET": ("s3cret-Mz", "api_secret", "s3cret-Mz"),
    "G6_KITE_ACCESS_TOKEN": ("t0ken-Mz", "access_token", "t0ken-Mz"),
    "G6_KITE_TOKEN_FILE": ("/srv/g6/token.json", "token_file", Path("/srv/g6/token.json")),
    "G6_KITE_ROOT": ("http://127.0.0.1:8765", "root", "http://127.0.0.1:8765"),
}


@pytest.mark.parametrize("name", sorted(KITE_CASES))
def test_each_kite_variable_overrides_its_setting(name: str) -> None:
    raw, attribute, expected = KITE_CASES[name]
    value = getattr(load_settings(environ={name: raw}).kite, attribute)
    assert value == expected and value != getattr(KiteSettings(), attribute)


def test_the_provider_variable_and_its_values() -> None:
    assert load_settings(environ={}).provider == "synthetic"
    assert load_settings(environ={"G6_PROVIDER": "kite"}).provider == "kite"
    (problem,) = resolve(None, environ={"G6_PROVIDER": "zerodha"}).problems
    assert problem.startswith(
        "G6_PROVIDER: provider: 'zerodha' is not one of ['synthetic', 'kite']"
    )


def test_the_secret_file_wins_and_secrets_are_never_shown(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("from-file-Mz\n", encoding="utf-8")
    env = {"G6_KITE_API_SECRET": "inline-Mz", "G6_KITE_ACCESS_TOKEN": "t0ken-Mz"}
    s = load_settings(environ=env | {"G6_KITE_API_SECRET_FILE": str(secret)})
    assert s.kite.api_secret == "from-file-Mz"
    assert "Mz" not in repr(s)
    shown = run_g6("config", "show", "--json", cwd=tmp_path, env=clean_env(**env))
    assert shown.returncode == 0, shown.stderr
    assert "Mz" not in shown.stdout + shown.stderr
    assert shown.stdout.count('"***"') == 2
