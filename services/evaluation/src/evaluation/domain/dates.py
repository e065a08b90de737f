"""Validity periods, counted date to date.

A period of N years that starts on 29 February ends on 28 February when the final year has no
29 February: where the final month has no equivalent day the period ends on its last day, as
civil codes count terms, so a leap day never lends a certification an extra day.
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


def valid_until(valid_from: dt.date, years: int) -> dt.date:
    """The last day a result is in force: its anniversary ``years`` later, inclusive."""
    return add_years(valid_from, years)


def in_force(until: dt.date | None, on: dt.date) -> bool:
    """None means it never expires (formación inicial)."""
    return until is None or on <= until
