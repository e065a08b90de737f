"""CloudEvents 1.0 in Kafka binary mode: the event's JSON is the record value, attributes are
``ce_*`` headers. Decoding failures raise a typed ``EnvelopeError`` naming what is wrong, so a
consumer can dead-letter the record with a precise reason.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import uuid_utils
from pydantic import ValidationError

from .base import Event, event_class

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
SCHEMA_BASE = "http://localhost:8001/schemas/"
"""Where ``ce_dataschema`` and the schemas' ``$id`` point: every service serves the schemas at
``/schemas/`` (``make run`` puts enrolment on port 8001); a deployment maps this base to any
service (ADR 0090)."""
MAX_VALUE_BYTES = 1024 * 1024
TRACE_HEADERS = ("traceparent", "tracestate")
REQUIRED_HEADERS = ("ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time")

Headers = Sequence[tuple[str, bytes]]


class EnvelopeError(ValueError):
    """A record that is not a valid event. ``reason`` is a stable code for the DLQ header."""

    reason = "invalid_envelope"

    def __init__(self, detail: str, *, event_id: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.event_id = event_id


class MissingHeader(EnvelopeError):
    reason = "missing_header"


class InvalidHeader(EnvelopeError):
    reason = "invalid_header"


class UnknownEventType(EnvelopeError):
    reason = "unknown_event_type"


class MalformedPayload(EnvelopeError):
    reason = "malformed_payload"


class ContractViolation(EnvelopeError):
    reason = "contract_violation"


@dataclass(frozen=True)
class CloudEvent:
    """One decoded event with its CloudEvents attributes."""

    id: str
    source: str
    type: str
    time: dt.datetime
    data: Event
    subject: str | None = None
    trace_headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OutgoingRecord:
    """What a producer hands to Kafka for one event."""

    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]
    event_id: str


def new_event_id() -> str:
    """A UUIDv7: time-ordered, so ids sort roughly by creation, and the idempotency key."""
    return str(uuid_utils.uuid7())


def dataschema(event_type: str) -> str:
    return f"{SCHEMA_BASE}{event_type}.json"


def consumer_dataschema(event_type: str) -> str:
    """The tolerant variant a reader validates with (additional fields allowed)."""
    return f"{SCHEMA_BASE}consumer/{event_type}.json"


def encode(
    event: Event,
    *,
    source: str,
    event_id: str | None = None,
    time: dt.datetime | None = None,
    trace_headers: dict[str, str] | None = None,
) -> OutgoingRecord:
    event_id = event_id or new_event_id()
    time = time or dt.datetime.now(dt.UTC)
    headers = [
        ("ce_specversion", SPEC_VERSION),
        ("ce_id", event_id),
        ("ce_source", source),
        ("ce_type", event.event_type),
        ("ce_time", time.isoformat()),
        ("ce_subject", event.subject()),
        ("ce_dataschema", dataschema(event.event_type)),
        ("content-type", CONTENT_TYPE),
    ]
    headers += [(k, v) for k, v in (trace_headers or {}).items() if k in TRACE_HEADERS]
    return OutgoingRecord(
        key=event.partition_key().encode(),
        value=event.model_dump_json().encode(),
        headers=[(k, v.encode()) for k, v in headers],
        event_id=event_id,
    )


def _text_headers(headers: Iterable[tuple[str, bytes | None]]) -> dict[str, str]:
    text: dict[str, str] = {}
    for name, raw in headers:
        if raw is None:
            continue
        try:
            text[name] = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidHeader(f"header {name!r} is not valid UTF-8") from exc
    return text


def _parse_time(raw: str, event_id: str) -> dt.datetime:
    try:
        time = dt.datetime.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidHeader(f"ce_time {raw!r} is not RFC 3339", event_id=event_id) from exc
    if time.tzinfo is None:
        raise InvalidHeader(f"ce_time {raw!r} has no time zone", event_id=event_id)
    return time


def _check_id(raw: str) -> str:
    try:
        uuid.UUID(raw)
    except ValueError as exc:
        raise InvalidHeader(f"ce_id {raw!r} is not a UUID") from exc
    return raw


def decode(value: bytes | None, headers: Iterable[tuple[str, bytes | None]]) -> CloudEvent:
    """Decode a binary-mode record; raise an ``EnvelopeError`` subclass saying what is wrong."""
    attrs = _text_headers(headers)
    missing = [h for h in REQUIRED_HEADERS if not attrs.get(h)]
    if missing:
        raise MissingHeader(f"missing CloudEvents header(s): {', '.join(missing)}")
    event_id = _check_id(attrs["ce_id"])
    if attrs["ce_specversion"] != SPEC_VERSION:
        raise InvalidHeader(
            f"ce_specversion {attrs['ce_specversion']!r} is not 1.0", event_id=event_id
        )
    content_type = attrs.get("content-type", CONTENT_TYPE)
    if content_type.split(";")[0].strip() != CONTENT_TYPE:
        raise InvalidHeader(f"content-type {content_type!r} is not JSON", event_id=event_id)
    cls = event_class(attrs["ce_type"])
    if cls is None:
        raise UnknownEventType(f"unknown ce_type {attrs['ce_type']!r}", event_id=event_id)
    if not value:
        raise MalformedPayload("empty record value", event_id=event_id)
    if len(value) > MAX_VALUE_BYTES:
        raise MalformedPayload(f"value of {len(value)} bytes exceeds 1 MiB", event_id=event_id)
    try:
        data = cls.model_validate_json(value)
    except ValidationError as exc:
        kind = "json_invalid" if any(e["type"] == "json_invalid" for e in exc.errors()) else None
        error = MalformedPayload if kind else ContractViolation
        raise error(_summarise(exc), event_id=event_id) from exc
    return CloudEvent(
        id=event_id,
        source=attrs["ce_source"],
        type=cls.event_type,
        time=_parse_time(attrs["ce_time"], event_id),
        subject=attrs.get("ce_subject"),
        data=data,
        trace_headers={k: attrs[k] for k in TRACE_HEADERS if k in attrs},
    )


def _summarise(exc: ValidationError, limit: int = 5) -> str:
    parts = [
        f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}"
        for e in exc.errors(include_url=False)[:limit]
    ]
    more = exc.error_count() - limit
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")
