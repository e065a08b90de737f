"""The service runtime: one HTTP app per service that also runs its Kafka consumer and its
outbox relay. Each service's ``app.py`` describes itself with a ``ServiceDefinition`` and calls
``create_app``; nothing is built at import time.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import anyio
from aiokafka.errors import KafkaError
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlmodel import Session

from convenio_contracts.topics import CONSUMER_GROUPS, Principal, subscriptions

from . import migrations
from .consumer import BatchOutcome, BatchProcessor, Handler, Prefetch
from .db import SessionFactory, is_transient, make_engine, session_factory
from .dlq import DeadLetterBreaker
from .health import Health
from .http_auth import UMS_STAFF, Caller, Role, TokenVerifier, require_role
from .integration import integration_router
from .kafka import make_broker, make_producer
from .logs import code_locations, exception_summary, setup_logging
from .metrics import Metrics
from .quarantine import Quarantine
from .relay import OutboxRelay
from .settings import ServiceSettings
from .tracing import setup_tracing

log = logging.getLogger(__name__)


class Backoff:
    """Exponential backoff between retries: 0.1 s doubling up to ``ceiling``."""

    def __init__(self, first: float = 0.1, ceiling: float = 5.0) -> None:
        self._first, self._ceiling, self._next = first, ceiling, first

    def next(self) -> float:
        delay, self._next = self._next, min(self._next * 2, self._ceiling)
        return delay

    def reset(self) -> None:
        self._next = self._first


@dataclass(frozen=True)
class ServiceDefinition:
    name: str
    principal: Principal
    """Also the name of the service's package, whose ``migrations`` the runtime applies."""
    handlers: Mapping[str, Handler]
    routers: Sequence[APIRouter] = ()
    after_batch: Callable[[Session, str], None] | None = None
    """Runs inside each batch's transaction after its handlers, e.g. to refresh projections."""
    before_batch: Prefetch | None = None
    """Runs inside each batch's transaction before its handlers: set-based prefetching."""
    description: str = ""
    background: Sequence[Callable[[Runtime], Any]] = field(default_factory=tuple)
    public_docs: bool = False
    """Serve /docs and /openapi.json to anyone (a public API); otherwise only the schema, at
    /openapi.json, to a caller with a UMS role (ADR 0085)."""


