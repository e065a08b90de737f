"""Enrolments: who may take a seat in an offering, and who may give it back."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .offerings import Offering
from .officers import Officer
from .refusals import RefusalReason, Refused


class EnrolmentStatus(StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    COMPLETED = "completed"
    FAILED = "failed"


@dataclass(frozen=True)
class Enrolment:
    enrolment_id: str
    officer_id: str
    offering_id: str
    status: EnrolmentStatus
    """Every status but ``withdrawn`` keeps its seat (the repository counts seats so)."""


def found(officer: Officer | None, offering: Offering | None) -> tuple[Officer, Offering]:
    """Both named parties exist, and the offering still takes intake."""
    if officer is None:
        raise Refused(RefusalReason.UNKNOWN_OFFICER, "no officer is registered with that CUIP")
    if offering is None:
        raise Refused(RefusalReason.UNKNOWN_OFFERING, "no offering with that id is scheduled")
    if offering.is_closed:
        raise Refused(RefusalReason.OFFERING_CLOSED, f"offering closed on {offering.closed_on}")
    return officer, offering


def check_enrolment(
    officer: Officer | None,
    offering: Offering | None,
    seats_taken: int,
    existing: Enrolment | None,
) -> tuple[Officer, Offering]:
    """Refuse an enrolment an offering cannot take; otherwise return who goes where."""
    officer, offering = found(officer, offering)
    if not officer.is_active:
        raise Refused(
            RefusalReason.INACTIVE_OFFICER, f"officer status is {officer.assignment.status}"
        )
    if existing is not None:
        # One enrolment per officer and offering, so a withdrawal is never rewritten.
        raise Refused(
            RefusalReason.DUPLICATE_ENROLMENT,
            f"officer already has enrolment {existing.enrolment_id} ({existing.status})",
        )
    if seats_taken >= offering.capacity:
        raise Refused(
            RefusalReason.OFFERING_FULL, f"offering is full ({seats_taken}/{offering.capacity})"
        )
    return officer, offering


def check_withdrawal(
    officer: Officer | None, offering: Offering | None, enrolment: Enrolment | None
) -> Enrolment:
    """The enrolment to withdraw; only an active one in an open offering can be."""
    found(officer, offering)
    if enrolment is None or enrolment.status is not EnrolmentStatus.ACTIVE:
        state = "has no enrolment" if enrolment is None else f"is {enrolment.status}"
        raise Refused(RefusalReason.NOT_ENROLLED, f"officer {state} in that offering")
    return enrolment
