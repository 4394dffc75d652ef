"""InfluxDB line protocol (v1 write API, ``precision=s``): one point per line, escaped exactly.

    <measurement>[,<tag_key>=<tag_value>...] <field_key>=<field_value>[,...] <seconds>

Escaping follows the line-protocol reference ("Special characters"), refined where InfluxDB
1.6's parser, tried against the real server, needs it (``tests/runtime/test_influx_protocol.py``
round-trips arbitrary strings through ``influxd`` to hold these rules):

* measurement: comma and space are escaped with a backslash;
* tag keys, tag values: comma, equals sign and space;
* field keys: comma, equals sign, space, **and the double quote** (the server unescapes
  ``\\"`` in field keys, so a key holding a literal backslash-quote would otherwise change);
* string field values: double-quoted, with the double quote and the backslash escaped;
* integers carry the ``i`` suffix (signed 64 bit), floats are written with ``repr`` (the
  shortest text that parses back to the same double), booleans as ``true``/``false``;
* the timestamp is an integer count of seconds.

What line protocol cannot carry is refused with a :class:`LineProtocolError` (never written
as something else, never dropped silently):

* a newline (``\\n``) anywhere: it ends the line (the reference forbids it in tag and field
  values; a string field could carry one on 1.6, but not portably, so it is refused too);
* a measurement, tag key, tag value or field key that *ends* in a backslash: it would escape
  the separator after it, and the protocol has no escape for the backslash itself;
* a backslash in a measurement: the server unescapes measurement names twice, so no text
  containing one survives exactly;
* a measurement starting with ``#`` (the server takes the line as a comment and stores
  nothing, yet answers 204);
* a measurement or field key starting with a tab or NUL: the parser skips them as it skips
  spaces, and only the space has an escape;
* a field key with a backslash right before a comma, equals sign or space, and a tag key
  or value with a backslash right before a space: the server's scanners pair a backslash with
  whatever follows it, so the escape after it goes unseen (the field key ends early; the
  line splitter takes the tag set for ended and, with a ``"`` in a later tag, swallows the
  next line of the batch);
* an empty measurement, tag key or field key, the key ``time`` (reserved: the server drops
  the point), an empty field set, a non-finite float (NaN and ±inf have no literal: leave
  such fields out), an integer outside 64 bits, a value of another type.

An **empty tag value** is left out with its key: InfluxDB stores an empty tag exactly as an
absent one, and the protocol has no syntax for it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from g6runtime.influx.errors import LineProtocolError

FieldValue = float | int | bool | str

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
# InfluxDB's time range is int64 nanoseconds minus two sentinels: keep whole seconds inside it.
_SECONDS_MIN = -9_223_372_035
_SECONDS_MAX = 9_223_372_035

# The parser skips these (with the space) before a measurement and before a field set.
_SKIPPED = ("\t", "\x00")
_MEASUREMENT = str.maketrans({",": "\\,", " ": "\\ "})
_TAG = str.maketrans({",": "\\,", "=": "\\=", " ": "\\ "})
_FIELD_KEY = str.maketrans({",": "\\,", "=": "\\=", " ": "\\ ", '"': '\\"'})
_STRING = str.maketrans({'"': '\\"', "\\": "\\\\"})


def _check_name(text: str, what: str) -> None:
    if not isinstance(text, str):
        raise LineProtocolError(f"line protocol: {what} {text!r} is not a string")
    if not text:
        raise LineProtocolError(f"line protocol: empty {what}")
    if "\n" in text:
        raise LineProtocolError(f"line protocol: {what} {text!r} contains a newline")
    if text[-1] == "\\":
        raise LineProtocolError(
            f"line protocol: {what} {text!r} ends in a backslash, which cannot be escaped"
        )


def escape_measurement(name: str) -> str:
    """``name`` escaped as a measurement (comma, space); refuses what cannot round-trip."""
    _check_name(name, "measurement")
    if "\\" in name:
        raise LineProtocolError(
            f"line protocol: measurement {name!r} contains a backslash (not carried exactly)"
        )
    if name[0] == "#":
        raise LineProtocolError(
            f"line protocol: measurement {name!r} starts with '#' (the line would be a comment)"
        )
    if name[0] in _SKIPPED:
        raise LineProtocolError(
            f"line protocol: measurement {name!r} starts with a tab or NUL, which the server skips"
        )
    return name.translate(_MEASUREMENT)


def _check_tag(text: str, what: str) -> None:
    _check_name(text, what)
    if "\\ " in text:
        raise LineProtocolError(
            f"line protocol: {what} {text!r} has a backslash before a space, which the"
            " server's line splitter reads as the end of the tag set"
        )


def escape_tag_key(key: str) -> str:
    """``key`` escaped as a tag key (comma, equals sign, space)."""
    _check_tag(key, "tag key")
    if key == "time":
        raise LineProtocolError("line protocol: 'time' is reserved and cannot be a tag key")
    return key.translate(_TAG)


def escape_tag_value(value: str) -> str:
    """``value`` escaped as a tag value (comma, equals sign, space); it must not be empty."""
    _check_tag(value, "tag value")
    return value.translate(_TAG)


def escape_field_key(key: str) -> str:
    """``key`` escaped as a field key (comma, equals sign, space, double quote)."""
    _check_name(key, "field key")
    if key == "time":
        raise LineProtocolError("line protocol: 'time' is reserved and cannot be a field key")
    if key[0] in _SKIPPED:
        raise LineProtocolError(
            f"line protocol: field key {key!r} starts with a tab or NUL, which the server skips"
        )
    if "\\" in key and any(f"\\{c}" in key for c in ",= "):
        raise LineProtocolError(
            f"line protocol: field key {key!r} has a backslash before ',', '=' or ' ',"
            " which cannot be escaped"
        )
    return key.translate(_FIELD_KEY)


def escape_string_field(value: str) -> str:
    """``value`` as a string field: in double quotes, with ``"`` and ``\\`` escaped."""
    if "\n" in value:
        raise LineProtocolError(f"line protocol: string field {value!r} contains a newline")
    return '"' + value.translate(_STRING) + '"'


