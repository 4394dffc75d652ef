"""MET004: the metric naming rules (SPEC §1 "Naming rules").

The promlint rules are ported from the linter behind ``promtool check metrics``:
``prometheus/client_golang`` ``prometheus/testutil/promlint/promlint.go`` (the
single-file version that promtool 2.42 uses: it reports ``_weeks`` and ``_kelvins``;
the older copy in ``prometheus/prometheus`` ``util/promlint/promlint.go`` has the
same rules with a different unit table).
``tests/plugin/test_promtool_agreement.py`` checks this port against the real promtool.

Each problem carries a ``rule`` id so that test can compare rule by rule:

* ported from promlint (``promlint:`` below names the Go function):
  ``counter_total`` / ``non_counter_total`` (lintCounter), ``reserved_suffix`` and
  ``reserved_label`` (lintHistogramSummaryReserved), ``type_in_name``
  (lintMetricTypeInName), ``snake_case`` (lintCamelCase + lintReservedChars),
  ``unit_abbreviation`` (lintUnitAbbreviations), ``non_base_unit`` (lintMetricUnits);
* ours (SPEC): ``prefix`` and ``duration_seconds``; ``snake_case`` is also stricter
  than promlint (any upper-case letter or character outside ``[a-z0-9_]``, not only a
  lower-upper pair), and ``_bucket``/``_count``/``_sum`` and ``le``/``quantile``
  are refused for every type (promlint lets a histogram or summary end in them).

``lintHelp`` ("no help text") has no counterpart: the spec's ``description`` is
required by its schema instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# promlint: units (client_golang version): unit -> its base unit.
UNITS: dict[str, str] = {
    "amperes": "amperes",
    "bytes": "bytes",
    "celsius": "celsius",
    "grams": "grams",
    "joules": "joules",
    "kelvin": "kelvin",
    "meters": "meters",
    "metres": "metres",
    "seconds": "seconds",
    "volts": "volts",
    "minutes": "seconds",
    "hours": "seconds",
    "days": "seconds",
    "weeks": "seconds",
    "kelvins": "kelvin",
    "fahrenheit": "celsius",
    "rankine": "celsius",
    "inches": "meters",
    "yards": "meters",
    "miles": "meters",
    "bits": "bytes",
    "calories": "joules",
    "pounds": "grams",
    "ounces": "grams",
}
# promlint: unitPrefixes ("" = no prefix is tried too).
UNIT_PREFIXES: tuple[str, ...] = (
    "pico", "nano", "micro", "milli", "centi", "deci", "deca", "hecto", "kilo",
    "kibi", "mega", "mibi", "giga", "gibi", "tera", "tebi", "peta", "pebi",
)  # fmt: skip
# promlint: unitAbbreviations.
UNIT_ABBREVIATIONS: tuple[str, ...] = (
    "s", "ms", "us", "ns", "sec", "b", "kb", "mb", "gb", "tb", "pb", "m", "h", "d",
)  # fmt: skip
# promlint: dto.MetricType_name minus UNTYPED, lower-cased (client_model ≥ 0.3).
TYPE_WORDS: tuple[str, ...] = ("counter", "gauge", "summary", "histogram", "gauge_histogram")
RESERVED_SUFFIXES: tuple[str, ...] = ("_bucket", "_count", "_sum")
RESERVED_LABELS: tuple[str, ...] = ("le", "quantile")
TIME_WORDS: tuple[str, ...] = ("duration", "latency", "time")

_SNAKE = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class NamingProblem:
    rule: str
    message: str


def _non_base_units(name: str) -> list[tuple[str, str]]:
    """(unit, base) for each ``_``-separated word of ``name`` that is a non-base unit.

    promlint (metricUnits) stops at the first known unit it meets while ranging over
    a Go map, so a name holding both a base and a non-base unit is reported or not
    at random; this port reports every non-base unit, deterministically.
    """
    found: list[tuple[str, str]] = []
    for word in name.split("_"):
        for unit, base in UNITS.items():
            if any(word == prefix + unit for prefix in ("", *UNIT_PREFIXES)):
                if word != base:
                    found.append((word, base))
                break
    return found


def _has_word(lowered: str, word: str) -> bool:
    """promlint's test: ``_word_`` inside the name, or ``_word`` at its end."""
    return f"_{word}_" in lowered or lowered.endswith(f"_{word}")


def naming_violations(
    name: str, mtype: str, labels: Sequence[str], prefix: str
) -> list[NamingProblem]:
    """Every MET004 rule ``name`` (as written in the spec) breaks, each with its rule id.

    ``mtype`` is the spec type (an ``info`` or unknown type is neither a counter nor
    a histogram/summary); ``labels`` are the user's label names; ``prefix`` ``""``
    disables the prefix rule.
    """
    out: list[NamingProblem] = []

    def add(rule: str, message: str) -> None:
        out.append(NamingProblem(rule, message))

    lowered = name.lower()
    if prefix and not name.startswith(prefix):
        add("prefix", f"name should start with the prefix {prefix!r}")
    if not _SNAKE.fullmatch(name):  # covers promlint's camelCase and ':' rules
        add("snake_case", "name should be snake_case (lower-case letters, digits and '_')")
    bad_labels = [lb for lb in labels if not _SNAKE.fullmatch(lb)]
    if bad_labels:
        add("snake_case", f"label names should be snake_case: {', '.join(bad_labels)}")
    has_total = name.endswith("_total")
    if mtype == "counter" and not has_total:
        add("counter_total", "counter names should end in '_total'")
    elif mtype != "counter" and has_total:
        add("non_counter_total", f"only counters end in '_total' (this is a {mtype})")
    for suffix in RESERVED_SUFFIXES:
        if name.endswith(suffix):
            add("reserved_suffix", f"name should not end in {suffix!r} (reserved for series)")
    for label in RESERVED_LABELS:
        if label in labels:
            add("reserved_label", f"label {label!r} is reserved for histograms/summaries")
    for word in TYPE_WORDS:
        if _has_word(lowered, word):
            add("type_in_name", f"name should not include the type word {word!r}")
    if any(_has_word(lowered, abbr) for abbr in UNIT_ABBREVIATIONS):
        add("unit_abbreviation", "name should not contain abbreviated units (_ms, _kb, _s …)")
    for unit, base in _non_base_units(name):
        add("non_base_unit", f"use the base unit {base!r} instead of {unit!r}")
    timed = any(word in lowered for word in TIME_WORDS)
    if mtype in ("histogram", "summary") and timed and not name.endswith("_seconds"):
        add("duration_seconds", f"a {mtype} of a duration, latency or time should end '_seconds'")
    return out


def naming_problems(name: str, mtype: str, labels: Sequence[str], prefix: str) -> list[str]:
    """The messages of :func:`naming_violations` (empty when ``name`` follows every rule)."""
    return [p.message for p in naming_violations(name, mtype, labels, prefix)]
