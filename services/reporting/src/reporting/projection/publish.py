"""Publishing a table: only cells whose content changed go out, each with its revision + 1;
cells that count nobody any more are withdrawn with a tombstone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session

from convenio_contracts.reporting import IndicatorPublished, LevelFilter, PeriodType
from convenio_contracts.topics import REPORTING_INDICATORS

from ..adapters import facts, outbox
from ..adapters.tables import PublishedCell
from ..domain.feed import Figure, as_datetime
from ..domain.periods import parse_period

COMPARED = (
    "cell_key",
    "revision",
    "withdrawn",
    "methodology_version",
    "value",
    "numerator",
    "denominator",
    "suppressed",
    "as_of",
)
"""What the diff reads of a published cell: its key, revision, state and content."""


def _content(row: Any) -> tuple[object, ...]:
    return (
        row.methodology_version,
        row.value,
        row.numerator,
        row.denominator,
        row.suppressed,
        row.as_of,
    )


def publish_changes(
    session: Session,
    source: str,
    family: str,
    year: int,
    new: Sequence[Figure],
    publish: bool,
) -> tuple[int, int]:
    t = PublishedCell.__table__  # type: ignore[attr-defined]
    query = select(*(t.c[c] for c in COMPARED)).where(t.c.family == family, t.c.year == str(year))
    existing = {r.cell_key: r for r in session.execute(query).all()}
    rows: list[dict[str, Any]] = []
    for figure in new:
        key = figure.key
        old = existing.pop(key, None)
        if old is not None and not old.withdrawn and _content(old) == figure.content():
            continue
        revision = (old.revision + 1) if old is not None else 1
        rows.append(_row(key, figure, family, year, revision))
    facts.upsert(session, PublishedCell, rows)
    gone = [r.cell_key for r in existing.values() if not r.withdrawn]
    for part in facts.chunks(gone):
        session.execute(
            update(t)
            .where(t.c.cell_key.in_(part))
            .values(withdrawn=True, revision=t.c.revision + 1)
        )
    if publish:
        outbox.add_events(session, (to_event(r) for r in rows), source)
        outbox.add_tombstones(session, REPORTING_INDICATORS.name, gone)
    return len(rows), len(gone)


def _row(key: str, figure: Figure, family: str, year: int, revision: int) -> dict[str, Any]:
    cell = figure.cell
    return {
        "cell_key": key,
        "indicator": figure.indicator,
        "family": family,
        "year": str(year),
        "methodology_version": figure.methodology_version,
        "period": cell.period,
        "period_type": parse_period(cell.period).kind,
        "geography": cell.geography,
        "level": cell.level,
        "breakdown": cell.breakdown,
        "value": figure.value,
        "numerator": figure.numerator,
        "denominator": figure.denominator,
        "suppressed": figure.suppressed,
        "revision": revision,
        "as_of": figure.as_of,
        "withdrawn": False,
    }


def to_event(cell: Mapping[str, Any]) -> IndicatorPublished:
    """The feed's record for a stored cell (a row of ``published_cell``, as a mapping)."""
    return IndicatorPublished(
        cell_key=cell["cell_key"],
        indicator=cell["indicator"],
        methodology_version=cell["methodology_version"],
        period=cell["period"],
        period_type=PeriodType(cell["period_type"]),
        geography=cell["geography"],
        level=LevelFilter(cell["level"]),
        breakdown=cell["breakdown"],
        value=cell["value"],
        numerator=cell["numerator"],
        denominator=cell["denominator"],
        suppressed=cell["suppressed"],
        revision=cell["revision"],
        computed_at=as_datetime(cell["as_of"]),
    )
