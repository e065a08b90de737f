"""The answer to an intake command the domain refuses: a reason code an agency can act on."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from .base import Event, register
from .common import ShortText


class RejectionReason(StrEnum):
    UNKNOWN_OFFICER = "unknown_officer"
    UNKNOWN_COURSE = "unknown_course"
    UNKNOWN_OFFERING = "unknown_offering"
    OFFERING_FULL = "offering_full"
    DUPLICATE_ENROLMENT = "duplicate_enrolment"
    INACTIVE_OFFICER = "inactive_officer"
    CONFLICTING_REGISTRATION = "conflicting_registration"
    CONFLICTING_DEFINITION = "conflicting_definition"
    SESSION_OUTSIDE_OFFERING = "session_outside_offering"


@register
class IntakeRejected(Event):
    """Published on ``intake.rejections.v1``, keyed by the refused command's ``ce_id``."""

    event_type: ClassVar[str] = "mx.convenio.enrolment.intake.rejected.v1"
    key_field: ClassVar[str] = "rejected_event_id"

    rejected_event_id: str
    rejected_event_type: str
    reason: RejectionReason
    message: ShortText
