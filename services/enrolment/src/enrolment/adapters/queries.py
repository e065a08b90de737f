"""Read-side queries for the HTTP API. They select columns explicitly, so the CUIP, CURP and
name are never even loaded for an answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, func
from sqlmodel import Session, col, select

from ..domain.enrolments import EnrolmentStatus
from .tables import CourseRow, EnrolmentRow, OfferingRow, OfferingSessionRow, OfficerRow


@dataclass(frozen=True)
class OfferingFill:
    offering: OfferingRow
    seats_taken: int
    sessions: int


def officer_id_for(session: Session, cuip: str) -> str | None:
    query = select(OfficerRow.officer_id).where(OfficerRow.cuip == cuip)
    return session.exec(query).first()


def officer_assignment(session: Session, officer_id: str) -> Row[Any] | None:
    query = select(
        OfficerRow.officer_id,
        OfficerRow.status,
        OfficerRow.assigned_corporation,
        OfficerRow.assigned_rank,
        OfficerRow.assigned_level,
        OfficerRow.assigned_municipality,
        OfficerRow.profile,
    ).where(OfficerRow.officer_id == officer_id)
    return session.execute(query).first()


def training_of(session: Session, officer_id: str) -> Sequence[Row[Any]]:
    """Every enrolment of the officer, oldest first, with its course's plan."""
    query = (
        select(EnrolmentRow, OfferingRow, CourseRow)
        .join(OfferingRow, col(OfferingRow.offering_id) == col(EnrolmentRow.offering_id))
        .join(
            CourseRow,
            (col(CourseRow.course_id) == col(OfferingRow.course_id))
            & (col(CourseRow.version) == col(OfferingRow.course_version)),
        )
        .where(EnrolmentRow.officer_id == officer_id)
        .order_by(col(EnrolmentRow.enrolled_on), col(EnrolmentRow.enrolment_id))
    )
    return session.execute(query).all()


def offerings(
    session: Session, course_id: str | None = None, offering_id: str | None = None
) -> list[OfferingFill]:
    seats = (
        select(EnrolmentRow.offering_id, func.count().label("n"))
        .where(EnrolmentRow.status != EnrolmentStatus.WITHDRAWN)
        .group_by(col(EnrolmentRow.offering_id))
        .subquery()
    )
    sessions = (
        select(OfferingSessionRow.offering_id, func.count().label("n"))
        .group_by(col(OfferingSessionRow.offering_id))
        .subquery()
    )
    query = (
        select(OfferingRow, func.coalesce(seats.c.n, 0), func.coalesce(sessions.c.n, 0))
        .outerjoin(seats, seats.c.offering_id == OfferingRow.offering_id)
        .outerjoin(sessions, sessions.c.offering_id == OfferingRow.offering_id)
        .order_by(col(OfferingRow.starts_on), col(OfferingRow.offering_id))
    )
    if course_id is not None:
        query = query.where(OfferingRow.course_id == course_id)
    if offering_id is not None:
        query = query.where(OfferingRow.offering_id == offering_id)
    return [OfferingFill(row, int(n), int(s)) for row, n, s in session.execute(query).all()]


def enrolment(session: Session, enrolment_id: str) -> EnrolmentRow | None:
    return session.get(EnrolmentRow, enrolment_id)
