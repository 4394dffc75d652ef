"""g6runtime.market: index registry, Asia/Kolkata calendar, expiry rules, strikes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from g6runtime.market import (
    DEFAULT_INDICES,
    EXPIRY_RULES,
    IST,
    ExpiryResolutionError,
    UnknownIndexError,
    atm_strike,
    expiry_reference_date,
    format_offset,
    get_index,
    index_names,
    index_registry,
    is_market_open,
    is_trading_day,
    ladder_offsets,
    market_date,
    next_open,
    previous_trading_day,
    resolve_expiry,
    session_bounds,
    strike_ladder,
)


def ist(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=IST)


# -- registry ---------------------------------------------------------------------


def test_registry_defaults() -> None:
    assert index_names() == ("NIFTY", "BANKNIFTY", "FINNIFTY", "SENSEX")
    steps = {name: spec.strike_step for name, spec in DEFAULT_INDICES.items()}
    assert steps == {"NIFTY": 50, "BANKNIFTY": 100, "FINNIFTY": 50, "SENSEX": 100}
    assert get_index("NIFTY").expiry_weekday == 1  # Tuesday
    assert get_index("SENSEX").expiry_weekday == 3  # Thursday
    assert get_index("nifty").base_price == pytest.approx(24000)
    assert 50000 < get_index("BANKNIFTY").base_price < 54000
    assert 70000 < get_index("SENSEX").base_price < 90000
    assert not get_index("BANKNIFTY").weekly_listed


def test_registry_overrides_do_not_touch_defaults() -> None:
    registry = index_registry({"nifty": 100})
    assert registry["NIFTY"].strike_step == 100
    assert registry["BANKNIFTY"].strike_step == 100
    assert DEFAULT_INDICES["NIFTY"].strike_step == 50
    assert get_index("NIFTY", {"NIFTY": 25}).strike_step == 25
    assert index_registry({}) is DEFAULT_INDICES


@pytest.mark.parametrize("bad", [0, -50, 2.5, True, "50"])
def test_registry_rejects_bad_step(bad: object) -> None:
    with pytest.raises(ValueError, match="NIFTY"):
        index_registry({"NIFTY": bad})  # type: ignore[dict-item]


def test_registry_unknown_index() -> None:
    with pytest.raises(UnknownIndexError, match="MIDCPNIFTY"):
        index_registry({"MIDCPNIFTY": 25})
    with pytest.raises(UnknownIndexError):
        get_index("DOWJONES")


# -- calendar ---------------------------------------------------------------------


def test_market_date_crosses_midnight_in_ist() -> None:
    assert market_date(datetime(2026, 11, 26, 18, 29, 59, tzinfo=UTC)) == date(2026, 11, 26)
    assert market_date(datetime(2026, 11, 26, 18, 30, tzinfo=UTC)) == date(2026, 11, 27)
    assert market_date(datetime(2026, 11, 26, 19, 0, tzinfo=UTC)) == date(2026, 11, 27)
    assert market_date(datetime(2026, 12, 31, 20, 0, tzinfo=UTC)) == date(2027, 1, 1)


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValueError, match="aware"):
        market_date(datetime(2026, 11, 26, 10, 0))
    with pytest.raises(ValueError, match="aware"):
        is_market_open(datetime(2026, 11, 26, 10, 0))


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (ist(2026, 11, 26, 9, 14, 59), False),
        (ist(2026, 11, 26, 9, 15), True),
        (ist(2026, 11, 26, 12, 0), True),
        (ist(2026, 11, 26, 15, 30), True),  # the close is inside the session
        (ist(2026, 11, 26, 15, 30, 0, 1), False),
        (ist(2026, 11, 26, 15, 31), False),
        (ist(2026, 11, 28, 10, 0), False),  # Saturday
        (ist(2026, 11, 29, 10, 0), False),  # Sunday
        (datetime(2026, 11, 26, 3, 45, tzinfo=UTC), True),  # 09:15 IST
        (datetime(2026, 11, 26, 3, 44, tzinfo=UTC), False),
        (datetime(2026, 11, 26, 10, 0, tzinfo=UTC), True),  # 15:30 IST
        (datetime(2026, 11, 26, 19, 0, tzinfo=UTC), False),  # 00:30 IST Friday
    ],
)
def test_market_hours_edges(moment: datetime, expected: bool) -> None:
    assert is_market_open(moment) is expected


def test_holidays_hook() -> None:
    holidays = frozenset({date(2026, 11, 24)})
    assert not is_trading_day(date(2026, 11, 24), holidays=holidays)
    assert not is_market_open(ist(2026, 11, 24, 10, 0), holidays=holidays)
    assert is_market_open(ist(2026, 11, 24, 10, 0), holidays=frozenset())  # weekends only
    # left out, the shipped calendar applies: 24 November 2026 is Guru Nanak Jayanti
    assert not is_market_open(ist(2026, 11, 24, 10, 0))
    assert is_market_open(ist(2026, 11, 23, 10, 0))
    assert previous_trading_day(date(2026, 11, 24), holidays=holidays) == date(2026, 11, 23)
    assert previous_trading_day(date(2026, 11, 29)) == date(2026, 11, 27)
    assert previous_trading_day(date(2026, 11, 27)) == date(2026, 11, 27)


def test_next_open() -> None:
    # During a session: now itself (in IST).
    assert next_open(ist(2026, 11, 26, 10, 0)) == ist(2026, 11, 26, 10, 0)
    assert next_open(ist(2026, 11, 26, 8, 0)) == ist(2026, 11, 26, 9, 15)
    assert next_open(ist(2026, 11, 26, 15, 31)) == ist(2026, 11, 27, 9, 15)
    # Friday evening → Monday; a Monday holiday → Tuesday.
    assert next_open(ist(2026, 11, 27, 16, 0)) == ist(2026, 11, 30, 9, 15)
    holidays = frozenset({date(2026, 11, 30)})
    assert next_open(ist(2026, 11, 27, 16, 0), holidays=holidays) == ist(2026, 12, 1, 9, 15)
    # 19:00 UTC Thursday is already Friday 00:30 IST: Friday's open, not Thursday's.
    friday_open = next_open(datetime(2026, 11, 26, 19, 0, tzinfo=UTC))
    assert friday_open == ist(2026, 11, 27, 9, 15)
    assert friday_open.utcoffset() == timedelta(hours=5, minutes=30)


def test_session_bounds_and_expiry_reference_date() -> None:
    assert session_bounds(date(2026, 11, 26)) == (
        ist(2026, 11, 26, 9, 15),
        ist(2026, 11, 26, 15, 30),
    )
    assert expiry_reference_date(ist(2026, 11, 24, 15, 30)) == date(2026, 11, 24)
    assert expiry_reference_date(ist(2026, 11, 24, 15, 30, 1)) == date(2026, 11, 25)
    assert expiry_reference_date(datetime(2026, 11, 24, 19, 0, tzinfo=UTC)) == date(2026, 11, 25)


# -- expiry rules -----------------------------------------------------------------


def tuesdays(start: date, count: int) -> list[date]:
    return [start + timedelta(weeks=k) for k in range(count)]


# Weekly Tuesdays from 2026-11-03 to 2027-02-23 (17 weeks).
WEEKLIES = tuesdays(date(2026, 11, 3), 17)


def resolve_all(expiries: list[date], today: date) -> dict[str, date]:
    return {rule: resolve_expiry(rule, expiries, today) for rule in EXPIRY_RULES}


def test_rules_mid_month() -> None:
    assert resolve_all(WEEKLIES, date(2026, 11, 12)) == {
        "this_week": date(2026, 11, 17),
        "next_week": date(2026, 11, 24),
        "this_month": date(2026, 11, 24),
        "next_month": date(2026, 12, 29),
    }


def test_rules_on_expiry_day_and_after_the_roll() -> None:
    assert resolve_expiry("this_week", WEEKLIES, date(2026, 11, 17)) == date(2026, 11, 17)
    rolled = expiry_reference_date(ist(2026, 11, 17, 15, 45))
    assert resolve_expiry("this_week", WEEKLIES, rolled) == date(2026, 11, 24)


def test_this_week_is_the_monthly() -> None:
    # On the last Tuesday of November, this week's expiry is the monthly one too.
    assert resolve_all(WEEKLIES, date(2026, 11, 24)) == {
        "this_week": date(2026, 11, 24),
        "next_week": date(2026, 12, 1),
        "this_month": date(2026, 11, 24),
        "next_month": date(2026, 12, 29),
    }


def test_rules_at_month_end_roll_into_next_month() -> None:
    # 2026-11-25…30: November's expiries are gone; December is "this month".
    assert resolve_all(WEEKLIES, date(2026, 11, 30)) == {
        "this_week": date(2026, 12, 1),
        "next_week": date(2026, 12, 8),
        "this_month": date(2026, 12, 29),
        "next_month": date(2027, 1, 26),
    }


def test_rules_across_year_end() -> None:
    assert resolve_all(WEEKLIES, date(2026, 12, 23)) == {
        "this_week": date(2026, 12, 29),
        "next_week": date(2027, 1, 5),
        "this_month": date(2026, 12, 29),
        "next_month": date(2027, 1, 26),
    }
    assert resolve_all(WEEKLIES, date(2026, 12, 30)) == {
        "this_week": date(2027, 1, 5),
        "next_week": date(2027, 1, 12),
        "this_month": date(2027, 1, 26),
        "next_month": date(2027, 2, 23),
    }


def test_next_month_skips_months_without_expiries_and_ignores_order() -> None:
    expiries = [date(2027, 3, 30), date(2026, 12, 29), date(2026, 12, 22), date(2027, 3, 2)]
    assert resolve_expiry("next_month", expiries, date(2026, 12, 1)) == date(2027, 3, 30)
    assert resolve_expiry("this_month", expiries, date(2026, 12, 1)) == date(2026, 12, 29)


@pytest.mark.parametrize(
    ("rule", "expiries", "match"),
    [
        ("this_week", [], "none listed"),
        ("this_week", [date(2026, 11, 3)], "no expiry on or after"),
        ("next_week", [date(2026, 11, 24)], "after this week's 2026-11-24"),
        ("next_month", [date(2026, 11, 17), date(2026, 11, 24)], "after the month 2026-11"),
    ],
)
def test_unsatisfiable_rules_raise_typed_error(rule: str, expiries: list[date], match: str) -> None:
    with pytest.raises(ExpiryResolutionError, match=match) as info:
        resolve_expiry(rule, expiries, date(2026, 11, 10))  # type: ignore[arg-type]
    assert isinstance(info.value, ValueError)
    assert info.value.rule == rule
    assert "2026-11-10" in str(info.value)


def test_unknown_rule() -> None:
    with pytest.raises(ValueError, match="unknown expiry rule 'this_year'"):
        resolve_expiry("this_year", WEEKLIES, date(2026, 11, 10))  # type: ignore[arg-type]


DATES = st.dates(min_value=date(2025, 10, 1), max_value=date(2027, 3, 31))


@given(
    expiries=st.lists(DATES, max_size=15, unique=True).map(sorted),
    today=DATES,
    rule=st.sampled_from(EXPIRY_RULES),
)
def test_resolver_properties(expiries: list[date], today: date, rule: str) -> None:
    upcoming = [d for d in expiries if d >= today]
    try:
        got = resolve_expiry(rule, expiries, today)  # type: ignore[arg-type]
    except ExpiryResolutionError:
        months = {(d.year, d.month) for d in upcoming}
        satisfiable = {
            "this_week": len(upcoming) >= 1,
            "next_week": len(upcoming) >= 2,
            "this_month": len(upcoming) >= 1,
            "next_month": len(months) >= 2,
        }
        assert not satisfiable[rule]
        return
    assert got >= today
    assert got in expiries
    first = upcoming[0]
    if rule == "this_week":
        assert got == first
    elif rule == "next_week":
        assert got == upcoming[1]
    elif rule == "this_month":
        assert (got.year, got.month) == (first.year, first.month)
        assert all(d <= got for d in upcoming if (d.year, d.month) == (got.year, got.month))
    else:
        assert (got.year, got.month) > (first.year, first.month)
        between = [d for d in upcoming if (first.year, first.month) < (d.year, d.month)]
        assert (got.year, got.month) == (between[0].year, between[0].month)
        assert got == max(d for d in between if (d.year, d.month) == (got.year, got.month))


# -- strikes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spot", "step", "atm"),
    [
        (24000.0, 50, 24000),
        (24024.99, 50, 24000),
        (24025.0, 50, 24050),  # half rounds up
        (24025.01, 50, 24050),
        (24074.999999, 50, 24050),
        (52049.99, 100, 52000),
        (52050.0, 100, 52100),
        (80000.4, 100, 80000),
        (25.0, 50, 50),
    ],
)
def test_atm_rounding(spot: float, step: int, atm: int) -> None:
    assert atm_strike(spot, step) == atm


@pytest.mark.parametrize("spot", [0.0, -1.0, float("nan"), float("inf")])
def test_atm_rejects_bad_spot(spot: float) -> None:
    with pytest.raises(ValueError, match="spot"):
        atm_strike(spot, 50)


@given(spot=st.floats(min_value=1.0, max_value=200_000.0), step=st.sampled_from([25, 50, 100]))
def test_atm_is_nearest_on_grid(spot: float, step: int) -> None:
    atm = atm_strike(spot, step)
    assert atm % step == 0
    assert -step / 2 < spot - atm <= step / 2


def test_strike_ladder_and_offsets() -> None:
    assert strike_ladder(24000, 50, 2) == (23900, 23950, 24000, 24050, 24100)
    assert len(strike_ladder(52000, 100, 10)) == 21
    assert strike_ladder(24000, 50, 0) == (24000,)
    assert ladder_offsets(50, 2) == (-100, -50, 0, 50, 100)
    assert [format_offset(o) for o in ladder_offsets(100, 1)] == ["-100", "0", "+100"]
    with pytest.raises(ValueError, match="reaches"):
        strike_ladder(100, 50, 2)
    with pytest.raises(ValueError, match="half-width"):
        strike_ladder(24000, 50, -1)
    with pytest.raises(ValueError, match="step"):
        strike_ladder(24000, 0, 1)
