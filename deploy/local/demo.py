"""A small, deterministic demo data set published as an agency system would: two
municipalities, 50 officers, one course with one offering, and every officer enrolled."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import time
from collections.abc import Iterator

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from convenio_contracts import Event, encode
from convenio_contracts.enrolment import (
    PlannedSession,
    PublishCourse,
    RegisterOfficer,
    RequestEnrolment,
    ScheduleOffering,
)
from convenio_contracts.topics import topic_for

MUNICIPALITIES = {15106: "Toluca", 15058: "Nezahualcóyotl"}
GIVEN = ["María", "José", "Guadalupe", "Juan", "Ana", "Luis", "Rosa", "Carlos", "Elena", "Jorge"]
SURNAMES = ["Hernández", "García", "Martínez", "López", "González", "Pérez", "Rodríguez", "Sánchez"]
CONSONANTS = "BCDFGHJKLMNPQRSTVWXZ"
COURSE_ID, OFFERING_ID = "UMS-ACT-PR24", "UMS-ACT-PR24-2026-01"


def _curp(rng: random.Random, sex: str, born: dt.date) -> str:
    letters = rng.choice("BCDGHLMPRS") + rng.choice("AEIOU") + "".join(rng.choices(CONSONANTS, k=2))
    return (
        f"{letters}{born:%y%m%d}{'H' if sex == 'hombre' else 'M'}MC"
        f"{''.join(rng.choices(CONSONANTS, k=3))}0{rng.randrange(10)}"
    )


def officers(seed: int = 2022, count: int = 50) -> Iterator[RegisterOfficer]:
    rng = random.Random(seed)
    for i in range(count):
        municipality = list(MUNICIPALITIES)[i % len(MUNICIPALITIES)]
        sex = rng.choice(["hombre", "mujer"])
        born = dt.date(1975, 1, 1) + dt.timedelta(days=rng.randrange(365 * 25))
        yield RegisterOfficer(
            cuip=f"CUIP{seed:04d}{i:08d}",
            curp=_curp(rng, sex, born),
            full_name=f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}",
            sex=sex,
            corporation=f"Policía Municipal de {MUNICIPALITIES[municipality]}",
            level="municipal",
            municipality=municipality,
            profile="proximidad",
            rank="policía",
            hire_year=rng.randrange(2008, 2025),
        )


def course_and_offering() -> tuple[PublishCourse, ScheduleOffering]:
    course = PublishCourse(
        course_id=COURSE_ID,
        version=1,
        title="Uso del bastón PR-24 (actualización)",
        training_type="actualizacion",
        programme_code="PRP-ACT-2026",
        planned_theory_hours=8,
        planned_practice_hours=32,
        competencies=("bastón PR-24",),
    )
    sessions = tuple(
        PlannedSession(
            session_id=f"S{i + 1:02d}",
            session_type="teoria" if i < 2 else "practica",
            date=dt.date(2026, 3, 2) + dt.timedelta(days=i),
            planned_minutes=240,
        )
        for i in range(10)
    )
    offering = ScheduleOffering(
        offering_id=OFFERING_ID,
        course_id=COURSE_ID,
        course_version=1,
        campus="toluca",
        starts_on=dt.date(2026, 3, 2),
        ends_on=dt.date(2026, 3, 13),
        capacity=60,
        instructors=("INS-0001", "INS-0002"),
        target_municipalities=tuple(MUNICIPALITIES),
        sessions=sessions,
    )
    return course, offering


def commands(seed: int = 2022, count: int = 50) -> list[Event]:
    roster = list(officers(seed, count))
    course, offering = course_and_offering()
    enrolments = [
        RequestEnrolment(cuip=o.cuip, offering_id=OFFERING_ID, requested_by="Academia Municipal")
        for o in roster
    ]
    return [*roster, course, offering, *enrolments]


async def publish(bootstrap: str, events: list[Event], source: str = "/agency/ums-demo") -> int:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for event in events:
            record = encode(event, source=source)
            await producer.send(
                topic_for(event.event_type).name,
                value=record.value,
                key=record.key,
                headers=record.headers,
            )
        await producer.flush()
    finally:
        await producer.stop()
    return len(events)


async def wait_for_offering(bootstrap: str, offering_id: str, within_s: float = 60) -> None:
    """Courses are published before anyone enrols: wait until UMS has scheduled the offering."""
    consumer = AIOKafkaConsumer(
        "enrolment.course.v1",
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        group_id=None,
    )
    await consumer.start()
    try:
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                if any(json.loads(r.value).get("offering_id") == offering_id for r in records):
                    return
        raise TimeoutError(f"offering {offering_id} was not scheduled within {within_s}s")
    finally:
        await consumer.stop()


async def publish_in_order(bootstrap: str) -> dict[str, int]:
    """Course and offering first; officers and enrolments once the offering exists. The intake
    topic has several partitions, so publishing everything at once could enrol officers in an
    offering the service has not seen yet."""
    every = commands()
    roster = [c for c in every if c.event_type.endswith("officer.register.v1")]
    definitions = [c for c in every if c.event_type.endswith((".publish.v1", ".schedule.v1"))]
    enrolments = [c for c in every if c.event_type.endswith("enrolment.request.v1")]
    await publish(bootstrap, definitions)
    await wait_for_offering(bootstrap, OFFERING_ID)
    await publish(bootstrap, roster + enrolments)
    return {"officers": len(roster), "definitions": len(definitions), "enrolments": len(enrolments)}


if __name__ == "__main__":
    import sys

    print(asyncio.run(publish_in_order(sys.argv[1])), "published")
