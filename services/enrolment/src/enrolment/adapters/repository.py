"""Maps rows to domain objects and back, inside the unit of work's session."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func
from sqlmodel import Session, col, select

from ..domain.attendance import AttendanceRecord, AttendanceStatus, Mark
from ..domain.enrolments import Enrolment, EnrolmentStatus
from ..domain.offerings import Course, Offering, SessionType
from ..domain.offerings import Session as PlannedSession
from ..domain.officers import Assignment, Officer, OfficerData, OfficerStatus
from .tables import (
    AttendanceRow,
    CourseRow,
    EnrolmentRow,
    OfferingRow,
    OfferingSessionRow,
    OfficerRow,
)

_IDENTITY_FIELDS = tuple(OfficerData.__dataclass_fields__)


def current_key(enrolment_id: str, session_id: str) -> str:
    return f"{enrolment_id}:{session_id}"


class EnrolmentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # officers

    def officer_row(self, cuip: str) -> OfficerRow | None:
        return self.session.exec(select(OfficerRow).where(OfficerRow.cuip == cuip)).first()

    def officer_by_cuip(self, cuip: str) -> Officer | None:
        row = self.officer_row(cuip)
        return None if row is None else _officer(row)

    def add_officer(self, officer: Officer) -> None:
        fields = {f: getattr(officer.data, f) for f in _IDENTITY_FIELDS}
        self.session.add(OfficerRow(officer_id=officer.officer_id, **fields, **_assigned(officer)))

    def save_assignment(self, row: OfficerRow, assignment: Assignment) -> None:
        row.status = assignment.status
        row.assigned_rank = assignment.rank
        row.assigned_corporation = assignment.corporation
        row.assigned_level = assignment.level
        row.assigned_municipality = assignment.municipality
        self.session.add(row)

    # courses and offerings

    def course_row(self, course_id: str, version: int) -> CourseRow | None:
        return self.session.get(CourseRow, (course_id, version))

    def course(self, course_id: str, version: int) -> Course | None:
        row = self.course_row(course_id, version)
        if row is None:
            return None
        return Course(
            row.course_id,
            row.version,
            row.training_type,
            row.planned_theory_hours,
            row.planned_practice_hours,
        )

    def offering_row(self, offering_id: str, *, for_update: bool = False) -> OfferingRow | None:
        query = select(OfferingRow).where(OfferingRow.offering_id == offering_id)
        if for_update:  # serialises intake into one offering across instances (PostgreSQL)
            query = query.with_for_update()
        return self.session.exec(query).first()

    def offering(self, offering_id: str) -> Offering | None:
        row = self.offering_row(offering_id, for_update=True)
        return None if row is None else _offering(row)

    def sessions(self, offering_id: str) -> list[PlannedSession]:
        query = (
            select(OfferingSessionRow)
            .where(OfferingSessionRow.offering_id == offering_id)
            .order_by(col(OfferingSessionRow.date), col(OfferingSessionRow.session_id))
        )
        return [_session(row) for row in self.session.exec(query)]

    def planned_session(self, offering_id: str, session_id: str) -> PlannedSession | None:
        row = self.session.get(OfferingSessionRow, (offering_id, session_id))
        return None if row is None else _session(row)

    # enrolments

    def seats_taken(self, offering_id: str) -> int:
        query = (
            select(func.count())
            .select_from(EnrolmentRow)
            .where(
                EnrolmentRow.offering_id == offering_id,
                EnrolmentRow.status != EnrolmentStatus.WITHDRAWN,
            )
        )
        return int(self.session.exec(query).one())

    def enrolment_row(self, officer_id: str, offering_id: str) -> EnrolmentRow | None:
        query = select(EnrolmentRow).where(
            EnrolmentRow.officer_id == officer_id, EnrolmentRow.offering_id == offering_id
        )
        return self.session.exec(query).first()

    def enrolment(self, officer: Officer | None, offering_id: str) -> Enrolment | None:
        if officer is None:
            return None
        row = self.enrolment_row(officer.officer_id, offering_id)
        return None if row is None else _enrolment(row)

    def active_enrolments(self, offering_id: str) -> list[EnrolmentRow]:
        query = (
            select(EnrolmentRow)
            .where(
                EnrolmentRow.offering_id == offering_id,
                EnrolmentRow.status == EnrolmentStatus.ACTIVE,
            )
            .order_by(col(EnrolmentRow.enrolment_id))
        )
        return list(self.session.exec(query))

    # attendance

    def current_attendance_row(self, enrolment_id: str, session_id: str) -> AttendanceRow | None:
        key = current_key(enrolment_id, session_id)
        return self.session.exec(
            select(AttendanceRow).where(AttendanceRow.current_key == key)
        ).first()

    def current_attendance(
        self, enrolment: Enrolment | None, session_id: str
    ) -> AttendanceRecord | None:
        if enrolment is None:
            return None
        row = self.current_attendance_row(enrolment.enrolment_id, session_id)
        return None if row is None else _attendance(row)

    def current_marks(self, offering_id: str) -> dict[str, list[tuple[str, Mark]]]:
        """Every current mark of the offering, by enrolment id."""
        query = select(AttendanceRow).where(
            AttendanceRow.offering_id == offering_id, col(AttendanceRow.current_key).is_not(None)
        )
        marks: dict[str, list[tuple[str, Mark]]] = defaultdict(list)
        for row in self.session.exec(query):
            marks[row.enrolment_id].append((row.session_id, _mark(row)))
        return marks


def _assigned(officer: Officer) -> dict[str, object]:
    a = officer.assignment
    return {
        "status": a.status,
        "assigned_rank": a.rank,
        "assigned_corporation": a.corporation,
        "assigned_level": a.level,
        "assigned_municipality": a.municipality,
    }


def _officer(row: OfficerRow) -> Officer:
    data = OfficerData(**{f: getattr(row, f) for f in _IDENTITY_FIELDS})
    assignment = Assignment(
        OfficerStatus(row.status),
        row.assigned_rank,
        row.assigned_corporation,
        row.assigned_level,
        row.assigned_municipality,
    )
    return Officer(row.officer_id, data, assignment)


def _offering(row: OfferingRow) -> Offering:
    return Offering(
        row.offering_id,
        row.course_id,
        row.course_version,
        row.capacity,
        row.starts_on,
        row.ends_on,
        row.closed_on,
    )


def _session(row: OfferingSessionRow) -> PlannedSession:
    return PlannedSession(
        row.session_id, SessionType(row.session_type), row.date, row.planned_minutes
    )


def _enrolment(row: EnrolmentRow) -> Enrolment:
    return Enrolment(row.enrolment_id, row.officer_id, row.offering_id, EnrolmentStatus(row.status))


def _mark(row: AttendanceRow) -> Mark:
    return Mark(AttendanceStatus(row.status), row.minutes)


def _attendance(row: AttendanceRow) -> AttendanceRecord:
    return AttendanceRecord(row.attendance_id, row.enrolment_id, row.session_id, _mark(row))
