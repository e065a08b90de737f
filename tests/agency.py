"""What a foreign agency system does: plain aiokafka and hand-written CloudEvents headers,
without the project's own encoder, so the tests check the contract as published.

``auth`` is the aiokafka security keyword arguments of the principal the agency connects as
(e.g. ``SecureKafka.client_options("agency-publisher")``); without it the connection is plain.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import uuid_utils
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from convenio_contracts import event_class
from convenio_contracts.topics import Topic, topic_for


@dataclass(frozen=True)
class Command:
    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]

    @property
    def ce_id(self) -> str:
        return dict(self.headers)["ce_id"].decode()


def command(
    ce_type: str,
    data: dict[str, Any],
    key: str,
    topic: str = "enrolment.intake.v1",
    source: str = "/agency/academia-toluca",
) -> Command:
    headers = {
        "ce_specversion": "1.0",
        "ce_id": str(uuid_utils.uuid7()),
        "ce_source": source,
        "ce_type": ce_type,
        "ce_time": dt.datetime.now(dt.UTC).isoformat(),
        "content-type": "application/json",
    }
    return Command(
        topic,
        key.encode(),
        json.dumps(data).encode(),
        [(k, v.encode()) for k, v in headers.items()],
    )


def fact(ce_type: str, data: dict[str, Any], *, time: dt.datetime | None = None) -> Command:
    """A fact as its producer (enrolment, evaluation) publishes it, for tests that stand in
    for a producer: plain JSON and hand-written headers, on the catalogue's topic, keyed by
    the type's key field. The payload is checked against the contract model first (no unknown
    field, every required one valid), so a test's facts cannot drift from the contract."""
    model = event_class(ce_type)
    if model is None:
        raise ValueError(f"{ce_type} is not a contract type")
    unknown = set(data) - set(model.model_fields)
    if unknown:
        raise ValueError(f"{ce_type} has no field(s) {sorted(unknown)}")
    model.model_validate(data)
    key = str(data[model.key_field])
    service = ce_type.split(".")[2]
    headers = {
        "ce_specversion": "1.0",
        "ce_id": str(uuid_utils.uuid7()),
        "ce_source": f"/convenio/{service}",
        "ce_type": ce_type,
        "ce_time": (time or dt.datetime.now(dt.UTC)).isoformat(),
        "ce_subject": key,
        "ce_dataschema": f"http://localhost:8001/schemas/{ce_type}.json",
        "content-type": "application/json",
    }
    return Command(
        topic_for(ce_type).name,
        key.encode(),
        json.dumps(data).encode(),
        [(k, v.encode()) for k, v in headers.items()],
    )


def _connection(bootstrap: str, auth: Mapping[str, Any] | None) -> dict[str, Any]:
    return {"bootstrap_servers": bootstrap, **(auth or {})}


async def send(bootstrap: str, *commands: Command, auth: Mapping[str, Any] | None = None) -> None:
    producer = AIOKafkaProducer(**_connection(bootstrap, auth), acks="all")
    await producer.start()
    try:
        for c in commands:
            await producer.send_and_wait(c.topic, c.value, key=c.key, headers=c.headers)
    finally:
        await producer.stop()


async def send_raw(
    bootstrap: str,
    topic: str,
    value: bytes | None,
    headers: list[tuple[str, bytes]],
    auth: Mapping[str, Any] | None = None,
) -> None:
    producer = AIOKafkaProducer(
        **_connection(bootstrap, auth), acks="all", max_request_size=8 * 1024 * 1024
    )
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=b"garbage", headers=headers)
    finally:
        await producer.stop()


def latest_state(records: list[Any]) -> dict[str, dict[str, Any]]:
    """What a compacted topic holds once compacted: the last value per key, tombstones
    (null values) deleting theirs."""
    latest: dict[str, dict[str, Any]] = {}
    for r in records:
        if r.value is None:
            latest.pop(r.key.decode(), None)
        else:
            latest[r.key.decode()] = json.loads(r.value)
    return latest


