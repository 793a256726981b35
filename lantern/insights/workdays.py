"""Working days in the three UK bank-holiday calendars.

Pure module (no database): the Victims' Code clocks count working days, which skip weekends
and the bank holidays of the force's nation. The dates ship in `data/uk-bank-holidays.json`
in the GOV.UK `bank-holidays.json` format (its `_source` key says where they come from).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "uk-bank-holidays.json"


class Division(StrEnum):
    ENGLAND_AND_WALES = "england-and-wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern-ireland"


DIVISION_LABELS = {
    Division.ENGLAND_AND_WALES: "England and Wales",
    Division.SCOTLAND: "Scotland",
    Division.NORTHERN_IRELAND: "Northern Ireland",
}


class OutsideCalendar(ValueError):
    """A date beyond the years whose bank holidays are known: guessing would be wrong."""


@cache
def _load() -> dict[str, dict[date, str]]:
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return {
        division: {date.fromisoformat(e["date"]): e["title"] for e in raw[division]["events"]}
        for division in Division
    }


def bank_holidays(division: Division | str) -> dict[date, str]:
    return _load()[Division(division)]


@cache
def covered_years(division: Division | str) -> range:
    years = {d.year for d in bank_holidays(division)}
    return range(min(years), max(years) + 1)


def _check(day: date, division: Division | str) -> None:
    if day.year not in covered_years(division):
        years = covered_years(division)
        raise OutsideCalendar(
            f"Bank holidays are known for {years.start} to {years.stop - 1} only: "
            "add the new year's dates to uk-bank-holidays.json"
        )


def is_working_day(day: date, division: Division | str) -> bool:
    _check(day, division)
    return day.weekday() < 5 and day not in bank_holidays(division)


def add_working_days(start: date, days: int, division: Division | str) -> date:
    """The date `days` working days after `start` (the day of the event does not count,
    whether or not it is a working day). Zero days gives the next working day on or after
    `start`."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    if days == 0:
        while not is_working_day(day, division):
            day += timedelta(days=1)
        return day
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, division):
            counted += 1
    return day


def working_days_between(start: date, end: date, division: Division | str) -> int:
    """Working days after `start` up to and including `end` (negative if `end` is earlier)."""
    if end < start:
        return -working_days_between(end, start, division)
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day, division):
            count += 1
    return count
