"""Working-day arithmetic across weekends and each nation's bank holidays."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lantern.insights.workdays import (
    Division,
    OutsideCalendar,
    add_working_days,
    bank_holidays,
    is_working_day,
    working_days_between,
)

# As published on https://www.gov.uk/bank-holidays (2024 to 2026).
PUBLISHED = {
    Division.ENGLAND_AND_WALES: [
        "2024-01-01", "2024-03-29", "2024-04-01", "2024-05-06", "2024-05-27", "2024-08-26",
        "2024-12-25", "2024-12-26", "2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05",
        "2025-05-26", "2025-08-25", "2025-12-25", "2025-12-26", "2026-01-01", "2026-04-03",
        "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28",
    ],
    Division.SCOTLAND: [
        "2024-01-01", "2024-01-02", "2024-03-29", "2024-05-06", "2024-05-27", "2024-08-05",
        "2024-12-02", "2024-12-25", "2024-12-26", "2025-01-01", "2025-01-02", "2025-04-18",
        "2025-05-05", "2025-05-26", "2025-08-04", "2025-12-01", "2025-12-25", "2025-12-26",
        "2026-01-01", "2026-01-02", "2026-04-03", "2026-05-04", "2026-05-25", "2026-08-03",
        "2026-11-30", "2026-12-25", "2026-12-28",
    ],
    Division.NORTHERN_IRELAND: [
        "2024-01-01", "2024-03-18", "2024-03-29", "2024-04-01", "2024-05-06", "2024-05-27",
        "2024-07-12", "2024-08-26", "2024-12-25", "2024-12-26", "2025-01-01", "2025-03-17",
        "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-07-14", "2025-08-25",
        "2025-12-25", "2025-12-26", "2026-01-01", "2026-03-17", "2026-04-03", "2026-04-06",
        "2026-05-04", "2026-05-25", "2026-07-13", "2026-08-31", "2026-12-25", "2026-12-28",
    ],
}  # fmt: skip


@pytest.mark.parametrize("division", list(Division))
def test_shipped_dates_match_published_dates(division: Division) -> None:
    shipped = sorted(d.isoformat() for d in bank_holidays(division) if d.year <= 2026)
    assert shipped == PUBLISHED[division]


def _easter(y: int) -> date:
    """Anonymous Gregorian algorithm (Meeus/Jones/Butcher)."""
    a, b, c = y % 19, y // 100, y % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(y, month, day + 1)


@pytest.mark.parametrize("year", range(2024, 2031))
def test_easter_and_christmas_are_holidays_everywhere(year: int) -> None:
    for division in Division:
        days = bank_holidays(division)
        assert _easter(year) - timedelta(days=2) in days  # Good Friday
        christmas = date(year, 12, 25)
        assert christmas in days or christmas.weekday() >= 5
        assert (_easter(year) + timedelta(days=1) in days) is (division != Division.SCOTLAND)
    assert len(bank_holidays(Division.ENGLAND_AND_WALES)) == 8 * 7
    assert len(bank_holidays(Division.SCOTLAND)) == 9 * 7
    assert len(bank_holidays(Division.NORTHERN_IRELAND)) == 10 * 7


def test_christmas_at_a_weekend() -> None:
    # 25 December 2027 is a Saturday: Monday 27 and Tuesday 28 are the substitute days.
    d = Division.ENGLAND_AND_WALES
    assert add_working_days(date(2027, 12, 24), 1, d) == date(2027, 12, 29)
    assert add_working_days(date(2027, 12, 24), 5, d) == date(2028, 1, 5)  # 3 Jan substitute


def test_five_working_days_over_easter_in_each_nation() -> None:
    thursday = date(2025, 4, 17)  # Good Friday 18th, Easter Monday 21st (not in Scotland)
    assert add_working_days(thursday, 5, Division.ENGLAND_AND_WALES) == date(2025, 4, 28)
    assert add_working_days(thursday, 5, Division.NORTHERN_IRELAND) == date(2025, 4, 28)
    assert add_working_days(thursday, 5, Division.SCOTLAND) == date(2025, 4, 25)
    assert add_working_days(thursday, 1, Division.SCOTLAND) == date(2025, 4, 21)
    assert add_working_days(thursday, 1, Division.ENGLAND_AND_WALES) == date(2025, 4, 22)


def test_friday_event_one_working_day_is_monday() -> None:
    assert add_working_days(date(2026, 11, 20), 1, "england-and-wales") == date(2026, 11, 23)
    # St Andrew's Day, Monday 30 November 2026, is a holiday only in Scotland.
    assert add_working_days(date(2026, 11, 27), 1, "scotland") == date(2026, 12, 1)
    assert add_working_days(date(2026, 11, 27), 1, "england-and-wales") == date(2026, 11, 30)


def test_outside_the_known_years_is_refused() -> None:
    with pytest.raises(OutsideCalendar):
        is_working_day(date(2031, 1, 2), Division.SCOTLAND)
    with pytest.raises(ValueError):
        add_working_days(date(2026, 1, 5), -1, Division.SCOTLAND)


days_in_range = st.dates(min_value=date(2024, 1, 1), max_value=date(2029, 12, 31))
divisions = st.sampled_from(list(Division))


@given(start=days_in_range, n=st.integers(min_value=0, max_value=40), division=divisions)
def test_adding_working_days_lands_on_a_working_day(
    start: date, n: int, division: Division
) -> None:
    due = add_working_days(start, n, division)
    assert due.weekday() < 5
    assert due not in bank_holidays(division)
    assert due >= start
    if n > 0:
        assert due > start
        assert working_days_between(start, due, division) == n


@given(
    a=days_in_range, b=days_in_range, n=st.integers(min_value=0, max_value=30), division=divisions
)
def test_monotonic(a: date, b: date, n: int, division: Division) -> None:
    first, second = sorted((a, b))
    assert add_working_days(first, n, division) <= add_working_days(second, n, division)
    assert add_working_days(first, n, division) <= add_working_days(first, n + 1, division)


@given(start=days_in_range, n=st.integers(min_value=1, max_value=20), division=divisions)
def test_never_more_than_the_calendar_allows(start: date, n: int, division: Division) -> None:
    # n working days never take fewer than n calendar days, nor more than n weeks plus a fortnight.
    due = add_working_days(start, n, division)
    assert n <= (due - start).days <= 7 * ((n + 4) // 5) + 14
    assert working_days_between(due, start, division) == -n
