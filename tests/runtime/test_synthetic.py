"""g6runtime.providers: the Provider protocol, the synthetic market and its faults."""

from __future__ import annotations

import hashlib
import itertools
import math
import os
import subprocess
import sys
from dataclasses import FrozenInstanceError, fields, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from g6runtime.analytics.black_scholes import bs_price
from g6runtime.analytics.iv import implied_vol
from g6runtime.analytics.time import year_fraction_to_expiry
from g6runtime.market import (
    EXPIRY_RULES,
    IST,
    UnknownIndexError,
    atm_strike,
    expiry_reference_date,
    resolve_expiry,
    strike_ladder,
)
from g6runtime.providers import (
    FaultPlan,
    FaultRule,
    Provider,
    ProviderError,
    ProviderTimeout,
    Quote,
)
from g6runtime.providers.base import quote as build_quote
from g6runtime.providers.synthetic import SyntheticMarket

NOW = datetime(2026, 11, 26, 11, 0, tzinfo=IST)  # a Thursday: SENSEX expiry day
TICK = 0.05


def ladder(market: SyntheticMarket, index: str, now: datetime, n: int = 10) -> tuple[int, ...]:
    step = market.index_spec(index).strike_step
    return strike_ladder(atm_strike(market.spot(index, now), step), step, n)


def cycle(market: SyntheticMarket, now: datetime) -> list[Quote]:
    """One default-universe cycle: 4 indices × 4 expiries × 21 strikes × CE/PE."""
    quotes: list[Quote] = []
    today = expiry_reference_date(now)
    for index in market.indices:
        strikes = ladder(market, index, now)
        listed = market.expiries(index, now)
        for rule in EXPIRY_RULES:
            quotes += market.option_quotes(index, resolve_expiry(rule, listed, today), strikes, now)
    return quotes


def fingerprint(seed: int) -> str:
    """A digest of everything the market says at a few instants (used across processes)."""
    market = SyntheticMarket(seed)
    text = []
    for minutes in (0, 1, 60 * 24 * 40):
        now = NOW + timedelta(minutes=minutes)
        text.append(
            repr([(i, market.spot(i, now), market.expiries(i, now)) for i in market.indices])
        )
        text.append(repr(cycle(market, now)))
    return hashlib.sha256("\n".join(text).encode()).hexdigest()


def by_key(quotes: list[Quote]) -> dict[tuple[int, str], Quote]:
    return {(q.strike, q.kind): q for q in quotes}


def is_tick(price: float) -> bool:
    return abs(price / TICK - round(price / TICK)) < 1e-9


# -- protocol and determinism ------------------------------------------------------


def test_is_a_provider() -> None:
    assert isinstance(SyntheticMarket(1), Provider)
    assert SyntheticMarket(1).indices == ("NIFTY", "BANKNIFTY", "FINNIFTY", "SENSEX")


@settings(max_examples=200, deadline=None)
@given(
    st.tuples(
        st.text(max_size=12), st.dates(), st.integers(), st.sampled_from(["CE", "PE"]),
        st.none() | st.floats(), st.none() | st.floats(), st.none() | st.floats(),
        st.integers(), st.integers(), st.none() | st.datetimes(),
    )
)  # fmt: skip
def test_quote_builds_what_the_dataclass_builds(values: tuple[Any, ...]) -> None:
    fast, slow = build_quote(*values), Quote(*values)
    assert type(fast) is Quote
    assert all(getattr(fast, f.name) is getattr(slow, f.name) for f in fields(Quote))
    assert fast == slow or any(v != v for v in values)  # a NaN field is unequal to itself
    with pytest.raises(FrozenInstanceError):
        fast.bid = 1.0  # type: ignore[misc]


def test_the_market_quotes_are_ordinary_quotes() -> None:
    for q in cycle(SyntheticMarket(3), NOW)[:4]:
        assert q == Quote(*(getattr(q, f.name) for f in fields(Quote)))
        assert hash(q) == hash(Quote(*(getattr(q, f.name) for f in fields(Quote))))


