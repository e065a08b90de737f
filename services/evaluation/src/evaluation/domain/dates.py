"""Validity periods, counted date to date (ADR 0075).

A result is in force for N whole years: from the day it was evaluated to the day before its
anniversary. The anniversary of 29 February in a year without one is 1 March, so a result of
2024-02-29 is in force through 2027-02-28 and a leap day never lends it an extra day.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable

Clock = Callable[[], dt.date]
"""Today's date where UMS works; injected, so tests and the scheduler agree on it."""


def add_years(start: dt.date, years: int) -> dt.date:
    year = start.year + years
    last_day = calendar.monthrange(year, start.month)[1]
    return start.replace(year=year, day=min(start.day, last_day))


def anniversary(start: dt.date, years: int) -> dt.date:
    """The day ``years`` whole years after ``start`` have passed."""
    year = start.year + years
    if (start.month, start.day) == (2, 29) and not calendar.isleap(year):
        return dt.date(year, 3, 1)
    return start.replace(year=year)


def valid_until(valid_from: dt.date, years: int) -> dt.date:
    """The last day a result is in force: the day before its anniversary ``years`` later."""
    return anniversary(valid_from, years) - dt.timedelta(days=1)


def in_force(until: dt.date | None, on: dt.date) -> bool:
    """None means it never expires (formación inicial)."""
    return until is None or on <= until
