"""What the batch memo holds, under which keys, and the attendance written at the batch's end.

The memo is the chassis's ``batch_memo``: it lives as long as the batch's transaction and is
emptied when a handler's savepoint rolls back. A key present with ``None`` means "known
absent": only the prefetch (its queries ran in this transaction) or this transaction's own
writes put it there. A key missing means "ask the database".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

PREFETCHED = ("prefetched",)
"""Set by the prefetch: the service's ``after_batch`` will write buffered attendance."""

PENDING_ATTENDANCE = "enrolment.attendance_pending"
"""``session.info`` key of the attendance records waiting for the batch's INSERT. Not in the
memo: the memo may be emptied mid-batch, and these records must still be written."""


def officer(cuip: str) -> tuple[str, str]:
    """→ ``OfficerRow`` or None."""
    return ("officer", cuip)


def officer_as_domain(cuip: str) -> tuple[str, str]:
    """→ the domain's ``Officer`` of the row above; dropped when the row changes."""
    return ("officer as domain", cuip)


def curp(curp: str) -> tuple[str, str]:
    """→ the CUIP registered with that CURP in this transaction."""
    return ("curp", curp)


def new_officer(officer_id: str) -> tuple[str, str]:
    """→ True: registered in this transaction, so no enrolment but those in the memo."""
    return ("new officer", officer_id)


def offering(offering_id: str) -> tuple[str, str]:
    """→ ``OfferingRow`` (locked by the prefetch, or inserted by this transaction) or None."""
    return ("offering", offering_id)


def offering_as_domain(offering_id: str) -> tuple[str, str]:
    """→ the domain's ``Offering`` of the row above; dropped when the row changes."""
    return ("offering as domain", offering_id)


def planned_session(offering_id: str, session_id: str) -> tuple[str, str, str]:
    """→ the domain's ``Session`` (never changes once scheduled) or None."""
    return ("session", offering_id, session_id)


def seats(offering_id: str) -> tuple[str, str]:
    """→ int: seats taken (enrolments not withdrawn), counted after the offering was locked."""
    return ("seats", offering_id)


def enrolment(officer_id: str, offering_id: str) -> tuple[str, str, str]:
    """→ ``EnrolmentRow`` or None."""
    return ("enrolment", officer_id, offering_id)


def new_enrolment(enrolment_id: str) -> tuple[str, str]:
    """→ True: enrolled in this transaction, so no attendance but that in the memo."""
    return ("new enrolment", enrolment_id)


def attendance(current_key: str) -> tuple[str, str]:
    """→ the current ``AttendanceRow`` or ``PendingAttendance``, or None."""
    return ("attendance", current_key)


@dataclass(slots=True)
class PendingAttendance:
    """An attendance record made in this batch, not yet inserted; the columns of
    ``AttendanceRow``, so a void in the same batch changes it as it would a row."""

    attendance_id: str
    enrolment_id: str
    offering_id: str
    session_id: str
    status: str
    minutes: int
    fact_event_id: str
    current_key: str | None
    voided_event_id: str | None = None
    void_reason: str | None = None

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


def pending_attendance(session: Session) -> list[PendingAttendance]:
    records: list[PendingAttendance] = session.info.setdefault(PENDING_ATTENDANCE, [])
    return records
