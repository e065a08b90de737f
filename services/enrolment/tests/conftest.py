"""Enrolment's handler and store fixtures: intake records built as an agency would send them,
run through the real chassis pipeline on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import select

from convenio_chassis.consumer import BatchProcessor
from convenio_chassis.db import SessionFactory, create_tables, make_engine, session_factory
from convenio_chassis.dlq import DeadLetterBreaker
from convenio_chassis.migrations import CHASSIS_TABLES
from convenio_chassis.outbox import OutboxRecord
from convenio_contracts import Event, encode
from convenio_contracts.enrolment import (
    ChangeOfficerAssignment,
    CloseOffering,
    PublishCourse,
    RecordAttendance,
    RegisterOfficer,
    RequestEnrolment,
    ScheduleOffering,
    VoidAttendance,
    WithdrawEnrolment,
)
from enrolment.adapters.tables import TABLES
from enrolment.handlers import handlers, prefetch_batch, write_pending_attendance

DAY = dt.date(2026, 3, 2)


@dataclass
class Record:
    value: bytes | None
    headers: list[tuple[str, bytes]]
    topic: str = "enrolment.intake.v1"
    partition: int = 0
    offset: int = 0
    key: bytes | None = None


def record(event: Event) -> Record:
    out = encode(event, source="/agency/test")
    return Record(out.value, out.headers, key=out.key)


class Commands:
    """Intake commands with the test data's defaults; ``i`` numbers an officer."""

    @staticmethod
    def cuip(i: int) -> str:
        return f"CUIP{i:010d}"

    @staticmethod
    def curp(i: int) -> str:
        """One CURP per officer (a CURP is one person); officer 1's is GOML850101HMCRRS09."""
        n = i - 1
        return f"GOML85{1 + n % 12:02d}{1 + n // 12 % 28:02d}HMCRRS{n // 336 % 10}9"

    @staticmethod
    def officer(i: int, **changes: object) -> RegisterOfficer:
        return RegisterOfficer.model_validate(
            {
                "cuip": Commands.cuip(i),
                "curp": Commands.curp(i),
                "full_name": "Luis Gómez Morales",
                "sex": "hombre",
                "corporation": "Policía de Toluca",
                "level": "municipal",
                "municipality": 15106,
                "profile": "proximidad",
                "rank": "policía",
                "hire_year": 2019,
            }
            | changes
        )

    @staticmethod
    def course(**changes: object) -> PublishCourse:
        return PublishCourse.model_validate(
            {
                "course_id": "C-1",
                "version": 1,
                "title": "Primer respondiente",
                "training_type": "actualizacion",
                "programme_code": "P-1",
                "planned_theory_hours": 6,
                "planned_practice_hours": 11,
            }
            | changes
        )

    @staticmethod
    def offering(capacity: int = 2, **changes: object) -> ScheduleOffering:
        """Five sessions: two of theory (4 h, 2 h) and three of practice (5 h, 5 h, 1 h)."""
        plan = [("S1", "teoria", 240), ("S2", "teoria", 120), ("S3", "practica", 300),
                ("S4", "practica", 300), ("S5", "practica", 60)]  # fmt: skip
        sessions = [
            {
                "session_id": sid,
                "session_type": kind,
                "date": str(DAY + dt.timedelta(days=n)),
                "planned_minutes": minutes,
            }
            for n, (sid, kind, minutes) in enumerate(plan)
        ]
        return ScheduleOffering.model_validate(
            {
                "offering_id": "OF-1",
                "course_id": "C-1",
                "course_version": 1,
                "campus": "toluca",
                "starts_on": str(DAY),
                "ends_on": "2026-03-20",
                "capacity": capacity,
                "sessions": sessions,
            }
            | changes
        )

    @staticmethod
    def enrol(i: int, offering_id: str = "OF-1") -> RequestEnrolment:
        return RequestEnrolment(
            cuip=Commands.cuip(i), offering_id=offering_id, requested_by="Academia"
        )

    @staticmethod
    def withdraw(i: int, offering_id: str = "OF-1") -> WithdrawEnrolment:
        return WithdrawEnrolment(
            cuip=Commands.cuip(i), offering_id=offering_id, reason="cambio de adscripción"
        )

    @staticmethod
    def attend(i: int, session_id: str, status: str = "present", minutes: int = 0) -> Any:
        return RecordAttendance.model_validate(
            {
                "cuip": Commands.cuip(i),
                "offering_id": "OF-1",
                "session_id": session_id,
                "status": status,
                "minutes": minutes,
            }
        )

    @staticmethod
    def void(i: int, session_id: str) -> VoidAttendance:
        return VoidAttendance(
            cuip=Commands.cuip(i), offering_id="OF-1", session_id=session_id, reason="captura"
        )

    @staticmethod
    def change(i: int, **fields: object) -> ChangeOfficerAssignment:
        return ChangeOfficerAssignment.model_validate(
            {"cuip": Commands.cuip(i), "reason": "oficio 123", "effective_on": "2026-01-15"}
            | fields
        )

    @staticmethod
    def close(offering_id: str = "OF-1", closed_on: str = "2026-03-21") -> CloseOffering:
        return CloseOffering(offering_id=offering_id, course_id="C-1", closed_on=closed_on)


