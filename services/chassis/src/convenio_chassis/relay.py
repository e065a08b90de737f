"""The outbox relay: publishes pending rows in id order, in batches, then deletes them.

Rows for one key are published in the order they were written, by one idempotent producer, so
per-key order holds. If the broker is unreachable the rows stay and are retried with backoff.

On SQLite the consumer's batch holds the write lock for most of the time under load. The relay
therefore reads a snapshot (no lock), and deletes what it published from a task of its own:
publishing goes on while a delete waits for the lock, skipping rows already published. A crash
before the delete republishes them, which the consumers' inboxes absorb (at least once).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable

import anyio
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from . import outbox
from .db import SessionFactory, is_transient
from .health import Health
from .logs import exception_summary
from .metrics import Metrics
from .settings import OutboxSettings
from .tracing import TRACE_KEYS, start_publish_span

log = logging.getLogger(__name__)


class OutboxRelay:
    def __init__(
        self,
        sessions: SessionFactory,
        producer_factory: Callable[[], AIOKafkaProducer],
        settings: OutboxSettings,
        health: Health,
        metrics: Metrics,
        read_sessions: SessionFactory | None = None,
    ) -> None:
        self._sessions = sessions
        self._read_sessions = read_sessions or sessions
        self._producer_factory = producer_factory
        self._settings = settings
        self._health = health
        self._metrics = metrics
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._producer: AIOKafkaProducer | None = None
        self._published: dict[int, dt.datetime] = {}
        """Published, not yet deleted (id → created_at): skipped by the next reads."""
        self._deleter: asyncio.Task[None] | None = None
        self._to_delete = asyncio.Event()
        self._deleted = asyncio.Event()
        health.pending("outbox_relay")

    def wake(self) -> None:
        """Called after a unit of work commits, so new rows go out without waiting a poll."""
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")
        self._deleter = asyncio.create_task(self._delete_loop(), name="outbox-deleter")

    async def stop(self, drain_timeout: float = 10.0) -> None:
        """Publish what is pending (bounded), then close the producer."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            with anyio.move_on_after(drain_timeout):
                await asyncio.shield(self._task)
            self._task.cancel()
        if self._deleter is not None:
            self._deleter.cancel()
            self._deleter = None
            with anyio.move_on_after(drain_timeout):
                await self._forget_published()
        if self._producer is not None:
            await self._producer.stop()

    async def _run(self) -> None:
        backoff = 0.1
        while True:
            try:
                published = await self.publish_pending()
            except (KafkaError, OSError) as exc:
                self._metrics.publish_errors.inc()
                self._health.set("outbox_relay", False, f"cannot publish: {type(exc).__name__}")
                log.warning(
                    "outbox relay cannot publish, retrying in %.1fs: %s",
                    backoff,
                    exception_summary(exc),
                )
                await self._reset_producer()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._settings.retry_backoff_max_s)
                continue
            except Exception as exc:  # the database: keep the rows, try again later
                self._metrics.publish_errors.inc()
                self._health.set("outbox_relay", False, f"cannot read outbox: {type(exc).__name__}")
                log.warning("outbox relay cannot read the outbox: %s", exception_summary(exc))
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._settings.retry_backoff_max_s)
                continue
            backoff = 0.1
            self._health.set("outbox_relay", True)
            if published:
                continue
            if self._stopping:
                return
            self._wake.clear()
            with anyio.move_on_after(self._settings.poll_interval_s):
                await self._wake.wait()

    async def publish_pending(self) -> int:
        while len(self._published) >= self._max_undeleted and self._deleter is not None:
            self._deleted.clear()  # the deleter is behind (a locked database): let it catch up
            await self._deleted.wait()
        skip = frozenset(self._published)
        rows, backlog = await anyio.to_thread.run_sync(self._load, skip)
        self._update_backlog_metrics(rows, backlog)
        if not rows:
            return 0
        producer = await self._ensure_producer()
        deliveries = [await self._send(producer, row) for row in rows]
        await asyncio.gather(*deliveries)
        self._published.update((r.id, r.created_at) for r in rows)
        if self._deleter is None:  # not started: a direct call deletes before returning
            await self._forget_published()
        else:
            self._to_delete.set()
        for topic, n in Counter(row.topic for row in rows).items():
            self._metrics.published.labels(topic).inc(n)
        return len(rows)

    @property
    def _max_undeleted(self) -> int:
        return 4 * self._settings.batch_size

    async def _delete_loop(self) -> None:
        while True:
            await self._to_delete.wait()
            self._to_delete.clear()
            try:
                await self._forget_published()
            except Exception as exc:  # kept in the set: the next wake tries again
                log.warning("cannot delete published outbox rows yet: %s", exception_summary(exc))
                await asyncio.sleep(self._settings.retry_backoff_max_s)
                self._to_delete.set()

    async def _forget_published(self) -> None:
        sent = sorted(self._published.items())
        if not sent:
            return
        await self._forget(sent)
        for row_id, _ in sent:  # only once deleted: reads skip them till then
            del self._published[row_id]
        self._deleted.set()

    async def _send(
        self, producer: AIOKafkaProducer, row: outbox.PendingRow
    ) -> asyncio.Future[object]:
        headers = row.header_list()
        stored = {k: v.decode() for k, v in headers if k in TRACE_KEYS}
        ce_id = next((v.decode() for k, v in headers if k == "ce_id"), "")
        # The span lasts until the broker acknowledges, so it shows the publish latency.
        _, fresh, end_span = start_publish_span(
            f"{row.topic} publish",
            stored,
            **{
                "messaging.system": "kafka",
                "messaging.operation.type": "send",
                "messaging.destination.name": row.topic,
                "messaging.message.id": ce_id,
                "cloudevents.event_type": row.event_type,
            },
        )
        if fresh:
            headers = [(k, v) for k, v in headers if k not in TRACE_KEYS]
            headers += [(k, v.encode()) for k, v in fresh.items()]
        try:
            future: asyncio.Future[object] = await producer.send(
                row.topic, value=row.value, key=row.key, headers=headers
            )
        except BaseException as exc:
            end_span(exc)
            raise
        future.add_done_callback(
            lambda done: end_span(None if done.cancelled() else done.exception())
        )
        return future

    async def _forget(self, sent: list[tuple[int, dt.datetime]]) -> None:
        """Delete published rows, retrying a busy database rather than publishing them again."""
        delay = 0.05
        while True:
            try:
                await anyio.to_thread.run_sync(self._delete, sent)
                return
            except Exception as exc:
                if not is_transient(exc):
                    raise
                log.warning(
                    "outbox rows published but not yet deleted, retrying: %s",
                    exception_summary(exc),
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._settings.retry_backoff_max_s)

    def _load(self, skip: frozenset[int]) -> tuple[list[outbox.PendingRow], int]:
        """The next batch, not counting rows published but not yet deleted (``skip``), and how
        many rows wait in all (counted only when the batch is full)."""
        size = self._settings.batch_size
        with self._read_sessions() as session:
            rows = outbox.pending(session, size, skip)
            if len(rows) < size:
                return rows, len(rows)
            return rows, outbox.backlog(session)[0] - len(skip)

    def _delete(self, sent: list[tuple[int, dt.datetime]]) -> None:
        with self._sessions() as session, session.begin():
            outbox.delete_sent(session, sent)

    def _update_backlog_metrics(self, rows: list[outbox.PendingRow], backlog: int) -> None:
        self._metrics.outbox_backlog.set(backlog)
        oldest = rows[0].created_at if rows else None
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=dt.UTC)
        age = (dt.datetime.now(dt.UTC) - oldest).total_seconds() if oldest else 0.0
        self._metrics.outbox_oldest_age.set(age)

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = self._producer_factory()
            try:
                await producer.start()
            except BaseException:
                await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def _reset_producer(self) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            try:
                await producer.stop()
            except Exception as exc:
                log.debug("closing a failed producer: %s", exception_summary(exc))
