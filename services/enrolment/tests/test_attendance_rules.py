"""Attendance: which session a mark belongs to, one current mark each, voiding."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from enrolment.domain.attendance import (
    AttendanceRecord,
    AttendanceStatus,
    Mark,
    Target,
    check_record,
    check_void,
    locate,
)
from enrolment.domain.enrolments import Enrolment, EnrolmentStatus
from enrolment.domain.offerings import Offering, Session, SessionType
from enrolment.domain.officers import Officer, OfficerData, initial_assignment
from enrolment.domain.refusals import RefusalReason, Refused

DATA = OfficerData(
    "CUIP0000000001", "GOML850101HMCRRS09", "Luis Gómez", "hombre", "Policía de Toluca",
    "municipal", 15106, "proximidad", "policía", 2019,
)  # fmt: skip
OFFICER = Officer("off_" + "a" * 32, DATA, initial_assignment(DATA))
OFFERING = Offering("OF-1", "C-1", 1, 2, dt.date(2026, 3, 2), dt.date(2026, 3, 20))
CLOSED = replace(OFFERING, closed_on=dt.date(2026, 3, 21))
SESSION = Session("S1", SessionType.TEORIA, dt.date(2026, 3, 2), 240)
ENROLMENT = Enrolment("enr_1", OFFICER.officer_id, "OF-1", EnrolmentStatus.ACTIVE)
TARGET = Target(OFFICER, OFFERING, SESSION, ENROLMENT)
PRESENT = Mark(AttendanceStatus.PRESENT, 240)
RECORDED = AttendanceRecord("att_1", "enr_1", "S1", PRESENT)


@pytest.mark.parametrize(
    ("officer", "offering", "session", "enrolment", "reason"),
    [
        (None, OFFERING, SESSION, ENROLMENT, RefusalReason.UNKNOWN_OFFICER),
        (OFFICER, None, None, None, RefusalReason.UNKNOWN_OFFERING),
        (OFFICER, CLOSED, SESSION, ENROLMENT, RefusalReason.OFFERING_CLOSED),
        (OFFICER, OFFERING, None, ENROLMENT, RefusalReason.UNKNOWN_SESSION),
        (OFFICER, OFFERING, SESSION, None, RefusalReason.NOT_ENROLLED),
    ],
)
def test_an_attendance_command_must_name_an_enrolment_and_a_session_of_an_open_offering(
    officer, offering, session, enrolment, reason
) -> None:
    with pytest.raises(Refused) as refused:
        locate(officer, offering, session, enrolment)
    assert refused.value.reason is reason


def test_a_first_mark_is_recorded() -> None:
    assert check_record(TARGET, None, PRESENT) is True


def test_the_same_mark_sent_again_records_nothing() -> None:
    assert check_record(TARGET, RECORDED, Mark(AttendanceStatus.PRESENT, 240)) is False


@pytest.mark.parametrize(
    "mark", [Mark(AttendanceStatus.ABSENT, 0), Mark(AttendanceStatus.PRESENT, 200)]
)
def test_a_different_mark_for_a_recorded_session_must_void_first(mark) -> None:
    with pytest.raises(Refused) as refused:
        check_record(TARGET, RECORDED, mark)
    assert refused.value.reason is RefusalReason.ATTENDANCE_ALREADY_RECORDED


@pytest.mark.parametrize("status", [EnrolmentStatus.WITHDRAWN, EnrolmentStatus.COMPLETED])
def test_only_an_active_enrolment_takes_marks(status) -> None:
    target = replace(TARGET, enrolment=replace(ENROLMENT, status=status))
    with pytest.raises(Refused) as refused:
        check_record(target, None, PRESENT)
    assert refused.value.reason is RefusalReason.NOT_ENROLLED


def test_voiding_returns_the_current_record() -> None:
    assert check_void(RECORDED) == RECORDED


def test_voiding_a_session_without_a_current_record_is_refused() -> None:
    with pytest.raises(Refused) as refused:
        check_void(None)
    assert refused.value.reason is RefusalReason.NOTHING_TO_VOID
