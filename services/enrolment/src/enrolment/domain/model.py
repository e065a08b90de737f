"""Officers, offerings and enrolments, and the rules UMS applies to intake commands."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from enum import StrEnum


class RefusalReason(StrEnum):
    """Why a command is refused; mirrors the contract's ``RejectionReason`` codes."""

    UNKNOWN_OFFICER = "unknown_officer"
    UNKNOWN_COURSE = "unknown_course"
    UNKNOWN_OFFERING = "unknown_offering"
    OFFERING_FULL = "offering_full"
    DUPLICATE_ENROLMENT = "duplicate_enrolment"
    INACTIVE_OFFICER = "inactive_officer"
    CONFLICTING_REGISTRATION = "conflicting_registration"
    CONFLICTING_DEFINITION = "conflicting_definition"


class Refused(Exception):
    """A command the domain will not carry out; the publisher is told why."""

    def __init__(self, reason: RefusalReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class OfficerStatus(StrEnum):
    ACTIVO = "activo"
    BAJA = "baja"
    SUSPENDIDO = "suspendido"


@dataclass(frozen=True)
class OfficerData:
    """What a registration says about an officer; identity fields stay in this service."""

    cuip: str
    curp: str
    full_name: str
    sex: str
    corporation: str
    level: str
    municipality: int
    profile: str
    rank: str
    hire_year: int


@dataclass(frozen=True)
class Officer:
    officer_id: str
    data: OfficerData
    status: OfficerStatus = OfficerStatus.ACTIVO


def new_officer_id() -> str:
    """A random pseudonym: never derived from the CUIP, so it cannot be reversed."""
    return f"off_{secrets.token_hex(16)}"


def register(existing: Officer | None, data: OfficerData) -> Officer | None:
    """The officer to store, or None when this is an equal re-registration."""
    if existing is None:
        return Officer(new_officer_id(), data)
    if existing.data == data:
        return None
    changed = sorted(k for k in vars(data) if getattr(data, k) != getattr(existing.data, k))
    raise Refused(
        RefusalReason.CONFLICTING_REGISTRATION,
        f"CUIP already registered with different {', '.join(changed)}",
    )


@dataclass(frozen=True)
class Offering:
    offering_id: str
    course_id: str
    capacity: int
    starts_on: dt.date
    ends_on: dt.date


def check_enrolment(
    officer: Officer | None, offering: Offering | None, enrolled: int, already_enrolled: bool
) -> tuple[Officer, Offering]:
    """Refuse an enrolment an offering cannot take; otherwise return who goes where."""
    if officer is None:
        raise Refused(RefusalReason.UNKNOWN_OFFICER, "no officer is registered with that CUIP")
    if offering is None:
        raise Refused(RefusalReason.UNKNOWN_OFFERING, "no offering with that id is scheduled")
    if officer.status is not OfficerStatus.ACTIVO:
        raise Refused(RefusalReason.INACTIVE_OFFICER, f"officer status is {officer.status}")
    if already_enrolled:
        raise Refused(RefusalReason.DUPLICATE_ENROLMENT, "officer is already enrolled in it")
    if enrolled >= offering.capacity:
        raise Refused(
            RefusalReason.OFFERING_FULL, f"offering is full ({enrolled}/{offering.capacity})"
        )
    return officer, offering
