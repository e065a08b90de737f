from __future__ import annotations

import datetime as dt

import pytest

from reporting.domain.cells import cell_key
from reporting.domain.periods import (
    labels_of,
    month,
    months_of,
    overlapping,
    parse_period,
    periods_in_year,
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
    assert labels_of(day) == labels
    assert all(p.start <= day < p.end for p in periods)


def test_period_bounds_are_half_open_and_round_trip() -> None:
    assert month(dt.date(2026, 12, 5)).end == dt.date(2027, 1, 1)
    assert quarter(dt.date(2026, 11, 5)).end == dt.date(2027, 1, 1)
    assert quarter(dt.date(2026, 2, 5)).last_day == dt.date(2026, 3, 31)
    for label in ("2026-02", "2026-Q3", "2026"):
        assert parse_period(label).label == label
    assert [m.label for m in months_of(parse_period("2026-Q2"))] == [
        "2026-04",
        "2026-05",
        "2026-06",
    ]


def test_a_year_has_seventeen_periods_and_only_those_the_data_spans_are_kept() -> None:
    assert len(periods_in_year(2026)) == 17
    kept = overlapping(2026, dt.date(2026, 2, 10), dt.date(2026, 4, 2))
    assert [p.label for p in kept] == [
        "2026-02",
        "2026-03",
        "2026-04",
        "2026-Q1",
        "2026-Q2",
        "2026",
    ]


def test_a_period_is_closed_once_data_exists_past_its_end() -> None:
    q1 = parse_period("2026-Q1")
    assert not q1.closed_by(None)
    assert not q1.closed_by(dt.date(2026, 3, 31))
    assert q1.closed_by(dt.date(2026, 4, 1))


def test_cell_keys_name_indicator_period_geography_level_and_breakdown() -> None:
    assert cell_key("training.enrolments", "2026-03", "municipality:15106") == (
        "training.enrolments:2026-03:municipality:15106"
    )
    assert cell_key("x", "2026", "state:15", breakdown_="sex:mujer") == (
        "x:2026:state:15:sex:mujer"
    )
    assert cell_key("x", "2026", "state:15", "estatal", "sex:mujer") == (
        "x:2026:state:15:level:estatal:sex:mujer"
    )


def test_the_indicator_reference_in_docs_is_generated_from_the_registry() -> None:
    from pathlib import Path

    from reporting.reference import markdown

    docs = Path(__file__).resolve().parents[3] / "docs" / "indicators.md"
    assert docs.read_text() == markdown(), (
        "run: uv run python -m reporting.reference > docs/indicators.md"
    )
