"""Line protocol: the escapes against the official examples, the refusals, and a hypothesis
round trip of arbitrary measurements, tag keys, tag values, field keys and field values through
a real ``influxd`` (the session ``influx`` fixture)."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from g6runtime.errors import DataError, G6Error
from g6runtime.influx import line_protocol as lp
from g6runtime.influx.errors import LineProtocolError

from .influx_server import InfluxServer

# -- the official examples ----------------------------------------------------------------
# InfluxDB 1.x line protocol tutorial, "Special characters and keywords"
# (https://docs.influxdata.com/influxdb/v1/write_protocols/line_protocol_tutorial/).


def test_tag_key_with_a_space_docs_example() -> None:
    line = lp.point("weather", {"location place": "us-midwest"}, {"temperature": 82.0}, 1)
    assert line == "weather,location\\ place=us-midwest temperature=82.0 1"


def test_tag_value_with_a_comma_docs_example() -> None:
    line = lp.point("weather", {"location": "us,midwest"}, {"temperature": 82.0}, 1)
    assert line == "weather,location=us\\,midwest temperature=82.0 1"


def test_field_key_with_an_equals_sign_docs_example() -> None:
    line = lp.point("weather", {"location": "us-midwest"}, {"temp=rature": 82.0}, 1)
    assert line == "weather,location=us-midwest temp\\=rature=82.0 1"


def test_string_field_with_double_quotes_docs_example() -> None:
    line = lp.point("weather", {"location": "us-midwest"}, {"temperature": 'too"hot"'}, 1)
    assert line == 'weather,location=us-midwest temperature="too\\"hot\\"" 1'


def test_measurement_with_comma_and_space_docs_example() -> None:
    assert lp.escape_measurement("wea,ther") == "wea\\,ther"
    assert lp.escape_measurement("wea ther") == "wea\\ ther"
    assert lp.escape_measurement("wea=ther") == "wea=ther"  # '=' needs no escape there


def test_string_field_backslash_is_escaped() -> None:
    assert lp.escape_string_field("too hot\\cold") == '"too hot\\\\cold"'


def test_tag_values_keep_a_double_quote_and_field_keys_escape_it() -> None:
    # influxd 1.6 unescapes \" in field keys but not in tags (the round trip below holds both)
    assert lp.escape_tag_value('a"b') == 'a"b'
    assert lp.escape_field_key('a"b') == 'a\\"b'


def test_value_types() -> None:
    line = lp.point(
        "m", {}, {"f": 0.1, "big": 1e300, "i": -(2**63), "b": True, "c": False, "s": ""}, 0
    )
    assert line == 'm f=0.1,big=1e+300,i=-9223372036854775808i,b=true,c=false,s="" 0'


def test_tags_are_sorted_and_empty_tag_values_left_out() -> None:
    line = lp.point("m", {"zeta": "1", "alpha": "2", "empty": "", "Beta": "3"}, {"f": 1}, 5)
    assert line == "m,Beta=3,alpha=2,zeta=1 f=1i 5"


def test_a_numpy_float_is_written_as_its_float_value() -> None:
    # repr(np.float64(0.5)) is "np.float64(0.5)" on numpy 2: the text must be the number
    assert lp.format_field_value(np.float64(0.5)) == "0.5"
    assert lp.point("m", {}, {"f": np.float64(-1.25)}, 1) == "m f=-1.25 1"


def test_lines_joins_with_newlines() -> None:
    assert lp.lines(["a f=1i 1", "b f=2i 2"]) == b"a f=1i 1\nb f=2i 2\n"
    assert lp.lines([]) == b""


# -- what cannot be carried is refused, never written as something else ---------------------


@pytest.mark.parametrize(
    ("measurement", "tags", "fields", "seconds", "needle"),
    [
        ("m", {"k": "a\nb"}, {"f": 1.0}, 1, "newline"),
        ("m", {"k\n": "v"}, {"f": 1.0}, 1, "newline"),
        ("m", {}, {"f\n": 1.0}, 1, "newline"),
        ("m", {}, {"f": "line\nbreak"}, 1, "newline"),
        ("m\n", {}, {"f": 1.0}, 1, "newline"),
        ("m", {"k": "ends\\"}, {"f": 1.0}, 1, "backslash"),
        ("m", {"k\\": "v"}, {"f": 1.0}, 1, "backslash"),
        ("m", {}, {"f\\": 1.0}, 1, "backslash"),
        ("m", {"k": "a\\ b"}, {"f": 1.0}, 1, "backslash before a space"),
        ("m", {"k\\ ": "v"}, {"f": 1.0}, 1, "backslash before a space"),
        ("m", {}, {"a\\,b": 1.0}, 1, "backslash before"),
        ("m", {}, {"\tf": 1.0}, 1, "tab or NUL"),
        ("\x00m", {}, {"f": 1.0}, 1, "tab or NUL"),
        ("m\\x", {}, {"f": 1.0}, 1, "backslash"),
        ("#m", {}, {"f": 1.0}, 1, "comment"),
        ("", {}, {"f": 1.0}, 1, "empty measurement"),
        ("m", {"": "v"}, {"f": 1.0}, 1, "empty tag key"),
        ("m", {"": ""}, {"f": 1.0}, 1, "empty tag key"),
        ("m", {}, {"": 1.0}, 1, "empty field key"),
        ("m", {}, {}, 1, "at least one field"),
        ("m", {"time": "v"}, {"f": 1.0}, 1, "reserved"),
        ("m", {}, {"time": 1.0}, 1, "reserved"),
        ("m", {}, {"f": math.nan}, 1, "nan"),
        ("m", {}, {"f": math.inf}, 1, "inf"),
        ("m", {}, {"f": -math.inf}, 1, "-inf"),
        ("m", {}, {"f": 2**63}, 1, "int64"),
        ("m", {}, {"f": -(2**63) - 1}, 1, "int64"),
        ("m", {}, {"f": None}, 1, "NoneType"),
        ("m", {}, {"f": b"x"}, 1, "bytes"),
        ("m", {"k": 1}, {"f": 1.0}, 1, "not a string"),
        ("m", {}, {"f": 1.0}, 1.5, "whole number"),
        ("m", {}, {"f": 1.0}, True, "whole number"),
        ("m", {}, {"f": 1.0}, 10**10, "range"),
        ("m", {}, {"f": 1.0}, -(10**10), "range"),
    ],
)
def test_point_refuses_what_line_protocol_cannot_carry(
    measurement: str, tags: Any, fields: Any, seconds: Any, needle: str
) -> None:
    with pytest.raises(LineProtocolError) as caught:
        lp.point(measurement, tags, fields, seconds)
    assert needle in str(caught.value)
    assert "\n" not in str(caught.value)  # one line
    assert isinstance(caught.value, DataError) and isinstance(caught.value, G6Error)


def test_lines_refuses_text_utf8_cannot_encode() -> None:
    with pytest.raises(LineProtocolError, match="UTF-8"):
        lp.lines([lp.point("m", {"k": "a\ud800b"}, {"f": 1.0}, 1)])


# -- the refusals are real: what influxd does with those lines ------------------------------


def test_influxd_stores_nothing_for_a_hash_measurement_yet_answers_ok(
    influx: InfluxServer,
) -> None:
    influx.create_database("lp_hash")
    influx.write(b"#m f=1 1700000000\n", "lp_hash")  # 204: taken as a comment
    assert influx.rows("SHOW MEASUREMENTS", "lp_hash") == []


def test_influxd_joins_two_lines_after_a_tag_backslash_before_a_space(
    influx: InfluxServer,
) -> None:
    """Why a backslash before a space is refused in tags: with a quote later in the tag set,
    influxd 1.6 reads the next line as part of this one (here: 400 for a valid-looking batch)."""
    import urllib.error

    influx.create_database("lp_joined")
    body = b'a,k\\\\ =" f=1 1700000000\nb f=1 1700000000\n'
    with pytest.raises(urllib.error.HTTPError) as caught:
        influx.write(body, "lp_joined")
    assert caught.value.code == 400
    influx.write(body.split(b"\n", 1)[0] + b"\n", "lp_joined")  # alone, it parses


def test_influxd_cannot_parse_a_tag_value_ending_in_a_backslash(influx: InfluxServer) -> None:
    import urllib.error

    influx.create_database("lp_backslash")
    with pytest.raises(urllib.error.HTTPError) as caught:
        influx.write(b"m,k=ends\\ f=1 1700000000\n", "lp_backslash")
    assert caught.value.code == 400


# -- the round trip through the real server -------------------------------------------------

_SPECIAL = st.sampled_from([",", "=", " ", '"', "\\", "\t", "\r", "#", "'", "\x00", "é", "日"])
_ANY_CHAR = st.characters(codec="utf-8", exclude_characters="\n")  # no lone surrogates
_TEXT = st.text(st.one_of(_SPECIAL, _ANY_CHAR), max_size=12)


def _name(text: str) -> bool:
    return bool(text) and not text.endswith("\\") and text != "time"


def _field_key(text: str) -> bool:
    return _name(text) and text[0] not in "\t\x00" and not any(f"\\{c}" in text for c in ",= ")


# Excluded: exactly what line_protocol refuses (its docstring lists why), nothing more.
def _tag(text: str) -> bool:
    return _name(text) and "\\ " not in text


_TAG_KEYS = _TEXT.filter(_tag)
_TAG_VALUES = _TEXT.filter(lambda t: _tag(t) or t == "")
_FIELD_KEYS = _TEXT.filter(_field_key)
_MEASUREMENTS = st.text(
    st.one_of(_SPECIAL, _ANY_CHAR).filter(lambda c: c != "\\"), min_size=1, max_size=12
).filter(lambda t: t[0] not in "#\t\x00")
_FIELD_VALUES = st.one_of(
    st.text(st.one_of(_SPECIAL, _ANY_CHAR), max_size=20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.booleans(),
)


@st.composite
def _points(draw: st.DrawFn) -> tuple[dict[str, str], dict[str, lp.FieldValue], int]:
    tags = draw(st.dictionaries(_TAG_KEYS, _TAG_VALUES, max_size=3))
    fields = draw(
        st.dictionaries(
            _FIELD_KEYS.filter(lambda k: k not in tags), _FIELD_VALUES, min_size=1, max_size=3
        )
    )
    seconds = draw(st.integers(min_value=1_700_000_000, max_value=1_700_000_000 + 7 * 86_400))
    return tags, fields, seconds


_counter = itertools.count()
_TYPE = {float: "float", int: "integer", bool: "boolean", str: "string"}


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.mark.slow
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(_points(), min_size=1, max_size=5))
def test_arbitrary_tags_and_fields_round_trip_through_influxd(
    influx: InfluxServer,
    batch: list[tuple[dict[str, str], dict[str, lp.FieldValue], int]],
) -> None:
    db = "lp_roundtrip"
    influx.create_database(db)
    example = next(_counter)
    names = [f"rt{example}_{i}" for i in range(len(batch))]  # one measurement per point
    body = lp.lines(
        lp.point(name, tags, fields, seconds)
        for name, (tags, fields, seconds) in zip(names, batch, strict=True)
    )
    influx.write(body, db)
    statements = []
    for name in names:
        statements += [
            f"SELECT * FROM {_quote(name)}",
            f"SHOW TAG VALUES FROM {_quote(name)} WITH KEY =~ /.*/",
            f"SHOW FIELD KEYS FROM {_quote(name)}",
        ]
    results = influx.query("; ".join(statements), db)["results"]
    for index, (tags, fields, seconds) in enumerate(batch):
        selected, tag_values, field_keys = results[3 * index : 3 * index + 3]
        (series,) = selected["series"]
        (values,) = series["values"]
        row = {k: v for k, v in zip(series["columns"], values, strict=True) if v is not None}
        kept_tags = {k: v for k, v in tags.items() if v != ""}
        # The JSON answer writes floats in Go's shortest form, integral ones without a point
        # (2.86e16 comes back as 28605248740926030): read a float field back as a float.
        for key, value in fields.items():
            if isinstance(value, float) and type(row.get(key)) is int:
                row[key] = float(row[key])
        assert row == {"time": seconds, **kept_tags, **fields}
        for key, value in fields.items():  # the types too: 1 is not 1.0 is not True
            assert type(row[key]) is type(value), (key, value, row[key])
        stored_tags = {(k, v) for s in tag_values.get("series", []) for k, v in s["values"]}
        assert stored_tags == set(kept_tags.items())
        (field_series,) = field_keys["series"]
        assert dict(field_series["values"]) == {k: _TYPE[type(v)] for k, v in fields.items()}


@pytest.mark.slow
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(measurements=st.lists(_MEASUREMENTS, min_size=1, max_size=5, unique=True))
def test_arbitrary_measurement_names_round_trip_through_influxd(
    influx: InfluxServer, measurements: list[str]
) -> None:
    db = f"lp_measurements_{next(_counter)}"
    influx.create_database(db)
    try:
        influx.write(lp.lines(lp.point(m, {}, {"f": 1}, 1_700_000_000) for m in measurements), db)
        stored = {row["name"] for row in influx.rows("SHOW MEASUREMENTS", db)}
        assert stored == set(measurements)
    finally:
        influx.query(f"DROP DATABASE {_quote(db)}")