async def read_all(
    bootstrap: str, topic: str, idle_ms: int = 1500, auth: Mapping[str, Any] | None = None
) -> list[Any]:
    """Every record on ``topic`` from offset zero, read until the topic is idle."""
    consumer = AIOKafkaConsumer(
        topic,
        **_connection(bootstrap, auth),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    await consumer.start()
    records: list[Any] = []
    try:
        while batch := await consumer.getmany(timeout_ms=idle_ms):
            for part in batch.values():
                records.extend(part)
    finally:
        await consumer.stop()
    return records


async def records_held(
    bootstrap: str, topics: Sequence[Topic], auth: Mapping[str, Any] | None = None
) -> dict[str, int]:
    """How many records each catalogued topic holds (end minus beginning offsets), without
    reading them: cheap enough to check that every dead-letter topic is empty."""
    parts = [TopicPartition(t.name, p) for t in topics for p in range(t.partitions)]
    consumer = AIOKafkaConsumer(**_connection(bootstrap, auth), group_id=None)
    await consumer.start()
    try:
        begin, end = await consumer.beginning_offsets(parts), await consumer.end_offsets(parts)
    finally:
        await consumer.stop()
    held = {t.name: 0 for t in topics}
    for tp in parts:
        held[tp.topic] += end[tp] - begin[tp]
    return held


def register_officer(i: int, municipality: int, sex: str = "mujer") -> Command:
    cuip = cuip_of(i)
    return command(
        "mx.convenio.enrolment.officer.register.v1",
        {
            "cuip": cuip,
            "curp": curp_of(i),
            "full_name": name_of(i),
            "sex": sex,
            "corporation": "Policía Municipal",
            "level": "municipal",
            "municipality": municipality,
            "profile": "proximidad",
            "rank": "policía",
            "hire_year": 2018,
        },
        key=cuip,
    )


def request_enrolment(i: int, offering_id: str) -> Command:
    cuip = f"CUIPTEST{i:08d}"
    return command(
        "mx.convenio.enrolment.enrolment.request.v1",
        {"cuip": cuip, "offering_id": offering_id, "requested_by": "Academia Toluca"},
        key=cuip,
    )


def publish_course(course_id: str, **changes: Any) -> Command:
    return command(
        "mx.convenio.enrolment.course.publish.v1",
        {
            "course_id": course_id,
            "version": 1,
            "title": "Primer respondiente",
            "training_type": "actualizacion",
            "programme_code": "PRP-2026",
            "planned_theory_hours": 10,
            "planned_practice_hours": 30,
            "competencies": ["primer respondiente"],
        }
        | changes,
        key=course_id,
    )


def schedule_offering(offering_id: str, course_id: str, capacity: int = 40) -> Command:
    return command(
        "mx.convenio.enrolment.offering.schedule.v1",
        {
            "offering_id": offering_id,
            "course_id": course_id,
            "course_version": 1,
            "campus": "toluca",
            "starts_on": "2026-03-02",
            "ends_on": "2026-03-20",
            "capacity": capacity,
            "instructors": ["INS-1"],
            "target_municipalities": [15106],
            "sessions": DEFAULT_SESSIONS,
        },
        key=course_id,
    )


DEFAULT_SESSIONS = [
    {"session_id": sid, "session_type": kind, "date": day, "planned_minutes": minutes}
    for sid, kind, day, minutes in (
        ("S1", "teoria", "2026-03-02", 240),
        ("S2", "teoria", "2026-03-03", 360),
        ("S3", "practica", "2026-03-04", 360),
        ("S4", "practica", "2026-03-05", 360),
        ("S5", "practica", "2026-03-06", 360),
        ("S6", "practica", "2026-03-09", 360),
        ("S7", "practica", "2026-03-10", 360),
    )
]
"""What ``schedule_offering`` plans by default: the 10 h of theory and 30 h of practice of
``publish_course``'s default course, as enrolment requires (ADR 0076)."""


def cuip_of(i: int) -> str:
    return f"CUIPTEST{i:08d}"


def curp_of(i: int) -> str:
    """One CURP per officer number (enrolment refuses a CURP under a second CUIP)."""
    yy, mm, dd, homoclave = i % 100, 1 + i // 100 % 12, 1 + i // 1200 % 28, i // 33600 % 36
    return f"GAMA{yy:02d}{mm:02d}{dd:02d}MMCRRS{'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'[homoclave]}0"


def name_of(i: int) -> str:
    return f"Ana García {i}"


def _officer_command(ce_type: str, i: int, fields: dict[str, Any]) -> Command:
    return command(ce_type, {"cuip": cuip_of(i), **fields}, key=cuip_of(i))


def change_assignment(i: int, reason: str = "oficio DGA/123", **fields: Any) -> Command:
    return _officer_command(
        "mx.convenio.enrolment.officer.change_assignment.v1",
        i,
        {"reason": reason, "effective_on": "2026-02-01", **fields},
    )


def withdraw_enrolment(i: int, offering_id: str, reason: str = "cambio de adscripción") -> Command:
    return _officer_command(
        "mx.convenio.enrolment.enrolment.withdraw.v1",
        i,
        {"offering_id": offering_id, "reason": reason},
    )


def record_attendance(
    i: int, offering_id: str, session_id: str, status: str, minutes: int = 0
) -> Command:
    return _officer_command(
        "mx.convenio.enrolment.attendance.record.v1",
        i,
        {
            "offering_id": offering_id,
            "session_id": session_id,
            "status": status,
            "minutes": minutes,
        },
    )


def void_attendance(i: int, offering_id: str, session_id: str, reason: str) -> Command:
    return _officer_command(
        "mx.convenio.enrolment.attendance.void.v1",
        i,
        {"offering_id": offering_id, "session_id": session_id, "reason": reason},
    )


def close_offering(offering_id: str, course_id: str, closed_on: str = "2026-03-21") -> Command:
    return command(
        "mx.convenio.enrolment.offering.close.v1",
        {"offering_id": offering_id, "course_id": course_id, "closed_on": closed_on},
        key=course_id,
    )


def session(session_id: str, session_type: str, date: str, planned_minutes: int) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "session_type": session_type,
        "date": date,
        "planned_minutes": planned_minutes,
    }


