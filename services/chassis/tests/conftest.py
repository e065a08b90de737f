"""An agency's records, and a batch processor over a real database whose handler can be told to
fail, for the chassis's observability tests. Helpers are fixtures: test modules here are not a
package (``tests`` is the cross-service package's name)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import Field, SQLModel

from convenio_chassis.consumer import BatchProcessor, UnitOfWork
from convenio_chassis.db import create_tables, make_engine, session_factory
from convenio_chassis.dlq import DeadLetterBreaker
from convenio_chassis.inbox import ProcessedMessage
from convenio_chassis.metrics import Metrics
from convenio_chassis.outbox import OutboxRecord
from convenio_contracts import CloudEvent, encode
from convenio_contracts.enrolment import OfficerRegistered, PublishCourse, RegisterOfficer

INTAKE = "enrolment.intake.v1"
SENDER_TRACE = "0af7651916cd43dd8448eb211c80319c"
SENDER_SPAN = "b7ad6b7169203331"
TRACEPARENT = f"00-{SENDER_TRACE}-{SENDER_SPAN}-01"
CURP = "GOML850101HMCRRS09"
FULL_NAME = "Luis Gómez Mendoza"


class Officer(SQLModel, table=True):
    __tablename__ = "test_observed_officer"
    cuip: str = Field(primary_key=True)


@dataclass
class Record:
    value: bytes | None
    headers: list[tuple[str, bytes]]
    topic: str = INTAKE
    partition: int = 2
    offset: int = 40
    key: bytes | None = b"k"


def registration(cuip: str, traceparent: str | None = TRACEPARENT) -> Record:
    event = RegisterOfficer(
        cuip=cuip,
        curp=CURP,
        full_name=FULL_NAME,
        sex="hombre",
        corporation="Policía de Toluca",
        level="municipal",
        municipality=15106,
        profile="proximidad",
        rank="policía",
        hire_year=2019,
    )
    trace = {"traceparent": traceparent} if traceparent else {}
    out = encode(event, source="/tests", trace_headers=trace)
    return Record(out.value, out.headers, key=cuip.encode())


def course_publication() -> Record:
    event = PublishCourse(
        course_id="C-1",
        version=1,
        title="Primer respondiente",
        training_type="actualizacion",
        programme_code="PRP-2026",
        planned_theory_hours=10,
        planned_practice_hours=30,
        competencies=["primer respondiente"],
    )
    out = encode(event, source="/tests", trace_headers={"traceparent": TRACEPARENT})
    return Record(out.value, out.headers)


def officer_registered() -> OfficerRegistered:
    return OfficerRegistered(
        officer_id="off_" + "0" * 32,
        sex="hombre",
        corporation="Policía de Toluca",
        level="municipal",
        municipality=15106,
        profile="proximidad",
        rank="policía",
        hire_year=2019,
    )


@pytest.fixture
def agency() -> SimpleNamespace:
    """What the tests send and what they look for."""
    return SimpleNamespace(
        INTAKE=INTAKE,
        SENDER_TRACE=SENDER_TRACE,
        SENDER_SPAN=SENDER_SPAN,
        CURP=CURP,
        FULL_NAME=FULL_NAME,
        Record=Record,
        Officer=Officer,
        registration=registration,
        course_publication=course_publication,
        officer_registered=officer_registered,
    )


@dataclass
class Behaviour:
    """What the registration handler does for a CUIP: raise a bug, or a transient error."""

    bug_for: set[str] = field(default_factory=set)
    transient_for: set[str] = field(default_factory=set)


@pytest.fixture
def sessions(database_url: str) -> Iterator[Callable[[], object]]:
    engine = make_engine(database_url)
    create_tables(engine, [ProcessedMessage, OutboxRecord, Officer])
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def behaviour() -> Behaviour:
    return Behaviour()


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
def processor(sessions, behaviour: Behaviour, metrics: Metrics) -> BatchProcessor:
    def register(uow: UnitOfWork, event: CloudEvent) -> None:
        command = event.data
        assert isinstance(command, RegisterOfficer)
        uow.session.add(Officer(cuip=command.cuip))
        uow.session.flush()
        if command.cuip in behaviour.bug_for:
            raise ValueError(f"cannot register {command.cuip} {command.curp} {command.full_name}")
        if command.cuip in behaviour.transient_for:
            raise OperationalError("INSERT", {"cuip": command.cuip}, Exception("database locked"))
        uow.emit(officer_registered())

    return BatchProcessor(
        "enrolment",
        "/tests",
        {RegisterOfficer.event_type: register},
        sessions,
        DeadLetterBreaker(window=100, max_invalid_ratio=0.9, min_invalid=50),
        metrics=metrics,
    )
