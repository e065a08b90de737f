"""The transactional outbox: handlers write rows in their transaction; the relay publishes
them in order, then deletes them. A crash between publish and delete republishes, and the
consumers' inboxes absorb the duplicate (at least once, effects once).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import LargeBinary, delete, func, insert, tuple_
from sqlalchemy import select as sa_select
from sqlmodel import Column, Field, Session, SQLModel, col, select

from convenio_contracts import Event, encode
from convenio_contracts.topics import topic_for

from .tracing import current_trace_headers


class OutboxRecord(SQLModel, table=True):
    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    topic: str = Field(max_length=249)
    key: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    value: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    headers: str = Field(description="JSON list of [name, base64 value]")
    event_type: str = Field(max_length=200)
    event_id: str | None = Field(default=None, max_length=64, description="ce_id; none for DLQ")
    created_at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC))

    def header_list(self) -> list[tuple[str, bytes]]:
        return decode_headers(self.headers)


@dataclass(frozen=True, slots=True)
class PendingRow:
    """An outbox row as the relay reads it: plain values, without an ORM object's cost."""

    id: int
    topic: str
    key: bytes | None
    value: bytes | None
    headers: str
    event_type: str
    created_at: dt.datetime

    def header_list(self) -> list[tuple[str, bytes]]:
        return decode_headers(self.headers)


def decode_headers(stored: str) -> list[tuple[str, bytes]]:
    return [(k, base64.b64decode(v)) for k, v in json.loads(stored)]


def encode_headers(headers: list[tuple[str, bytes]]) -> str:
    return json.dumps([[k, base64.b64encode(v).decode()] for k, v in headers])


def outbox_values(event: Event, *, source: str, event_id: str | None = None) -> dict[str, Any]:
    """The column values of an outbox row carrying ``event`` to its catalogued topic, with the
    current trace: plain values, so a batch's rows can be inserted in one statement.
    ``event_id`` is the ``ce_id`` (a new UUIDv7 when not given)."""
    record = encode(event, source=source, event_id=event_id, trace_headers=current_trace_headers())
    return {
        "topic": topic_for(event.event_type).name,
        "key": record.key,
        "value": record.value,
        "headers": encode_headers(record.headers),
        "event_type": event.event_type,
        "event_id": record.event_id,
        "created_at": dt.datetime.now(dt.UTC),
    }


def outbox_row_for(event: Event, *, source: str) -> OutboxRecord:
    return OutboxRecord(**outbox_values(event, source=source))


_BUFFER = "convenio.outbox"


def buffered(session: Session) -> list[dict[str, Any]]:
    """Facts emitted in this transaction and not yet written: the batch writes them at once."""
    rows: list[dict[str, Any]] = session.info.setdefault(_BUFFER, [])
    return rows


def write_buffered(session: Session) -> None:
    """Insert the buffered rows in one statement; ids follow list order, so per-key order
    holds."""
    rows = session.info.pop(_BUFFER, [])
    if rows:
        session.execute(insert(OutboxRecord), rows)


def pending(session: Session, limit: int, skip: Collection[int] = frozenset()) -> list[PendingRow]:
    """The oldest ``limit`` rows, leaving out ``skip`` (published, not yet deleted): their ids
    are read first, so skipped rows cost an integer each, not a row."""
    table = OutboxRecord.__table__  # type: ignore[attr-defined]
    columns = [table.c[name] for name in PendingRow.__dataclass_fields__]
    if skip:
        oldest = session.execute(
            sa_select(table.c.id).order_by(table.c.id).limit(limit + len(skip))
        )
        ids = [i for (i,) in oldest if i not in skip][:limit]
        if not ids:
            return []
        query = sa_select(*columns).where(table.c.id.in_(ids)).order_by(table.c.id)
    else:
        query = sa_select(*columns).order_by(table.c.id).limit(limit)
    return [PendingRow(*row) for row in session.execute(query)]


def delete_sent(session: Session, sent: Collection[tuple[int, dt.datetime]]) -> None:
    """Delete the rows published, named by id *and* creation time: SQLite reuses the ids of
    deleted rows, so when two instances share a database, a row another instance deleted and a
    new row that took its id must not be confused (the new one was never published)."""
    if sent:
        key = tuple_(col(OutboxRecord.id), col(OutboxRecord.created_at))
        session.execute(delete(OutboxRecord).where(key.in_(list(sent))))


def backlog(session: Session) -> tuple[int, dt.datetime | None]:
    """How many rows wait, and when the oldest was written."""
    count, oldest = session.execute(select(func.count(), func.min(OutboxRecord.created_at))).one()
    return int(count), oldest
