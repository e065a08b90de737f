"""Reporting's store fixtures: facts go through the real chassis pipeline (decode, inbox,
handlers, after-batch projection, outbox) into a real database, SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import Session, col, select

from convenio_chassis.consumer import BatchOutcome, BatchProcessor
from convenio_chassis.db import create_tables, make_engine, session_factory
from convenio_chassis.dlq import DeadLetterBreaker
from convenio_chassis.migrations import CHASSIS_TABLES
from convenio_chassis.outbox import OutboxRecord
from convenio_contracts import Event, encode
from convenio_contracts.topics import topic_for
from reporting import projection
from reporting.adapters.tables import TABLES, FindingRow, PublishedCell
from reporting.domain.findings import Thresholds
from reporting.handlers import HANDLERS

CLOCK = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


@dataclass
class Record:
    value: bytes | None
    headers: list[tuple[str, bytes]]
    topic: str
    partition: int = 0
    offset: int = 0
    key: bytes | None = None


class Feed:
    """Send facts in batches; read what the feed published."""

    def __init__(self, database_url: str, settings: projection.Settings) -> None:
        self.engine = make_engine(database_url)
        create_tables(self.engine, [*CHASSIS_TABLES, *TABLES])
        self.sessions = session_factory(self.engine)
        self.settings = settings
        self.ticks = 0
        self.refresh_with(lambda s, source: projection.refresh(s, source, self.settings))

    def refresh_with(self, after_batch: Callable[[Session, str], None]) -> None:
        """Bring the feed up to date with ``after_batch`` (every batch, by default)."""
        self.processor = BatchProcessor(
            "reporting",
            "/convenio/reporting",
            HANDLERS,
            self.sessions,
            DeadLetterBreaker(1000, 1.0, 1000),
            after_batch=after_batch,
        )

    def record(self, event: Event, at: dt.datetime | None = None) -> Record:
        self.ticks += 1
        out = encode(event, source="/tests", time=at or CLOCK + dt.timedelta(seconds=self.ticks))
        return Record(out.value, out.headers, topic_for(event.event_type).name, key=out.key)

    def send(self, *events: Event | tuple[Event, dt.datetime]) -> BatchOutcome:
        records = [self.record(*e) if isinstance(e, tuple) else self.record(e) for e in events]
        return self.processor.process(records)

    def cells(self, indicator: str | None = None) -> dict[str, PublishedCell]:
        with self.sessions() as session:
            query = select(PublishedCell).where(col(PublishedCell.withdrawn).is_(False))
            if indicator:
                query = query.where(PublishedCell.indicator == indicator)
            return {c.cell_key: c for c in session.exec(query)}

    def cell(self, key: str) -> PublishedCell | None:
        return self.cells().get(key)

    def value(self, key: str) -> float | None:
        cell = self.cell(key)
        assert cell is not None, f"no cell {key}"
        return cell.value

    def findings(self) -> dict[str, FindingRow]:
        with self.sessions() as session:
            return {f.finding_id: f for f in session.exec(select(FindingRow))}

    def take_outbox(self) -> list[OutboxRecord]:
        with self.sessions() as session, session.begin():
            rows = list(session.exec(select(OutboxRecord).order_by(col(OutboxRecord.id))))
            session.execute(OutboxRecord.__table__.delete())  # type: ignore[attr-defined]
        return rows

    def session(self) -> Session:
        return self.sessions()


def published(rows: list[OutboxRecord], topic: str) -> list[dict[str, Any] | None]:
    return [json.loads(r.value) if r.value else None for r in rows if r.topic == topic]


def feed_for(database_url: str, **overrides: Any) -> Iterator[Feed]:
    parameters: dict[str, Any] = {
        "k": 1,
        "expiry_window_days": 180,
        "thresholds": Thresholds(0.10, 0.70, 0.25),
        "grace_days": 30,
    }
    settings = projection.Settings(**(parameters | overrides))
    feed = Feed(database_url, settings)
    yield feed
    feed.engine.dispose()


@pytest.fixture
def feed(database_url: str) -> Iterator[Feed]:
    """True figures (no perturbation, k = 1): the indicators' arithmetic, checkable by hand."""
    yield from feed_for(database_url, protect=False)


@pytest.fixture
def protected_feed(database_url: str) -> Iterator[Feed]:
    """The service's defaults: cell-key perturbation, minimum publishable count 5."""
    yield from feed_for(database_url, k=5)
