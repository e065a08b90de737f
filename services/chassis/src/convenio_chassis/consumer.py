"""The consumer pipeline: decode → inbox → handler → outbox, one transaction per batch.

The batch is handled in a worker thread (the database is synchronous), committed, and only
then are the Kafka offsets committed (at least once). A redelivered ``ce_id`` is skipped by the
inbox (effects once). A record that cannot be accepted becomes a dead letter, written in the
same transaction, and counted against its source; a source an operator paused is diverted to
the dead-letter topic whole (``quarantine.py``). Transient database errors roll the batch back
and retry it with backoff: they are never dead-lettered and never skipped.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import Span
from sqlmodel import Session

from convenio_contracts import CloudEvent, EnvelopeError, Event, decode
from convenio_contracts.rejections import REJECTION_BY_SERVICE, IntakeRejected, RejectionReason
from convenio_contracts.topics import topic as catalogued_topic

from . import inbox, outbox
from .db import SessionFactory, is_transient
from .dlq import DeadLetter, DeadLetterBreaker, RawRecord, dead_letter_row, record_source
from .logs import code_locations
from .metrics import Metrics
from .notices import notice_row
from .observation import event_type_label, observed, raw_trace_headers
from .outbox import outbox_values
from .quarantine import QUARANTINED_REASON, Quarantine
from .tracing import current_trace_headers, mark_failed

log = logging.getLogger(__name__)


class UnitOfWork:
    """What a handler gets: the open transaction, and a way to emit facts and rejections.

    Emitted facts are buffered on the session and written to the outbox with the rest of the
    batch, in one statement; a failing handler's facts are dropped with its other effects."""

    def __init__(self, session: Session, source: str, event: CloudEvent, service: str = "") -> None:
        self.session = session
        self.source = source
        self.event = event
        self._rejection = REJECTION_BY_SERVICE.get(service, IntakeRejected)

    def emit(self, event: Event) -> str:
        """Write ``event`` to the outbox; returns its ``ce_id`` (a later void may name it)."""
        row = outbox_values(event, source=self.source)
        outbox.buffered(self.session).append(row)
        return str(row["event_id"])

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
Prefetch = Callable[[Session, Sequence[CloudEvent]], None]
"""Runs in the batch's transaction before its handlers, with the events about to be handled
(decoded, not yet processed): a service loads in a few set-based queries what its handlers will
look up one by one, and keeps it in ``batch_memo``."""

_MEMO = "convenio.batch_memo"


def batch_memo(session: Session) -> dict[Any, Any]:
    """A cache that lives as long as the batch's transaction, for a service's repository.

    The chassis empties it whenever a handler's effects are rolled back (a savepoint in the
    careful pass), because the rows it holds may then be stale or expunged; a repository must
    therefore treat a miss as "ask the database", never as "absent", unless it recorded the
    absence itself in the same memo."""
    memo: dict[Any, Any] = session.info.setdefault(_MEMO, {})
    return memo


class _HandlerFailedError(Exception):
    """A handler raised during the optimistic pass: the batch is redone with savepoints."""