def test_one_cycle_has_672_quotes_in_order() -> None:
    market = SyntheticMarket(3)
    quotes = cycle(market, NOW)
    assert len(quotes) == 672
    first = market.option_quotes("NIFTY", quotes[0].expiry, (24000, 24050), NOW)
    assert [(q.strike, q.kind) for q in first] == [
        (24000, "CE"),
        (24000, "PE"),
        (24050, "CE"),
        (24050, "PE"),
    ]


def test_same_seed_same_answers_different_seed_different() -> None:
    assert cycle(SyntheticMarket(7), NOW) == cycle(SyntheticMarket(7), NOW)
    assert cycle(SyntheticMarket(7), NOW) != cycle(SyntheticMarket(8), NOW)


def test_quotes_do_not_depend_on_which_strikes_are_asked() -> None:
    market = SyntheticMarket(7)
    expiry = market.expiries("NIFTY", NOW)[0]
    strikes = ladder(market, "NIFTY", NOW)
    wide = by_key(market.option_quotes("NIFTY", expiry, strikes, NOW))
    alone = market.option_quotes("NIFTY", expiry, (strikes[3],), NOW)
    assert alone == [wide[(strikes[3], "CE")], wide[(strikes[3], "PE")]]
    fresh = SyntheticMarket(7).option_quotes("NIFTY", expiry, (strikes[3],), NOW)
    assert fresh == alone


def test_identical_across_processes() -> None:
    root = Path(__file__).resolve().parents[2]
    code = "from tests.runtime.test_synthetic import fingerprint; print(fingerprint(11))"
    digests = set()
    for hash_seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        digests.add(done.stdout.strip())
    assert digests == {fingerprint(11)}


# -- index level ---------------------------------------------------------------------


def test_spot_is_a_pure_function_of_seed_index_and_second() -> None:
    market = SyntheticMarket(5)
    assert market.spot("NIFTY", NOW) == SyntheticMarket(5).spot("nifty", NOW)
    assert market.spot("NIFTY", NOW) == market.spot("NIFTY", NOW + timedelta(microseconds=999_999))
    assert market.spot("NIFTY", NOW) == market.spot("NIFTY", NOW.astimezone(UTC))
    assert market.spot("NIFTY", NOW) != market.spot("NIFTY", NOW + timedelta(seconds=1))
    assert market.spot("NIFTY", NOW) != market.spot("BANKNIFTY", NOW)


def test_spot_is_plausible_over_decades_and_minutes() -> None:
    market = SyntheticMarket(5)
    for index in market.indices:
        base = market.index_spec(index).base_price
        levels = [
            market.spot(index, datetime(year, 6, 1, 12, tzinfo=IST))
            for year in range(2000, 2060, 3)
        ]
        assert all(0.6 * base < level < 1.6 * base for level in levels)
        start = datetime(2026, 11, 26, 9, 15, tzinfo=IST)
        path = [market.spot(index, start + timedelta(minutes=m)) for m in range(376)]
        moves = [abs(math.log(b / a)) for a, b in itertools.pairwise(path)]
        assert max(moves) < 0.005  # no jumps of half a percent in a minute
        assert len(set(path)) > 300  # it does move
        assert all(round(level, 2) == level for level in path)


def test_spot_outside_the_path_range_is_an_error() -> None:
    with pytest.raises(ValueError, match="outside"):
        SyntheticMarket(1).spot("NIFTY", datetime(2200, 1, 1, tzinfo=IST))


def test_naive_now_and_unknown_index_are_rejected() -> None:
    market = SyntheticMarket(1)
    with pytest.raises(ValueError, match="aware"):
        market.spot("NIFTY", datetime(2026, 11, 26, 11, 0))
    with pytest.raises(ValueError, match="aware"):
        market.expiries("NIFTY", datetime(2026, 11, 26, 11, 0))
    with pytest.raises(UnknownIndexError):
        market.spot("DOWJONES", NOW)
    with pytest.raises(TypeError, match="seed"):
        SyntheticMarket("7")  # type: ignore[arg-type]


# -- expiries ------------------------------------------------------------------------


