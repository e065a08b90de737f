"""The answer to an intake command the domain refuses: a reason code a publisher can act on.

Each service that takes intake has its own rejection type, so ``ce_type`` says who refused;
all of them travel on ``intake.rejections.v1``, keyed by the refused command's ``ce_id``.

A record that is not a valid command at all is dead-lettered instead; its publisher gets a
*dead-letter notice* on the same topic (ADR 0098): the reason code and where the record was
(topic, partition, offset), its ``ce_id``, ``ce_type`` and ``ce_source`` when it had them, and
nothing of its payload, key or other headers, which only the service's operators may read.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import StringConstraints

from .base import Event, register
from .common import ShortText

HeaderText = Annotated[str, StringConstraints(min_length=1, max_length=200)]
"""A header value echoed back to its publisher: as sent, at most 200 characters."""
ReasonCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


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


class _DeadLetterNotice(Event):
    """Not an enum: a new dead-letter reason must not break a consumer of this version."""

    notice_key: str
    reason: ReasonCode
    original_topic: str
    original_partition: int
    original_offset: int
    original_event_id: HeaderText | None = None
    original_event_type: HeaderText | None = None
    original_source: HeaderText | None = None

    @staticmethod
    def key_for(topic: str, partition: int, offset: int, event_id: str | None) -> str:
        """The record key: the ``ce_id`` (as for a rejection), else where the record was."""
        return event_id or f"{topic}:{partition}:{offset}"


@register
class IntakeDeadLettered(_DeadLetterNotice):
    """Dead-lettered by the enrolment service."""

    event_type: ClassVar[str] = "mx.convenio.enrolment.intake.dead_lettered.v1"
    key_field: ClassVar[str] = "notice_key"


@register
class EvaluationIntakeDeadLettered(_DeadLetterNotice):
    """Dead-lettered by the evaluation service."""

    event_type: ClassVar[str] = "mx.convenio.evaluation.intake.dead_lettered.v1"
    key_field: ClassVar[str] = "notice_key"


@register
class ReportingIntakeDeadLettered(_DeadLetterNotice):
    """Dead-lettered by the reporting service."""

    event_type: ClassVar[str] = "mx.convenio.reporting.intake.dead_lettered.v1"
    key_field: ClassVar[str] = "notice_key"


NOTICE_BY_SERVICE: dict[str, type[_DeadLetterNotice]] = {
    "enrolment": IntakeDeadLettered,
    "evaluation": EvaluationIntakeDeadLettered,
    "reporting": ReportingIntakeDeadLettered,
}