@pytest.fixture
def raw() -> Callable[[Event], Record]:
    """The record an agency would publish, to be tampered with."""
    return record


@pytest.fixture
def cmd() -> type[Commands]:
    return Commands


class Pipeline:
    """Runs intake through ``BatchProcessor`` and hands back what reached the outbox."""

    def __init__(
        self,
        sessions: SessionFactory,
        completion_threshold: float,
        prefetch: bool = True,
        hours_threshold: float = 0.8,
    ) -> None:
        """``prefetch=False``: no batch memo, every lookup a query (the reference)."""
        self.sessions = sessions
        self.processor = BatchProcessor(
            "enrolment",
            "/convenio/enrolment",
            handlers(completion_threshold, hours_threshold),
            sessions,
            DeadLetterBreaker(100, 1.0, 100),
            after_batch=write_pending_attendance if prefetch else None,
            before_batch=prefetch_batch if prefetch else None,
        )

    def __call__(self, *events: Event | Record) -> list[OutboxRecord]:
        self.processor.process([e if isinstance(e, Record) else record(e) for e in events])
        with self.sessions() as session:
            rows = list(session.exec(select(OutboxRecord).order_by(OutboxRecord.id)))
            session.execute(OutboxRecord.__table__.delete())  # type: ignore[attr-defined]
            session.commit()
        return rows


@pytest.fixture
def database(database_url: str) -> Iterator[tuple[str, SessionFactory]]:
    engine = make_engine(database_url)
    create_tables(engine, [*CHASSIS_TABLES, *TABLES])
    yield database_url, session_factory(engine)
    engine.dispose()


@pytest.fixture
def pipeline(database) -> Callable[..., Pipeline]:
    def make(
        completion_threshold: float = 0.8, prefetch: bool = True, hours_threshold: float = 0.8
    ) -> Pipeline:
        return Pipeline(database[1], completion_threshold, prefetch, hours_threshold)

    return make


@pytest.fixture
def process(pipeline) -> Pipeline:
    return pipeline()


def facts(rows: list[OutboxRecord]) -> list[str]:
    """``subject.action`` of each row, with ``:reason`` for a rejection."""
    out = []
    for row in rows:
        ce_type = dict(row.header_list())["ce_type"].decode().split(".")[-3:-1]
        reason = json.loads(row.value or b"{}").get("reason") if "rejected" in ce_type else None
        out.append(".".join(ce_type) + (f":{reason}" if reason else ""))
    return out


@pytest.fixture
def summary() -> Callable[[list[OutboxRecord]], list[str]]:
    return facts


def body(row: OutboxRecord) -> dict[str, Any]:
    return dict(json.loads(row.value or b"{}"))


@pytest.fixture
def payload() -> Callable[[OutboxRecord], dict[str, Any]]:
    return body