def test_expiries_on_the_index_weekday_including_expiry_day() -> None:
    market = SyntheticMarket(1, holidays=frozenset())  # weekends only: the bare pattern
    sensex = market.expiries("SENSEX", NOW)
    assert sensex[0] == date(2026, 11, 26)  # today is SENSEX's expiry day
    assert all(d.weekday() == 3 for d in sensex)
    nifty = market.expiries("NIFTY", NOW)
    assert all(d.weekday() == 1 for d in nifty)
    assert nifty[:2] == [date(2026, 12, 1), date(2026, 12, 8)]
    assert nifty == sorted(set(nifty))
    # Weeklies for 8 weeks plus the monthly two months out.
    assert nifty[-1] == date(2027, 1, 26)
    assert date(2027, 1, 19) in nifty
    # BANKNIFTY and FINNIFTY list their monthlies only (the last Tuesday of each month)
    for index in ("BANKNIFTY", "FINNIFTY"):
        assert market.expiries(index, NOW) == [date(2026, 12, 29), date(2027, 1, 26)]
    # with the shipped calendar, 26 January 2027 (Republic Day) moves to Monday the 25th
    shipped = SyntheticMarket(1)
    assert shipped.expiries("NIFTY", NOW)[-1] == date(2027, 1, 25)
    assert shipped.expiries("BANKNIFTY", NOW) == [date(2026, 12, 29), date(2027, 1, 25)]


def test_expiries_use_the_ist_date_of_a_utc_instant() -> None:
    market = SyntheticMarket(1)
    # 19:00 UTC on Thursday 26 Nov is Friday 27 Nov in Asia/Kolkata: SENSEX's
    # 26 Nov expiry is gone.
    late = datetime(2026, 11, 26, 19, 0, tzinfo=UTC)
    assert market.expiries("SENSEX", late)[0] == date(2026, 12, 3)
    assert market.expiries("SENSEX", late - timedelta(minutes=31))[0] == date(2026, 11, 26)


def test_all_rules_resolve_every_day_of_a_year() -> None:
    market = SyntheticMarket(1, holidays=frozenset())  # weekends only: the bare pattern
    for offset in range(0, 400):
        now = datetime(2026, 6, 1, 15, 45, tzinfo=IST) + timedelta(days=offset)
        today = expiry_reference_date(now)
        for index in market.indices:
            listed = market.expiries(index, now)
            if not market.index_spec(index).weekly_listed:  # BANKNIFTY, FINNIFTY
                weekday = market.index_spec(index).expiry_weekday
                assert len(listed) >= 2 and all(d.weekday() == weekday for d in listed)
                assert all((d + timedelta(days=7)).month != d.month for d in listed)
                this_month = resolve_expiry("this_month", listed, today)
                next_month = resolve_expiry("next_month", listed, today)
                assert today <= this_month < next_month
                assert [d for d in listed if d >= today][:2] == [this_month, next_month]
                continue
            got = [resolve_expiry(rule, listed, today) for rule in EXPIRY_RULES]
            this_week, next_week, this_month, next_month = got
            assert today <= this_week < next_week <= next_month
            assert this_week <= this_month < next_month
            weekday = market.index_spec(index).expiry_weekday
            # The monthlies are the last expiry weekday of their month.
            for monthly in (this_month, next_month):
                assert monthly.weekday() == weekday
                assert (monthly + timedelta(days=7)).month != monthly.month


def test_holiday_expiry_moves_to_the_previous_trading_day() -> None:
    holidays = frozenset(
        {date(2026, 12, 8), date(2026, 12, 25), date(2026, 12, 28), date(2026, 12, 29)}
    )
    market = SyntheticMarket(1, holidays=holidays)
    listed = market.expiries("NIFTY", NOW)
    assert date(2026, 12, 8) not in listed
    assert date(2026, 12, 7) in listed  # Tuesday holiday → Monday
    assert date(2026, 12, 24) in listed  # Tue, Mon, Fri holidays and a weekend → Thursday
    assert not {date(2026, 12, 25), date(2026, 12, 29)} & set(listed)
    # The December monthly is the shifted one.
    assert resolve_expiry("this_month", listed, expiry_reference_date(NOW)) == date(2026, 12, 24)
    assert resolve_expiry("next_month", listed, expiry_reference_date(NOW)) == date(2027, 1, 26)


