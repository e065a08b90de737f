"""What the runtime tells the world when things fail: the class of an exception and where it was
raised, never its message (a PostgreSQL ``DETAIL`` quotes key values), in logs and in the
unauthenticated readiness report. And the operator's quarantine switch, guarded like a write."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from convenio_chassis.db import create_tables
from convenio_chassis.health import Health
from convenio_chassis.http_auth import Role
from convenio_chassis.inbox import ProcessedMessage
from convenio_chassis.local_issuer import LocalIssuer
from convenio_chassis.logs import log_handler
from convenio_chassis.metrics import Metrics
from convenio_chassis.outbox import OutboxRecord
from convenio_chassis.relay import OutboxRelay
from convenio_chassis.runtime import ServiceDefinition, create_app
from convenio_chassis.settings import OutboxSettings, ServiceSettings
from convenio_contracts.enrolment import RegisterOfficer
from convenio_contracts.topics import Principal

SENTINEL = "CUIPSENTINEL4242"


def postgres_duplicate_key() -> IntegrityError:
    """What psycopg raises for a duplicate key, wrapped by SQLAlchemy as a flush would."""
    detail = (
        'duplicate key value violates unique constraint "officer_pkey"\n'
        f"DETAIL:  Key (cuip)=({SENTINEL}) already exists."
    )
    return IntegrityError("INSERT INTO officer (cuip) VALUES (%(cuip)s)", None, Exception(detail))


def database_locked() -> OperationalError:
    return OperationalError("UPDATE officer", None, Exception(f"lock held on {SENTINEL}"))


class Message:
    """What FastStream hands the subscriber: the raw records, and ack/nack."""

    def __init__(self, records: Sequence[Any]) -> None:
        self.raw_message = tuple(records)
        self.acked = self.nacked = 0

    async def ack(self) -> None:
        self.acked += 1

    async def nack(self) -> None:
        self.nacked += 1


@pytest.fixture
def log_text() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = log_handler("enrolment", "json", stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def make_client(
    tmp_path: Path,
    failures: list[BaseException],
    database_url: str | None = None,
    prefetch: Callable[[Any], None] | None = None,
) -> TestClient:
    """A service whose prefetch raises each of ``failures`` once, in order, then succeeds (or
    runs ``prefetch`` with the batch's session)."""

    def before_batch(session: Any, events: Any) -> None:
        if failures:
            raise failures.pop(0)
        if prefetch is not None:
            prefetch(session)

    definition = ServiceDefinition(
        name="enrolment",
        principal=Principal.SVC_ENROLMENT,
        handlers={RegisterOfficer.event_type: lambda uow, event: None},
        before_batch=before_batch,
    )
    settings = ServiceSettings(
        database_url=database_url or f"sqlite:///{tmp_path}/service.db",
        http_auth=LocalIssuer(tmp_path / "issuer").settings("enrolment"),
    )
    app = create_app(definition, settings, configure_process=False)
    create_tables(app.state.runtime.engine, [ProcessedMessage, OutboxRecord])
    return TestClient(app)


async def test_a_failed_batch_shows_the_error_class_but_not_its_detail(
    tmp_path, log_text, agency
) -> None:
    client = make_client(tmp_path, [postgres_duplicate_key()])
    message = Message([agency.registration("CUIP0000000001")])
    await client.app.state.runtime.consume(message)
    assert message.nacked == 1
    ready = client.get("/health/ready")
    assert ready.status_code == 503
    assert "IntegrityError" in ready.json()["checks"]["consumer"]["detail"]
    assert SENTINEL not in ready.text
    logged = log_text.getvalue()
    assert "IntegrityError" in logged
    assert "test_runtime_disclosure.py" in logged  # where it was raised is kept
    assert SENTINEL not in logged


@pytest.mark.postgres
async def test_a_real_postgresql_duplicate_key_stays_out_of_logs_and_readiness(
    tmp_path, log_text, agency, postgres_url
) -> None:
    """PostgreSQL's own DETAIL line quotes the key: the real driver's message, not a copy."""

    def insert_the_sentinel(session: Any) -> None:
        session.execute(text("INSERT INTO sentinel_officer (cuip) VALUES (:c)"), {"c": SENTINEL})

    client = make_client(tmp_path, [], postgres_url, insert_the_sentinel)
    with client.app.state.runtime.engine.begin() as conn:
        conn.execute(text("CREATE TABLE sentinel_officer (cuip text PRIMARY KEY)"))
        conn.execute(text("INSERT INTO sentinel_officer (cuip) VALUES (:c)"), {"c": SENTINEL})
    message = Message([agency.registration("CUIP0000000006")])
    await client.app.state.runtime.consume(message)
    assert message.nacked == 1
    ready = client.get("/health/ready").text
    assert "IntegrityError" in ready
    logged = log_text.getvalue()
    assert "IntegrityError" in logged
    assert SENTINEL not in ready
    assert SENTINEL not in logged
    client.app.state.runtime.engine.dispose()


async def test_a_retried_batch_logs_the_error_class_but_not_its_detail(
    tmp_path, log_text, agency
) -> None:
    client = make_client(tmp_path, [database_locked()])
    message = Message([agency.registration("CUIP0000000002")])
    await client.app.state.runtime.consume(message)
    assert message.acked == 1
    logged = log_text.getvalue()
    assert "OperationalError" in logged
    assert SENTINEL not in logged
    assert SENTINEL not in client.get("/health/ready").text


def test_a_traceback_logged_anywhere_carries_no_exception_message(log_text) -> None:
    try:
        raise postgres_duplicate_key()
    except IntegrityError:
        logging.getLogger("some.library").exception("it failed")
    logged = log_text.getvalue()
    assert "IntegrityError" in logged
    assert "test_runtime_disclosure.py" in logged
    assert SENTINEL not in logged


def test_pausing_a_source_needs_the_operator_role(tmp_path) -> None:
    client = make_client(tmp_path, [])
    body = {"source": "/agency/academia-flood"}
    assert client.post("/admin/quarantine", json=body).status_code == 401
    wrong = LocalIssuer(tmp_path / "issuer").bearer("enrolment", Role.UMS_COORDINATOR)
    assert client.post("/admin/quarantine", json=body, headers=wrong).status_code == 403
    assert client.get("/admin/quarantine").status_code == 401
    assert client.app.state.runtime.quarantine.paused == []


async def test_a_paused_source_is_diverted_and_shown_without_failing_readiness(
    tmp_path, agency
) -> None:
    client = make_client(tmp_path, [])
    runtime = client.app.state.runtime
    operator = LocalIssuer(tmp_path / "issuer").bearer("enrolment", Role.OPERATOR)
    paused = client.post("/admin/quarantine", json={"source": "/tests"}, headers=operator)
    assert paused.json() == {"paused": ["/tests"]}
    outcome = await runtime.handle_batch((agency.registration("CUIP0000000003"),))
    assert outcome.dead_letters == [("enrolment.intake.v1", "source_quarantined")]
    assert outcome.handled == 0
    runtime.health.set("kafka", True)  # not started here: no broker, no relay
    runtime.health.set("outbox_relay", True)
    ready = client.get("/health/ready")
    assert ready.status_code == 200, ready.json()
    assert ready.json()["alerts"]["quarantined_sources"] == {"sources": ["/tests"]}
    metrics = client.get("/metrics").text
    assert 'convenio_source_quarantined{source="/tests"} 1.0' in metrics
    assert 'convenio_source_dead_lettered_total{reason="source_quarantined",source="/tests"}' in (
        metrics
    )

    released = client.post("/admin/quarantine/release", json={"source": "/tests"}, headers=operator)
    assert released.json() == {"paused": []}
    outcome = await runtime.handle_batch((agency.registration("CUIP0000000004"),))
    assert outcome.handled == 1
    assert "quarantined_sources" not in client.get("/health/ready").json()["alerts"]


def test_quarantined_sources_come_from_settings(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CONSUMER_QUARANTINED_SOURCES", '["/agency/academia-flood"]')
    client = make_client(tmp_path, [])
    assert client.app.state.runtime.quarantine.paused == ["/agency/academia-flood"]


async def test_a_relay_that_cannot_read_its_outbox_shows_the_class_only(log_text) -> None:
    def broken_sessions() -> Any:
        raise postgres_duplicate_key()

    health = Health()
    relay = OutboxRelay(
        broken_sessions,
        lambda: None,  # type: ignore[arg-type,return-value]  # never reached: no row is read
        OutboxSettings(poll_interval_s=0.05, retry_backoff_max_s=0.1),
        health,
        Metrics(),
    )
    relay.start()
    try:
        for _ in range(50):
            if health.report()["checks"]["outbox_relay"]["detail"]:  # type: ignore[index]
                break
            await asyncio.sleep(0.05)
    finally:
        await relay.stop(drain_timeout=0.5)
    detail = health.report()["checks"]["outbox_relay"]["detail"]  # type: ignore[index]
    assert detail == "cannot read outbox: IntegrityError"
    logged = log_text.getvalue()
    assert "outbox relay cannot read the outbox: IntegrityError" in logged
    assert SENTINEL not in logged


async def test_a_flooding_source_raises_an_alert_that_clears_when_it_recovers(
    tmp_path, monkeypatch, agency
) -> None:
    monkeypatch.setenv("CONSUMER_DLQ_WINDOW", "4")
    monkeypatch.setenv("CONSUMER_DLQ_MIN_INVALID", "2")
    client = make_client(tmp_path, [])
    runtime = client.app.state.runtime
    runtime.health.set("kafka", True)
    runtime.health.set("outbox_relay", True)
    garbage = [agency.Record(b"x", agency.registration("CUIP0000000005").headers)] * 3
    outcome = await runtime.handle_batch(tuple(garbage))
    assert len(outcome.dead_letters) == 3
    ready = client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["alerts"]["dead_letter_flood"] == {"sources": ["/tests"]}
    assert 'convenio_source_flooding{source="/tests"} 1.0' in client.get("/metrics").text

    valid = [agency.registration(f"CUIP000000010{i}") for i in range(4)]
    await runtime.handle_batch(tuple(valid))
    assert "dead_letter_flood" not in client.get("/health/ready").json()["alerts"]
    assert 'convenio_source_flooding{source="/tests"} 0.0' in client.get("/metrics").text
