"""Environment and config file: one JSON Schema, the same verdict and the same words.

For every variable that maps to a config key, hypothesis generates values (valid and
not) and checks that ``{key: value}`` in a JSON file and ``VAR=<value as text>`` in the
environment are both accepted (with equal settings) or both refused with the same
message once the origin (``file:line`` or the variable) is taken off the front.
"""

from __future__ import annotations

import json
import logging
import math
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from g6runtime.config import Settings, load_settings, variables
from g6runtime.configuration.layers import nest
from g6runtime.configuration.schema import subschema
from g6runtime.errors import ConfigError

VARIABLES = variables()


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# Words an environment value can carry unchanged: no NUL, no surrogates, no commas
# (list separator), no surrounding blanks, not a number (a number in the environment
# is a number, so it is compared with the number in the file instead).
def words() -> st.SearchStrategy[str]:
    return (
        st.text(
            alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00,"),
            min_size=1,
            max_size=12,
        )
        .map(str.strip)
        .filter(lambda s: bool(s) and not _numeric(s))
    )


EDGES = [-1, 0, 1, 2, 5, 100, 101, 65535, 65536, -0.05, -0.0500001, 0.5, 1.0000001, 1e16]


def numbers() -> st.SearchStrategy[float]:
    return (
        st.integers(-(10**6), 10**6)
        | st.floats(allow_nan=True, allow_infinity=True)
        | st.sampled_from(EDGES)
    )


def values_for(key: tuple[str, ...]) -> st.SearchStrategy[Any]:
    node = subschema(key)
    kinds = node["type"] if isinstance(node.get("type"), list) else [node.get("type")]
    if "array" in kinds:
        items = node.get("items", {})
        item = st.sampled_from(items["enum"]) | words() if "enum" in items else words()
        return st.lists(item, min_size=1, max_size=5)
    if "integer" in kinds or "number" in kinds:
        return numbers() | words()
    return st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
        min_size=1,
        max_size=12,
    )


def as_env_text(value: Any) -> str:
    """How an operator would write ``value`` in the environment (independent of the parser)."""
    if isinstance(value, list):
        return ",".join(as_env_text(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def outcome(call: Any, origin: str) -> tuple[str, Any]:
    try:
        return "ok", call()
    except ConfigError as exc:
        message = str(exc)
        assert "\n" not in message
        assert re.match(origin, message), (origin, message)
        return "refused", re.sub(origin, "", message, count=1)


def check_agreement(tmp_path: Path, name: str, value: Any) -> None:
    key = VARIABLES[name]
    path = tmp_path / "g6.json"
    path.write_text(json.dumps(nest({key: value})), encoding="utf-8")
    text = as_env_text(value)
    from_file = outcome(
        lambda: load_settings(path, environ={}), rf"{re.escape(str(path))}(:\d+)?: "
    )
    from_env = outcome(lambda: load_settings(environ={name: text}), rf"{name}: ")
    assert from_file == from_env, (name, value, text)


@pytest.mark.parametrize("name", sorted(VARIABLES))
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_file_and_environment_agree_on_every_value(
    tmp_path: Path, name: str, data: st.DataObject
) -> None:
    check_agreement(tmp_path, name, data.draw(values_for(VARIABLES[name]), label="value"))


@given(value=st.deferred(numbers))
@example(5)
@example(-1)
@example(math.nan)
@example(math.inf)
@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_rates_outside_the_schema_are_refused_from_the_environment(
    tmp_path: Path, value: float
) -> None:
    for name in ("G6_RISK_FREE_RATE", "G6_DIVIDEND_YIELD"):
        check_agreement(tmp_path, name, value)


@pytest.mark.parametrize(
    ("name", "raw", "words"),
    [
        ("G6_RISK_FREE_RATE", "5", "5 is greater than the maximum of 1"),
        ("G6_DIVIDEND_YIELD", "-1", "-1 is less than the minimum of 0"),
        ("G6_RISK_FREE_RATE", "nan", "not a finite number"),
        ("G6_INDICES", "nifty", "'nifty' is not one of"),
    ],
)
def test_the_issue_values_are_refused_naming_variable_problem_and_fix(
    name: str, raw: str, words: str
) -> None:
    with pytest.raises(ConfigError) as excinfo:
        load_settings(environ={name: raw})
    message = str(excinfo.value)
    key = ".".join(VARIABLES[name])
    assert message.startswith(f"{name}: {key}"), message
    assert words in message
    assert "; expected " in message


def test_non_finite_numbers_in_a_file_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "g6.json"
    path.write_text('{"seed": 1,\n "risk_free_rate": NaN}', encoding="utf-8")
    with pytest.raises(ConfigError, match=r":2: risk_free_rate: not a finite number"):
        load_settings(path, environ={})


def test_unknown_variable_warns_once_with_the_closest_name(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="g6runtime.config"):
        s = load_settings(environ={"G6_STRIKES_PER_SIDES": "s3cret-value", "G6_SEED": "3"})
    assert s == Settings(seed=3)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1, lines
    assert "G6_STRIKES_PER_SIDES" in lines[0] and "did you mean G6_STRIKES_PER_SIDE?" in lines[0]
    assert "s3cret-value" not in lines[0]


def test_known_variables_and_other_prefixes_do_not_warn(caplog: pytest.LogCaptureFixture) -> None:
    environ = {name: "" for name in VARIABLES} | {"G6_STRIKE_STEP_NIFTY": "100", "G6X": "1"}
    with caplog.at_level(logging.WARNING, logger="g6runtime.config"):
        load_settings(environ=environ | {"PATH": "/bin", "G6GOV_X": "1"})
    assert caplog.records == []


def test_a_strike_step_for_an_unknown_index_is_an_unknown_variable(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="g6runtime.config"):
        load_settings(environ={"G6_STRIKE_STEP_NIFTI": "100"})
    assert "did you mean G6_STRIKE_STEP_NIFTY?" in caplog.records[0].getMessage()