# -- quotes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "now",
    [
        NOW,
        datetime(2026, 11, 26, 9, 15, tzinfo=IST),
        datetime(2026, 11, 26, 15, 29, 30, tzinfo=IST),  # SENSEX minutes before expiry
        datetime(2026, 12, 31, 14, 0, tzinfo=IST),
    ],
)
def test_quotes_are_sane(now: datetime) -> None:
    for seed in (1, 2):
        quotes = cycle(SyntheticMarket(seed), now)
        for quote in quotes:
            assert quote.bid is not None and quote.ask is not None and quote.last is not None
            assert 0.0 <= quote.bid < quote.ask
            assert quote.ask - quote.bid >= TICK - 1e-9
            assert quote.bid <= quote.last <= quote.ask and quote.last >= TICK
            assert all(is_tick(p) for p in (quote.bid, quote.ask, quote.last))
            assert quote.volume >= 0 and quote.oi > 0
            assert quote.as_of == now.replace(microsecond=0)


def test_quotes_bracket_the_black_scholes_price_at_the_model_volatility() -> None:
    # The synthetic market writes Black-Scholes out inline: it must be bs_price's value.
    r, q = 0.065, 0.012
    for seed, now in ((3, NOW), (5, datetime(2026, 12, 31, 14, 0, tzinfo=IST))):
        market = SyntheticMarket(seed, r=r, q=q)
        for index in market.indices:
            spot = market.spot(index, now)
            for expiry in market.expiries(index, now):
                t = year_fraction_to_expiry(now, expiry)
                for quote in market.option_quotes(index, expiry, ladder(market, index, now), now):
                    sigma = market.volatility(index, expiry, quote.strike, now)
                    fair = bs_price(quote.kind == "CE", spot, quote.strike, t, r, q, sigma)
                    assert quote.bid is not None and quote.ask is not None
                    assert quote.bid - 1e-6 <= fair <= quote.ask + 1e-6, (quote, fair)


def test_put_call_parity_holds_from_mids() -> None:
    market = SyntheticMarket(9)
    r, q = 0.065, 0.012
    for index in market.indices:
        spot = market.spot(index, NOW)
        for expiry in market.expiries(index, NOW)[:4]:
            t = year_fraction_to_expiry(NOW, expiry)
            quotes = by_key(market.option_quotes(index, expiry, ladder(market, index, NOW), NOW))
            for (strike, kind), call in quotes.items():
                if kind != "CE":
                    continue
                put = quotes[(strike, "PE")]
                assert call.mid is not None and put.mid is not None
                assert call.bid is not None and call.ask is not None
                assert put.bid is not None and put.ask is not None
                parity = spot * math.exp(-q * t) - strike * math.exp(-r * t)
                tolerance = (call.ask - call.bid + put.ask - put.bid) / 2 + 1e-9
                assert abs(call.mid - put.mid - parity) <= tolerance


def test_smile_otm_puts_are_richer() -> None:
    market = SyntheticMarket(4)
    index, r, q = "NIFTY", 0.065, 0.012
    expiry = market.expiries(index, NOW)[1]
    spot = market.spot(index, NOW)
    t = year_fraction_to_expiry(NOW, expiry)
    forward = spot * math.exp((r - q) * t)
    atm = atm_strike(forward, 50)
    quotes = by_key(market.option_quotes(index, expiry, strike_ladder(atm, 50, 10), NOW))

    def quoted_vol(strike: int, kind: str) -> float:
        mid = quotes[(strike, kind)].mid
        assert mid is not None
        result = implied_vol(mid, kind == "CE", spot, strike, t, r, q)
        assert result.iv is not None, result.reason
        return result.iv

    for distance in (250, 350, 500):
        # Quoted (solved from mids) and model volatilities agree: OTM puts are richer.
        put_vol, call_vol = quoted_vol(atm - distance, "PE"), quoted_vol(atm + distance, "CE")
        assert put_vol > call_vol
        model_put = market.volatility(index, expiry, forward * math.exp(-distance / atm), NOW)
        model_call = market.volatility(index, expiry, forward * math.exp(distance / atm), NOW)
        assert model_put > model_call
        assert put_vol == pytest.approx(
            market.volatility(index, expiry, atm - distance, NOW), abs=0.01
        )
    vols = [market.volatility(index, expiry, k, NOW) for k in range(atm - 2000, atm + 3001, 250)]
    lowest = vols.index(min(vols))
    assert 0 < lowest < len(vols) - 1  # a smile: both wings rise
    assert vols[0] > vols[lowest] and vols[-1] > vols[lowest]