class Runtime:
    """Everything a running service holds; built when called, never at import."""

    def __init__(self, definition: ServiceDefinition, settings: ServiceSettings) -> None:
        self.definition = definition
        self.settings = settings
        self.health = Health()
        self.metrics = Metrics()
        self.engine = make_engine(
            settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms
        )
        self.sessions: SessionFactory = session_factory(self.engine)
        self.read_sessions: SessionFactory = session_factory(self.engine, read_only=True)
        self.group = CONSUMER_GROUPS[definition.principal]
        self.topics = [t.name for t in subscriptions(definition.principal)]
        self.breaker = DeadLetterBreaker(
            settings.consumer.dlq_window,
            settings.consumer.dlq_max_invalid_ratio,
            settings.consumer.dlq_min_invalid,
        )
        self.quarantine = Quarantine(
            settings.consumer.quarantined_sources,
            settings.consumer.catalogued_sources,
            settings.consumer.source_label_limit,
        )
        self.processor = BatchProcessor(
            group=self.group,
            source=f"/convenio/{definition.name}",
            handlers=definition.handlers,
            sessions=self.sessions,
            breaker=self.breaker,
            metrics=self.metrics,
            after_batch=definition.after_batch,
            before_batch=definition.before_batch,
            quarantine=self.quarantine,
        )
        self.broker: KafkaBroker = make_broker(settings.kafka, client_id=definition.name)
        self.relay = OutboxRelay(
            self.sessions,
            lambda: make_producer(settings.kafka, client_id=f"{definition.name}-relay"),
            settings.outbox,
            self.health,
            self.metrics,
            read_sessions=self.read_sessions,
        )
        self._tasks: list[asyncio.Task[Any]] = []
        self._failure_backoff = Backoff()
        self._flooding: set[str] = set()
        self.health.pending("database", "kafka")
        self.metrics.watch(self.health)
        self.metrics.watch_sources(self.breaker, self.quarantine)
        self._show_sources()
        self.metrics.activity.subscribe(self.topics)
        if self.topics:
            self._subscribe()

    def _subscribe(self) -> None:
        consumer = self.settings.consumer

        @self.broker.subscriber(
            *self.topics,
            group_id=self.group,
            batch=True,
            max_records=consumer.max_batch,
            batch_timeout_ms=consumer.batch_timeout_ms,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.MANUAL,
            parser=_tolerant_parser,
            decoder=_raw_records,
        )
        async def on_batch(message: KafkaMessage) -> None:
            await self.consume(message)

    async def consume(self, message: KafkaMessage) -> None:
        """FastStream's ACK policy commits even when the handler raised: commit ourselves,
        only after the database did, and rewind every partition of a failed batch."""
        try:
            await self.handle_batch(message.raw_message)
        except Exception as exc:
            # Class and location only: the message can quote the data (a key, a DETAIL).
            log.error(
                "batch failed with %s; rewinding it to be read again",
                exception_summary(exc),
                extra={"stack": code_locations(exc)},
            )
            self.health.set("consumer", False, f"batch failed, re-reading: {exc_class(exc)}")
            await message.nack()
            await asyncio.sleep(self._failure_backoff.next())
            return
        self._failure_backoff.reset()
        await message.ack()

    async def handle_batch(self, records: Any) -> BatchOutcome | None:
        """Apply a batch; returns only when it is committed, so offsets follow the database."""
        if not isinstance(records, tuple):
            records = (records,)
        self.metrics.activity.received(r.topic for r in records)
        backoff = Backoff()
        while True:
            try:
                with self.metrics.batch_latency.time():
                    outcome = await anyio.to_thread.run_sync(self.processor.process, records)
            except Exception as exc:
                if not is_transient(exc):
                    raise
                self.health.set("consumer", False, f"retrying: {exc_class(exc)}")
                self.metrics.batches_retried.inc()
                delay = backoff.next()
                log.warning(
                    "transient database error, retrying batch in %.1fs: %s",
                    delay,
                    exception_summary(exc),
                )
                await asyncio.sleep(delay)
                continue
            self.health.set("consumer", True)
            self.health.set("kafka", True, "consuming")
            self._show_sources()
            self.relay.wake()
            return outcome

    def _show_sources(self) -> None:
        """Flooding and paused sources as readiness alerts, which never make it red: one
        publisher's garbage must not take the service from everyone else."""
        flooding = self.breaker.flooding()
        if flooding != self._flooding:
            log.warning("sources flooding the dead-letter topics: %s", sorted(flooding) or "none")
            self._flooding = flooding
        self.health.alert(
            "dead_letter_flood", **({"sources": sorted(flooding)} if flooding else {})
        )
        paused = [self.quarantine.label(s) for s in self.quarantine.paused]
        self.health.alert("quarantined_sources", **({"sources": paused} if paused else {}))

    def pause_source(self, source: str) -> None:
        self.quarantine.pause(source)
        log.warning("source %s paused by an operator", self.quarantine.label(source))
        self._show_sources()

    def resume_source(self, source: str) -> None:
        self.quarantine.resume(source)
        log.warning("source %s resumed by an operator", self.quarantine.label(source))
        self._show_sources()

    def check_database(self) -> None:
        with self.read_sessions() as session:
            session.execute(text("SELECT 1"))

    def prepare_database(self) -> None:
        """Bring the schema to the newest migration, unless a deployment step does."""
        if self.settings.migrate_on_start:
            migrations.upgrade(self.engine, self.definition.name)
        else:
            log.info("MIGRATE_ON_START is false: the deployment migrates the database")

    async def start(self) -> None:
        self.prepare_database()
        self.health.set("database", True)
        self.relay.start()
        self._tasks.append(asyncio.create_task(self._connect_broker(), name="broker-connect"))
        for job in self.definition.background:
            self._tasks.append(asyncio.create_task(job(self)))

    async def _connect_broker(self) -> None:
        backoff = Backoff(0.5, 10.0)
        while True:
            try:
                await self.broker.start()
            except (KafkaError, OSError) as exc:
                self.health.set("kafka", False, f"cannot connect: {exc_class(exc)}")
                delay = backoff.next()
                log.warning(
                    "cannot connect to Kafka, retrying in %.1fs: %s", delay, exception_summary(exc)
                )
                await asyncio.sleep(delay)
                continue
            self.health.set("kafka", True, "connected")
            return

    async def stop(self) -> None:
        """Stop consuming (in-flight batches finish and commit), then drain the outbox."""
        for task in self._tasks:
            task.cancel()
        await self.broker.stop()
        await self.relay.stop()
        self.engine.dispose()


