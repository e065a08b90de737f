"""Convenio's versioned event contracts, owned jointly by UMS and ONC."""

from . import acl, enrolment, evaluation, rejections, reporting, topics
from .base import Event, all_event_classes, event_class
from .envelope import (
    CloudEvent,
    ContractViolation,
    EnvelopeError,
    InvalidHeader,
    MalformedPayload,
    MissingHeader,
    OutgoingRecord,
    UnknownEventType,
    decode,
    encode,
    new_event_id,
)

__all__ = [
    "CloudEvent",
    "ContractViolation",
    "EnvelopeError",
    "Event",
    "InvalidHeader",
    "MalformedPayload",
    "MissingHeader",
    "OutgoingRecord",
    "UnknownEventType",
    "acl",
    "all_event_classes",
    "decode",
    "encode",
    "enrolment",
    "evaluation",
    "event_class",
    "new_event_id",
    "rejections",
    "reporting",
    "topics",
]
