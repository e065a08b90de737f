"""What a foreign agency system does: plain aiokafka and hand-written CloudEvents headers,
without the project's own encoder, so the tests check the contract as published."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import uuid_utils
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from convenio_contracts import event_class
from convenio_contracts.topics import topic_for


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
    ce_type: str, data: dict[str, Any], key: str, topic: str = "enrolment.intake.v1"
) -> Command:
    headers = {
        "ce_specversion": "1.0",
        "ce_id": str(uuid_utils.uuid7()),
        "ce_source": "/agency/academia-toluca",
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
        "ce_dataschema": f"https://convenio.example/schemas/{ce_type}.json",
        "content-type": "application/json",
    }
    return Command(
        topic_for(ce_type).name,
        key.encode(),
        json.dumps(data).encode(),
        [(k, v.encode()) for k, v in headers.items()],
    )


async def send(bootstrap: str, *commands: Command) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for c in commands:
            await producer.send_and_wait(c.topic, c.value, key=c.key, headers=c.headers)
    finally:
        await producer.stop()


async def send_raw(
    bootstrap: str, topic: str, value: bytes | None, headers: list[tuple[str, bytes]]
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
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


async def read_all(bootstrap: str, topic: str, idle_ms: int = 1500) -> list[Any]:
    """Every record on ``topic`` from offset zero, read until the topic is idle."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
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


def register_officer(i: int, municipality: int, sex: str = "mujer") -> Command:
    cuip = f"CUIPTEST{i:08d}"
    return command(
        "mx.convenio.enrolment.officer.register.v1",
        {
            "cuip": cuip,
            "curp": f"GAMA9{i % 10}0101MMCRRS0{i % 10}",
            "full_name": f"Ana García {i}",
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


def publish_course(course_id: str) -> Command:
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
        },
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
            "sessions": [
                {
                    "session_id": "S1",
                    "session_type": "teoria",
                    "date": "2026-03-02",
                    "planned_minutes": 240,
                }
            ],
        },
        key=course_id,
    )
