"""The evaluation service's handlers and scheduler on a real database, through the chassis's
BatchProcessor, with a clock the test moves; and valid example events."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from convenio_chassis.consumer import BatchProcessor
from convenio_chassis.db import SessionFactory, create_tables, make_engine, session_factory
from convenio_chassis.dlq import DeadLetterBreaker
from convenio_chassis.migrations import CHASSIS_TABLES
from convenio_chassis.outbox import OutboxRecord
from convenio_contracts import Event, encode
from convenio_contracts.enrolment import (
    EnrolmentCompleted,
    EnrolmentCreated,
    OfferingScheduled,
    OfficerAssignmentChanged,
    OfficerRegistered,
)
from convenio_contracts.evaluation import (
    CertifyInstructor,
    ImportTrustControlResult,
    RecordCompetencyResult,
    RecordPerformanceResult,
    ScheduleAssessment,
    SubmitCourseFeedback,
)
from convenio_contracts.topics import topic_for
from evaluation.adapters.tables import TABLES
from evaluation.domain.catalogue import CATALOGUES
from evaluation.domain.policy import Policy
from evaluation.handlers import before_batch, handlers
from evaluation.scheduler import ExpiryScheduler, TickReport

D = dt.date
EVALUATED = D(2026, 2, 16)
"""The day the example officer is evaluated: C3, CB and ED all lapse after 2029-02-15."""
FI_COMPLETED = D(2019, 12, 1)
CERTIFIED_FROM, CERTIFIED_UNTIL = D(2024, 1, 1), D(2028, 12, 31)
COMPETENCIES_2020 = sorted(CATALOGUES["2020"].competencies)
COMPETENCIES_2012 = sorted(CATALOGUES["2012"].competencies)


class Today:
    """The injectable clock: tests set ``day``; nothing sleeps."""

    def __init__(self, day: dt.date) -> None:
        self.day = day

    def __call__(self) -> dt.date:
        return self.day

    def move_to(self, day: dt.date) -> None:
        self.day = day


@dataclass
class Record:
    value: bytes
    headers: list[tuple[str, bytes]]
    topic: str
    key: bytes | None
    partition: int = 0
    offset: int = 0


@dataclass(frozen=True)
class Fact:
    """One outbox row, decoded as a consumer downstream would see it."""

    topic: str
    ce_type: str
    key: str
    data: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """e.g. ``cup.eligibility_changed`` or ``intake.rejected:unknown_officer``."""
        name = ".".join(self.ce_type.split(".")[-3:-1])
        reason = self.data.get("reason")
        return f"{name}:{reason}" if reason else name


def record(event: Event, offset: int = 0) -> Record:
    out = encode(event, source="/agency/test")
    return Record(out.value, out.headers, topic_for(event.event_type).name, out.key, 0, offset)


class Evaluation:
    """What a test drives: send events, tick the scheduler, read back the facts emitted."""

    def __init__(self, sessions: SessionFactory, today: Today, policy: Policy) -> None:
        self.sessions = sessions
        self.today = today
        self.policy = policy
        self.processor = BatchProcessor(
            "evaluation",
            "/convenio/evaluation",
            handlers(policy, today),
            sessions,
            DeadLetterBreaker(100, 1.0, 100),
            before_batch=before_batch,
        )
        self.scheduler = ExpiryScheduler(sessions, policy, today, "/convenio/evaluation", 2)
        self.last_tick: TickReport | None = None

    def send(self, *events: Event) -> list[Fact]:
        self.processor.process([record(e, i) for i, e in enumerate(events)])
        return self.drain()

    def send_records(self, *records: Record) -> list[Fact]:
        self.processor.process(list(records))
        return self.drain()

    def tick(self, on: dt.date | None = None) -> list[Fact]:
        if on is not None:
            self.today.move_to(on)
        self.last_tick = self.scheduler.tick()
        return self.drain()

    def drain(self) -> list[Fact]:
        """The outbox rows written so far, as facts; the outbox is emptied as the relay would."""
        with self.sessions() as session, session.begin():
            rows = list(session.exec(select(OutboxRecord).order_by(OutboxRecord.id)))  # type: ignore[arg-type]
            session.execute(OutboxRecord.__table__.delete())  # type: ignore[attr-defined]
        return [_fact(row) for row in rows]

    def session(self) -> Session:
        return self.sessions()


def _fact(row: OutboxRecord) -> Fact:
    headers = {k: v.decode() for k, v in row.header_list()}
    return Fact(
        row.topic,
        headers["ce_type"],
        (row.key or b"").decode(),
        json.loads(row.value or b"{}"),
        headers,
    )


@contextmanager
def evaluation_on(database_url: str, today: Today, policy: Policy) -> Iterator[Evaluation]:
    engine = make_engine(database_url)
    create_tables(engine, [*CHASSIS_TABLES, *TABLES])
    try:
        yield Evaluation(session_factory(engine), today, policy)
    finally:
        engine.dispose()


def kinds(facts: list[Fact]) -> list[str]:
    return [f.kind for f in facts]


def of_kind(facts: list[Fact], kind: str) -> list[dict[str, Any]]:
    return [f.data for f in facts if f.kind == kind]


def statuses(facts: list[Fact]) -> dict[str, str]:
    """Component -> status, from the status_changed facts (the last one wins)."""
    return {d["component"]: d["status"] for d in of_kind(facts, "cup_component.status_changed")}


# --- example events -------------------------------------------------------------------------


def officer_id(n: int) -> str:
    return f"off_{n:032x}"


def registered(n: int) -> OfficerRegistered:
    return OfficerRegistered(
        officer_id=officer_id(n),
        sex="mujer",
        corporation="Policía Municipal de Toluca",
        level="municipal",
        municipality=15106,
        profile="proximidad",
        rank="policía",
        hire_year=2018,
    )


def reassigned(n: int, status: str = "suspendido", level: str = "estatal") -> Event:
    return OfficerAssignmentChanged(
        officer_id=officer_id(n),
        status=status,
        rank="policía tercero",
        corporation="Secretaría de Seguridad del Estado de México",
        level=level,
        municipality=15057,
        reason="cambio de adscripción",
        effective_on=D(2026, 2, 1),
    )


ENROLLED = D(2019, 6, 1)


def created(n: int, offering: str = "UMS-FI-2019-01", on: dt.date = ENROLLED) -> Event:
    return EnrolmentCreated(
        enrolment_id=f"enr-{n}-formacion_inicial",
        officer_id=officer_id(n),
        offering_id=offering,
        course_id="UMS-FI",
        requested_by="agency-test",
        enrolled_on=on,
    )


def completed(n: int, training_type: str = "formacion_inicial", on: dt.date = FI_COMPLETED):
    return EnrolmentCompleted(
        enrolment_id=f"enr-{n}-{training_type}",
        officer_id=officer_id(n),
        offering_id="UMS-FI-2019-01",
        course_id="UMS-FI",
        course_version=1,
        training_type=training_type,
        planned_theory_hours=500,
        planned_practice_hours=472,
        delivered_theory_hours=500,
        delivered_practice_hours=472,
        attendance_rate=0.95,
        decided_on=on,
        certificate_id=f"CERT-{n}",
    )


def certify(
    instructor: str = "INS-1",
    competencies: tuple[str, ...] = tuple(COMPETENCIES_2020 + COMPETENCIES_2012),
    valid_from: dt.date = CERTIFIED_FROM,
    valid_until: dt.date = CERTIFIED_UNTIL,
) -> CertifyInstructor:
    return CertifyInstructor(
        instructor_id=instructor,
        competencies=competencies,
        valid_from=valid_from,
        valid_until=valid_until,
    )


def competency(
    n: int,
    code: str,
    on: dt.date = EVALUATED,
    score: float = 85,
    practical: str = "cumple",
    evaluator: str = "INS-1",
    version: str = "2020",
) -> RecordCompetencyResult:
    return RecordCompetencyResult(
        officer_id=officer_id(n),
        catalogue_version=version,
        competency=code,
        knowledge_score=score,
        practical_result=practical,
        evaluator_id=evaluator,
        evaluated_on=on,
    )


def battery(n: int, on: dt.date = EVALUATED, version: str = "2020") -> list[Event]:
    codes = COMPETENCIES_2020 if version == "2020" else COMPETENCIES_2012
    return [competency(n, c, on, version=version) for c in codes]


def performance(
    n: int, on: dt.date = EVALUATED, passed: bool = True, score: float = 82
) -> RecordPerformanceResult:
    return RecordPerformanceResult(
        officer_id=officer_id(n),
        score=score,
        scale_max=100,
        passed=passed,
        instrument_version="ED-2024",
        evaluator_id="EVAL-9",
        evaluated_on=on,
    )


def trust_control(n: int, on: dt.date = EVALUATED, approved: bool = True):
    return ImportTrustControlResult(officer_id=officer_id(n), approved=approved, evaluated_on=on)


def scheduled(n: int, assessment_type: str, due_on: dt.date) -> ScheduleAssessment:
    return ScheduleAssessment(
        officer_id=officer_id(n), assessment_type=assessment_type, due_on=due_on
    )


def feedback(
    offering: str = "UMS-PR-2026-01", instructor: str = "INS-7", enrolment: str | None = None
) -> SubmitCourseFeedback:
    return SubmitCourseFeedback(
        offering_id=offering,
        instructor_id=instructor,
        enrolment_id=enrolment,
        relevance=4,
        theory_practice_balance="too_theoretical",
        instructor_rating=5,
        submitted_on=D(2026, 3, 20),
    )


def scheduled_offering(offering: str, instructors: tuple[str, ...]) -> OfferingScheduled:
    return OfferingScheduled(
        offering_id=offering,
        course_id="UMS-PR",
        course_version=1,
        campus="toluca",
        starts_on=D(2026, 3, 2),
        ends_on=D(2026, 3, 6),
        capacity=30,
        instructors=instructors,
    )


def enrolled_in(n: int, offering: str) -> EnrolmentCreated:
    return EnrolmentCreated(
        enrolment_id=f"enr-{n}-formacion_inicial",
        officer_id=officer_id(n),
        offering_id=offering,
        course_id="UMS-PR",
        requested_by="agency-test",
        enrolled_on=D(2026, 3, 1),
    )


def eligible_officer(n: int, on: dt.date = EVALUATED) -> list[Event]:
    """Everything one officer needs for the CUP, all evaluated on the same day."""
    return [
        registered(n),
        completed(n),
        trust_control(n, on),
        *battery(n, on),
        performance(n, on),
    ]
