"""The indicator projection: facts mark the cells they touch as dirty; before the batch commits,
each dirty cell is recomputed from the fact tables and republished, with a higher revision,
only if it changed. Late and corrected facts therefore revise past periods, and a replay from
offset zero rebuilds the same cells.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import distinct, func
from sqlmodel import Session, col, delete, select

from convenio_chassis.outbox import outbox_row_for
from convenio_chassis.tracing import continued_span, current_trace_headers
from convenio_contracts.reporting import IndicatorPublished, LevelFilter, PeriodType

from .adapters.tables import DirtyCell, EnrolmentFact, OfficerDim, PublishedCell
from .domain import indicators as ind


def mark_enrolment_cells(session: Session, municipality: int, day: dt.date) -> None:
    """Mark the cells an enrolment on ``day`` counts in; the current span is remembered so the
    republished cell stays in the trace of the event that changed it."""
    trace_headers = current_trace_headers()
    for period in ind.periods_of(day):
        for geo in ind.geographies_of(municipality):
            key = ind.cell_key(ind.ENROLMENTS.code, period.label, geo)
            session.merge(
                DirtyCell(
                    cell_key=key,
                    indicator=ind.ENROLMENTS.code,
                    period=period.label,
                    geography=geo,
                    traceparent=trace_headers.get("traceparent"),
                    tracestate=trace_headers.get("tracestate"),
                )
            )


def _enrolment_counts(session: Session, period: ind.Period, geography: str) -> tuple[int, int]:
    query = (
        select(func.count(), func.count(distinct(EnrolmentFact.officer_id)))
        .select_from(EnrolmentFact)
        .join(OfficerDim, col(OfficerDim.officer_id) == col(EnrolmentFact.officer_id))
        .where(EnrolmentFact.enrolled_on >= period.start, EnrolmentFact.enrolled_on < period.end)
    )
    if geography != ind.STATE:
        query = query.where(OfficerDim.municipality == int(geography.split(":")[1]))
    count, officers = session.exec(query).one()
    return int(count), int(officers)


def compute(session: Session, cell: DirtyCell, k: int) -> ind.CellValue:
    period = ind.parse_period(cell.period)
    count, officers = _enrolment_counts(session, period, cell.geography)
    return ind.count_cell(count, officers, k)


def refresh(session: Session, source: str, k: int) -> int:
    """Recompute every dirty cell; publish those that changed. Returns how many were published."""
    dirty = list(session.exec(select(DirtyCell).order_by(col(DirtyCell.cell_key))))
    published = 0
    for cell in dirty:
        headers = {
            k_: v
            for k_, v in (("traceparent", cell.traceparent), ("tracestate", cell.tracestate))
            if v
        }
        with continued_span("indicator refresh", headers, indicator=cell.indicator):
            published += _publish_if_changed(session, source, cell, compute(session, cell, k))
    session.execute(delete(DirtyCell))
    return published


def _publish_if_changed(
    session: Session, source: str, cell: DirtyCell, value: ind.CellValue
) -> int:
    current = session.get(PublishedCell, cell.cell_key)
    if current is not None and (
        current.value,
        current.numerator,
        current.denominator,
        current.suppressed,
    ) == (value.value, value.numerator, value.denominator, value.suppressed):
        return 0
    indicator = ind.CATALOGUE[cell.indicator]
    period = ind.parse_period(cell.period)
    row = PublishedCell(
        cell_key=cell.cell_key,
        indicator=indicator.code,
        methodology_version=indicator.methodology_version,
        period=period.label,
        period_type=period.kind,
        geography=cell.geography,
        value=value.value,
        numerator=value.numerator,
        denominator=value.denominator,
        suppressed=value.suppressed,
        revision=(current.revision + 1) if current else 1,
        computed_at=dt.datetime.now(dt.UTC),
    )
    session.merge(row)
    session.add(outbox_row_for(to_event(row), source=source))
    return 1


def to_event(row: PublishedCell) -> IndicatorPublished:
    return IndicatorPublished(
        cell_key=row.cell_key,
        indicator=row.indicator,
        methodology_version=row.methodology_version,
        period=row.period,
        period_type=PeriodType(row.period_type),
        geography=row.geography,
        level=LevelFilter(row.level),
        breakdown=row.breakdown,
        value=row.value,
        numerator=row.numerator,
        denominator=row.denominator,
        suppressed=row.suppressed,
        revision=row.revision,
        computed_at=row.computed_at,
    )


def enrolment_days_of(session: Session, officer_id: str) -> Iterable[dt.date]:
    return session.exec(
        select(EnrolmentFact.enrolled_on).where(EnrolmentFact.officer_id == officer_id)
    )