@dataclass
class BatchOutcome:
    handled: int = 0
    duplicates: int = 0
    ignored: int = 0
    dead_letters: list[tuple[str, str]] = field(default_factory=list)
    """(topic, reason) of each record dead-lettered."""
    spans: list[tuple[Span, int]] = field(default_factory=list)
    """Record spans with their end times, ended only if the batch commits."""
    tally: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)
    """(outcome, topic, event type, dead-letter reason or "") → records, for the metrics."""
    by_source: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(source label, dead-letter reason) → records dead-lettered."""


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
        before_batch: Prefetch | None = None,
        quarantine: Quarantine | None = None,
    ) -> None:
        self.group = group
        self.source = source
        self.handlers = dict(handlers)
        self.sessions = sessions
        self.breaker = breaker
        self.metrics = metrics
        self.after_batch = after_batch
        self.before_batch = before_batch
        self.quarantine = quarantine or Quarantine()

    def process(self, records: Sequence[RawRecord]) -> BatchOutcome:
        """Handle the batch optimistically, without a savepoint per record; if a handler fails,
        roll everything back and handle the batch again with savepoints, so only the failing
        record is dead-lettered. Handlers are deterministic, so the second pass fails on the
        same record."""
        try:
            return self._process(records, careful=False)
        except _HandlerFailedError:
            return self._process(records, careful=True)

    def _process(self, records: Sequence[RawRecord], *, careful: bool) -> BatchOutcome:
        outcome = BatchOutcome()
        breaker_state = self.breaker.snapshot()
        try:
            with self.sessions() as session, session.begin():
                self._apply(session, records, outcome, careful)
                outbox.write_buffered(session)
                if self.after_batch is not None:
                    self.after_batch(session, self.source)
        except BaseException:
            self.breaker.restore(breaker_state)
            raise
        for span, ended_at in outcome.spans:
            span.end(end_time=ended_at)
        self._count(outcome)
        return outcome

    def _apply(
        self, session: Session, records: Sequence[RawRecord], outcome: BatchOutcome, careful: bool
    ) -> None:
        decoded: list[tuple[RawRecord, CloudEvent]] = []
        for record in records:
            event = self._decode(session, record, outcome)
            if event is not None:
                decoded.append((record, event))
        seen = inbox.already_processed(session, self.group, (e.id for _, e in decoded))
        if self.before_batch is not None:
            self.before_batch(session, [e for _, e in decoded if e.id not in seen])
        applied: list[str] = []
        for record, event in decoded:
            with observed(
                self.group, record, event.trace_headers, event.type, event.id, outcome.spans
            ) as span:
                if event.id in seen:
                    outcome.duplicates += 1
                    self._settle(outcome, span, "duplicate", record.topic, event.type)
                    continue
                seen.add(event.id)
                if self._handle(session, record, event, outcome, span, careful):
                    applied.append(event.id)
        inbox.mark_processed(session, self.group, applied)

    @staticmethod
    def _settle(
        outcome: BatchOutcome, span: Span, kind: str, topic: str, event_type: str, reason: str = ""
    ) -> None:
        outcome.tally[(kind, topic, event_type, reason)] += 1
        span.set_attribute("convenio.outcome", kind)

    def _decode(
        self, session: Session, record: RawRecord, outcome: BatchOutcome
    ) -> CloudEvent | None:
        source = record_source(record)
        label = self.quarantine.label(source)
        if self.quarantine.is_paused(source):
            event_type = event_type_label(record)
            with observed(
                self.group, record, raw_trace_headers(record), event_type, None, outcome.spans
            ):
                detail = f"source {label} is paused by an operator"
                letter = DeadLetter(QUARANTINED_REASON, detail, "SourceQuarantined")
                self._dead_letter(session, record, letter, outcome, event_type, label, judged=False)
            return None
        try:
            event = decode(record.value, record.headers or ())
        except EnvelopeError as exc:
            event_type = event_type_label(record)
            with observed(
                self.group,
                record,
                raw_trace_headers(record),
                event_type,
                exc.event_id,
                outcome.spans,
            ):
                letter = DeadLetter(exc.reason, exc.detail, type(exc).__name__)
                self._dead_letter(session, record, letter, outcome, event_type, label)
            return None
        if event.type not in catalogued_topic(record.topic).event_types:
            detail = f"{event.type} is not carried on {record.topic}"
            with observed(
                self.group, record, event.trace_headers, event.type, event.id, outcome.spans
            ):
                letter = DeadLetter("unexpected_event_type", detail, "UnexpectedEventType")
                self._dead_letter(session, record, letter, outcome, event.type, label)
            return None
        self.breaker.record(invalid=False, source=label)
        return event

    def _handle(
        self,
        session: Session,
        record: RawRecord,
        event: CloudEvent,
        outcome: BatchOutcome,
        span: Span,
        careful: bool,
    ) -> bool:
        """Run the handler (in a savepoint when ``careful``); True when the event counts as
        processed."""
        handler = self.handlers.get(event.type)
        if handler is None:
            outcome.ignored += 1  # a tolerant reader: catalogued, but not this service's business
            self._settle(outcome, span, "ignored", record.topic, event.type)
            return True
        started = time.perf_counter()
        uow = UnitOfWork(session, self.source, event, self.group)
        emitted_before = len(outbox.buffered(session))
        try:
            if careful:
                with session.begin_nested():
                    handler(uow, event)
            else:
                handler(uow, event)
        except Exception as exc:
            del outbox.buffered(session)[emitted_before:]
            session.info.pop(_MEMO, None)
            error = "transient" if is_transient(exc) else "handler_error"
            if error == "transient":
                self._observe(record.topic, event.type, started, error)
                raise
            if not careful:
                raise _HandlerFailedError from exc
            self._observe(record.topic, event.type, started, error)
            # The message can quote the event's data: it goes to the DLQ header, not the log.
            log.error(
                "handler raised %s; record dead-lettered, see its dlq.error header",
                type(exc).__name__,
                extra={"stack": code_locations(exc)},
            )
            letter = DeadLetter("handler_error", str(exc) or repr(exc), type(exc).__name__)
            label = self.quarantine.label(event.source)
            self._dead_letter(session, record, letter, outcome, event.type, label)
            return False
        self._observe(record.topic, event.type, started)
        outcome.handled += 1
        self._settle(outcome, span, "handled", record.topic, event.type)
        log.debug("handled")
        return True

    def _observe(self, topic: str, event_type: str, started: float, error: str = "") -> None:
        if self.metrics is None:
            return
        elapsed = time.perf_counter() - started
        self.metrics.handler_latency.labels(topic, event_type).observe(elapsed)
        if error:
            self.metrics.failed.labels(topic, event_type, error).inc()

    def _dead_letter(
        self,
        session: Session,
        record: RawRecord,
        letter: DeadLetter,
        outcome: BatchOutcome,
        event_type: str,
        source: str,
        *,
        judged: bool = True,
    ) -> None:
        """Called inside the record's span: the dead letter continues its trace. ``judged`` is
        false for a paused source's record, which says nothing about how good its source is."""
        session.add(dead_letter_row(self.group, record, letter, current_trace_headers()))
        notice = notice_row(self.group, self.source, record, letter.reason)
        if notice is not None:
            session.add(notice)  # the publisher's notice, in the dead letter's transaction
        outcome.dead_letters.append((record.topic, letter.reason))
        outcome.by_source[(source, letter.reason)] += 1
        span = trace.get_current_span()
        self._settle(outcome, span, "dead_lettered", record.topic, event_type, letter.reason)
        span.set_attribute("convenio.dead_letter.reason", letter.reason)
        mark_failed(span, letter.reason)
        if judged:
            self.breaker.record(invalid=True, source=source)
        # The detail can quote the payload: it goes to the DLQ header, not the log.
        log.warning(
            "dead-lettered %s[%s]@%s: %s (%s)",
            record.topic,
            record.partition,
            record.offset,
            letter.reason,
            letter.exception,
        )

    def _count(self, outcome: BatchOutcome) -> None:
        if self.metrics is None:
            return
        counters = {
            "handled": self.metrics.handled,
            "ignored": self.metrics.ignored,
            "duplicate": self.metrics.duplicates,
        }
        for (kind, topic, event_type, reason), n in outcome.tally.items():
            if kind == "dead_lettered":
                self.metrics.dead_lettered.labels(topic, event_type, reason).inc(n)
            else:
                counters[kind].labels(topic, event_type).inc(n)
        for (source, reason), n in outcome.by_source.items():
            self.metrics.source_dead_lettered.labels(source, reason).inc(n)
