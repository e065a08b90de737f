"""Officers: registration under a random pseudonym, and changes of assignment."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, fields, replace
from enum import StrEnum

from .refusals import RefusalReason, Refused


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
    registered_on: dt.date | None = None
    """The day the officer joined the roster (registration or hire date), when sent."""


@dataclass(frozen=True)
class Assignment:
    """Where the officer serves now. Starts as registered; changes arrive with a reason."""

    status: OfficerStatus
    rank: str
    corporation: str
    level: str
    municipality: int


@dataclass(frozen=True)
class AssignmentChange:
    """Fields left as None stay as they are."""

    status: OfficerStatus | None = None
    rank: str | None = None
    corporation: str | None = None
    level: str | None = None
    municipality: int | None = None


@dataclass(frozen=True)
class Officer:
    officer_id: str
    data: OfficerData
    assignment: Assignment

    @property
    def is_active(self) -> bool:
        return self.assignment.status is OfficerStatus.ACTIVO


def new_officer_id() -> str:
    """A random pseudonym: never derived from the CUIP, so it cannot be reversed."""
    return f"off_{secrets.token_hex(16)}"


def initial_assignment(data: OfficerData) -> Assignment:
    return Assignment(
        OfficerStatus.ACTIVO, data.rank, data.corporation, data.level, data.municipality
    )


def register(
    existing: Officer | None, data: OfficerData, curp_held_by: str | None = None
) -> Officer | None:
    """The officer to store, or None when this is an equal re-registration.

    A re-registration is compared with what was *registered*, not with the current assignment,
    so re-sending an old registration after a promotion is still harmless; one that leaves out
    the registration date is the same registration. A CURP is one person: ``curp_held_by``,
    the CUIP already registered with this CURP, must be this one, or the person would get a
    second pseudonym.
    """
    if curp_held_by is not None and curp_held_by != data.cuip:
        raise Refused(
            RefusalReason.CONFLICTING_REGISTRATION,
            "that CURP is already registered under another CUIP: one person, one registration",
        )
    if existing is None:
        return Officer(new_officer_id(), data, initial_assignment(data))
    if data.registered_on is None:
        data = replace(data, registered_on=existing.data.registered_on)
    if existing.data == data:
        return None
    changed = sorted(k for k in vars(data) if getattr(data, k) != getattr(existing.data, k))
    raise Refused(
        RefusalReason.CONFLICTING_REGISTRATION,
        f"CUIP already registered with different {', '.join(changed)}",
    )


def change_assignment(officer: Officer | None, change: AssignmentChange) -> Assignment | None:
    """The officer's new assignment, or None when the change is already in effect (a re-send)."""
    if officer is None:
        raise Refused(RefusalReason.UNKNOWN_OFFICER, "no officer is registered with that CUIP")
    given = {f.name: getattr(change, f.name) for f in fields(change)}
    given = {name: value for name, value in given.items() if value is not None}
    if not given:
        raise Refused(RefusalReason.INVALID_REQUEST, "the change names no field to change")
    updated = replace(officer.assignment, **given)
    return None if updated == officer.assignment else updated
