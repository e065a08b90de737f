"""Attendance: one current record per enrolment and session; corrections void, never edit."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .enrolments import Enrolment, EnrolmentStatus, found
from .offerings import Offering, Session
from .officers import Officer
from .refusals import RefusalReason, Refused


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    JUSTIFIED = "justified"
    LATE = "late"


@dataclass(frozen=True)
class Mark:
    """What a register says about one officer at one session."""

    status: AttendanceStatus
    minutes: int


@dataclass(frozen=True)
class AttendanceRecord:
    attendance_id: str
    enrolment_id: str
    session_id: str
    mark: Mark


@dataclass(frozen=True)
class Target:
    """The enrolment and session an attendance command is about."""

    officer: Officer
    offering: Offering
    session: Session
    enrolment: Enrolment


def locate(
    officer: Officer | None,
    offering: Offering | None,
    session: Session | None,
    enrolment: Enrolment | None,
) -> Target:
    officer, offering = found(officer, offering)
    if session is None:
        raise Refused(RefusalReason.UNKNOWN_SESSION, "the offering has no session with that id")
    if enrolment is None:
        raise Refused(RefusalReason.NOT_ENROLLED, "officer has no enrolment in that offering")
    return Target(officer, offering, session, enrolment)


def check_record(target: Target, current: AttendanceRecord | None, mark: Mark) -> bool:
    """True when the mark is to be recorded; False when the same mark is already recorded."""
    if target.enrolment.status is not EnrolmentStatus.ACTIVE:
        raise Refused(
            RefusalReason.NOT_ENROLLED, f"officer's enrolment is {target.enrolment.status}"
        )
    if current is None:
        return True
    if current.mark == mark:
        return False
    raise Refused(
        RefusalReason.ATTENDANCE_ALREADY_RECORDED,
        f"session {target.session.session_id} already has record {current.attendance_id}: "
        "void it before recording a correction",
    )


def check_void(current: AttendanceRecord | None) -> AttendanceRecord:
    if current is None:
        raise Refused(RefusalReason.NOTHING_TO_VOID, "no current record for that session")
    return current
