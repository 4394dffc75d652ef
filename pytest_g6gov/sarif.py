"""SARIF 2.1.0 output: every finding of a session (or of ``g6gov check``) as one SARIF log.

Plain data in, a JSON-ready dict out; no pytest objects, so the plugin (``--g6-sarif``) and
the standalone command (``--format sarif``) share it::

    log = sarif_log(results, all_rules(known), root, __version__, rule_checks(known))
    write_atomic(path, dump_sarif(log))

One run, ``tool.driver.name`` ``g6gov``, one rule per code (sorted), results sorted by
file, line, code and message. A finding of an enforcing check is an ``error``, any other a
``warning``. Locations are rootdir-relative URIs against ``%SRCROOT%`` (given in the run's
``originalUriBaseIds``). A finding without a path has no location, unless ``anchors``
place it at its check's table in ``pyproject.toml`` (``config_anchors``): GitHub code scanning
refuses a whole upload with a location-less result ("expected at least one location"), and a
crash (G6G000) has no path. Suppressed findings are not kept by the checks, so their counts
go into the run's properties (``"g6gov/suppressed": {check: N}``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .findings import FRAMEWORK_RULES, CheckResult, Finding

if TYPE_CHECKING:
    from .api import Check

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
TOOL_NAME = "g6gov"
SRCROOT = "%SRCROOT%"
FRAMEWORK = "g6gov"  # the "check" that owns the framework's own codes (G6G000)
CONFIG_FILE = "pyproject.toml"
_TABLE = re.compile(r"""^\s*\[\s*tool\s*\.\s*g6gov\s*(?:\.\s*"?([a-z][a-z0-9_]*)"?\s*)?\]""")

Anchors = Mapping[str, tuple[str, int]]


def rule_checks(known: Mapping[str, Check]) -> dict[str, str]:
    """Which check declares each rule code (the framework's codes: ``g6gov``)."""
    owners = dict.fromkeys(FRAMEWORK_RULES, FRAMEWORK)
    for name, check in known.items():
        owners.update(dict.fromkeys(check.rules, name))
    return owners


def config_anchors(root: Path) -> dict[str, tuple[str, int]]:
    """Where each check is configured: check -> (``pyproject.toml``, line of its table
    header); ``g6gov`` -> the ``[tool.g6gov]`` header, or the first check table's."""
    try:
        text = (root / CONFIG_FILE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    anchors: dict[str, tuple[str, int]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        m = _TABLE.match(line)
        if m is not None:
            anchors.setdefault(m.group(1) or FRAMEWORK, (CONFIG_FILE, number))
            anchors.setdefault(FRAMEWORK, (CONFIG_FILE, number))
    return anchors


def _uri(path: str) -> tuple[str, str | None]:
    """A finding's path as a URI reference and its base id (None: the URI is absolute)."""
    posix = PurePosixPath(path)
    if posix.is_absolute():
        return Path(path).as_uri(), None
    return quote(posix.as_posix(), safe="/"), SRCROOT


def _location(finding: Finding, anchor: tuple[str, int] | None) -> list[dict[str, Any]]:
    if finding.path is None:
        if anchor is None:
            return []
        finding = Finding(finding.code, finding.message, *anchor)
    assert finding.path is not None
    uri, base = _uri(finding.path)
    artifact: dict[str, Any] = {"uri": uri}
    if base is not None:
        artifact["uriBaseId"] = base
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if finding.line is not None and finding.line >= 1:
        physical["region"] = {"startLine": finding.line}
    return [{"physicalLocation": physical}]


def _rules(
    results: Sequence[CheckResult], rules: Mapping[str, str], owners: Mapping[str, str]
) -> list[dict[str, Any]]:
    """One rule per code: every given one, plus any a finding carries that was not given."""
    described = dict(rules)
    checks = dict(owners)
    for result in results:
        for finding in result.findings:
            described.setdefault(finding.code, f"a finding of check {result.check}")
            checks.setdefault(finding.code, result.check)
    out = []
    for code in sorted(described):
        rule: dict[str, Any] = {"id": code, "shortDescription": {"text": described[code]}}
        if code in checks:
            rule["properties"] = {"check": checks[code]}
        out.append(rule)
    return out


def _result(result: CheckResult, finding: Finding, index: int, anchors: Anchors) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": index,
        "level": "error" if result.mode == "enforce" else "warning",
        "message": {"text": finding.message},
    }
    locations = _location(finding, anchors.get(result.check) or anchors.get(FRAMEWORK))
    if locations:
        out["locations"] = locations
    out["properties"] = {"check": result.check}
    return out


def sarif_log(
    results: Sequence[CheckResult],
    rules: Mapping[str, str],
    root: Path,
    version: str,
    owners: Mapping[str, str] | None = None,
    anchors: Anchors | None = None,
) -> dict[str, Any]:
    """The SARIF 2.1.0 log of ``results``.

    ``rules``: every rule code with its one-line description (``registry.all_rules``);
    ``root``: the rootdir the findings' paths are relative to; ``version``: the tool's
    version; ``owners``: code -> check name (``rule_checks``), for each rule's
    ``properties.check`` (codes a finding carries are attributed to its check anyway);
    ``anchors``: check -> (path, line) for findings without a path (``config_anchors``).
    """
    rule_list = _rules(results, rules, owners or {})
    index = {rule["id"]: i for i, rule in enumerate(rule_list)}
    ran = [r for r in results if r.status != "skipped"]
    pairs = sorted(
        ((r, f) for r in ran for f in r.findings),
        key=lambda pair: (*pair[1].sort_key(), pair[0].check),
    )
    base = root.resolve().as_uri().rstrip("/") + "/"
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": version,
                "rules": rule_list,
            }
        },
        "originalUriBaseIds": {SRCROOT: {"uri": base}},
        "results": [_result(r, f, index[f.code], anchors or {}) for r, f in pairs],
        "properties": {
            "g6gov/suppressed": {r.check: r.suppressed for r in sorted(ran, key=_name)},
            "g6gov/checks": {
                r.check: {"mode": r.mode, "status": r.status} for r in sorted(results, key=_name)
            },
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def _name(result: CheckResult) -> str:
    return result.check


def dump_sarif(log: Mapping[str, Any]) -> bytes:
    """The log as UTF-8 JSON text (two-space indent, newline at the end)."""
    return (json.dumps(log, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_sarif(path: Path, log: Mapping[str, Any]) -> str | None:
    """Write the log atomically; why it failed (one line), or None."""
    from .atomic import write_atomic

    try:
        write_atomic(path, dump_sarif(log))
    except OSError as exc:
        return f"cannot write SARIF file {path}: {exc.strerror or exc}"
    return None