def schedule_sessions(
    offering_id: str, course_id: str, capacity: int, sessions: list[dict[str, Any]]
) -> Command:
    """``schedule_offering`` with a session plan of the caller's choosing."""
    scheduled = schedule_offering(offering_id, course_id, capacity)
    data = json.loads(scheduled.value) | {"sessions": sessions}
    return command("mx.convenio.enrolment.offering.schedule.v1", data, key=course_id)


class Watcher:
    """Follows topics from offset zero for the life of a scenario, so a test waits for the
    outcome it expects (polling, never sleeping) and then reads everything that was published.
    """

    def __init__(self, bootstrap: str, *topics: str) -> None:
        self.consumer = AIOKafkaConsumer(
            *topics,
            bootstrap_servers=bootstrap,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            group_id=None,
        )
        self.records: list[Any] = []

    async def __aenter__(self) -> Watcher:
        await self.consumer.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.consumer.stop()

    async def until(self, what: str, done: Any, timeout_s: float = 60.0) -> None:
        """Read until ``done(self)`` is true; fail naming ``what`` if it never becomes so."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while not done(self):
            if loop.time() > deadline:
                raise AssertionError(f"never saw {what}; saw {self.summary()}")
            batch = await self.consumer.getmany(timeout_ms=250)
            for part in batch.values():
                self.records.extend(part)

    def on(self, topic: str) -> list[Any]:
        return [r for r in self.records if r.topic == topic]

    def facts(self, action: str) -> list[dict[str, Any]]:
        """Payloads of the facts whose ``ce_type`` ends in ``.<action>.v1``."""
        suffix = f".{action}.v1"
        return [
            json.loads(r.value)
            for r in self.records
            if dict(r.headers).get("ce_type", b"").decode().endswith(suffix)
        ]

    def rejection(self, ce_id: str) -> dict[str, Any] | None:
        for r in self.on("intake.rejections.v1"):
            body = json.loads(r.value)
            if body.get("rejected_event_id") == ce_id:  # a dead-letter notice has none
                return dict(body)
        return None

    def summary(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self.records:
            ce_type = dict(r.headers).get("ce_type", b"?").decode()
            counts[ce_type] = counts.get(ce_type, 0) + 1
        return counts


@dataclass(frozen=True)
class AgencySpan:
    """A span in the agency's own tracing, under which it sends a command."""

    trace_id: str
    span_id: str

    @classmethod
    def new(cls) -> AgencySpan:
        return cls(secrets.token_hex(16), secrets.token_hex(8))

    @property
    def traceparent(self) -> str:
        return f"00-{self.trace_id}-{self.span_id}-01"


def traced(cmd: Command, span: AgencySpan) -> Command:
    """The command as sent from inside the agency's span (W3C ``traceparent`` header)."""
    return replace(cmd, headers=[*cmd.headers, ("traceparent", span.traceparent.encode())])


# --- enrolment facts, as the enrolment service's outbox publishes them -----------------------
# For tests of a consumer of those facts that should not depend on enrolment's own intake flow.

ENROLMENT = "/convenio/enrolment"


def officer_registered(officer_id: str, municipality: int = 15106) -> Command:
    return command(
        "mx.convenio.enrolment.officer.registered.v1",
        {
            "officer_id": officer_id,
            "sex": "mujer",
            "corporation": "Policía Municipal",
            "level": "municipal",
            "municipality": municipality,
            "profile": "proximidad",
            "rank": "policía",
            "hire_year": 2018,
        },
        key=officer_id,
        topic="enrolment.officer.v1",
        source=ENROLMENT,
    )


