"""Dead-letter notices: a record dead-lettered from an intake topic tells its publisher so.

The publisher cannot read the dead-letter topic (it holds the record as sent, for the service's
operators), so the consumer also writes a notice for ``intake.rejections.v1`` to the outbox, in
the transaction that writes the dead letter: it is published exactly when the dead letter is
(ADR 0098). The notice says why and where (reason code, topic, partition, offset) and echoes
the record's ``ce_id``, ``ce_type`` and ``ce_source`` headers when they are readable text;
nothing else of the record (payload, key, other headers, the error detail, which can quote the
payload) leaves the dead-letter topic.
"""

from __future__ import annotations

import uuid
from functools import cache

from convenio_contracts.rejections import NOTICE_BY_SERVICE
from convenio_contracts.topics import CATALOGUE, is_intake

from .dlq import RawRecord
from .outbox import OutboxRecord, outbox_values

ECHOED_HEADERS = {
    "ce_id": "original_event_id",
    "ce_type": "original_event_type",
    "ce_source": "original_source",
}
NOTICE_TYPES = frozenset(t.event_type for t in NOTICE_BY_SERVICE.values())
MAX_ECHOED_CHARS = 200
_NOTICE_NAMESPACE = uuid.UUID("6f1d3c52-2b8e-4f0a-9f57-0d3b8a1e9c44")


@cache
def intake_topics() -> frozenset[str]:
    """The catalogued topics someone outside the services may write."""
    return frozenset(t.name for t in CATALOGUE if is_intake(t))


def _echoed(record: RawRecord) -> dict[str, str]:
    """The echoed headers that are non-empty UTF-8 of at most 200 characters; the first of
    each wins, as in the decoder."""
    echoed: dict[str, str] = {}
    for key, raw in record.headers or ():
        field = ECHOED_HEADERS.get(key)
        if field is None or field in echoed or not isinstance(raw, bytes):
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if 0 < len(text) <= MAX_ECHOED_CHARS and text.isprintable():
            echoed[field] = text
    return echoed


def notice_row(group: str, source: str, record: RawRecord, reason: str) -> OutboxRecord | None:
    """The outbox row of the notice for ``record`` dead-lettered by ``group`` with
    ``reason``; None when the record was not read from an intake topic or the group has no
    notice type. Its ``ce_id`` is a UUIDv5 of the group and the record's position, so the same
    dead letter always gives the same notice."""
    notice_type = NOTICE_BY_SERVICE.get(group)
    if notice_type is None or record.topic not in intake_topics():
        return None
    echoed = _echoed(record)
    position = (record.topic, record.partition, record.offset)
    notice = notice_type(
        notice_key=notice_type.key_for(*position, echoed.get("original_event_id")),
        reason=reason,
        original_topic=record.topic,
        original_partition=record.partition,
        original_offset=record.offset,
        **echoed,
    )
    event_id = uuid.uuid5(
        _NOTICE_NAMESPACE, f"{group}/{record.topic}/{record.partition}/{record.offset}"
    )
    return OutboxRecord(**outbox_values(notice, source=source, event_id=str(event_id)))
