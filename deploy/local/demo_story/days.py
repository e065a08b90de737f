"""The story's calendar: every date counts back from the day it is told, so the results
are in force whenever the demo runs."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LOCAL_TIME = ZoneInfo("America/Mexico_City")


def today_in_mexico() -> dt.date:
    """The day the story is told, as the evaluation service's clock reads it."""
    return dt.datetime.now(LOCAL_TIME).date()


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def quarter_of(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
