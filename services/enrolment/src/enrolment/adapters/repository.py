"""Maps rows to domain objects and back, inside the unit of work's session.

Lookups consult the batch memo first (``batch.py`` fills it before the handlers run, in a few
set-based queries) and fall back to a query on a miss. Every write here keeps the memo true,
so a later command of the same batch sees it: see docs/adr/0050-enrolment-batch-prefetch.md.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import func, insert
from sqlmodel import Session, col, select

from convenio_chassis.consumer import batch_memo

from ..domain.attendance import AttendanceRecord, AttendanceStatus, Mark
from ..domain.enrolments import Enrolment, EnrolmentStatus
from ..domain.offerings import Course, Offering, SessionType
from ..domain.offerings import Session as PlannedSession
from ..domain.officers import Assignment, Officer, OfficerData, OfficerStatus
from . import memo as keys
from .memo import PendingAttendance, pending_attendance
from .tables import (
    AttendanceRow,
    CourseRow,
    EnrolmentRow,
    OfferingRow,
    OfferingSessionRow,
    OfficerRow,
)

_IDENTITY_FIELDS = tuple(OfficerData.__dataclass_fields__)
_MISS = object()
_ATTENDANCE = AttendanceRow.__table__  # type: ignore[attr-defined]

AttendanceEntry = AttendanceRow | PendingAttendance
"""A current attendance record: stored, or written at the end of the batch."""


def current_key(enrolment_id: str, session_id: str) -> str:
    return f"{enrolment_id}:{session_id}"


class EnrolmentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.memo = batch_memo(session)

    # officers

    def officer_row(self, cuip: str) -> OfficerRow | None:
        row = self.memo.get(keys.officer(cuip), _MISS)
        if row is not _MISS:
            return row  # type: ignore[no-any-return]
        return self.session.exec(select(OfficerRow).where(OfficerRow.cuip == cuip)).first()

    def officer_by_cuip(self, cuip: str) -> Officer | None:
        # Mapping a row costs more than the lookup: an officer's many marks share one mapping.
        officer: Officer | None = self.memo.get(keys.officer_as_domain(cuip))
        if officer is not None:
            return officer
        row = self.officer_row(cuip)
        if row is None:
            return None
        officer = self.memo[keys.officer_as_domain(cuip)] = _officer(row)
        return officer

    def cuip_of_curp(self, curp: str) -> str | None:
        """The CUIP registered with this CURP, this batch's registrations included."""
        held = self.memo.get(keys.curp(curp))
        if held is not None:
            return str(held)
        return self.session.exec(select(OfficerRow.cuip).where(OfficerRow.curp == curp)).first()

    def add_officer(self, officer: Officer) -> None:
        fields = {f: getattr(officer.data, f) for f in _IDENTITY_FIELDS}
        row = OfficerRow(officer_id=officer.officer_id, **fields, **_assigned(officer))
        self.session.add(row)
        self.memo[keys.officer(row.cuip)] = row
        self.memo[keys.officer_as_domain(row.cuip)] = officer
        self.memo[keys.new_officer(row.officer_id)] = True
        self.memo[keys.curp(row.curp)] = row.cuip

    def save_assignment(self, row: OfficerRow, assignment: Assignment) -> None:
        self.memo.pop(keys.officer_as_domain(row.cuip), None)
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
        # A memoised offering was locked by the prefetch, or inserted by this transaction.
        row = self.memo.get(keys.offering(offering_id), _MISS)
        if row is not _MISS:
            return row  # type: ignore[no-any-return]
        query = select(OfferingRow).where(OfferingRow.offering_id == offering_id)
        if for_update:  # serialises intake into one offering across instances (PostgreSQL)
            query = query.with_for_update()
        return self.session.exec(query).first()

    def offering(self, offering_id: str) -> Offering | None:
        offering: Offering | None = self.memo.get(keys.offering_as_domain(offering_id))
        if offering is not None:
            return offering
        row = self.offering_row(offering_id, for_update=True)
        if row is None:
            return None
        offering = self.memo[keys.offering_as_domain(offering_id)] = _offering(row)
        return offering

    def add_offering(self, row: OfferingRow, sessions: list[OfferingSessionRow]) -> None:
        self.session.add(row)
        self.session.add_all(sessions)
        self.memo[keys.offering(row.offering_id)] = row
        self.memo.pop(keys.offering_as_domain(row.offering_id), None)
        self.memo[keys.seats(row.offering_id)] = 0
        for s in sessions:
            self.memo[keys.planned_session(s.offering_id, s.session_id)] = planned_session_of(s)

    def close_offering(self, row: OfferingRow, closed_on: dt.date) -> None:
        row.closed_on = closed_on
        self.session.add(row)
        self.memo.pop(keys.offering_as_domain(row.offering_id), None)

    def sessions(self, offering_id: str) -> list[PlannedSession]:
        query = (
            select(OfferingSessionRow)
            .where(OfferingSessionRow.offering_id == offering_id)
            .order_by(col(OfferingSessionRow.date), col(OfferingSessionRow.session_id))
        )
        return [planned_session_of(row) for row in self.session.exec(query)]

    def planned_session(self, offering_id: str, session_id: str) -> PlannedSession | None:
        found = self.memo.get(keys.planned_session(offering_id, session_id), _MISS)
        if found is not _MISS:
            return found  # type: ignore[no-any-return]
        row = self.session.get(OfferingSessionRow, (offering_id, session_id))
        return None if row is None else planned_session_of(row)

    # enrolments

    def seats_taken(self, offering_id: str) -> int:
        taken = self.memo.get(keys.seats(offering_id))
        if taken is not None:
            return int(taken)
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
        row = self.memo.get(keys.enrolment(officer_id, offering_id), _MISS)
        if row is not _MISS:
            return row  # type: ignore[no-any-return]
        if keys.new_officer(officer_id) in self.memo:
            return None  # registered in this transaction: no enrolment but those memoised
        query = select(EnrolmentRow).where(
            EnrolmentRow.officer_id == officer_id, EnrolmentRow.offering_id == offering_id
        )
        return self.session.exec(query).first()

    def enrolment(self, officer: Officer | None, offering_id: str) -> Enrolment | None:
        if officer is None:
            return None
        row = self.enrolment_row(officer.officer_id, offering_id)
        return None if row is None else _enrolment(row)

    def add_enrolment(self, row: EnrolmentRow) -> None:
        self.session.add(row)
        self.memo[keys.enrolment(row.officer_id, row.offering_id)] = row
        self.memo[keys.new_enrolment(row.enrolment_id)] = True
        self._seats_changed(row.offering_id, +1)

    def withdraw(self, row: EnrolmentRow, reason: str, on: dt.date) -> None:
        taking_a_seat = row.status != EnrolmentStatus.WITHDRAWN
        row.status = EnrolmentStatus.WITHDRAWN
        row.withdrawn_on = on
        row.outcome_reason = reason
        self.session.add(row)
        if taking_a_seat:
            self._seats_changed(row.offering_id, -1)

    def _seats_changed(self, offering_id: str, by: int) -> None:
        key = keys.seats(offering_id)
        if key in self.memo:
            self.memo[key] += by

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

    def current_attendance_row(self, enrolment_id: str, session_id: str) -> AttendanceEntry | None:
        key = current_key(enrolment_id, session_id)
        entry = self.memo.get(keys.attendance(key), _MISS)
        if entry is not _MISS:
            return entry  # type: ignore[no-any-return]
        if keys.new_enrolment(enrolment_id) in self.memo:
            return None  # enrolled in this transaction: no record but those memoised
        write_pending_attendance(self.session)
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

    def add_attendance(self, record: PendingAttendance) -> None:
        """Buffered until the end of the batch (one INSERT for all), unless a savepoint is open:
        then it must be in the database, where rolling the savepoint back undoes it."""
        if self.session.in_nested_transaction() or keys.PREFETCHED not in self.memo:
            row = AttendanceRow(**record.values())
            self.session.add(row)
            self.memo[keys.attendance(record.current_key or "")] = row
            return
        pending_attendance(self.session).append(record)
        self.memo[keys.attendance(record.current_key or "")] = record

    def void_attendance(self, entry: AttendanceEntry, reason: str, voided_event_id: str) -> None:
        key = entry.current_key
        entry.current_key = None
        entry.void_reason = reason
        entry.voided_event_id = voided_event_id
        if isinstance(entry, AttendanceRow):
            self.session.add(entry)
        if key is not None:
            self.memo[keys.attendance(key)] = None  # this transaction just made it so

    def current_marks(self, offering_id: str) -> dict[str, list[tuple[str, Mark]]]:
        """Every current mark of the offering, by enrolment id."""
        write_pending_attendance(self.session)
        query = select(AttendanceRow).where(
            AttendanceRow.offering_id == offering_id, col(AttendanceRow.current_key).is_not(None)
        )
        marks: dict[str, list[tuple[str, Mark]]] = defaultdict(list)
        for row in self.session.exec(query):
            marks[row.enrolment_id].append((row.session_id, _mark(row)))
        return marks


