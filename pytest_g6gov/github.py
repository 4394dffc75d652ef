"""GitHub Actions output: findings as workflow commands, and the step-summary table.

Plain data in, text out; the plugin (``--g6-annotations``) and ``g6gov check --format
github`` share it. A finding becomes ``::warning file=PATH,line=N,title=CODE::message``
(``::error`` when its check enforces). Values are escaped as the runner reads them back
(actions/toolkit ``command.ts``): in the message ``%``, CR and LF; in a property also ``:``
and ``,``, so no value can end the command early or add a property.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from .findings import CheckResult, Finding

_DATA = (("%", "%25"), ("\r", "%0D"), ("\n", "%0A"))
_PROPERTY = (*_DATA, (":", "%3A"), (",", "%2C"))


def escape_data(text: str) -> str:
    """A workflow command's message (after ``::``), escaped."""
    for char, code in _DATA:
        text = text.replace(char, code)
    return text


def escape_property(text: str) -> str:
    """A workflow command's property value (``key=value``), escaped."""
    for char, code in _PROPERTY:
        text = text.replace(char, code)
    return text


def workflow_command(command: str, properties: Mapping[str, str | int], message: str) -> str:
    """``::command key=value,...::message`` (properties in the order given)."""
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{command}{' ' + props if props else ''}::{escape_data(message)}"


def annotation(finding: Finding, enforcing: bool) -> str:
    """One finding as an ``error`` (enforcing check) or ``warning`` annotation."""
    properties: dict[str, str | int] = {}
    if finding.path is not None:
        properties["file"] = finding.path
        if finding.line is not None and finding.line >= 1:
            properties["line"] = finding.line
    properties["title"] = finding.code
    return workflow_command("error" if enforcing else "warning", properties, finding.message)


def annotation_lines(results: Sequence[CheckResult]) -> list[str]:
    """Every finding of every check that ran, in the report's order."""
    return [
        annotation(finding, result.mode == "enforce")
        for result in results
        if result.status != "skipped"
        for finding in result.findings
    ]


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def summary_markdown(results: Sequence[CheckResult], title: str = "g6 governance") -> str:
    """A Markdown table of the checks (check, mode, status, findings, suppressed)."""
    lines = [
        f"### {title}",
        "",
        "| check | mode | status | findings | suppressed |",
        "| --- | --- | --- | ---: | ---: |",
    ]
    for r in results:
        status = r.status if r.skipped_reason is None else f"skipped: {r.skipped_reason}"
        lines.append(
            f"| {_cell(r.check)} | {r.mode} | {_cell(status)} | {len(r.findings)} "
            f"| {r.suppressed} |"
        )
    failing = [r.check for r in results if r.failing]
    lines.append("")
    if failing:
        lines.append(f"**Fails the run**: enforcing check(s) with findings: {', '.join(failing)}.")
    else:
        lines.append("No enforcing check has findings.")
    return "\n".join(lines) + "\n\n"


def append_summary(path: Path, text: str) -> str | None:
    """Append ``text`` to the step-summary file; why it failed, or None."""
    try:
        with path.open("a", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        return f"cannot append to $GITHUB_STEP_SUMMARY {path}: {exc.strerror or exc}"
    return None