async def _tolerant_parser(records: Any, original: Callable[[Any], Any]) -> Any:
    """FastStream's parser decodes every header as UTF-8 and fails the whole batch on one bad
    header. Give it a lenient copy; keep the untouched records for the chassis to judge."""
    batch = records if isinstance(records, tuple) else (records,)
    # FastStream reads only the batch's ends (its message id, the first headers); parsing every
    # record was a tenth of a busy service's time, for nothing.
    ends = (batch[0], batch[-1]) if len(batch) > 1 else batch
    lenient = tuple(
        dataclasses.replace(r, headers=[(k, _lenient(v)) for k, v in (r.headers or ())])
        for r in ends
    )
    message = await original(lenient if isinstance(records, tuple) else lenient[0])
    message.raw_message = records
    return message


def _lenient(value: bytes | None) -> bytes:
    return (value or b"").decode("utf-8", "replace").encode("utf-8")


async def _raw_records(message: Any) -> Any:
    """Hand the handler the raw records: the chassis decodes each one itself so that a bad
    record is dead-lettered alone instead of failing the whole batch."""
    return message.raw_message


def create_app(
    definition: ServiceDefinition, settings: ServiceSettings, *, configure_process: bool = True
) -> FastAPI:
    if configure_process:
        setup_logging(definition.name, settings.log_level, settings.log_format)
        setup_tracing(definition.name)
    runtime = Runtime(definition, settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    public = definition.public_docs
    app = FastAPI(
        title=f"Convenio {definition.name}",
        description=definition.description,
        lifespan=lifespan,
        docs_url="/docs" if public else None,
        redoc_url="/redoc" if public else None,
    )
    app.state.runtime = runtime
    app.state.token_verifier = TokenVerifier(settings.http_auth)
    if not app.state.token_verifier.configured:
        log.warning("%s: every guarded endpoint answers 503", app.state.token_verifier.problem)
    app.include_router(_operations_router())
    app.include_router(_quarantine_router())
    app.include_router(integration_router())
    for router in definition.routers:
        app.include_router(router)
    if not definition.public_docs:
        _guard_openapi(app)
    return app


def _guard_openapi(app: FastAPI) -> None:
    """The schema names every route and parameter of a UMS service: UMS staff only."""
    schema_route = next(r for r in app.router.routes if getattr(r, "path", "") == app.openapi_url)
    app.router.routes.remove(schema_route)

    @app.get(app.openapi_url or "/openapi.json", include_in_schema=False)
    def openapi(_caller: Annotated[Caller, Depends(require_role(*UMS_STAFF))]) -> JSONResponse:
        return JSONResponse(app.openapi())


def _operations_router() -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/health/live")
    def live() -> dict[str, str]:
        return {"status": "alive"}

    @router.get("/health/ready")
    def ready(request: Request) -> JSONResponse:
        runtime: Runtime = request.app.state.runtime
        try:
            runtime.check_database()
        except Exception as exc:
            runtime.health.set("database", False, f"unreachable: {exc.__class__.__name__}")
        else:
            runtime.health.set("database", True)
        report = runtime.health.report()
        return JSONResponse(report, status_code=200 if report["ready"] else 503)

    @router.get("/metrics")
    def metrics(request: Request) -> Response:
        runtime: Runtime = request.app.state.runtime
        return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return router


class SourceRequest(BaseModel):
    source: str = Field(min_length=1, max_length=200)


def _quarantine_router() -> APIRouter:
    """Pause and resume a source on this instance (every replica must be told; the durable way
    is ``CONSUMER_QUARANTINED_SOURCES``). For operators only (``http_auth``)."""
    router = APIRouter(
        prefix="/admin/quarantine",
        tags=["operations"],
        dependencies=[Depends(require_role(Role.OPERATOR))],
    )

    @router.get("")
    def paused(request: Request) -> dict[str, list[str]]:
        return {"paused": request.app.state.runtime.quarantine.paused}

    @router.post("")
    def pause(body: SourceRequest, request: Request) -> dict[str, list[str]]:
        runtime: Runtime = request.app.state.runtime
        runtime.pause_source(body.source)
        return {"paused": runtime.quarantine.paused}

    @router.post("/release")
    def resume(body: SourceRequest, request: Request) -> dict[str, list[str]]:
        runtime: Runtime = request.app.state.runtime
        runtime.resume_source(body.source)
        return {"paused": runtime.quarantine.paused}

    return router


def exc_class(exc: BaseException) -> str:
    return type(exc).__name__


def get_session(request: Request) -> Iterator[Session]:
    """FastAPI dependency: a read session on the service's own database (a snapshot that never
    waits for the consumer's batch; it must not write)."""
    runtime: Runtime = request.app.state.runtime
    with runtime.read_sessions() as session:
        yield session


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """Run a service until SIGINT/SIGTERM; shutdown drains in-flight batches and the outbox."""
    import uvicorn

    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        timeout_graceful_shutdown=20,
    )
