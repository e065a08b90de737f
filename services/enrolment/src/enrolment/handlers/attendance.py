"""Attendance intake: record a mark, or void it so that a correction can follow."""

from __future__ import annotations

from typing import Protocol

from convenio_chassis.consumer import UnitOfWork
from convenio_contracts.enrolment import (
    AttendanceRecorded,
    RecordAttendance,
    RecordVoided,
    VoidAttendance,
)

from ..adapters.memo import PendingAttendance
from ..adapters.repository import EnrolmentRepository, current_key
from ..domain.attendance import (
    AttendanceStatus,
    Mark,
    Target,
    check_record,
    check_void,
    locate,
)
from .intake import command, new_id


class _AboutASession(Protocol):
    @property
    def cuip(self) -> str: ...
    @property
    def offering_id(self) -> str: ...
    @property
    def session_id(self) -> str: ...


def _target(repo: EnrolmentRepository, cmd: _AboutASession) -> Target:
    officer = repo.officer_by_cuip(cmd.cuip)
    offering = repo.offering(cmd.offering_id)
    session = repo.planned_session(cmd.offering_id, cmd.session_id) if offering else None
    return locate(officer, offering, session, repo.enrolment(officer, cmd.offering_id))


@command(RecordAttendance)
def record_attendance(uow: UnitOfWork, cmd: RecordAttendance) -> None:
    repo = EnrolmentRepository(uow.session)
    target = _target(repo, cmd)
    enrolment, session = target.enrolment, target.session
    mark = Mark(AttendanceStatus(cmd.status), cmd.minutes)
    if not check_record(target, repo.current_attendance(enrolment, session.session_id), mark):
        return
    attendance_id = new_id("att")
    fact_event_id = uow.emit(
        AttendanceRecorded(
            attendance_id=attendance_id,
            enrolment_id=enrolment.enrolment_id,
            officer_id=enrolment.officer_id,
            offering_id=enrolment.offering_id,
            session_id=session.session_id,
            session_type=session.session_type.value,
            session_date=session.date,
            planned_minutes=session.planned_minutes,
            status=mark.status.value,
            minutes=mark.minutes,
        ),
    )
    repo.add_attendance(
        PendingAttendance(
            attendance_id=attendance_id,
            enrolment_id=enrolment.enrolment_id,
            offering_id=enrolment.offering_id,
            session_id=session.session_id,
            status=mark.status.value,
            minutes=mark.minutes,
            fact_event_id=fact_event_id,
            current_key=current_key(enrolment.enrolment_id, session.session_id),
        )
    )


@command(VoidAttendance)
def void_attendance(uow: UnitOfWork, cmd: VoidAttendance) -> None:
    repo = EnrolmentRepository(uow.session)
    target = _target(repo, cmd)
    check_void(repo.current_attendance(target.enrolment, cmd.session_id))
    row = repo.current_attendance_row(target.enrolment.enrolment_id, cmd.session_id)
    assert row is not None
    voided_event_id = uow.emit(
        RecordVoided(
            officer_id=target.enrolment.officer_id,
            voided_event_id=row.fact_event_id,
            voided_event_type=AttendanceRecorded.event_type,
            voided_record_id=row.attendance_id,
            reason=cmd.reason,
        ),
    )
    repo.void_attendance(row, cmd.reason, voided_event_id)
