"""What the chassis records about each record it consumes: a span in its sender's trace, the
log context naming it, and the event type as a metric label. Only ids and types: the key and
subject of an intake record are a CUIP.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry.trace import Span
from opentelemetry.util.types import AttributeValue

from convenio_contracts import event_class

from .dlq import RawRecord
from .logs import handling
from .metrics import UNKNOWN_EVENT_TYPE
from .tracing import TRACE_KEYS, consume_span


@contextmanager
def observed(
    group: str,
    record: RawRecord,
    trace_headers: Mapping[str, str],
    event_type: str,
    ce_id: str | None,
    deferred: list[tuple[Span, int]] | None = None,
) -> Iterator[Span]:
    """The record's consumer span, continuing its producer's trace (or starting one); log lines
    written inside name the event. With ``deferred``, the span is not ended here but added to
    the list with its end time: the batch ends it once committed, or drops it if rolled back,
    so a trace never shows work that did not happen."""
    attributes: dict[str, AttributeValue] = {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.destination.name": record.topic,
        "messaging.destination.partition.id": str(record.partition),
        "messaging.kafka.offset": record.offset,
        "messaging.consumer.group.name": group,
        "cloudevents.event_type": event_type,
    }
    if ce_id:
        attributes["messaging.message.id"] = attributes["cloudevents.event_id"] = ce_id
    with (
        consume_span(
            f"{record.topic} process", trace_headers, end_on_exit=deferred is None, **attributes
        ) as span,
        handling(event_type, ce_id),
    ):
        yield span
    if deferred is not None:
        deferred.append((span, time.time_ns()))


def _header(record: RawRecord, name: str) -> str | None:
    for key, value in record.headers or ():
        if key == name and value is not None:
            try:
                return value.decode()
            except UnicodeDecodeError:
                return None
    return None


def raw_trace_headers(record: RawRecord) -> dict[str, str]:
    """The trace context of a record that could not be decoded, so its failure is in the
    sender's trace."""
    return {k: v for k in TRACE_KEYS if (v := _header(record, k)) is not None}


def event_type_label(record: RawRecord) -> str:
    """The record's ``ce_type`` when it is catalogued; anything else would let a sender
    create metric series at will."""
    ce_type = _header(record, "ce_type")
    return ce_type if ce_type and event_class(ce_type) is not None else UNKNOWN_EVENT_TYPE
