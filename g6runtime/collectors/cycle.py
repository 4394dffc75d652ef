"""One collection cycle: resolve → fetch → validate → analytics, a pure function.

Provider, universe and clock in; a :class:`CycleResult` out. Nothing is written here:
the runner (g6runtime.runner) judges the result and passes it to the outputs.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ..market.indices import expiry_rules, get_index
from ..providers.base import Provider
from .analytics_stage import UNSOLVED, Analytics, compute
from .model import OptionRow, OverviewRow, option_row, tag_bit
from .stages import (
    Calls,
    Failure,
    IndexPlan,
    QualityIssue,
    Timer,
    ValidChain,
    fetch_all,
    listing,
    plan_index,
    spots,
)
from .stages import validate as validate_chain


@dataclass(frozen=True)
class Universe:
    """What a cycle collects, and the pricing inputs.

    ``expiries`` are the rules asked for; an index without weekly contracts collects
    only the monthly ones among them (``g6runtime.market.expiry_rules``), and its
    overview's ``expected_mask`` says so.

    ``depth`` overrides ``strikes_per_side`` per index; an index in ``overview_only``
    gets its overview row (PCR and masks from the quotes fetched) but no option rows
    and no IV solve (the adaptive detail's ``aggregates`` mode).
    """

    indices: tuple[str, ...]
    expiries: tuple[str, ...]
    strikes_per_side: int
    strike_steps: Mapping[str, int] = field(default_factory=dict)
    r: float = 0.065
    q: float = 0.012
    depth: Mapping[str, int] = field(default_factory=dict)
    overview_only: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CycleResult:
    cycle: int
    timestamp: datetime
    plans: tuple[IndexPlan, ...]
    options: tuple[OptionRow, ...]
    overview: tuple[OverviewRow, ...]
    failures: tuple[Failure, ...]
    issues: tuple[QualityIssue, ...]
    iv: Mapping[tuple[str, str], tuple[int, int]]  # (index, tag) → (solved, failed)
    iterations: Mapping[str, tuple[int, ...]]  # index → iterations of each solved leg
    provider_durations: tuple[float, ...]
    timings: Mapping[str, float]  # fetch, validate, analytics and their total (seconds)

    @property
    def ok(self) -> bool:
        """A cycle fails when nothing was collected (storage is the outputs' business)."""
        return any(o.collected_mask for o in self.overview)


def _rows(chain: ValidChain, plan: IndexPlan, now: datetime, an: Analytics) -> list[OptionRow]:
    rows = []
    solved = an.chains.get((plan.index, chain.expiry_tag))
    values = solved.values if solved is not None else {}
    legs, index, tag, expiry = chain.legs, plan.index, chain.expiry_tag, chain.expiry
    spot, atm = plan.spot, plan.atm
    for strike in plan.strikes:
        ce, pe = legs.get((strike, "CE")), legs.get((strike, "PE"))
        if ce is None or pe is None or (ce.price is None and pe.price is None):
            continue
        c = values.get((strike, "CE"), UNSOLVED)
        p = values.get((strike, "PE"), UNSOLVED)
        rows.append(
            option_row(
                now, index, tag, expiry, strike - atm, spot, atm, strike, ce.price, pe.price,
                ce.volume, pe.volume, ce.oi, pe.oi,
                c[0], p[0], c[1], p[1], c[2], p[2], c[3], p[3], c[4], p[4], c[5], p[5],
            )
        )  # fmt: skip
    return rows


def _overview(
    plan: IndexPlan,
    rules: Sequence[str],
    oi: Mapping[tuple[str, str], tuple[int, int]],
    now: datetime,
) -> OverviewRow:
    """``oi[(index, tag)]``: the (CE, PE) open interest summed over the chain's rows,
    present only for a chain with rows."""
    pcr: dict[str, float | None] = {}
    collected = 0
    for tag in rules:
        ce_oi, pe_oi = oi.get((plan.index, tag), (0, 0))
        if (plan.index, tag) in oi:
            collected |= tag_bit(tag)
        pcr[tag] = pe_oi / ce_oi if ce_oi else None
    expected = sum(tag_bit(t) for t in rules)
    return OverviewRow(now, plan.index, plan.spot, plan.atm, pcr, expected, collected)


def _iv_stats(
    an: Analytics,
) -> tuple[dict[tuple[str, str], tuple[int, int]], dict[str, tuple[int, ...]]]:
    counts: dict[tuple[str, str], tuple[int, int]] = {}
    iterations: dict[str, list[int]] = {}
    for key, chain in an.chains.items():
        counts[key] = (chain.solved, chain.failed)
        if chain.iterations:
            iterations.setdefault(chain.index, []).extend(chain.iterations)
    return counts, {k: tuple(v) for k, v in iterations.items()}


def run_cycle(
    cycle: int,
    now: datetime,
    provider: Provider,
    universe: Universe,
    timer: Timer = time.perf_counter,
) -> CycleResult:
    """Collect one cycle at the instant ``now``; reads the provider, writes nothing."""
    t0 = timer()
    calls = Calls()
    levels = spots(provider, universe.indices, now, calls, timer)  # one batched call
    plans = []
    for index in universe.indices:
        step = get_index(index, universe.strike_steps).strike_step
        n = universe.depth.get(index, universe.strikes_per_side)
        rules = expiry_rules(index, universe.expiries)  # monthly-only indices: no weeklies
        listed = listing(provider, index, now, calls, timer)
        plan = plan_index(index, levels.get(index), listed, step, rules, n, now, calls)
        if plan is not None:
            plans.append(plan)
    chains = fetch_all(provider, plans, now, calls, timer)  # one batched call
    t1 = timer()
    issues: list[QualityIssue] = []
    valid = [validate_chain(c, issues) for c in chains]
    t2 = timer()
    planned_spots = {p.index: p.spot for p in plans}
    detailed = [c for c in valid if c.index not in universe.overview_only]
    an = compute(detailed, planned_spots, now, universe.r, universe.q)
    by_index = {p.index: p for p in plans}
    rows: list[OptionRow] = []
    oi: dict[tuple[str, str], tuple[int, int]] = {}
    for c in valid:
        chain_rows = _rows(c, by_index[c.index], now, an)
        if chain_rows:
            rows.extend(chain_rows)
            before = oi.get((c.index, c.expiry_tag), (0, 0))
            ce_oi = sum(r.ce_oi for r in chain_rows)
            oi[(c.index, c.expiry_tag)] = (
                before[0] + ce_oi,
                before[1] + sum(r.pe_oi for r in chain_rows),
            )
    options = [r for r in rows if r.index not in universe.overview_only]
    overview = [_overview(p, expiry_rules(p.index, universe.expiries), oi, now) for p in plans]
    iv, iterations = _iv_stats(an)
    t3 = timer()
    timings = {"fetch": t1 - t0, "validate": t2 - t1, "analytics": t3 - t2, "total": t3 - t0}
    return CycleResult(
        cycle,
        now,
        tuple(plans),
        tuple(options),
        tuple(overview),
        tuple(calls.failures),
        tuple(issues),
        iv,
        iterations,
        tuple(calls.durations),
        timings,
    )