def test_term_structure_and_time_value() -> None:
    market = SyntheticMarket(4)
    spot = market.spot("NIFTY", NOW)
    atm = atm_strike(spot, 50)
    listed = market.expiries("NIFTY", NOW)
    atm_vols = [market.volatility("NIFTY", e, spot * 1.0005, NOW) for e in listed]
    assert atm_vols[0] > atm_vols[-1]  # short dates carry a premium
    straddles = []
    for expiry in listed:
        call, put = market.option_quotes("NIFTY", expiry, (atm,), NOW)
        assert call.mid is not None and put.mid is not None
        straddles.append(call.mid + put.mid)
    assert straddles == sorted(straddles)  # more time, more value


def test_volume_and_oi_peak_near_the_money_and_volume_grows() -> None:
    for seed in range(1, 9):
        market = SyntheticMarket(seed)
        for index in market.indices:
            expiry = market.expiries(index, NOW)[0]
            # a monthly (BANKNIFTY, FINNIFTY: a month out) spreads wider: a wider ladder
            n = 10 if market.index_spec(index).weekly_listed else 20
            strikes = ladder(market, index, NOW, n)
            quotes = market.option_quotes(index, expiry, strikes, NOW)
            near = [q for q in quotes if q.strike in strikes[n - 1 : n + 2]]
            far = [q for q in quotes if q.strike in strikes[:3] + strikes[-3:]]
            for field in ("volume", "oi"):
                near_mean = sum(getattr(q, field) for q in near) / len(near)
                far_mean = sum(getattr(q, field) for q in far) / len(far)
                assert near_mean > 1.5 * far_mean, (seed, index, field)
    market = SyntheticMarket(6)
    expiry = market.expiries("BANKNIFTY", NOW)[0]
    strikes = ladder(market, "BANKNIFTY", NOW)
    at = {
        step: by_key(
            market.option_quotes("BANKNIFTY", expiry, strikes, NOW + timedelta(minutes=step))
        )
        for step in (-90, 0, 1, 120)
    }
    for key, quote in at[0].items():
        assert at[-90][key].volume <= quote.volume <= at[1][key].volume <= at[120][key].volume
    assert sum(q.volume for q in at[120].values()) > sum(q.volume for q in at[-90].values())


def test_listing_errors() -> None:
    market = SyntheticMarket(1, step_overrides={"NIFTY": 100})
    expiry = market.expiries("NIFTY", NOW)[0]
    with pytest.raises(ProviderError, match=r"strikes \[24050\] are not listed"):
        market.option_quotes("NIFTY", expiry, (24000, 24050), NOW)
    assert len(market.option_quotes("NIFTY", expiry, (24000, 24100), NOW)) == 4
    with pytest.raises(ProviderError, match="not listed"):
        market.option_quotes("NIFTY", date(2026, 12, 2), (24000,), NOW)
    with pytest.raises(ProviderError, match="not listed"):
        market.option_quotes("NIFTY", date(2026, 11, 24), (24000,), NOW)


def test_quote_mid() -> None:
    quote = Quote("NIFTY", date(2026, 12, 1), 24000, "CE", 10.0, 10.5, 10.2, 1, 2)
    assert quote.mid == pytest.approx(10.25)
    assert replace(quote, bid=None).mid is None


# -- faults --------------------------------------------------------------------------


def faulty(kind: str, **kwargs: object) -> SyntheticMarket:
    rule = FaultRule(kind=kind, index="NIFTY", **kwargs)  # type: ignore[arg-type]
    return SyntheticMarket(2, FaultPlan(rules=(rule,)))


def nifty_quotes(market: SyntheticMarket, now: datetime = NOW) -> list[Quote]:
    expiry = market.expiries("NIFTY", now)[0]
    return market.option_quotes("NIFTY", expiry, ladder(SyntheticMarket(2), "NIFTY", now), now)


