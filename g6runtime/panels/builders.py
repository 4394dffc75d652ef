"""Panel data from one cycle's result: plain functions, real values only.

Every number here comes from :class:`~g6runtime.outputs.CycleOutcome` (or
from the settings the cycle ran with, for the SLA budget and the CSV folder); a
value the cycle could not produce is ``null``, never a made-up default.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..collectors.model import OptionRow, tag_bit
from ..market.indices import expiry_rules
from ..outputs import CycleOutcome
from ..resilience.panel import resilience_data
from .envelope import num

Data = dict[str, Any]


@dataclass(frozen=True)
class PanelContext:
    """What the panels need besides the cycle result."""

    indices: tuple[str, ...]
    expiries: tuple[str, ...]
    interval_seconds: float
    csv_dir: Path


@dataclass(frozen=True)
class StorageTotals:
    """Running totals since the writer started (sums of the cycles' own figures)."""

    cycles: int = 0
    rows: int = 0
    files_created: int = 0

    def add(self, result: CycleOutcome) -> StorageTotals:
        w = result.written
        return StorageTotals(
            self.cycles + 1,
            self.rows + (w.rows if w else 0),
            self.files_created + (w.files_created if w else 0),
        )


def _ms(seconds: float) -> float | None:
    return num(seconds * 1000.0, 3)


def _fault_budget(result: CycleOutcome) -> Data | None:
    state = result.resilience
    if state is None:
        return None
    b = state.budget
    return {
        "breached": state.breached,
        "breaches": b.breaches,
        "allowed": b.allowed_breaches,
        "window_cycles": b.window_cycles,
        "remaining": b.remaining,
        "exhausted": b.exhausted,
    }


def system(result: CycleOutcome, ctx: PanelContext) -> Data:
    """The cycle's health; the SLA is the resilience layer's (a fraction of the interval)."""
    total = result.timings.get("total", 0.0)
    state = result.resilience
    budget = state.sla_seconds if state is not None else ctx.interval_seconds
    durations = result.provider_durations
    return {
        "ok": result.ok,
        "timings_ms": {stage: _ms(s) for stage, s in result.timings.items()},
        "sla": {
            "budget_ms": _ms(budget),
            "used_percent": num(100.0 * total / budget, 3),
            "met": total <= budget,
        },
        "provider": {
            "calls": len(durations),
            "failures": len(result.failures),
            "mean_ms": _ms(statistics.fmean(durations)) if durations else None,
            "max_ms": _ms(max(durations)) if durations else None,
        },
        "failures": [
            {
                "index": f.index,
                "stage": f.stage,
                "kind": f.kind,
                "expiry_tag": f.expiry_tag,
                "message": f.message,
            }
            for f in result.failures
        ],
        "data_quality_issues": len(result.issues),
        "storage_error": result.storage_error,
        "fault_budget": _fault_budget(result),
        "events": [
            {"kind": e.kind, "message": e.message}
            for e in (state.events if state is not None else ())
        ],
    }


def _priced_legs(rows: Sequence[OptionRow]) -> set[tuple[str, int, str]]:
    legs = set()
    for r in rows:
        if r.ce is not None:
            legs.add((r.expiry_tag, r.strike, "CE"))
        if r.pe is not None:
            legs.add((r.expiry_tag, r.strike, "PE"))
    return legs


def indices(result: CycleOutcome, ctx: PanelContext) -> Data:
    """Per configured index: price, ATM, expiries collected, put/call ratio, data quality.

    ``dq_score`` is the percentage of expected legs (strikes × CE/PE × expected
    expiries) that arrived with a usable price and no data-quality issue.
    """
    plans = {p.index: p for p in result.plans}
    overview = {o.index: o for o in result.overview}
    out: Data = {}
    for index in ctx.indices:
        plan, ov = plans.get(index), overview.get(index)
        rows = [r for r in result.options if r.index == index]
        issues = {(i.expiry_tag, i.strike, i.leg) for i in result.issues if i.index == index}
        failures = sum(1 for f in result.failures if f.index == index)
        rules = expiry_rules(index, ctx.expiries)  # monthly-only indices: no weeklies
        expected = len(rules) * 2 * (len(plan.strikes) if plan else 0)
        clean = len(_priced_legs(rows) - issues)
        collected = ov.expiries_collected if ov else 0
        per_tag = Counter(r.expiry_tag for r in rows)
        expiries = {}
        for tag in rules:
            if plan is None or tag not in plan.expiries:
                continue
            pcr = ov.pcr.get(tag) if ov else None
            expiries[tag] = {
                "date": plan.expiries[tag].isoformat(),
                "collected": bool(ov and ov.collected_mask & tag_bit(tag)),
                "options": per_tag.get(tag, 0),
                "pcr": num(pcr, 4),
            }
        if collected == len(rules) and failures == 0:
            status = "ok"
        else:
            status = "partial" if collected else "failed"
        out[index] = {
            "status": status,
            "price": num(plan.spot, 2) if plan else None,
            "atm": plan.atm if plan else None,
            "strike_step": plan.step if plan else None,
            "expiries_expected": len(rules),
            "expiries_collected": collected,
            "expiries": expiries,
            "dq_score": num(100.0 * clean / expected, 2) if expected else None,
            "dq_issues": len(issues),
            "failures": failures,
        }
    return {"indices": out}


def _rate(solved: int, failed: int) -> float | None:
    return num(100.0 * solved / (solved + failed), 2) if solved + failed else None


def _atm(rows: Sequence[OptionRow]) -> Data:
    atm = next((r for r in rows if r.offset == 0), None)
    ce = atm.ce_iv if atm else None
    pe = atm.pe_iv if atm else None
    both = [v for v in (ce, pe) if v is not None]
    return {
        "atm_iv": num(statistics.fmean(both), 6) if both else None,
        "ce_iv": num(ce, 6),
        "pe_iv": num(pe, 6),
    }


def analytics(result: CycleOutcome, ctx: PanelContext) -> Data:
    """ATM implied volatility per expiry (a fraction: 0.14 is 14 %) and IV solver success."""
    iv: Mapping[tuple[str, str], tuple[int, int]] = result.iv
    per_index: Data = {}
    for index in ctx.indices:
        expiries: Data = {}
        for tag in ctx.expiries:
            rows = [r for r in result.options if r.index == index and r.expiry_tag == tag]
            solved, failed = iv.get((index, tag), (0, 0))
            if not rows and not solved + failed:
                continue
            expiries[tag] = {**_atm(rows), "solved": solved, "failed": failed}
        s = sum(v[0] for (i, _), v in iv.items() if i == index)
        f = sum(v[1] for (i, _), v in iv.items() if i == index)
        per_index[index] = {"iv_success_rate": _rate(s, f), "expiries": expiries}
    solved = sum(v[0] for v in iv.values())
    failed = sum(v[1] for v in iv.values())
    iterations = [n for its in result.iterations.values() for n in its]
    return {
        "iv_solved": solved,
        "iv_failed": failed,
        "iv_success_rate": _rate(solved, failed),
        "solver_iterations": {
            "mean": num(statistics.fmean(iterations), 3) if iterations else None,
            "max": max(iterations) if iterations else None,
        },
        "indices": per_index,
    }


def storage(result: CycleOutcome, ctx: PanelContext, totals: StorageTotals) -> Data:
    w = result.written
    return {
        "csv_dir": str(ctx.csv_dir),
        "ok": result.storage_error is None,
        "error": result.storage_error,
        "rows": w.rows if w else 0,
        "option_rows": len(result.options) if w else 0,
        "overview_rows": len(result.overview) if w else 0,
        "files_created": w.files_created if w else 0,
        "rows_by_index": dict(sorted(w.rows_by_index.items())) if w else {},
        "since_start": {
            "cycles": totals.cycles,
            "rows": totals.rows,
            "files_created": totals.files_created,
        },
        # the sink's state when storage.influx is on (its report's detail), else null
        "influx": next(
            (dict(r.detail) for r in result.reports if r.name == "influx" and r.detail), None
        ),
    }


def build(result: CycleOutcome, ctx: PanelContext, totals: StorageTotals) -> dict[str, Data]:
    """Every panel's data for one cycle, keyed by panel name (in write order)."""
    return {
        "system": system(result, ctx),
        "indices": indices(result, ctx),
        "analytics": analytics(result, ctx),
        "storage": storage(result, ctx, totals),
        "resilience": resilience_data(result),
    }
