"""The inbox: one ``processed_message`` row per (consumer, ce_id), written in the same
transaction as the effect, so a redelivered event is recognised and skipped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import insert
from sqlmodel import Field, Session, SQLModel, col, select


class ProcessedMessage(SQLModel, table=True):
    __tablename__ = "processed_message"

    consumer: str = Field(primary_key=True, max_length=100)
    event_id: str = Field(primary_key=True, max_length=64)
    processed_at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC))


def already_processed(session: Session, consumer: str, event_ids: Iterable[str]) -> set[str]:
    ids = list(set(event_ids))
    if not ids:
        return set()
    rows = session.exec(
        select(ProcessedMessage.event_id).where(
            ProcessedMessage.consumer == consumer, col(ProcessedMessage.event_id).in_(ids)
        )
    )
    return set(rows)


def mark_processed(session: Session, consumer: str, event_ids: Iterable[str]) -> None:
    now = dt.datetime.now(dt.UTC)
    rows = [{"consumer": consumer, "event_id": i, "processed_at": now} for i in event_ids]
    if rows:  # one statement for the whole batch
        session.execute(insert(ProcessedMessage), rows)
