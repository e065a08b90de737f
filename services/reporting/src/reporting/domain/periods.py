"""Reporting periods: month, quarter and year, as half-open date ranges with stable labels
(``2026-03``, ``2026-Q1``, ``2026``) that the feed's cell keys and ONC's tables use."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

MONTH, QUARTER, YEAR = "month", "quarter", "year"
PERIOD_TYPES = (MONTH, QUARTER, YEAR)


@dataclass(frozen=True, order=True)
class Period:
    label: str
    kind: str
    start: dt.date
    end: dt.date
    """Exclusive."""

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def year(self) -> int:
        return self.start.year

    def closed_by(self, horizon: dt.date | None, grace_days: int = 0) -> bool:
        """True when the data reaches ``grace_days`` past the period's end: facts of the period
        still travelling on other topics have had time to arrive."""
        return horizon is not None and horizon >= self.end + dt.timedelta(days=grace_days)


def month(day: dt.date) -> Period:
    start = day.replace(day=1)
    end = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return Period(f"{start:%Y-%m}", MONTH, start, end)


def quarter(day: dt.date) -> Period:
    q = (day.month - 1) // 3
    start = dt.date(day.year, 3 * q + 1, 1)
    end = dt.date(day.year + (q == 3), (3 * q + 3) % 12 + 1, 1)
    return Period(f"{day.year}-Q{q + 1}", QUARTER, start, end)


def year(day: dt.date) -> Period:
    return Period(str(day.year), YEAR, dt.date(day.year, 1, 1), dt.date(day.year + 1, 1, 1))


def periods_of(day: dt.date) -> tuple[Period, Period, Period]:
    return month(day), quarter(day), year(day)


def labels_of(day: dt.date) -> tuple[str, str, str]:
    """The month, quarter and year labels a dated fact is stored with."""
    return f"{day:%Y-%m}", f"{day.year}-Q{(day.month - 1) // 3 + 1}", str(day.year)


@cache
def parse_period(label: str) -> Period:
    if "-Q" in label:
        y, q = label.split("-Q")
        return quarter(dt.date(int(y), 3 * (int(q) - 1) + 1, 1))
    if "-" in label:
        y, m = label.split("-")
        return month(dt.date(int(y), int(m), 1))
    return year(dt.date(int(label), 1, 1))


def periods_in_year(y: int) -> tuple[Period, ...]:
    """The 17 periods of a year: twelve months, four quarters and the year itself."""
    months = tuple(month(dt.date(y, m, 1)) for m in range(1, 13))
    quarters = tuple(quarter(dt.date(y, m, 1)) for m in (1, 4, 7, 10))
    return (*months, *quarters, year(dt.date(y, 1, 1)))


def months_of(period: Period) -> tuple[Period, ...]:
    if period.kind == MONTH:
        return (period,)
    out: list[Period] = []
    day = period.start
    while day < period.end:
        out.append(month(day))
        day = out[-1].end
    return tuple(out)


def quarters_of(period: Period) -> tuple[Period, ...]:
    return tuple(quarter(dt.date(period.year, m, 1)) for m in (1, 4, 7, 10))


def overlapping(y: int, first: dt.date, horizon: dt.date) -> tuple[Period, ...]:
    """The periods of year ``y`` that overlap the span for which data exists."""
    return tuple(p for p in periods_in_year(y) if p.start <= horizon and p.end > first)
