"""Indicators ONC can cite: each has a code, a readable definition and a methodology version.
Cells are computed per period (month, quarter, year) and geography (state, municipality)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

STATE = "state:15"


@dataclass(frozen=True)
class Indicator:
    code: str
    title: str
    definition: str
    unit: str
    methodology_version: str


ENROLMENTS = Indicator(
    code="training.enrolments",
    title="Enrolments",
    definition=(
        "Number of enrolments created in the period, by the municipality of the enrolled "
        "officer's assignment. Cells covering fewer than k distinct officers are suppressed."
    ),
    unit="enrolments",
    methodology_version="1.0",
)

CATALOGUE: dict[str, Indicator] = {i.code: i for i in (ENROLMENTS,)}


@dataclass(frozen=True, order=True)
class Period:
    label: str
    kind: str
    start: dt.date
    end: dt.date
    """Exclusive."""


def month(day: dt.date) -> Period:
    start = day.replace(day=1)
    end = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return Period(f"{start:%Y-%m}", "month", start, end)


def quarter(day: dt.date) -> Period:
    q = (day.month - 1) // 3
    start = dt.date(day.year, 3 * q + 1, 1)
    end = dt.date(day.year + (q == 3), (3 * q + 3) % 12 + 1, 1)
    return Period(f"{day.year}-Q{q + 1}", "quarter", start, end)


def year(day: dt.date) -> Period:
    return Period(str(day.year), "year", dt.date(day.year, 1, 1), dt.date(day.year + 1, 1, 1))


def periods_of(day: dt.date) -> tuple[Period, Period, Period]:
    return month(day), quarter(day), year(day)


def parse_period(label: str) -> Period:
    if "-Q" in label:
        y, q = label.split("-Q")
        return quarter(dt.date(int(y), 3 * (int(q) - 1) + 1, 1))
    if "-" in label:
        y, m = label.split("-")
        return month(dt.date(int(y), int(m), 1))
    return year(dt.date(int(label), 1, 1))


def municipality_geo(code: int) -> str:
    return f"municipality:{code}"


def geographies_of(municipality: int) -> tuple[str, str]:
    return municipality_geo(municipality), STATE


def cell_key(indicator: str, period: str, geography: str, breakdown: str = "all") -> str:
    key = f"{indicator}:{period}:{geography}"
    return key if breakdown == "all" else f"{key}:{breakdown}"


@dataclass(frozen=True)
class CellValue:
    value: float | None
    numerator: int | None
    denominator: int | None
    suppressed: bool


def count_cell(count: int, officers: int, k: int) -> CellValue:
    """A count of records; withheld when it covers fewer than ``k`` distinct officers."""
    if officers < k:
        return CellValue(None, None, None, True)
    return CellValue(float(count), count, None, False)