def test_error_fault_in_its_window_and_index_only() -> None:
    start, end = NOW, NOW + timedelta(minutes=5)
    market = faulty("error", start=start, end=end)
    for call in (
        lambda now: market.spot("NIFTY", now),
        lambda now: market.expiries("NIFTY", now),
        lambda now: nifty_quotes(market, now),
    ):
        with pytest.raises(ProviderError) as info:
            call(NOW + timedelta(minutes=2))
        assert not isinstance(info.value, ProviderTimeout)
        assert info.value.index == "NIFTY"
        call(NOW - timedelta(seconds=1))  # before the window
        call(end)  # the window is half-open
    market.spot("BANKNIFTY", NOW)


def test_timeout_fault_and_target() -> None:
    market = faulty("timeout", target="quotes")
    with pytest.raises(ProviderTimeout, match="timeout"):
        nifty_quotes(market)
    assert market.spot("NIFTY", NOW) == SyntheticMarket(2).spot("NIFTY", NOW)


def test_stale_fault_repeats_an_earlier_answer() -> None:
    market = faulty("stale", lag_seconds=60)
    clean = SyntheticMarket(2)
    assert nifty_quotes(market) == clean.option_quotes(
        "NIFTY",
        clean.expiries("NIFTY", NOW)[0],
        ladder(clean, "NIFTY", NOW),
        NOW - timedelta(minutes=1),
    )
    assert market.spot("NIFTY", NOW) == clean.spot("NIFTY", NOW - timedelta(minutes=1))
    assert all(q.as_of == NOW - timedelta(minutes=1) for q in nifty_quotes(market))
    assert market.expiries("NIFTY", NOW) == clean.expiries("NIFTY", NOW)


@pytest.mark.parametrize(
    ("kind", "broken"),
    [
        ("crossed", lambda q: q.bid is not None and q.ask is not None and q.bid > q.ask),
        ("negative", lambda q: all(p is not None and p < 0 for p in (q.bid, q.ask, q.last))),
        ("missing", lambda q: None in (q.bid, q.ask, q.last)),
        (
            "garbage",
            lambda q: (
                q.volume < 0
                or q.oi < 0
                or not all(p is not None and math.isfinite(p) for p in (q.bid, q.ask, q.last))
            ),
        ),
    ],
)
def test_quote_faults_are_observable(kind: str, broken: object) -> None:
    assert callable(broken)
    quotes = nifty_quotes(faulty(kind))
    assert quotes and all(broken(q) for q in quotes)
    assert not any(broken(q) for q in nifty_quotes(SyntheticMarket(2)))
    assert nifty_quotes(faulty(kind, start=NOW + timedelta(hours=1))) == nifty_quotes(
        SyntheticMarket(2)
    )


def test_fault_rate_is_partial_and_deterministic() -> None:
    first = nifty_quotes(faulty("crossed", rate=0.3))
    crossed = sum(1 for q in first if q.bid is not None and q.ask is not None and q.bid > q.ask)
    assert 0 < crossed < len(first)
    assert nifty_quotes(faulty("crossed", rate=0.3)) == first
    calls = faulty("error", rate=0.5)
    failures = 0
    for minute in range(40):
        try:
            calls.spot("NIFTY", NOW + timedelta(minutes=minute))
        except ProviderError:
            failures += 1
    assert 5 < failures < 35


def test_first_rule_wins_and_other_indices_are_untouched() -> None:
    plan = FaultPlan(rules=(FaultRule("timeout", index="NIFTY"), FaultRule("error")))
    market = SyntheticMarket(2, plan)
    with pytest.raises(ProviderTimeout):
        market.spot("NIFTY", NOW)
    with pytest.raises(ProviderError) as info:
        market.spot("SENSEX", NOW)
    assert not isinstance(info.value, ProviderTimeout)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"kind": "explode"}, "unknown fault kind"),
        ({"kind": "error", "target": "everything"}, "unknown fault target"),
        ({"kind": "error", "rate": 1.5}, "rate"),
        ({"kind": "crossed", "target": "spot"}, "target must be 'quotes'"),
        ({"kind": "stale", "target": "expiries"}, "not to expiries"),
        ({"kind": "stale", "lag_seconds": 0}, "lag"),
        ({"kind": "error", "start": datetime(2026, 11, 26, 10, 0)}, "aware"),
        ({"kind": "error", "start": NOW, "end": NOW}, "after"),
    ],
)
def test_fault_rule_validation(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        FaultRule(**kwargs)  # type: ignore[arg-type]