def format_field_value(value: FieldValue, key: str = "?") -> str:
    """One field value in line protocol (``1.5``, ``7i``, ``true``, ``"text"``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        number = int(value)
        if not _INT64_MIN <= number <= _INT64_MAX:
            raise LineProtocolError(f"line protocol: field {key!r}: {number} is outside int64")
        return f"{number}i"
    if isinstance(value, float):
        number_f = float(value)
        if not math.isfinite(number_f):
            raise LineProtocolError(
                f"line protocol: field {key!r} is {number_f!r}, which InfluxDB cannot store"
                " (leave the field out)"
            )
        return repr(number_f)
    if isinstance(value, str):
        return escape_string_field(value)
    raise LineProtocolError(
        f"line protocol: field {key!r} has type {type(value).__name__}"
        " (expected float, int, bool or str)"
    )


def point(
    measurement: str,
    tags: Mapping[str, str],
    fields: Mapping[str, FieldValue],
    seconds: int,
) -> str:
    """One point as a line (no trailing newline): tags sorted by key, empty tag values left
    out, ``seconds`` the timestamp for ``precision=s``. Raises :class:`LineProtocolError`
    for anything line protocol cannot carry exactly (see the module docstring)."""
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise LineProtocolError(
            f"line protocol: timestamp {seconds!r} is not a whole number of seconds"
        )
    if not _SECONDS_MIN <= seconds <= _SECONDS_MAX:
        raise LineProtocolError(f"line protocol: timestamp {seconds} s is outside InfluxDB's range")
    if not fields:
        raise LineProtocolError(f"line protocol: a {measurement!r} point needs at least one field")
    parts = [escape_measurement(measurement)]
    for key in sorted(tags):
        value = tags[key]
        if value == "":
            escape_tag_key(key)  # the key is still checked
            continue
        parts.append(f"{escape_tag_key(key)}={escape_tag_value(value)}")
    field_text = ",".join(
        f"{escape_field_key(key)}={format_field_value(value, key)}" for key, value in fields.items()
    )
    return f"{','.join(parts)} {field_text} {int(seconds)}"


def lines(points: Iterable[str]) -> bytes:
    """Lines joined into one request body (UTF-8, each line ending in ``\\n``); a lone
    surrogate, which UTF-8 cannot encode, is a :class:`LineProtocolError`."""
    text = "".join(line + "\n" for line in points)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = text[max(exc.start - 20, 0) : exc.end + 20]
        raise LineProtocolError(f"line protocol: text {bad!r} is not encodable as UTF-8") from exc