def enrolment_completed(
    officer_id: str, training_type: str = "formacion_inicial", decided_on: str = "2019-12-01"
) -> Command:
    return command(
        "mx.convenio.enrolment.enrolment.completed.v1",
        {
            "enrolment_id": f"enr-{officer_id[-8:]}-{training_type}",
            "officer_id": officer_id,
            "offering_id": "UMS-FI-2019-01",
            "course_id": "UMS-FI",
            "course_version": 1,
            "training_type": training_type,
            "planned_theory_hours": 500,
            "planned_practice_hours": 472,
            "delivered_theory_hours": 500,
            "delivered_practice_hours": 472,
            "attendance_rate": 0.96,
            "decided_on": decided_on,
            "certificate_id": f"CERT-{officer_id[-8:]}",
        },
        key=officer_id,
        topic="enrolment.training.v1",
        source=ENROLMENT,
    )


def offering_scheduled(offering_id: str, instructors: tuple[str, ...]) -> Command:
    return command(
        "mx.convenio.enrolment.offering.scheduled.v1",
        {
            "offering_id": offering_id,
            "course_id": "UMS-PR",
            "course_version": 1,
            "campus": "toluca",
            "starts_on": "2026-03-02",
            "ends_on": "2026-03-06",
            "capacity": 30,
            "instructors": list(instructors),
        },
        key=offering_id,
        topic="enrolment.course.v1",
        source=ENROLMENT,
    )


def enrolment_created(officer_id: str, offering_id: str, enrolment_id: str) -> Command:
    return command(
        "mx.convenio.enrolment.enrolment.created.v1",
        {
            "enrolment_id": enrolment_id,
            "officer_id": officer_id,
            "offering_id": offering_id,
            "course_id": "UMS-PR",
            "requested_by": "agency-test",
            "enrolled_on": "2026-03-01",
        },
        key=officer_id,
        topic="enrolment.training.v1",
        source=ENROLMENT,
    )


# --- evaluation intake, as evaluators and the C3 import send it ------------------------------

EVALUATION_INTAKE = "evaluation.intake.v1"
EVALUATOR = "/agency/ums-evaluacion"
COMPETENCIES_2020 = (
    "acondicionamiento_fisico_y_defensa_policial",
    "armamento_y_tiro",
    "conduccion_de_vehiculos",
    "detencion_y_conduccion_de_personas",
    "baston_pr_24",
    "radiocomunicacion",
    "primer_respondiente",
)


def _evaluation(ce_type: str, data: dict[str, Any], key: str) -> Command:
    return command(
        f"mx.convenio.evaluation.{ce_type}", data, key, topic=EVALUATION_INTAKE, source=EVALUATOR
    )


def certify_instructor(
    instructor_id: str,
    competencies: tuple[str, ...] = COMPETENCIES_2020,
    valid_from: str = "2024-01-01",
    valid_until: str = "2028-12-31",
) -> Command:
    return _evaluation(
        "instructor.certify.v1",
        {
            "instructor_id": instructor_id,
            "competencies": list(competencies),
            "valid_from": valid_from,
            "valid_until": valid_until,
        },
        key=instructor_id,
    )


def record_competency_result(
    officer_id: str,
    competency: str,
    evaluated_on: str,
    evaluator_id: str = "INS-1",
    knowledge_score: float = 85,
    practical_result: str = "cumple",
    catalogue_version: str = "2020",
) -> Command:
    return _evaluation(
        "competency_result.record.v1",
        {
            "officer_id": officer_id,
            "catalogue_version": catalogue_version,
            "competency": competency,
            "knowledge_score": knowledge_score,
            "practical_result": practical_result,
            "evaluator_id": evaluator_id,
            "evaluated_on": evaluated_on,
        },
        key=officer_id,
    )


def record_performance_result(officer_id: str, evaluated_on: str, passed: bool = True) -> Command:
    return _evaluation(
        "performance_result.record.v1",
        {
            "officer_id": officer_id,
            "score": 82 if passed else 40,
            "scale_max": 100,
            "passed": passed,
            "instrument_version": "ED-2024",
            "evaluator_id": "EVAL-9",
            "evaluated_on": evaluated_on,
        },
        key=officer_id,
    )


def import_trust_control_result(officer_id: str, evaluated_on: str, approved: bool) -> Command:
    return _evaluation(
        "trust_control_result.import.v1",
        {"officer_id": officer_id, "approved": approved, "evaluated_on": evaluated_on},
        key=officer_id,
    )


def submit_course_feedback(offering_id: str, instructor_id: str, **extra: Any) -> Command:
    """``extra`` lets a test send what a careless client might add (an officer's identity)."""
    return _evaluation(
        "course_feedback.submit.v1",
        {
            "offering_id": offering_id,
            "instructor_id": instructor_id,
            "relevance": 4,
            "theory_practice_balance": "too_theoretical",
            "instructor_rating": 5,
            "submitted_on": "2026-03-20",
            **extra,
        },
        key=offering_id,
    )
