from __future__ import annotations

import datetime as dt

import pytest

from reporting.domain.indicators import (
    CellValue,
    cell_key,
    count_cell,
    month,
    parse_period,
    periods_of,
    quarter,
)


@pytest.mark.parametrize(
    ("day", "labels"),
    [
        (dt.date(2026, 1, 1), ("2026-01", "2026-Q1", "2026")),
        (dt.date(2026, 3, 31), ("2026-03", "2026-Q1", "2026")),
        (dt.date(2026, 12, 31), ("2026-12", "2026-Q4", "2026")),
        (dt.date(2024, 2, 29), ("2024-02", "2024-Q1", "2024")),
    ],
)
def test_a_day_falls_in_its_month_quarter_and_year(day: dt.date, labels: tuple[str, ...]) -> None:
    periods = periods_of(day)
    assert tuple(p.label for p in periods) == labels
    assert all(p.start <= day < p.end for p in periods)


def test_period_bounds_are_half_open_and_round_trip() -> None:
    assert month(dt.date(2026, 12, 5)).end == dt.date(2027, 1, 1)
    assert quarter(dt.date(2026, 11, 5)).end == dt.date(2027, 1, 1)
    for label in ("2026-02", "2026-Q3", "2026"):
        assert parse_period(label).label == label


def test_cell_keys_name_indicator_period_geography_and_breakdown() -> None:
    assert cell_key("training.enrolments", "2026-03", "municipality:15106") == (
        "training.enrolments:2026-03:municipality:15106"
    )
    assert cell_key("x", "2026", "state:15", "sex:mujer") == "x:2026:state:15:sex:mujer"


@pytest.mark.parametrize(
    ("count", "officers", "expected"),
    [
        (4, 4, CellValue(None, None, None, True)),
        (9, 4, CellValue(None, None, None, True)),  # many records, but only 4 people
        (5, 5, CellValue(5.0, 5, None, False)),
        (0, 0, CellValue(None, None, None, True)),
    ],
)
def test_cells_covering_fewer_than_k_officers_are_suppressed(count, officers, expected) -> None:
    assert count_cell(count, officers, k=5) == expected
