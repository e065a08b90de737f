"""The answer to an intake command the domain refuses: a reason code a publisher can act on.

Each service that takes intake has its own rejection type, so ``ce_type`` says who refused;
all of them travel on ``intake.rejections.v1``, keyed by the refused command's ``ce_id``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from .base import Event, register
from .common import ShortText


class RejectionReason(StrEnum):
    # enrolment
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
    # evaluation
    UNCERTIFIED_EVALUATOR = "uncertified_evaluator"
    UNKNOWN_CATALOGUE_VERSION = "unknown_catalogue_version"
    UNKNOWN_COMPETENCY = "unknown_competency"
    UNKNOWN_INSTRUCTOR = "unknown_instructor"
    # reporting
    UNKNOWN_FINDING = "unknown_finding"
    DUPLICATE_FINDING = "duplicate_finding"
    INVALID_TRANSITION = "invalid_transition"
    # any
    INVALID_REQUEST = "invalid_request"


class _Rejection(Event):
    rejected_event_id: str
    rejected_event_type: str
    reason: RejectionReason
    message: ShortText


@register
class IntakeRejected(_Rejection):
    """Refused by the enrolment service."""

    event_type: ClassVar[str] = "mx.convenio.enrolment.intake.rejected.v1"
    key_field: ClassVar[str] = "rejected_event_id"


@register
class EvaluationIntakeRejected(_Rejection):
    event_type: ClassVar[str] = "mx.convenio.evaluation.intake.rejected.v1"
    key_field: ClassVar[str] = "rejected_event_id"


@register
class ReportingIntakeRejected(_Rejection):
    event_type: ClassVar[str] = "mx.convenio.reporting.intake.rejected.v1"
    key_field: ClassVar[str] = "rejected_event_id"


REJECTION_BY_SERVICE: dict[str, type[_Rejection]] = {
    "enrolment": IntakeRejected,
    "evaluation": EvaluationIntakeRejected,
    "reporting": ReportingIntakeRejected,
}
