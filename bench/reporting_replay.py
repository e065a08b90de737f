"""Replay throughput: how fast reporting rebuilds its projections from the fact topics,
against a bare aiokafka read of the same records in the same run (numbers, not asserts).

    uv run python bench/reporting_replay.py                 # 28,800 officers, ~490,000 facts
    uv run python bench/reporting_replay.py --officers 6000
    KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 uv run python bench/reporting_replay.py

Without KAFKA_BOOTSTRAP_SERVERS it starts a local broker of its own. The synthetic history has
about 16 facts per officer over the 125 municipalities: registration, enrolment, attendance,
outcome, competency evaluations, CUP statuses, eligibility and feedback.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "deploy" / "local"))

from convenio_chassis.settings import KafkaSettings  # noqa: E402
from convenio_chassis.topics_admin import ensure_topics  # noqa: E402
from convenio_contracts import Event, encode  # noqa: E402
from convenio_contracts import enrolment as en  # noqa: E402
from convenio_contracts import evaluation as ev  # noqa: E402
from convenio_contracts.topics import topic, topic_for  # noqa: E402
from kafka_local import LocalKafka  # noqa: E402
from reporting.replay import replay, replay_topics  # noqa: E402
from reporting.settings import ReportingSettings  # noqa: E402

D = dt.date


def history(officers: int, seed: int = 7) -> Iterator[Event]:
    """The facts, generated as they are published (half a million do not fit in memory as
    models comfortably)."""
    rng = random.Random(seed)
    yield from [
        en.CoursePublished(
            course_id="C1",
            version=1,
            title="Primer respondiente",
            training_type="actualizacion",
            programme_code="P",
            planned_theory_hours=10,
            planned_practice_hours=30,
        ),
        ev.InstructorCertified(
            instructor_id="I1",
            competencies=("armamento",),
            valid_from=D(2025, 1, 1),
            valid_until=D(2028, 1, 1),
        ),
    ]
    for i in range(officers):
        out: list[Event] = []
        oid = f"off_{i:032x}"
        month = rng.randint(1, 12)
        day = D(2026, month, rng.randint(1, 28))
        offering = f"O{month}"
        out.append(
            en.OfficerRegistered(
                officer_id=oid,
                sex=rng.choice(("hombre", "mujer")),
                corporation="Policía",
                level=rng.choice(("estatal", "municipal", "municipal")),
                municipality=15001 + rng.randrange(125),
                profile="proximidad",
                rank="policía",
                hire_year=2015,
            )
        )
        out.append(
            en.EnrolmentCreated(
                enrolment_id=f"E{i}",
                officer_id=oid,
                offering_id=offering,
                course_id="C1",
                requested_by="academia",
                enrolled_on=day,
            )
        )
        for s in range(8):
            out.append(
                en.AttendanceRecorded(
                    attendance_id=f"A{i}-{s}",
                    enrolment_id=f"E{i}",
                    officer_id=oid,
                    offering_id=offering,
                    session_id=f"S{s}",
                    session_type="teoria" if s < 2 else "practica",
                    session_date=day,
                    planned_minutes=240,
                    status=rng.choice(("present",) * 9 + ("absent",)),
                    minutes=240,
                )
            )
        out.append(
            en.EnrolmentCompleted(
                enrolment_id=f"E{i}",
                officer_id=oid,
                offering_id=offering,
                course_id="C1",
                course_version=1,
                training_type="actualizacion",
                planned_theory_hours=10,
                planned_practice_hours=30,
                delivered_theory_hours=rng.choice((8, 10, 14)),
                delivered_practice_hours=30,
                attendance_rate=0.9,
                decided_on=day,
                certificate_id=f"CERT{i}",
            )
        )
        for attempt in (1, 2):
            passed = rng.random() < 0.7
            out.append(
                ev.CompetencyEvaluated(
                    officer_id=oid,
                    catalogue_version="2020",
                    competency="armamento",
                    knowledge_score=80 if passed else 50,
                    practical_result="cumple" if passed else "no_cumple",
                    passed=passed,
                    attempt=attempt,
                    evaluator_id="I1",
                    evaluated_on=day,
                )
            )
        for component, until in (
            ("FI", None),
            ("C3", D(2026, 1, 1) + dt.timedelta(days=rng.randrange(900))),
        ):
            out.append(
                ev.CupComponentStatusChanged(
                    officer_id=oid,
                    component=component,
                    status="aprobatoria_vigente",
                    previous_status="sin_evaluacion",
                    valid_from=D(2025, 6, 1),
                    valid_until=until,
                    changed_on=D(2025, 6, 1),
                    source="bench",
                )
            )
        out.append(
            ev.CupEligibilityChanged(
                officer_id=oid,
                eligible=False,
                missing_components=("CB", "ED"),
                earliest_expiry=None,
                changed_on=D(2025, 6, 1),
            )
        )
        out.append(
            ev.CourseFeedbackSubmitted(
                offering_id=offering,
                instructor_id="I1",
                relevance=rng.randint(1, 5),
                theory_practice_balance="balanced",
                instructor_rating=rng.randint(1, 5),
                submitted_on=day,
            )
        )
        yield from out


async def publish(bootstrap: str, events: Iterable[Event]) -> int:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=20, max_batch_size=512 * 1024
    )
    await producer.start()
    n = 0
    try:
        pending = []
        for event in events:
            n += 1
            record = encode(event, source="/bench")
            pending.append(
                await producer.send(
                    topic_for(event.event_type).name,
                    record.value,
                    key=record.key,
                    headers=record.headers,
                )
            )
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return n


async def bare_read(bootstrap: str) -> tuple[int, float]:
    """The baseline: read every record of the replayed topics, do nothing with it."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        max_partition_fetch_bytes=8 << 20,
        fetch_max_bytes=64 << 20,
    )
    await consumer.start()
    try:
        parts = [TopicPartition(t, p) for t in replay_topics() for p in range(topic(t).partitions)]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = {tp: e for tp, e in (await consumer.end_offsets(parts)).items() if e}
        started, n = time.perf_counter(), 0
        while ends:
            for tp, records in (
                await consumer.getmany(timeout_ms=1000, max_records=10_000)
            ).items():
                n += len(records)
                if records and records[-1].offset >= ends.get(tp, 0) - 1:
                    ends.pop(tp, None)
        return n, time.perf_counter() - started
    finally:
        await consumer.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--officers", type=int, default=28_800, help="Edomex: about 28,800")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()
    broker = None
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not bootstrap:
        broker = LocalKafka()
        broker.start()
        bootstrap = broker.bootstrap
    try:
        kafka = KafkaSettings(bootstrap_servers=bootstrap)
        asyncio.run(ensure_topics(kafka))
        started = time.perf_counter()
        n = asyncio.run(publish(bootstrap, history(args.officers)))
        print(f"published {n} facts in {time.perf_counter() - started:.1f}s")
        n, seconds = asyncio.run(bare_read(bootstrap))
        print(f"bare aiokafka read:   {n} records in {seconds:.2f}s = {n / seconds:,.0f}/s")
        with tempfile.TemporaryDirectory() as tmp:
            url = args.database_url or f"sqlite:///{tmp}/replay.db"
            result = replay(url, ReportingSettings(), kafka)
        s = result.stats
        print(
            f"replay ingest:        {s.records} records in {result.ingest_seconds:.2f}s = "
            f"{s.records / result.ingest_seconds:,.0f}/s (decode, handlers, bulk writes)"
        )
        print(
            f"replay total:         {s.seconds:.2f}s = {s.rate:,.0f}/s including the feed "
            f"({result.tables} tables, {len(result.cells)} cells)"
        )
    finally:
        if broker is not None:
            broker.stop()


if __name__ == "__main__":
    main()
