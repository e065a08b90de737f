"""The consumer pipeline: decode → inbox → handler → outbox, one transaction per batch.

The batch is handled in a worker thread (the database is synchronous), committed, and only
then are the Kafka offsets committed (at least once). A redelivered ``ce_id`` is skipped by the
inbox (effects once). A record that cannot be accepted becomes a dead letter, written in the
same transaction. Transient database errors roll the batch back and retry it with backoff: they
are never dead-lettered and never skipped.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session

from convenio_contracts import CloudEvent, EnvelopeError, Event, decode
from convenio_contracts.rejections import REJECTION_BY_SERVICE, IntakeRejected, RejectionReason
from convenio_contracts.topics import topic as catalogued_topic

from . import inbox
from .db import SessionFactory, is_transient
from .dlq import (
    DeadLetter,
    DeadLetterBreaker,
    DeadLetterCircuitOpenError,
    RawRecord,
    dead_letter_row,
)
from .metrics import Metrics
from .outbox import outbox_row_for
from .tracing import consume_span

log = logging.getLogger(__name__)


class UnitOfWork:
    """What a handler gets: the open transaction, and a way to emit facts and rejections."""

    def __init__(self, session: Session, source: str, event: CloudEvent, service: str = "") -> None:
        self.session = session
        self.source = source
        self.event = event
        self._rejection = REJECTION_BY_SERVICE.get(service, IntakeRejected)

    def emit(self, event: Event) -> str:
        """Write ``event`` to the outbox; returns its ``ce_id`` (a later void may name it)."""
        row = outbox_row_for(event, source=self.source)
        self.session.add(row)
        assert row.event_id is not None
        return row.event_id

    def reject(self, reason: RejectionReason, message: str) -> None:
        """Refuse the command being handled, telling its publisher why."""
        self.emit(
            self._rejection(
                rejected_event_id=self.event.id,
                rejected_event_type=self.event.type,
                reason=reason,
                message=message,
            )
        )


Handler = Callable[[UnitOfWork, CloudEvent], None]


@dataclass
class BatchOutcome:
    handled: int = 0
    handled_by_type: Counter[tuple[str, str]] = field(default_factory=Counter)
    duplicates: int = 0
    ignored: int = 0
    dead_letters: list[tuple[str, str]] = field(default_factory=list)
    """(topic, reason) of each record dead-lettered."""
    emitted_rows: int = 0


class BatchProcessor:
    """Applies a batch of raw records to the service's state in one transaction."""

    def __init__(
        self,
        group: str,
        source: str,
        handlers: Mapping[str, Handler],
        sessions: SessionFactory,
        breaker: DeadLetterBreaker,
        metrics: Metrics | None = None,
        after_batch: Callable[[Session, str], None] | None = None,
    ) -> None:
        self.group = group
        self.source = source
        self.handlers = dict(handlers)
        self.sessions = sessions
        self.breaker = breaker
        self.metrics = metrics
        self.after_batch = after_batch

    def process(self, records: Sequence[RawRecord]) -> BatchOutcome:
        outcome = BatchOutcome()
        breaker_state = self.breaker.snapshot()
        try:
            with self.sessions() as session, session.begin():
                self._apply(session, records, outcome)
                if self.after_batch is not None:
                    self.after_batch(session, self.source)
                if self.breaker.open:
                    raise DeadLetterCircuitOpenError(
                        f"{len(outcome.dead_letters)} invalid records in a batch of {len(records)}"
                    )
        except BaseException:
            self.breaker.restore(breaker_state)
            raise
        self._count(records, outcome)
        return outcome

    def _apply(self, session: Session, records: Sequence[RawRecord], outcome: BatchOutcome) -> None:
        decoded: list[tuple[RawRecord, CloudEvent]] = []
        for record in records:
            event = self._decode(session, record, outcome)
            if event is not None:
                decoded.append((record, event))
        seen = inbox.already_processed(session, self.group, (e.id for _, e in decoded))
        applied: list[str] = []
        for record, event in decoded:
            if event.id in seen:
                outcome.duplicates += 1
                continue
            seen.add(event.id)
            if self._handle(session, record, event, outcome):
                applied.append(event.id)
        inbox.mark_processed(session, self.group, applied)

    def _decode(
        self, session: Session, record: RawRecord, outcome: BatchOutcome
    ) -> CloudEvent | None:
        try:
            event = decode(record.value, record.headers or ())
        except EnvelopeError as exc:
            self._dead_letter(
                session, record, DeadLetter(exc.reason, exc.detail, type(exc).__name__), outcome
            )
            return None
        if event.type not in catalogued_topic(record.topic).event_types:
            detail = f"{event.type} is not carried on {record.topic}"
            self._dead_letter(
                session,
                record,
                DeadLetter("unexpected_event_type", detail, "UnexpectedEventType"),
                outcome,
            )
            return None
        self.breaker.record(invalid=False)
        return event

    def _handle(
        self, session: Session, record: RawRecord, event: CloudEvent, outcome: BatchOutcome
    ) -> bool:
        """Run the handler in a savepoint; True when the event counts as processed."""
        handler = self.handlers.get(event.type)
        if handler is None:
            outcome.ignored += 1  # a tolerant reader: catalogued, but not this service's business
            return True
        with consume_span(
            f"{record.topic} process",
            event.trace_headers,
            **{
                "messaging.system": "kafka",
                "cloudevents.event_type": event.type,
                "cloudevents.event_id": event.id,
                "messaging.consumer.group.name": self.group,
            },
        ):
            try:
                with session.begin_nested():
                    handler(UnitOfWork(session, self.source, event, self.group), event)
            except Exception as exc:
                if is_transient(exc):
                    raise
                log.exception("handler failed for %s %s", event.type, event.id)
                letter = DeadLetter("handler_error", str(exc) or repr(exc), type(exc).__name__)
                self._dead_letter(session, record, letter, outcome)
                return False
        outcome.handled += 1
        outcome.handled_by_type[(record.topic, event.type)] += 1
        return True

    def _dead_letter(
        self, session: Session, record: RawRecord, letter: DeadLetter, outcome: BatchOutcome
    ) -> None:
        session.add(dead_letter_row(self.group, record, letter))
        outcome.dead_letters.append((record.topic, letter.reason))
        self.breaker.record(invalid=True)
        log.warning(
            "dead-lettered %s[%s]@%s: %s: %s",
            record.topic,
            record.partition,
            record.offset,
            letter.reason,
            letter.detail,
        )

    def _count(self, records: Sequence[RawRecord], outcome: BatchOutcome) -> None:
        if self.metrics is None:
            return
        now = time.time()
        for topic in {r.topic for r in records}:
            self.metrics.last_record.labels(topic).set(now)
        for (topic, event_type), n in outcome.handled_by_type.items():
            self.metrics.handled.labels(topic, event_type).inc(n)
        for topic, reason in outcome.dead_letters:
            self.metrics.dead_lettered.labels(topic, reason).inc()
        if outcome.duplicates:
            self.metrics.duplicates.labels(records[0].topic, "*").inc(outcome.duplicates)
