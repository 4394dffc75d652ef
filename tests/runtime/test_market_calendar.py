"""The market calendar (SPEC §2 "Market calendar"): the shipped NSE/BSE holiday table, the
config's extra holidays, expiry shifts (holidays, month and year ends), monthly-only indices
and their overview masks, the calendar-aware simulated clock."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from g6runtime.collectors.cycle import Universe, run_cycle
from g6runtime.config import Settings, load_settings
from g6runtime.errors import ConfigError
from g6runtime.market import (
    EXPIRY_RULES,
    IST,
    SHIPPED_YEARS,
    HolidayTableError,
    exchange_holidays,
    expiry_rules,
    get_index,
    is_market_open,
    is_trading_day,
    market_holidays,
    next_open,
    previous_trading_day,
)
from g6runtime.market.holidays import parse_holiday_table
from g6runtime.providers.synthetic import SyntheticMarket
from g6runtime.runner import simulated_clock

D = date.fromisoformat

# NSE's published list for 2026 (the December 2025 circular) plus the 2026-01-15 closure.
NSE_2026 = {
    "2026-01-15", "2026-01-26", "2026-03-03", "2026-03-26", "2026-03-31", "2026-04-03",
    "2026-04-14", "2026-05-01", "2026-05-28", "2026-06-26", "2026-09-14", "2026-10-02",
    "2026-10-20", "2026-11-10", "2026-11-24", "2026-12-25",
}  # fmt: skip


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=IST)


# --- the shipped table ------------------------------------------------------------------


def test_the_shipped_table_holds_the_exchanges_2026_list_for_both_exchanges() -> None:
    for exchange in ("NSE", "BSE"):
        days = exchange_holidays(exchange)
        assert {d.isoformat() for d in days if d.year == 2026} == NSE_2026
        assert {d.year for d in days} == set(SHIPPED_YEARS)
        assert all(d.weekday() < 5 for d in days)
    assert D("2027-01-26") in market_holidays()  # Republic Day 2027 (a Tuesday)
    assert D("2027-03-26") in market_holidays()  # Good Friday 2027


def test_holidays_and_weekends_are_not_trading_days_by_default() -> None:
    assert not is_trading_day(D("2026-03-03"))  # Holi (a Tuesday)
    assert is_trading_day(D("2026-03-03"), holidays=frozenset())  # weekends only
    assert not is_trading_day(D("2026-03-07"))  # a Saturday
    assert is_trading_day(D("2026-03-04"))
    assert not is_market_open(at("2026-12-25T10:00"))  # Christmas, a Friday
    assert is_market_open(at("2026-12-24T10:00"))


def test_extra_holidays_extend_the_table() -> None:
    extra = {D("2026-12-24")}
    assert D("2026-12-24") in exchange_holidays("BSE", extra)
    assert D("2026-12-24") in market_holidays(extra)
    assert next_open(at("2026-12-23T15:31"), holidays=market_holidays(extra)) == at(
        "2026-12-28T09:15"
    )
    with pytest.raises(ValueError, match="unknown exchange"):
        exchange_holidays("MCX")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("date,exchanges,status,name\n2026-02-30,NSE,published,x\n", ":2: '2026-02-30' is not"),
        ("date,exchanges,status,name\n2026-03-07,NSE,published,x\n", "weekend"),
        ("date,exchanges,status,name\n2026-03-03,NYSE,published,x\n", "exchanges 'NYSE'"),
        ("date,exchanges,status,name\n2026-03-03,NSE,rumoured,x\n", "status 'rumoured'"),
        ("# c\ndate,exchanges,status,name\n2026-03-03,NSE,published,x\n2026-03-03,NSE BSE,"
         "published,y\n", ":4: 2026-03-03 is listed twice for NSE"),
        ("day,exchange\n", "first row must be"),
    ],
)  # fmt: skip
def test_a_broken_table_names_its_line(text: str, message: str) -> None:
    with pytest.raises(HolidayTableError, match=message):
        parse_holiday_table(text, "t.csv")


# --- market hours and next_open -----------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "opens"),
    [
        ("2026-04-02T15:31", "2026-04-06T09:15"),  # Good Friday, then the weekend
        ("2026-04-02T15:30", "2026-04-02T15:30"),  # the close itself is in the session
        ("2026-12-24T16:00", "2026-12-28T09:15"),  # Christmas (Friday) and the weekend
        ("2026-12-31T15:31", "2027-01-01T09:15"),  # year end: 1 January trades
        ("2027-01-25T20:00", "2027-01-27T09:15"),  # Republic Day 2027 (Tuesday)
        ("2026-03-02T08:00", "2026-03-02T09:15"),  # before the open
    ],
)
def test_next_open_steps_over_nights_weekends_and_holidays(now: str, opens: str) -> None:
    assert next_open(at(now)) == at(opens)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(2025, 12, 1), max_value=datetime(2027, 12, 31)))
def test_next_open_is_always_in_a_session_on_a_trading_day(naive: datetime) -> None:
    now = naive.replace(tzinfo=IST)
    opens = next_open(now)
    assert opens >= now
    assert is_trading_day(opens.date()) and is_market_open(opens)
    assert opens == now or opens.timetz().replace(tzinfo=None) == datetime(1, 1, 1, 9, 15).time()
    # nothing in between is open: every earlier session start would have been found
    day = now.date()
    while day < opens.date():
        if is_trading_day(day):
            assert day == now.date() and now.time() > datetime(1, 1, 1, 15, 30).time()
        day += timedelta(days=1)


# --- expiries ---------------------------------------------------------------------------


def plan_expiries(now: datetime, market: SyntheticMarket | None = None) -> dict[str, dict]:
    universe = Universe(indices=tuple(get_index(i).name for i in ("NIFTY", "BANKNIFTY",
                        "FINNIFTY", "SENSEX")), expiries=EXPIRY_RULES, strikes_per_side=1)  # fmt: skip
    result = run_cycle(1, now, market or SyntheticMarket(42), universe)
    assert not result.failures
    return {p.index: {t: d.isoformat() for t, d in p.expiries.items()} for p in result.plans}


def test_an_expiry_on_a_holiday_moves_to_the_previous_trading_day() -> None:
    got = plan_expiries(at("2026-03-02T10:00"))
    # NIFTY's weekly Tuesday 3 March is Holi: Monday 2 March; the monthly Tuesday 31 March
    # (Mahavir Jayanti, the month's end) moves to Monday 30 March.
    assert got["NIFTY"] == {
        "this_week": "2026-03-02",
        "next_week": "2026-03-10",
        "this_month": "2026-03-30",
        "next_month": "2026-04-28",
    }
    # SENSEX's Thursday 26 March (Ram Navami) is also its monthly: Wednesday 25 March.
    assert got["SENSEX"]["this_month"] == "2026-03-25"
    # the monthly-only indices: only the two monthly rules, shifted the same way
    assert got["BANKNIFTY"] == {"this_month": "2026-03-30", "next_month": "2026-04-28"}
    assert got["FINNIFTY"] == got["BANKNIFTY"]


def test_year_end_rolls_into_a_january_monthly_shifted_off_republic_day() -> None:
    got = plan_expiries(at("2026-12-29T15:31"))  # after the close of December's monthly
    # the next expiry is in January 2027; its monthly Tuesday 26 January is Republic Day
    assert got["BANKNIFTY"] == {"this_month": "2027-01-25", "next_month": "2027-02-23"}
    assert got["NIFTY"]["this_week"] == "2027-01-05"
    assert got["NIFTY"]["this_month"] == "2027-01-25"
    before = plan_expiries(at("2026-12-29T15:30"))  # still December's monthly at the close
    assert before["BANKNIFTY"]["this_month"] == "2026-12-29"
    assert before["SENSEX"]["this_month"] == "2026-12-31"


def test_extra_holidays_shift_the_synthetic_markets_expiries() -> None:
    market = SyntheticMarket(42, extra_holidays={D("2026-12-29")})
    got = plan_expiries(at("2026-12-21T10:00"), market)
    assert got["BANKNIFTY"]["this_month"] == "2026-12-28"
    assert got["NIFTY"]["this_week"] == "2026-12-22"
    assert got["NIFTY"]["next_week"] == "2026-12-28"


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(
    st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 10, 31)),
    st.sampled_from(("NIFTY", "BANKNIFTY", "FINNIFTY", "SENSEX")),
)
def test_every_listed_expiry_is_a_trading_day_of_its_exchange(day: date, index: str) -> None:
    spec = get_index(index)
    holidays = exchange_holidays(spec.exchange)
    listed = SyntheticMarket(7).expiries(index, datetime.combine(day, datetime.min.time(), IST))
    assert listed and all(is_trading_day(d, holidays=holidays) for d in listed)
    assert all(d >= day for d in listed)
    # each is its week's expiry weekday, or the trading day before it (a holiday shift)
    for d in listed:
        due = d + timedelta(days=(spec.expiry_weekday - d.weekday()) % 7)
        assert previous_trading_day(due, holidays=holidays) == d
        if not spec.weekly_listed:  # monthly-only: only the month's last such weekday
            assert (due + timedelta(days=7)).month != due.month
    if not spec.weekly_listed:
        assert len({(d.year, d.month) for d in listed}) == len(listed)


# --- monthly-only indices and the overview masks --------------------------------------------


def test_monthly_only_indices_collect_only_monthly_expiries_and_say_so_in_the_masks() -> None:
    assert expiry_rules("NIFTY", EXPIRY_RULES) == EXPIRY_RULES
    assert expiry_rules("SENSEX", EXPIRY_RULES) == EXPIRY_RULES
    assert expiry_rules("BANKNIFTY", EXPIRY_RULES) == ("this_month", "next_month")
    assert expiry_rules("FINNIFTY", ("this_week", "next_month")) == ("next_month",)
    s = Settings()
    universe = Universe(indices=s.indices, expiries=s.expiries, strikes_per_side=2)
    result = run_cycle(1, at("2026-11-26T10:00"), SyntheticMarket(42), universe)
    masks = {o.index: (o.expected_mask, o.collected_mask, o.missing_mask) for o in result.overview}
    assert masks == {
        "NIFTY": (0b1111, 0b1111, 0),
        "BANKNIFTY": (0b1100, 0b1100, 0),
        "FINNIFTY": (0b1100, 0b1100, 0),
        "SENSEX": (0b1111, 0b1111, 0),
    }
    tags = {(r.index, r.expiry_tag) for r in result.options}
    assert ("BANKNIFTY", "this_week") not in tags and ("BANKNIFTY", "this_month") in tags
    assert not result.failures
    overview = {o.index: o for o in result.overview}
    assert overview["BANKNIFTY"].expiries_expected == 2
    assert overview["BANKNIFTY"].pcr.get("this_week") is None


# --- the simulated clock --------------------------------------------------------------------


def test_the_calendar_clock_steps_over_nights_weekends_and_holidays() -> None:
    got = list(simulated_clock(at("2026-04-02T14:30"), 1800, 5, market_hours=True))
    assert got == [
        at("2026-04-02T14:30"),
        at("2026-04-02T15:00"),
        at("2026-04-02T15:30"),  # the close is still collected
        at("2026-04-06T09:15"),  # Good Friday 3 April, then the weekend
        at("2026-04-06T09:45"),
    ]
    saturday = list(simulated_clock(at("2026-03-07T12:00"), 60, 2, market_hours=True))
    assert saturday == [at("2026-03-09T09:15"), at("2026-03-09T09:16")]
    plain = list(simulated_clock(at("2026-04-02T15:00"), 1800, 3))
    assert plain == [at("2026-04-02T15:00"), at("2026-04-02T15:30"), at("2026-04-02T16:00")]
    extra = list(
        simulated_clock(
            at("2026-04-06T15:30"), 60, 2, market_hours=True, holidays=market_holidays({D("2026-04-07")})
        )
    )  # fmt: skip
    assert extra == [at("2026-04-06T15:30"), at("2026-04-08T09:15")]


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 1)),
    st.floats(min_value=1.0, max_value=3 * 86400.0),
)
def test_every_calendar_clock_instant_is_in_a_session(naive: datetime, interval: float) -> None:
    instants = list(simulated_clock(naive.replace(tzinfo=IST), interval, 4, market_hours=True))
    assert all(is_market_open(t) for t in instants)
    assert all(b > a for a, b in pairwise(instants))


# --- the config key -------------------------------------------------------------------------


def test_market_extra_holidays_is_validated_like_every_key(tmp_path: Path) -> None:
    path = tmp_path / "g6.yaml"
    path.write_text("market:\n  extra_holidays: ['2026-12-31', '2026-12-24']\n", "utf-8")
    assert load_settings(path, environ={}).extra_holidays == (D("2026-12-24"), D("2026-12-31"))
    for bad, message in (
        ("['2026-02-30']", r"g6\.yaml:2: market\.extra_holidays\[0\]: '2026-02-30' is not a"),
        ("['31-12-2026']", r"g6\.yaml:2: market\.extra_holidays"),
        ("'2026-12-31'", r"g6\.yaml:2: market\.extra_holidays"),
        ("['2026-12-31', '2026-12-31']", r"g6\.yaml:2: market\.extra_holidays"),
    ):
        path.write_text(f"market:\n  extra_holidays: {bad}\n", "utf-8")
        with pytest.raises(ConfigError, match=message) as excinfo:
            load_settings(path, environ={})
        assert "\n" not in str(excinfo.value)
    path.write_text("market:\n  holidays: []\n", "utf-8")
    with pytest.raises(ConfigError, match="market"):
        load_settings(path, environ={})
