"""Enrolment's handlers through the real chassis pipeline and a real database (SQLite and
PostgreSQL), with intake records built as an agency would send them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlmodel import select

from convenio_chassis.consumer import BatchProcessor
from convenio_chassis.db import create_tables, make_engine, session_factory
from convenio_chassis.dlq import DeadLetterBreaker
from convenio_chassis.outbox import OutboxRecord
from convenio_chassis.runtime import CHASSIS_TABLES
from convenio_contracts import Event, encode
from convenio_contracts.enrolment import (
    PublishCourse,
    RegisterOfficer,
    RequestEnrolment,
    ScheduleOffering,
)
from enrolment.adapters.tables import TABLES, OfficerRow
from enrolment.handlers import HANDLERS


@dataclass
class Record:
    value: bytes
    headers: list[tuple[str, bytes]]
    topic: str = "enrolment.intake.v1"
    partition: int = 0
    offset: int = 0
    key: bytes | None = None


def record(event: Event) -> Record:
    out = encode(event, source="/agency/test")
    return Record(out.value, out.headers, key=out.key)


def officer(i: int, **changes: object) -> RegisterOfficer:
    return RegisterOfficer.model_validate(
        {
            "cuip": f"CUIP{i:010d}",
            "curp": "GOML850101HMCRRS09",
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


COURSE = PublishCourse(
    course_id="C-1",
    version=1,
    title="Primer respondiente",
    training_type="actualizacion",
    programme_code="P-1",
    planned_theory_hours=10,
    planned_practice_hours=30,
)
OFFERING = ScheduleOffering(
    offering_id="OF-1",
    course_id="C-1",
    course_version=1,
    campus="toluca",
    starts_on="2026-03-02",
    ends_on="2026-03-20",
    capacity=2,
)


@pytest.fixture
def process(database_url: str) -> Iterator:
    engine = make_engine(database_url)
    create_tables(engine, [*CHASSIS_TABLES, *TABLES])
    sessions = session_factory(engine)
    processor = BatchProcessor(
        "enrolment", "/convenio/enrolment", HANDLERS, sessions, DeadLetterBreaker(100, 1.0, 100)
    )

    def run(*events: Event) -> list[OutboxRecord]:
        processor.process([record(e) for e in events])
        with sessions() as session:
            rows = list(session.exec(select(OutboxRecord).order_by(OutboxRecord.id)))
            session.execute(OutboxRecord.__table__.delete())  # type: ignore[attr-defined]
            session.commit()
        return rows

    run.sessions = sessions  # type: ignore[attr-defined]
    yield run
    engine.dispose()


def types_and_reasons(rows: list[OutboxRecord]) -> list[str]:
    out = []
    for row in rows:
        ce_type = dict(row.header_list())["ce_type"].decode().split(".")[-3:-1]
        reason = json.loads(row.value or b"{}").get("reason")
        out.append(".".join(ce_type) + (f":{reason}" if reason else ""))
    return out


def test_registration_emits_a_fact_without_identity(process) -> None:
    [row] = process(officer(1))
    assert row.topic == "enrolment.officer.v1"
    body = row.value.decode()
    assert "CUIP0000000001" not in body
    assert "GOML850101HMCRRS09" not in body
    assert "Gómez" not in body
    assert json.loads(body)["officer_id"].startswith("off_")


def test_the_same_registration_twice_maps_to_one_officer(process) -> None:
    process(officer(1))
    assert process(officer(1)) == []
    with process.sessions() as session:
        assert len(list(session.exec(select(OfficerRow)))) == 1


def test_a_conflicting_registration_is_rejected(process) -> None:
    process(officer(1))
    rows = process(officer(1, municipality=15001))
    assert types_and_reasons(rows) == ["intake.rejected:conflicting_registration"]
    assert rows[0].topic == "intake.rejections.v1"


def test_a_whole_enrolment_flow_with_every_refusal(process) -> None:
    process(officer(1), officer(2), officer(3), COURSE, OFFERING)
    rows = process(
        RequestEnrolment(cuip="CUIP0000000001", offering_id="OF-1", requested_by="A"),
        RequestEnrolment(cuip="CUIP0000000001", offering_id="OF-1", requested_by="A"),
        RequestEnrolment(cuip="CUIP0000000002", offering_id="OF-1", requested_by="A"),
        RequestEnrolment(cuip="CUIP0000000003", offering_id="OF-1", requested_by="A"),
        RequestEnrolment(cuip="CUIP0000000404", offering_id="OF-1", requested_by="A"),
        RequestEnrolment(cuip="CUIP0000000002", offering_id="OF-404", requested_by="A"),
    )
    assert types_and_reasons(rows) == [
        "enrolment.created",
        "intake.rejected:duplicate_enrolment",
        "enrolment.created",
        "intake.rejected:offering_full",
        "intake.rejected:unknown_officer",
        "intake.rejected:unknown_offering",
    ]


def test_an_offering_of_an_unpublished_course_is_rejected(process) -> None:
    assert types_and_reasons(process(OFFERING)) == ["intake.rejected:unknown_course"]


def test_a_course_version_cannot_be_redefined(process) -> None:
    process(COURSE)
    assert process(COURSE) == []
    changed = COURSE.model_copy(update={"planned_practice_hours": 5})
    assert types_and_reasons(process(changed)) == ["intake.rejected:conflicting_definition"]