def write_pending_attendance(session: Session, source: str = "") -> None:
    """Insert the batch's buffered attendance records in one statement. It runs after the
    handlers (the chassis's ``after_batch``) and before any query that reads attendance."""
    records = session.info.pop(keys.PENDING_ATTENDANCE, None)
    if not records:
        return
    # Voids of stored records first: they free the current_key a new record may take. (A plain
    # Core insert: the ORM's bulk insert would flush too, but costs more than the rows.)
    session.flush()
    session.connection().execute(insert(_ATTENDANCE), [r.values() for r in records])
    memo = batch_memo(session)
    for r in records:
        # Now stored: a later void must change the row, so it is loaded again when asked for
        # (and its enrolment no longer has only memoised records).
        memo.pop(keys.new_enrolment(r.enrolment_id), None)
        if r.current_key is not None and memo.get(keys.attendance(r.current_key)) is r:
            del memo[keys.attendance(r.current_key)]


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


def planned_session_of(row: OfferingSessionRow) -> PlannedSession:
    return PlannedSession(
        row.session_id, SessionType(row.session_type), row.date, row.planned_minutes
    )


def _enrolment(row: EnrolmentRow) -> Enrolment:
    return Enrolment(row.enrolment_id, row.officer_id, row.offering_id, EnrolmentStatus(row.status))


def _mark(row: AttendanceEntry) -> Mark:
    return Mark(AttendanceStatus(row.status), row.minutes)


def _attendance(row: AttendanceEntry) -> AttendanceRecord:
    return AttendanceRecord(row.attendance_id, row.enrolment_id, row.session_id, _mark(row))
