"""Maps rows to domain objects and back, inside the unit of work's session."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from ..domain.model import Offering, Officer, OfficerData, OfficerStatus
from .tables import CourseRow, EnrolmentRow, OfferingRow, OfficerRow

_IDENTITY_FIELDS = tuple(OfficerData.__dataclass_fields__)


class EnrolmentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def officer_by_cuip(self, cuip: str) -> Officer | None:
        row = self.session.exec(select(OfficerRow).where(OfficerRow.cuip == cuip)).first()
        if row is None:
            return None
        data = OfficerData(**{f: getattr(row, f) for f in _IDENTITY_FIELDS})
        return Officer(row.officer_id, data, OfficerStatus(row.status))

    def add_officer(self, officer: Officer) -> None:
        fields = {f: getattr(officer.data, f) for f in _IDENTITY_FIELDS}
        self.session.add(OfficerRow(officer_id=officer.officer_id, status=officer.status, **fields))

    def course(self, course_id: str, version: int) -> CourseRow | None:
        return self.session.get(CourseRow, (course_id, version))

    def offering_row(self, offering_id: str, *, for_update: bool = False) -> OfferingRow | None:
        query = select(OfferingRow).where(OfferingRow.offering_id == offering_id)
        if for_update:  # serialises enrolments into one offering across instances (PostgreSQL)
            query = query.with_for_update()
        return self.session.exec(query).first()

    def offering(self, offering_id: str) -> Offering | None:
        row = self.offering_row(offering_id, for_update=True)
        if row is None:
            return None
        return Offering(row.offering_id, row.course_id, row.capacity, row.starts_on, row.ends_on)

    def active_enrolments(self, offering_id: str) -> int:
        query = (
            select(func.count())
            .select_from(EnrolmentRow)
            .where(EnrolmentRow.offering_id == offering_id, EnrolmentRow.status == "active")
        )
        return int(self.session.exec(query).one())

    def is_enrolled(self, officer_id: str, offering_id: str) -> bool:
        query = select(EnrolmentRow.enrolment_id).where(
            EnrolmentRow.officer_id == officer_id, EnrolmentRow.offering_id == offering_id
        )
        return self.session.exec(query).first() is not None
