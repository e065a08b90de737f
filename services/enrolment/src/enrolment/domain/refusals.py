"""Why the domain refuses a command: stable codes a publisher can act on."""

from __future__ import annotations

from enum import StrEnum


class RefusalReason(StrEnum):
    """Mirrors the contract's ``RejectionReason`` codes (a handler test keeps them in step)."""

    UNKNOWN_OFFICER = "unknown_officer"
    UNKNOWN_COURSE = "unknown_course"
    UNKNOWN_OFFERING = "unknown_offering"
    UNKNOWN_SESSION = "unknown_session"
    OFFERING_FULL = "offering_full"
    OFFERING_CLOSED = "offering_closed"
    DUPLICATE_ENROLMENT = "duplicate_enrolment"
    NOT_ENROLLED = "not_enrolled"
    INACTIVE_OFFICER = "inactive_officer"
    CONFLICTING_REGISTRATION = "conflicting_registration"
    CONFLICTING_DEFINITION = "conflicting_definition"
    SESSION_OUTSIDE_OFFERING = "session_outside_offering"
    ATTENDANCE_ALREADY_RECORDED = "attendance_already_recorded"
    NOTHING_TO_VOID = "nothing_to_void"
    INVALID_REQUEST = "invalid_request"


class Refused(Exception):
    """A command the domain will not carry out; the publisher is told why.

    Messages name fields and ids, never a CUIP, CURP or name: they travel on a topic.
    """

    def __init__(self, reason: RefusalReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
