"""Feed records into the chassis outbox in bulk: one INSERT for a whole refresh, instead of an
ORM object per cell (a refresh can republish thousands of cells). Rows are the chassis's own
(same topic, key, CloudEvents headers and trace context as ``outbox_row_for``), so its relay
publishes them in order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from convenio_chassis.outbox import OutboxRecord, encode_headers
from convenio_chassis.tracing import current_trace_headers
from convenio_contracts import Event, encode
from convenio_contracts.topics import topic_for


def add_events(session: Session, events: Iterable[Event], source: str) -> int:
    trace = current_trace_headers()
    now = dt.datetime.now(dt.UTC)
    rows: list[dict[str, Any]] = []
    for event in events:
        record = encode(event, source=source, trace_headers=trace, time=now)
        rows.append(
            {
                "topic": topic_for(event.event_type).name,
                "key": record.key,
                "value": record.value,
                "headers": encode_headers(record.headers),
                "event_type": event.event_type,
                "created_at": now,
            }
        )
    _insert(session, rows)
    return len(rows)


def add_tombstones(session: Session, topic: str, keys: Iterable[str]) -> int:
    """Null values: compaction deletes these keys from the topic's latest state."""
    now = dt.datetime.now(dt.UTC)
    rows = [
        {
            "topic": topic,
            "key": k.encode(),
            "value": None,
            "headers": encode_headers([]),
            "event_type": "tombstone",
            "created_at": now,
        }
        for k in keys
    ]
    _insert(session, rows)
    return len(rows)


def _insert(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(OutboxRecord.__table__), rows)  # type: ignore[attr-defined]
