"""``g6 summary``: the panels for a person, in 80 columns; colour only on a terminal.

A frame is a list of lines; a line is a list of (text, style) spans, cut to the width
before any colour is added, so escape codes never count against the 80 columns. A
panel that is missing or invalid is shown as such, with its reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..errors import IntegrityError
from ..market.expiries import EXPIRY_RULES
from .envelope import PANEL_NAMES
from .integrity import verify
from .reader import PanelRead
from .report import Report

WIDTH = 80
Span = tuple[str, str]
Line = list[Span]
_ANSI = {"bold": "1", "ok": "32", "warn": "33", "bad": "31;1", "dim": "2"}
_INDENT: Span = (" " * 11, "")
_CONTROLS = dict.fromkeys([*range(32), *range(127, 160)], "?")
_STATUS_STYLE = {"ok": "ok", "partial": "warn", "failed": "bad", "incomplete": "warn"}


def fit(line: Line, width: int = WIDTH) -> Line:
    """``line`` cut to ``width`` visible characters (an ellipsis marks a cut).

    Control characters from the panels (an escape sequence or a newline inside an error
    message) become ``?``: they must neither drive the terminal nor break the layout.
    """
    line = [(text.translate(_CONTROLS), style) for text, style in line]
    if sum(len(text) for text, _ in line) <= width:
        return line
    out: Line = []
    left = width - 1  # room for the ellipsis
    for text, style in line:
        if len(text) >= left:
            out.append((text[:left] + "…", style))
            break
        out.append((text, style))
        left -= len(text)
    return out


def paint(line: Line, color: bool) -> str:
    if not color:
        return "".join(text for text, _ in line)
    return "".join(f"\x1b[{_ANSI[s]}m{t}\x1b[0m" if s and t else t for t, s in line)


def _f(value: Any, fmt: str, none: str = "-") -> str:
    """``value`` formatted, ``none`` for null; a JSON 3.0 where 3 was meant still shows."""
    if value is None:
        return none
    try:
        return format(value, fmt)
    except (TypeError, ValueError):
        return str(value)


def _label(name: str) -> Span:
    return (f"{name.upper():<11}", "bold")


def _system(d: Mapping[str, Any]) -> list[Line]:
    t, sla, prov = d["timings_ms"], d["sla"], d["provider"]
    ok = ("ok", "ok") if d["ok"] else ("FAILED", "bad")
    met = ("met", "ok") if sla["met"] else ("MISSED", "bad")
    stages = " · ".join(f"{k} {_f(v, '.1f')}" for k, v in t.items() if k != "total")
    budget = _f(sla["budget_ms"] / 1000 if sla["budget_ms"] is not None else None, "g")
    events: list[Line] = [
        [_INDENT, (f"! {e['message']}", "bad" if e["kind"].endswith("exhausted") else "ok")]
        for e in d.get("events", [])
    ]
    return [
        [ok, (f" · cycle {_f(t.get('total'), '.1f')} ms · SLA {budget} s ", ""), met],
        [_INDENT, (f"{stages} ms", "dim")],
        [
            _INDENT,
            (f"provider {prov['calls']} calls, mean {_f(prov['mean_ms'], '.2f')} ms", ""),
            (f" · {prov['failures']} failures", "bad" if prov["failures"] else ""),
            (
                f" · {d['data_quality_issues']} DQ issues",
                "warn" if d["data_quality_issues"] else "",
            ),
        ],
        *events,
    ]


def _indices(d: Mapping[str, Any]) -> list[Line]:
    head = f"{'index':<10}{'price':>11}{'ATM':>8}{'exp':>6}{'PCR wk':>8}{'DQ %':>7}  status"
    lines: list[Line] = [[(head, "dim")]]
    for name, i in d["indices"].items():
        week = i["expiries"].get("this_week", {}).get("pcr")
        exp = f"{i['expiries_collected']}/{i['expiries_expected']}"
        text = (
            f"{name:<10}{_f(i['price'], '.2f'):>11}{_f(i['atm'], 'd'):>8}{exp:>6}"
            f"{_f(week, '.2f'):>8}{_f(i['dq_score'], '.1f'):>7}  "
        )
        lines.append([_INDENT, (text, ""), (i["status"], _STATUS_STYLE[i["status"]])])
    return lines


def _analytics(d: Mapping[str, Any]) -> list[Line]:
    head = (
        f"{'ATM IV %':<10}"
        + "".join(f"{t.replace('_', ' '):>11}" for t in EXPIRY_RULES)
        + "   IV ok %"
    )
    lines: list[Line] = [[(head, "dim")]]
    for name, i in d["indices"].items():
        ivs = [i["expiries"].get(t, {}).get("atm_iv") for t in EXPIRY_RULES]
        cells = "".join(f"{_f(v * 100 if v is not None else None, '.2f'):>11}" for v in ivs)
        rate = _f(i["iv_success_rate"], ".1f")
        lines.append([_INDENT, (f"{name:<10}{cells}{rate:>10}", "")])
    it = d["solver_iterations"]
    solver = (
        f"solver: {d['iv_solved']} solved, {d['iv_failed']} failed, "
        f"{_f(it['mean'], '.1f')} iterations on average (max {_f(it['max'], 'd')})"
    )
    lines.append([_INDENT, (solver, "dim")])
    return lines


def _storage(d: Mapping[str, Any]) -> list[Line]:
    s = d["since_start"]
    state = ("ok", "ok") if d["ok"] else (f"ERROR {d['error']}", "bad")
    return [
        [
            state,
            (
                f" · {d['rows']} rows ({d['option_rows']} option, {d['overview_rows']} overview)"
                f" · {d['files_created']} files created",
                "",
            ),
        ],
        [
            _INDENT,
            (f"since start: {s['cycles']} cycles, {s['rows']} rows · {d['csv_dir']}", "dim"),
        ],
        *_influx(d.get("influx")),
    ]


_INFLUX_STYLE = {"ok": "ok", "retrying": "warn", "failing": "bad"}


def _influx(i: Mapping[str, Any] | None) -> list[Line]:
    """The Influx sink's lines (present only when the sink is on): state and counts, then
    the last error (if any) on its own line."""
    if not i:
        return []
    state = i["state"].upper() if i["state"] != "ok" else "ok"
    lines: list[Line] = [
        [
            _INDENT,
            ("influx ", ""),
            (state, _INFLUX_STYLE.get(i["state"], "bad")),
            (
                f" · spool {i['spool_points']} points ({i['spool_segments']} files)"
                f" · {i['points_written']} written · {i['points_dropped']} dropped",
                "",
            ),
        ]
    ]
    if i["last_error"]:
        lines.append([_INDENT, (f"last error: {i['last_error']}", "dim")])
    return lines


_MODE_STYLE = {"full": "ok", "band": "warn", "aggregates": "bad"}


def _resilience(d: Mapping[str, Any]) -> list[Line]:
    b, mem, detail = d["budget"], d["memory"], d["detail"]
    if b is None or mem is None or detail is None:
        return [[("no resilience state", "dim")]]
    left = ("EXHAUSTED", "bad") if b["exhausted"] else (f"{b['remaining']} left", "ok")
    tier = f"tier {mem['tier']}{' (forced)' if mem['forced'] else ''}"
    lines: list[Line] = [
        [
            ("budget ", ""),
            left,
            (f" · {b['breaches']}/{b['allowed']} breaches in {b['cycles']}/", ""),
            (f"{b['window_cycles']} cycles · memory {tier}, ±{mem['strikes_per_side']}", ""),
        ]
    ]
    spans: list[Span] = [_INDENT, ("detail", "dim")]
    for index, i in detail["indices"].items():
        spans.append((f" {index} " if len(spans) == 2 else f" · {index} ", ""))
        spans.append((i["mode"], _MODE_STYLE[i["mode"]]))
        if i["next_mode"] != i["mode"]:
            spans.append((f"→{i['next_mode']}", "dim"))
    lines.append(spans)
    return lines


_RENDER: dict[str, Callable[[Mapping[str, Any]], list[Line]]] = {
    "system": _system,
    "indices": _indices,
    "analytics": _analytics,
    "storage": _storage,
    "resilience": _resilience,
}


def _panel(read: PanelRead, newest: int | None) -> list[Line]:
    if read.status != "ok" or read.document is None:
        word = "MISSING" if read.status == "missing" else "INVALID"
        return [[_label(read.name), (word, "bad"), (f" {read.error}", "")]]
    body = _RENDER[read.name](read.data) if read.name in _RENDER else [[("present", "")]]
    cycle = read.document["cycle"]
    if newest is not None and cycle != newest:
        body.append(
            [_INDENT, (f"! this panel is of cycle {cycle}, the newest of {newest}", "warn")]
        )
    if read.upgraded_from is not None:
        body.append([_INDENT, (f"(schema version {read.upgraded_from}, upgraded)", "dim")])
    return [[_label(read.name), *body[0]], *body[1:]]


def _integrity_line(report: Report | None, error: str | None) -> Line:
    if report is None:
        return [_label("integrity"), ("UNKNOWN", "bad"), (f" {error}", "")]
    style = {"ok": "ok", "incomplete": "warn"}.get(report.result, "bad")
    return [_label("integrity"), (report.headline(), style)]


def check(folder: Path, key: bytes | None) -> tuple[Report | None, str | None]:
    try:
        return verify(folder, key, settle=0.5), None
    except IntegrityError as exc:
        return None, str(exc)


def frame(
    folder: Path, reads: Mapping[str, PanelRead], integrity: tuple[Report | None, str | None]
) -> list[Line]:
    docs = sorted(
        (r.document for r in reads.values() if r.document is not None), key=lambda d: d["cycle"]
    )
    newest = docs[-1]["cycle"] if docs else None
    stamp = docs[-1]["generated_at"] if docs else "-"
    lines: list[Line] = [
        [("G6 panels", "bold"), (f" · cycle {_f(newest, 'd')} · {stamp} · {folder}", "")],
        _integrity_line(*integrity),
    ]
    for name in PANEL_NAMES:
        lines.append([])
        lines.extend(_panel(reads[name], newest))
    return [fit(line) for line in lines]


def render(lines: list[Line], color: bool) -> str:
    return "\n".join(paint(line, color) for line in lines)


def merged(folder: Path, reads: Mapping[str, PanelRead], report: Report | None) -> dict[str, Any]:
    """``--json``: every panel (its envelope, or its status and reason) and the integrity."""
    panels: dict[str, Any] = {}
    for name, r in reads.items():
        entry: dict[str, Any] = {"status": r.status}
        if r.document is not None:
            entry.update(r.document)
            entry["upgraded_from"] = r.upgraded_from
        else:
            entry["error"] = r.error
        panels[name] = entry
    return {
        "panels_dir": str(folder),
        "integrity": report.to_json() if report is not None else None,
        "panels": panels,
    }
