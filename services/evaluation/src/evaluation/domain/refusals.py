"""Why an intake command is refused; the values mirror the contract's ``RejectionReason``."""

from __future__ import annotations

from enum import StrEnum


class RefusalReason(StrEnum):
    UNCERTIFIED_EVALUATOR = "uncertified_evaluator"
    UNKNOWN_CATALOGUE_VERSION = "unknown_catalogue_version"
    UNKNOWN_COMPETENCY = "unknown_competency"
    UNKNOWN_INSTRUCTOR = "unknown_instructor"
    UNKNOWN_OFFICER = "unknown_officer"
    UNKNOWN_OFFERING = "unknown_offering"
    NOT_ENROLLED = "not_enrolled"
    INVALID_REQUEST = "invalid_request"


class Refused(Exception):
    """A command the domain will not carry out; the publisher is told why."""

    def __init__(self, reason: RefusalReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
